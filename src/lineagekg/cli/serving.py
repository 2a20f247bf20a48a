"""``lineagekg serve``: the gateway (SPARQL 1.1 Protocol, Graph Store Protocol, VoID, REST API,
explorer page) on uvicorn, over one store.

One process and one uvicorn worker per store: the on-disk store is locked by the process that
opens it. Settings come from the environment (``LINEAGEKG_UPDATE_TOKEN``,
``LINEAGEKG_SERVICE_ALLOWLIST``, ``LINEAGEKG_QUERY_TIMEOUT``, ``LINEAGEKG_MAX_ROWS``,
``LINEAGEKG_MAX_QUERY_LENGTH``).
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_OK, StoreOpt, app, command_store
from lineagekg.errors import ConfigError


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    store: StoreOpt = None,
    log_level: Annotated[str, typer.Option(
        help="uvicorn's log level (critical, error, warning, info, debug).")] = "info",
) -> int:
    """Serve the store over HTTP: SPARQL at /sparql, updates at /update, graphs at /store, VoID at
    /.well-known/void, the REST API at /api/v1 and the explorer at / (read-only unless
    LINEAGEKG_UPDATE_TOKEN is set)."""
    import uvicorn

    from lineagekg.api import GatewaySettings, create_app
    from lineagekg.api.app import close_app, start_workers

    settings = GatewaySettings.from_env()
    opened = command_store(store)
    if opened.path is None and getattr(opened, "location", None):
        raise ConfigError(f"the store {store} is a SPARQL server: it serves SPARQL itself",
                          hint="serve an embedded store (a directory), or query the server directly")
    application = create_app(opened, settings)
    start_workers(application, dedicated=True)     # workers and indexes ready before the first request
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    typer.echo(f"lineagekg gateway on {url}/ (SPARQL: {url}/sparql, REST: {url}/api/v1, "
               f"VoID: {url}/.well-known/void)")
    typer.echo(f"store: {opened.path or 'in memory'}; "
               + ("updates need the bearer token" if settings.update_token else "read-only")
               + f"; query limits: {settings.query_timeout:g} s, {settings.max_rows} rows")
    sys.stdout.flush()
    if host not in ("127.0.0.1", "localhost", "::1"):
        out.say(("warning:", "yellow"), f" listening on {host}: reachable from other machines", err=True)
    config = uvicorn.Config(
        application, host=host, port=port, workers=1, log_level=log_level, lifespan="off",
        timeout_graceful_shutdown=5,
        # a GET carries the query in its URL: let a query as long as the gateway allows through
        h11_max_incomplete_event_size=settings.max_query_length * 12 + 64 * 1024)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again; with these
    # handlers in place that second signal is a no-op, so the command ends normally: the store
    # is flushed and closed, and the exit code is 0.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        uvicorn.Server(config).run()
    finally:
        close_app(application)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK
