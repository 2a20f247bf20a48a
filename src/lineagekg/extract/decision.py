"""The decision model: a logistic regression over candidate features says whether a mention is
a source of the target (and a second one picks the relation), stored as plain JSON weights so
that scoring needs no scikit-learn, no pickle and gives the same answer everywhere.

``DecisionModel.fit`` (scikit-learn, deterministic: lbfgs, fixed order) is what
``lineagekg train`` runs; ``DecisionModel.load`` reads the committed model file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagekg.errors import InputError

__all__ = ["DEFAULT_MODEL_PATH", "THRESHOLD", "DecisionModel"]

DEFAULT_MODEL_PATH = Path(__file__).with_name("model.json")
#: a pair is a claim when the model's probability is at least this (fixed, not tuned on labels)
THRESHOLD = 0.5
DEFAULT_RELATION = "includedFrom"


@dataclass
class DecisionModel:
    weights: dict[str, float]
    intercept: float
    relation_classes: list[str] = field(default_factory=list)
    relation_weights: dict[str, list[float]] = field(default_factory=dict)
    relation_intercepts: list[float] = field(default_factory=list)
    trained: dict[str, Any] = field(default_factory=dict)

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
    def fit(cls, examples: list[tuple[dict[str, float], int, str | None, float]],
            trained: dict[str, Any] | None = None, c: float = 0.5,
            class_weight: str | None = "balanced") -> DecisionModel:
        """Fit on ``(features, label, relation or None, weight)`` examples."""
        from sklearn.feature_extraction import DictVectorizer

        vec = DictVectorizer(sort=True)
        x = vec.fit_transform([f for f, _, _, _ in examples])
        return cls.fit_matrix(x, [str(n) for n in vec.get_feature_names_out()], examples, trained, c, class_weight)

    @classmethod
    def fit_matrix(cls, x: Any, names: list[str], examples: list[tuple[dict[str, float], int, str | None, float]],
                   trained: dict[str, Any] | None = None, c: float = 0.5,
                   class_weight: str | None = "balanced") -> DecisionModel:
        """Fit on examples whose features are already the rows of ``x`` (columns ``names``):
        leave-one-document-out fits many folds of one matrix."""
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        y = [lab for _, lab, _, _ in examples]
        w = [wt for _, _, _, wt in examples]
        if len(set(y)) < 2:
            raise InputError("training needs positive and negative examples")
        clf = LogisticRegression(C=c, solver="lbfgs", max_iter=2000, class_weight=class_weight)
        clf.fit(x, y, sample_weight=w)
        weights = {n: round(float(v), 6) for n, v in zip(names, clf.coef_[0], strict=True) if abs(v) > 1e-6}
        model = cls(weights, round(float(clf.intercept_[0]), 6), trained=dict(trained or {}))
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
        return json.dumps({"format": 1, "threshold": THRESHOLD, "trained": self.trained,
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
        return cls(weights={str(k): float(v) for k, v in data["weights"].items()},
                   intercept=float(data["intercept"]),
                   relation_classes=list(data.get("relation_classes") or []),
                   relation_weights={str(k): [float(x) for x in v] for k, v in (data.get("relation_weights") or {}).items()},
                   relation_intercepts=[float(x) for x in data.get("relation_intercepts") or []],
                   trained=data.get("trained") or {})
