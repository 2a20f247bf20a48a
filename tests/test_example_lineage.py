"""The shipped real lineage graph (examples/lineage: hand-checked edges and DPI metadata) imports
whole, and every transitive answer on it equals a plain graph search over its edge file."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from lineagekg.analyses import Lineage
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lineage"


@pytest.fixture(scope="module")
def example() -> tuple[OxigraphStore, nx.DiGraph]:
    store = open_store(memory=True)
    summary = import_lineage_jsonl(store, EXAMPLE / "nodes.jsonl", EXAMPLE / "edges.jsonl")
    assert summary.outcome.accepted
    graph = nx.DiGraph()
    for line in (EXAMPLE / "nodes.jsonl").read_text(encoding="utf-8").splitlines():
        graph.add_node(json.loads(line)["name"])
    for line in (EXAMPLE / "edges.jsonl").read_text(encoding="utf-8").splitlines():
        edge = json.loads(line)
        graph.add_edge(edge["target"], edge["source"])
    return store, graph


def test_it_is_a_few_hundred_datasets_and_hundreds_of_edges(example) -> None:
    store, graph = example
    counts = Lineage(store).statistics().counts
    assert counts.edges == graph.number_of_edges() >= 500
    assert counts.datasets >= 300


def test_transitive_answers_match_networkx_on_every_dataset(example) -> None:
    store, graph = example
    lineage = Lineage(store)
    checked = 0
    for node in sorted(graph.nodes):
        if graph.out_degree(node) == 0 and graph.in_degree(node) == 0:
            continue
        assert {a.id for a in lineage.ancestors(node)} == nx.descendants(graph, node), node
        expected_roots = {x for x in nx.descendants(graph, node) | {node} if graph.out_degree(x) == 0}
        assert {r.id for r in lineage.roots(node)} == expected_roots, node
        assert {h.dataset.id for h in lineage.contamination(node)} == nx.ancestors(graph, node), node
        checked += 1
    assert checked >= 300


def test_truthfulqa_reaches_ultrafeedback_and_its_binarised_descendant(example) -> None:
    store, _ = example
    hits = {h.dataset.id: h for h in Lineage(store).contamination("truthfulqa/truthful_qa")}
    assert "openbmb/UltraFeedback" in hits
    indirect = hits["HuggingFaceH4/ultrafeedback_binarized"]
    assert indirect.path.nodes[:2] == ("HuggingFaceH4/ultrafeedback_binarized", "openbmb/UltraFeedback")
    assert indirect.path.length == 2
