"""Killing an import or the gateway at any moment leaves a store that opens and answers as before
the interrupted write, or as after the whole of it: every write is validated before anything is
written and written in one transaction.

- A child process imports datasets into an on-disk store that already holds the small graph and
  is killed (SIGKILL) at each named step of the validated write, and at seeded random moments.
- The same import in chunks (``commit_every``) killed between chunks, inside them and at random
  moments leaves the store as after some whole chunks (``kill_safety.whole_chunks``), and running
  the same import again finishes it: the store then answers as after the one-shot import.
- ``lineagekg serve`` is killed (SIGKILL of its whole process tree: uvicorn, the forkserver, the
  query and analysis workers) at seeded random moments of a large write through HTTP (SPARQL
  Update, Graph Store PUT and DELETE), the moments spread over the time the same write takes
  when it is not killed.

After each kill the store is reopened; its answers (quad count, ancestors of a known dataset and of
the write's deepest dataset, every name) must be exactly those before the write or those after
the whole write (``kill_safety.before_or_whole``). The Virtuoso backend has its own tests
(``test_kill_safety_virtuoso.py``)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from kill_safety import (
    Answers,
    answers_at,
    answers_of,
    base_store,
    before_or_whole,
    big_graph,
    big_write_quads,
    kill_tree,
    whole_chunks,
)
from live_gateway import free_port, wait_until_answering

from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store
from lineagekg.store.rdf_text import data_block

CHILD = """
import sys
from pathlib import Path
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store
store = open_store(Path(sys.argv[1]))
def say(phase):
    print(phase, flush=True)
every = int(sys.argv[4]) if len(sys.argv) > 4 else None
summary = import_lineage_jsonl(store, Path(sys.argv[2]), Path(sys.argv[3]), progress=say, commit_every=every)
print("accepted" if summary.outcome.accepted else "rejected", flush=True)
store.close()
print("closed", flush=True)
"""
IMPORTED = 800                          # datasets the child imports
WRITTEN = 300                           # datasets the gateway's write holds (~7,800 quads, ~1 s)
BULK = ox.NamedNode("https://example.org/kill-safety/bulk")
TOKEN = "kill-safety-token"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Answers]:
    """A closed on-disk store holding the small graph (copied for each kill), and its answers."""
    path = base_store(tmp_path_factory.mktemp("base") / "store")
    return path, answers_at(path)


def _copy(store: Path, tmp: Path) -> Path:
    return Path(shutil.copytree(store, tmp / "store"))


def _import_child(store: Path, nodes: Path, edges: Path, commit_every: int | None = None) -> subprocess.Popen[str]:
    every = [] if commit_every is None else [str(commit_every)]
    return subprocess.Popen([sys.executable, "-c", CHILD, str(store), str(nodes), str(edges), *every],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.fixture(scope="module")
def imported(base: tuple[Path, Answers], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Answers, float]:
    """The import's input files, the answers after the whole import and how long it takes."""
    tmp = tmp_path_factory.mktemp("imported")
    nodes, edges = big_graph(tmp, IMPORTED)
    store = _copy(base[0], tmp)
    started = time.monotonic()
    child = _import_child(store, nodes, edges)
    out, _ = child.communicate(timeout=300)
    took = time.monotonic() - started
    assert child.returncode == 0 and "closed" in out, out
    return nodes, edges, answers_at(store), took


@pytest.mark.parametrize("step", ["reading", "building PROV", "batch loaded", "stored context read",
                                  "acyclicity checked", "shapes checked"])
def test_an_import_killed_at_each_step_leaves_the_store_as_it_was_or_whole(
        base: tuple[Path, Answers], imported: tuple[Path, Path, Answers, float], tmp_path: Path, step: str) -> None:
    nodes, edges, whole, _ = imported
    store = _copy(base[0], tmp_path)
    child = _import_child(store, nodes, edges)
    seen = []
    assert child.stdout is not None
    for line in child.stdout:
        seen.append(line.strip())
        if step in line:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=120)
    assert any(step in s for s in seen), seen
    state = before_or_whole(answers_at(store), base[1], whole)
    if "closed" in seen:            # the import finished before the kill: all of it is there
        assert state == "whole"


