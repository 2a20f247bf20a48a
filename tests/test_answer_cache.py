"""The gateway's whole-store answers (VoID, service description, DCAT catalog) are kept until the
store's version changes, and always match the store as it stands."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import write_jsonl
from rdflib import Graph, Namespace, URIRef

from lineagekg.api import GatewaySettings, create_app
from lineagekg.api.answer_cache import AnswerCache
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
META = json.dumps({"source": "Paper", "confidence": 0.9, "relationship": "Direct Inclusion/Subset",
                   "evidence": "we include it"})


def _import(store: OxigraphStore, folder: Path, names: list[str]) -> None:
    nodes = write_jsonl(folder / "n.jsonl", [{"name": n, "exists_on_hf": True} for n in names])
    edges = write_jsonl(folder / "e.jsonl", [{"target": t, "source": s, "meta_info": META}
                                             for s, t in zip(names, names[1:], strict=False)])
    assert import_lineage_jsonl(store, nodes, edges).outcome.accepted


def _void_triples(client: TestClient) -> int:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    void = Graph().parse(data=r.content, format="turtle")
    return int(void.value(URIRef("http://testserver/.well-known/void#dataset"), VOID.triples))


def _catalogued(client: TestClient) -> set[str]:
    r = client.get("/api/v1/catalog", params={"format": "turtle"})
    assert r.status_code == 200
    catalog = Graph().parse(data=r.content, format="turtle")
    return {str(d) for d in catalog.objects(None, DCAT.dataset)}


@pytest.fixture()
def gateway(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(memory=True)
    (tmp_path / "first").mkdir()
    _import(store, tmp_path / "first", ["org/a", "org/b"])
    with TestClient(create_app(store, GatewaySettings())) as client:
        yield store, client


def test_every_write_changes_the_store_version(tmp_path: Path) -> None:
    store = open_store(memory=True)
    before = store.version
    _import(store, tmp_path, ["org/x", "org/y"])
    assert store.version > before
    after_import = store.version
    assert store.version == after_import              # reading does not change it
    store.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> "
                 "<http://www.w3.org/2000/01/rdf-schema#label> 'x' } }")
    assert store.version > after_import


def test_void_and_catalog_follow_a_write(gateway, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, client = gateway
    triples, catalogued = _void_triples(client), _catalogued(client)
    assert any(d.endswith("org/a") for d in catalogued) and not any(d.endswith("org/c") for d in catalogued)
    assert _void_triples(client) == triples and _catalogued(client) == catalogued   # served again, unchanged
    (tmp_path / "second").mkdir()
    _import(store, tmp_path / "second", ["org/c", "org/d"])
    assert _void_triples(client) > triples
    now = _catalogued(client)
    assert any(d.endswith("org/c") for d in now) and catalogued < now


def test_the_service_description_names_the_endpoint_it_was_asked_at(gateway) -> None:  # type: ignore[no-untyped-def]
    _, client = gateway
    for host in ("a.example", "b.example", "a.example"):
        r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": host})
        assert r.status_code == 200
        assert f"<http://{host}/sparql>".encode() in r.content


def test_the_cache_builds_once_per_version_and_key_and_keeps_one_entry_per_kind() -> None:
    store = open_store(memory=True)
    cache = AnswerCache(store)
    built: list[str] = []

    def build(value: str) -> str:
        built.append(value)
        return value

    assert cache.get("void", "http://a", lambda: build("a1")) == "a1"
    assert cache.get("void", "http://a", lambda: build("a2")) == "a1"          # kept
    assert cache.get("void", "http://b", lambda: build("b1")) == "b1"          # another key replaces it
    assert cache.get("void", "http://a", lambda: build("a3")) == "a3"          # ... so a is built again
    assert cache.get("catalog", "turtle", lambda: build("c1")) == "c1"         # kinds are separate
    store.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> "
                 "<http://www.w3.org/2000/01/rdf-schema#label> 'x' } }")
    assert cache.get("void", "http://a", lambda: build("a4")) == "a4"          # a write: built again
    assert built == ["a1", "b1", "a3", "c1", "a4"]
    assert len(cache._entries) == 2


def _held_build(started: threading.Event, release: threading.Event, built: list[str], value: str,
                fail: bool = False):  # type: ignore[no-untyped-def]
    def build() -> str:
        built.append(value)
        started.set()
        assert release.wait(30), "the test never released the build"
        if fail:
            raise RuntimeError("the first build fails")
        return value
    return build


def _ask(cache: AnswerCache, key: str, build, out: list[object]) -> threading.Thread:  # type: ignore[no-untyped-def]
    def run() -> None:
        try:
            out.append(cache.get("catalog", key, build))
        except RuntimeError as exc:
            out.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_requests_that_miss_together_wait_for_one_build() -> None:
    """Twelve requests for the same answer while it is being built: one build, twelve answers."""
    cache = AnswerCache(open_store(memory=True))
    started, release, built, out = threading.Event(), threading.Event(), [], []
    first = _ask(cache, "turtle", _held_build(started, release, built, "catalog"), out)
    assert started.wait(30)
    others = [_ask(cache, "turtle", lambda: built.append("again") or "again", out) for _ in range(11)]
    time.sleep(0.3)                 # let them reach the wait (a late one finds the entry: still no build)
    release.set()
    for t in [first, *others]:
        t.join(30)
    assert built == ["catalog"] and out == ["catalog"] * 12


def test_a_failed_build_leaves_the_next_waiting_request_to_build() -> None:
    cache = AnswerCache(open_store(memory=True))
    started, release, built, out = threading.Event(), threading.Event(), [], []
    first = _ask(cache, "turtle", _held_build(started, release, built, "never", fail=True), out)
    assert started.wait(30)
    second = _ask(cache, "turtle", lambda: built.append("second") or "second", out)
    time.sleep(0.3)
    release.set()
    first.join(30)
    second.join(30)
    assert built == ["never", "second"]
    assert [str(x) for x in out] == ["the first build fails", "second"]
    assert cache.get("catalog", "turtle", lambda: "third") == "second"       # kept


def test_a_request_for_another_key_does_not_wait() -> None:
    cache = AnswerCache(open_store(memory=True))
    started, release, built, out = threading.Event(), threading.Event(), [], []
    first = _ask(cache, "turtle", _held_build(started, release, built, "turtle"), out)
    assert started.wait(30)
    assert cache.get("catalog", "jsonld", lambda: "jsonld") == "jsonld"     # answered while turtle builds
    release.set()
    first.join(30)
    assert out == ["turtle"]
