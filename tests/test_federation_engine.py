"""A federated query over two live gateways, run by a real federating engine (Comunica, from npm:
tests/federation) that splits it into per-pattern sub-queries, one per gateway. A whole-store
pattern meets each gateway's row limit: the sub-answers stop at the limit and say so, and the
federated query no longer fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import LINEAGE
from live_gateway import running_gateway

from lineagekg.api import GatewaySettings
from lineagekg.importing import import_lineage_jsonl
from lineagekg.queries import SPARQLQuery
from lineagekg.store import open_store

ENGINE = Path(__file__).parent / "federation" / "node_modules" / ".bin" / "comunica-sparql"
ROW_LIMIT = 50
PREFIXES = "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX lk: <https://w3id.org/lineagekg/ns#> "

if not (ENGINE.exists() and shutil.which("node")):
    if os.environ.get("CI"):
        raise RuntimeError("the federation engine is not installed: "
                           "run `make test` (it runs npm ci in tests/federation)")
    pytest.skip("Comunica is not installed (make test installs it into tests/federation)", allow_module_level=True)


def stores():
    small, quirks = open_store(memory=True), open_store(memory=True)
    assert import_lineage_jsonl(small, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl").outcome.accepted
    assert import_lineage_jsonl(quirks, LINEAGE / "paper_quirks_nodes.jsonl",
                                LINEAGE / "paper_quirks_edges.jsonl").outcome.accepted
    return small, quirks


def federated(query: str, *endpoints: str, skip_blank: bool = False) -> list[dict[str, str]]:
    """The engine's answer rows (with ``skip_blank``, rows holding a blank node, which the engine
    renames, are left out)."""
    done = subprocess.run([str(ENGINE), *(f"sparql@{e}" for e in endpoints), "-q", query,
                           "-t", "application/sparql-results+json"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    bindings = json.loads(done.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings
            if not (skip_blank and any(v["type"] == "bnode" for v in b.values()))]


@pytest.fixture(scope="module")
def two_gateways():
    small, quirks = stores()
    settings = GatewaySettings(max_rows=ROW_LIMIT)
    with running_gateway(small, settings) as a, running_gateway(quirks, settings) as b:
        yield (small, a.base_url + "/sparql"), (quirks, b.base_url + "/sparql")


def test_a_join_across_gateways_gives_the_answer_of_the_merged_graph(two_gateways) -> None:
    (small, a), (quirks, b) = two_gateways
    query = PREFIXES + "SELECT ?user ?bench WHERE { ?user prov:wasDerivedFrom ?bench . ?bench a lk:Benchmark }"
    expected = set()
    for store in (small, quirks):
        for other in (small, quirks):   # the join may take each pattern from either gateway
            users = {(r["user"], r["bench"]) for r in store.select(SPARQLQuery.from_text(
                "t", PREFIXES + "SELECT ?user ?bench WHERE { ?user prov:wasDerivedFrom ?bench }"))}
            benches = {r["b"] for r in other.select(SPARQLQuery.from_text(
                "t", PREFIXES + "SELECT ?b WHERE { ?b a lk:Benchmark }"))}
            expected |= {(u, bench) for u, bench in users if bench in benches}
    got = {(r["user"], r["bench"]) for r in federated(query, a, b)}
    assert got == expected
    assert ("https://huggingface.co/datasets/meta-math/MetaMathQA",      # stated by both graphs
            "https://huggingface.co/datasets/openai/gsm8k") in got


def test_a_whole_store_pattern_over_two_gateways_meets_the_row_limit_and_still_answers(two_gateways) -> None:
    (small, a), (quirks, b) = two_gateways
    assert len(small) > ROW_LIMIT and len(quirks) > ROW_LIMIT      # each sub-answer is cut
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    # each gateway answers its sub-query with exactly its limit of rows (no DISTINCT: no row merged)
    assert len(federated(query, a, b)) == 2 * ROW_LIMIT
    triples = {(r["s"], r["p"], r["o"]) for r in federated(query, a, b, skip_blank=True)}
    of_small = {(q.subject.value, q.predicate.value, q.object.value) for q in small.quads()}
    of_quirks = {(q.subject.value, q.predicate.value, q.object.value) for q in quirks.quads()}
    assert triples and triples <= of_small | of_quirks                # every row is true
