"""Shared fixtures: an in-memory store (with the ontology), and the small lineage graph whose
answers are known (tests/data/lineage/small_*.jsonl, drawn in tests/data/lineage/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineagekg.analyses import Lineage
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import OxigraphStore, open_store

DATA = Path(__file__).parent / "data"
LINEAGE = DATA / "lineage"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def corpus():
    """The shared lineage corpus (../shared/lineage_corpus), read once; skips when it is absent."""
    from helpers import SHARED_CORPUS

    from lineagekg.corpus import Corpus

    if not (SHARED_CORPUS / "index.json").exists():
        pytest.skip("the shared lineage corpus (../shared/lineage_corpus) is not beside the checkout")
    return Corpus.from_directory(SHARED_CORPUS)


@pytest.fixture
def store() -> OxigraphStore:
    return open_store(memory=True)


@pytest.fixture
def small_store(store: OxigraphStore) -> OxigraphStore:
    summary = import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    assert summary.outcome.accepted, summary.outcome.report
    return store


@pytest.fixture
def small(small_store: OxigraphStore) -> Lineage:
    return Lineage(small_store)


@pytest.fixture(scope="module")
def small_gateway():
    """The small graph served by a live gateway (uvicorn on loopback), read-only, with an update
    token ``test-token`` and ``http://127.0.0.1:9/allowed-sparql`` on the SERVICE allowlist."""
    from live_gateway import running_gateway

    from lineagekg.api import GatewaySettings

    gw_store = open_store(memory=True)
    summary = import_lineage_jsonl(gw_store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    assert summary.outcome.accepted, summary.outcome.report
    settings = GatewaySettings(update_token="test-token",
                               service_allowlist=("http://127.0.0.1:9/allowed-sparql",),
                               query_timeout=5.0, max_rows=1000, max_query_length=20_000)
    with running_gateway(gw_store, settings) as gateway:
        yield gateway
