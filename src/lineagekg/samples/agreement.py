"""Lineage against records, measured: for every pair of registered datasets or splits, does the
lineage graph predict that they share records, and do they?

Prediction: a path of record-carrying derivations joins the two (one reaches the other, or both
reach a common ancestor). Every relation carries records except generation (``generatedFrom``
and ``seededFrom``: new records written from the source). A split inherits the derivations of
its dataset, and reaching a dataset counts as reaching its splits (a document that names no split
cannot be narrowed down).

Measurement: records of each side found in the other (exact and near, ``overlap``); the pair
overlaps when, in either direction, at least ``min_share`` of the subject's records and at least
``min_records`` records are found (near includes exact).

Cost: the record comparisons needed when the graph says where to look (the predicted pairs only)
against all pairs, counted as record pairs a naive comparison examines (|A|·|B|) and as the
candidates our LSH actually checked, with the wall time of both runs.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from lineagekg.analyses import Lineage, local_name, relation_family
from lineagekg.queries import library
from lineagekg.samples.overlap import Overlap, overlap
from lineagekg.samples.registry import PreparedSets, record_measurement
from lineagekg.store.oxigraph import OxigraphStore

NON_CARRYING = {"generatedFrom"}         # a family whose records are new, not copied


@dataclass(frozen=True)
class Prediction:
    predicted: bool
    how: str                             # "A derives from B", "both derive from Z", or ""
    relations: tuple[str, ...] = ()
    generated_path: bool = False         # joined only through a generation


class LineageReach:
    """Record-carrying upstream closure of every node of the store's lineage graph."""

    def __init__(self, store: OxigraphStore) -> None:
        self.lineage = Lineage(store)
        self.carrying: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        self.any_edge: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        for r in store.select(library().get("edges")):
            rel = local_name(r["relation"])
            self.any_edge[r["target"]].append((r["source"], rel))
            if relation_family(rel) not in NON_CARRYING:
                self.carrying[r["target"]].append((r["source"], rel))
        self.parent: dict[str, str] = {r["split"]: r["dataset"]
                                       for r in store.select(library().get("internal/split-parents"))}

    def _up(self, start: str, edges: dict[str, list[tuple[str, str | None]]]) -> dict[str, tuple[str, ...]]:
        """Every node upstream of ``start`` (its dataset's derivations included), with the relations
        of one shortest path."""
        seen: dict[str, tuple[str, ...]] = {start: ()}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            nexts = list(edges.get(node, []))
            if node in self.parent:
                nexts.append((self.parent[node], "partOf"))
            for source, rel in nexts:
                if source not in seen:
                    seen[source] = seen[node] + (rel or "wasDerivedFrom",)
                    queue.append(source)
        return seen

    @staticmethod
    def _source(up: dict[str, tuple[str, ...]], node: str) -> bool:
        """``node`` is upstream as a source of records: reached through a derivation, not only as
        the dataset one of its own splits is part of (GSM8K train does not reach GSM8K test)."""
        return node in up and not (up[node] and up[node][-1] == "partOf")

    def _covers(self, up: dict[str, tuple[str, ...]], node: str) -> str | None:
        """The node (or its dataset) when ``up`` holds it as a source of records."""
        if node in up:
            return node
        parent = self.parent.get(node)
        return parent if parent is not None and self._source(up, parent) else None

    def predict(self, a: str, b: str) -> Prediction:
        up_a, up_b = self._up(a, self.carrying), self._up(b, self.carrying)
        name = self.lineage.name
        hit = self._covers(up_a, b)
        if hit is not None and hit != a and not (hit == self.parent.get(a)):
            return Prediction(True, f"{name(a)} derives from {name(b)}", up_a[hit])
        hit = self._covers(up_b, a)
        if hit is not None and hit != b and not (hit == self.parent.get(b)):
            return Prediction(True, f"{name(b)} derives from {name(a)}", up_b[hit])
        common = [n for n in up_a if n in up_b and n not in (a, b) and self._source(up_a, n)
                  and self._source(up_b, n)]
        if common:
            best = min(common, key=lambda n: len(up_a[n]) + len(up_b[n]))
            return Prediction(True, f"both derive from {name(best)}", up_a[best] + up_b[best])
        generated = (self._covers(self._up(a, self.any_edge), b) not in (None, self.parent.get(a))
                     or self._covers(self._up(b, self.any_edge), a) not in (None, self.parent.get(b)))
        return Prediction(False, "", (), generated)


@dataclass
class PairResult:
    a: str
    b: str
    a_records: int
    b_records: int
    prediction: Prediction
    a_in_b: Overlap
    b_in_a: Overlap
    measured: bool = False
    reason: str = ""

    @property
    def agree(self) -> bool:
        return self.prediction.predicted == self.measured

    def as_dict(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "a_records": self.a_records, "b_records": self.b_records,
                "predicted": self.prediction.predicted, "lineage": self.prediction.how,
                "relations": list(self.prediction.relations), "measured": self.measured,
                "a_in_b": {"exact": self.a_in_b.exact, "near": self.a_in_b.near,
                           "near_eligible": self.a_in_b.near_eligible,
                           "jaccard_estimate": self.a_in_b.mean_jaccard},
                "b_in_a": {"exact": self.b_in_a.exact, "near": self.b_in_a.near,
                           "near_eligible": self.b_in_a.near_eligible,
                           "jaccard_estimate": self.b_in_a.mean_jaccard},
                "agree": self.agree, "reason": self.reason,
                "examples": [vars(e) for e in (self.a_in_b.examples or self.b_in_a.examples)[:2]]}


@dataclass
class Cost:
    pairs: int
    naive_record_pairs: int
    candidates_checked: int
    seconds: float


