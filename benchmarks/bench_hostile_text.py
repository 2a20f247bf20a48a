"""What hostile text costs the offline extractor, per megabyte, as a ratio to the real corpus.

    python benchmarks/bench_hostile_text.py                 # 200 KB of each shape
    python benchmarks/bench_hostile_text.py --size 2000000

The reference is the offline backend's ``answer`` on every readable corpus document in this same
script (seconds per MB). Each hostile shape is one document of ``--size`` characters built to
defeat a regular expression or a per-name loop: a two-megabyte word, runs of capitalised words,
names and cues, brackets, quotes, a hundred names in one long sentence, thousands of names in one
sentence (reported, not read). A shape whose ratio grows with ``--size`` is a quadratic path.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lineagekg.corpus import Corpus
from lineagekg.documents import SourceDocument
from lineagekg.extract.backend import OfflineBackend, forget_texts

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parents[1] / "shared" / "lineage_corpus"


def shapes(n: int) -> dict[str, str]:
    """Each hostile shape, about ``n`` characters long."""
    filler = " and more words here" * 250
    return {
        "one word": "A" * n,
        "digits": "1" * n,
        "capitalised words": "Open American " * (n // 14),
        "hyphenated capitals": "A-" * (n // 2),
        "CamelCase": "Aa" * (n // 2),
        "'The' runs": "The " * (n // 4),
        "cues": "data from " * (n // 10),
        "open brackets": "Alpaca (" * (n // 8),
        "names, brackets, cues": "Set1X (Corpus2Y) from, and the " * (n // 32),
        "Hub URLs": "huggingface.co/datasets/" * (n // 24),
        "quotes": '"' * n,
        "99 names, one long sentence": ("We collected data from " +
                                        ", ".join(f"Set{i}X{filler}" for i in range(99)))[:n],
        "thousands of names, one sentence": "We collected data from " + ", ".join(
            f"Set{i}X from Corpus{i}Y" for i in range(n // 25)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--size", type=int, default=200_000)
    args = ap.parse_args()
    corpus = Corpus.from_directory(args.corpus)
    backend = OfflineBackend(corpus)
    aliases = corpus.aliases()
    docs = []
    for entry in corpus.entries():
        try:
            docs.append(corpus.read(entry))
        except Exception:       # metadata files are not documents
            continue
    forget_texts()
    t0 = time.perf_counter()
    for doc in docs:
        backend.answer(doc, doc.text, aliases)
    corpus_mb = sum(len(d.text) for d in docs) / 1e6
    reference = (time.perf_counter() - t0) / corpus_mb
    print(f"reference: the corpus, {len(docs)} documents, {corpus_mb:.1f} MB: {reference:.2f} s/MB\n")
    print("| shape | characters | seconds | s/MB | ratio | claims | problems |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, body in shapes(args.size).items():
        doc = SourceDocument(url="urn:bench:hostile", kind="github_readme", about=("acme/mix",),
                             text=f"# Acme\n\n{body}\n")
        forget_texts()
        t0 = time.perf_counter()
        answer = backend.answer(doc, doc.text, aliases)
        seconds = time.perf_counter() - t0
        per_mb = seconds / (len(body) / 1e6)
        print(f"| {name} | {len(body):,} | {seconds:.2f} | {per_mb:.2f} | {per_mb / reference:.1f}x | "
              f"{len(answer.claims)} | {len(answer.problems)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
