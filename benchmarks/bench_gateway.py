"""Load benchmark of the gateway: requests per second and p50/p99 latency over HTTP, for each
design of the gateway, as ratios to the work done in-process and to a bare FastAPI route, all in
one run.

    python benchmarks/bench_gateway.py                    # 10,000 datasets, 10 s per load
    python benchmarks/bench_gateway.py --datasets 2000 --seconds 3 --connections 8

The graph is the synthetic lineage DAG of ``bench_queries.py`` (the real data model: plain, typed
and qualified derivations), bulk-loaded into an on-disk store. ``lineagekg serve`` runs it in its
own process, once per configuration (environment settings):

* ``threads``: REST analyses in threads of the gateway process, no response cache (the first
  design; not loaded by default, ``--configs threads ...``);
* ``workers``: every REST analysis in 2 worker processes, no response cache (the design before
  this one: ``LINEAGEKG_INLINE_MAX_DATASETS=0``);
* ``inline``: the default (index-backed analyses answered in the gateway process, the rest in
  workers) with its response cache turned off (``LINEAGEKG_RESPONSE_CACHE_MB=0``);
* ``cached``: the default, cache on.

"Uncached" requests really miss the response cache, in two ways: on ``workers`` and ``inline``
there is no cache (the same ancestors request repeated, and the ancestors of every dataset in
turn, shuffled); on ``cached`` every request's URL differs by a counter parameter the route
ignores (``&n=1``, ``&n=2``, ...: another request key, so a miss by construction; the script
checks that no URL was sent twice). Then the same request repeated (a cache hit) and a
conditional request answered 304.

All of them are started first and loaded in turn, ``--rounds`` times, so that each round
compares them under the same load of the (shared) machine.

The load comes from ``wrk`` (Debian package ``wrk``) on loopback, its requests from a Lua script
walking a file of paths (each of its threads its own part), else a Python client with threads.
Each endpoint's answer is checked first (the ancestors against the generator's graph), then
loaded. The references, measured in this script: the median in-process time of the same work
(``Lineage.ancestors`` on the index, the REST route's answer encoded as the gateway does, for the
deepest dataset and over every dataset, the SPARQL SELECT), and a bare FastAPI + uvicorn route
serving the same bytes (the framework's floor on this machine). The machine is shared: the load
average is recorded with every figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
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


WRK_SCRIPT = """
-- each wrk thread walks its own part of the paths file, in order (no path twice unless it wraps)
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local threads, made = %d, 0
local counter = 0
function setup(thread) thread:set("part", made); made = made + 1 end
function init(args) counter = part * math.floor(#paths / threads) end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[((counter - 1) %% #paths) + 1], wrk.headers)
end
"""


def load_with_wrk(base: str, paths: list[str], headers: dict[str, str], seconds: int, connections: int,
                  work: Path) -> Load:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if len(paths) > 1:
        listing, script = work / "paths.txt", work / "paths.lua"
        listing.write_text("\n".join(paths) + "\n")
        script.write_text(WRK_SCRIPT % (listing, 2))
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [base + paths[0]], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in errs.groups()) if errs else 0)
    return Load(rps, p50, p99, total, errors, "wrk")


def load_with_python(base: str, paths: list[str], headers: dict[str, str], seconds: int, connections: int,
                     work: Path) -> Load:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(part: int) -> None:
        nonlocal errors
        i = part * (len(paths) // connections)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = client.get(paths[i % len(paths)])
                i += 1
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(dt)
                    errors += r.status_code >= 300
    threads = [threading.Thread(target=worker, args=(part,)) for part in range(connections)]
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


BARE = """
import sys, uvicorn
from fastapi import FastAPI, Response
body = open(sys.argv[2], "rb").read()
app = FastAPI()
@app.get("/bare")
async def bare() -> Response:
    return Response(body, media_type="application/json")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""

CONFIGS = {
    "threads": {"LINEAGEKG_ANALYSIS_WORKERS": "0", "LINEAGEKG_INLINE_MAX_DATASETS": "0",
                "LINEAGEKG_RESPONSE_CACHE_MB": "0"},
    "workers": {"LINEAGEKG_ANALYSIS_WORKERS": "2", "LINEAGEKG_INLINE_MAX_DATASETS": "0",
                "LINEAGEKG_RESPONSE_CACHE_MB": "0"},
    "inline": {"LINEAGEKG_RESPONSE_CACHE_MB": "0"},
    "cached": {},
}
DEFAULT_CONFIGS = ["workers", "inline", "cached"]
#: distinct URLs (a counter parameter) for the uncached load on the cached gateway: more than a
#: load sends, so none is sent twice
DISTINCT_URLS = 400_000
#: after a load of uncached SPARQL queries, the time their queued rest takes to finish
SETTLE_SECONDS = 8


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def wait_for(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    """Poll ``url`` until it answers 200 (the workers have opened the store and built their index)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=30).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"no answer at {url}: " + (process.stderr.read() if process.stderr else ""))
        time.sleep(0.5)


def started(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stopped(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS, choices=list(CONFIGS))
    ap.add_argument("--rounds", type=int, default=2, help="loads of every design, in turn")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "gateway.md")
    args = ap.parse_args()

    from lineagekg.api import rest
    from lineagekg.api.analysis_workers import encode

    syn = generate(args.datasets, args.seed)
    deep = max(range(syn.n), key=lambda i: (syn.depth[i], -i))
    # the expected ancestors: everything upstream of the deepest dataset in the generator's graph
    expected: set[int] = set()
    todo = list(syn.sources[deep])
    while todo:
        s = todo.pop()
        if s not in expected:
            expected.add(s)
            todo.extend(syn.sources[s])
    loader = load_with_wrk if shutil.which("wrk") else load_with_python
    rows: list[tuple[str, str, Load, float | None, str]] = []   # config, endpoint, load, in-process ms, load avg
    refs: dict[str, float] = {}
    repeated_urls: list[str] = []

    def measure(config: str, endpoint: str, base: str, paths: list[str], headers: dict[str, str],
                ref: float | None, *, distinct: bool = False) -> Load:
        """One load; ``distinct``: no path may be sent twice (each loader thread walks its own part)."""
        before = load_average()
        load = loader(base, paths, headers, args.seconds, args.connections, work)
        if distinct and load.requests > len(paths) // (2 if loader is load_with_wrk else args.connections):
            repeated_urls.append(f"{config} {endpoint}: {load.requests} requests, {len(paths)} paths")
        rows.append((config, endpoint, load, ref, f"{before} → {load_average()}"))
        print(f"{config:8} {endpoint:44} {load.requests_per_second:8,.0f} req/s  p50 {load.p50_ms:7.1f} ms  "
              f"p99 {load.p99_ms:7.1f} ms  errors {load.errors}  load {rows[-1][4]}", file=sys.stderr)
        return load

    work = Path(tempfile.mkdtemp(prefix="lineagekg-bench-gateway-"))
    try:
        store_dir = work / "store"
        store = open_store(store_dir)
        quads = quads_of(syn)
        t0 = time.perf_counter()
        store.bulk_load(quads)
        load_s = time.perf_counter() - t0
        lineage = Lineage(store, index=True)
        target = lineage.name(syn.iri[deep])          # its identifier, as a user gives it
        got = lineage.ancestors(target)
        if len(got) != len(expected):
            print(f"ancestors: {len(got)} answers, expected {len(expected)}", file=sys.stderr)
            return 1
        names = [lineage.name(syn.iri[i]) for i in range(syn.n)]
        random.Random(args.seed).shuffle(names)
        refs["ancestors"] = median_ms(lambda: lineage.ancestors(target), 50)
        refs["route"] = median_ms(lambda: encode(rest.ancestors, rest.ancestors(lineage, target)), 50)
        every = iter(names * 2)
        refs["route_every"] = median_ms(lambda: encode(rest.ancestors, rest.ancestors(lineage, next(every))),
                                        min(len(names), 2000))
        body = encode(rest.ancestors, rest.ancestors(lineage, target))[0]
        select = SPARQLQuery.from_text("bench/top-sources", "#+ summary: top sources\n#+ returns: [source, children]\n"
                                       + SELECT)
        refs["select"] = median_ms(lambda: store.select(select), 30)
        store.close()
        print(f"graph: {args.datasets} datasets, {len(quads)} quads, bulk load {load_s:.1f} s; ancestors of "
              f"{target}: {len(expected)}; in-process: ancestors {refs['ancestors']:.2f} ms, route answer "
              f"{refs['route']:.2f} ms (every dataset: {refs['route_every']:.2f} ms), SELECT {refs['select']:.2f} ms",
              file=sys.stderr)

        # the framework's floor: a bare FastAPI route serving the same bytes; then one gateway per
        # design, all started before any load, and loaded in turn, round after round (the machine's
        # load changes by the minute: each round compares the designs under the same load)
        (work / "body.json").write_bytes(body)
        port = free_port()
        servers = [started([sys.executable, "-c", BARE, str(port), str(work / "body.json")], dict(os.environ))]
        bare_base = f"http://127.0.0.1:{port}"
        bases = {}
        for config in args.configs:
            port = free_port()
            # wrk is one client: lift the per-client share, or it would measure fair admission
            env = dict(os.environ, LINEAGEKG_MAX_ROWS="100000", LINEAGEKG_CLIENT_QUERIES="1000",
                       LINEAGEKG_CLIENT_SECONDS_PER_MINUTE="100000", LINEAGEKG_QUERY_TIMEOUT="60",
                       **CONFIGS[config])
            servers.append(started([sys.executable, "-m", "lineagekg", "serve", "--store", str(store_dir),
                                    "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env))
            bases[config] = f"http://127.0.0.1:{port}"
        anc = "/api/v1/ancestors?" + urllib.parse.urlencode({"id": target})
        every_dataset = ["/api/v1/ancestors?" + urllib.parse.urlencode({"id": n}) for n in names]
        distinct_urls = [f"{anc}&n={i}" for i in range(DISTINCT_URLS)]
        sparql = "/sparql?" + urllib.parse.urlencode({"query": SELECT})
        try:
            wait_for(bare_base + "/bare", servers[0], 60)
            accept = {"Accept": "application/sparql-results+json"}
            etags = {}
            for (config, base), server in zip(bases.items(), servers[1:], strict=True):
                wait_for(base + anc, server)
                answer = httpx.get(base + anc, timeout=60)
                if len(answer.json()["items"]) != len(expected):
                    print(f"HTTP ancestors: {len(answer.json()['items'])} answers, expected {len(expected)}",
                          file=sys.stderr)
                    return 1
                found = httpx.get(base + sparql, headers=accept, timeout=60).json()["results"]["bindings"]
                if len(found) != 10:
                    print(f"HTTP SELECT: {len(found)} rows, expected 10", file=sys.stderr)
                    return 1
                if config == "cached" and httpx.get(base + anc, headers={"If-None-Match": answer.headers["etag"]}
                                                    ).status_code != 304:
                    print("no 304 on a conditional repeat", file=sys.stderr)
                    return 1
                etags[config] = answer.headers.get("etag", "")
            for _ in range(args.rounds):
                measure("bare", "FastAPI route, same bytes", bare_base, ["/bare"], {}, None)
                for config, base in bases.items():
                    if config == "cached":
                        measure(config, "ancestors, deepest, distinct URLs: cache misses", base, distinct_urls,
                                {}, refs["route"], distinct=True)
                        # those misses filled the cache and pushed older answers out: one request
                        # first puts each repeated answer back (else 16 connections would all
                        # compute it at once at the start of the load)
                        httpx.get(base + anc, timeout=60)
                        httpx.get(base + sparql, headers=accept, timeout=60)
                        measure(config, "ancestors, deepest, repeated: cache hits", base, [anc], {}, refs["route"])
                        measure(config, "ancestors, If-None-Match → 304", base, [anc],
                                {"If-None-Match": etags[config]}, refs["route"])
                        measure(config, "SPARQL SELECT (GET), repeated", base, [sparql], accept, refs["select"])
                        continue
                    measure(config, "ancestors, deepest, no cache", base, [anc], {}, refs["route"])
                    if config == "inline":
                        measure(config, "ancestors, every dataset in turn, no cache", base, every_dataset, {},
                                refs["route_every"])
                # last in the round: the queries still queued when wrk stops (16 connections, ~0.5 s
                # each, 2 query workers) run on for seconds and would weigh on the next load
                for config, base in bases.items():
                    if config in ("threads", "workers"):
                        measure(config, "SPARQL SELECT (GET), no cache", base, [sparql], accept, refs["select"])
                        time.sleep(SETTLE_SECONDS)
        finally:
            for server in servers:
                stopped(server)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floors = [r[2].requests_per_second for r in rows if r[0] == "bare"]
    lines = [f"Gateway load, {args.datasets:,} datasets ({len(quads):,} quads), ancestors of `{target}` "
             f"({len(expected)} datasets, {len(body):,} bytes of JSON); wrk {args.connections} connections, "
             f"{args.seconds} s per load; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}; client and server on the same machine; "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             f"In-process (this script, medians): `Lineage.ancestors` on the index {refs['ancestors']:.2f} ms; "
             f"the REST route's answer built and encoded {refs['route']:.2f} ms (over every dataset: "
             f"{refs['route_every']:.2f} ms); the SPARQL SELECT {refs['select']:.2f} ms.", "",
             "| round | design | request | requests/s | ÷ bare route (same round) | p50 (ms) | p99 (ms) | "
             "p50 ÷ in-process | requests | errors | load average (1/5/15 min, before → after) |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    round_no = 0
    for config, endpoint, load, ref, avg in rows:
        round_no += config == "bare"
        ratio = f"{load.p50_ms / ref:.1f}x" if ref else ""
        lines.append(f"| {round_no} | {config} | {endpoint} | {load.requests_per_second:,.0f} | "
                     f"{load.requests_per_second / floors[round_no - 1]:.2f} | {load.p50_ms:.1f} | "
                     f"{load.p99_ms:.1f} | {ratio} | {load.requests:,} | {load.errors} | {avg} |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    for repeated in repeated_urls:
        print(f"a URL was sent twice, so some requests were cache hits: {repeated}", file=sys.stderr)
    return 0 if all(r[2].errors == 0 for r in rows) and not repeated_urls else 1


if __name__ == "__main__":
    sys.exit(main())
