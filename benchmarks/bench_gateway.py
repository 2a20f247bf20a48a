"""Load benchmark of the gateway: requests per second and p50/p99 latency over HTTP.

    python benchmarks/bench_gateway.py                    # 10,000 datasets, 10 s per endpoint
    python benchmarks/bench_gateway.py --datasets 2000 --seconds 3 --connections 8

The graph is the synthetic lineage DAG of ``bench_queries.py`` (the real data model: plain, typed
and qualified derivations), bulk-loaded into an on-disk store. ``lineagekg serve`` runs it in its
own process; the load comes from a second process on loopback: ``wrk`` (Debian package ``wrk``)
when it is installed, else a Python client with threads. Each endpoint's answer is checked first
(the ancestors count against the generator's graph), then loaded.

The reference is the same work done in-process, in this script, before the server starts: the
median time of ``Lineage.ancestors`` and of the SPARQL SELECT on the same store. The tables give
the HTTP p50 as a ratio to it (the cost of HTTP, JSON and the gateway on top of the query).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_queries import generate, quads_of  # noqa: E402

from lineagekg.analyses import Lineage  # noqa: E402
from lineagekg.queries import SPARQLQuery  # noqa: E402
from lineagekg.store import open_store  # noqa: E402

SELECT = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?source (COUNT(?target) AS ?children) WHERE {
  ?target prov:wasDerivedFrom ?source .
} GROUP BY ?source ORDER BY DESC(?children) LIMIT 10"""


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", value.strip())
    if not m:
        raise ValueError(f"cannot read wrk latency {value!r}")
    number, unit = float(m.group(1)), m.group(2)
    return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number


def load_with_wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> Load:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in errs.groups()) if errs else 0)
    return Load(rps, p50, p99, total, errors, "wrk")


def load_with_python(url: str, headers: dict[str, str], seconds: int, connections: int) -> Load:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        with httpx.Client(headers=headers, timeout=30) as client:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = client.get(url)
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(dt)
                    errors += r.status_code >= 300
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    q = statistics.quantiles(latencies, n=100)
    return Load(len(latencies) / elapsed, q[49], q[98], len(latencies), errors, "python threads")


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "gateway.md")
    args = ap.parse_args()

    syn = generate(args.datasets, args.seed)
    nodes = [i for i in range(syn.n)]
    deep = max(nodes, key=lambda i: (syn.depth[i], -i))
    target = syn.iri[deep]
    # the expected ancestors: everything upstream of the deepest dataset in the generator's graph
    expected: set[int] = set()
    todo = list(syn.sources[deep])
    while todo:
        s = todo.pop()
        if s not in expected:
            expected.add(s)
            todo.extend(syn.sources[s])

    work = Path(tempfile.mkdtemp(prefix="lineagekg-bench-gateway-"))
    try:
        store_dir = work / "store"
        store = open_store(store_dir)
        quads = quads_of(syn)
        t0 = time.perf_counter()
        store.bulk_load(quads)
        load_s = time.perf_counter() - t0
        lineage = Lineage(store)
        got = lineage.ancestors(target)
        if len(got) != len(expected):
            print(f"ancestors: {len(got)} answers, expected {len(expected)}", file=sys.stderr)
            return 1
        ref_ancestors = median_ms(lambda: lineage.ancestors(target), 30)
        select = SPARQLQuery.from_text("bench/top-sources", "#+ summary: top sources\n#+ returns: [source, children]\n"
                                       + SELECT)
        ref_select = median_ms(lambda: store.select(select), 30)
        store.close()
        print(f"graph: {args.datasets} datasets, {len(quads)} quads, bulk load {load_s:.1f} s; "
              f"ancestors of the deepest dataset: {len(expected)}", file=sys.stderr)

        port = free_port()
        # wrk is one client: lift the per-client share, or it would measure fair admission
        env = dict(os.environ, LINEAGEKG_MAX_ROWS="100000", LINEAGEKG_CLIENT_QUERIES="1000",
                   LINEAGEKG_CLIENT_SECONDS_PER_MINUTE="100000")
        server = subprocess.Popen([sys.executable, "-m", "lineagekg", "serve", "--store", str(store_dir),
                                   "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(base + "/api/v1/stats", timeout=5).raise_for_status()
                    break
                except httpx.HTTPError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        print("the server did not start:\n" + (server.stderr.read() if server.stderr else ""),
                              file=sys.stderr)
                        return 1
                    time.sleep(0.2)
            anc_url = f"{base}/api/v1/ancestors?" + urllib.parse.urlencode({"id": target})
            answer = httpx.get(anc_url, timeout=60).json()
            if len(answer["items"]) != len(expected):
                print(f"HTTP ancestors: {len(answer['items'])} answers, expected {len(expected)}", file=sys.stderr)
                return 1
            sparql_url = f"{base}/sparql?" + urllib.parse.urlencode({"query": SELECT})
            accept = {"Accept": "application/sparql-results+json"}
            rows = httpx.get(sparql_url, headers=accept, timeout=60).json()["results"]["bindings"]
            if len(rows) != 10:
                print(f"HTTP SELECT: {len(rows)} rows, expected 10", file=sys.stderr)
                return 1
            loader = load_with_wrk if shutil.which("wrk") else load_with_python
            results = {
                "ancestors (REST)": (loader(anc_url, {}, args.seconds, args.connections), ref_ancestors),
                "SPARQL SELECT (GET /sparql)": (loader(sparql_url, accept, args.seconds, args.connections), ref_select),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = [f"Gateway load, {args.datasets:,} datasets ({len(quads):,} quads), {args.connections} connections, "
             f"{args.seconds} s per endpoint; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}; client and server on the same machine.", "",
             "| endpoint | requests/s | p50 (ms) | p99 (ms) | requests | errors | in-process median (ms) | p50 / in-process | client |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, (load, ref) in results.items():
        lines.append(f"| {name} | {load.requests_per_second:,.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} | "
                     f"{load.requests:,} | {load.errors} | {ref:.2f} | {load.p50_ms / ref:.1f}x | {load.tool} |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(json.dumps({k: vars(v[0]) for k, v in results.items()}), file=sys.stderr)
    return 0 if all(v[0].errors == 0 for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
