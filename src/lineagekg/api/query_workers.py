"""Users' SPARQL queries run in worker processes, where a deadline really ends them and memory
is capped.

pyoxigraph cannot interrupt a query it evaluates (no timeout; oxigraph issues #1336, #1926), and
an aggregate or ``ORDER BY`` computes everything before its first row: in a thread, a query past
its 504 kept its core and grew without bound. So the gateway keeps a pool of ``size`` processes
(``multiprocessing`` forkserver: a replacement starts in milliseconds). Each worker reads the store
read-only: an on-disk store through RocksDB's read-only mode (no lock, a snapshot as of opening),
reopened when the store's generation changes; an in-memory store through an on-disk copy written
after each write. Its address space is capped with ``RLIMIT_AS`` (what it has with the store open
plus ``memory_mb``, set after the store is opened). The gateway sends one query at a time to an idle
worker and waits for the answer until the request's deadline; past it the worker is killed with
SIGKILL (its CPU and memory come back at once), the request gets 504, and a new worker starts. A
worker that dies (a crash, the memory cap: Rust aborts when an allocation fails) is replaced the
same way and its request gets 503; a dead idle worker is found and replaced when it is next picked
(the supervisor). While no worker is alive, requests get 503 with ``Retry-After`` at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import struct
import sys
import tempfile
import termios
import threading
import time
import traceback
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI, Request

from lineagekg.api.admission import Admission, client_of
from lineagekg.api.heap import freeze_heap
from lineagekg.api.problems import GatewayError, status_of
from lineagekg.api.query_limits import Deadline
from lineagekg.api.results import serialize_answer
from lineagekg.errors import LineageKGError, QueryError, QuerySyntaxError, StoreError
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["Job", "QueryFailure", "QueryJob", "WorkerPool", "query_pool_of", "run_user_query"]

_CONTEXT = multiprocessing.get_context("forkserver")
# A worker found dead by SIGKILL this soon (s) after it was given a query was killed from outside
# as it was picked (a query cannot send SIGKILL; the cap ends a worker with SIGABRT): the query,
# which only reads, is tried once more on another worker.
_KILLED_BEFORE = 0.25
# loaded once in the forkserver, so a new worker starts with them: this module, and the REST routes
# the analysis workers call (api.analysis_workers)
_CONTEXT.set_forkserver_preload([__name__, "lineagekg.api.rest"])
# How long a worker may take to open a new store version and warm up (the lineage index of a large
# store takes tens of seconds) past the deadline of the request that made it: it is not killed then.
OPENING_SECONDS = 600.0


class Job(Protocol):
    """Work a worker does on the store it has open (picklable: it crosses the pipe)."""

    def warm(self, store: OxigraphStore, context: dict[str, Any]) -> None:
        """Prepare what this kind of job needs after the store is (re)opened, before the memory
        cap (``context`` lives as long as the opened store)."""

    def run(self, store: OxigraphStore, context: dict[str, Any]) -> Any:
        """The reply to send back: the answer, or a :class:`QueryFailure`."""


@dataclass(frozen=True)
class QueryJob:
    """One user query, as a worker needs it."""

    text: str
    base_iri: str | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    accept: str | None
    max_rows: int
    seconds: float

    def warm(self, store: OxigraphStore, context: dict[str, Any]) -> None:
        """Nothing to prepare: a query reads the store as it is."""

    def run(self, store: OxigraphStore, context: dict[str, Any]) -> tuple[bytes, str]:
        answer = store.user_query(self.text, base_iri=self.base_iri, default_graphs=self.default_graphs,
                                  named_graphs=self.named_graphs)
        return serialize_answer(answer, self.accept, max_rows=self.max_rows, deadline=Deadline(self.seconds))


@dataclass(frozen=True)
class _Task:
    job: Job
    store_path: str
    generation: int


@dataclass(frozen=True)
class _Opened:
    """Sent by a worker once it has (re)opened the store and warmed up for a task, before its reply."""

    store_path: str
    generation: int


@dataclass(frozen=True)
class QueryFailure:
    """A library error raised in a worker, as the gateway needs it to answer."""

    status: int
    kind: str
    message: str
    hint: str | None
    headers: dict[str, str]
    evaluation: bool        # the query parsed and failed while evaluated (a SERVICE may be why)

    def error(self) -> GatewayError:
        return GatewayError(self.status, self.kind, self.message, hint=self.hint, headers=self.headers)


# --- the worker process ----------------------------------------------------------------------

def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _cap_memory(memory_mb: int | None) -> None:
    """Cap the address space at what the worker has now plus ``memory_mb`` (None: lift the cap,
    to reopen the store: RocksDB reserves some 450 MiB of address space when it opens). Only the
    soft limit is set, so our own code can lift it again; a query cannot run Python."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = hard if not memory_mb else _address_space() + memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _worker(conn: Connection, memory_mb: int) -> None:
    """Answer tasks from ``conn`` one at a time until the gateway closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C is for the gateway, which stops us
    store: OxigraphStore | None = None
    opened: tuple[str, int] | None = None
    context: dict[str, Any] = {}
    while True:
        try:
            task: _Task = conn.recv()
        except (EOFError, OSError):
            return
        job = task.job
        reply: Any
        try:
            if opened != (task.store_path, task.generation):
                if store is not None:
                    store.close()
                store, opened, context = None, None, {}
                _cap_memory(None)
                store = OxigraphStore(Path(task.store_path), read_only=True)
                job.warm(store, context)
                freeze_heap()           # the store's index out of the collector's walks (its pauses)
                opened = (task.store_path, task.generation)
                _cap_memory(memory_mb)
                conn.send(_Opened(task.store_path, task.generation))
            assert store is not None            # opened above on the first task
            reply = job.run(store, context)
        except LineageKGError as exc:
            status, kind = status_of(exc)
            reply = QueryFailure(status, kind, exc.message, exc.hint,
                                 exc.headers if isinstance(exc, GatewayError) else {},
                                 isinstance(exc, (QueryError, StoreError)) and not isinstance(exc, QuerySyntaxError))
        except MemoryError:
            reply = _memory_failure(memory_mb)
        except Exception as exc:  # noqa: BLE001 -- a bug in an analysis: a 500 for its request, the worker lives on
            traceback.print_exc(file=sys.stderr)
            reply = QueryFailure(500, "internal", f"the analysis failed: {type(exc).__name__}", None, {}, False)
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(_memory_failure(memory_mb))
        except (BrokenPipeError, OSError):
            return


def _memory_failure(memory_mb: int) -> QueryFailure:
    return QueryFailure(503, "query-memory-limit",
                        f"the query needed more than the {memory_mb} MiB a query may use; it was stopped",
                        "narrow the query (fewer joins, a LIMIT without ORDER BY)", {"Retry-After": "1"}, False)


# --- the gateway's side ----------------------------------------------------------------------

class _Worker:
    def __init__(self, memory_mb: int) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker, args=(child, memory_mb), daemon=True,
                                        name="lineagekg-query")
        self.process.start()
        child.close()
        self.opened: tuple[str, int] | None = None       # the store version it has open (as it said)
        # the same socket (a duplex Pipe is a socketpair), to look at what has arrived without reading it
        self._peek = socket.socket(fileno=os.dup(self.conn.fileno()))

    def whole_message_arrived(self) -> bool:
        """Whether the next message has arrived whole (reading it then cannot block the event
        loop; multiprocessing frames a message as a 4-byte length, then the bytes)."""
        try:
            header = self._peek.recv(4, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            if len(header) < 4:
                return False
            (size,) = struct.unpack("!i", header)
            available = struct.unpack("i", fcntl.ioctl(self._peek.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        except OSError:
            return False
        return size >= 0 and available >= 4 + size

    def stop(self) -> int | None:
        """Kill the process now (SIGKILL) and reap it; its exit code (negative: the signal)."""
        code = self.process.exitcode
        if code is None:
            with contextlib.suppress(OSError):
                os.kill(self.process.pid, signal.SIGKILL)     # type: ignore[arg-type]
            self.process.join(5)
            code = self.process.exitcode
        self.conn.close()
        self._peek.close()
        return code


class WorkerPool:
    """``size`` query workers over ``store``, started on first use; see the module doc."""

    def __init__(self, store: OxigraphStore, *, size: int, memory_mb: int, prepare: Job | None = None) -> None:
        """``prepare``: a job each new worker runs before it takes requests (opening the store
        and warming up for them: the analysis workers' lineage index)."""
        self.store = store
        self.prepare = prepare
        self.size = size
        self.memory_mb = memory_mb
        self.restarts = 0                   # workers replaced (killed past a deadline, or died)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._waiting: list[asyncio.Future[_Worker]] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._started = False
        self._closed = False
        self._snapshots: dict[int, Path] = {}
        self._snapshot_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _remove_all, self._snapshots)
        self._finishing: set[asyncio.Task[None]] = set()     # workers left to finish opening a store

    # -- workers coming and going

    def _start_one(self) -> None:
        """Start a worker (blocking, in a thread), let it open the store and warm up for
        ``prepare`` jobs, and hand it to whoever waits."""
        try:
            worker = _Worker(self.memory_mb)
            if self.prepare is not None:
                self._warm(worker, self.prepare)
        finally:
            with self._lock:
                self._starting -= 1
        self._give(worker)

    def _warm(self, worker: _Worker, job: Job) -> None:
        """Have ``worker`` open the store as it stands and run ``job`` (which warms it up), so
        that requests never wait for that; a worker that fails at it is left for the supervisor."""
        path, generation = self._source()
        try:
            worker.conn.send(_Task(job, path, generation))
            while worker.conn.poll(OPENING_SECONDS):
                if not isinstance(worker.conn.recv(), _Opened):
                    worker.opened = (path, generation)
                    return
        except (EOFError, OSError):
            return

    def _spawn(self, count: int) -> None:
        with self._lock:
            if self._closed:
                return
            self._starting += count
        for _ in range(count):
            threading.Thread(target=self._start_one, name="lineagekg-query-start", daemon=True).start()

    def _replace(self, worker: _Worker) -> int | None:
        """Stop ``worker`` (it ran past its deadline, or died) and start another."""
        with self._lock:
            self._busy.discard(worker)
            self.restarts += 1
        code = worker.stop()
        self._spawn(1)
        return code

    def _give(self, worker: _Worker) -> None:
        """A worker is free: to the first request waiting for one, else to the idle list."""
        with self._lock:
            if self._closed:
                closed = True
            else:
                closed = False
                while self._waiting:
                    waiter = self._waiting.pop(0)
                    if not waiter.done():
                        self._busy.add(worker)
                        waiter.get_loop().call_soon_threadsafe(_hand, waiter, worker, self)
                        return
                self._idle.append(worker)
        if closed:
            worker.stop()

    def start(self) -> None:
        """Start the workers now (in the background) rather than at the first query."""
        with self._lock:
            started, self._started = self._started, True
        if not started:
            self._spawn(self.size)

    def wait_ready(self, timeout: float = 60) -> bool:
        """Start the workers and wait (blocking) until every one is idle; False on timeout."""
        self.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._idle) >= self.size:
                    return True
            time.sleep(0.02)
        return False

    async def _acquire(self, deadline: Deadline) -> _Worker:
        self.start()
        while True:
            with self._lock:
                if self._idle:
                    worker = self._idle.pop()
                    self._busy.add(worker)
                else:
                    worker = None
                    waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
                    self._waiting.append(waiter)
            if worker is None:
                try:
                    worker = await asyncio.wait_for(asyncio.shield(waiter), timeout=max(deadline.remaining(), 0.001))
                except (TimeoutError, asyncio.CancelledError) as exc:
                    with self._lock:
                        handed = waiter.done() and not waiter.cancelled()
                        if not handed:
                            waiter.cancel()
                            with contextlib.suppress(ValueError):
                                self._waiting.remove(waiter)
                    if handed:
                        self._release(waiter.result())
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    if self._starting >= self.size:
                        raise GatewayError(503, "workers-restarting",
                                           f"no query worker was ready within {deadline.seconds:g} s: every one is "
                                           "being (re)started; try again in a moment",
                                           headers={"Retry-After": "1"}) from None
                    raise GatewayError(503, "gateway-busy",
                                       f"all {self.size} query workers stayed busy for {deadline.seconds:g} s; "
                                       "try again later", headers={"Retry-After": str(max(1, round(deadline.seconds)))}
                                       ) from None
            if worker.process.is_alive() and not worker.conn.poll():   # a dead worker's pipe reads EOF
                return worker
            await asyncio.to_thread(self._replace, worker)    # died while idle: the supervisor's job

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
        self._give(worker)

    # -- the store as workers read it

    def _source(self) -> tuple[str, int]:
        """The path workers open and the generation it holds (an in-memory store: a copy on
        disk, written once per generation; copies two generations old are removed)."""
        generation = self.store.version
        if self.store.path is not None:
            return str(self.store.path), generation
        with self._snapshot_lock:
            if generation not in self._snapshots:
                directory = Path(tempfile.mkdtemp(prefix="lineagekg-snapshot-"))
                self._snapshots[generation] = self.store.snapshot(directory)
                for old in [g for g in self._snapshots if g < generation - 1]:
                    shutil.rmtree(self._snapshots.pop(old), ignore_errors=True)
            return str(self._snapshots[generation]), generation

    # -- a query

    async def run(self, job: Job, deadline: Deadline) -> Any:
        """The worker's reply to ``job`` (for a query, its bytes and media type), or the library
        error the worker met.

        Raises:
            GatewayError: 504 past the deadline (the worker is killed and replaced); 503 when no
                worker is free in time, all are restarting, the worker died on this job, or it
                was still opening a new store version at the deadline (it is left to finish).
        """
        # an on-disk store is read where it is; an in-memory one may need a copy written first
        path, generation = self._source() if self.store.path is not None else await asyncio.to_thread(self._source)
        for attempt in (1, 2):
            worker = await self._acquire(deadline)
            sent = time.monotonic()
            try:
                reply = await self._ask(worker, _Task(job, path, generation), deadline)
            except (EOFError, OSError):
                code = await asyncio.to_thread(self._replace, worker)
                if attempt == 1 and code == -signal.SIGKILL and time.monotonic() - sent < _KILLED_BEFORE:
                    continue        # killed from outside as it was picked, not by this query: once more
                raise _died(code, self.memory_mb) from None
            self._release(worker)
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    async def _receive(self, worker: _Worker, timeout: float) -> Any:
        """The worker's next message within ``timeout`` (TimeoutError); EOFError/OSError: it died."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = worker.conn.fileno()
        loop.add_reader(fd, lambda: None if ready.done() else ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout=max(timeout, 0.001))
        finally:
            loop.remove_reader(fd)
        if worker.whole_message_arrived():      # most answers: read here, without a thread's round trip
            return worker.conn.recv()
        return await asyncio.to_thread(worker.conn.recv)

    async def _ask(self, worker: _Worker, task: _Task, deadline: Deadline) -> Any:
        """Send ``task`` to ``worker`` and wait for its reply until the deadline (then 504, the
        worker replaced; or, while it still opens a new store version, 503 and it is left to
        finish that in the background). EOFError/OSError: the worker died."""
        version = (task.store_path, task.generation)
        try:
            worker.conn.send(task)
            while True:
                message = await self._receive(worker, deadline.remaining())
                worker.opened = version
                if not isinstance(message, _Opened):
                    return message
        except (TimeoutError, asyncio.CancelledError) as exc:
            if worker.opened != version:           # still opening (and warming up): let it finish
                self._finish_opening(worker)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                raise GatewayError(503, "store-opening",
                                   f"the workers are still reading the store as it stands after its last write "
                                   f"(longer than this request's {deadline.seconds:g} s); try again in a moment",
                                   headers={"Retry-After": "5"}) from None
            if isinstance(exc, asyncio.CancelledError):   # the client went away: the job must not run on
                await asyncio.shield(asyncio.to_thread(self._replace, worker))
                raise
            await asyncio.to_thread(self._replace, worker)
            raise deadline.error() from None

    def _finish_opening(self, worker: _Worker) -> None:
        """In the background: wait (up to ``OPENING_SECONDS``) for ``worker`` to open the store and
        answer its job, drop the answer, and give the worker, now warm, to the next request."""
        async def finish() -> None:
            until = time.monotonic() + OPENING_SECONDS
            try:
                while isinstance(await self._receive(worker, until - time.monotonic()), _Opened):
                    pass
            except (TimeoutError, EOFError, OSError, asyncio.CancelledError):
                await asyncio.to_thread(self._replace, worker)
                return
            self._release(worker)

        task = asyncio.get_running_loop().create_task(finish())
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    def pids(self) -> list[int]:
        """The worker processes' ids (for memory accounting)."""
        with self._lock:
            return [w.process.pid for w in [*self._idle, *self._busy] if w.process.pid is not None]

    def close(self) -> None:
        """Stop every worker and remove the store copies."""
        with self._lock:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle, self._busy = [], set()
        for worker in workers:
            worker.stop()
        self._finalizer()


