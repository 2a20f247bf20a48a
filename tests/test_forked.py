"""Jobs spread over forked processes (``lineagekg.forked``): the same answers in the same order
as one process, whatever happens to a child."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest

from lineagekg import forked


def _square(n: int) -> int:
    return n * n


def _where(parent: int, n: int) -> tuple[int, bool]:
    return n, os.getpid() != parent


def test_results_come_back_in_the_order_of_the_jobs_and_children_did_work() -> None:
    parent = os.getpid()
    jobs = [functools.partial(_where, parent, n) for n in range(7)]
    answers = forked.run_jobs(jobs, 3)
    assert [n for n, _ in answers] == list(range(7))
    # dealt round-robin: jobs 1, 2, 4, 5 ran in children, 0, 3, 6 in the parent
    assert [in_child for _, in_child in answers] == [False, True, True, False, True, True, False]


def test_one_process_runs_everything_here() -> None:
    parent = os.getpid()
    answers = forked.run_jobs([functools.partial(_where, parent, n) for n in range(3)], 1)
    assert answers == [(0, False), (1, False), (2, False)]


def _dies_in_a_child(parent: int, how: str) -> str:
    if os.getpid() != parent:
        if how == "signal":
            os.kill(os.getpid(), signal.SIGKILL)
        if how == "exit":
            os._exit(0)                     # leaves without writing: an empty payload
        raise RuntimeError("a child's job failed")
    return "answered here"


@pytest.mark.parametrize("how", ["raise", "signal", "exit"])
def test_a_failed_child_has_its_share_run_again_in_the_parent(how: str) -> None:
    parent = os.getpid()
    jobs = [functools.partial(_square, 3), functools.partial(_dies_in_a_child, parent, how)]
    assert forked.run_jobs(jobs, 2) == [9, "answered here"]


def test_an_error_in_the_parent_is_raised_and_the_children_are_reaped(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> int:
        raise ValueError("the parent's own job")

    forks: list[int] = []
    real_fork = forked._fork
    monkeypatch.setattr(forked, "_fork", lambda *a: forks.append((child := real_fork(*a))[0]) or child)
    with pytest.raises(ValueError, match="the parent's own job"):
        forked.run_jobs([boom, functools.partial(_square, 2)], 2)
    assert len(forks) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)    # already reaped: no zombie left


def test_a_child_reads_a_store_as_it_was_at_the_fork() -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))

    def values() -> list[str]:
        return sorted(s["o"].value for s in store.query("SELECT ?o WHERE { ?s ?p ?o }"))

    assert forked.run_jobs([values, values], 2) == [["x"], ["x"]]


def _hangs_in_a_child(parent: int) -> str:
    if os.getpid() != parent:
        signal.pause()                      # a child stuck for good (as on a lock held at the fork)
    return "answered here"


def test_a_stuck_child_is_killed_and_its_share_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "STUCK_AFTER_SECONDS", 0.5)
    parent = os.getpid()
    started = time.monotonic()
    assert forked.run_jobs([functools.partial(_square, 4), functools.partial(_hangs_in_a_child, parent)], 2) \
        == [16, "answered here"]
    assert time.monotonic() - started < 30


def test_a_child_dies_with_the_process_that_forked_it(tmp_path) -> None:
    """A process running jobs is SIGKILLed (as an import killed in its checks): its forked child
    does not run on."""
    script = tmp_path / "run.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from lineagekg import forked\n"
        "def job():\n"
        "    if os.getpid() != parent:\n"
        "        print(os.getpid(), flush=True)\n"
        "        signal.pause()\n"
        "    time.sleep(60)\n"
        "parent = os.getpid()\n"
        "forked.run_jobs([job, job], 2)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    proc.kill()
    proc.wait()
    for _ in range(100):                    # the kernel delivers the signal at once; allow 10 s
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        try:
            with open(f"/proc/{child}/stat") as stat:
                if stat.read().split(")")[-1].split()[0] == "Z":  # dead, waiting for init to reap
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the child outlived the process that forked it")
