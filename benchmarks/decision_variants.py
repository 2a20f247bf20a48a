"""Leave-one-document-out of the decision variants of docs/extraction.md ("round 4"), on the
hand labels, each fold exactly as ``lineagekg eval`` does it: refit on the other documents,
threshold (and, for ``settings``, C and class weights) chosen by the five-group split of those.

    python benchmarks/decision_variants.py --variant committed     # the LR of model.json
    python benchmarks/decision_variants.py --variant trees         # gradient-boosted trees
    python benchmarks/decision_variants.py --variant settings      # C, class weights per fold
    python benchmarks/decision_variants.py --variant context       # list and document features
    python benchmarks/decision_variants.py --variant embedding     # + all-MiniLM-L6-v2 (diversity extra)

Prints predicted / matched / P / R / F1 and recall by statement shape. An experiment harness:
nothing here is used by the backend.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from threadpoolctl import threadpool_limits

from lineagekg.evaluation import evaluate
from lineagekg.extract.assessment import label_shape, labelled_examples
from lineagekg.extract.backend import claims_from
from lineagekg.extract.candidates import _bucket, _lists
from lineagekg.extract.decision import DecisionModel, _binary, inner_splits, pick_threshold
from lineagekg.extract.training import Example, label_aliases, relation_rows
from lineagekg.text.markdown import parse

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETTINGS = [(0.25, "balanced"), (0.5, "balanced"), (1.0, "balanced"), (2.0, "balanced"), (0.5, None)]


def _inner_scores(fit: Callable[[Any, list[int], list[float]], Callable[[Any], Any]], x: Any, y: list[int],
                  w: list[float], groups: list[str]) -> list[tuple[float, int]]:
    scored: list[tuple[float, int]] = []
    for train, test in inner_splits(y, w, groups):
        proba = fit(x[train], [y[i] for i in train], [w[i] for i in train])
        scored += [(float(p), y[i]) for p, i in zip(proba(x[test]), test, strict=True)]
    return scored


def _trees(x: Any, y: list[int], w: list[float]) -> Callable[[Any], Any]:
    from sklearn.ensemble import GradientBoostingClassifier

    cols = np.flatnonzero(np.asarray((x > 0).sum(axis=0)).ravel() >= 5)
    ya, wa = np.asarray(y), np.asarray(w, dtype=float)
    for c in (0, 1):                      # balanced classes, as the LR's class_weight
        wa[ya == c] *= len(ya) / (2.0 * max(1, int((ya == c).sum())))
    clf = GradientBoostingClassifier(n_estimators=60, max_depth=3, learning_rate=0.2, random_state=0)
    clf.fit(x[:, cols], ya, sample_weight=wa)
    return lambda m: clf.predict_proba(m[:, cols])[:, 1]


def _logistic(c: float, class_weight: str | None) -> Callable[[Any, list[int], list[float]], Callable[[Any], Any]]:
    def fit(x: Any, y: list[int], w: list[float]) -> Callable[[Any], Any]:
        clf = _binary(x, y, w, c, class_weight)
        return lambda m: clf.predict_proba(m)[:, 1]
    return fit


class _Scored(DecisionModel):
    """The LR's relation model with another scorer's probability."""

    def __init__(self, base: DecisionModel, names: list[str], proba: Callable[[Any], Any], threshold: float):
        super().__init__(base.weights, base.intercept, base.relation_classes, base.relation_weights,
                         base.relation_intercepts, threshold=threshold)
        self._index, self._proba = {n: j for j, n in enumerate(names)}, proba

    def probability(self, features: dict[str, float]) -> float:
        from scipy.sparse import csr_matrix

        known = [(self._index[k], v) for k, v in features.items() if k in self._index]
        row = csr_matrix(([v for _, v in known], ([0] * len(known), [j for j, _ in known])),
                         shape=(1, len(self._index)))
        return float(self._proba(row)[0])


def fit_fold(variant: str, x: Any, names: list[str], rows: list[Any], groups: list[str],
             relations: list[Any]) -> DecisionModel:
    y, w = [r[1] for r in rows], [r[3] for r in rows]
    if variant == "trees":
        base = DecisionModel.fit_matrix(x, names, rows, relation_rows=relations)
        return _Scored(base, names, _trees(x, y, w), pick_threshold(_inner_scores(_trees, x, y, w, groups)))
    if variant == "settings":
        best = None
        for j, (c, cw) in enumerate(SETTINGS):
            scored = _inner_scores(_logistic(c, cw), x, y, w, groups)
            t = pick_threshold(scored)
            tp = sum(1 for p, lab in scored if p >= t and lab)
            said, pos = sum(1 for p, _ in scored if p >= t), sum(lab for _, lab in scored)
            prec, rec = (tp / said if said else 0.0), (tp / pos if pos else 0.0)
            b2 = 1.0 if prec >= 0.85 else 0.25          # as pick_threshold: F1 at the target, else F0.5
            key = (prec >= 0.85, (1 + b2) * prec * rec / (b2 * prec + rec) if prec + rec else 0.0, -j)
            if best is None or key > best[0]:
                best = (key, c, cw, t)
        assert best is not None
        model = DecisionModel.fit_matrix(x, names, rows, c=best[1], class_weight=best[2], relation_rows=relations)
        model.threshold = best[3]
        return model
    return DecisionModel.fit_matrix(x, names, rows, groups=groups, relation_rows=relations)


def add_context(examples: list[Example], texts: dict[str, str]) -> None:
    """List and document features: items (rows) of the same list (table) holding a candidate, the
    document's number of pairs, whether the card states ``source_datasets``."""
    by_doc: dict[str, list[Example]] = {}
    for e in examples:
        by_doc.setdefault(e.document, []).append(e)
    for file, group in by_doc.items():
        blocks = parse(texts[file]).blocks
        lists, first, start = _lists(blocks), {}, -1
        for prev, b in zip([None, *blocks], blocks, strict=False):
            if b.kind == "item":
                if prev is None or prev.kind != "item" or (b.lead, b.headings) != (prev.lead, prev.headings):
                    start = b.index
                first[b.index] = start
        held: dict[object, set[int]] = {}
        for e in group:
            b = e.candidate.block
            key = first.get(b.index) if b.kind == "item" else (b.lead, b.headings, b.columns)
            held.setdefault(key, set()).add(b.index)
        pairs, yaml = len({e.candidate.pair for e in group}), any(e.candidate.mention.kind == "yaml" for e in group)
        for e in group:
            f, b = e.candidate.features, e.candidate.block
            f[f"doc_pairs={_bucket(pairs, (2, 5, 10, 20, 40))}"] = 1.0
            if yaml:
                f["doc=has_yaml_sources"] = 1.0
            if b.kind in ("item", "row"):
                k = len(held[first.get(b.index) if b.kind == "item" else (b.lead, b.headings, b.columns)])
                f[f"sib_with_mention={_bucket(k, (1, 2, 4, 8))}"] = 1.0
                n = lists.get(b.index, (0, 0))[0]
                if b.kind == "item" and n >= 2:
                    f["sib=mostly_mentions" if 2 * k >= n else "sib=few_mentions"] = 1.0


