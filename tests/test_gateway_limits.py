"""The gateway's limits: a hostile SERVICE, an update without a token, an over-long query and a
too-slow query (a cross join over the graph) are refused while the other requests keep being
answered; a query past its deadline stops and frees its slot; a busy gateway says so; a write past
its deadline writes nothing."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest import LINEAGE
from live_gateway import running_gateway

from lineagekg.api import GatewaySettings
from lineagekg.api.problems import GatewayError
from lineagekg.api.query_limits import Deadline, QueryLimiter
from lineagekg.api.results import serialize_answer
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

HF = "https://huggingface.co/datasets/"
# Every triple with every other twice over, kept when three strings add up to 97 characters: rows
# trickle out (thousands a second) of a join that would run for many minutes.
SLOW = ("SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
        "FILTER(STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) = 97) }")
ROOTS_OF_MIX = ("PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?r WHERE { "
                f"<{HF}example/math-mix> prov:wasDerivedFrom+ ?r FILTER NOT EXISTS {{ ?r prov:wasDerivedFrom ?x }} }}")
ROOTS = {HF + "openai/gsm8k", HF + "hendrycks/competition_math",
         "https://w3id.org/lineagekg/id/dataset/self-instruct-seed-tasks"}


def small_store() -> OxigraphStore:
    store = open_store(memory=True)
    assert import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl").outcome.accepted
    return store


@pytest.fixture(scope="module")
def limited():
    # one client (loopback) sends everything here: give it two places in a pool of three workers
    settings = GatewaySettings(update_token="secret", query_timeout=2.0, max_rows=1_000_000,
                               max_query_length=5_000, query_workers=3, client_queries=2)
    with running_gateway(small_store(), settings) as gateway:
        yield gateway


def test_refusals_while_other_requests_are_answered(limited) -> None:
    base = limited.base_url

    def query(text: str, method: str = "GET") -> httpx.Response:
        if method == "GET":
            return httpx.get(base + "/sparql", params={"query": text}, timeout=60)
        return httpx.post(base + "/sparql", data={"query": text}, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        slow = pool.submit(query, SLOW)
        time.sleep(0.3)       # let the slow query start and hold its slot
        refusals = {
            "service": pool.submit(query, "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?o } }"),
            "update": pool.submit(httpx.post, base + "/update", content="DROP ALL",
                                  headers={"Content-Type": "application/sparql-update"}),
            "long GET": pool.submit(query, "ASK {} #" + "x" * 6_000),
            "long POST": pool.submit(query, "ASK {} #" + "x" * 6_000, "POST"),
        }
        answers = {
            "roots": pool.submit(query, ROOTS_OF_MIX),
            "roots again": pool.submit(query, ROOTS_OF_MIX, "POST"),
            "void": pool.submit(httpx.get, base + "/.well-known/void"),
            "description": pool.submit(httpx.get, base + "/sparql"),
        }
        status = {name: f.result().status_code for name, f in refusals.items()}
        assert status == {"service": 403, "update": 401, "long GET": 413, "long POST": 413}
        for name, future in answers.items():
            assert future.result().status_code == 200, name
        for name in ("roots", "roots again"):
            found = {b["r"]["value"] for b in answers[name].result().json()["results"]["bindings"]}
            assert found == ROOTS
        assert not slow.done(), "the others were answered while the cross join ran"
        timed_out = slow.result()
    assert timed_out.status_code == 504
    problem = timed_out.json()
    assert problem["type"].endswith("/query-timeout") and "2 s" in problem["detail"]
    assert timed_out.headers["content-type"] == "application/problem+json"
    # and the gateway still answers, and nothing was dropped
    after = query("PREFIX lk: <https://w3id.org/lineagekg/ns#> SELECT (COUNT(?d) AS ?n) WHERE { ?d a lk:Dataset }")
    assert after.json()["results"]["bindings"][0]["n"]["value"] == "8"


def test_a_query_past_its_deadline_stops_and_frees_its_slot() -> None:
    store = small_store()
    limiter = QueryLimiter(slots=1, timeout=0.5)

    async def scenario() -> tuple[GatewayError, int, object]:
        def slow(deadline: Deadline) -> tuple[bytes, str]:
            return serialize_answer(store.user_query(SLOW), None, max_rows=10**7, deadline=deadline)

        with pytest.raises(GatewayError) as refused:
            await limiter.run(slow)
        waited = 0
        while limiter.running and waited < 600:     # the worker stops at its next row
            await asyncio.sleep(0.05)
            waited += 1
        running = limiter.running

        def fast(deadline: Deadline) -> tuple[bytes, str]:
            return serialize_answer(store.user_query(ROOTS_OF_MIX), None, max_rows=10, deadline=deadline)

        return refused.value, running, await limiter.run(fast)

    error, running, (body, media) = asyncio.run(scenario())
    assert error.status == 504
    assert running == 0
    assert media == "application/sparql-results+json" and b"self-instruct-seed-tasks" in body


def test_a_busy_gateway_answers_503_and_recovers() -> None:
    """A worker that cannot be interrupted (as a pyoxigraph aggregate cannot) keeps its slot."""
    release = threading.Event()
    limiter = QueryLimiter(slots=1, timeout=0.5)

    async def scenario() -> list[object]:
        def stuck(deadline: Deadline) -> str:
            release.wait(60)
            return "stuck done"

        outcomes: list[object] = []
        for coro in asyncio.as_completed([limiter.run(stuck), _later(limiter.run(lambda d: "quick"))]):
            try:
                outcomes.append(await coro)
            except GatewayError as exc:
                outcomes.append((exc.status, exc.kind, exc.headers.get("Retry-After")))
        release.set()
        while limiter.running:
            await asyncio.sleep(0.01)
        outcomes.append(await limiter.run(lambda d: "quick again"))
        return outcomes

    outcomes = asyncio.run(scenario())
    assert sorted(outcomes[:2], key=str) == [(503, "gateway-busy", "1"), (504, "query-timeout", None)]
    assert outcomes[2] == "quick again"


async def _later(coro):
    await asyncio.sleep(0.1)
    return await coro


def test_a_write_past_its_deadline_writes_nothing() -> None:
    store = small_store()
    before = len(store)
    expired = Deadline(0.0)
    with pytest.raises(GatewayError) as refused:
        store.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> "
                     "<https://example.org/p> \"o\" } }", before_commit=expired.commit)
    assert refused.value.status == 504
    assert len(store) == before and not store.has_graph("https://example.org/g")
    # with time left, the same write goes through
    outcome = store.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> "
                           "<https://example.org/p> \"o\" } }", before_commit=Deadline(60).commit)
    assert outcome.accepted and len(store) == before + 1
