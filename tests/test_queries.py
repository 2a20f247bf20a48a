"""The SPARQL library: every .rq has a complete header, parses in Oxigraph and rdflib, and binds
``$name`` parameters as terms (the same answers as pyoxigraph's own substitutions) instead of
splicing them; the library refuses, when it loads, a query whose parameters cannot work."""

from __future__ import annotations

import golden
import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from lineagekg.errors import QueryNotFoundError, QueryParameterError, ResourceError
from lineagekg.queries import QueryLibrary, SPARQLQuery, library
from lineagekg.resources import sparql_dir
from lineagekg.sparql_text import tokens
from lineagekg.store import OxigraphStore

QUERIES = sorted(sparql_dir().rglob("*.rq"))
REQUIRED = {"analyses/ancestors", "analyses/descendants", "analyses/roots", "analyses/shared-roots",
            "analyses/path", "analyses/contamination", "analyses/redundancy",
            "analyses/domain-degrees", "analyses/stats"}


def test_the_library_has_every_analysis() -> None:
    assert len(QUERIES) >= 15
    assert REQUIRED <= set(library().names())


@pytest.mark.parametrize("path", QUERIES, ids=[p.relative_to(sparql_dir()).as_posix() for p in QUERIES])
def test_query_file(path, store: OxigraphStore) -> None:
    """Header complete; parses in rdflib; runs in Oxigraph with every parameter bound."""
    q = library().get(path.relative_to(sparql_dir()).with_suffix("").as_posix())
    assert q.summary, "#+ summary: missing"
    assert q.returns, "#+ returns: missing"
    prepareQuery(q.text)
    values = {p.name: ("https://example.org/x" if p.type == "iri" else "x") for p in q.params}
    if q.kind == "SELECT":
        names = [v.value for v in store.raw_query(q, **values).variables]
        assert set(q.returns) == set(names), "#+ returns must list the projected variables"
        assert not set(names) & {p.name for p in q.params}, "a parameter is not projected: the caller knows it"
    else:
        store.raw_query(q, **values)


def test_unknown_query_suggests_names() -> None:
    with pytest.raises(QueryNotFoundError) as err:
        library().get("ancestor")
    assert "analyses/ancestors" in (err.value.hint or "")


def test_parameters_are_checked(store: OxigraphStore) -> None:
    q = library().get("ancestors")
    with pytest.raises(QueryParameterError, match="required"):
        store.select(q)
    with pytest.raises(QueryParameterError, match="not a parameter"):
        store.select(q, dataset="https://example.org/x", extra="1")
    with pytest.raises(QueryParameterError, match="not a valid iri"):
        store.select(q, dataset="not an iri")


def test_values_are_bound_not_spliced(small_store: OxigraphStore) -> None:
    """A hostile string parameter is a literal to match, not SPARQL to run."""
    hostile = '") } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o FILTER("'
    q = library().get("internal/find-dataset")
    assert small_store.select(q, id=hostile) == []
    assert len(small_store.select(q, id="openai/gsm8k")) == 1


def test_header_is_parsed() -> None:
    q = SPARQLQuery.from_text("t", "#+ summary: s\n#+ params:\n#+   n: {type: integer, required: false}\n"
                                   "#+ returns: [n]\nSELECT ?n WHERE { BIND(1 AS ?n) }")
    assert (q.kind, q.summary, q.params[0].type, q.params[0].required) == ("SELECT", "s", "integer", False)


# --- parameters: $name only, as terms, checked when the library loads -----------------------------

def _query(text: str, params: str = "d: {type: iri}") -> SPARQLQuery:
    return SPARQLQuery.from_text("t", f"#+ params: {{{params}}}\n" + text)


def test_only_declared_dollar_parameters_are_substituted() -> None:
    q = _query("SELECT ?d ?x WHERE { $d ?p ?x . ?d ?q $other }")
    rendered = q.render({"d": "https://example.org/a"}).splitlines()[-1]
    assert rendered == "SELECT ?d ?x WHERE { <https://example.org/a> ?p ?x . ?d ?q $other }"


def test_a_keyword_as_a_local_name_does_not_change_the_rendering(small_store: OxigraphStore) -> None:
    """lk:group (and GROUP BY after it) once broke the clause tracking of the renderer."""
    q = SPARQLQuery.from_text("t", """#+ params: {d: {type: iri}}
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?s (COUNT(*) AS ?n) WHERE { OPTIONAL { ?s lk:group ?g } $d prov:wasDerivedFrom ?s } GROUP BY ?s""")
    q.check()
    mix = "https://huggingface.co/datasets/example/math-mix"
    assert "{ OPTIONAL { ?s lk:group ?g } <" + mix + "> prov:wasDerivedFrom ?s }" in q.render({"d": mix})
    assert len(small_store.select(q, d=mix)) == 3


