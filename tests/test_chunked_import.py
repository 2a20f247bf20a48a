"""A large import written in chunks (``--commit-every``): the same quads as one write of the
whole batch, on the real DPI collection and on a generated batch listed child-first with splits;
chunks in topological order; a chunk with violations stops the import with the chunk and the
dataset named, the chunks before it kept; a cycle closed through the store rejected before the
first chunk; a rerun of an unfinished import finishes it. Kills: tests/test_kill_safety.py."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import SHARED_DATA, write_jsonl

from lineagekg import import_chunks
from lineagekg.cli import main
from lineagekg.importing import import_batch, import_dpi, import_lineage_jsonl
from lineagekg.interop import paper_jsonl
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.queries import SPARQLQuery
from lineagekg.store import open_store
from lineagekg.store.oxigraph import OxigraphStore

DPI = SHARED_DATA / "lineage_corpus" / "dpi" / "raw"
LINEAGE = Path(__file__).parent / "data" / "lineage"
CLOCK = "2026-01-02T03:04:05Z"
META = json.dumps({"source": "Paper", "confidence": 0.8, "relationship": "Structured Fusion",
                   "evidence": "built from it"})


def _clock() -> str:
    return CLOCK


def data_quads(store: OxigraphStore) -> set[ox.Quad]:
    """Every quad outside the ontology and the validation reports (whose blank nodes differ)."""
    return {q for q in store.quads() if q.graph_name.value != ONTOLOGY_GRAPH
            and not q.graph_name.value.endswith("/validation")}


def results(summary: object) -> set[tuple[str, str, str]]:
    report = summary.outcome.report          # type: ignore[attr-defined]
    return {(r.focus_node, r.severity.value, r.message) for r in report.results} if report else set()


def generated(tmp: Path, n: int = 150, *, seed: int = 11) -> tuple[Path, Path]:
    """``n`` datasets ``gen/dNNN``, listed children first (so file order is not a topological
    order), every seventh with a ``test`` split listed before its whole; each dataset after the
    first derived from one or two earlier ones or their splits."""
    rng = random.Random(seed)
    nodes: list[object] = []
    edges: list[object] = []
    for i in reversed(range(n)):
        if i % 7 == 0:
            nodes.append({"name": f"gen/d{i:03d}-test", "split_of": f"gen/d{i:03d}", "split": "test"})
        nodes.append({"name": f"gen/d{i:03d}", "exists_on_hf": True, "year": 2020 + i % 4})
        for source in {rng.randrange(i) for _ in range(rng.choice((1, 2)))} if i else ():
            name = f"gen/d{source:03d}" + ("-test" if source % 7 == 0 and rng.random() < 0.5 else "")
            edges.append({"target": f"gen/d{i:03d}", "source": name, "meta_info": META})
    return write_jsonl(tmp / "nodes.jsonl", nodes), write_jsonl(tmp / "edges.jsonl", edges)


def test_the_plan_puts_parents_first_splits_with_their_whole_and_everything_once(tmp_path: Path) -> None:
    graph = paper_jsonl.read(*generated(tmp_path))
    chunks = import_chunks.plan(graph.datasets, graph.derivations, 20)
    assert len(chunks) > 5 and all(c.of == len(chunks) for c in chunks)
    where = {d.identifier: c.number for c in chunks for d in c.datasets}
    assert sorted(where) == sorted(d.identifier for d in graph.datasets)          # each dataset once
    assert sum(len(c.datasets) for c in chunks) == len(graph.datasets)
    assert sorted(map(repr, (d for c in chunks for d in c.derivations))) == sorted(map(repr, graph.derivations))
    for c in chunks:
        for d in c.derivations:
            assert where[d.target] == c.number and where[d.source] <= c.number, (d, c.number)
    for d in graph.datasets:
        if d.split_of:
            assert where[d.identifier] == where[d.split_of]
    # the file lists children first: a chunk of the file's order would put a child before its parent
    assert [d.identifier for d in chunks[0].datasets][:1] != [graph.datasets[0].identifier]


@pytest.mark.parametrize("size", [5, 20, 1000])
def test_a_generated_batch_in_chunks_writes_what_one_write_does(tmp_path: Path, size: int) -> None:
    nodes, edges = generated(tmp_path)
    whole, chunked = open_store(memory=True), open_store(memory=True)
    one = import_lineage_jsonl(whole, nodes, edges, clock=_clock)
    seen: list[str] = []
    parts = import_lineage_jsonl(chunked, nodes, edges, clock=_clock, commit_every=size, progress=seen.append)
    assert one.outcome.accepted and parts.outcome.accepted
    assert data_quads(chunked) == data_quads(whole)
    assert results(parts) == results(one)
    assert parts.outcome.added == one.outcome.added
    graph = paper_jsonl.read(nodes, edges)
    # whole units (a dataset and its splits): 150 units of 172 datasets
    assert len(parts.chunks) == len(import_chunks.plan(graph.datasets, graph.derivations, size)) == {
        5: 34, 20: 9, 1000: 1}[size]
    assert [c.state for c in parts.chunks] == ["committed"] * len(parts.chunks)
    assert sum(1 for s in seen if s.endswith("quads written")) == len(parts.chunks)


def test_the_dpi_collection_in_chunks_writes_what_one_write_does() -> None:
    whole, chunked = open_store(memory=True), open_store(memory=True)
    one = import_dpi(whole, DPI, clock=_clock)
    parts = import_dpi(chunked, DPI, clock=_clock, commit_every=60)
    assert one.outcome.accepted and parts.outcome.accepted
    assert len(parts.chunks) >= 5
    assert data_quads(chunked) == data_quads(whole)
    assert len(data_quads(whole)) > 40_000
    assert results(parts) == results(one)


def test_onto_a_store_holding_a_graph_already(small_store: OxigraphStore, tmp_path: Path) -> None:
    nodes, edges = generated(tmp_path)
    whole = open_store(memory=True)
    import_lineage_jsonl(whole, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl", clock=_clock)
    small = open_store(memory=True)
    import_lineage_jsonl(small, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl", clock=_clock)
    assert import_lineage_jsonl(whole, nodes, edges, clock=_clock).outcome.accepted
    assert import_lineage_jsonl(small, nodes, edges, clock=_clock, commit_every=30).outcome.accepted
    assert data_quads(small) == data_quads(whole)


def _bad_batch(tmp_path: Path, bad: str) -> dict[str, object]:
    """import_batch's arguments for the generated batch with a negative download count on ``bad``."""
    nodes, edges = generated(tmp_path)
    graph = paper_jsonl.read(nodes, edges)
    datasets = [replace(d, downloads=-5) if d.identifier == bad else d for d in graph.datasets]
    return {"format_name": "lineage-jsonl", "files": [("nodes.jsonl", nodes.read_bytes(), None)],
            "datasets": datasets, "derivations": graph.derivations, "documents": graph.documents, "clock": _clock}


