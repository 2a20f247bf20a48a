"""Leave-one-document-out of round 10's decision variants (docs/extraction.md, "Round 10"), on
the hand labels, each fold as ``lineagekg eval`` does it: refit on the other documents, the
threshold chosen by the five-group split of those, claims counted one per pair.

    python benchmarks/decision_variants_round10.py --variant committed         # the LR of model.json
    python benchmarks/decision_variants_round10.py --variant document-weights  # each document weighs alike
    python benchmarks/decision_variants_round10.py --variant kind-features     # a copy of every feature per kind
    python benchmarks/decision_variants_round10.py --variant kind-thresholds   # README and card thresholds
    python benchmarks/decision_variants_round10.py --variant document-frequency  # words of >= 3 documents
    python benchmarks/decision_variants_round10.py --variant neighbours        # MiniLM nearest labelled sentences
    python benchmarks/decision_variants_round10.py --variant fewer-readmes     # half the other READMEs
    python benchmarks/decision_variants_round10.py --variant weaker-words      # word features at half scale
    python benchmarks/decision_variants_round10.py --variant pair-context      # the pair's other mentions
    python benchmarks/decision_variants_round10.py --variant calibrated        # Platt scaling with a README term
    python benchmarks/decision_variants_round10.py --variant readme-only       # READMEs by a README-only LR
    python benchmarks/decision_variants_round10.py --variant readme-weight     # README examples x4
    python benchmarks/decision_variants_round10.py --variant readme-mix        # cards x0.25 for READMEs
    python benchmarks/decision_variants_round10.py --variant readme-only-c     # README-only, C per fold
    python benchmarks/decision_variants_round10.py --variant per-kind          # cards by cards only too

(weaker-words, pair-context and calibrated were added in round 11, the README variants after them
in round 12: docs/extraction.md. Each README variant changes how READMEs are decided; a card's fold
is the committed one.)

Prints predicted / matched / P / R / F1 overall and for GitHub READMEs and Hub cards; with
``--paired``, also the bootstrap interval over documents of each figure minus the committed
model's (both fitted in every fold, the same documents drawn for both). The question
each answers is why READMEs score so much lower than cards (recall 0.17 against 0.80). An
experiment harness: nothing here is used by the backend.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import math
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from lineagekg.evaluation import EvalReport, evaluate, paired_difference
from lineagekg.extract.assessment import labelled_examples
from lineagekg.extract.backend import claims_from
from lineagekg.extract.candidates import Candidate
from lineagekg.extract.decision import (
    _CANDIDATE_THRESHOLDS,
    PRECISION_TARGET,
    DecisionModel,
    _binary,
    inner_splits,
    needed,
    pick_threshold,
)
from lineagekg.extract.training import Example, label_aliases, relation_rows

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
VARIANTS = ("committed", "document-weights", "kind-features", "kind-thresholds", "document-frequency",
            "neighbours", "fewer-readmes", "weaker-words", "pair-context", "calibrated", "readme-only", "readme-weight",
            "readme-mix", "readme-only-c", "per-kind")
_WORDS = ("w=", "p1=", "p2=", "p3=", "pany=", "h=", "l=", "n1=", "n2=")
_README_THRESHOLDS = tuple(round(0.2 + 0.025 * i, 3) for i in range(31))      # 0.20 .. 0.95


def is_readme(document: str) -> bool:
    return document.startswith("docs/")


class TwoThresholds(DecisionModel):
    """One model, one threshold for READMEs and one for cards (the document is known per fold)."""

    readme_threshold: float = 0.5


class Calibrated(DecisionModel):
    """The LR's score rescaled by Platt scaling fitted on out-of-fold scores, with a README term:
    sigmoid(a * z + b + c * README)."""

    scale: tuple[float, float, float] = (1.0, 0.0, 0.0)

    def probability(self, features: dict[str, float]) -> float:
        a, b, c = self.scale
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        u = a * z + b + c * (1.0 if features.get("doc=github_readme") else 0.0)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, u))))


#: the features ``pair-context`` pools over every mention of a pair in its document
_PAIR_CONTEXT = ("cue_governs", "cs:build", "cb:build", "cl:build", "ch:build", "lead=colon&build&starts",
                 "starts_unit", "unit=name_only", "where=subject", "h=source", "mkind=config", "mkind=link",
                 "mkind=yaml", "from_before", "shape=list", "shape=table", "shape=prose", "shape=config",
                 "shape=heading", "cs:eval", "cs:cite", "ch:eval", "ch:evalset", "cs:train")


def pair_context(found: dict[str, Any]) -> Callable[[Candidate, str], dict[str, float]]:
    """``pair:F`` for each feature F of :data:`_PAIR_CONTEXT` that any mention of the candidate's
    (target, source) pair in the document has: what the document says of the pair elsewhere."""
    pooled_by_pair: dict[tuple[str, tuple[str, str]], dict[str, float]] = {}
    for document, cands in found.items():
        for c in cands.candidates:
            if not c.blocked:
                row = pooled_by_pair.setdefault((document, c.pair), {})
                row.update({f"pair:{k}": 1.0 for k in _PAIR_CONTEXT if c.features.get(k)})
    return lambda c, document: pooled_by_pair.get((document, c.pair), {})


def _inner(x: Any, y: list[int], w_fit: list[float], w_test: list[float],
           groups: list[str], c: float = 0.5) -> tuple[list[float], list[int]]:
    """Out-of-fold probabilities of the hand-labelled examples (``w_test`` >= 1) of the five-group split."""
    probs: list[float] = []
    order: list[int] = []
    for train, test in inner_splits(y, w_test, groups):
        clf = _binary(x[train], [y[i] for i in train], [w_fit[i] for i in train], c, "balanced")
        probs += [float(p) for p in clf.predict_proba(x[test])[:, 1]]
        order += test
    return probs, order


def _two_thresholds(probs: list[float], order: list[int], y: list[int], groups: list[str],
                    pairs: list[Hashable], structured: list[bool]) -> tuple[float, float]:
    """(README, card) thresholds of the best F1 at precision >= the target over both kinds' claims."""
    by_pair: dict[Hashable, list[tuple[float, int, bool, bool]]] = {}
    for p, i in zip(probs, order, strict=True):
        by_pair.setdefault(pairs[i], []).append((p, y[i], structured[i], is_readme(groups[i])))
    claims = list(by_pair.values())
    positives = sum(1 for g in claims if any(lab for _, lab, _, _ in g))
    best: tuple[int, float, tuple[float, float]] = (0, -1.0, (0.5, 0.5))
    for tr in _README_THRESHOLDS:
        for tc in _CANDIDATE_THRESHOLDS:
            said = [g for g in claims if any(p >= needed(tr if rd else tc, st) for p, _, st, rd in g)]
            tp = sum(1 for g in said if any(lab for _, lab, _, _ in g))
            if not tp:
                continue
            precision, recall = tp / len(said), tp / positives
            meets = int(precision >= PRECISION_TARGET)
            b2 = 1.0 if meets else 0.25
            score = (1 + b2) * precision * recall / (b2 * precision + recall)
            if (meets, score) > best[:2]:
                best = (meets, score, (tr, tc))
    return best[2]


