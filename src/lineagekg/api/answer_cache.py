"""Answers the gateway computes from the whole store (the VoID description, the service
description, the DCAT catalog), kept until the store changes.

One key decides for all of them: the store's ``version``, which every write through the store
bumps. Each kind of answer keeps one entry, so a key with a client-chosen part (the base URL a
request came in by) can replace the entry but never grow the cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["AnswerCache"]

T = TypeVar("T")


class AnswerCache:
    """One entry per kind of answer, valid while the store's version and the request's key match."""

    def __init__(self, store: OxigraphStore) -> None:
        self._store = store
        self._entries: dict[str, tuple[int, Hashable, Any]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """The ``kind`` answer for ``key`` as the store stands: kept, or made by ``build`` now.

        Two requests that miss at once both build (the answer is the same); the version is read
        before building, so an answer built across a write is rebuilt by the next request."""
        version = self._store.version
        with self._lock:
            entry = self._entries.get(kind)
        if entry is not None and entry[0] == version and entry[1] == key:
            value: T = entry[2]
            return value
        value = build()
        with self._lock:
            self._entries[kind] = (version, key, value)
        return value
