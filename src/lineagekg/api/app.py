"""The gateway application: one store, its settings, and the routers that translate HTTP.

``create_app(store, settings)`` builds the FastAPI app; ``lineagekg serve`` runs it on uvicorn
(one uvicorn worker per embedded store: the on-disk store is locked by the process that opened
it; users' SPARQL queries run in separate worker processes that read it read-only, see
``query_workers``).
"""

from __future__ import annotations

from fastapi import FastAPI

from lineagekg import __version__
from lineagekg.analyses import Lineage
from lineagekg.api import explorer, graph_store, linked_data, rest, sparql_protocol, void
from lineagekg.api.analysis_workers import analysis_pool_of
from lineagekg.api.answer_cache import AnswerCache
from lineagekg.api.cross_origin import install_cross_origin
from lineagekg.api.heap import freeze_heap
from lineagekg.api.http_cache import install_http_caching
from lineagekg.api.inline_analyses import InlineAnalyses, inline_of
from lineagekg.api.problems import install_problem_handlers
from lineagekg.api.query_limits import limiter_for
from lineagekg.api.query_workers import query_pool_of
from lineagekg.api.settings import GatewaySettings
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["close_app", "create_app", "start_workers"]


def create_app(store: OxigraphStore, settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway over ``store`` (read-only unless ``settings.update_token`` is set).

    What routes need is put in the app's state here, once, and reaches them through
    :mod:`lineagekg.api.deps`; every router is included here."""
    app = FastAPI(
        title="lineagekg gateway",
        version=__version__,
        summary="The lineage of LLM post-training datasets as W3C PROV-O: SPARQL 1.1, REST, explorer.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,                      # explorer.api_docs_page: Swagger UI vendored, under the CSP
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings = settings or GatewaySettings.from_env()
    app.state.lineage = Lineage(store, index=True)
    app.state.inline_analyses = InlineAnalyses(store, max_datasets=settings.inline_max_datasets)
    app.state.query_limiter = limiter_for(settings)
    app.state.answer_cache = AnswerCache(store)
    install_problem_handlers(app)
    install_http_caching(app, store, settings)
    install_cross_origin(app, settings)
    app.include_router(sparql_protocol.router)
    app.include_router(graph_store.router)
    app.include_router(void.router)
    app.include_router(rest.router, prefix="/api/v1")
    app.include_router(linked_data.router)
    app.include_router(explorer.router)
    return app


def start_workers(app: FastAPI, timeout: float = 60, *, dedicated: bool = False) -> None:
    """Start the gateway's worker processes (users' queries, and REST analyses unless they run in
    threads), read the gateway's own index for its inline analyses, and wait until all are ready
    (the analysis workers: store open, index built), before the server listens.

    ``dedicated``: the process is the gateway and nothing else (``lineagekg serve``): what is
    alive now, and each index read later, is frozen out of the garbage collector's walks
    (``api.heap``: full collections over the index were the p99)."""
    pools = [query_pool_of(app), analysis_pool_of(app)]
    for pool in pools:
        if pool is not None:
            pool.start()
    inline = inline_of(app)
    inline.freeze_heap = dedicated
    if inline.max_datasets > 0:
        inline.read()
    for pool in pools:
        if pool is not None:
            pool.wait_ready(timeout)
    if dedicated:
        freeze_heap()


def close_app(app: FastAPI) -> None:
    """Stop what the gateway started besides its store: the query and analysis worker processes."""
    for name in ("query_pool", "analysis_pool"):
        pool = getattr(app.state, name, None)
        if pool is not None:
            pool.close()