def test_a_chunk_with_violations_stops_the_import_naming_chunk_and_dataset(tmp_path: Path) -> None:
    store = open_store(memory=True)
    graph = paper_jsonl.read(*generated(tmp_path))
    chunks = import_chunks.plan(graph.datasets, graph.derivations, 20)
    bad = chunks[3].datasets[2].identifier
    summary = import_batch(store, **_bad_batch(tmp_path, bad), commit_every=20)  # type: ignore[arg-type]
    assert not summary.outcome.accepted
    assert f"chunk 4 of {len(chunks)}" in summary.outcome.what
    assert [c.state for c in summary.chunks] == ["committed"] * 3 + ["rejected"]
    report = summary.outcome.report
    assert report is not None and [v.focus_node for v in report.violations] == [
        f"https://huggingface.co/datasets/{bad}"]
    # the three chunks before it are in the store, whole; nothing of the fourth
    described = {r["d"] for r in store.select(DESCRIBED, g=summary.outcome.graph)}
    expected = {f"https://huggingface.co/datasets/{d.identifier}" for c in chunks[:3] for d in c.datasets
                if d.split_of is None}
    assert {d for d in described if "-test" not in d and not d.endswith("/test")} == expected


DESCRIBED = SPARQLQuery.from_text("described", """#+ params:
#+   g: {type: iri}
PREFIX lk: <https://w3id.org/lineagekg/ns#>
SELECT ?d WHERE { GRAPH $g { $g lk:describes ?d } }""")


