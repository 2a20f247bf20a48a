"""Validated import against an unvalidated bulk load of the same quads, as a ratio in one run.

    python benchmarks/bench_import.py --sizes 10000 100000
    python benchmarks/bench_import.py --sizes 2000 --on-disk     # RocksDB stores in a temp dir

The graph is bench_queries.py's synthetic lineage DAG (~47 quads and ~2.5 edges per dataset),
turned into quads by ``lineagekg.provenance.batch_quads``. For each size, in this order and in
fresh stores:

1. ``OxigraphStore.bulk_load`` (pyoxigraph ``bulk_extend``: no validation, no transaction), the
   reference;
2. ``OxigraphStore.import_quads`` (the one validated write path: every SHACL shape checked on
   the batch as the store would stand after it, acyclicity by graph search, then one
   transactional ``extend``);
3. the same validated import on top of a store already holding the first half of the graph,
   writing the second half (its sources are in the store: the checks read the store), against
   a bulk load of that second half onto the same first half.

Each import must be accepted with no result (the data is valid) and leave the store with the
same quads as the bulk load; the script exits non-zero otherwise. Timings: the bulk load and the
validated import alternate ``--rounds`` times and the best of each is kept (a busy machine slows
both alike; the bulk load's own time varies by up to 2x between runs); by default twice up to
20k datasets and once above. Peak RSS is the
process's. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
from bench_queries import generate, library_version, machine, peak_rss_gib, quads_of  # noqa: E402

from lineagekg.store import open_store  # noqa: E402


def _store(on_disk: bool, tmp: Path, name: str):
    return open_store(tmp / name) if on_disk else open_store(memory=True)


def _timed(fn) -> tuple[float, object]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_size(n: int, args: argparse.Namespace, log) -> list[str]:
    gen_s, syn = _timed(lambda: generate(n, args.seed))
    quads = quads_of(syn)
    graph = syn.batch.graph
    log(f"[{n}] generated {len(quads):,} quads in {gen_s:.1f} s")
    rows = []
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        bulk_times, val_times, steps = [], [], []
        rounds = args.rounds if args.rounds is not None else 2 if n <= 20_000 else 1
        for round_ in range(rounds):          # interleaved: a busy machine slows both alike
            bulk = _store(args.on_disk, tmp, f"bulk{round_}")
            took, _ = _timed(functools.partial(bulk.bulk_load, quads))
            bulk.flush()
            bulk_times.append(took)
            size = len(bulk)
            del bulk
            gc.collect()
            validated = _store(args.on_disk, tmp, f"validated{round_}")
            took, outcome = _timed(functools.partial(validated.import_quads, quads, graph,
                                                               progress=lambda d, t: steps.append((d, t))))
            validated.flush()
            val_times.append(took)
            if not outcome.accepted or outcome.report is None or outcome.report.results:
                raise SystemExit(f"[{n}] the validated import did not accept the valid graph: {outcome.report}")
            if len(validated) != size:
                raise SystemExit(f"[{n}] validated store holds {len(validated)} quads, bulk load {size}")
            del validated
            gc.collect()
            log(f"[{n}] round {round_ + 1}: bulk_load {bulk_times[-1]:.1f} s, validated import_quads "
                f"{val_times[-1]:.1f} s ({val_times[-1] / bulk_times[-1]:.2f}x)")
        bulk_s, val_s = min(bulk_times), min(val_times)
        rows.append(f"| {n:,} | {len(quads):,} | fresh store | {bulk_s:.1f} s | {val_s:.1f} s | "
                    f"**{val_s / bulk_s:.2f}x** |")

        if args.fresh_only:
            return rows
        half = syn.prefix(n // 2)
        first = quads_of(half)
        first_triples = {q.triple for q in first}
        second_graph = graph + "-second-half"
        second = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(second_graph))
                  for q in quads if q.triple not in first_triples]
        base_bulk = _store(args.on_disk, tmp, "base-bulk")
        base_bulk.bulk_load(first)
        top_bulk_s, _ = _timed(functools.partial(base_bulk.bulk_load, second))
        del base_bulk
        gc.collect()
        base = _store(args.on_disk, tmp, "base")
        base.bulk_load(first)
        top_s, top = _timed(functools.partial(base.import_quads, second, second_graph))
        if not top.accepted:
            raise SystemExit(f"[{n}] the second half was rejected: {top.report}")
        log(f"[{n}] second half on the first: bulk {top_bulk_s:.1f} s, validated {top_s:.1f} s "
            f"({top_s / top_bulk_s:.2f}x)")
        rows.append(f"| {n:,} | {len(second):,} | onto the first half ({len(first):,} quads) | "
                    f"{top_bulk_s:.1f} s | {top_s:.1f} s | **{top_s / top_bulk_s:.2f}x** |")
        del base
        gc.collect()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--rounds", type=int, default=None,
                    help="interleaved runs, best of each kept (default: 2 up to 20k datasets, 1 above)")
    ap.add_argument("--on-disk", action="store_true", help="RocksDB stores instead of in-memory ones")
    ap.add_argument("--fresh-only", action="store_true", help="only the import into a fresh store (step 3 skipped)")
    ap.add_argument("--tmp", type=Path, default=None, help="where on-disk stores go (default: system temp)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "import.md")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    out = [f"# Validated import vs bulk load ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)", "",
           *machine(), f"- {library_version()}; stores {'on disk (RocksDB)' if args.on_disk else 'in memory'}.",
           "", "| datasets | quads written | into | bulk_load (no validation) | import_quads (validated) | "
           "validated ÷ bulk |", "|---:|---:|---|---:|---:|---:|"]
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
