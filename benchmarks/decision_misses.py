"""What the decision model saw for each pair it got wrong, by leave-one-document-out exactly as
``lineagekg eval`` runs it: every labelled pair it rejected (a decision miss) and every unlabelled
pair it accepted or nearly accepted, each with its fold's probability and threshold, the evidence,
the list lead-in and headings, and the features that pushed the score up and down most.

    python benchmarks/decision_misses.py                      # every shape
    python benchmarks/decision_misses.py --shape list --shape table
    python benchmarks/decision_misses.py --near 0.1           # false positives within 0.1 under the threshold too

An analysis harness (issue 14's work list, step 2): nothing here is used by the backend. Pairs are
one line per (document, target, source): the pair's most probable mention.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lineagekg.extract.assessment import Scored, leave_one_document_out

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _pairs(scored: list[Scored]) -> list[Scored]:
    best: dict[tuple[str, tuple[str, str]], Scored] = {}
    for s in scored:
        key = (s.document, s.candidate.pair)
        if key not in best or s.probability > best[key].probability:
            best[key] = s
    return [best[k] for k in sorted(best)]


def _show(s: Scored, top: int) -> str:
    c = s.candidate
    up = " ".join(f"{k}:{w:+.2f}" for w, k in s.weights[:top] if w > 0)
    down = " ".join(f"{k}:{w:+.2f}" for w, k in reversed(s.weights[-top:]) if w < 0)
    return "\n".join([
        f"## {s.document}: {c.target} <- {c.source}  p={s.probability:.3f} threshold={s.threshold} "
        f"label={s.label} kind={c.mention.kind} shape={c.block.shape} target={c.target_where}",
        f"   evidence: {c.evidence[:240]}",
        f"   lead-in: {c.block.lead[:160]} | headings: {' > '.join(c.block.headings[-2:])[:160]}",
        f"   up:   {up}",
        f"   down: {down}"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "lineage_corpus")
    ap.add_argument("--labels", type=Path, action="append",
                    default=None, help="labels files (default: the dev labels and tests/data/labels/new_edges.csv)")
    ap.add_argument("--holdout", type=Path, default=SHARED / "labels" / "holdout_documents.txt")
    ap.add_argument("--shape", action="append", help="only these statement shapes (prose, list, table, ...)")
    ap.add_argument("--near", type=float, default=0.0, help="also unlabelled pairs this far under the threshold")
    ap.add_argument("--top", type=int, default=8, help="features shown each way")
    args = ap.parse_args()
    labels = args.labels or [SHARED / "labels" / "dev_edges.csv", ROOT / "tests" / "data" / "labels" / "new_edges.csv"]
    assessment = leave_one_document_out(args.corpus, labels, args.holdout, explain=True)
    pairs = [s for s in _pairs([s for s in assessment.scored if not s.candidate.blocked])
             if not args.shape or s.candidate.block.shape in args.shape]
    misses = [s for s in pairs if s.label and s.probability < s.threshold]
    false = [s for s in pairs if not s.label and s.probability >= s.threshold - args.near]
    print(f"# Decision misses ({len(misses)}): labelled pairs under their fold's threshold\n")
    print("\n".join(_show(s, args.top) for s in misses))
    print(f"\n# Unlabelled pairs at or near the threshold ({len(false)})\n")
    print("\n".join(_show(s, args.top) for s in false))
    r = assessment.report
    print(f"\nleave-one-document-out: {r.labels} labels, {r.predicted} predicted, {r.matched} matched, "
          f"P {r.precision:.3f} R {r.recall:.3f} F1 {r.f1:.3f}")


if __name__ == "__main__":
    main()
