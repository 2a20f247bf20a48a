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


@pytest.fixture(scope="session")
def corpus():
    """The real lineage corpus (vendored in tests/data/shared/lineage_corpus), read once."""
    from helpers import SHARED_CORPUS

    from lineagekg.corpus import Corpus

    return Corpus.from_directory(SHARED_CORPUS)


@pytest.fixture
def store() -> OxigraphStore:
    return open_store(memory=True)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """One throwaway Virtuoso server for the session (``virtuoso_server``); a missing
    virtuoso-t is an error, not a skip."""
    from virtuoso_server import running_virtuoso

    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(params=["oxigraph", "virtuoso"])
def backend_store(request):
    """An empty store on each backend: embedded Oxigraph in memory, and the session's Virtuoso
    server (emptied first) through ``SparqlHttpStore``. Modules whose tests must give the same
    answers on both override ``store`` with it."""
    if request.param == "oxigraph":
        yield open_store(memory=True)
        return
    from lineagekg.store.sparql_http import open_server_store

    server = request.getfixturevalue("virtuoso")
    remote = open_server_store(server.location, graph_store_url=server.graph_store_url)
    remote.clear()
    try:
        yield remote
    finally:
        remote.close()


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly how many tests did not run because ../shared (the data not vendored into
    tests/data/shared: the benchmark records) is not beside the checkout."""
    from helpers import SAMPLES

    def reason(report: pytest.TestReport) -> str:
        longrepr = report.longrepr
        return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)

    missing = [r for r in terminalreporter.stats.get("skipped", []) if "../shared" in reason(r)]
    if missing:
        terminalreporter.section("data not beside the checkout", sep="=", red=True, bold=True)
        terminalreporter.write_line(f"{len(missing)} tests skipped: {SAMPLES} is missing "
                                    "(real benchmark records, not vendored; see tests/data/shared/NOTICE.md)",
                                    red=True, bold=True)
