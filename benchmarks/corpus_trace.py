"""The corpus-wide trace with two backends, and a random sample of the edges only the second finds.

    python benchmarks/corpus_trace.py                 # heuristic vs offline, depth 3, ../shared corpus

Every dataset of the corpus index is a seed (depth 3, the paper's rules: cut-off 2020-01-01, Hub
datasets only), traced into an in-memory store once per backend. Prints edges written and
``NoSourceFound`` counts for each, and writes ``--sample`` edges drawn at random (fixed seed)
from those the second backend writes and the first does not, with their evidence, to
``--out`` (Markdown) for reading by hand. Edges whose evidence is a hold-out document
(``--holdout``) are traced and counted but never drawn: reading them is reading the hold-out.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from lineagekg.agents.tracer import Tracer
from lineagekg.corpus import Corpus
from lineagekg.extract.training import holdout_documents
from lineagekg.llm import make_backend
from lineagekg.queries import library
from lineagekg.store import open_store

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parents[1] / "shared" / "lineage_corpus"
DEFAULT_HOLDOUT = HERE.parents[1] / "shared" / "labels" / "holdout_documents.txt"


def trace(corpus: Corpus, backend_name: str, depth: int) -> tuple[dict, list[dict]]:
    store = open_store(memory=True)
    backend = make_backend(backend_name, corpus=corpus)
    t0 = time.perf_counter()
    summary = Tracer(store, corpus, backend, depth=depth).run(corpus.dataset_ids())
    seconds = time.perf_counter() - t0
    rows = [{k: (str(v) if v is not None else "") for k, v in r.items()}
            for r in store.select(library().get("internal/traced-edges"))]
    figures = {"backend": backend_name, "seconds": round(seconds, 1), "datasets_traced": summary.datasets_traced,
               "edges_written": summary.edges_written, "terminal": dict(summary.terminal),
               "claims_dropped": summary.claims_dropped, "batches_rejected": summary.batches_rejected}
    return figures, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--baseline", default="heuristic")
    ap.add_argument("--backend", default="offline")
    ap.add_argument("--sample", type=int, default=50)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "corpus-trace-sample.md")
    ap.add_argument("--holdout", type=Path, default=DEFAULT_HOLDOUT,
                    help="hold-out documents (labels/holdout_documents.txt): their edges are not drawn")
    args = ap.parse_args()
    corpus = Corpus.from_directory(args.corpus)
    base, base_rows = trace(corpus, args.baseline, args.depth)
    new, new_rows = trace(corpus, args.backend, args.depth)
    for fig in (base, new):
        print(fig)
    old_pairs = {(r["target"].lower(), r["source"].lower()) for r in base_rows}
    fresh = [r for r in new_rows if (r["target"].lower(), r["source"].lower()) not in old_pairs]
    if any(not r["document"] for r in fresh):
        raise SystemExit("an edge has no evidence document: hold-out documents could not be told apart")
    held_out = holdout_documents(args.holdout)
    for r in fresh:
        entry = corpus.entry_for_url(r["document"])
        r["file"] = entry.file if entry else r["document"]
    drawable = [r for r in fresh if r["file"] not in held_out]
    sample = random.Random(args.seed).sample(drawable, min(args.sample, len(drawable)))
    lines = [f"# Sample of {len(sample)} of the {len(fresh)} edges the {args.backend} backend writes and the "
             f"{args.baseline} backend does not (corpus-wide trace, depth {args.depth}, random seed {args.seed}; "
             f"{len(fresh) - len(drawable)} edges from hold-out documents not drawn)", "",
             f"- {args.baseline}: {base}", f"- {args.backend}: {new}", "",
             "| # | target | source | relation | conf. | evidence | document |", "|---:|---|---|---|---:|---|---|"]
    for i, r in enumerate(sample, 1):
        ev = r["evidence"].replace("|", "\\|")
        lines.append(f"| {i} | {r['target']} | {r['source']} | {r['relation']} | {r['confidence']} | {ev} | "
                     f"{r['file']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(fresh)} new edges; sample of {len(sample)} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
