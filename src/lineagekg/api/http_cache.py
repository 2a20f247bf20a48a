"""HTTP caching of reads: validators from the store version, ``304`` on conditional requests,
and a bounded cache of whole responses, all keyed on the store version so no write is ever
answered from before it.

The store counts its writes (``version``, bumped by every write through it, which every
gateway write is). A read's answer is a function of the request (path, parameters in their
order per name, ``Accept``, ``Host``) and of that version, so:

- its strong ``ETag`` is a digest of the request key, the version and the gateway instance (a
  restarted gateway counts from 0 again: its tags never match the old ones), and can be checked
  against ``If-None-Match`` without running anything;
- its ``Last-Modified`` is the second of the last write (or of the gateway's start, before any
  write), and ``If-Modified-Since`` gives ``304`` only when no two versions share that second;
- its bytes are kept in a bounded LRU cache (entries and bytes), keyed on the request key and the
  version; a write changes the version, so older entries are never served again and are dropped.

An answer is cached and given validators only when the version did not change while it was
computed, and only with status 200. Cached here: the REST analyses and library queries
(``/api/v1``), ``GET /sparql`` (results, and the service description) and VoID. A user query whose
answer may differ between two runs on the same data (``RAND``, ``NOW``, ``UUID``, ``STRUUID``,
``BNODE``, a ``SERVICE`` call, blank nodes in a template) is answered with ``Cache-Control:
no-store`` and no validators. Every cacheable answer says ``Cache-Control: no-cache``: clients
may keep it but revalidate it (a ``304`` costs microseconds here).

This is a pure ASGI middleware: a cache hit or a ``304`` never reaches the router, its
dependency injection or a worker. A request that misses while the same request of the same
version is running waits for that one's answer (at most the query timeout + 5 s, then runs itself):
a burst of identical requests after a write costs one computation.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email.utils
import hashlib
import math
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineagekg.api.settings import GatewaySettings
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["CACHEABLE_PREFIXES", "HttpCaching", "ResponseCache", "StoreVersion", "VersionClock",
           "install_http_caching"]

#: paths whose GET answers are cached and carry validators
CACHEABLE_PREFIXES = ("/api/v1/", "/sparql", "/.well-known/void")
#: a user query using one of these may answer differently on the same data
_UNSTABLE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE|SERVICE)\b|_:|\[", re.IGNORECASE)
#: response headers kept with a cached body
_KEPT = (b"content-type", b"content-disposition", b"vary", b"link", b"x-lineagekg-truncated",
         b"x-lineagekg-row-limit")
_REVALIDATE = b"no-cache"


@dataclass(frozen=True)
class StoreVersion:
    """What answers are a function of: the store's write count, in this gateway instance."""

    instance: str
    generation: int
    last_modified: int        # epoch seconds of the last write (or of the gateway's start)
    exact: bool               # no other version had the same last_modified second

    def etag(self, key: str) -> str:
        digest = hashlib.blake2b(f"{self.instance}\0{self.generation}\0{key}".encode(), digest_size=16)
        return f'"{digest.hexdigest()}"'

    def http_date(self) -> str:
        return email.utils.formatdate(self.last_modified, usegmt=True)


