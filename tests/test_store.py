"""The embedded store: on disk and in memory, error translation, named graphs, exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from lineagekg.analyses import Lineage
from lineagekg.errors import ConfigError, QuerySyntaxError, StoreError
from lineagekg.importing import import_lineage_jsonl
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.queries import SPARQLQuery
from lineagekg.store import OxigraphStore, open_store

LINEAGE = Path(__file__).parent / "data" / "lineage"


def test_on_disk_store_persists(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = open_store(path)
    import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    count = len(store)
    store.close()
    again = open_store(path)
    assert len(again) == count
    assert len(Lineage(again).ancestors("example/math-mix")) == 6


def test_second_process_style_open_is_a_store_error(tmp_path: Path) -> None:
    first = open_store(tmp_path / "s")
    with pytest.raises(StoreError, match="cannot open"):
        open_store(tmp_path / "s")
    del first


def test_store_path_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ConfigError):
        open_store(f)


def test_ontology_is_in_its_own_graph(store: OxigraphStore) -> None:
    assert store.named_graphs() == [ONTOLOGY_GRAPH]
    rows = store.select(SPARQLQuery.from_text("t", """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        #+ returns: [p]
        SELECT ?p WHERE { ?p rdfs:subPropertyOf+ <http://www.w3.org/ns/prov#wasDerivedFrom> }"""))
    assert len(rows) == 16


def test_syntax_errors_are_translated(store: OxigraphStore) -> None:
    with pytest.raises(QuerySyntaxError):
        store.select(SPARQLQuery.from_text("bad", "SELECT ?x WHERE { ?x"))


@pytest.mark.parametrize("fmt,rdflib_format,quads", [
    ("trig", "trig", True), ("nquads", "nquads", True), ("jsonld", "json-ld", True),
    ("turtle", "turtle", False), ("ntriples", "nt", False), ("rdfxml", "xml", False)])
def test_exports_parse_back(small_store: OxigraphStore, fmt: str, rdflib_format: str, quads: bool) -> None:
    data = small_store.export(fmt)
    if quads:
        ds = Dataset()
        ds.parse(data=data, format=rdflib_format)
        graphs = {str(g.identifier) for g in ds.graphs() if len(g)}
        assert any("/graph/import/" in g for g in graphs)
        assert ONTOLOGY_GRAPH not in graphs
        assert sum(len(g) for g in ds.graphs()) == len([q for q in small_store.quads()
                                                          if q.graph_name.value != ONTOLOGY_GRAPH])
    else:
        g = Graph()
        g.parse(data=data, format=rdflib_format)
        assert len(g) > 200


def test_export_jsonld_is_json(small_store: OxigraphStore) -> None:
    assert json.loads(small_store.export("jsonld"))


def test_unknown_export_format(small_store: OxigraphStore) -> None:
    with pytest.raises(ConfigError, match="unknown export format"):
        small_store.export("csv")
