"""Each analysis query against graphs whose answers are known: the small hand-drawn graph, and
random DAGs checked against a plain graph search (networkx)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import networkx as nx
import pytest
from helpers import write_jsonl

from lineagekg.analyses import Lineage
from lineagekg.importing import import_lineage_jsonl

HF = "https://huggingface.co/datasets/"


@pytest.fixture
def store(backend_store):
    """Every test here runs on the embedded store and on a Virtuoso server, with the same answers."""
    return backend_store


def test_ancestors_with_distances(small: Lineage) -> None:
    found = {a.id: (a.distance, a.is_root) for a in small.ancestors("example/math-mix")}
    assert found == {
        "TIGER-Lab/MathInstruct": (1, False), "meta-math/MetaMathQA": (1, False),
        "tatsu-lab/alpaca": (1, False), "openai/gsm8k": (2, True),
        "hendrycks/competition_math": (2, True), "self-instruct seed tasks": (2, True)}


def test_descendants(small: Lineage) -> None:
    found = {d.id: d.distance for d in small.descendants("tatsu-lab/alpaca")}
    assert found == {"example/math-mix": 1, "vicgalle/alpaca-gpt4": 1}
    assert small.descendants("example/math-mix") == []


def test_roots_carry_terminal_reason(small: Lineage) -> None:
    roots = {r.id: r.terminal_reason for r in small.roots("example/math-mix")}
    assert roots == {"openai/gsm8k": "NoSourceFound", "hendrycks/competition_math": "NoSourceFound",
                     "self-instruct seed tasks": "NotOnHub"}
    # a dataset with no sources is its own root
    assert [r.id for r in small.roots("openai/gsm8k")] == ["openai/gsm8k"]


def test_shared_roots_of_two_and_three(small: Lineage) -> None:
    assert [r.id for r in small.shared_roots(["example/math-mix", "vicgalle/alpaca-gpt4"])] == [
        "self-instruct seed tasks"]
    assert [r.id for r in small.shared_roots(["example/math-mix", "TIGER-Lab/MathInstruct"])] == [
        "hendrycks/competition_math", "openai/gsm8k"]
    assert small.shared_roots(["example/math-mix", "TIGER-Lab/MathInstruct", "vicgalle/alpaca-gpt4"]) == []


def test_path_is_a_shortest_witness(small: Lineage) -> None:
    direction, path = small.path("example/math-mix", "openai/gsm8k")
    assert direction == "upstream"
    assert path.length == 2
    assert path.nodes[0] == "example/math-mix" and path.nodes[-1] == "openai/gsm8k"
    assert path.nodes[1] in ("TIGER-Lab/MathInstruct", "meta-math/MetaMathQA")
    assert small.path("openai/gsm8k", "example/math-mix")[0] == "downstream"
    assert small.path("openai/gsm8k", "tatsu-lab/alpaca") is None


def test_contamination_reach_with_witness_paths(small: Lineage) -> None:
    hits = {h.dataset.id: h for h in small.contamination("openai/gsm8k")}
    assert set(hits) == {"meta-math/MetaMathQA", "TIGER-Lab/MathInstruct", "example/math-mix"}
    assert hits["meta-math/MetaMathQA"].path.relations == ("evolvedFrom",)
    assert hits["TIGER-Lab/MathInstruct"].direct
    assert hits["example/math-mix"].path.length == 2
    assert hits["example/math-mix"].path.nodes[-1] == "openai/gsm8k"
    assert small.contamination("example/math-mix") == []


def test_redundancy_finds_the_diamonds(small: Lineage) -> None:
    hits = {(h.dataset.id, h.upstream.id, h.via.id) for h in small.redundancy()}
    assert hits == {("example/math-mix", "meta-math/MetaMathQA", "TIGER-Lab/MathInstruct"),
                    ("TIGER-Lab/MathInstruct", "openai/gsm8k", "meta-math/MetaMathQA")}


def test_domain_structure_follows_the_papers_definitions(small: Lineage) -> None:
    rows = {r.domain: r for r in small.structure()}
    math = rows["Math"]   # gsm8k 0, competition_math 0, MetaMathQA 1, MathInstruct 2, math-mix 3
    assert math.nodes == 5
    assert math.avg_depth == pytest.approx(6 / 5)
    assert math.avg_in_degree == pytest.approx((0 + 0 + 2 + 2 + 3) / 5)
    assert math.avg_out_degree == pytest.approx((2 + 1 + 2 + 1 + 0) / 5)
    assert math.leaf_share == pytest.approx(40.0)
    assert rows["General"].nodes == 4


def test_statistics(small: Lineage) -> None:
    st = small.statistics()
    assert (st.counts.datasets, st.counts.edges, st.counts.derivations, st.counts.benchmarks,
            st.counts.roots) == (8, 9, 9, 2, 3)
    assert st.relations == {"includedFrom": 4, "evolvedFrom": 2, "fusedFrom": 1,
                            "generatedFrom": 1, "distilledFrom": 1}
    assert st.terminal_reasons == {"NoSourceFound": 2, "NotOnHub": 1}


def test_unknown_dataset_suggests_close_names(small: Lineage) -> None:
    from lineagekg.errors import UnknownDatasetError

    with pytest.raises(UnknownDatasetError) as err:
        small.ancestors("gsm8k")
    assert "openai/gsm8k" in (err.value.hint or "")


def test_contamination_through_a_split(tmp_path: Path, store) -> None:
    """A dataset built from GSM8K's test split is contaminated by GSM8K; one built from another
    dataset of the same name prefix is not."""
    nodes = write_jsonl(tmp_path / "n.jsonl", [
        {"name": "openai/gsm8k", "is_benchmark": True, "exists_on_hf": True},
        {"name": "openai/gsm8k:test", "split_of": "openai/gsm8k", "split": "test", "exists_on_hf": True},
        {"name": "org/uses-test", "exists_on_hf": True},
        {"name": "org/downstream", "exists_on_hf": True},
        {"name": "org/clean", "exists_on_hf": True},
    ])
    meta = json.dumps({"source": "Paper", "confidence": 0.9, "relationship": "Direct Inclusion/Subset",
                       "evidence": "we include the test set"})
    edges = write_jsonl(tmp_path / "e.jsonl", [
        {"target": "org/uses-test", "source": "openai/gsm8k:test", "meta_info": meta},
        {"target": "org/downstream", "source": "org/uses-test", "meta_info": meta},
        {"target": "org/clean", "source": "org/downstream-other", "meta_info": meta},
    ])
    assert import_lineage_jsonl(store, nodes, edges).outcome.accepted
    hits = {h.dataset.id: h for h in Lineage(store).contamination("openai/gsm8k")}
    assert set(hits) == {"org/uses-test", "org/downstream"}
    assert hits["org/uses-test"].reached == "openai/gsm8k:test"
    assert hits["org/downstream"].path.nodes == ("org/downstream", "org/uses-test", "openai/gsm8k:test")


def _random_dag(seed: int, n: int) -> nx.DiGraph:
    rng = random.Random(seed)
    g = nx.DiGraph()   # edge target -> source, as prov:wasDerivedFrom
    g.add_nodes_from(range(n))
    for i in range(1, n):
        for j in rng.sample(range(i), k=min(i, rng.choice([0, 1, 1, 2, 3]))):
            g.add_edge(i, j)
    return g


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_transitive_answers_match_a_plain_graph_search(tmp_path: Path, seed: int, store) -> None:
    """Ancestors, descendants, roots, contamination reach, paths and shared roots on random DAGs
    equal what networkx computes on the same edges."""
    n = 120
    g = _random_dag(seed, n)
    name = lambda i: f"org/d{i}"  # noqa: E731
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": name(i), "exists_on_hf": True,
                                                 "is_benchmark": i % 17 == 0} for i in range(n)])
    relations = ["Direct Inclusion/Subset", "Structured Fusion", "Synthetic Generation",
                 "Semantic Evolution", "CoT Distillation", "filtering", "translation"]
    edges = write_jsonl(tmp_path / "e.jsonl", [
        {"target": name(t), "source": name(s), "meta_info": json.dumps({
            "source": "HuggingFace README", "confidence": 0.9, "relationship": relations[(t + s) % 7],
            "evidence": f"{name(t)} uses {name(s)}"})} for t, s in sorted(g.edges)])
    assert import_lineage_jsonl(store, nodes, edges).outcome.accepted
    lineage = Lineage(store)
    rng = random.Random(seed)
    for i in rng.sample(range(n), 15):
        assert {a.id for a in lineage.ancestors(name(i))} == {name(x) for x in nx.descendants(g, i)}
        assert {d.id for d in lineage.descendants(name(i))} == {name(x) for x in nx.ancestors(g, i)}
        expected_roots = {x for x in nx.descendants(g, i) | {i} if g.out_degree(x) == 0}
        assert {r.id for r in lineage.roots(name(i))} == {name(x) for x in expected_roots}
        reach = {h.dataset.id: h for h in lineage.contamination(name(i))}
        assert set(reach) == {name(x) for x in nx.ancestors(g, i)}
        for hit in reach.values():   # every witness path is a real path of the right length
            steps = [int(s.split("d")[-1]) for s in hit.path.nodes]
            assert all(g.has_edge(a, b) for a, b in itertools.pairwise(steps))
            assert hit.path.length == nx.shortest_path_length(g, steps[0], i)
        j = rng.randrange(n)
        found = lineage.path(name(i), name(j))
        if i != j and nx.has_path(g, i, j):
            assert found is not None and found[0] == "upstream"
            assert found[1].length == nx.shortest_path_length(g, i, j)
        elif i != j and nx.has_path(g, j, i):
            assert found is not None and found[0] == "downstream"
        elif i != j:
            assert found is None
        if i != j:
            shared = {x for x in (nx.descendants(g, i) | {i}) & (nx.descendants(g, j) | {j})
                      if g.out_degree(x) == 0}
            assert {r.id for r in lineage.shared_roots([name(i), name(j)])} == {name(x) for x in shared}


def test_path_reaches_a_split_of_the_upstream_dataset(tmp_path: Path, store) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [
        {"name": "t/qa", "is_benchmark": True},
        {"name": "t/qa:validation", "split_of": "t/qa", "split": "validation"},
        {"name": "o/feedback"}, {"name": "h/binarized"}])
    meta = json.dumps({"source": "GitHub", "confidence": 0.9, "relationship": "distillation", "evidence": "e"})
    edges = write_jsonl(tmp_path / "e.jsonl", [
        {"target": "o/feedback", "source": "t/qa:validation", "meta_info": meta},
        {"target": "h/binarized", "source": "o/feedback", "meta_info": meta}])
    assert import_lineage_jsonl(store, nodes, edges).outcome.accepted
    direction, path = Lineage(store).path("h/binarized", "t/qa")
    assert direction == "upstream"
    assert path.nodes == ("h/binarized", "o/feedback", "t/qa:validation")