@pytest.mark.parametrize("seed", range(6))
def test_an_import_killed_at_a_random_moment_leaves_the_store_as_it_was_or_whole(
        base: tuple[Path, Answers], imported: tuple[Path, Path, Answers, float], tmp_path: Path, seed: int) -> None:
    nodes, edges, whole, took = imported
    delay = random.Random(seed).uniform(0.0, took * 1.3)
    store = _copy(base[0], tmp_path)
    child = _import_child(store, nodes, edges)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=120)
    state = before_or_whole(answers_at(store), base[1], whole)
    print(f"kill-state import {delay:.2f}/{took:.2f} s {state}")
    if "closed" in out:
        assert state == "whole"


# --- a chunked import (--commit-every) killed between and inside chunks ----------------------

COMMIT_EVERY = 200                      # the 800 datasets in 4 chunks


@pytest.fixture(scope="module")
def chunk_states(base: tuple[Path, Answers], imported: tuple[Path, Path, Answers, float],
                 tmp_path_factory: pytest.TempPathFactory) -> list[Answers]:
    """The answers of the store before the chunked import and after each of its chunks (run in
    this process on a copy of the base store); after the last, those of the one-shot import."""
    nodes, edges, whole, _ = imported
    store_path = _copy(base[0], tmp_path_factory.mktemp("chunks"))
    states = [base[1]]
    with open_store(store_path) as store:
        def say(message: str) -> None:
            if message.endswith("quads written"):
                states.append(answers_of(store))

        assert import_lineage_jsonl(store, nodes, edges, progress=say, commit_every=COMMIT_EVERY).outcome.accepted
    assert len(states) == 5 and len(set(states)) == 5
    assert states[-1] == whole
    return states


def _finish(store: Path, nodes: Path, edges: Path) -> None:
    """Run the same chunked import again, to its end."""
    child = _import_child(store, nodes, edges, COMMIT_EVERY)
    out, _ = child.communicate(timeout=300)
    assert child.returncode == 0 and "accepted" in out, out


@pytest.mark.parametrize(("chunk", "phase", "committed"), [
    (2, "quads written", {2}),                       # between chunks 2 and 3
    (3, "stored context read", {2, 3}),              # inside chunk 3, validating
    (4, "shapes checked", {3, 4}),                   # inside the last chunk, just before its write
])
def test_a_chunked_import_killed_leaves_whole_chunks_and_a_rerun_finishes_it(
        base: tuple[Path, Answers], imported: tuple[Path, Path, Answers, float], chunk_states: list[Answers],
        tmp_path: Path, chunk: int, phase: str, committed: set[int]) -> None:
    nodes, edges, _, _ = imported
    store = _copy(base[0], tmp_path)
    child = _import_child(store, nodes, edges, COMMIT_EVERY)
    assert child.stdout is not None
    seen = []
    for line in child.stdout:
        seen.append(line.strip())
        if line.startswith(f"chunk {chunk} of 4 ") and phase in line:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=120)
    assert any(phase in s for s in seen), seen
    assert whole_chunks(answers_at(store), chunk_states) in committed
    _finish(store, nodes, edges)
    assert answers_at(store) == chunk_states[-1]


@pytest.mark.parametrize("seed", range(3))
def test_a_chunked_import_killed_at_a_random_moment_leaves_whole_chunks(
        base: tuple[Path, Answers], imported: tuple[Path, Path, Answers, float], chunk_states: list[Answers],
        tmp_path: Path, seed: int) -> None:
    nodes, edges, _, took = imported
    delay = random.Random(f"chunked-{seed}").uniform(0.0, took * 1.5)
    store = _copy(base[0], tmp_path)
    child = _import_child(store, nodes, edges, COMMIT_EVERY)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=120)
    done = whole_chunks(answers_at(store), chunk_states)
    print(f"kill-state chunked import {delay:.2f}/{took:.2f} s: {done} of 4 chunks")
    _finish(store, nodes, edges)
    assert answers_at(store) == chunk_states[-1]


# --- the gateway killed during a write ------------------------------------------------------

