"""Bounded lineage analyses answered in the gateway process itself, from its own lineage index.

Ancestors, descendants, roots, shared roots and path (the routes marked :func:`index_backed`)
read only the in-memory lineage index: one breadth-first search over the lineage graph, O(V+E),
and no SPARQL beyond resolving a name. They cannot run away, so they need no process that can be
killed; sending them to an analysis worker cost more than the answer (pickling, the pipe, a
second process's turn on a loaded machine: docs/gateway.md measures it). The gateway answers
them on its event loop instead, encoded as the workers encode them. Everything else (SPARQL
behind the analyses, exports, users' queries) still runs in the worker processes, stopped past
its deadline.

The answers come from a ``Lineage`` *pinned* to one store version (its index and names read once
for it) and are used only while the store is at that version: after a write, these routes go to
the workers until a background thread has read the new version (one at a time), so a request
never waits for the index on the event loop. A store with more than ``max_datasets`` lineage
nodes is left to the workers: there the largest answers (descendants of a root) would hold the
event loop too long (10k datasets: the largest, 2,539 descendants, takes 58 ms).

``freeze_heap`` (``lineagekg serve``, a process of its own): after each read, what is alive is
kept out of the garbage collector's walks (``api.heap``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Response

from lineagekg.analyses import Lineage
from lineagekg.api.analysis_workers import encode
from lineagekg.api.heap import freeze_heap
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["InlineAnalyses", "index_backed", "inline_of", "is_index_backed"]

_MARK = "__lineagekg_index_backed__"
F = TypeVar("F", bound=Callable[..., Any])


def index_backed(endpoint: F) -> F:
    """Mark a REST route whose answer comes from the lineage index alone (bounded: see the module)."""
    setattr(endpoint, _MARK, True)
    return endpoint


def is_index_backed(endpoint: Callable[..., Any]) -> bool:
    """Whether ``endpoint`` was marked :func:`index_backed`."""
    return bool(getattr(endpoint, _MARK, False))


def inline_of(app: FastAPI) -> InlineAnalyses:
    """The gateway's inline analyses (made by ``create_app``)."""
    inline: InlineAnalyses = app.state.inline_analyses
    return inline


class InlineAnalyses:
    """The gateway's pinned ``Lineage`` for the store's current version (see the module doc)."""

    def __init__(self, store: OxigraphStore, *, max_datasets: int) -> None:
        self.store = store
        self.max_datasets = max_datasets
        self.freeze_heap = False            # set by ``start_workers(..., freeze_heap=True)``
        self.answered = 0                   # requests answered here (the rest went to the workers)
        self._lock = threading.Lock()
        self._lineage: Lineage | None = None
        self._version: int | None = None    # the version ``_lineage`` was read for
        self._reading = False
        self._too_large = max_datasets <= 0

    def lineage(self) -> Lineage | None:
        """The ``Lineage`` pinned to the store's current version; None while it is being read
        (a read is started if none is under way) or when the store is too large."""
        if self._too_large:
            return None
        version = self.store.version
        if self._version == version:
            return self._lineage
        with self._lock:
            if self._reading:
                return None
            self._reading = True
        threading.Thread(target=self.read, name="lineagekg-inline-index", daemon=True).start()
        return None

    def answer(self, endpoint: Callable[..., Any], params: dict[str, Any]) -> Response | None:
        """``endpoint(**params)`` on the pinned ``Lineage`` (in place of the gateway's own),
        encoded as a worker encodes it; None when there is none now (then the workers answer)."""
        lineage = self.lineage()
        if lineage is None:
            return None
        answer = endpoint(**{k: lineage if isinstance(v, Lineage) else v for k, v in params.items()})
        body, media, headers = encode(endpoint, answer)
        self.answered += 1
        return Response(body, media_type=media, headers=headers)

    def read(self) -> None:
        """Read the index and names for the store as it stands now (blocking: at start, or in the
        background thread). A write meanwhile makes it useless, never wrong: it is kept under the
        version read before it began, which the store has then left."""
        try:
            version = self.store.version
            lineage = Lineage(self.store, index=True, pinned=version)
            too_large = len(lineage.index().iri) > self.max_datasets
            if not too_large:
                lineage.names()
            with self._lock:
                self._too_large = too_large
                self._lineage, self._version = (None if too_large else lineage), version
            if self.freeze_heap:
                freeze_heap()
        finally:
            with self._lock:
                self._reading = False
