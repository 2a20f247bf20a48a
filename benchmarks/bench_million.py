"""The million-dataset run: generation, import into an on-disk store in chunks, disk and memory
per dataset, the lineage index build and every lineage answer against networkx, in one run.

    python benchmarks/bench_million.py --datasets 1000000 --store /tmp/lineagekg-million
    python benchmarks/bench_million.py --datasets 200000 --validated --compare-bulk --store /tmp/v

The graph is bench_queries.py's synthetic DAG (~2.5 edges and ~49 quads per dataset). It is too
big to hold as one list of pyoxigraph quads (about 5 GB of Python objects at 1M datasets), so it
is turned into quads a chunk of datasets at a time (``--chunk``) with the whole graph's IRIs and
bulk-loaded into a RocksDB store chunk by chunk: the union of the chunks is exactly the quads of
the whole batch (``--check`` verifies it at a small size). Then bench_lineage's measurements run
on the store: the index build against building networkx's graph, and each analysis on the index
against networkx (and on the SPARQL path for the analyses named by ``--sparql``). Every answer
is checked against networkx; the script exits non-zero otherwise. Needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
from bench_lineage import measure  # noqa: E402
from bench_queries import Synthetic, generate, library_version, machine, peak_rss_gib, quads_of  # noqa: E402

from lineagekg import import_chunks  # noqa: E402
from lineagekg.importing import write_in_chunks  # noqa: E402
from lineagekg.provenance import LineageBatch, batch_quads  # noqa: E402
from lineagekg.store import open_store  # noqa: E402


def rss_gib() -> float:
    """Resident memory of this process now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def chunks(syn: Synthetic, size: int) -> Iterator[list[ox.Quad]]:
    """The quads of ``syn``'s batch, ``size`` datasets at a time as the chunked import cuts them
    (``import_chunks.plan``: topological order, a split with its whole, each derivation with its
    target, documents with the derivations citing them), each written with the whole batch's IRIs:
    what ``write_in_chunks`` validates and writes, chunk by chunk."""
    batch, whole = syn.batch, syn.batch.iri_map()
    documents = {doc.iri: doc for doc in syn.documents}
    for chunk in import_chunks.plan(batch.datasets, batch.derivations, size):
        cited = dict.fromkeys(documents[i] for d in chunk.derivations for i in d.documents if i in documents)
        yield batch_quads(LineageBatch(graph=batch.graph, datasets=chunk.datasets, derivations=chunk.derivations,
                                       run=batch.run), extra_documents=cited, iri_of=whole)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--chunk", type=int, default=50_000, help="datasets turned into quads and loaded at a time")
    ap.add_argument("--store", type=Path, default=None, help="store directory (emptied first; default a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the store directory afterwards")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--budget", type=float, default=5.0, help="seconds of timed runs per measurement")
    ap.add_argument("--sparql", nargs="*", default=[],
                    help="analyses also answered on the SPARQL path (one run each)")
    ap.add_argument("--check", action="store_true", help="only check that the chunks make the whole batch's quads")
    ap.add_argument("--validated", action="store_true",
                    help="a validated chunked import (write_in_chunks, --chunk datasets a chunk) instead of the bulk "
                         "load; no lineage answers")
    ap.add_argument("--compare-bulk", action="store_true",
                    help="with --validated: then bulk-load the same chunks into a second store (<store>-bulk), "
                         "for the ratio in the same run")
    ap.add_argument("--reuse", action="store_true",
                    help="measure on the store an earlier run of the same --datasets and --seed left in --store "
                         "(with --keep) instead of loading it again")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "million.md")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(f"{dt.datetime.now(dt.UTC):%H:%M:%S} {msg}", file=sys.stderr, flush=True)

    n = args.datasets
    start = time.perf_counter()
    syn = generate(n, args.seed)
    gen_s = time.perf_counter() - start
    log(f"generated {n:,} datasets, {len(syn.batch.derivations):,} derivations in {gen_s:.0f} s, "
        f"RSS {rss_gib():.2f} GiB")
    if args.check:
        whole = set(quads_of(syn))
        parts = set().union(*(set(c) for c in chunks(syn, args.chunk)))
        log(f"whole batch {len(whole):,} quads, chunks {len(parts):,}, equal: {whole == parts}")
        return 0 if whole == parts else 1

    directory = args.store or Path(tempfile.mkdtemp(prefix="lineagekg-million-"))
    if args.reuse and not (args.store and directory.is_dir()):
        ap.error("--reuse needs --store naming the directory an earlier run kept")
    if directory.exists() and not args.reuse:
        shutil.rmtree(directory)
    if args.validated:
        return validated_run(syn, args, directory, gen_s, log)
    store = open_store(directory)
    if args.reuse:
        base_quads, base_disk = len(open_store(memory=True)), 0     # the ontology every store opens with
    else:
        base_quads, base_disk = len(store), disk_bytes(directory)
    quads = 0
    load_s = float("nan") if args.reuse else 0.0
    make_s = float("nan") if args.reuse else 0.0
    for i, chunk in enumerate(() if args.reuse else _timed_chunks(syn, args.chunk)):
        part, made = chunk
        make_s += made
        t = time.perf_counter()
        store.bulk_load(part)
        load_s += time.perf_counter() - t
        quads += len(part)
        log(f"chunk {i + 1}: {quads:,} quads loaded ({load_s:.0f} s loading, {make_s:.0f} s making quads), "
            f"RSS {rss_gib():.2f} GiB")
        del part
    store.flush()
    stored = len(store) - base_quads
    disk = disk_bytes(directory) - base_disk
    log(f"loaded {stored:,} quads in {load_s:.0f} s; {disk / 2**30:.2f} GiB on disk")

    rss_before = rss_gib()
    rows = measure(n, syn, store, args, log, sparql_for=tuple(args.sparql))
    rss_after = rss_gib()
    load_avg = os.getloadavg()
    out = [f"# The million-dataset run ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)", "",
           *machine(), f"- {library_version()}; on-disk store (RocksDB) at {directory}.",
           f"- Load average at the end: {load_avg[0]:.1f} / {load_avg[1]:.1f} / {load_avg[2]:.1f} (1/5/15 min).", "",
           "| step | figure |", "|---|---:|",
           f"| datasets / derivations | {n:,} / {len(syn.batch.derivations):,} |",
           f"| generation (model objects) | {gen_s:,.0f} s |",
           f"| quads made (`batch_quads`, in chunks of {args.chunk:,} datasets) | {_seconds(make_s)} |",
           (f"| bulk load (`OxigraphStore.bulk_load`, on disk) | {_seconds(load_s)}, {stored:,} quads "
            f"({stored / n:.1f} per dataset) |"),
           f"| disk | {disk / 2**30:.2f} GiB ({disk / n / 1024:.1f} KiB per dataset) |",
           f"| resident memory before the index (generator's objects included) | {rss_before:.2f} GiB |",
           f"| resident memory after the answers (index, catalogue, networkx graph added) | {rss_after:.2f} GiB |",
           f"| peak resident memory | {peak_rss_gib():.2f} GiB |", "",
           ("| datasets | analysis | answer | API on the index | API on SPARQL | networkx | index ÷ networkx "
            "(target) | SPARQL ÷ networkx |"), "|---:|---|---:|---:|---:|---:|---:|---:|", *rows]
    text = "\n".join(out) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    store.close()
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


