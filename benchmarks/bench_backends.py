"""The embedded store against a Virtuoso server on the same graph: load time and the lineage
answers through the library's SPARQL queries, as ratios to the embedded store, in one run.

    python benchmarks/bench_backends.py --sizes 10000

The graph is bench_queries.py's (synthetic DAG, ~2.5 edges per dataset) and so are the
parameters (the deepest dataset, the root with most descendants, the most reached benchmark...).
A throwaway Virtuoso is started as the tests start it (tests/virtuoso_server.py: the compose
service's configuration, on loopback). Loads are unvalidated bulk loads of the same quads:
``OxigraphStore.bulk_load`` in memory; on the server, Virtuoso's bulk loader (an N-Quads file,
``ld_dir``/``rdf_loader_run``) and plain HTTP writes in chunks (INSERT DATA, Graph Store Protocol). Queries are
``Lineage(store)`` (the library's SPARQL, as the CLI runs them; no in-memory index), medians of
``--repeat`` runs; the answers on the server must equal the embedded store's, or the script
exits non-zero. Needs virtuoso-opensource-7-bin and the ``bench`` extra (networkx).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import networkx as nx  # noqa: E402
from bench_queries import generate, library_version, machine, pick_cases, quads_of  # noqa: E402
from virtuoso_server import running_virtuoso  # noqa: E402

from lineagekg.analyses import Lineage  # noqa: E402
from lineagekg.store import open_store  # noqa: E402
from lineagekg.store.sparql_http import BulkLoader, open_server_store  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median milliseconds of ``repeat`` runs, and the last answer."""
    times, answer = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), answer


def once(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_size(n: int, args: argparse.Namespace, log: Callable[[str], None]) -> list[str]:
    syn = generate(n, args.seed)
    quads = quads_of(syn)
    g = nx.DiGraph()
    g.add_nodes_from(syn.nodes())
    g.add_edges_from(syn.edges())
    p = {c.query: c.params for c in pick_cases(syn, g)}
    embedded = open_store(memory=True)
    embedded_load = once(lambda: embedded.bulk_load(quads))
    rows = [f"| {n:,} | load {len(quads):,} quads | embedded `bulk_load` {embedded_load:.1f} s | | |"]
    with tempfile.TemporaryDirectory() as tmp, running_virtuoso(Path(tmp) / "virtuoso", buffers=args.buffers) as server:
        loader = BulkLoader(directory=server.loads, port=server.isql_port)
        remote = open_server_store(server.location, graph_store_url=server.graph_store_url, loader=loader,
                                   loader_from=1, timeout=1800)
        loaded = once(lambda: remote.bulk_load(quads))
        rows.append(f"| {n:,} | load | Virtuoso bulk loader {loaded:.1f} s | **{loaded / embedded_load:.1f}×** | |")
        log(f"[{n}] loaded: embedded {embedded_load:.1f} s, Virtuoso bulk loader {loaded:.1f} s")
        if len(remote) != len(embedded):
            raise SystemExit(f"[{n}] the server holds {len(remote)} quads, the embedded store {len(embedded)}")
        remote.clear()
        gsp = open_server_store(server.location, graph_store_url=server.graph_store_url, chunk=args.chunk,
                                timeout=1800)
        posted = once(lambda: gsp.bulk_load(quads))
        rows.append(f"| {n:,} | load | over HTTP (INSERT DATA, Graph Store Protocol), {args.chunk:,} quads "
                    f"a request {posted:.1f} s | "
                    f"**{posted / embedded_load:.1f}×** | |")
        log(f"[{n}] loaded over HTTP: {posted:.1f} s")
        local, served = Lineage(embedded), Lineage(gsp)
        name = local.name
        plan: list[tuple[str, Callable[[Lineage], Any]]] = [
            ("ancestors", lambda lin: lin.ancestors(name(p["ancestors"]["dataset"]))),
            ("descendants", lambda lin: lin.descendants(name(p["descendants"]["dataset"]))),
            ("roots", lambda lin: lin.roots(name(p["roots"]["dataset"]))),
            ("shared roots",
             lambda lin: lin.shared_roots([name(p["shared-roots"]["a"]), name(p["shared-roots"]["b"])])),
            ("path", lambda lin: lin.path(name(p["path"]["from"]), name(p["path"]["to"]))),
            ("contamination", lambda lin: lin.contamination(name(p["contamination"]["benchmark"]))),
        ]
        local.names()
        served.names()
        failed = 0
        for label, run in plan:
            here_ms, want = timed(lambda: run(local), args.repeat)
            there_ms, got = timed(lambda: run(served), args.repeat)
            same = got == want
            failed += not same
            size = len(want) if not isinstance(want, tuple) else want[1].length
            log(f"[{n}] {label}: answer {size}, embedded {here_ms:.1f} ms, Virtuoso {there_ms:.1f} ms"
                + ("" if same else ": VIRTUOSO'S ANSWER DIFFERS"))
            rows.append(f"| {n:,} | {label} (answer {size:,}) | embedded {here_ms:,.1f} ms, "
                        f"Virtuoso {there_ms:,.1f} ms "
                        f"| **{there_ms / here_ms:.1f}×** | {'equal' if same else '**differs**'} |")
        gsp.close()
        remote.close()
    if failed:
        rows.append(f"| {n:,} | {failed} answer(s) differ: the run fails | | | |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=50_000, help="quads per Graph Store request")
    parser.add_argument("--buffers", type=int, default=60_000, help="Virtuoso's NumberOfBuffers (8 KiB pages)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    lines = [f"# Embedded store vs Virtuoso ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)", "",
             *machine(), f"- Load average at the start: {', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
             f"- Library queries at {library_version()}.", "",
             "| datasets | what | times | Virtuoso ÷ embedded | answers |", "|---:|---|---|---:|---|"]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    for n in args.sizes:
        lines += run_size(n, args, log)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 1 if "differ: the run fails" in text else 0


if __name__ == "__main__":
    sys.exit(main())
