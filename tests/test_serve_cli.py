"""``lineagekg serve`` as a real process: a store made by ``lineagekg import lineage-jsonl`` with the
shipped example graph, served on a free loopback port, queried over HTTP, then stopped."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from live_gateway import serving

from lineagekg.store import open_store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "lineage"
CLI = [sys.executable, "-m", "lineagekg"]


def _jsonl(name: str) -> list[dict]:
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The example graph imported by the CLI into an on-disk store, and ``lineagekg serve`` on it."""
    store_dir = tmp_path_factory.mktemp("served") / "store"
    env = {**os.environ, "LINEAGEKG_QUERY_TIMEOUT": "7", "LINEAGEKG_MAX_ROWS": "5000"}
    env.pop("LINEAGEKG_UPDATE_TOKEN", None)
    imported = subprocess.run([*CLI, "import", "lineage-jsonl", str(EXAMPLES / "nodes.jsonl"),
                               str(EXAMPLES / "edges.jsonl"), "--store", str(store_dir)],
                              capture_output=True, text=True, env=env, timeout=600)
    assert imported.returncode == 0, imported.stderr
    with serving(store_dir, env) as (base, process):
        yield base, process.stdout.readline(), process, store_dir


def test_serve_prints_its_url(served) -> None:
    base, first_line, _, _ = served
    assert f"{base}/" in first_line and f"{base}/sparql" in first_line


def test_served_graph_answers_sparql(served) -> None:
    base, _, _, _ = served
    sources = collections.defaultdict(set)
    for edge in _jsonl("edges.jsonl"):
        sources[edge["target"]].add(edge["source"])
    target, expected = max(sources.items(), key=lambda item: (len(item[1]), item[0]))
    query = ("PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/> "
             "SELECT ?id WHERE { ?t dcterms:identifier ?target ; prov:wasDerivedFrom ?s . ?s dcterms:identifier ?id }")
    r = httpx.post(base + "/sparql", data={"query": query.replace("?target", json.dumps(target))},
                   headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 200, r.text
    assert {b["id"]["value"] for b in r.json()["results"]["bindings"]} == expected
    count = httpx.get(base + "/sparql", params={"query": "PREFIX lk: <https://w3id.org/lineagekg/ns#> "
                                                       "SELECT (COUNT(?d) AS ?n) WHERE { ?d a lk:Dataset }"},
                      headers={"Accept": "text/csv"}, timeout=30)
    names = {node["name"] for node in _jsonl("nodes.jsonl")}
    assert count.text.splitlines() == ["n", str(len(names))]


def test_served_settings_come_from_the_environment(served) -> None:
    base, _, _, _ = served
    description = httpx.get(base + "/sparql", timeout=30).text
    assert "time limit of 7 s" in description and "limit of 5000 rows" in description
    assert "SPARQL11Update" not in description          # no token: read-only
    write = httpx.post(base + "/update", content="DROP ALL", headers={"Content-Type": "application/sparql-update"})
    assert write.status_code == 403
    assert httpx.get(base + "/.well-known/void", timeout=30).status_code == 200


def test_cli_reads_a_served_store_and_refuses_to_write_it(served, tmp_path: Path) -> None:
    _, _, process, store_dir = served
    stats = subprocess.run([*CLI, "stats", "--store", str(store_dir), "--format", "json"],
                           capture_output=True, text=True, timeout=300)
    assert stats.returncode == 0, stats.stderr
    names = {node["name"] for node in _jsonl("nodes.jsonl")}
    assert json.loads(stats.stdout)["counts"]["datasets"] == len(names)
    assert "opened it read-only" in stats.stderr
    query = tmp_path / "count.rq"
    query.write_text("PREFIX lk: <https://w3id.org/lineagekg/ns#> SELECT (COUNT(?d) AS ?n) WHERE { ?d a lk:Dataset }",
                     encoding="utf-8")
    answered = subprocess.run([*CLI, "query", str(query), "--store", str(store_dir)],
                              capture_output=True, text=True, timeout=300)
    assert answered.returncode == 0, answered.stderr
    assert str(len(names)) in answered.stdout
    write = subprocess.run([*CLI, "import", "lineage-jsonl", str(EXAMPLES / "nodes.jsonl"),
                            str(EXAMPLES / "edges.jsonl"), "--store", str(store_dir)],
                           capture_output=True, text=True, timeout=300)
    assert write.returncode == 3, write.stderr
    assert "open read-only" in write.stderr and "nothing was written" in write.stderr
    assert process.poll() is None                  # the gateway kept serving


def test_serve_stops_cleanly_and_releases_the_store(served) -> None:
    _, _, process, store_dir = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    with open_store(store_dir) as reopened:        # the lock is gone
        assert len([g for g in reopened.named_graphs() if "/graph/about/" not in g]) == 2
