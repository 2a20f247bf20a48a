"""The SPARQL-server backend (``store.sparql_http``) against a real Virtuoso."""

from __future__ import annotations

import pytest

from conftest import LINEAGE
from lineagekg.analyses import Lineage
from lineagekg.importing import import_lineage_jsonl


@pytest.fixture
def store(backend_store):
    return backend_store


def test_small_graph_imports_and_answers(store) -> None:
    summary = import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    assert summary.outcome.accepted, summary.outcome.report
    found = {a.id: (a.distance, a.is_root) for a in Lineage(store).ancestors("example/math-mix")}
    assert found == {
        "TIGER-Lab/MathInstruct": (1, False), "meta-math/MetaMathQA": (1, False),
        "tatsu-lab/alpaca": (1, False), "openai/gsm8k": (2, True),
        "hendrycks/competition_math": (2, True), "self-instruct seed tasks": (2, True)}