@contextmanager
def _served(store: Path, tmp: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``lineagekg serve`` over ``store`` with an update token, in a session of its own (so its
    whole process tree can be killed); killed (SIGKILL) at the end if still running."""
    port = free_port()
    env = {**os.environ, "LINEAGEKG_UPDATE_TOKEN": TOKEN, "LINEAGEKG_MAX_QUERY_LENGTH": "100000000",
           "LINEAGEKG_QUERY_TIMEOUT": "120", "TMPDIR": str(tmp)}     # snapshots a kill leaves stay in tmp
    process = subprocess.Popen([sys.executable, "-m", "lineagekg", "serve", "--port", str(port), "--store",
                                str(store), "--log-level", "warning"], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base_url + "/api/v1/openapi.json", alive=lambda: process.poll() is None, timeout=120)
        yield base_url, process
    finally:
        kill_tree(process)


@dataclass(frozen=True)
class HttpWrite:
    """One write through the gateway: method, path, body, content type."""

    method: str
    path: str
    body: bytes = b""
    content_type: str = ""

    def send(self, base_url: str, *, timeout: float = 300) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if self.content_type:
            headers["Content-Type"] = self.content_type
        return httpx.request(self.method, base_url + self.path, content=self.body or None, headers=headers,
                             timeout=timeout)


def _writes(quads: list[ox.Quad]) -> dict[str, HttpWrite]:
    triples = list(dict.fromkeys(q.triple for q in quads))
    in_bulk = [ox.Quad(t.subject, t.predicate, t.object, BULK) for t in triples]
    graph = f"?graph={BULK.value}"
    return {"SPARQL Update": HttpWrite("POST", "/update", f"INSERT DATA {{ {data_block(in_bulk)} }}".encode(),
                                       "application/sparql-update"),
            "Graph Store PUT": HttpWrite("PUT", "/store" + graph,
                                         ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
                                         "application/n-triples"),
            "Graph Store DELETE": HttpWrite("DELETE", "/store" + graph)}


@dataclass(frozen=True)
class GatewayCase:
    write: HttpWrite
    start: Path               # the store the write starts from (closed, copied for each kill)
    before: Answers
    whole: Answers
    took: float               # seconds the whole write takes through the gateway


@pytest.fixture(scope="module")
def gateway_cases(base: tuple[Path, Answers], tmp_path_factory: pytest.TempPathFactory) -> dict[str, GatewayCase]:
    """Each write done whole once through a served gateway: its answers and how long it took.
    DELETE starts from the store the PUT left (it removes that graph again)."""
    tmp = tmp_path_factory.mktemp("gateway")
    writes = _writes(big_write_quads(tmp, WRITTEN))
    cases: dict[str, GatewayCase] = {}
    start, before = base
    for name, write in writes.items():
        run = tmp / name.replace(" ", "-")
        store = _copy(start, run)
        with _served(store, run) as (base_url, _):
            started = time.monotonic()
            response = write.send(base_url)
            took = time.monotonic() - started
        assert response.status_code in (200, 201, 204), response.text
        whole = answers_at(store)
        assert whole != before, name
        cases[name] = GatewayCase(write, start, before, whole, took)
        if name == "Graph Store PUT":
            start, before = store, whole
    return cases


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("name", ["SPARQL Update", "Graph Store PUT", "Graph Store DELETE"])
def test_the_gateway_killed_during_a_write_leaves_the_store_as_it_was_or_whole(
        gateway_cases: dict[str, GatewayCase], tmp_path: Path, name: str, seed: int) -> None:
    case = gateway_cases[name]
    delay = random.Random(f"{name}-{seed}").uniform(0.0, case.took * 1.3)
    store = _copy(case.start, tmp_path)
    with _served(store, tmp_path) as (base_url, process):
        sender = threading.Thread(target=lambda: _send_quietly(case.write, base_url), daemon=True)
        sender.start()
        time.sleep(delay)
        kill_tree(process)
        sender.join(timeout=60)
    state = before_or_whole(answers_at(store), case.before, case.whole)
    print(f"kill-state gateway {name} {delay:.2f}/{case.took:.2f} s {state}")   # the tally in docs/serving.md


def _send_quietly(write: HttpWrite, base_url: str) -> None:
    try:
        write.send(base_url)
    except httpx.HTTPError:           # the gateway was killed mid-request: expected
        pass