def query_pool_of(app: FastAPI) -> WorkerPool:
    """The gateway's worker pool and its admission, made on first use from its settings."""
    state = app.state
    pool = getattr(state, "query_pool", None)
    if pool is None:
        settings = state.settings
        pool = state.query_pool = WorkerPool(state.store, size=settings.query_workers,
                                             memory_mb=settings.query_memory_mb)
        state.query_admission = Admission(what="SPARQL query",
                                          per_client=settings.client_queries,
                                          seconds_per_minute=settings.client_seconds_per_minute)
    return pool


async def run_user_query(request: Request, job: QueryJob) -> tuple[bytes, str] | QueryFailure:
    """Run ``job`` for ``request`` in the gateway's worker pool (made on first use from its
    settings), within the client's fair share and the gateway's time limit."""
    state = request.app.state
    pool = query_pool_of(request.app)
    deadline = Deadline(state.settings.query_timeout)
    async with state.query_admission.admit(client_of(request), deadline.remaining()):
        return await pool.run(dataclasses.replace(job, seconds=max(deadline.remaining(), 0.001)), deadline)


def _hand(waiter: asyncio.Future[_Worker], worker: _Worker, pool: WorkerPool) -> None:
    if waiter.done():          # the request gave up meanwhile
        pool._release(worker)
    else:
        waiter.set_result(worker)


def _died(code: int | None, memory_mb: int) -> GatewayError:
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        cause = (f"it was stopped by {name}"
                 + (f", most likely past the {memory_mb} MiB a query may use" if -code == signal.SIGABRT else ""))
    else:
        cause = f"it exited with code {code}"
    return GatewayError(503, "query-worker-died",
                        f"the process running this query ended ({cause}); it was replaced and the query "
                        "was not answered", hint="narrow the query if it is large",
                        headers={"Retry-After": "1"})


def _remove_all(snapshots: dict[int, Path]) -> None:
    for directory in snapshots.values():
        shutil.rmtree(directory, ignore_errors=True)
    snapshots.clear()
