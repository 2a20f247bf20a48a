"""What kill-safe writes cost on the SPARQL-server backend: the same quads written to a
throwaway Virtuoso directly (``bulk_load``: Graph Store POSTs and ``INSERT DATA`` in chunks, not
kill-safe) and staged (``write``: encoded into a staging graph, then one update operation;
``store/staging.py``), alternately, as the ratio staged ÷ direct, in one run.

    python benchmarks/bench_staging.py --sizes 1000 5000 --repeat 3

The quads are bench_queries.py's synthetic graph of ``n`` datasets (no validation: the cost of
validating is the same either way). After each write the server must hold the same number of
quads, or the script exits non-zero. Needs virtuoso-opensource-7-bin.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_queries import generate, machine, quads_of  # noqa: E402
from virtuoso_server import running_virtuoso  # noqa: E402

from lineagekg.store.delta import Delta  # noqa: E402
from lineagekg.store.sparql_http import open_server_store  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000], help="datasets per graph")
    parser.add_argument("--repeat", type=int, default=3, help="writes of each kind (alternating)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"# bench_staging {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; " + "; ".join(machine()))
    print("| datasets | quads | direct (bulk_load) | staged (write) | staged ÷ direct |")
    print("|---:|---:|---:|---:|---:|")
    failed = False
    with tempfile.TemporaryDirectory() as tmp, running_virtuoso(Path(tmp) / "virtuoso") as server:
        store = open_server_store(server.location, graph_store_url=server.graph_store_url)
        for n in args.sizes:
            quads = quads_of(generate(n, args.seed))
            times: dict[str, list[float]] = {"direct": [], "staged": []}
            counts: set[int] = set()
            for _ in range(args.repeat):
                for kind in ("direct", "staged"):
                    store.clear()
                    start = time.perf_counter()
                    if kind == "direct":
                        store.bulk_load(quads)
                    else:
                        store.write(Delta(added=quads), what="staged write", validate=False)
                    times[kind].append(time.perf_counter() - start)
                    counts.add(len(store))
            direct, staged = (statistics.median(times[k]) for k in ("direct", "staged"))
            failed |= len(counts) != 1
            print(f"| {n:,} | {len(quads):,} | {direct:.2f} s | {staged:.2f} s | {staged / direct:.1f}× |"
                  + ("" if len(counts) == 1 else f" DIFFERENT QUAD COUNTS {sorted(counts)}"))
        store.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