def _best_c(x: Any, y: list[int], w: list[float], groups: list[str], pairs: list[Hashable],
            structured: list[bool]) -> float:
    """The C of the best F1 at precision 0.85 (claims counted per pair) over the inner split's
    out-of-fold scores, each C at its own chosen threshold."""
    best: tuple[tuple[bool, float], float] = ((False, -1.0), 0.5)
    for c_try in (0.125, 0.25, 0.5, 1.0, 2.0):
        probs, order = _inner(x, y, w, w, groups, c_try)
        t = pick_threshold(list(zip(probs, [y[i] for i in order], strict=True)), [pairs[i] for i in order],
                           [structured[i] for i in order])
        said = {pairs[i] for p, i in zip(probs, order, strict=True) if p >= needed(t, structured[i])}
        right = {pairs[i] for p, i in zip(probs, order, strict=True) if p >= needed(t, structured[i]) and y[i]}
        positive = {pairs[i] for i in order if y[i]}
        precision = len(right) / len(said) if said else 0.0
        recall = len(right) / len(positive) if positive else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if (precision >= PRECISION_TARGET, f1) > best[0]:
            best = ((precision >= PRECISION_TARGET, f1), c_try)
    return best[1]


def fit_fold(variant: str, x: Any, names: list[str], examples: list[Example], relations: list[Any]) -> DecisionModel:
    y = [e.label for e in examples]
    w = [e.weight for e in examples]
    groups = [e.document for e in examples]
    pairs: list[Hashable] = [(e.document, *e.candidate.pair) for e in examples]
    structured = [e.candidate.mention.kind == "yaml" for e in examples]
    w_fit = w
    if variant == "readme-weight":              # README examples weigh four times as much
        w_fit = [wt * (4.0 if is_readme(g) else 1.0) for wt, g in zip(w, groups, strict=True)]
    if variant == "document-weights":           # each example by 1/sqrt(its document's examples), mean 1
        size: dict[str, int] = {}
        for g in groups:
            size[g] = size.get(g, 0) + 1
        scale = [size[g] ** -0.5 for g in groups]
        mean = sum(scale) / len(scale)
        w_fit = [wt * s / mean for wt, s in zip(w, scale, strict=True)]
    w_test = w
    if variant == "readme-mix":                 # cards at a quarter, the threshold chosen on READMEs
        w_fit = [wt * (1.0 if is_readme(g) else 0.25) for wt, g in zip(w, groups, strict=True)]
        w_test = [wt if is_readme(g) else 0.0 for wt, g in zip(w, groups, strict=True)]
    c_best = 0.5
    if variant == "readme-only-c":              # C chosen by the same inner split as the threshold
        c_best = _best_c(x, y, w, groups, pairs, structured)
    probs, order = _inner(x, y, w_fit, w_test, groups, c_best)
    clf = _binary(x, y, w_fit, c_best, "balanced")
    if variant == "calibrated":
        clipped = np.clip(np.array(probs), 1e-6, 1 - 1e-6)
        z = np.log(clipped / (1 - clipped))
        in_readme = np.array([1.0 if is_readme(groups[i]) else 0.0 for i in order])
        platt = LogisticRegression(C=100.0).fit(np.column_stack([z, in_readme]), [y[i] for i in order])
        a, c, b = float(platt.coef_[0][0]), float(platt.coef_[0][1]), float(platt.intercept_[0])
        rescaled = (1 / (1 + np.exp(-(a * z + b + c * in_readme)))).tolist()
        threshold = pick_threshold(list(zip(rescaled, [y[i] for i in order], strict=True)),
                                   [pairs[i] for i in order], [structured[i] for i in order])
        calibrated = Calibrated._with_relations(clf, names, relations, None, threshold)
        assert isinstance(calibrated, Calibrated)
        calibrated.scale = (a, b, c)
        return calibrated
    if variant == "kind-thresholds":
        readme, card = _two_thresholds(probs, order, y, groups, pairs, structured)
        model = TwoThresholds._with_relations(clf, names, relations, None, card)
        assert isinstance(model, TwoThresholds)
        model.readme_threshold = readme
        return model
    threshold = pick_threshold(list(zip(probs, [y[i] for i in order], strict=True)), [pairs[i] for i in order],
                               [structured[i] for i in order])
    return DecisionModel._with_relations(clf, names, relations, None, threshold)