def test_a_blank_node_value_is_refused() -> None:
    """Written into the text, _:b would be a variable: the query would match every dataset."""
    with pytest.raises(QueryParameterError, match="blank node"):
        _query("ASK { $d ?p ?o }").render({"d": ox.BlankNode("b")})


@pytest.mark.parametrize(("given", "lexical"), [("1e-05", "0.00001"), ("0.25", "0.25"), (3, "3.0"),
                                                ("-2.50", "-2.50")])
def test_a_decimal_is_written_in_its_canonical_lexical_form(given: object, lexical: str) -> None:
    q = _query("ASK { FILTER($x >= 0) }", "x: {type: decimal}")
    assert f'"{lexical}"^^<http://www.w3.org/2001/XMLSchema#decimal>' in q.render({"x": given})
    with pytest.raises(QueryParameterError, match="not a valid decimal"):
        q.render({"x": "NaN"})


@pytest.mark.parametrize(("text", "params", "problem"), [
    ("SELECT $d ?x WHERE { $d ?p ?x }", "d: {type: iri}", "does not parse with its parameters bound"),
    ("SELECT ?x WHERE { $d ?p ?x } GROUP BY $d ?x", "d: {type: iri}", "does not parse"),
    ("SELECT ?x WHERE { $dd ?p ?x }", "d: {type: iri}", r"\$dd not declared"),
    ("SELECT ?x WHERE { ?d ?p ?x }", "d: {type: iri}", "declared but never written"),
], ids=["projected", "grouped", "typo", "unused"])
def test_the_load_check_refuses_a_parameter_that_cannot_work(text: str, params: str, problem: str) -> None:
    with pytest.raises(ResourceError, match=problem):
        _query(text, params).check()


def test_the_library_loads_checked(tmp_path) -> None:
    """A library folder with one broken query does not load, and names the file."""
    (tmp_path / "ok.rq").write_text("#+ params: {d: {type: iri}}\nASK { $d ?p ?o }")
    (tmp_path / "bad.rq").write_text("#+ params: {d: {type: iri}}\nSELECT $d WHERE { $d ?p ?o }")
    with pytest.raises(ResourceError, match="bad.rq"):
        QueryLibrary.from_directory(tmp_path)


PARAMETRISED = [q for q in golden.queries() if q.params]


@pytest.mark.parametrize("query", PARAMETRISED, ids=[q.name for q in PARAMETRISED])
def test_rendering_answers_as_pyoxigraph_substitutions_do(query: SPARQLQuery) -> None:
    """Differential: the text with its parameters written in, and the text as it is with the
    parameters given to pyoxigraph's ``substitutions``, answer the same on the small graph."""
    store = golden.small_store()
    raw = ox.Store()
    raw.extend(store.quads())
    values = golden.parameters(store, query)
    rendered = raw.query(query.render(values), use_default_graph_as_union=True)
    substituted = raw.query(_projecting(query), use_default_graph_as_union=True, substitutions=query.bind(values))
    assert _answer(rendered, query) == _answer(substituted, query)


def _projecting(query: SPARQLQuery) -> str:
    """The text with its parameters projected by every SELECT (and grouped by): pyoxigraph
    substitutes only a projected variable, and scopes a subquery's variables as SPARQL does
    (the subqueries of a CONSTRUCT too)."""
    params = " ".join(f"${p.name}" for p in query.params) + " "
    words = [t for t in tokens(query.text) if t.kind == "word"]
    at = {}
    for i, word in enumerate(words):
        if word.text.upper() == "SELECT":
            keyword = words[i + 1] if words[i + 1].text.upper() in ("DISTINCT", "REDUCED") else word
            at[keyword.start + len(keyword.text)] = " " + params
    groups = [t for t, after in zip(words, words[1:], strict=False)
              if t.text.upper() == "GROUP" and after.text.upper() == "BY"]
    if groups:                                  # the outer query's GROUP BY comes last
        by = words[words.index(groups[-1]) + 1]
        at[by.start + len(by.text)] = " " + params
    text = query.text
    for offset in sorted(at, reverse=True):
        text = text[:offset] + at[offset] + text[offset:]
    return text


def _answer(result: object, query: SPARQLQuery) -> object:
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables if v.value not in {p.name for p in query.params}]
        return variables, sorted(tuple(str(s[v]) for v in variables) for s in result)
    if isinstance(result, ox.QueryTriples):
        return sorted(str(t) for t in result)
    return bool(result)
