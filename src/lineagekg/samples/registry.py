"""Sample files and overlap measurements in the store, as PROV.

``register`` reads a file of records and writes, in one validated named graph, a ``lk:SampleFile``
(SHA-256, record count, prompt field, ``lk:recordsOf`` the dataset or split) and the
``lk:SampleRegistration`` run that used it; a dataset or split not yet in the store is added in
the same graph. ``record_measurement`` writes an ``lk:OverlapMeasurement`` run that ``prov:used``
the sample files of both sides and generated one ``lk:OverlapResult`` (counts, method, threshold).
``registered_sets`` and ``load_set`` read them back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad
from rdflib import URIRef

from lineagekg import __version__, iris
from lineagekg.analyses import Lineage
from lineagekg.errors import InputError, ShapeValidationError, UnknownDatasetError
from lineagekg.model import Dataset
from lineagekg.namespaces import PROV, RDF, RDFS, XSD, ox
from lineagekg.provenance import dataset_quads
from lineagekg.queries import library
from lineagekg.samples.overlap import Overlap, RecordSet, method_text
from lineagekg.samples.records import Record, RecordFile, read_records, sha256_of
from lineagekg.store.oxigraph import OxigraphStore
from lineagekg.vocab import LK

AGENT = iris.agent_iri("lineagekg-samples", __version__)
AGENT_LABEL = f"lineagekg samples {__version__}"


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def split_id(dataset: str, split: str | None) -> str:
    """The identifier a split is addressed by, as split nodes are named: ``openai/gsm8k:test``.

    >>> split_id("openai/gsm8k", "test"), split_id("openai/gsm8k", None)
    ('openai/gsm8k:test', 'openai/gsm8k')
    """
    return f"{dataset}:{split}" if split else dataset


def sample_file_iri(sha256: str, field: str | None) -> str:
    return f"{iris.ID_BASE}sample-file/{iris.digest(sha256, field or '', length=32)}"


@dataclass(frozen=True)
class Registration:
    """A registered sample file of a dataset or split (as the store holds it)."""

    dataset: str            # identifier (``openai/gsm8k:test``)
    dataset_iri: str
    file: str               # IRI of the lk:SampleFile
    sha256: str
    path: str
    field: str | None
    records: int


@dataclass(frozen=True)
class RegisterOutcome:
    registration: Registration
    graph: str
    added_datasets: tuple[str, ...]
    already_present: bool


def _dataset_nodes(lineage: Lineage, dataset: str, split: str | None, *,
                   known: dict[str, str]) -> tuple[dict[str, str], list[Dataset]]:
    """IRIs of the dataset (and split), and the Dataset nodes to add because the store lacks them
    (``known``: nodes already planned in this batch)."""
    iri_of: dict[str, str] = {}
    missing: list[Dataset] = []
    try:
        iri_of[dataset] = known.get(dataset) or lineage.resolve(dataset)
    except UnknownDatasetError:
        on_hub = iris.looks_like_hub_id(dataset) and "/" in dataset
        iri_of[dataset] = iris.dataset_iri(dataset, on_hub=on_hub)
        missing.append(Dataset(identifier=dataset, label=dataset, on_hub=on_hub))
    if split:
        full = split_id(dataset, split)
        try:
            iri_of[full] = known.get(full) or lineage.resolve(full)
        except UnknownDatasetError:
            iri_of[full] = iris.split_iri(iri_of[dataset], split)
            missing.append(Dataset(identifier=full, label=full, on_hub=False, split_of=dataset, split_name=split))
    return iri_of, missing


@dataclass(frozen=True)
class SampleSource:
    """One file to register: the dataset (``ID`` or ``ID:split``), the path, the prompt field."""

    dataset: str
    path: Path
    split: str | None = None
    field: str | None = None

    def target(self) -> tuple[str, str | None]:
        if ":" in self.dataset and self.split is None and not self.dataset.startswith(("http://", "https://")):
            whole, split = self.dataset.rsplit(":", 1)     # ``ID:split`` names the split too
            return whole, split
        return self.dataset, self.split


def register(store: OxigraphStore, dataset: str, path: Path | str, *, split: str | None = None,
             field: str | None = None) -> RegisterOutcome:
    """Register the records of ``path`` as records of ``dataset`` (or its ``split``).

    Raises ``InputError`` for a file that cannot be read (nothing written) and
    ``ShapeValidationError`` when the graph would not conform (nothing written).
    """
    return register_files(store, [SampleSource(dataset, Path(path), split, field)])[0]


def register_files(store: OxigraphStore, sources: list[SampleSource], *,
                   progress: Callable[[str, int, int], None] | None = None) -> list[RegisterOutcome]:
    """Register several files in one named graph, validated once: all of them or none."""
    lineage = Lineage(store)
    iri_of: dict[str, str] = {}
    to_add: dict[str, Dataset] = {}
    planned = []
    for n, src in enumerate(sources):
        if progress:
            progress("reading sample files", n, len(sources))
        found = read_records(src.path, field=src.field)
        whole, split = src.target()
        ids, missing = _dataset_nodes(lineage, whole, split, known=iri_of)
        iri_of.update(ids)
        to_add.update({d.identifier: d for d in missing if d.identifier not in to_add})
        planned.append((src, found, split_id(whole, split)))
    if progress:
        progress("reading sample files", len(sources), len(sources))
    files = [sample_file_iri(found.sha256, src.field) for src, found, _ in planned]
    present = {(r.file, r.dataset_iri) for regs in registered_sets(store).values() for r in regs}
    fresh = [(plan, f) for plan, f in zip(planned, files, strict=True) if (f, iri_of[plan[2]]) not in present]
    if not fresh:                   # every file is registered already: nothing to write
        return [RegisterOutcome(Registration(target, iri_of[target], f, found.sha256, str(src.path.resolve()),
                                             found.field, len(found)), "", (), True)
                for (src, found, target), f in zip(planned, files, strict=True)]
    planned, files = [p for p, _ in fresh], [f for _, f in fresh]
    key = iris.digest(*(iri_of[t] + " " + f for (_, _, t), f in zip(planned, files, strict=True)))
    graph = iris.graph_iri("samples", key)
    g = NamedNode(graph)
    quads: list[Quad] = []
    for ds in to_add.values():
        quads += dataset_quads(ds, iri_of[ds.identifier], g, iri_of)
    for (src, found, target), file_iri in zip(planned, files, strict=True):
        f = NamedNode(file_iri)
        quads += [
            Quad(f, RDF.type, ox(LK.SampleFile), g), Quad(f, RDF.type, ox(PROV.Entity), g),
            Quad(f, RDFS.label, Literal(src.path.name), g),
            Quad(f, ox(LK.recordsOf), NamedNode(iri_of[target]), g),
            Quad(f, ox(LK.fileSha256), Literal(found.sha256), g),
            Quad(f, ox(LK.recordCount), Literal(str(len(found)), datatype=XSD.integer), g),
            Quad(f, ox(LK.filePath), Literal(str(src.path.resolve())), g),
        ]
        if found.field:
            quads.append(Quad(f, ox(LK.promptField), Literal(found.field), g))
    quads += _run_quads(NamedNode(iris.activity_iri("samples", key)), g, [NamedNode(f) for f in files],
                        kind=LK.SampleRegistration)
    outcome = store.import_quads(list(dict.fromkeys(quads)), graph)
    if not outcome.accepted:
        assert outcome.report is not None
        raise ShapeValidationError(outcome.report,
                                   what="registration of " + ", ".join(s.path.name for s in sources[:3]))
    return [RegisterOutcome(
        registration=Registration(target, iri_of[target], file_iri, found.sha256, str(src.path.resolve()),
                                  found.field, len(found)),
        graph=graph, added_datasets=tuple(d for d in to_add if d in (target, src.target()[0])),
        already_present=outcome.already_present) for (src, found, target), file_iri in zip(planned, files, strict=True)]


def _run_quads(run: NamedNode, g: NamedNode, used: list[NamedNode], *, kind: URIRef,
               started: str | None = None) -> Iterator[Quad]:
    agent = NamedNode(AGENT)
    yield Quad(run, RDF.type, ox(kind), g)
    yield Quad(run, RDF.type, ox(PROV.Activity), g)
    yield Quad(run, ox(PROV.wasAssociatedWith), agent, g)
    yield Quad(run, ox(PROV.startedAtTime), Literal(started or now(), datatype=XSD.dateTime), g)
    yield Quad(run, ox(PROV.endedAtTime), Literal(now(), datatype=XSD.dateTime), g)
    for u in used:
        yield Quad(run, ox(PROV.used), u, g)
    about = NamedNode(iris.about_graph(AGENT))      # the agent is described once (provenance.py)
    for cls in (LK.LineageAgent, PROV.SoftwareAgent, PROV.Agent):
        yield Quad(agent, RDF.type, ox(cls), about)
    yield Quad(agent, RDFS.label, Literal(AGENT_LABEL), about)


def registered_sets(store: OxigraphStore) -> dict[str, list[Registration]]:
    """Every registered sample file, by the identifier of its dataset or split (sorted)."""
    found: dict[str, list[Registration]] = defaultdict(list)
    for r in store.select(library().get("internal/sample-files")):
        found[r["id"]].append(Registration(r["id"], r["dataset"], r["file"], r["sha256"], r["path"],
                                           r.get("field"), int(r["records"])))
    return {k: sorted(v, key=lambda x: x.path) for k, v in sorted(found.items())}


def registrations_of(store: OxigraphStore, identifier: str) -> list[Registration]:
    """The sample files registered for a dataset or split (by id, alias or IRI); a dataset
    without files of its own gets those of its splits. ``InputError`` when there are none."""
    sets = registered_sets(store)
    if identifier in sets:
        return sets[identifier]
    iri = Lineage(store).resolve(identifier)
    own = [r for regs in sets.values() for r in regs if r.dataset_iri == iri]
    if own:
        return own
    parts = [r for regs in sets.values() for r in regs if r.dataset_iri.startswith(iri + "#split-")]
    if not parts:
        raise InputError(f"no sample files registered for {identifier}", field="dataset",
                         hint=f"register one with `lineagekg samples add {identifier} FILE`")
    return parts


def read_registered(reg: Registration) -> RecordFile:
    """Read a registered file again; ``InputError`` when it moved or its bytes changed."""
    path = Path(reg.path)
    if not path.is_file():
        raise InputError("registered sample file is gone", file=reg.path,
                         hint="register the file again where it is now")
    if sha256_of(path) != reg.sha256:
        raise InputError("the file changed since it was registered (SHA-256 differs)", file=reg.path,
                         hint="register it again to measure the new content")
    return read_records(path, field=reg.field if reg.field and "," not in reg.field else None)


def load_set(name: str, regs: list[Registration], **options: object) -> RecordSet:
    """One record set of all the files registered for a dataset or split."""
    records: list[Record] = []
    for reg in regs:
        records += read_registered(reg).records
    return RecordSet(name, records, **options)  # type: ignore[arg-type]


def measurement_key(a: list[Registration], b: list[Registration], result: Overlap) -> str:
    return iris.digest(*(r.file for r in a), "|", *(r.file for r in b),
                       f"{result.ngram}:{result.threshold}:{result.num_perm}")


def record_measurement(store: OxigraphStore, a: list[Registration], b: list[Registration],
                       result: Overlap, *, started: str | None = None) -> str:
    """Write one overlap measurement (records of ``a`` found in ``b``) as PROV; returns its graph.
    The same files measured with the same method are written once."""
    key = measurement_key(a, b, result)
    graph = iris.graph_iri("overlap", key)
    g = NamedNode(graph)
    run = NamedNode(iris.activity_iri("overlap", key))
    res = NamedNode(f"{iris.ID_BASE}overlap/{key}")
    files = sorted({NamedNode(r.file) for r in a + b}, key=lambda n: n.value)
    lit_int = lambda v: Literal(str(int(v)), datatype=XSD.integer)  # noqa: E731 -- a local shorthand
    dec = lambda v: Literal(f"{v:.4f}".rstrip("0").rstrip(".") or "0", datatype=XSD.decimal)  # noqa: E731
    quads = [
        *_run_quads(run, g, files, kind=LK.OverlapMeasurement, started=started),
        Quad(res, RDF.type, ox(LK.OverlapResult), g), Quad(res, RDF.type, ox(PROV.Entity), g),
        Quad(res, ox(PROV.wasGeneratedBy), run, g),
        Quad(res, ox(LK.overlapSubject), NamedNode(a[0].dataset_iri), g),
        Quad(res, ox(LK.overlapTarget), NamedNode(b[0].dataset_iri), g),
        Quad(res, ox(LK.subjectRecords), lit_int(result.a_records), g),
        Quad(res, ox(LK.exactMatches), lit_int(result.exact), g),
        Quad(res, ox(LK.nearMatches), lit_int(result.near), g),
        Quad(res, ox(LK.nearEligible), lit_int(result.near_eligible), g),
        Quad(res, ox(LK.threshold), dec(result.threshold), g),
        Quad(res, ox(LK.ngramSize), lit_int(result.ngram), g),
        Quad(res, ox(LK.numPermutations), lit_int(result.num_perm), g),
        Quad(res, ox(LK.overlapMethod), Literal(method_text(result.ngram, result.threshold, result.num_perm)), g),
    ]
    if result.mean_jaccard is not None:
        quads.append(Quad(res, ox(LK.jaccardEstimate), dec(result.mean_jaccard), g))
    outcome = store.import_quads(quads, graph)
    if not outcome.accepted:
        assert outcome.report is not None
        raise ShapeValidationError(outcome.report, what="overlap measurement")
    return graph


class PreparedSets:
    """The registered record sets of a store, read and prepared (hashes, MinHashes, LSH) once each."""

    def __init__(self, store: OxigraphStore, *, ngram: int, threshold: float, num_perm: int,
                 progress: object | None = None) -> None:
        self.store = store
        self.options = {"ngram": ngram, "threshold": threshold, "num_perm": num_perm}
        self.registrations = registered_sets(store)
        self.progress = progress
        self._sets: dict[str, RecordSet] = {}

    @property
    def ids(self) -> list[str]:
        return list(self.registrations)

    def get(self, identifier: str) -> RecordSet:
        if identifier not in self._sets:
            regs = self.registrations.get(identifier) or registrations_of(self.store, identifier)
            self._sets[identifier] = load_set(identifier, regs, **self.options)
        return self._sets[identifier]

    def regs(self, identifier: str) -> list[Registration]:
        return self.registrations.get(identifier) or registrations_of(self.store, identifier)