@dataclass
class AgreementReport:
    sets: dict[str, int]                               # id -> records
    pairs: list[PairResult]
    guided: Cost
    all_pairs: Cost
    prepare_seconds: float
    options: dict[str, object] = field(default_factory=dict)

    def confusion(self) -> dict[str, int]:
        c = {"predicted_and_measured": 0, "predicted_not_measured": 0, "measured_not_predicted": 0,
             "neither": 0}
        for p in self.pairs:
            key = ("predicted_and_measured" if p.measured else "predicted_not_measured") if p.prediction.predicted \
                else ("measured_not_predicted" if p.measured else "neither")
            c[key] += 1
        return c

    @property
    def disagreements(self) -> list[PairResult]:
        return [p for p in self.pairs if not p.agree]

    @property
    def record_pair_ratio(self) -> float | None:
        """Record pairs the all-pairs run compares per record pair of the graph-guided run."""
        return _ratio(self.all_pairs.naive_record_pairs, self.guided.naive_record_pairs)

    @property
    def time_ratio(self) -> float | None:
        return _ratio(self.all_pairs.seconds, self.guided.seconds)

    @property
    def found_by_guided_run(self) -> str:
        """``found/measured``: the overlapping pairs the graph-guided run finds."""
        measured = sum(p.measured for p in self.pairs)
        found_guided = sum(p.measured and p.prediction.predicted for p in self.pairs)
        return f"{found_guided}/{measured}"

    def as_dict(self) -> dict[str, object]:
        return {"sets": self.sets, "options": self.options, "confusion": self.confusion(),
                "cost": {"graph_guided": vars(self.guided), "all_pairs": vars(self.all_pairs),
                         "record_pair_ratio": self.record_pair_ratio, "time_ratio": self.time_ratio,
                         "prepare_seconds": round(self.prepare_seconds, 2),
                         "overlapping_pairs_found_by_guided_run": self.found_by_guided_run},
                "disagreements": [p.as_dict() for p in self.disagreements],
                "pairs": [p.as_dict() for p in self.pairs if p.prediction.predicted or p.measured]}


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 1) if den else None


def _reason(p: PairResult) -> str:
    if p.prediction.predicted and not p.measured:
        if any(relation_family(r) == "evolvedFrom" for r in p.prediction.relations):
            return "documented edge whose records were rewritten beyond recognition"
        return ("documented edge, but the sample files hold records the other side does not "
                "(different subsets or rewritten)")
    if p.measured and not p.prediction.predicted:
        if p.prediction.generated_path:
            return "joined only by a generation edge, yet records were copied (the generator kept some source records)"
        return "undocumented reuse: records are shared but no document links the two"
    return ""


ProgressFn = Callable[[str, int, int], None]


def agreement(store: OxigraphStore, *, ngram: int, threshold: float, num_perm: int,
              min_share: float = 0.01, min_records: int = 2, write: bool = True,
              progress: ProgressFn | None = None) -> AgreementReport:
    """Compare every pair of registered sets twice: the graph-guided run (predicted pairs only,
    timed) and the all-pairs run (every pair, timed); write the measurements of the pairs that
    are predicted or found to overlap to the store as PROV."""
    sets = PreparedSets(store, ngram=ngram, threshold=threshold, num_perm=num_perm)
    ids = sets.ids
    started = time.perf_counter()
    for n, identifier in enumerate(ids):
        if progress:
            progress("preparing record sets", n, len(ids))
        rs = sets.get(identifier)
        _ = rs.lsh                                  # MinHashes and index, built once per set
    if progress:
        progress("preparing record sets", len(ids), len(ids))
    prepare = time.perf_counter() - started
    reach = LineageReach(store)
    pairs = list(itertools.combinations(ids, 2))
    iri = {i: sets.regs(i)[0].dataset_iri for i in ids}
    predictions = {(a, b): reach.predict(iri[a], iri[b]) for a, b in pairs}

    def run(selected: list[tuple[str, str]], label: str) -> tuple[dict[tuple[str, str], tuple[Overlap, Overlap]], Cost]:
        t0 = time.perf_counter()
        out = {}
        naive = checked = 0
        for n, (a, b) in enumerate(selected):
            if progress:
                progress(label, n, len(selected))
            ra, rb = sets.get(a), sets.get(b)
            ab, ba = overlap(ra, rb), overlap(rb, ra)
            out[(a, b)] = (ab, ba)
            naive += len(ra) * len(rb)
            checked += ab.candidates_checked + ba.candidates_checked
        if progress:
            progress(label, len(selected), len(selected))
        return out, Cost(len(selected), naive, checked, round(time.perf_counter() - t0, 2))

    guided_pairs = [p for p in pairs if predictions[p].predicted]
    _, guided = run(guided_pairs, "graph-guided pairs")
    measured, all_cost = run(pairs, "all pairs")
    results = []
    for (a, b) in pairs:
        ab, ba = measured[(a, b)]
        hit = any(max(o.exact, o.near) >= max(min_records, min_share * o.a_records) for o in (ab, ba))
        p = PairResult(a, b, ab.a_records, ab.b_records, predictions[(a, b)], ab, ba, measured=hit)
        p.reason = _reason(p)
        results.append(p)
    if write:
        for p in results:
            if p.prediction.predicted or p.measured:
                record_measurement(store, sets.regs(p.a), sets.regs(p.b), p.a_in_b)
                record_measurement(store, sets.regs(p.b), sets.regs(p.a), p.b_in_a)
    return AgreementReport(sets={i: len(sets.get(i)) for i in ids}, pairs=results, guided=guided,
                           all_pairs=all_cost, prepare_seconds=prepare,
                           options={"ngram": ngram, "threshold": threshold, "num_perm": num_perm,
                                    "min_share": min_share, "min_records": min_records})
