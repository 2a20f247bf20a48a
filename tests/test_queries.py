"""The SPARQL library: every .rq has a complete header, parses in Oxigraph and rdflib, projects
its parameters, and binds values instead of splicing them."""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql import prepareQuery

from lineagekg.errors import QueryNotFoundError, QueryParameterError
from lineagekg.queries import SPARQLQuery, library
from lineagekg.resources import sparql_dir
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
        rows = store.select(q, **values)
        assert isinstance(rows, list)
        names = [v.value for v in store.raw_query(q, **values).variables]
        assert set(q.returns) == set(names), "#+ returns must list the projected variables"
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