def test_rerunning_an_unfinished_import_finishes_it_with_the_same_quads(tmp_path: Path) -> None:
    """A store holding the first chunks of an import (its run not ended), as a killed run or a
    stopped one leaves it: running the same import again writes the rest, and the store then
    holds what one write of the whole batch gives; a third run writes nothing."""
    good = _bad_batch(tmp_path, "none")
    graph = paper_jsonl.read(*generated(tmp_path))
    bad = import_chunks.plan(graph.datasets, graph.derivations, 25)[2].datasets[0].identifier
    store = open_store(memory=True)
    first = import_batch(store, **_bad_batch(tmp_path, bad), commit_every=25)  # type: ignore[arg-type]
    assert [c.state for c in first.chunks] == ["committed", "committed", "rejected"]
    # the same files (so the same graph and run) with the dataset fixed: the rest is written
    rest = import_batch(store, **good, commit_every=25)  # type: ignore[arg-type]
    assert rest.outcome.accepted
    assert [c.state for c in rest.chunks][:3] == ["present", "present", "committed"]
    whole = open_store(memory=True)
    assert import_batch(whole, **good).outcome.accepted  # type: ignore[arg-type]
    assert data_quads(store) == data_quads(whole)
    again = import_batch(store, **good, commit_every=25)  # type: ignore[arg-type]
    assert again.outcome.already_present and again.outcome.added == 0
    # one write of the whole batch onto the unfinished import finishes it too
    other = open_store(memory=True)
    import_batch(other, **_bad_batch(tmp_path, bad), commit_every=25)  # type: ignore[arg-type]
    assert import_batch(other, **good).outcome.accepted  # type: ignore[arg-type]
    assert data_quads(other) == data_quads(whole)


def test_a_cycle_through_the_store_is_rejected_before_the_first_chunk(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/x"}, {"name": "a/y"}, {"name": "a/z"}])
    e1 = write_jsonl(tmp_path / "e1.jsonl", [{"target": "a/x", "source": "a/y", "meta_info": META}])
    e2 = write_jsonl(tmp_path / "e2.jsonl", [{"target": "a/z", "source": "a/x", "meta_info": META},
                                             {"target": "a/y", "source": "a/z", "meta_info": META}])
    s = ["--store", str(tmp_path / "s")]
    assert main(["import", "lineage-jsonl", str(nodes), str(e1), *s]) == 0
    capsys.readouterr()
    assert main(["import", "lineage-jsonl", str(nodes), str(e2), *s, "--commit-every", "1"]) == 1
    err = capsys.readouterr().err
    assert "acyclicity of the whole batch" in err and "nothing of it was written" in err
    assert "https://huggingface.co/datasets/a/y" in err
    with open_store(tmp_path / "s") as store:
        assert len(store.named_graphs()) == len(open_named_graphs_after_first(tmp_path, nodes, e1))


def open_named_graphs_after_first(tmp_path: Path, nodes: Path, edges: Path) -> list[str]:
    with open_store(memory=True) as store:
        import_lineage_jsonl(store, nodes, edges)
        return store.named_graphs()


def test_the_cli_writes_chunk_by_chunk_and_reports_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nodes, edges = generated(tmp_path)
    s = ["--store", str(tmp_path / "s")]
    capsys.readouterr()
    assert main(["import", "lineage-jsonl", str(nodes), str(edges), *s, "--commit-every", "50",
                 "--format", "json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["accepted"] and [c["state"] for c in data["chunks"]] == ["committed"] * 4
    assert captured.err.count("quads written") == 4
    assert main(["import", "lineage-jsonl", str(nodes), str(edges), *s, "--commit-every", "50"]) == 0
    assert "already imported" in capsys.readouterr().out
    assert main(["import", "lineage-jsonl", str(nodes), str(edges), *s, "--commit-every", "0"]) == 2
