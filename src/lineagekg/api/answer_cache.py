"""Answers the gateway computes from the whole store (the VoID description, the service
description, the DCAT catalog), kept until the store changes.

One key decides for all of them: the store's ``version``, which every write through the store
bumps. Each kind of answer keeps one entry, so a key with a client-chosen part (the base URL a
request came in by) can replace the entry but never grow the cache.

Requests that miss at once for the same answer wait for the one that builds it: after a write,
twenty clients asking for the catalog of a large store cost one build, not twenty (each a pass
over the whole store, and its memory).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["AnswerCache"]

T = TypeVar("T")


class _Build:
    """An answer being built: which (version, key) it is for, and when it is done."""

    def __init__(self, for_: tuple[int, Hashable]) -> None:
        self.for_ = for_
        self.done = threading.Event()


#: how long a request waits for another's build of the same answer before building it itself
WAIT_SECONDS = 600.0


class AnswerCache:
    """One entry per kind of answer, valid while the store's version and the request's key match."""

    def __init__(self, store: OxigraphStore) -> None:
        self._store = store
        self._entries: dict[str, tuple[int, Hashable, Any]] = {}
        self._building: dict[str, _Build] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """The ``kind`` answer for ``key`` as the store stands: kept, or made by ``build`` now.

        The version is read before building, so an answer built across a write is rebuilt by the
        next request. A request that misses while another builds the same answer (same kind,
        version and key) waits for it; if that build fails, the next waiting request builds. One
        for another key or version builds on its own (and its answer replaces the entry)."""
        version = self._store.version
        wanted = (version, key)
        mine: _Build | None
        while True:
            with self._lock:
                entry = self._entries.get(kind)
                if entry is not None and (entry[0], entry[1]) == wanted:
                    value: T = entry[2]
                    return value
                running = self._building.get(kind)
                if running is None:
                    mine = self._building[kind] = _Build(wanted)
                else:
                    mine = None
            if running is not None and running.for_ != wanted:
                return self._build_and_keep(kind, wanted, build)    # another key or version: not ours to wait for
            if mine is None:
                assert running is not None
                if not running.done.wait(WAIT_SECONDS):
                    return self._build_and_keep(kind, wanted, build)
                continue                        # built (the entry answers) or failed (one of us builds)
            try:
                return self._build_and_keep(kind, wanted, build)
            finally:
                with self._lock:
                    del self._building[kind]
                mine.done.set()

    def _build_and_keep(self, kind: str, wanted: tuple[int, Hashable], build: Callable[[], T]) -> T:
        value = build()
        with self._lock:
            self._entries[kind] = (wanted[0], wanted[1], value)
        return value
