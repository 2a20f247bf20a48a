"""The in-memory lineage index gives the answers the library's SPARQL queries give: every
closure analysis is run both ways (``Lineage(store)`` and ``Lineage(store, index=True)``) on the
small graph and on random DAGs with splits, diamonds and several relations per edge, and
compared whole (members, distances, flags, labels, terminal reasons, witness paths)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from helpers import write_jsonl

from lineagekg.analyses import Lineage
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

RELATIONS = ["Direct Inclusion/Subset", "Structured Fusion", "Synthetic Generation", "Semantic Evolution",
             "CoT Distillation"]


@pytest.fixture
def store(backend_store):
    """Every test here runs on the embedded store and on a Virtuoso server, with the same answers."""
    return backend_store


def _random_store(store: OxigraphStore, tmp_path: Path, seed: int, n: int = 60) -> OxigraphStore:
    """A random DAG of ``n`` datasets (sources are earlier ones), a few benchmarks with a test
    split that later datasets take, some edges stated twice with different relations."""
    rng = random.Random(seed)
    names = [f"org{i % 5}/d{i:03d}" for i in range(n)]
    nodes = [{"name": name, "exists_on_hf": True, "is_benchmark": i % 9 == 0} for i, name in enumerate(names)]
    nodes += [{"name": f"{names[i]}:test", "split_of": names[i], "split": "test", "exists_on_hf": True}
              for i in range(0, n, 9)]
    edges = []
    for t in range(3, n):
        for s in rng.sample(range(t), k=min(t, rng.randint(0, 3))):
            source = f"{names[s]}:test" if s % 9 == 0 and rng.random() < 0.5 else names[s]
            for relation in rng.sample(RELATIONS, k=rng.choice([1, 1, 2])):
                edges.append({"target": names[t], "source": source, "meta_info": json.dumps({
                    "source": "Paper", "confidence": 0.8, "relationship": relation,
                    "evidence": f"{names[t]} uses {source}"})})
    outcome = import_lineage_jsonl(store, write_jsonl(tmp_path / "n.jsonl", nodes),
                                   write_jsonl(tmp_path / "e.jsonl", edges)).outcome
    assert outcome.accepted, outcome.report
    return store


def _compare(store: OxigraphStore, rng: random.Random, pairs: int = 40) -> None:
    sparql, indexed = Lineage(store), Lineage(store, index=True)
    ids = sorted(sparql.names().values())
    # the name catalogue made from the index is the one internal/dataset-catalog gives
    assert {i: indexed.ref_of(i) for i in ids} == {i: sparql.ref_of(i) for i in ids}
    assert len(indexed.names()) == len(ids) and any(indexed.ref_of(i).is_benchmark for i in ids)
    for name in ids:
        assert indexed.ancestors(name) == sparql.ancestors(name), name
        assert indexed.descendants(name) == sparql.descendants(name), name
        assert indexed.roots(name) == sparql.roots(name), name
        assert indexed.contamination(name) == sparql.contamination(name), name
    for _ in range(pairs):
        a, b = rng.sample(ids, 2)
        assert indexed.path(a, b) == sparql.path(a, b), (a, b)
        assert indexed.shared_roots([a, b]) == sparql.shared_roots([a, b]), (a, b)
    a, b, c = rng.sample(ids, 3)
    assert indexed.shared_roots([a, b, c]) == sparql.shared_roots([a, b, c])


def test_the_index_answers_as_sparql_on_the_small_graph(small_store: OxigraphStore) -> None:
    _compare(small_store, random.Random(1))
    assert Lineage(small_store, index=True).ancestors("vicgalle/alpaca-gpt4")   # not vacuous


@pytest.mark.parametrize("seed", range(2))
def test_the_index_answers_as_sparql_on_random_graphs(tmp_path: Path, seed: int, store: OxigraphStore) -> None:
    _check_random_graph(store, tmp_path, seed)


@pytest.mark.parametrize("seed", range(2, 4))
def test_the_index_answers_as_sparql_on_more_random_graphs_embedded(tmp_path: Path, seed: int) -> None:
    """Two more random graphs on the embedded store only (on the server they cost a minute of queries)."""
    _check_random_graph(open_store(memory=True), tmp_path, seed)


def _check_random_graph(store: OxigraphStore, tmp_path: Path, seed: int) -> None:
    _random_store(store, tmp_path, seed)
    indexed = Lineage(store, index=True)
    assert any(indexed.contamination(b) for b in ("org0/d000", "org4/d009", "org3/d018"))
    _compare(store, random.Random(seed))


def test_the_index_follows_every_write(small_store: OxigraphStore) -> None:
    """A write through the store bumps its version: the next answer comes from a new index."""
    lineage = Lineage(small_store, index=True)
    before = lineage.index()
    assert lineage.index() is before
    hf = "https://huggingface.co/datasets/"
    outcome = small_store.update(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"DELETE {{ GRAPH ?g {{ <{hf}openai/gsm8k> rdfs:label ?old }} }} "
        f"INSERT {{ GRAPH ?g {{ <{hf}openai/gsm8k> rdfs:label \"GSM8K (grade school math)\" }} }} "
        f"WHERE {{ GRAPH ?g {{ <{hf}openai/gsm8k> rdfs:label ?old }} }}")
    assert outcome.accepted, outcome.report
    assert lineage.index() is not before
    labels = {r.id: r.label for r in lineage.ancestors("meta-math/MetaMathQA")}
    assert labels["openai/gsm8k"] == "GSM8K (grade school math)"
    assert lineage.ancestors("meta-math/MetaMathQA") == Lineage(small_store).ancestors("meta-math/MetaMathQA")


def test_relations_joined_from_scans_are_the_querys_rows(tmp_path: Path) -> None:
    """The embedded store's index joins qualified derivations from three predicate scans (an
    on-disk million-dataset store answers the query's join in random reads): the same rows as
    ``internal/index-relations``, on a random graph with several relations per edge."""
    from lineagekg.lineage_index import _relation_rows
    from lineagekg.queries import library

    store = _random_store(open_store(memory=True), tmp_path, seed=5)
    queried = store.iri_rows(library().get("internal/index-relations"))
    scanned = _relation_rows(store)
    assert len(queried) > 100 and len({r for _, _, r in queried}) >= 3
    assert sorted(scanned) == sorted(queried)
