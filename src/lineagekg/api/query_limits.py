"""Limits on the work a gateway runs in its own process, the REST analyses and the writes: a
time limit per request, a bounded number in flight, each client's fair share (``admission``).
Users' SPARQL queries run in worker processes instead (``query_workers``), with the same
``Deadline``; this module's threads are the share reserved for the library's own analyses.

pyoxigraph 0.5 cannot cancel a running query from Python (no timeout argument; oxigraph issues
#1336 and #1926), but it releases the GIL while it evaluates. So each query runs in its own daemon
thread, at most ``slots`` at a time; the request waits for a slot and for the answer until its
deadline, then gets a 504 (or a 503 when no slot freed up) while the server keeps answering other
requests. Results are lazy: the worker checks the deadline between rows and stops there, freeing
its slot; a query that computes everything before its first row (an aggregate, ORDER BY) keeps
its slot until pyoxigraph returns, which is what bounds the damage a runaway query can do.

Writes take a slot too, and commit only if their deadline has not passed: a write that answers
504 has written nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

from lineagekg.api.admission import Admission
from lineagekg.api.problems import GatewayError
from lineagekg.api.settings import GatewaySettings
from lineagekg.errors import LineageKGError

__all__ = ["DEFAULT_SLOTS", "Deadline", "QueryLimiter", "limiter_for"]

T = TypeVar("T")

DEFAULT_SLOTS = 4     # user queries and updates running at once (each is a thread; settings override)


class Deadline:
    """The time a request has left; checked by the worker between rows and before a commit."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._state = "running"            # running -> expired | committing

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def check(self) -> None:
        """Raise the timeout error once the deadline has passed (or the request was dropped)."""
        if self._state == "expired" or time.monotonic() > self.at:
            self.expire()
            raise self.error()

    def commit(self) -> None:
        """Called by a write just before it writes: from here on the request waits for it."""
        with self._lock:
            if self._state == "expired" or time.monotonic() > self.at:
                self._state = "expired"
                raise self.error()
            self._state = "committing"

    def expire(self) -> bool:
        """Give up on the work; False when a write is already committing (wait for it then)."""
        with self._lock:
            if self._state == "committing":
                return False
            self._state = "expired"
            return True

    def error(self) -> GatewayError:
        return GatewayError(504, "query-timeout",
                            f"the query or update did not finish within the gateway's time limit of "
                            f"{self.seconds:g} s; nothing was written",
                            hint="narrow the query (fewer joins, a LIMIT), or ask the operator to raise "
                                 "LINEAGEKG_QUERY_TIMEOUT")


class QueryLimiter:
    """Runs blocking store work in worker threads, at most ``slots`` at once, each within a time
    limit (one limiter per gateway)."""

    def __init__(self, *, slots: int, timeout: float, admission: Admission | None = None) -> None:
        self.slots = slots
        self.timeout = timeout
        self.admission = admission
        self._free: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.running = 0

    def _semaphore(self) -> asyncio.Semaphore:
        """The slots, made in the server's event loop on first use (again if the app moves to
        another loop, as a test client's app may)."""
        loop = asyncio.get_running_loop()
        if self._free is None or self._loop is not loop:
            self._free, self._loop = asyncio.Semaphore(self.slots), loop
        return self._free

    async def run(self, work: Callable[[Deadline], T], *, client: str | None = None) -> T:
        """``work(deadline)`` in a worker thread; its result, or a 503/504 problem. With a
        ``client``, within that client's fair share (``admission``).

        Raises:
            GatewayError: 503 when no slot frees up before the deadline, 504 past the deadline,
                429 when the client is over its share.
        """
        deadline = Deadline(self.timeout)
        if self.admission is None or client is None:
            return await self._run(work, deadline)
        async with self.admission.admit(client, deadline.remaining()):
            return await self._run(work, deadline)

    async def _run(self, work: Callable[[Deadline], T], deadline: Deadline) -> T:
        free = self._semaphore()
        try:
            await asyncio.wait_for(free.acquire(), timeout=max(deadline.remaining(), 0.001))
        except TimeoutError:
            raise GatewayError(503, "gateway-busy",
                               f"all {self.slots} query slots stayed busy for {self.timeout:g} s; try again later",
                               headers={"Retry-After": str(max(1, round(self.timeout)))}) from None
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()

        def deliver(setter: Callable[..., None], value: object) -> None:
            if not answer.done():
                setter(value)

        def release() -> None:
            self.running -= 1
            free.release()

        def worker() -> None:
            try:
                result = work(deadline)
            except BaseException as exc:  # noqa: BLE001 -- handed to the request, which raises it
                _detach(exc)
                _call_soon(loop, deliver, answer.set_exception, exc)
            else:
                _call_soon(loop, deliver, answer.set_result, result)
            finally:
                _call_soon(loop, release)

        self.running += 1
        threading.Thread(target=worker, name="lineagekg-sparql", daemon=True).start()
        try:
            return await asyncio.wait_for(asyncio.shield(answer), timeout=max(deadline.remaining(), 0.001))
        except TimeoutError:
            if deadline.expire():
                raise deadline.error() from None
            return await answer           # a write past its commit point: wait for it
        except asyncio.CancelledError:    # the client went away: let the worker stop at its next row
            deadline.expire()
            raise


def _detach(exc: BaseException) -> None:
    """Free the worker's frames here, in the worker: pyoxigraph's result iterators may only be
    dropped by the thread that made them, and an exception's traceback keeps them alive. An
    unexpected error keeps its traceback as text, for the server log."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__traceback__ is not None and not isinstance(current, LineageKGError):
            current.add_note("".join(traceback.format_tb(current.__traceback__)).rstrip())
        current.__traceback__ = None
        current = current.__cause__ or current.__context__


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: object) -> None:
    with contextlib.suppress(RuntimeError):   # the server shut down while the worker ran
        loop.call_soon_threadsafe(fn, *args)


def limiter_for(settings: GatewaySettings) -> QueryLimiter:
    """The gateway's limiter for REST analyses and writes (its own slots: users' SPARQL queries
    run in the worker processes and never take them)."""
    admission = Admission(what="REST analysis or update",
                          per_client=max(settings.client_queries, settings.max_concurrent_queries // 2),
                          seconds_per_minute=settings.client_seconds_per_minute)
    return QueryLimiter(slots=settings.max_concurrent_queries, timeout=settings.query_timeout,
                        admission=admission)
