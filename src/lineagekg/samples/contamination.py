"""Benchmark contamination, verified on records: which registered sets hold the benchmark's
items, how many (exact and near), and the lineage path the graph predicted for each, if any."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lineagekg.analyses import ContaminationHit, Lineage
from lineagekg.queries import library
from lineagekg.samples.overlap import Overlap, overlap
from lineagekg.samples.registry import PreparedSets, load_set, record_measurement
from lineagekg.store.oxigraph import OxigraphStore

EVALUATION_SPLITS = ("test", "validation", "eval", "dev")


@dataclass
class VerifiedSet:
    dataset: str
    items_found: Overlap          # benchmark items found in this set
    records_matching: Overlap     # records of this set found among the benchmark items
    path: ContaminationHit | None  # a lineage path to the benchmark items (the chosen splits)
    other_path: ContaminationHit | None = None   # a path that reaches another split only
    min_items: int = 2

    def as_dict(self) -> dict[str, object]:
        return {"dataset": self.dataset,
                "benchmark_items_found": {"exact": self.items_found.exact, "near": self.items_found.near,
                                          "of": self.items_found.a_records,
                                          "near_eligible": self.items_found.near_eligible},
                "records_matching_benchmark": {"exact": self.records_matching.exact,
                                               "near": self.records_matching.near,
                                               "of": self.records_matching.a_records,
                                               "near_eligible": self.records_matching.near_eligible,
                                               "jaccard_estimate": self.records_matching.mean_jaccard},
                "predicted_path": None if self.path is None else {
                    "reached": self.path.reached, "path": list(self.path.path.nodes),
                    "relations": list(self.path.path.relations)},
                "path_to_other_split": None if self.other_path is None else {
                    "reached": self.other_path.reached, "path": list(self.other_path.path.nodes)},
                "verdict": self.verdict,
                "examples": [vars(e) for e in self.records_matching.examples[:3]]}

    @property
    def contaminated(self) -> bool:
        """At least ``min_items`` benchmark items found (exact or near), in either direction."""
        return max(self.items_found.exact, self.items_found.near, self.records_matching.exact,
                   self.records_matching.near) >= self.min_items

    @property
    def verdict(self) -> str:
        if self.contaminated and self.path is not None:
            return "confirmed: records found where the graph predicts"
        if self.contaminated:
            return "found without a documented path (undocumented reuse)"
        if self.path is not None:
            return "predicted but no records found"
        if self.other_path is not None:
            return f"clean: lineage reaches {self.other_path.reached}, not these items"
        return "clean"


@dataclass
class Verification:
    benchmark: str
    benchmark_sets: list[str]
    benchmark_items: int
    sets: list[VerifiedSet]

    def as_dict(self) -> dict[str, object]:
        return {"benchmark": self.benchmark, "benchmark_sets": self.benchmark_sets,
                "benchmark_items": self.benchmark_items, "sets": [s.as_dict() for s in self.sets]}


def benchmark_sets(sets: PreparedSets, lineage: Lineage, benchmark: str) -> list[str]:
    """The registered sets that hold the benchmark's evaluation items: the split given, else the
    benchmark's registered test split (then validation, eval, dev), else all of its files."""
    if benchmark in sets.registrations:
        return [benchmark]
    iri = lineage.resolve(benchmark)
    own = [i for i, regs in sets.registrations.items() if regs[0].dataset_iri == iri]
    if own:
        return own
    parts = {i: regs[0].dataset_iri for i, regs in sets.registrations.items()
             if regs[0].dataset_iri.startswith(iri + "#split-")}
    for name in EVALUATION_SPLITS:
        chosen = [i for i, s in parts.items() if s == f"{iri}#split-{name}"]
        if chosen:
            return chosen
    sets.regs(benchmark)            # raises InputError: nothing registered
    return sorted(parts)


def verify(store: OxigraphStore, benchmark: str, *, ngram: int, threshold: float, num_perm: int,
           min_share: float = 0.01, min_records: int = 2, write: bool = True,
           progress: Callable[[str, int, int], None] | None = None) -> Verification:
    """Look for the benchmark's items in every other registered set; name the predicted path.
    A set counts as contaminated when at least ``min_records`` and ``min_share`` of the benchmark's
    items are found in it (or its records among them); fewer are listed as traces."""
    lineage = Lineage(store)
    sets = PreparedSets(store, ngram=ngram, threshold=threshold, num_perm=num_perm)
    chosen = benchmark_sets(sets, lineage, benchmark)
    bench_regs = [r for c in chosen for r in sets.regs(c)]
    bench = sets.get(chosen[0]) if len(chosen) == 1 else load_set(benchmark, bench_regs, **sets.options)
    parents = {r["split"]: r["dataset"] for r in store.select(library().get("internal/split-parents"))}
    iri = lineage.resolve(benchmark)
    whole = lineage.name(parents.get(iri, iri))       # a split given: paths to its dataset's other splits too
    reaching = lineage.contamination(whole)
    hits = {h.dataset.id: h for h in reaching if h.reached in chosen or h.reached in (whole, benchmark)}
    elsewhere = {h.dataset.id: h for h in reaching if h.dataset.id not in hits}
    others = [i for i in sets.ids if i not in chosen]
    found: list[VerifiedSet] = []
    for n, other in enumerate(others):
        if progress:
            progress(f"{benchmark} items in registered sets", n, len(others))
        rs = sets.get(other)
        items, matching = overlap(bench, rs), overlap(rs, bench)
        parent_iri = parents.get(sets.regs(other)[0].dataset_iri)
        parent = lineage.name(parent_iri) if parent_iri else None
        path = hits.get(other) or (hits.get(parent) if parent else None)
        other_path = elsewhere.get(other) or (elsewhere.get(parent) if parent else None)
        v = VerifiedSet(other, items, matching, path, other_path,
                        min_items=max(min_records, round(min_share * len(bench))))
        found.append(v)
        if write and (v.contaminated or path is not None):
            record_measurement(store, sets.regs(other), bench_regs, matching)
            record_measurement(store, bench_regs, sets.regs(other), items)
    if progress:
        progress(f"{benchmark} items in registered sets", len(others), len(others))
    found.sort(key=lambda v: (not v.contaminated, v.path is None, -v.records_matching.near, v.dataset))
    return Verification(benchmark, chosen, len(bench), found)
