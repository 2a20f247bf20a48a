"""Tracing throughput over a whole corpus: documents per second, and what a re-run costs.

    python benchmarks/bench_tracing.py                                 # ../shared/lineage_corpus
    python benchmarks/bench_tracing.py --corpus DIR --depth 3

Three measurements, each a ratio to a reference run in this same script:

1. *Backend alone*: the offline extractor's and the heuristic backend's ``answer`` on every
   readable document of the corpus (documents per second); the reference is the extracting
   agent's ``clean`` of the same texts.
2. *Whole trace*: ``Tracer.run`` with every dataset of the corpus index as a seed, into an
   in-memory store (reading, tracing, evidence check, aggregation, SHACL validation, writing);
   then the same trace again, which finds every dataset already traced and writes nothing. The
   figures: datasets, edges, terminal reasons, dropped claims, documents per second, and the
   re-run's time as a fraction of the first run's.
3. *Model-call cache*: a model-backed backend (the ``anthropic`` backend, through the real SDK,
   against a Messages API served on loopback by this script: each answer is the tool call
   the heuristic backend's claims would make) traces the whole corpus twice with one cache
   directory. The first run makes one model call per document chunk; the second makes none.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from lineagekg.agents.tracer import Tracer
from lineagekg.corpus import Corpus
from lineagekg.extract.backend import OfflineBackend, forget_texts
from lineagekg.llm.heuristic import HeuristicBackend
from lineagekg.store import open_store
from lineagekg.text.sections import clean

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parents[1] / "shared" / "lineage_corpus"


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def backend_alone(corpus: Corpus, repeat: int) -> list[str]:
    errors: list[object] = []
    documents = corpus.all_documents(on_error=errors.append)
    aliases = corpus.aliases()
    ref = statistics.median(timed(lambda: [clean(d.text) for d in documents])[0] for _ in range(repeat))
    chars = sum(len(d.text) for d in documents)
    lines = [
        "| step | documents | characters | median time (s) | documents/s | ratio |",
        "|---|---:|---:|---:|---:|---:|",
        f"| reference: `extracting.clean` | {len(documents)} | {chars:,} | {ref:.2f} "
        f"| {len(documents) / ref:,.0f} | 1.0x |",
    ]
    for name, backend in (("offline", OfflineBackend(corpus)), ("heuristic", HeuristicBackend())):
        backend.answer(documents[0], documents[0].text, aliases)      # the name registry is built once, not timed
        def run(b=backend):
            forget_texts()
            return [b.answer(d, d.text, aliases) for d in documents]
        runs = [timed(run) for _ in range(repeat)]
        best = statistics.median(t for t, _ in runs)
        claims = sum(len(a.claims) for a in runs[0][1])
        lines.append(f"| {name} `answer` ({claims} claims) | {len(documents)} | {chars:,} | {best:.2f} | "
                     f"{len(documents) / best:,.0f} | {best / ref:.1f}x |")
    lines.append(f"\n{len(errors)} document(s) could not be read and were left out. Each document is parsed "
                 "afresh (every cache keyed by text is cleared between runs).")
    return lines


def whole_trace(corpus: Corpus, depth: int) -> list[str]:
    store = open_store(memory=True)
    seeds = corpus.dataset_ids()
    first_s, first = timed(lambda: Tracer(store, corpus, HeuristicBackend(), depth=depth).run(seeds))
    again_s, again = timed(lambda: Tracer(store, corpus, HeuristicBackend(), depth=depth).run(seeds))
    docs = sum(len(corpus.entries_for(s)) for s in seeds)
    terminal = ", ".join(f"{k} {v}" for k, v in sorted(Counter(first.terminal).items()))
    return [
        "| run | seeds | datasets traced | edges written | quads written | claims dropped | "
        "documents failed | batches rejected | time (s) | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| first | {len(seeds)} | {first.datasets_traced} | {first.edges_written} | {first.quads_written:,} | "
        f"{first.claims_dropped} | {first.documents_failed} | {first.batches_rejected} | {first_s:.1f} | 1.0x |",
        f"| again (resumed, nothing to do) | {len(seeds)} | {again.datasets_traced} | {again.edges_written} | "
        f"{again.quads_written:,} | {again.claims_dropped} | {again.documents_failed} | {again.batches_rejected} | "
        f"{again_s:.1f} | {again_s / first_s:.2f}x |",
        f"\nTerminal reasons (first run): {terminal}. About {docs} document reads for the seeds; "
        f"{docs / first_s:,.1f} seed documents/s end to end.",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "tracing.md")
    args = ap.parse_args()
    corpus = Corpus.from_directory(args.corpus)
    lines = [f"Tracing benchmark on {corpus!r}; {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}.", "", "### Backend alone", ""]
    lines += backend_alone(corpus, args.repeat)
    lines += ["", f"### Whole trace (every indexed dataset a seed, depth {args.depth})", ""]
    lines += whole_trace(corpus, args.depth)
    try:
        from model_call_bench import cached_rerun
    except ImportError:
        cached_rerun = None
    if cached_rerun is not None:
        lines += ["", "### Model-call cache (anthropic backend on a loopback Messages API)", ""]
        with tempfile.TemporaryDirectory(prefix="lineagekg-bench-cache-") as cache:
            lines += cached_rerun(corpus, Path(cache))
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
