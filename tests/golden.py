"""Golden answers: every query of the library run on the small graph (tests/data/lineage), kept
as JSON a person can read in tests/data/golden/<query name>.json.

``tests/test_golden_answers.py`` compares each answer with its file; ``scripts/update_goldens.py``
rewrites the files (after a deliberate change: read the diff before committing it). The small
graph is imported with a fixed clock, so nothing in it depends on the time of the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from lineagekg.importing import import_lineage_jsonl
from lineagekg.interop.dcat import DEFAULT_CATALOG
from lineagekg.queries import SPARQLQuery, library
from lineagekg.sparql_text import tokens
from lineagekg.store import OxigraphStore, open_store

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden"
LINEAGE = DATA / "lineage"
STARTED_AT = "2025-01-02T03:04:05Z"        # the import run's clock: pinned, so the answers are too
HF = "https://huggingface.co/datasets/"

#: the value each parameter gets, chosen so that the answer on the small graph is not empty
#: (``edge`` and ``graph`` are looked up in the store: see :func:`parameters`)
VALUES: dict[str, str] = {
    "dataset": HF + "example/math-mix", "benchmark": HF + "openai/gsm8k", "text": "math",
    "target": HF + "meta-math/MetaMathQA", "source": HF + "openai/gsm8k",
    "from": HF + "example/math-mix", "to": HF + "openai/gsm8k",
    "a": HF + "example/math-mix", "b": HF + "vicgalle/alpaca-gpt4",
    "catalog": DEFAULT_CATALOG, "resource": HF + "openai/gsm8k", "id": "openai/gsm8k",
    "predicate": "http://www.w3.org/ns/prov#wasDerivedFrom",
}
#: where a query needs another value to answer anything on the small graph
OVERRIDES: dict[str, dict[str, str]] = {
    name: {"dataset": HF + "meta-math/MetaMathQA"}      # math-mix is a leaf: nothing derives from it
    for name in ("analyses/descendants", "analyses/direct-children", "analyses/downstream-derivations",
                 "analyses/downstream-edges", "analyses/export-downstream")
}

_EDGE = SPARQLQuery.from_text("golden/edge", f"""
SELECT ?edge ?graph WHERE {{
  GRAPH ?graph {{ <{HF}meta-math/MetaMathQA> <http://www.w3.org/ns/prov#qualifiedDerivation> ?edge .
                 ?edge <http://www.w3.org/ns/prov#entity> <{HF}openai/gsm8k> }} }}""")


def small_store() -> OxigraphStore:
    """A fresh in-memory store holding the small graph, imported at :data:`STARTED_AT`."""
    store = open_store(memory=True)
    summary = import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl",
                                   clock=lambda: STARTED_AT)
    assert summary.outcome.accepted, summary.outcome.report
    return store


def parameters(store: OxigraphStore, query: SPARQLQuery) -> dict[str, str]:
    """The values for ``query``'s parameters (optional ones left out: the answer for all)."""
    [found] = store.select(_EDGE)
    values = {**VALUES, "edge": str(found["edge"]), "graph": str(found["graph"]),
              "prefix": str(found["edge"])[:-4]}
    values |= OVERRIDES.get(query.name, {})
    return {p.name: values[p.name] for p in query.params if p.required}


def _ordered(query: SPARQLQuery) -> bool:
    """Whether the query's own ORDER BY fixes the order of its rows."""
    return any(t.kind == "word" and t.text.upper() == "ORDER" for t in tokens(query.text))


def _term(term: Any, blanks: dict[str, str]) -> str | None:
    """A term as N-Triples text; blank nodes renamed in order of first appearance."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return blanks.setdefault(term.value, f"_:b{len(blanks)}")
    return str(term)


def answer(store: OxigraphStore, query: SPARQLQuery) -> dict[str, Any]:
    """The query's answer on ``store``, as the golden file holds it."""
    params = parameters(store, query)
    result = store.raw_query(query, **params)
    blanks: dict[str, str] = {}
    out: dict[str, Any] = {"query": query.name, "params": params}
    if isinstance(result, ox.QueryBoolean):
        out["boolean"] = bool(result)
    elif isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [{v: _term(s[v], blanks) for v in variables if s[v] is not None} for s in result]
        out["variables"] = variables
        out["rows"] = rows if _ordered(query) else sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
    else:
        out["triples"] = sorted(" ".join(_term(x, blanks) or "" for x in (t.subject, t.predicate, t.object))
                                for t in result)
    return out


def golden_path(query: SPARQLQuery) -> Path:
    return GOLDEN / f"{query.name}.json"


def queries() -> list[SPARQLQuery]:
    """The library's read queries (every one but updates), by name."""
    return sorted((q for q in library() if q.kind != "UPDATE"), key=lambda q: q.name)


def dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
