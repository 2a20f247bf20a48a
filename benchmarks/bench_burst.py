"""A burst of identical requests on a cold cache: how long until every one is answered, with the
gateway's waiting for the same request running (the default) and without it
(``LINEAGEKG_COALESCE_WAITING=0``), as a ratio measured in one run.

    python benchmarks/bench_burst.py                     # 10,000 datasets, bursts of 32, 5 rounds
    python benchmarks/bench_burst.py --datasets 2000 --burst 16 --rounds 3

The graph is the synthetic lineage DAG of ``bench_queries.py``, bulk-loaded into an on-disk store
that two ``lineagekg serve`` processes read, one per setting, with the per-client share lifted
(one benchmark client would otherwise measure fair admission). Each round sends ``--burst``
copies of one SPARQL SELECT (a whole-store aggregation) to each gateway at once; the query text
differs between rounds by a comment, so each round's request key is new to both caches (a miss by
construction) and the copies within a burst are identical. Every answer is checked (10 rows).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_gateway import SELECT, free_port, load_average, started, stopped, wait_for  # noqa: E402
from bench_queries import generate, quads_of  # noqa: E402

from lineagekg.store import open_store  # noqa: E402

SETTINGS = {"waiting": {}, "each runs": {"LINEAGEKG_COALESCE_WAITING": "0"}}
ACCEPT = {"Accept": "application/sparql-results+json"}


async def burst(base: str, query: str, copies: int) -> float:
    """Seconds until ``copies`` identical requests sent at once are all answered (each checked)."""
    url = base + "/sparql?" + urllib.parse.urlencode({"query": query})
    limits = httpx.Limits(max_connections=copies, max_keepalive_connections=copies)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        t0 = time.perf_counter()
        answers = await asyncio.gather(*(client.get(url, headers=ACCEPT) for _ in range(copies)))
        took = time.perf_counter() - t0
    bad = [a.status_code for a in answers if a.status_code != 200 or len(a.json()["results"]["bindings"]) != 10]
    if bad:
        raise RuntimeError(f"{base}: {len(bad)} bad answers ({bad[:5]})")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--burst", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lineagekg-bench-burst-"))
    store_dir = work / "store"
    store = open_store(store_dir)
    store.bulk_load(quads_of(generate(args.datasets, args.seed)))
    store.close()
    servers, bases = [], {}
    for name, extra in SETTINGS.items():
        port = free_port()
        env = dict(os.environ, LINEAGEKG_CLIENT_QUERIES="1000", LINEAGEKG_CLIENT_SECONDS_PER_MINUTE="100000",
                   LINEAGEKG_QUERY_TIMEOUT="60", **extra)
        servers.append(started([sys.executable, "-m", "lineagekg", "serve", "--store", str(store_dir), "--host",
                                "127.0.0.1", "--port", str(port), "--log-level", "warning"], env))
        bases[name] = f"http://127.0.0.1:{port}"
    try:
        for base, server in zip(bases.values(), servers, strict=True):
            wait_for(base + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}), server)
        took: dict[str, list[float]] = {name: [] for name in bases}
        for r in range(args.rounds):
            before = load_average()
            for name, base in (bases.items() if r % 2 == 0 else reversed(bases.items())):   # alternate who goes first
                took[name].append(asyncio.run(burst(base, f"# round {r}\n{SELECT}", args.burst)))
            print(f"round {r}: " + ", ".join(f"{n} {v[-1]:.2f} s" for n, v in took.items()) +
                  f"  (load {before} -> {load_average()})", file=sys.stderr)
        median = {n: statistics.median(v) for n, v in took.items()}
        print(f"{args.datasets} datasets, bursts of {args.burst} identical SELECTs on a cold cache, "
              f"{args.rounds} rounds: waiting {median['waiting']:.2f} s, each runs {median['each runs']:.2f} s "
              f"(median); each runs / waiting = {median['each runs'] / median['waiting']:.1f}x")
    finally:
        for server in servers:
            stopped(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
