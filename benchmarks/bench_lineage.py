"""Lineage answers through lineagekg's API against networkx on the same edges, ratios in one run.

    python benchmarks/bench_lineage.py --sizes 10000 100000

The graph and the parameters are bench_queries.py's (synthetic DAG, ~2.5 edges per dataset,
bulk-loaded in memory; the deepest dataset, the root with most descendants, the most reached
benchmark, ...). For each analysis, medians of ``--repeat`` runs of:

- ``Lineage(store, index=True)``: the analyses as the gateway runs them, on the in-memory lineage
  index (read once per store version: its build time is reported on its own, as "index build");
- ``Lineage(store)``: the same analyses answered by the library's SPARQL queries (the CLI's
  path; one run at the largest sizes when slow);
- networkx: the same traversal on a ``DiGraph`` of the same edges (target -> source):
  ``descendants``/``ancestors`` with root/leaf flags, roots as out-degree 0, shared roots as
  the intersection, path as a breadth-first search to the goal or its split, contamination as
  the datasets reaching the benchmark or its split with their next hops.

The answers must agree (index = SPARQL exactly, both = networkx as sets); the script exits
non-zero otherwise. The index and networkx are timed alternately (one call of each per round)
so the load of a shared machine falls on both alike. Needs the ``bench`` extra (networkx).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import networkx as nx  # noqa: E402
from bench_queries import generate, library_version, machine, peak_rss_gib, pick_cases, quads_of  # noqa: E402

from lineagekg.analyses import Lineage  # noqa: E402
from lineagekg.store import open_store  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int, budget: float) -> tuple[float, Any]:
    """Median milliseconds of up to ``repeat`` runs (at least one) within ``budget`` seconds."""
    times, answer, spent = [], None, 0.0
    while len(times) < repeat and (not times or spent < budget):
        start = time.perf_counter()
        answer = fn()
        took = time.perf_counter() - start
        times.append(took * 1000)
        spent += took
    return statistics.median(times), answer


def interleaved(fn: Callable[[], Any], reference: Callable[[], Any], repeat: int,
                budget: float) -> tuple[float, Any, float, Any]:
    """Median milliseconds of ``fn`` and of ``reference``, run alternately (one of each per
    round, up to ``repeat`` rounds, at least one, within ``budget`` seconds), so that the load
    of a shared machine falls on both alike; with the last answer of each."""
    mine: list[float] = []
    theirs: list[float] = []
    answer = want = None
    spent = 0.0
    while len(mine) < repeat and (not mine or spent < budget):
        for times, call in ((mine, fn), (theirs, reference)):
            start = time.perf_counter()
            result = call()
            took = time.perf_counter() - start
            times.append(took * 1000)
            spent += took
            if call is fn:
                answer = result
            else:
                want = result
    return statistics.median(mine), answer, statistics.median(theirs), want


def reference_graph(syn: Any) -> tuple[nx.DiGraph, float]:
    """networkx's graph of the same edges (target -> source) and the milliseconds it took to
    build from the edge list (the reference for the index build)."""
    nodes, edges = syn.nodes(), syn.edges()
    start = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return g, (time.perf_counter() - start) * 1000


def run_size(n: int, args: argparse.Namespace, log: Callable[[str], None]) -> list[str]:
    syn = generate(n, args.seed)
    store = open_store(memory=True)
    store.bulk_load(quads_of(syn))
    return measure(n, syn, store, args, log)


def measure(n: int, syn: Any, store: Any, args: argparse.Namespace, log: Callable[[str], None],
            sparql_for: tuple[str, ...] | None = None) -> list[str]:
    """The table rows for one store holding ``syn``'s graph: the index build against networkx's,
    then every analysis (``sparql_for``: the analyses also run on the SPARQL path; all when None)."""
    g, nx_build_ms = reference_graph(syn)
    cases = {c.query: c for c in pick_cases(syn, g)}
    indexed, sparql = Lineage(store, index=True), Lineage(store)
    start = time.perf_counter()
    indexed.index()
    build_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    indexed.names()
    names_ms = (time.perf_counter() - start) * 1000
    log(f"[{n}] index built in {build_ms:.0f} ms (networkx {nx_build_ms:.0f} ms), catalogue {names_ms:.0f} ms")
    name = indexed.name

    def ids(iris: set[str]) -> set[str]:
        return {name(i) for i in iris}

    p = {k: c.params for k, c in cases.items()}
    goals = [p["path"]["to"]] + [syn.iri[s] for s in syn.splits_of.get(syn.iri.index(p["path"]["to"]), [])]

    def nx_path(graph: nx.DiGraph) -> int:
        reach = nx.single_source_shortest_path_length(graph, p["path"]["from"])
        return min(reach[x] for x in goals if x in reach)

    plan: list[tuple[str, Callable[[Lineage], Any], Callable[[nx.DiGraph], Any], Callable[[Any], Any],
                     Callable[[Any], Any]]] = [
        ("ancestors", lambda lin: lin.ancestors(name(p["ancestors"]["dataset"])), cases["ancestors"].reference,
         lambda ans: {(r.id, r.is_root) for r in ans}, lambda ref: {(name(k), v) for k, v in ref.items()}),
        ("descendants", lambda lin: lin.descendants(name(p["descendants"]["dataset"])),
         cases["descendants"].reference,
         lambda ans: {(r.id, r.is_leaf) for r in ans}, lambda ref: {(name(k), v) for k, v in ref.items()}),
        ("roots", lambda lin: lin.roots(name(p["roots"]["dataset"])), cases["roots"].reference,
         lambda ans: {r.id for r in ans}, ids),
        ("shared roots", lambda lin: lin.shared_roots([name(p["shared-roots"]["a"]), name(p["shared-roots"]["b"])]),
         cases["shared-roots"].reference, lambda ans: {r.id for r in ans}, ids),
        ("path", lambda lin: lin.path(name(p["path"]["from"]), name(p["path"]["to"])), nx_path,
         lambda ans: ans[1].length, lambda ref: ref),
        ("contamination", lambda lin: lin.contamination(name(p["contamination"]["benchmark"])),
         cases["contamination"].reference,
         lambda ans: {h.dataset.id for h in ans}, lambda ref: {name(d) for d, _ in ref}),
    ]
    rows = []
    for label, api, reference, canon, canon_ref in plan:
        idx_ms, got, nx_ms, want = interleaved(lambda: api(indexed), lambda: reference(g), args.repeat, args.budget)
        sp_ms: float | None = None
        if sparql_for is None or label in sparql_for:
            sp_ms, sp_got = timed(lambda: api(sparql), args.repeat if n <= 20_000 else 1, args.budget)
            if got != sp_got:
                raise SystemExit(f"[{n}] {label}: the index's answer differs from the SPARQL queries'")
        if canon(got) != canon_ref(want):
            raise SystemExit(f"[{n}] {label}: the answer differs from networkx's")
        size = len(got) if not isinstance(got, tuple) else got[1].length
        sp_cell, sp_ratio = (f"{sp_ms:,.1f} ms", f"{sp_ms / nx_ms:.0f}×") if sp_ms is not None else ("", "")
        log(f"[{n}] {label}: answer {size}, index {idx_ms:.2f} ms, SPARQL {sp_cell or '-'}, networkx {nx_ms:.2f} ms")
        target = 5 if label in ("descendants", "contamination") else 3
        rows.append(f"| {n:,} | {label} | {size:,} | {idx_ms:.2f} ms | {sp_cell} | {nx_ms:.2f} ms | "
                    f"**{idx_ms / nx_ms:.1f}×** (≤ {target}×) | {sp_ratio} |")
    rows.append(f"| {n:,} | index build (once per store version; networkx: building its graph) | "
                f"{len(g.edges):,} edges | {build_ms:,.0f} ms | | {nx_build_ms:,.0f} ms | "
                f"**{build_ms / nx_build_ms:.1f}×** | |")
    rows.append(f"| {n:,} | name catalogue (once per store version) | {len(indexed.names()):,} datasets | "
                f"{names_ms:,.0f} ms | | | | |")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--repeat", type=int, default=25)
    ap.add_argument("--budget", type=float, default=10.0, help="seconds of timed runs per measurement")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "lineage.md")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    out = [f"# Lineage answers: lineagekg API vs networkx ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
           "", *machine(), f"- {library_version()}; store in memory.", "",
           "| datasets | analysis | answer | API on the index | API on SPARQL | networkx | index ÷ networkx "
           "(target) | SPARQL ÷ networkx |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for n in args.sizes:
        out += run_size(n, args, log)
    out += ["", f"Peak RSS of the run: {peak_rss_gib():.2f} GiB."]
    text = "\n".join(out) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
