"""Index-backed REST analyses answered in the gateway process (api/inline_analyses.py): from a
``Lineage`` pinned to the store's version, never from before a write, the workers answering while
the new version is read; and the pinned ``Lineage`` itself."""

from __future__ import annotations

import time

import httpx
from conftest import LINEAGE
from live_gateway import running_gateway

from lineagekg.analyses import Lineage
from lineagekg.api import GatewaySettings
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

PROV = "http://www.w3.org/ns/prov#"


def small_store() -> OxigraphStore:
    store = open_store(memory=True)
    assert import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl").outcome.accepted
    return store


def iri_of(store: OxigraphStore, identifier: str) -> str:
    return Lineage(store).resolve(identifier)


def add_edge(store: OxigraphStore, target: str, source: str) -> None:
    store.update(f"INSERT DATA {{ GRAPH <https://example.org/g/added> {{ <{target}> <{PROV}wasDerivedFrom> "
                 f"<{source}> }} }}")


def test_a_pinned_lineage_answers_as_of_its_version_whatever_the_store_does_after() -> None:
    store = small_store()
    pinned = Lineage(store, index=True, pinned=store.version)
    live = Lineage(store, index=True)
    before = {r.id for r in pinned.ancestors("vicgalle/alpaca-gpt4")}
    assert before == {"tatsu-lab/alpaca", "self-instruct seed tasks"}
    add_edge(store, iri_of(store, "vicgalle/alpaca-gpt4"), iri_of(store, "openai/gsm8k"))
    assert {r.id for r in pinned.ancestors("vicgalle/alpaca-gpt4")} == before
    assert {r.id for r in live.ancestors("vicgalle/alpaca-gpt4")} == before | {"openai/gsm8k"}


def test_after_a_write_the_gateway_never_answers_from_before_it_and_answers_inline_again() -> None:
    store = small_store()
    settings = GatewaySettings(response_cache_mb=0, query_timeout=60.0)
    with running_gateway(store, settings) as gateway, httpx.Client(base_url=gateway.base_url, timeout=60) as client:
        inline = gateway.app.state.inline_analyses
        url, params = "/api/v1/ancestors", {"id": "vicgalle/alpaca-gpt4"}
        first = client.get(url, params=params)
        assert first.status_code == 200 and inline.answered == 1     # read before the gateway listened
        assert {i["id"] for i in first.json()["items"]} == {"tatsu-lab/alpaca", "self-instruct seed tasks"}
        add_edge(store, iri_of(store, "vicgalle/alpaca-gpt4"), iri_of(store, "openai/gsm8k"))
        # the first request after the write finds the gateway's index stale: a worker answers it
        # (the new version), and the gateway reads the new version in the background
        seen = []
        deadline = time.monotonic() + 120
        while inline.answered == 1:
            r = client.get(url, params=params)
            assert r.status_code in (200, 503), r.text          # 503: a worker still opening the new version
            if r.status_code == 200:
                seen.append({i["id"] for i in r.json()["items"]})
            assert time.monotonic() < deadline
            time.sleep(0.05)
        after = client.get(url, params=params)
        assert inline.answered == 3
        expected = {"tatsu-lab/alpaca", "self-instruct seed tasks", "openai/gsm8k"}
        assert all(s == expected for s in [*seen, {i["id"] for i in after.json()["items"]}])


def test_a_store_larger_than_the_inline_limit_is_left_to_the_workers() -> None:
    store = small_store()
    settings = GatewaySettings(response_cache_mb=0, query_timeout=60.0, inline_max_datasets=3)
    with running_gateway(store, settings) as gateway:
        r = httpx.get(gateway.base_url + "/api/v1/roots", params={"id": "example/math-mix"}, timeout=60)
        assert r.status_code == 200
        assert {i["id"] for i in r.json()["items"]} == {"openai/gsm8k", "hendrycks/competition_math",
                                                        "self-instruct seed tasks"}
        assert gateway.app.state.inline_analyses.answered == 0
