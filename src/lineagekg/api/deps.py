"""What a route needs from the running gateway, as FastAPI dependencies: the store, the settings,
the lineage analyses, the query limiter and the answer cache.

``create_app`` puts each of them in the app's state once; routers declare what they need with
these ``Annotated`` types (or call the ``*_of`` functions from a helper that has the request), so
no router imports ``api.app``: the app module includes the routers, never the other way round.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lineagekg.analyses import Lineage
from lineagekg.api.answer_cache import AnswerCache
from lineagekg.api.query_limits import QueryLimiter
from lineagekg.api.settings import GatewaySettings
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["AnswerCacheDep", "LimiterDep", "LineageDep", "SettingsDep", "StoreDep", "answer_cache_of",
           "limiter_of", "lineage_of", "settings_of", "store_of"]


def store_of(request: Request) -> OxigraphStore:
    """The store the gateway serves."""
    store: OxigraphStore = request.app.state.store
    return store


def settings_of(request: Request) -> GatewaySettings:
    """The gateway's settings (token, SERVICE allowlist, query limits)."""
    settings: GatewaySettings = request.app.state.settings
    return settings


def lineage_of(request: Request) -> Lineage:
    """The lineage analyses over the store, with their in-memory index."""
    lineage: Lineage = request.app.state.lineage
    return lineage


def limiter_of(request: Request) -> QueryLimiter:
    """The limiter REST analyses and writes run through (users' SPARQL queries run in the worker
    processes and never take its slots)."""
    limiter: QueryLimiter = request.app.state.query_limiter
    return limiter


def answer_cache_of(request: Request) -> AnswerCache:
    """Answers computed from the store (VoID, service description, DCAT catalog), kept until a write."""
    cache: AnswerCache = request.app.state.answer_cache
    return cache


StoreDep = Annotated[OxigraphStore, Depends(store_of)]
SettingsDep = Annotated[GatewaySettings, Depends(settings_of)]
LineageDep = Annotated[Lineage, Depends(lineage_of)]
LimiterDep = Annotated[QueryLimiter, Depends(limiter_of)]
AnswerCacheDep = Annotated[AnswerCache, Depends(answer_cache_of)]