def by_kind(features: dict[str, float]) -> dict[str, float]:
    """Every feature twice: as it is, and as the document kind's copy (README or card)."""
    prefix = "gh:" if features.get("doc=github_readme") else "hf:"
    return {**features, **{prefix + k: v for k, v in features.items()}}


def neighbour_features(examples: list[Example],
                       found: dict[str, Any]) -> Callable[[Candidate, str, str], dict[str, float]]:
    """The cosine of a candidate's sentence (the source's name masked) to its nearest labelled
    positive and negative sentences of other documents than ``document`` and the held-out one."""
    from lineagekg.samples.diversity import embed

    def text(c: Candidate) -> str:
        return c.evidence.replace(c.mention.text, " SOURCE ")[:600]

    texts = sorted({text(c) for cands in found.values() for c in cands.candidates})
    index = {t: i for i, t in enumerate(texts)}
    vectors = embed(texts)
    nearest = {}
    for label in (0, 1):
        keyed = sorted({(index[text(e.candidate)], e.document) for e in examples if e.label == label and e.weight >= 1})
        cols, docs = np.array([k for k, _ in keyed]), [d for _, d in keyed]
        sims = vectors @ vectors[cols].T
        top = np.argsort(-sims, axis=1)[:, :12]
        nearest[label] = [[(float(sims[u, j]), docs[j]) for j in top[u]] for u in range(len(texts))]

    def first(row: list[tuple[float, str]], skip: set[str]) -> float:
        return next((s for s, d in row if d not in skip), 0.0)

    def features(c: Candidate, document: str, held: str) -> dict[str, float]:
        u = index[text(c)]
        pos, neg = first(nearest[1][u], {document, held}), first(nearest[0][u], {document, held})
        return {"near_positive": 8 * (pos - 0.5), "near_negative": 8 * (neg - 0.5), "near_margin": 8 * (pos - neg)}

    return features


