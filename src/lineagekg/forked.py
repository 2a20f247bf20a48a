"""Independent read-only jobs on a large in-memory structure, spread over forked processes.

pyoxigraph holds the GIL while it reads a query's solutions, so threads do not run a write's
shape checks side by side (two threads: 1.13x). A forked child sees the parent's memory as it
was at the fork (copy on write): the scratch store the checks read needs no copying or
reloading, and each process answers its share of the queries on its own core.

A child only runs its jobs, pickles their results into a pipe and leaves with ``os._exit``:
it never returns into the caller's code, flushes no inherited buffer and runs no exit handler.
If a child fails in any way (an exception, a signal, a result that does not unpickle, or no
answer long after the parent finished its own share: a child stuck on a lock another thread held
at the fork), it is killed and its jobs are run again in the parent: the answer never depends on
how the work was spread, and a stuck child cannot hang the caller.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


_PR_SET_PDEATHSIG = 1                                       # linux/prctl.h

# a child is taken as stuck when it has not answered this long after the parent's own share ended
STUCK_AFTER_FACTOR = 3.0
STUCK_AFTER_SECONDS = 30.0


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                                  # not Linux
        return os.cpu_count() or 1


def run_jobs(jobs: Sequence[Callable[[], T]], processes: int) -> list[T]:
    """Each job's result, in the order of ``jobs``; the jobs dealt round-robin over the parent and
    ``processes - 1`` forked children. One process (or no ``fork``) runs them in turn here."""
    processes = max(1, min(processes, len(jobs)))
    if processes == 1 or not hasattr(os, "fork"):
        return [job() for job in jobs]
    shares = [list(range(k, len(jobs), processes)) for k in range(processes)]
    children = [_fork(jobs, share) for share in shares[1:]]
    results: dict[int, T] = {}
    started = time.monotonic()
    try:
        for i in shares[0]:
            results[i] = jobs[i]()
    finally:
        # the shares are alike: a child still silent long after the parent's took is stuck
        patience = STUCK_AFTER_FACTOR * (time.monotonic() - started) + STUCK_AFTER_SECONDS
        deadline = time.monotonic() + patience
        answers = [_collect(pid, fd, deadline) for pid, fd in children]
    for share, answer in zip(shares[1:], answers, strict=True):
        if answer is None or len(answer) != len(share):
            answer = [jobs[i]() for i in share]             # the child failed: its share again, here
        results.update(zip(share, answer, strict=True))
    return [results[i] for i in range(len(jobs))]


def _fork(jobs: Sequence[Callable[[], T]], share: list[int]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:                                            # the child: never returns
        status = 1
        try:
            _die_with_parent(parent)
            os.close(read_end)
            payload = pickle.dumps([jobs[i]() for i in share], protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _die_with_parent(parent: int) -> None:
    """Linux: this child is killed when the process that forked it dies (an import killed in
    its checks leaves no child running on, or holding the store's files). A parent that died
    before the request was made is seen at once: the child is no longer its child."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):                       # not Linux: the pipe still ends it
        pass
    if os.getppid() != parent:
        os._exit(1)


def _collect(pid: int, fd: int, deadline: float) -> list | None:
    """The child's results, or None when it did not finish cleanly by ``deadline`` (then it is
    killed)."""
    chunks: list[bytes] = []
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            chunk = pipe.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:                               # reaped elsewhere (SIGCHLD ignored)
        status = 0
    payload = b"".join(chunks)
    if status != 0 or not payload:
        return None
    try:
        answer = pickle.loads(payload)
    except Exception:                                       # noqa: BLE001 - a torn or bad payload
        return None
    return answer if isinstance(answer, list) else None
