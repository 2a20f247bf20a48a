"""A gateway running under uvicorn on loopback, for the tests that use real HTTP clients."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from lineagekg.api import GatewaySettings, create_app
from lineagekg.api.app import close_app
from lineagekg.api.query_workers import query_pool_of
from lineagekg.store.oxigraph import OxigraphStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, *, alive: Callable[[], bool], timeout: float = 60,
                         why: Callable[[], str] = lambda: "") -> None:
    """Poll ``url`` until it answers; RuntimeError when the server dies or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or not alive():
                raise RuntimeError(f"no server answered at {url}: {why()}") from None
            time.sleep(0.05)


@dataclass(frozen=True)
class LiveGateway:
    base_url: str            # http://127.0.0.1:<port>
    store: OxigraphStore
    settings: GatewaySettings


@contextmanager
def running_gateway(store: OxigraphStore, settings: GatewaySettings | None = None) -> Iterator[LiveGateway]:
    """Serve ``store`` on a free loopback port in a background thread until the block ends."""
    settings = settings or GatewaySettings()
    port = free_port()
    app = create_app(store, settings)
    query_pool_of(app).wait_ready()
    config = uvicorn.Config(app, host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off",
                            h11_max_incomplete_event_size=settings.max_query_length * 12 + 65536)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"gateway-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_until_answering(base + "/api/v1/openapi.json", alive=thread.is_alive, timeout=20)
    try:
        yield LiveGateway(base, store, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        close_app(app)
