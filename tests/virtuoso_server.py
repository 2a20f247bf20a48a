"""A throwaway Virtuoso server for the tests: ``virtuoso-t`` on loopback ports with its own
database directory and virtuoso.ini, started once per test session and stopped after it.

Its virtuoso.ini and setup are the compose service's (docker/virtuoso): the SPARQL user may
update (``SPARQL_UPDATE``), and Virtuoso's own schema graph is made private, so the public
endpoint sees only the graphs lineagekg writes (a fresh database also holds a service
description and an LDP graph: they are cleared).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"

#: the configuration the compose service runs too (docker/virtuoso)
CONFIG = Path(__file__).resolve().parents[1] / "docker" / "virtuoso"


@dataclass(frozen=True)
class VirtuosoServer:
    directory: Path
    http_port: int
    isql_port: int
    loads: Path               # a directory the server may read files from (its bulk loader)

    @property
    def location(self) -> str:
        return f"sparql+http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def isql(self, script: str) -> str:
        done = subprocess.run([ISQL, f"127.0.0.1:{self.isql_port}", "dba", "dba"], input=script,
                              capture_output=True, text=True, timeout=120, check=True)
        errors = [line for line in (done.stdout + done.stderr).splitlines()
                  if "*** Error" in line and "already have role" not in line]
        if errors:
            raise RuntimeError(f"isql: {done.stdout}{done.stderr}")
        return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_virtuoso(directory: Path, *, buffers: int = 20_000) -> Iterator[VirtuosoServer]:
    """Start Virtuoso on a fresh database in ``directory``; stop it (and wait) on exit.

    Raises:
        RuntimeError: virtuoso-t is not installed, or the server does not come up.
    """
    if shutil.which(VIRTUOSO) is None or shutil.which(ISQL) is None:
        raise RuntimeError(f"{VIRTUOSO}/{ISQL} not found: install virtuoso-opensource-7-bin "
                           "(.ci/run installs it)")
    directory.mkdir(parents=True, exist_ok=True)
    loads = directory / "loads"
    loads.mkdir(exist_ok=True)
    server = VirtuosoServer(directory, free_port(), free_port(), loads)
    ini = (CONFIG / "virtuoso.ini.template").read_text(encoding="utf-8")
    for key, value in {"d": directory, "isql": server.isql_port, "http": server.http_port, "buffers": buffers,
                       "dirty": buffers * 3 // 4, "loads": loads, "listen": "127.0.0.1:"}.items():
        ini = ini.replace("{" + key + "}", str(value))
    (directory / "virtuoso.ini").write_text(ini, encoding="utf-8")
    process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(directory / "virtuoso.ini")],
                               cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                log = (directory / "virtuoso.log").read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {process.returncode}: {log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{server.http_port}/sparql", params={"query": "ASK {}"},
                             timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("virtuoso-t did not answer on its SPARQL endpoint within 90 s")
            time.sleep(0.3)
        server.isql((CONFIG / "setup.sql").read_text(encoding="utf-8"))
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
