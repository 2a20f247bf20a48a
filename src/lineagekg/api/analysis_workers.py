"""REST analyses run in worker processes: several cores answer them, and a deadline ends them.

The REST routes (``api.rest``) are plain functions of a :class:`~lineagekg.analyses.Lineage` and
their validated parameters. The gateway validates the request, then sends the route's name and
parameters to a pool of worker processes (``query_workers.WorkerPool``, its own pool: users'
SPARQL never takes these workers, which is the analyses' reserved share). Each worker opens the
store read-only and keeps one ``Lineage`` with its index per store version (built when it opens a
new version, before its memory cap), calls the route and sends back the encoded answer. Past the
deadline the worker is killed (504) and replaced, so a runaway library query no longer outlives
its request; a worker still opening a new store version at the deadline is left to finish (503,
``Retry-After``) so that the next request finds it warm.

Why processes (docs/gateway.md has the measurements): one gateway process spends most of a
request in Python (resolving, building and encoding the answer) under one GIL, so threads cannot
use a second core; on-disk stores are locked by one process, so several uvicorn processes would
each need the writer's role or a way to it. Here the gateway process stays the one writer and
HTTP front (with the response cache), and the workers read.

``LINEAGEKG_ANALYSIS_WORKERS=0`` runs the analyses in threads of the gateway instead (the
design before; kept for comparison and for tiny deployments).
"""

from __future__ import annotations

import functools
import importlib
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pydantic
from fastapi import FastAPI, Request, Response

from lineagekg.analyses import Lineage
from lineagekg.api.admission import Admission, client_of
from lineagekg.api.answer_cache import AnswerCache
from lineagekg.api.query_limits import Deadline
from lineagekg.api.query_workers import QueryFailure, WorkerPool
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["AnalysisJob", "analysis_pool_of", "run_analysis"]

_JSON = "application/json"
#: what a route gets from the gateway's state, and in a worker from the worker's own (context key)
_SUPPLIED: dict[type, str] = {Lineage: "lineage", AnswerCache: "answer_cache"}


@dataclass(frozen=True)
class AnalysisJob:
    """One REST route called with its parameters, as a worker needs it: the route by module and
    name (the worker imports it), its parameters but the ``Lineage`` and the answer cache, which
    the worker supplies (its own, over the store it has open)."""

    module: str
    name: str
    params: tuple[tuple[str, Any], ...]
    supplied: tuple[tuple[str, str], ...]      # (parameter, what of the worker's it gets: _SUPPLIED)

    @classmethod
    def of(cls, endpoint: Callable[..., Any], params: dict[str, Any]) -> AnalysisJob:
        supplied = {k: what for k, v in params.items() for kind, what in _SUPPLIED.items() if isinstance(v, kind)}
        return cls(endpoint.__module__, endpoint.__name__,
                   tuple((k, v) for k, v in params.items() if k not in supplied), tuple(supplied.items()))

    def warm(self, store: OxigraphStore, context: dict[str, Any]) -> None:
        _warm_lineage(store, context)

    def run(self, store: OxigraphStore, context: dict[str, Any]) -> tuple[bytes, str, dict[str, str]]:
        """The route's answer as the gateway sends it: body, media type, headers."""
        endpoint = getattr(importlib.import_module(self.module), self.name)
        params = dict(self.params) | {name: context[what] for name, what in self.supplied}
        return encode(endpoint, endpoint(**params))


@dataclass(frozen=True)
class WarmUp:
    """The job a new analysis worker runs first: open the store and build the index (``warm``)."""

    def warm(self, store: OxigraphStore, context: dict[str, Any]) -> None:
        _warm_lineage(store, context)

    def run(self, store: OxigraphStore, context: dict[str, Any]) -> None:
        return None


def _warm_lineage(store: OxigraphStore, context: dict[str, Any]) -> None:
    """The worker's ``Lineage`` over the newly opened store, its index and names read now, and
    its cache of whole-store answers."""
    lineage = context["lineage"] = Lineage(store, index=True)
    context["answer_cache"] = AnswerCache(store)
    lineage.index()
    lineage.names()


def encode(endpoint: Callable[..., Any], answer: Any) -> tuple[bytes, str, dict[str, str]]:
    """An endpoint's return value as bytes: a ``Response`` as it is, anything else as JSON of the
    endpoint's declared return type (by alias, as FastAPI encodes a response model)."""
    if isinstance(answer, Response):
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "content-type")}
        return bytes(answer.body), answer.media_type or _JSON, headers
    return _adapter(endpoint).dump_json(answer, by_alias=True), _JSON, {}


@functools.cache
def _adapter(endpoint: Callable[..., Any]) -> pydantic.TypeAdapter[Any]:
    """The JSON encoder of ``endpoint``'s declared return type (made once per route)."""
    return pydantic.TypeAdapter(typing.get_type_hints(endpoint).get("return", Any))


def analysis_pool_of(app: FastAPI) -> WorkerPool | None:
    """The gateway's pool of analysis workers and its admission, made on first use from its
    settings; None when analyses run in threads (``analysis_workers`` 0)."""
    state = app.state
    if not state.settings.analysis_workers:
        return None
    pool = getattr(state, "analysis_pool", None)
    if pool is None:
        settings = state.settings
        pool = state.analysis_pool = WorkerPool(state.store, size=settings.analysis_workers,
                                                memory_mb=settings.query_memory_mb, prepare=WarmUp())
        state.analysis_admission = Admission(
            what="REST analysis", per_client=max(settings.client_queries, settings.max_concurrent_queries // 2),
            seconds_per_minute=settings.client_seconds_per_minute)
    return pool


async def run_analysis(request: Request, endpoint: Callable[..., Any], params: dict[str, Any]) -> Response:
    """``endpoint(**params)`` in an analysis worker, within the client's fair share and the
    gateway's time limit; its answer as a response.

    Raises:
        GatewayError: the library's error met in the worker (its status), 504 past the deadline,
            503 when no worker is free in time or the worker died.
    """
    pool = analysis_pool_of(request.app)
    assert pool is not None
    state = request.app.state
    deadline = Deadline(state.settings.query_timeout)
    async with state.analysis_admission.admit(client_of(request), deadline.remaining()):
        reply = await pool.run(AnalysisJob.of(endpoint, params), deadline)
    if isinstance(reply, QueryFailure):
        raise reply.error()
    body, media, headers = reply
    return Response(body, media_type=media, headers=headers)