class VersionClock:
    """The store's current version (one per gateway). ``Last-Modified`` has one-second
    resolution, so two versions in one second make that second ambiguous (no ``304`` from
    ``If-Modified-Since`` for it: the ``ETag`` still works)."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store
        self.instance = secrets.token_hex(8)
        self._started = math.floor(time.time())
        self._lock = threading.Lock()
        self._current: StoreVersion | None = None

    def current(self) -> StoreVersion:
        generation = self.store.version
        known = self._current
        if known is not None and known.generation == generation:
            return known
        with self._lock:
            known = self._current
            if known is not None and known.generation == generation:
                return known
            written = self.store.last_write
            second = math.floor(written) if written is not None else self._started
            exact = known is None or second > known.last_modified
            self._current = StoreVersion(self.instance, generation, max(second, known.last_modified if known else 0),
                                         exact)
            return self._current


@dataclass(frozen=True)
class _Entry:
    generation: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """A bounded LRU of response bodies and headers keyed on the request key, each entry of one
    store version (older versions are dropped when a newer one is stored or asked for)."""

    def __init__(self, *, max_bytes: int, max_entries: int = 10_000, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.max_entry_bytes = max_entry_bytes if max_entry_bytes is not None else max(max_bytes // 8, 1)
        self._entries: collections.OrderedDict[str, _Entry] = collections.OrderedDict()
        self._bytes = 0
        self._generation = -1
        self.hits = 0
        self.misses = 0

    def _at(self, generation: int) -> None:
        if generation != self._generation:
            self._entries.clear()
            self._bytes = 0
            self._generation = generation

    def get(self, key: str, generation: int) -> _Entry | None:
        self._at(generation)
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: str, generation: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
        """Keep the answer (False when it is larger than one entry may be, or of an old version)."""
        if generation < self._generation or len(body) > self.max_entry_bytes:
            return False
        self._at(generation)
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._entries[key] = _Entry(generation, headers, body)
        self._bytes += len(body)
        while self._entries and (self._bytes > self.max_bytes or len(self._entries) > self.max_entries):
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped.body)
        return True

    def __len__(self) -> int:
        return len(self._entries)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _request_key(scope: Scope) -> str | None:
    """What the answer depends on besides the store; None when it may differ between runs."""
    query = scope.get("query_string", b"").decode("latin-1")
    params = urllib.parse.parse_qsl(query, keep_blank_values=True)
    if scope["path"] == "/sparql":
        texts = [v for k, v in params if k == "query"]
        if any(_UNSTABLE.search(t) for t in texts):
            return None
    # repeated names keep their order (shared-roots lists its datasets as given)
    ordered = sorted(params, key=lambda kv: kv[0])
    return "\0".join([scope["path"], urllib.parse.urlencode(ordered), _header(scope, b"accept") or "",
                      _header(scope, b"host") or ""])


def _not_modified(scope: Scope, version: StoreVersion, etag: str) -> bool:
    """RFC 9110 section 13.2.2: ``If-None-Match`` (weak comparison) decides when present, else
    ``If-Modified-Since``."""
    none_match = _header(scope, b"if-none-match")
    if none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in none_match.split(",")]
        return "*" in tags or etag in tags
    since = _header(scope, b"if-modified-since")
    if since is None or not version.exact:
        return False
    try:
        parsed = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return parsed.tzinfo is not None and parsed.timestamp() >= version.last_modified


class _Running:
    """A request being answered: set once its answer is cached (or known not to be), and how many
    identical requests wait for it."""

    def __init__(self) -> None:
        self.cached = asyncio.Event()
        self.waiting = 0


class HttpCaching:
    """The middleware (see the module doc); ``cache`` None: validators and ``304`` only."""

    def __init__(self, app: ASGIApp, clock: VersionClock, cache: ResponseCache | None,
                 wait_seconds: float = 60.0, max_waiting: int = 256) -> None:
        self.app = app
        self.clock = clock
        self.cache = cache
        #: how long a request waits for the same request already running (then runs itself)
        self.wait_seconds = wait_seconds
        #: requests that may wait for one running request; more go the usual way (admission, 429)
        self.max_waiting = max_waiting
        self._running: dict[tuple[str, int], _Running] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "GET"
                or not scope["path"].startswith(CACHEABLE_PREFIXES)):
            await self.app(scope, receive, send)
            return
        key = _request_key(scope)
        if key is None:
            await self.app(scope, receive, _with_headers(send, [(b"cache-control", b"no-store")]))
            return
        version = self.clock.current()
        etag = version.etag(key)
        validators = [(b"etag", etag.encode()), (b"last-modified", version.http_date().encode()),
                      (b"cache-control", _REVALIDATE)]
        if _not_modified(scope, version, etag):
            await send({"type": "http.response.start", "status": 304, "headers": validators})
            await send({"type": "http.response.body", "body": b""})
            return
        if self.cache is None:
            await self._answer(scope, receive, send, key, version, validators)
            return
        if await self._from_cache(send, key, version, validators):
            return
        running = (key, version.generation)
        other = self._running.get(running)
        if other is not None:
            if other.waiting < self.max_waiting:
                # the same request of the same version is running: its answer will be cached, so
                # wait for it (ten clients asking for one slow answer cost one computation, not ten)
                other.waiting += 1
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(other.cached.wait(), self.wait_seconds)
                finally:
                    other.waiting -= 1
                if await self._from_cache(send, key, version, validators):
                    return
            # not cached after all, or too many waiting already: the usual way, admission and all
            await self._answer(scope, receive, send, key, version, validators)
            return
        mine = self._running[running] = _Running()
        try:
            await self._answer(scope, receive, send, key, version, validators, mine.cached)
        finally:
            del self._running[running]
            mine.cached.set()

    async def _from_cache(self, send: Send, key: str, version: StoreVersion,
                          validators: list[tuple[bytes, bytes]]) -> bool:
        entry = self.cache.get(key, version.generation) if self.cache is not None else None
        if entry is None:
            return False
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*entry.headers, (b"content-length", str(len(entry.body)).encode()), *validators]})
        await send({"type": "http.response.body", "body": entry.body})
        return True

    async def _answer(self, scope: Scope, receive: Receive, send: Send, key: str, version: StoreVersion,
                      validators: list[tuple[bytes, bytes]], cached: asyncio.Event | None = None) -> None:
        """Run the request, holding its answer until it is complete: with validators (and into
        the cache) when it is a 200 and the store did not change meanwhile. ``cached`` is set once
        the answer is in the cache or known not to go there, before it is sent: requests waiting
        for it do not wait for this client to read it."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            headers = list(start.get("headers", []))
            body = b"".join(chunks)
            if start["status"] == 200:
                headers = [(k, v) for k, v in headers if k != b"cache-control"]
                if self.clock.store.version == version.generation:
                    if self.cache is not None:
                        self.cache.put(key, version.generation, [(k, v) for k, v in headers if k in _KEPT], body)
                    headers += validators
                else:                  # written meanwhile: which version this is cannot be said
                    headers.append((b"cache-control", b"no-store"))
            if cached is not None:
                cached.set()
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, hold)


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)
    return sending


def install_http_caching(app: FastAPI, store: OxigraphStore, settings: GatewaySettings) -> None:
    """Validators, ``304`` and (unless ``settings.response_cache_mb`` is 0) the response cache;
    installed inside CORS and HEAD handling, so a HEAD is answered from the same entries."""
    cache = ResponseCache(max_bytes=settings.response_cache_mb * 2**20) if settings.response_cache_mb else None
    app.state.version_clock = clock = VersionClock(store)
    app.state.response_cache = cache
    app.add_middleware(HttpCaching, clock=clock, cache=cache, wait_seconds=settings.query_timeout + 5.0,
                       max_waiting=settings.coalesce_waiting)
