"""Fair admission: what one client may take of a pool of query slots.

Each pool (the worker processes for users' SPARQL, the threads for the REST analyses and
updates) admits a client's request only when that client runs fewer than ``per_client``
requests there (so no client holds every slot while the pool has more than that), and has used
less than ``seconds_per_minute`` of query time there in the last minute (so a client that sends
one slow query after another cannot keep a slot for long). A request over the concurrency limit
waits for the client's own earlier request, within its deadline; one over the time budget, or
one more than ``max_waiting`` waiting, is refused at once with 429 and ``Retry-After``. A client
is the peer address of the connection.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Request

from lineagekg.api.problems import GatewayError

__all__ = ["Admission", "client_of"]

WINDOW = 60.0          # seconds over which a client's query time is counted


def client_of(request: Request) -> str:
    """Who a request counts against: the connection's peer address."""
    return request.client.host if request.client else "unknown"


@dataclass
class _Client:
    running: int = 0
    waiting: collections.deque[asyncio.Future[None]] = field(default_factory=collections.deque)
    spent: collections.deque[tuple[float, float]] = field(default_factory=collections.deque)  # (end, seconds)

    def used(self, now: float) -> float:
        while self.spent and self.spent[0][0] < now - WINDOW:
            self.spent.popleft()
        return sum(seconds for _, seconds in self.spent)

    def idle(self, now: float) -> bool:
        return not self.running and not self.waiting and not self.used(now)


class Admission:
    """Per-client limits in front of one pool (one instance per pool and gateway); used from
    the server's event loop only."""

    def __init__(self, *, what: str, per_client: int, seconds_per_minute: float, max_waiting: int = 64) -> None:
        self.what = what
        self.per_client = per_client
        self.seconds_per_minute = seconds_per_minute
        self.max_waiting = max_waiting
        self._clients: dict[str, _Client] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def _client(self, name: str) -> _Client:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:           # a test client's app may move to another loop
            self._clients, self._loop = {}, loop
        now = time.monotonic()
        if len(self._clients) > 1_000:       # forget clients with nothing running or counted
            self._clients = {k: c for k, c in self._clients.items() if not c.idle(now)}
        return self._clients.setdefault(name, _Client())

    @contextlib.asynccontextmanager
    async def admit(self, name: str, timeout: float) -> AsyncIterator[None]:
        """Hold one of client ``name``'s places for the block; its time is charged at the end.

        Raises:
            GatewayError: 429 over the time budget or with too many waiting; 503 when the
                client's earlier requests did not finish within ``timeout``.
        """
        client = self._client(name)
        now = time.monotonic()
        used = client.used(now)
        if used >= self.seconds_per_minute:
            free_at = client.spent[0][0] + WINDOW if client.spent else now + 1
            raise GatewayError(429, "client-over-budget",
                               f"this client used {used:.1f} s of {self.what} time in the last minute; "
                               f"each client may use {self.seconds_per_minute:g} s a minute",
                               hint="send fewer or faster queries",
                               headers={"Retry-After": str(max(1, math.ceil(free_at - now)))})
        if client.running < self.per_client:
            client.running += 1
        else:
            if len(client.waiting) >= self.max_waiting:
                raise GatewayError(429, "client-busy",
                                   f"this client already runs {client.running} {self.what} request(s) and has "
                                   f"{len(client.waiting)} waiting; each client may run {self.per_client} at once",
                                   headers={"Retry-After": "1"})
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            client.waiting.append(turn)
            try:
                await asyncio.wait_for(asyncio.shield(turn), timeout=max(timeout, 0.001))
            except (TimeoutError, asyncio.CancelledError) as exc:
                if turn.done():                 # handed a place just as the wait ended: pass it on
                    self._release(client)
                else:
                    turn.cancel()
                    client.waiting.remove(turn)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                raise GatewayError(503, "client-busy",
                                   f"this client's earlier {self.what} requests held its {self.per_client} "
                                   f"place(s) past this request's time limit", headers={"Retry-After": "1"}) from None
        started = time.monotonic()
        try:
            yield
        finally:
            ended = time.monotonic()
            client.spent.append((ended, ended - started))
            self._release(client)

    @staticmethod
    def _release(client: _Client) -> None:
        """Hand the place to the client's next waiting request, or free it."""
        while client.waiting:
            turn = client.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        client.running -= 1