def _report(predicted: dict[str, list[Any]], labels: list[Any], aliases: dict[str, str], docs: list[str],
            keep: Callable[[str], bool]) -> EvalReport:
    return evaluate({d: c for d, c in predicted.items() if keep(d)}, [lb for lb in labels if keep(lb.source_file)],
                    aliases, documents=[d for d in docs if keep(d)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", choices=VARIANTS, default="committed")
    ap.add_argument("--corpus", type=Path, default=SHARED / "lineage_corpus")
    ap.add_argument("--holdout", type=Path, default=SHARED / "labels" / "holdout_documents.txt")
    ap.add_argument("--paired", action="store_true",
                    help="also fit the committed model in every fold and print the bootstrap interval of the "
                         "difference (the same documents drawn for both)")
    args = ap.parse_args()
    label_files = [SHARED / "labels" / "dev_edges.csv", ROOT / "tests/data/labels/new_edges.csv"]
    shared = labelled_examples(args.corpus, label_files, args.holdout)
    corpus, registry, labels, examples, found, docs = (shared.corpus, shared.registry, shared.labels,
                                                       shared.examples, shared.found, shared.documents)
    aliases = label_aliases(corpus.aliases(), labels, registry)
    near = neighbour_features(examples, found) if args.variant == "neighbours" else None
    transform = by_kind if args.variant == "kind-features" else (lambda f: f)
    around = pair_context(found) if args.variant == "pair-context" else None
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform([{**transform(e.candidate.features), **(around(e.candidate, e.document) if around else {})}
                           for e in examples]).tocsr()
    names = [str(n) for n in vec.get_feature_names_out()]
    # weaker-words: word columns at half scale, i.e. four times the L2 penalty on their weights
    word_scale = [0.5 if args.variant == "weaker-words" and n.startswith(_WORDS) else 1.0 for n in names]
    x = (x @ sparse.diags(word_scale)).tocsr()
    if near:
        names += ["near_positive", "near_negative", "near_margin"]
    column_docs: list[set[str]] = []
    if args.variant == "document-frequency":
        xc = x.tocsc()
        column_docs = [{examples[r].document for r in xc.indices[xc.indptr[j]:xc.indptr[j + 1]]}
                       for j in range(x.shape[1])]
    predicted, committed = {}, {}
    plain = DictVectorizer(sort=True)
    x_plain = plain.fit_transform([e.candidate.features for e in examples]).tocsr() if args.paired else None
    with threadpool_limits(limits=1):
        for file in docs:
            keep = everything = [i for i, e in enumerate(examples) if e.document != file]
            if args.variant == "fewer-readmes":      # a fixed half of the other READMEs, drawn per fold
                keep = [i for i in keep if not is_readme(examples[i].document)
                        or int(hashlib.md5((examples[i].document + file).encode()).hexdigest(), 16) % 2 == 0]
            if args.variant == "per-kind":            # cards decided by a card-only model too
                keep = [i for i in keep if is_readme(examples[i].document) == is_readme(file)]
            if args.variant in ("readme-only", "readme-only-c") and is_readme(file):
                keep = [i for i in keep if is_readme(examples[i].document)]
            xk = x[keep]
            if column_docs:                          # words seen in fewer than 3 training documents weigh nothing
                mask = [0.0 if names[j].startswith(_WORDS) and len(column_docs[j] - {file}) < 3 else 1.0
                        for j in range(x.shape[1])]
                xk = xk @ sparse.diags(mask)
            if near:
                extra = [list(near(examples[i].candidate, examples[i].document, file).values()) for i in keep]
                xk = sparse.hstack([xk, sparse.csr_matrix(extra)]).tocsr()
            # the README variants change how READMEs are decided; a card's fold is the committed one
            readme_variant = args.variant.startswith("readme-") or args.variant == "per-kind"
            model = fit_fold(args.variant if is_readme(file) or not readme_variant else "committed", xk, names,
                             [examples[i] for i in keep], relation_rows(examples[i] for i in keep))
            for j, scale in enumerate(word_scale):
                if scale != 1.0 and names[j] in model.weights:      # the weights of unscaled features
                    model.weights[names[j]] *= scale
            cands = found[file].candidates
            if near or around or transform is by_kind:
                cands = [dataclasses.replace(c, features={**transform(c.features),
                                                          **(near(c, file, file) if near else {}),
                                                          **(around(c, file) if around else {})}) for c in cands]
            threshold = model.readme_threshold if isinstance(model, TwoThresholds) and is_readme(file) else None
            predicted[file] = claims_from(cands, model, file, threshold=threshold)
            if x_plain is not None:
                base = fit_fold("committed", x_plain[everything], [str(n) for n in plain.get_feature_names_out()],
                                [examples[i] for i in everything], relation_rows(examples[i] for i in everything))
                committed[file] = claims_from(found[file].candidates, base, file)
    for name, keep_doc in (("all", lambda d: True), ("READMEs", is_readme), ("cards", lambda d: not is_readme(d))):
        r = _report(predicted, labels, aliases, docs, keep_doc)
        print(f"{args.variant} {name}: labels {r.labels} predicted {r.predicted} matched {r.matched} "
              f"P {r.precision:.3f} R {r.recall:.3f} F1 {r.f1:.3f}")
        if args.paired:
            diff = paired_difference(_report(committed, labels, aliases, docs, keep_doc), r)
            print("  minus committed, 95% over documents: " +
                  ", ".join(f"{k} {lo:+.3f} to {hi:+.3f}" for k, (lo, hi) in diff.items()))


if __name__ == "__main__":
    main()
