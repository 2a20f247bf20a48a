"""The decision model: a logistic regression over candidate features says whether a mention is
a source of the target (and a second one picks the relation), stored as plain JSON weights so
that scoring needs no scikit-learn, no pickle and gives the same answer everywhere.

``DecisionModel.fit`` (scikit-learn, deterministic: lbfgs, fixed order) is what
``lineagekg train`` runs; ``DecisionModel.load`` reads the committed model file.

The threshold a probability must reach is chosen on the training data only: the examples'
documents are split into five groups, each group's hand-labelled examples are scored by a model
fitted on the other four, and the threshold is the one with the best F1 among those whose
precision is at least :data:`PRECISION_TARGET` (else the best F0.5). Leave-one-document-out does
this inside every fold, so the held-out document never picks its own threshold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagekg.errors import InputError

__all__ = ["DEFAULT_MODEL_PATH", "PRECISION_TARGET", "STRUCTURED_THRESHOLD", "THRESHOLD", "DecisionModel",
           "choose_threshold", "inner_splits", "needed", "pick_threshold", "pooled"]

DEFAULT_MODEL_PATH = Path(__file__).with_name("model.json")
#: the threshold of a model fitted without document groups (none to choose one with)
THRESHOLD = 0.5
#: the precision the threshold aims at: a wrong edge costs more than a missed one
PRECISION_TARGET = 0.85
#: the probability a card's YAML ``source_datasets`` entry needs (the store's lowest acceptable
#: confidence): the card's own structured statement of its sources
STRUCTURED_THRESHOLD = 0.5
#: the feature a card's YAML ``source_datasets`` mention carries (candidates: ``mkind=<kind>``)
_STRUCTURED_FEATURE = "mkind=yaml"
_INNER_FOLDS = 5
#: from the store's lowest acceptable confidence (aggregation.MIN_CONFIDENCE) up
_CANDIDATE_THRESHOLDS = tuple(round(0.5 + 0.025 * i, 3) for i in range(19))     # 0.50 .. 0.95
DEFAULT_RELATION = "includedFrom"


#: an example: (features, label, relation or None, weight)
Row = tuple[dict[str, float], int, str | None, float]


def pooled(features: Iterable[dict[str, float]]) -> dict[str, float]:
    """The features of every mention of one (target, source) pair in a document, pooled (each
    feature's largest value): the relation is the pair's, so it is chosen from everything the
    document says about the pair, not from one sentence."""
    out: dict[str, float] = {}
    for f in features:
        for k, v in f.items():
            if v > out.get(k, float("-inf")):
                out[k] = v
    return out


@dataclass
class DecisionModel:
    weights: dict[str, float]
    intercept: float
    relation_classes: list[str] = field(default_factory=list)
    relation_weights: dict[str, list[float]] = field(default_factory=dict)
    relation_intercepts: list[float] = field(default_factory=list)
    trained: dict[str, Any] = field(default_factory=dict)
    threshold: float = THRESHOLD

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def relation(self, features: dict[str, float]) -> str:
        if not self.relation_classes:
            return DEFAULT_RELATION
        if len(self.relation_classes) == 1:
            return self.relation_classes[0]
        scores = list(self.relation_intercepts)
        for k, v in features.items():
            row = self.relation_weights.get(k)
            if row:
                for i, w in enumerate(row):
                    scores[i] += w * v
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        return self.relation_classes[best]

    @classmethod
    def fit(cls, examples: list[Row], trained: dict[str, Any] | None = None, c: float = 0.5,
            class_weight: str | None = "balanced", groups: list[str] | None = None,
            relation_rows: list[Row] | None = None, pairs: list[Hashable] | None = None) -> DecisionModel:
        """Fit on ``(features, label, relation or None, weight)`` examples (``groups``: each
        example's document, to choose the threshold with; ``relation_rows``: the examples the
        relation model learns from, by default the positive ones)."""
        from sklearn.feature_extraction import DictVectorizer

        vec = DictVectorizer(sort=True)
        x = vec.fit_transform([f for f, _, _, _ in examples]).tocsr()
        return cls.fit_matrix(x, [str(n) for n in vec.get_feature_names_out()], examples, trained, c, class_weight,
                              groups, relation_rows, pairs)

    @classmethod
    def fit_matrix(cls, x: Any, names: list[str], examples: list[Row], trained: dict[str, Any] | None = None,
                   c: float = 0.5, class_weight: str | None = "balanced", groups: list[str] | None = None,
                   relation_rows: list[Row] | None = None, pairs: list[Hashable] | None = None) -> DecisionModel:
        """Fit on examples whose features are already the rows of ``x`` (columns ``names``):
        leave-one-document-out fits many folds of one matrix. With ``groups`` (each example's
        document) the threshold is chosen by :func:`choose_threshold`."""
        from threadpoolctl import threadpool_limits

        y = [lab for _, lab, _, _ in examples]
        w = [wt for _, _, _, wt in examples]
        if len(set(y)) < 2:
            raise InputError("training needs positive and negative examples")
        with threadpool_limits(limits=1):      # one BLAS thread: many threads on a busy machine are ~30x slower
            clf = _binary(x, y, w, c, class_weight)
            structured = [f.get(_STRUCTURED_FEATURE, 0.0) > 0 for f, _, _, _ in examples] if pairs else None
            threshold = choose_threshold(x, y, w, groups, c, class_weight, pairs, structured) if groups else THRESHOLD
            return cls._with_relations(clf, names, examples if relation_rows is None else relation_rows, trained,
                                       threshold)

    @classmethod
    def _with_relations(cls, clf: Any, names: list[str], examples: list[Row],
                        trained: dict[str, Any] | None, threshold: float) -> DecisionModel:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        weights = {n: round(float(v), 6) for n, v in zip(names, clf.coef_[0], strict=True) if abs(v) > 1e-6}
        model = cls(weights, round(float(clf.intercept_[0]), 6), trained=dict(trained or {}), threshold=threshold)
        rel = [(f, r, wt) for f, lab, r, wt in examples if lab == 1 and r and wt >= 1.0]   # hand labels only
        classes = sorted({r for _, r, _ in rel})
        if len(classes) == 1:
            model.relation_classes = classes
        elif len(classes) > 1:
            rvec = DictVectorizer(sort=True)
            rx = rvec.fit_transform([f for f, _, _ in rel])
            rclf = LogisticRegression(C=1.0, solver="lbfgs", max_iter=2000)
            rclf.fit(rx, [r for _, r, _ in rel], sample_weight=[wt for _, _, wt in rel])
            model.relation_classes = [str(k) for k in rclf.classes_]
            coef = rclf.coef_ if len(rclf.classes_) > 2 else [-rclf.coef_[0], rclf.coef_[0]]
            inter = list(rclf.intercept_) if len(rclf.classes_) > 2 else [-rclf.intercept_[0], rclf.intercept_[0]]
            for j, n in enumerate(rvec.get_feature_names_out()):
                row = [round(float(coef[i][j]), 6) for i in range(len(model.relation_classes))]
                if any(abs(v) > 1e-6 for v in row):
                    model.relation_weights[str(n)] = row
            model.relation_intercepts = [round(float(v), 6) for v in inter]
        return model

    def as_json(self) -> str:
        return json.dumps({"format": 1, "threshold": self.threshold, "trained": self.trained,
                           "intercept": self.intercept, "weights": dict(sorted(self.weights.items())),
                           "relation_classes": self.relation_classes,
                           "relation_intercepts": self.relation_intercepts,
                           "relation_weights": dict(sorted(self.relation_weights.items()))},
                          indent=1, sort_keys=False) + "\n"

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.as_json(), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> DecisionModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read the extractor's model: {exc.strerror}", file=str(path),
                             hint="run `lineagekg train` (or `make train-extractor`) to make it") from exc
        except ValueError as exc:
            raise InputError(f"the extractor's model is not JSON: {exc}", file=str(path)) from exc
        if not isinstance(data, dict) or data.get("format") != 1:
            raise InputError("not an extractor model file (format 1)", file=str(path))
        try:
            return cls(weights={str(k): float(v) for k, v in data["weights"].items()},
                       intercept=float(data["intercept"]),
                       relation_classes=list(data.get("relation_classes") or []),
                       relation_weights={str(k): [float(x) for x in v] for k,
                                         v in (data.get("relation_weights") or {}).items()},
                       relation_intercepts=[float(x) for x in data.get("relation_intercepts") or []],
                       trained=data.get("trained") or {}, threshold=float(data.get("threshold", THRESHOLD)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"the extractor's model file is malformed: {exc!r}", file=str(path),
                             hint="run `lineagekg train` (or `make train-extractor`) to make it again") from exc


def _binary(x: Any, y: list[int], w: list[float], c: float, class_weight: str | None) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, solver="lbfgs", max_iter=2000, class_weight=class_weight).fit(x, y, sample_weight=w)


def needed(threshold: float, structured: bool) -> float:
    """The probability a mention needs to be said at ``threshold``: a card's YAML entry (the
    card's own structured statement) no more than :data:`STRUCTURED_THRESHOLD`."""
    return min(threshold, STRUCTURED_THRESHOLD) if structured else threshold


def choose_threshold(x: Any, y: list[int], w: list[float], groups: list[str], c: float = 0.5,
                     class_weight: str | None = "balanced", pairs: list[Hashable] | None = None,
                     structured: list[bool] | None = None) -> float:
    """The threshold of the best F1 at precision >= :data:`PRECISION_TARGET` (else the best
    F0.5), measured on out-of-fold scores of the hand-labelled examples (weight 1): documents are
    dealt into five groups in sorted order, each scored by a model fitted on the other four.
    With ``pairs`` (each example's (document, target, source)) precision and recall are counted
    per pair as the evaluation counts claims (see :func:`pick_threshold`)."""
    scored: list[tuple[float, int]] = []
    order: list[int] = []
    for train, test in inner_splits(y, w, groups):
        clf = _binary(x[train], [y[i] for i in train], [w[i] for i in train], c, class_weight)
        probs = clf.predict_proba(x[test])[:, 1]
        scored += [(float(p), y[i]) for p, i in zip(probs, test, strict=True)]
        order += test
    if pairs is None:
        return pick_threshold(scored)
    return pick_threshold(scored, [pairs[i] for i in order], [bool(structured and structured[i]) for i in order])


def inner_splits(y: list[int], w: list[float], groups: list[str]) -> list[tuple[list[int], list[int]]]:
    """The (train, test) example indices of the five-group split that chooses the threshold:
    documents dealt into five groups in sorted order; a group's test examples are its
    hand-labelled ones (weight 1); a split with no test or only one class to train on is left out."""
    docs = sorted(set(groups))
    fold_of = {d: i % _INNER_FOLDS for i, d in enumerate(docs)}
    folds = [fold_of[g] for g in groups]
    out = []
    for k in range(_INNER_FOLDS):
        train = [i for i, f in enumerate(folds) if f != k]
        test = [i for i, f in enumerate(folds) if f == k and w[i] >= 1.0]
        if test and len({y[i] for i in train}) == 2:
            out.append((train, test))
    return out


def pick_threshold(scored: list[tuple[float, int]], pairs: list[Hashable] | None = None,
                   structured: list[bool] | None = None) -> float:
    """Of :data:`_CANDIDATE_THRESHOLDS`, the one with the best F1 among those whose precision on
    ``(probability, label)`` pairs reaches :data:`PRECISION_TARGET`; if none does, the best
    F0.5 (precision weighs more); ties go to the lower threshold.

    With ``pairs`` (a key per scored example: its document, target and source) precision and
    recall are those of the claims the backend would make, one per pair, as the evaluation counts
    them: a pair is said when one of its examples reaches the threshold (a ``structured`` one, a
    card's YAML entry, :data:`STRUCTURED_THRESHOLD`), right when one of them is labelled. Counted
    per mention instead, a source named ten times weighs ten times, and precision comes out higher
    than the claims'."""
    if pairs is None:
        groups: list[list[tuple[float, int, bool]]] = [[(p, lab, False)] for p, lab in scored]
    else:
        by_pair: dict[Hashable, list[tuple[float, int, bool]]] = {}
        for (p, lab), key, st in zip(scored, pairs, structured or [False] * len(scored), strict=True):
            by_pair.setdefault(key, []).append((p, lab, st))
        groups = list(by_pair.values())
    positives = sum(1 for g in groups if any(lab for _, lab, _ in g))
    if not positives:
        return THRESHOLD
    best: tuple[int, float, float] = (0, -1.0, THRESHOLD)      # (meets target, score, threshold)
    for t in _CANDIDATE_THRESHOLDS:
        said_groups = [g for g in groups if any(p >= needed(t, st) for p, _, st in g)]
        tp = sum(1 for g in said_groups if any(lab for _, lab, _ in g))
        said = len(said_groups)
        if not tp:
            continue
        precision, recall = tp / said, tp / positives
        meets = int(precision >= PRECISION_TARGET)
        beta2 = 1.0 if meets else 0.25
        score = (1 + beta2) * precision * recall / (beta2 * precision + recall)
        if (meets, score) > best[:2]:
            best = (meets, score, t)
    return best[2]
