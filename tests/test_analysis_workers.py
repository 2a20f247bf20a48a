"""REST analyses in worker processes (api/analysis_workers.py): the same answers as in the
gateway's own threads, a runaway analysis stopped at its deadline (its process killed), and a
write seen by the workers at once."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator

import httpx
import rdflib
from conftest import LINEAGE
from live_gateway import LiveGateway, running_gateway
from rdflib.compare import isomorphic

from lineagekg.api import GatewaySettings
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

GRAPHS = {"text/turtle": "turtle", "application/n-triples": "nt"}
EXAMPLES = LINEAGE.parents[2] / "examples" / "lineage"
REQUESTS = [("/ancestors", {"id": "example/math-mix"}), ("/descendants", {"id": "openai/gsm8k"}),
            ("/roots", {"id": "example/math-mix"}), ("/contamination", {"id": "openai/gsm8k"}),
            ("/path", {"from": "example/math-mix", "to": "openai/gsm8k"}),
            ("/shared-roots", [("id", "example/math-mix"), ("id", "TIGER-Lab/MathInstruct")]),
            ("/lineage", {"id": "meta-math/MetaMathQA", "depth": "2"}), ("/dataset", {"id": "openai/gsm8k"}),
            ("/datasets", {"q": "math"}), ("/stats", {}), ("/structure", {}), ("/redundancy", {}),
            ("/evidence", {"target": "meta-math/MetaMathQA", "source": "openai/gsm8k"}),
            ("/export", {"id": "example/math-mix", "format": "turtle"}), ("/catalog", {"format": "ntriples"}),
            ("/croissant", {"id": "example/math-mix"}), ("/queries", {}),
            ("/ancestors", {"id": "no/such-dataset"}), ("/path", {"from": "example/math-mix", "to": "nowhere"})]


def small_store() -> OxigraphStore:
    store = open_store(memory=True)
    assert import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl").outcome.accepted
    return store


def answers(store: OxigraphStore, settings: GatewaySettings) -> tuple[list[tuple[int, str, str, bytes]], int]:
    """Every request's answer, and how many the gateway answered itself (inline)."""
    with running_gateway(store, settings) as gateway:
        out = []
        for path, params in REQUESTS:
            r = httpx.get(gateway.base_url + "/api/v1" + path, params=params, timeout=60)
            out.append((r.status_code, r.headers["content-type"], r.headers.get("content-disposition", ""), r.content))
        return out, gateway.app.state.inline_analyses.answered


def test_workers_and_the_gateway_itself_answer_exactly_as_the_gateway_threads() -> None:
    cache_off = {"response_cache_mb": 0, "query_timeout": 60.0}
    store = small_store()             # one store: its import run's times are in the evidence
    in_threads, _ = answers(store, GatewaySettings(analysis_workers=0, inline_max_datasets=0, **cache_off))
    in_workers, none = answers(store, GatewaySettings(analysis_workers=2, inline_max_datasets=0, **cache_off))
    inline, answered = answers(store, GatewaySettings(analysis_workers=2, **cache_off))
    # the index-backed routes (ancestors, descendants, roots, path, shared roots) in the gateway
    # itself; their 404s raise there and are answered as problems
    assert (none, answered) == (0, 5)
    assert [a[0] for a in in_workers] == [a[0] for a in inline] == [200] * (len(REQUESTS) - 2) + [404, 404]
    for (path, _), threaded, worked, mine in zip(REQUESTS, in_threads, in_workers, inline, strict=True):
        for other in (worked, mine):
            assert other[:3] == threaded[:3], path
            media = other[1].split(";")[0]
            if media in GRAPHS:          # RDF: the same graph (the on-disk copy may list it in another order)
                assert isomorphic(*(rdflib.Graph().parse(data=x[3], format=GRAPHS[media]) for x in (other, threaded)))
            elif media.endswith("json"):     # JSON: the same document
                assert json.loads(other[3]) == json.loads(threaded[3]), path
            else:
                assert other[3] == threaded[3], path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:       # a zombie is not alive
        return stat.read().split(")")[-1].split()[0] != "Z"


@contextlib.contextmanager
def demo_gateway(timeout: float) -> Iterator[tuple[LiveGateway, httpx.Client]]:
    """The demo graph (613 datasets) behind one analysis worker with time limit ``timeout``."""
    store = open_store(memory=True)
    assert import_lineage_jsonl(store, EXAMPLES / "nodes.jsonl", EXAMPLES / "edges.jsonl").outcome.accepted
    settings = GatewaySettings(analysis_workers=1, query_timeout=timeout, response_cache_mb=0)
    with running_gateway(store, settings) as gateway, httpx.Client(base_url=gateway.base_url, timeout=60) as client:
        yield gateway, client


def test_a_runaway_analysis_is_stopped_at_its_deadline_and_its_process_killed() -> None:
    with demo_gateway(0.3) as (gateway, client):
        pool = gateway.app.state.analysis_pool
        # the worker opened the store and built its index before it took a request (longer than 0.3 s)
        assert client.get("/api/v1/ancestors", params={"id": "openai/gsm8k"}).status_code == 200
        assert pool.restarts == 0
        [pid] = pool.pids()
        # the whole store as PROV-XML takes seconds: past the deadline, 504 and the process is gone
        started = time.monotonic()
        r = client.get("/api/v1/export", params={"format": "provxml"})
        assert r.status_code == 504 and r.json()["type"].endswith("/query-timeout"), r.text
        assert time.monotonic() - started < 5
        assert not alive(pid) and pool.restarts == 1
        # its replacement answers once it has opened the store in turn (meanwhile: 503, never 504)
        deadline = time.monotonic() + 120
        while (r := client.get("/api/v1/ancestors", params={"id": "openai/gsm8k"})).status_code != 200:
            assert r.status_code == 503 and time.monotonic() < deadline, r.text
            time.sleep(0.2)
        assert pool.pids() != [pid] and pool.restarts == 1


def test_after_a_write_a_worker_opening_the_new_version_past_the_deadline_is_not_killed() -> None:
    with demo_gateway(0.1) as (gateway, client):
        store = gateway.store
        pool = gateway.app.state.analysis_pool
        before = client.get("/api/v1/ancestors", params={"id": "openai/gsm8k"})
        assert before.status_code == 200
        store.update("INSERT DATA { GRAPH <https://example.org/g/x> { <https://example.org/s> "
                     "<https://example.org/p> 1 } }")
        # the worker now reopens the store and rebuilds its index: a copy of the store, reopened, and
        # the index: longer than 0.1 s
        first = client.get("/api/v1/ancestors", params={"id": "openai/gsm8k"})
        assert first.status_code == 503 and first.json()["type"].endswith("/store-opening"), first.text
        assert first.headers["Retry-After"] == "5"
        deadline = time.monotonic() + 120
        while (r := client.get("/api/v1/ancestors", params={"id": "openai/gsm8k"})).status_code != 200:
            assert r.status_code == 503 and time.monotonic() < deadline, r.text
            time.sleep(0.2)
        assert r.json() == before.json() and pool.restarts == 0      # warm, not killed and restarted
