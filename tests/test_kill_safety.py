"""Killing an import at any moment leaves a store that opens and answers as before: the import is
validated before anything is written and written in one transaction. A child process imports a
few thousand datasets into an on-disk store that already holds the small graph and is killed
(SIGKILL) at each step of the validated write; the store must then hold either exactly what it
held before or the whole import."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_jsonl

from lineagekg.analyses import Lineage
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store

LINEAGE = Path(__file__).parent / "data" / "lineage"
CHILD = """
import sys
from pathlib import Path
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store
store = open_store(Path(sys.argv[1]))
def say(phase):
    print(phase, flush=True)
summary = import_lineage_jsonl(store, Path(sys.argv[2]), Path(sys.argv[3]), progress=say)
print("accepted" if summary.outcome.accepted else "rejected", flush=True)
store.close()
print("closed", flush=True)
"""


def _big_graph(tmp: Path, n: int = 800) -> tuple[Path, Path]:
    rng = random.Random(5)
    nodes = [{"name": f"bulk/d{i:05d}", "exists_on_hf": True} for i in range(n)]
    edges = [{"target": f"bulk/d{t:05d}", "source": f"bulk/d{rng.randrange(t):05d}",
              "meta_info": '{"source": "Paper", "confidence": 0.7, "relationship": "Structured Fusion", '
                           '"evidence": "built from it"}'} for t in range(1, n)]
    return write_jsonl(tmp / "nodes.jsonl", nodes), write_jsonl(tmp / "edges.jsonl", edges)


def _answers(path: Path) -> tuple[int, list, list]:
    with open_store(path) as store:
        lineage = Lineage(store)
        return (len(store), lineage.ancestors("vicgalle/alpaca-gpt4"),
                sorted(lineage.names().values()))


@pytest.mark.parametrize("step", ["reading", "building PROV", "batch loaded", "stored context read",
                                  "acyclicity checked", "shapes checked"])
def test_an_import_killed_at_any_step_leaves_the_store_as_it_was_or_whole(tmp_path: Path, step: str) -> None:
    store_path = tmp_path / "store"
    with open_store(store_path) as store:
        assert import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl",
                                    LINEAGE / "small_edges.jsonl").outcome.accepted
    before = _answers(store_path)
    nodes, edges = _big_graph(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(store_path), str(nodes), str(edges)],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seen = []
    assert child.stdout is not None
    for line in child.stdout:
        seen.append(line.strip())
        if step in line:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=120)
    assert any(step in s for s in seen), seen
    after = _answers(store_path)
    if "closed" in seen:            # the import finished before the kill: all of it is there
        assert after[0] > before[0] and "bulk/d00799" in after[2]
    elif after[0] == before[0]:
        assert after == before
    else:                           # killed after the commit: the whole import, nothing less
        assert "bulk/d00799" in after[2] and after[1] == before[1]
        with open_store(store_path) as store:
            assert len(Lineage(store).ancestors("bulk/d00799")) >= 1
