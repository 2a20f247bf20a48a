"""What the kill-safety tests share: a base store holding the small lineage graph, a big write of
known answers, and the answers a store gives (quad count, ancestors of a known dataset, names),
which after a kill must be exactly those before the write or those after the whole write."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from helpers import write_jsonl

from lineagekg.analyses import Lineage
from lineagekg.importing import import_lineage_jsonl
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.store import open_store
from lineagekg.store.oxigraph import OxigraphStore

LINEAGE = Path(__file__).parent / "data" / "lineage"
KNOWN = "vicgalle/alpaca-gpt4"          # a dataset of the small graph, with ancestors
LAST = "bulk/d{:05d}"                   # the big write's datasets


@dataclass(frozen=True)
class Answers:
    quads: int
    ancestors: tuple[str, ...]
    names: tuple[str, ...]
    last_ancestors: tuple[str, ...]      # of the big write's last dataset (empty before it)


def answers_of(store: OxigraphStore) -> Answers:
    lineage = Lineage(store)
    names = tuple(sorted(lineage.names().values()))
    last = max((n for n in names if n.startswith("bulk/")), default=None)
    return Answers(len(store),
                   tuple(sorted(a.id for a in lineage.ancestors(KNOWN))), names,
                   tuple(sorted(a.id for a in lineage.ancestors(last))) if last else ())


def answers_at(path: Path) -> Answers:
    with open_store(path) as store:
        return answers_of(store)


def big_graph(tmp: Path, n: int, *, seed: int = 5) -> tuple[Path, Path]:
    """Node and edge JSONL files of ``n`` datasets ``bulk/d00000``... each derived from an
    earlier one (a random tree), as ``lineagekg import lineage-jsonl`` reads them."""
    rng = random.Random(seed)
    nodes: list[object] = [{"name": LAST.format(i), "exists_on_hf": True} for i in range(n)]
    edges: list[object] = [{"target": LAST.format(t), "source": LAST.format(rng.randrange(t)),
              "meta_info": '{"source": "Paper", "confidence": 0.7, "relationship": "Structured Fusion", '
                           '"evidence": "built from it"}'} for t in range(1, n)]
    return write_jsonl(tmp / "nodes.jsonl", nodes), write_jsonl(tmp / "edges.jsonl", edges)


def base_store(path: Path) -> Path:
    """An on-disk store holding the small lineage graph."""
    with open_store(path) as store:
        _import_small(store)
    return path


def _import_small(store: OxigraphStore) -> None:
    small = import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    assert small.outcome.accepted


def big_write_quads(tmp: Path, n: int) -> list[ox.Quad]:
    """The quads an import of ``big_graph(n)`` adds to the base store (computed in memory)."""
    nodes, edges = big_graph(tmp, n)
    with open_store(memory=True) as store:
        _import_small(store)
        before = set(store.quads())
        assert import_lineage_jsonl(store, nodes, edges).outcome.accepted
        return [q for q in store.quads() if q not in before and q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH)]


def kill_tree(process: subprocess.Popen[Any]) -> None:
    """SIGKILL ``process`` and every process of its group (it was started in a session of its
    own: the gateway's worker processes and forkserver go too), and wait until all are gone."""
    pgid = process.pid
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"processes of group {pgid} outlived SIGKILL")


def before_or_whole(after: Answers, before: Answers, whole: Answers) -> str:
    """Which of the two states ``after`` is ("before" or "whole"); AssertionError if neither."""
    if after == before:
        return "before"
    assert after == whole, (f"neither before nor whole: {after.quads} quads (before {before.quads}, whole "
                            f"{whole.quads}), {len(after.names)} names (before {len(before.names)}, "
                            f"whole {len(whole.names)})")
    return "whole"


def whole_chunks(after: Answers, states: list[Answers]) -> int:
    """How many chunks of a chunked import ``after`` holds (``states``: the answers before it
    and after each chunk); AssertionError if it is none of those states."""
    assert after in states, (f"not the state after whole chunks: {after.quads} quads, {len(after.names)} names "
                             f"(whole-chunk states: {[s.quads for s in states]} quads)")
    return states.index(after)
