"""A gateway running under uvicorn on loopback, for the tests that use real HTTP clients."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from lineagekg.api import GatewaySettings, create_app
from lineagekg.api.app import close_app, start_workers
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
    app: FastAPI


@contextmanager
def running_gateway(store: OxigraphStore, settings: GatewaySettings | None = None) -> Iterator[LiveGateway]:
    """Serve ``store`` on a free loopback port in a background thread until the block ends."""
    settings = settings or GatewaySettings()
    port = free_port()
    app = create_app(store, settings)
    start_workers(app)
    config = uvicorn.Config(app, host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off",
                            h11_max_incomplete_event_size=settings.max_query_length * 12 + 65536)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"gateway-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_until_answering(base + "/api/v1/openapi.json", alive=thread.is_alive, timeout=20)
    try:
        yield LiveGateway(base, store, settings, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        close_app(app)


@contextmanager
def serving(store_dir: Path, env: dict[str, str], *, timeout: float = 60) -> Iterator[tuple[str, subprocess.Popen]]:
    """``lineagekg serve`` over ``store_dir`` as a real process on a free loopback port, in
    environment ``env`` (its settings), until the block ends; yields the base URL and the process."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "lineagekg", "serve", "--port", str(port),
                                "--store", str(store_dir), "--log-level", "warning"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/api/v1/openapi.json", alive=lambda: process.poll() is None, timeout=timeout,
                             why=lambda: f"lineagekg serve did not start: {process.stderr.read()}")
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover -- only if shutdown hangs
                process.kill()
                process.wait()