def add_embedding(examples: list[Example], dims: int = 48) -> None:
    """The evidence sentence's and its lead-in's (else headings') embedding, each projected to
    ``dims`` by a fixed Gaussian matrix (seed 0)."""
    from lineagekg.samples.diversity import embed

    def context(e: Example) -> str:
        return e.candidate.block.lead or " / ".join(e.candidate.block.headings[-2:])

    texts = sorted({e.candidate.evidence for e in examples} | {context(e) for e in examples})
    vectors = dict(zip(texts, embed(texts) @ (np.random.default_rng(0).standard_normal((384, dims)) / np.sqrt(dims)),
                       strict=True))
    for e in examples:
        for prefix, text in (("es", e.candidate.evidence), ("ec", context(e))):
            e.candidate.features.update({f"{prefix}{i}": float(v) for i, v in enumerate(vectors[text])})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", choices=["committed", "trees", "settings", "context", "embedding"],
                    default="committed")
    ap.add_argument("--corpus", type=Path, default=SHARED / "lineage_corpus")
    ap.add_argument("--labels", type=Path, action="append",
                    default=None, help="labels files (default: dev_edges.csv and tests/data/labels/new_edges.csv)")
    ap.add_argument("--holdout", type=Path, default=SHARED / "labels" / "holdout_documents.txt")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N documents (a quick check)")
    args = ap.parse_args()
    label_files = args.labels or [SHARED / "labels" / "dev_edges.csv", ROOT / "tests/data/labels/new_edges.csv"]
    shared = labelled_examples(args.corpus, label_files, args.holdout)
    corpus, registry, labels, examples, found, docs = (shared.corpus, shared.registry, shared.labels,
                                                       shared.examples, shared.found, shared.documents)
    texts = {d: corpus.document(d).text for d in docs}
    if args.variant == "context":
        add_context(examples, texts)
    elif args.variant == "embedding":
        add_embedding(examples)
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform([e.candidate.features for e in examples]).tocsr()
    names = [str(n) for n in vec.get_feature_names_out()]
    rows = [(e.candidate.features, e.label, e.relation, e.weight) for e in examples]
    scored_docs = docs[:args.limit] if args.limit else docs
    predicted = {}
    with threadpool_limits(limits=1):
        for file in scored_docs:
            keep = [i for i, e in enumerate(examples) if e.document != file]
            model = fit_fold(args.variant, x[keep], names, [rows[i] for i in keep],
                             [examples[i].document for i in keep], relation_rows(examples[i] for i in keep))
            predicted[file] = claims_from(found[file].candidates, model, file)
    kept = [lb for lb in labels if lb.source_file in set(scored_docs)]
    report = evaluate(predicted, kept, label_aliases(corpus.aliases(), labels, registry),
                      documents=scored_docs)
    missed = {id(lb) for lb in report.misses}
    shapes: dict[str, list[int]] = {}
    for lb in kept:
        n_ok = shapes.setdefault(lb.shape or label_shape(texts[lb.source_file], lb), [0, 0])
        n_ok[0] += 1
        n_ok[1] += id(lb) not in missed
    print(f"{args.variant}: labels {report.labels} predicted {report.predicted} matched {report.matched} "
          f"P {report.precision:.3f} R {report.recall:.3f} F1 {report.f1:.3f} | "
          + " ".join(f"{s} {ok}/{n}" for s, (n, ok) in sorted(shapes.items())))


if __name__ == "__main__":
    main()