def validated_run(syn: Synthetic, args: argparse.Namespace, directory: Path, gen_s: float,
                  log: Callable[[str], None]) -> int:
    """The validated chunked import of the whole batch into an on-disk store (every chunk checked
    against the store, acyclicity of the batch checked first), its time, memory and disk; with
    ``--compare-bulk``, then the bulk load of the same chunks (making the quads counted on both
    sides: the import makes them too) and the ratio."""
    n = args.datasets
    store = open_store(directory)
    base_quads, base_disk = len(store), disk_bytes(directory)

    def say(message: str) -> None:
        if message.endswith("quads written") or message.startswith("checking"):
            log(f"{message}; RSS {rss_gib():.2f} GiB")

    start = time.perf_counter()
    outcome, results = write_in_chunks(store, syn.batch, syn.documents, args.chunk, say)
    validated_s = time.perf_counter() - start
    if not outcome.accepted or (outcome.report is not None and outcome.report.results):
        raise SystemExit(f"the validated import did not accept the valid graph: {outcome.what} {outcome.report}")
    store.flush()
    stored = len(store) - base_quads
    disk = disk_bytes(directory) - base_disk
    peak = peak_rss_gib()
    store.close()
    log(f"validated import: {stored:,} quads in {validated_s:.0f} s, {len(results)} chunks, peak RSS {peak:.2f} GiB, "
        f"{disk / 2**30:.2f} GiB on disk")
    rows = [f"| datasets / derivations | {n:,} / {len(syn.batch.derivations):,} |",
            f"| generation (model objects) | {gen_s:,.0f} s |",
            (f"| validated chunked import (`write_in_chunks`, {len(results)} chunks of ~{args.chunk:,} datasets: "
             f"making quads, validating against the store, writing) | {validated_s:,.0f} s, {stored:,} quads |"),
            f"| disk after it | {disk / 2**30:.2f} GiB ({disk / n / 1024:.1f} KiB per dataset) |",
            f"| peak resident memory (generator's objects included) | {peak:.2f} GiB |"]
    if args.compare_bulk:
        bulk_dir = directory.with_name(directory.name + "-bulk")
        shutil.rmtree(bulk_dir, ignore_errors=True)
        bulk = open_store(bulk_dir)
        start = time.perf_counter()
        for part in chunks(syn, args.chunk):
            bulk.bulk_load(part)
        bulk.flush()
        bulk_s = time.perf_counter() - start
        if len(bulk) - base_quads != stored:
            raise SystemExit(f"bulk load holds {len(bulk) - base_quads} quads, the validated import {stored}")
        bulk.close()
        log(f"bulk load of the same chunks: {bulk_s:.0f} s")
        rows += [f"| bulk load of the same chunks (making quads + `bulk_load`, on disk) | {bulk_s:,.0f} s |",
                 f"| validated ÷ bulk | **{validated_s / bulk_s:.2f}×** |"]
        if not args.keep:
            shutil.rmtree(bulk_dir, ignore_errors=True)
    load_avg = os.getloadavg()
    out = [f"# Validated chunked import ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)", "",
           *machine(), f"- {library_version()}; on-disk store (RocksDB) at {directory}.",
           f"- Load average at the end: {load_avg[0]:.1f} / {load_avg[1]:.1f} / {load_avg[2]:.1f} (1/5/15 min).", "",
           "| step | figure |", "|---|---:|", *rows]
    text = "\n".join(out) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


def _seconds(value: float) -> str:
    """A step's seconds, or that an earlier run did it (``--reuse``)."""
    return "by an earlier run (`--reuse`)" if value != value else f"{value:,.0f} s"


def _timed_chunks(syn: Synthetic, size: int) -> Iterator[tuple[list[ox.Quad], float]]:
    """``chunks``, each with the seconds it took to make."""
    made: Callable[[], Any] = iter(chunks(syn, size)).__next__
    while True:
        t = time.perf_counter()
        try:
            part = made()
        except StopIteration:
            return
        yield part, time.perf_counter() - t


if __name__ == "__main__":
    raise SystemExit(main())
