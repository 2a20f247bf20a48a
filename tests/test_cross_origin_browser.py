"""A page served from another origin reads the gateway's /sparql (a preflighted POST) and its
VoID, in headless Chromium (the browser fixture of test_explorer_browser); a gateway that does not
list the page's origin is not readable from it."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import LINEAGE
from live_gateway import running_gateway
from test_explorer_browser import _wait, browser  # noqa: F401 -- browser is a pytest fixture

from lineagekg.api import GatewaySettings
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store

PAGE_DIR = Path(__file__).parent / "data" / "cross_origin"
HF = "https://huggingface.co/datasets/"


@contextmanager
def page_server() -> Iterator[str]:
    """The page, served by a plain HTTP server on its own port: another origin than the gateway."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(PAGE_DIR))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def small_store():
    store = open_store(memory=True)
    assert import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl").outcome.accepted
    return store


def read_from(driver, origin: str, gateway: str) -> tuple[str, str]:
    driver.get(f"{origin}/index.html?gateway={gateway}")
    text = lambda i: driver.find_element("id", i).text  # noqa: E731
    _wait(driver, lambda d: text("sparql") != "pending" and text("void") != "pending", "both reads")
    return text("sparql"), text("void")


def test_a_page_on_another_origin_reads_sparql_and_the_void(browser) -> None:  # noqa: F811
    store = small_store()
    with page_server() as origin, running_gateway(store) as gw:
        sparql, void = read_from(browser, origin, gw.base_url)
    assert sparql == f"ok {HF}hendrycks/competition_math {HF}openai/gsm8k"
    assert void.startswith("ok ") and int(void.split()[1]) > 0


def test_an_origin_the_gateway_does_not_list_is_blocked(browser) -> None:  # noqa: F811
    settings = GatewaySettings(cors_origins=("https://catalog.example",))
    with page_server() as origin, running_gateway(small_store(), settings) as gw:
        sparql, void = read_from(browser, origin, gw.base_url)
    assert sparql.startswith("blocked") and void.startswith("blocked")
