"""HTTP caching of the gateway's reads (api/http_cache.py): validators from the store version,
304 on conditional requests, and a response cache that never answers from before a write.

Each test runs against a live gateway over the small graph (tests/data/lineage), with writes
through the gateway's own /update and /store, and checks the answers themselves."""

from __future__ import annotations

import asyncio
import email.utils
import math
import time

import httpx
import pytest
from conftest import LINEAGE
from live_gateway import running_gateway

from lineagekg.api import GatewaySettings
from lineagekg.api.http_cache import HttpCaching, ResponseCache, VersionClock
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

TOKEN = "cache-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HF = "https://huggingface.co/datasets/"
NEW = "https://example.org/d/new-source"
# a new dataset, and the mix derived from it: one more ancestor of example/math-mix
ADD_SOURCE = ("PREFIX lk: <https://w3id.org/lineagekg/ns#> PREFIX dcterms: <http://purl.org/dc/terms/> "
              "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
              "INSERT DATA { GRAPH <https://example.org/g/new> { "
              f"<{NEW}> a lk:Dataset ; dcterms:identifier \"new-source\" ; rdfs:label \"new source\" . "
              f"<{HF}example/math-mix> prov:wasDerivedFrom <{NEW}> }} }}")
MIX_ANCESTORS = {"TIGER-Lab/MathInstruct", "meta-math/MetaMathQA", "tatsu-lab/alpaca", "openai/gsm8k",
                 "hendrycks/competition_math", "self-instruct seed tasks"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <https://w3id.org/lineagekg/ns#Dataset> }"


def small_store() -> OxigraphStore:
    store = open_store(memory=True)
    assert import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl").outcome.accepted
    return store


@pytest.fixture
def gateway():
    with running_gateway(small_store(), GatewaySettings(update_token=TOKEN, query_timeout=20.0)) as gw, \
            httpx.Client(base_url=gw.base_url, timeout=30) as client:
        yield client


def ancestors(client: httpx.Client, **headers: str) -> httpx.Response:
    return client.get("/api/v1/ancestors", params={"id": "example/math-mix"}, headers=headers)


def ancestor_ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {x["id"] for x in response.json()["items"]}


def test_a_repeated_request_gets_304_by_etag_and_by_date(gateway) -> None:
    first = ancestors(gateway)
    assert ancestor_ids(first) == MIX_ANCESTORS
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")            # a strong validator
    assert first.headers["cache-control"] == "no-cache"
    assert email.utils.parsedate_to_datetime(modified).timestamp() <= time.time()
    again = ancestors(gateway)
    assert again.headers["etag"] == etag and again.content == first.content
    for conditional in ({"If-None-Match": etag}, {"If-None-Match": f'"other", W/{etag}'},
                        {"If-None-Match": "*"}, {"If-Modified-Since": modified}):
        r = ancestors(gateway, **conditional)
        assert r.status_code == 304, conditional
        assert r.content == b"" and r.headers["etag"] == etag
    # a tag of another answer, an earlier date, or If-None-Match deciding over the date: the answer
    earlier = email.utils.formatdate(email.utils.parsedate_to_datetime(modified).timestamp() - 1, usegmt=True)
    for conditional in ({"If-None-Match": '"other"'}, {"If-Modified-Since": earlier},
                        {"If-None-Match": '"other"', "If-Modified-Since": modified},
                        {"If-Modified-Since": "not a date"}):
        r = ancestors(gateway, **conditional)
        assert r.status_code == 200 and r.content == first.content, conditional
    # HEAD gets the same validators, and 304 too
    head = gateway.head("/api/v1/ancestors", params={"id": "example/math-mix"})
    assert head.status_code == 200 and head.headers["etag"] == etag and head.content == b""
    assert gateway.head("/api/v1/ancestors", params={"id": "example/math-mix"},
                        headers={"If-None-Match": etag}).status_code == 304


def test_other_parameters_are_other_answers(gateway) -> None:
    mix = ancestors(gateway)
    alpaca = gateway.get("/api/v1/ancestors", params={"id": "tatsu-lab/alpaca"})
    assert alpaca.status_code == 200 and alpaca.headers["etag"] != mix.headers["etag"]
    assert gateway.get("/api/v1/ancestors", params={"id": "tatsu-lab/alpaca"},
                       headers={"If-None-Match": mix.headers["etag"]}).status_code == 200
    # repeated parameters keep their order: shared-roots lists its datasets as given
    both = [("id", "example/math-mix"), ("id", "TIGER-Lab/MathInstruct")]
    one = gateway.get("/api/v1/shared-roots", params=both)
    other = gateway.get("/api/v1/shared-roots", params=both[::-1])
    assert [d["id"] for d in one.json()["datasets"]] == ["example/math-mix", "TIGER-Lab/MathInstruct"]
    assert [d["id"] for d in other.json()["datasets"]] == ["TIGER-Lab/MathInstruct", "example/math-mix"]
    assert one.headers["etag"] != other.headers["etag"]
    # the same parameters in another order between names: the same answer, the same tag
    a = gateway.get("/api/v1/lineage", params=[("id", "example/math-mix"), ("depth", "1")])
    b = gateway.get("/api/v1/lineage", params=[("depth", "1"), ("id", "example/math-mix")])
    assert a.status_code == 200 and a.content == b.content and a.headers["etag"] == b.headers["etag"]


def test_a_write_through_update_changes_the_tag_and_the_cached_answer(gateway) -> None:
    before = ancestors(gateway)
    assert ancestors(gateway).content == before.content               # now cached
    written = gateway.post("/update", content=ADD_SOURCE,
                           headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert written.status_code == 200, written.text
    after = ancestors(gateway, **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200                                   # the old tag no longer matches
    assert after.headers["etag"] != before.headers["etag"]
    assert ancestor_ids(after) == MIX_ANCESTORS | {"new-source"}       # never the cached answer
    assert email.utils.parsedate_to_datetime(after.headers["last-modified"]) >= \
        email.utils.parsedate_to_datetime(before.headers["last-modified"])
    assert ancestors(gateway, **{"If-None-Match": after.headers["etag"]}).status_code == 304


def test_a_write_through_the_graph_store_changes_the_tag_and_the_cached_answer(gateway) -> None:
    query = {"query": COUNT}
    accept = {"Accept": "application/sparql-results+json"}
    before = gateway.get("/sparql", params=query, headers=accept)
    count = int(before.json()["results"]["bindings"][0]["n"]["value"])
    assert gateway.get("/sparql", params=query, headers=accept).content == before.content
    graph = "https://example.org/g/added"
    put = gateway.put("/store", params={"graph": graph}, headers={**AUTH, "Content-Type": "text/turtle"},
                      content=(f"<{NEW}> a <https://w3id.org/lineagekg/ns#Dataset> ; "
                               "<http://purl.org/dc/terms/identifier> \"new-source\" ; "
                               "<http://www.w3.org/2000/01/rdf-schema#label> \"new source\" .").encode())
    assert put.status_code in (200, 201, 204), put.text
    after = gateway.get("/sparql", params=query, headers={**accept, "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert int(after.json()["results"]["bindings"][0]["n"]["value"]) == count + 1
    deleted = gateway.delete("/store", params={"graph": graph}, headers=AUTH)
    assert deleted.status_code in (200, 204), deleted.text
    again = gateway.get("/sparql", params=query, headers=accept)
    assert int(again.json()["results"]["bindings"][0]["n"]["value"]) == count
    assert again.headers["etag"] not in (before.headers["etag"], after.headers["etag"])


def test_each_accept_gets_its_own_cached_body_and_tag(gateway) -> None:
    query = {"query": "SELECT ?id WHERE { ?d <http://purl.org/dc/terms/identifier> ?id } ORDER BY ?id LIMIT 3"}
    answers = {}
    for _ in range(2):                                                  # the second round from the cache
        for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv"):
            r = gateway.get("/sparql", params=query, headers={"Accept": media})
            assert r.status_code == 200 and r.headers["content-type"].startswith(media)
            assert answers.setdefault(media, r).content == r.content
            assert answers[media].headers["etag"] == r.headers["etag"]
    assert answers["text/csv"].text.splitlines()[0] == "id"
    assert b"<sparql" in answers["application/sparql-results+xml"].content
    assert len({r.headers["etag"] for r in answers.values()}) == 3
    assert len({r.content for r in answers.values()}) == 3
    # VoID and the service description: by Accept too, and 304 on a repeat
    for path in ("/.well-known/void", "/sparql"):
        turtle = gateway.get(path, headers={"Accept": "text/turtle"})
        ntriples = gateway.get(path, headers={"Accept": "application/n-triples"})
        assert turtle.status_code == ntriples.status_code == 200
        assert turtle.headers["etag"] != ntriples.headers["etag"] and turtle.content != ntriples.content
        assert gateway.get(path, headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["etag"]}
                           ).status_code == 304


def test_answers_that_may_differ_between_runs_are_not_cached(gateway) -> None:
    for text in ("SELECT (RAND() AS ?r) WHERE {}", "SELECT (STRUUID() AS ?u) WHERE {}",
                 "CONSTRUCT { [] <http://ex/p> ?d } WHERE { ?d a <https://w3id.org/lineagekg/ns#Dataset> } LIMIT 1"):
        first = gateway.get("/sparql", params={"query": text})
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "no-store" and "etag" not in first.headers
    randoms = {gateway.get("/sparql", params={"query": "SELECT (RAND() AS ?r) WHERE {}"},
                           headers={"Accept": "text/csv"}).text for _ in range(3)}
    assert len(randoms) == 3
    # errors carry no validators and are not kept
    missing = gateway.get("/api/v1/ancestors", params={"id": "no/such-dataset"})
    assert missing.status_code == 404 and "etag" not in missing.headers


def test_the_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    cache = ResponseCache(max_bytes=100, max_entries=3, max_entry_bytes=60)
    assert not cache.put("huge", 1, [], b"x" * 61)
    for key in "abc":
        assert cache.put(key, 1, [], key.encode() * 10)
    assert cache.get("a", 1) is not None                   # a used: b is now the oldest
    cache.put("d", 1, [], b"d" * 10)
    assert len(cache) == 3 and cache.get("b", 1) is None and cache.get("a", 1).body == b"a" * 10
    cache.put("e", 1, [], b"e" * 60)                      # over 100 bytes: the oldest go until it fits
    assert cache._bytes <= 100 and cache.get("e", 1) is not None and cache.get("c", 1) is None
    assert cache.get("a", 2) is None and len(cache) == 0    # a newer version: everything older dropped
    assert not cache.put("a", 1, [], b"late")              # an answer of an older version is not kept


def test_last_modified_of_two_writes_in_one_second_is_not_used_for_304() -> None:
    store = small_store()
    clock = VersionClock(store)
    start = clock.current()
    assert start.exact and start.last_modified <= time.time()
    seen = []
    for name in ("one", "two"):
        store.update(f"INSERT DATA {{ GRAPH <https://example.org/g/{name}> {{ "
                     f"<https://example.org/s/{name}> <https://example.org/p> 1 }} }}")
        seen.append(clock.current())
    one, two = seen
    assert (one.generation, two.generation) == (start.generation + 1, start.generation + 2)
    assert two.last_modified == math.floor(store.last_write or 0)
    # a second that two versions share cannot tell them apart: If-Modified-Since is not used then
    assert two.exact == (two.last_modified > one.last_modified)
    assert two.etag("k") != one.etag("k") != start.etag("k")


def _held_app(calls: list[str], release: asyncio.Event, statuses: list[int]):  # type: ignore[no-untyped-def]
    """An ASGI app that answers only once released: the first call with ``statuses[0]``, and so on."""
    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        calls.append(scope["path"])
        await release.wait()
        status = statuses[min(len(calls), len(statuses)) - 1]
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": f"answer {len(calls)}".encode()})
    return app


def _burst(statuses: list[int], paths: list[str], max_waiting: int = 256) -> tuple[list[str], list[httpx.Response]]:
    async def run() -> tuple[list[str], list[httpx.Response]]:
        calls: list[str] = []
        release = asyncio.Event()
        caching = HttpCaching(_held_app(calls, release, statuses), VersionClock(small_store()),
                              ResponseCache(max_bytes=1 << 20), wait_seconds=30, max_waiting=max_waiting)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=caching), base_url="http://t") as client:
            asked = [asyncio.create_task(client.get(p)) for p in paths]
            await asyncio.sleep(0.3)            # all of them in: running, or waiting for the one running
            release.set()
            return calls, list(await asyncio.gather(*asked))
    return asyncio.run(run())


def test_identical_requests_that_miss_together_cost_one_computation() -> None:
    calls, answers = _burst([200], ["/api/v1/x"] * 10)
    assert calls == ["/api/v1/x"]
    assert [(r.status_code, r.text) for r in answers] == [(200, "answer 1")] * 10
    assert len({r.headers["etag"] for r in answers}) == 1


def test_an_answer_that_is_not_cached_leaves_the_waiting_requests_to_run() -> None:
    """The first computation fails (500, never cached): the waiting requests do not get its answer
    but run their own (the second of them may find the first one's 200 already cached)."""
    calls, answers = _burst([500, 200], ["/api/v1/x"] * 3)
    assert 2 <= len(calls) <= 3 and sorted(r.status_code for r in answers) == [200, 200, 500]


def test_other_requests_never_wait_for_each_other() -> None:
    calls, answers = _burst([200], ["/api/v1/a", "/api/v1/b", "/api/v1/a?x=1"])
    assert sorted(calls) == ["/api/v1/a", "/api/v1/a", "/api/v1/b"] and all(r.status_code == 200 for r in answers)


def test_waiting_is_bounded_and_the_rest_go_the_usual_way() -> None:
    """Two may wait for the running request; the other two run (and would meet admission's limits)."""
    calls, answers = _burst([200], ["/api/v1/x"] * 5, max_waiting=2)
    assert len(calls) == 3 and all(r.status_code == 200 for r in answers)


def test_how_many_may_wait_is_a_setting_and_zero_turns_waiting_off() -> None:
    from lineagekg.errors import ConfigError

    assert GatewaySettings().coalesce_waiting == 256
    assert GatewaySettings.from_env({"LINEAGEKG_COALESCE_WAITING": "0"}).coalesce_waiting == 0
    with pytest.raises(ConfigError, match="LINEAGEKG_COALESCE_WAITING"):
        GatewaySettings.from_env({"LINEAGEKG_COALESCE_WAITING": "-1"})
    calls, answers = _burst([200], ["/api/v1/x"] * 4, max_waiting=0)
    assert len(calls) == 4 and all(r.status_code == 200 for r in answers)
