"""A lineage-aware diverse training sample: take records from the roots of the lineage graph
instead of from their rewritten derivatives, in proportion to the roots' sizes, drop near
duplicates, and measure its diversity next to baselines of the same size.

Roots are the registered sets (benchmarks left out) that reach no other registered set through
record-carrying edges: a set included, fused, evolved or distilled from another registered set
repeats its records, so its upstream set stands for it; a generated set holds new records, so it
is a root of its own. ``--from`` narrows the roots to those upstream of the given sets. The
leaf-level mix (the baseline a curator gets by concatenating downstream datasets) is every
registered non-benchmark set no other registered set carries records from.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lineagekg import __version__
from lineagekg.analyses import Lineage
from lineagekg.errors import InputError
from lineagekg.samples.agreement import LineageReach
from lineagekg.samples.overlap import RecordSet, overlap
from lineagekg.samples.records import Record
from lineagekg.samples.registry import PreparedSets
from lineagekg.store.oxigraph import OxigraphStore

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Picked:
    source: str
    record: Record


@dataclass
class DiversityRow:
    name: str
    records: int
    vendi: float
    centroid_distance: float


@dataclass
class DiverseSample:
    roots: dict[str, int]                 # root -> records taken
    leaves: list[str]
    picked: list[Picked]
    dropped_near_duplicates: int
    seed: int
    table: list[DiversityRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"roots": self.roots, "leaves": self.leaves, "records": len(self.picked),
                "dropped_near_duplicates": self.dropped_near_duplicates, "seed": self.seed,
                "diversity": [vars(r) for r in self.table]}


def _structure(store: OxigraphStore, sets: PreparedSets) -> tuple[list[str], list[str], dict[str, set[str]]]:
    """(roots, leaves, upstream registered sets of each) over the registered non-benchmark sets."""
    lineage = Lineage(store)
    reach = LineageReach(store)
    iri = {i: sets.regs(i)[0].dataset_iri for i in sets.ids}
    training = [i for i in sets.ids if not lineage.ref(iri[i]).is_benchmark]
    by_iri = {iri[i]: i for i in training}
    upstream: dict[str, set[str]] = {}
    for i in training:
        reached = reach._up(iri[i], reach.carrying)            # record-carrying closure
        upstream[i] = {by_iri[n] for n in reached if n in by_iri and n != iri[i]}
    roots = [i for i in training if not upstream[i]]
    carried_from = {u for ups in upstream.values() for u in ups}
    leaves = [i for i in training if i not in carried_from]
    return roots, leaves, upstream


def _quotas(sizes: dict[str, int], budget: int) -> dict[str, int]:
    """``budget`` split in proportion to ``sizes`` (largest remainder), never above a size.

    >>> _quotas({"a": 300, "b": 100}, 100)
    {'a': 75, 'b': 25}
    """
    total = sum(sizes.values())
    exact = {k: budget * v / total for k, v in sizes.items()}
    quota = {k: min(sizes[k], int(v)) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True):
        if sum(quota.values()) >= budget:
            break
        if quota[k] < sizes[k]:
            quota[k] += 1
    return quota


def _near_within(rs: RecordSet) -> set[int]:
    """Positions of records that are near duplicates of an earlier record of the same set."""
    drop: set[int] = set()
    index = rs.lsh
    for i, m in enumerate(rs.minhashes):
        if m is None or i in drop:
            continue
        for j in index.query(m):   # type: ignore[attr-defined]
            if j > i and j not in drop and rs.shingles[j] and \
                    len(rs.shingles[j] & rs.shingles[i]) / len(rs.shingles[j]) >= rs.threshold:
                drop.add(j)
    return drop


def build_sample(store: OxigraphStore, budget: int, *, sources: list[str] | None = None, seed: int = 0,
                 ngram: int, threshold: float, num_perm: int,
                 progress: Progress | None = None) -> tuple[DiverseSample, PreparedSets]:
    """Pick ``budget`` records from the roots, in proportion, without near duplicates."""
    if budget < 1:
        raise InputError(f"the budget must be 1 or more, not {budget}", field="--budget")
    sets = PreparedSets(store, ngram=ngram, threshold=threshold, num_perm=num_perm)
    roots, leaves, upstream = _structure(store, sets)
    if sources:
        wanted = set()
        for s in sources:
            if s not in upstream:
                raise InputError(f"{s} is not a registered training set", field="--from",
                                 hint="registered: " + ", ".join(sorted(upstream)))
            wanted |= {s} | upstream[s]
        roots = [r for r in roots if r in wanted]
    if not roots:
        raise InputError("no registered root set to sample from", hint="register sample files first")
    rng = random.Random(seed)
    pools: dict[str, list[Record]] = {}
    for n, r in enumerate(roots):
        if progress:
            progress("reading root sets", n, len(roots))
        records = list(sets.get(r).records)
        rng.shuffle(records)
        pools[r] = records
    quota = _quotas({r: len(p) for r, p in pools.items()}, budget)
    picked: list[Picked] = []
    kept = RecordSet("sample", [], ngram=ngram, threshold=threshold, num_perm=num_perm)
    seen_hashes: set[int] = set()
    dropped = 0
    taken = dict.fromkeys(roots, 0)
    for r in roots:
        candidates = RecordSet(r, pools[r], ngram=ngram, threshold=threshold, num_perm=num_perm)
        mine: list[int] = []
        for i in range(len(candidates.records)):
            if taken[r] >= quota[r]:
                break
            if candidates.exact_hashes[i] in seen_hashes:
                dropped += 1
                continue
            mine.append(i)
            seen_hashes.add(candidates.exact_hashes[i])
            taken[r] += 1
        # near duplicates against what other roots gave and within this root
        chosen = RecordSet(r, [candidates.records[i] for i in mine], ngram=ngram, threshold=threshold,
                           num_perm=num_perm)
        near_other = set(overlap(chosen, kept, examples=0).matched) if kept.records else set()
        within = _near_within(chosen)
        keep = [rec for k, rec in enumerate(chosen.records) if k not in near_other and k not in within]
        dropped += len(chosen.records) - len(keep)
        taken[r] = len(keep)
        picked += [Picked(r, rec) for rec in keep]
        kept = RecordSet("sample", [p.record for p in picked], ngram=ngram, threshold=threshold, num_perm=num_perm)
    return DiverseSample(roots=taken, leaves=leaves, picked=picked, dropped_near_duplicates=dropped, seed=seed), sets


def measure(sample: DiverseSample, sets: PreparedSets, *, baselines: bool = True,
            progress: Progress | None = None) -> list[DiversityRow]:
    """Vendi Score and Centroid Distance of the sample and of same-size baselines: a random
    sample of the leaf-level mix, and each root and leaf set alone."""
    from lineagekg.samples.diversity import centroid_distance, embed, vendi_score

    n = len(sample.picked)
    rng = random.Random(sample.seed)
    groups: list[tuple[str, list[str]]] = [("lineage-aware sample (roots)", [p.record.raw for p in sample.picked])]
    if baselines:
        mix = [rec.raw for leaf in sample.leaves for rec in sets.get(leaf).records]
        groups.append(("random sample of the leaf-level mix", rng.sample(mix, min(n, len(mix)))))
        for name in sorted(set(sample.leaves) | set(sample.roots)):
            texts = [rec.raw for rec in sets.get(name).records]
            groups.append((f"{name} alone", rng.sample(texts, min(n, len(texts)))))
    rows = []
    for k, (name, texts) in enumerate(groups):
        if progress:
            progress("diversity of the sample and baselines", k, len(groups))
        x = embed(texts)
        rows.append(DiversityRow(name, len(texts), round(vendi_score(x), 2), round(centroid_distance(x), 4)))
    if progress:
        progress("diversity of the sample and baselines", len(groups), len(groups))
    return rows


def write_sample(sample: DiverseSample, sets: PreparedSets, output: Path, *, budget: int) -> Path:
    """Write the sample as JSONL and its provenance (PROV-JSON, ``<output>.prov.json``): the
    sampling activity, the root sets' files it used (with sha256), how many each gave, the seed.
    Written to a temporary name first, so a failure leaves nothing half-written."""
    from prov.model import ProvDocument

    from lineagekg.interop import prov_documents

    tmp = output.with_name(output.name + ".part")
    with tmp.open("w", encoding="utf-8") as f:
        for p in sample.picked:
            f.write(json.dumps({"text": p.record.raw, "source": p.source, "record": p.record.number},
                               ensure_ascii=False) + "\n")
    doc = ProvDocument()
    doc.add_namespace("lk", "https://w3id.org/lineagekg/ns#")
    doc.add_namespace("file", "https://w3id.org/lineagekg/id/sample-file/")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    activity = doc.activity("lk:diverse-sampling", now, now, {
        "lk:budget": budget, "lk:seed": sample.seed, "lk:droppedNearDuplicates": sample.dropped_near_duplicates,
        "lk:method": "roots of the lineage graph, proportional to size, near duplicates removed (MinHash LSH)"})
    agent = doc.agent("lk:lineagekg-diverse", {"prov:type": "prov:SoftwareAgent", "lk:version": __version__})
    doc.wasAssociatedWith(activity, agent)
    out = doc.entity("lk:diverse-sample", {"prov:label": output.name, "lk:records": len(sample.picked)})
    doc.wasGeneratedBy(out, activity)
    for root, count in sample.roots.items():
        for reg in sets.regs(root):
            entity = doc.entity("file:" + reg.file.rsplit("/", 1)[-1], {
                "lk:recordsOf": root, "lk:fileSha256": reg.sha256, "prov:label": Path(reg.path).name})
            doc.used(activity, entity, other_attributes={"lk:recordsTaken": count})
            doc.wasDerivedFrom(out, entity)
    prov_path = output.with_name(output.name + ".prov.json")
    prov_tmp = prov_path.with_name(prov_path.name + ".part")
    prov_tmp.write_text(prov_documents.document_text(doc, "json"), encoding="utf-8")
    tmp.replace(output)
    prov_tmp.replace(prov_path)
    return prov_path
