"""Import lineage data other systems publish into the store: parse, turn into PROV-O, validate,
write, all or nothing. One pipeline (:func:`import_batch`) for every format: the paper's JSONL,
the DPI collection, Hub cards, OpenLineage events."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from lineagekg import __version__, iris
from lineagekg.interop import paper_jsonl
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.namespaces import value_of
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.queries import library
from lineagekg.store.base import ImportOutcome
from lineagekg.store.oxigraph import OxigraphStore
from lineagekg.terms import PROV

#: told each phase of an import as it starts ("reading ...", "validating ...")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImportSummary:
    """What an import found in its input and what the store did with it."""

    outcome: ImportOutcome
    datasets: int
    edges: int
    warnings: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def file_document(name: str, data: bytes, retrieved_at: str, kind: str, url: str | None = None) -> DocumentRef:
    """A file an import read: named by its URL when known, else by its content (no local path)."""
    return DocumentRef(iri=url or iris.content_document_iri(data), title=name,
                       sha256=hashlib.sha256(data).hexdigest(), retrieved_at=retrieved_at, kind=kind)


def import_batch(store: OxigraphStore, *, format_name: str, files: Sequence[tuple[str, bytes, str | None]],
                 datasets: Sequence[Dataset], derivations: Sequence[Derivation],
                 documents: Sequence[DocumentRef] = (), document_kind: str | None = None,
                 warnings: Sequence[str] = (), counts: dict[str, int] | None = None,
                 extra_quads: Callable[[dict[str, str], NamedNode], Iterable[Quad]] | None = None,
                 any_graph: bool = False, started_at: str | None = None,
                 progress: Progress | None = None, clock: Callable[[], str] = _now) -> ImportSummary:
    """Write what an importer read as one named graph, validated with SHACL, all or nothing.

    The graph is named by the content of ``files`` (name, bytes, URL if it has one), so importing the same files
    twice writes nothing the second time. Each derivation without documents cites every file.
    ``extra_quads(iri_of, graph)`` adds what the format says beyond datasets and derivations (the
    activities of OpenLineage runs; with ``any_graph`` they may be in other named graphs, the
    bundles of a PROV document). A batch that fails SHACL comes back with
    ``outcome.accepted == False`` and the report. ``progress`` is told each phase as it starts
    (building PROV, validating and writing), for a long import's progress display. ``clock``
    gives the run's times (``xsd:dateTime`` text; a fixed one makes the graph reproducible).
    """
    say = progress or (lambda phase: None)
    started = started_at or clock()
    key = hashlib.sha256(b"\x1e".join(name.encode() + b"\x1f" + data for name, data, _ in files)).hexdigest()[:16]
    used = tuple(file_document(name, data, started, document_kind or f"{format_name} file", url)
                 for name, data, url in files)
    cited = tuple(d.iri for d in used)
    derivations = [d if d.documents else replace(d, documents=cited) for d in derivations]
    run = AgentRun(
        iri=iris.activity_iri("import", key), kind="ImportRun",
        agent_iri=iris.agent_iri(f"lineagekg-import-{format_name}", __version__),
        agent_label=f"lineagekg import {format_name} {__version__}", started_at=started,
        ended_at=clock(), used=used)
    batch = LineageBatch(graph=iris.graph_iri("import", key), datasets=tuple(datasets),
                         derivations=tuple(derivations), run=run)
    documents = [d for d in documents if d.iri not in cited]      # a file read is described once
    say(f"building PROV for {len(datasets)} datasets and {len(derivations)} edges")
    quads = batch_quads(batch, extra_documents=documents)
    if extra_quads is not None:
        quads = list(dict.fromkeys([*quads, *extra_quads(batch.iri_map(), NamedNode(batch.graph))]))
    say(f"validating {len(quads)} quads with SHACL, then writing")
    steps = {1: "batch loaded for checking", 2: "stored context read", 3: "acyclicity checked",
             4: "shapes checked"}
    outcome = store.import_quads(quads, batch.graph, any_graph=any_graph,
                                 progress=lambda done, total: say(
                                     f"validating {len(quads)} quads with SHACL: {steps.get(done, done)} "
                                     f"({done}/{total}), then writing"))
    return ImportSummary(outcome=outcome, datasets=len(datasets), edges=len(derivations),
                         warnings=tuple(warnings), counts=dict(counts or {}))


def import_lineage_jsonl(store: OxigraphStore, nodes: Path, edges: Path, *,
                         started_at: str | None = None, progress: Progress | None = None,
                         clock: Callable[[], str] = _now) -> ImportSummary:
    """Import a paper-format lineage graph (node and edge JSONL files) as one named graph.

    Raises ``InputError`` for malformed input (nothing written); a batch that fails SHACL comes
    back with ``outcome.accepted == False`` and the report (nothing written).
    """
    if progress:
        progress(f"reading {nodes.name} and {edges.name}")
    known = {str(r["dataset"]): str(r["id"]) for r in store.select(library().get("internal/identifiers"))}
    parsed = paper_jsonl.read(nodes, edges, known_ids=known)
    return import_batch(store, format_name="lineage-jsonl",
                        files=[(nodes.name, nodes.read_bytes(), None), (edges.name, edges.read_bytes(), None)],
                        datasets=parsed.datasets, derivations=parsed.derivations,
                        documents=parsed.documents, document_kind="lineage JSONL",
                        warnings=parsed.warnings, counts=parsed.counts, started_at=started_at, progress=progress,
                        clock=clock)


def import_dpi(store: OxigraphStore, folder: Path, *, started_at: str | None = None,
               progress: Progress | None = None) -> ImportSummary:
    """Import the Data Provenance Initiative collection from its own ``data_summaries`` JSON files."""
    from lineagekg.interop import dpi

    if progress:
        progress(f"reading {folder.name}")
    parsed = dpi.read_collection(folder)
    return import_batch(store, format_name="dpi", files=[(p.name, p.read_bytes(), None) for p in parsed.files],
                        datasets=parsed.datasets, derivations=parsed.derivations,
                        document_kind="DPI data summary", warnings=parsed.warnings,
                        counts=parsed.counts, started_at=started_at, progress=progress)


def import_hf_cards(store: OxigraphStore, folder: Path, *, started_at: str | None = None,
                    progress: Progress | None = None) -> ImportSummary:
    """Import Hugging Face dataset cards in bulk (a folder of cards or the local HF cache)."""
    from lineagekg.interop import hf_cards

    if progress:
        progress(f"reading the cards in {folder.name}")
    parsed = hf_cards.read_cards(folder)
    return import_batch(store, format_name="hf-cards", files=parsed.files, datasets=parsed.datasets,
                        derivations=parsed.derivations, documents=parsed.documents,
                        document_kind="Hugging Face dataset card", warnings=parsed.warnings,
                        counts=parsed.counts, started_at=started_at, progress=progress)


def import_openlineage(store: OxigraphStore, path: Path, *, started_at: str | None = None,
                       progress: Progress | None = None) -> ImportSummary:
    """Import OpenLineage run events (a file or a folder) as PROV activities."""
    from lineagekg.interop import openlineage

    if progress:
        progress(f"reading {path.name}")
    parsed = openlineage.read_events(path)

    def activities(iri_of: dict[str, str], graph: NamedNode) -> Iterable[Quad]:
        for run in parsed.runs:
            yield from openlineage.run_quads(run, iri_of, graph)

    return import_batch(store, format_name="openlineage",
                        files=[(p.name, p.read_bytes(), None) for p in parsed.files],
                        datasets=parsed.datasets, derivations=(), document_kind="OpenLineage events",
                        counts=parsed.counts, extra_quads=activities, started_at=started_at,
                        progress=progress)


#: file suffix -> format of ``import prov`` (PROV-N, PROV-JSON, PROV-XML, or PROV-O in an RDF syntax)
PROV_SUFFIXES = {".provn": "provn", ".json": "provjson", ".provjson": "provjson", ".xml": "provxml",
                 ".provx": "provxml", ".ttl": "turtle", ".trig": "trig", ".nq": "nquads", ".nt": "ntriples",
                 ".jsonld": "jsonld", ".rdf": "rdfxml", ".owl": "rdfxml"}


def import_prov(store: OxigraphStore, path: Path, *, fmt: str | None = None, started_at: str | None = None,
                progress: Progress | None = None) -> ImportSummary:
    """Import a PROV document (PROV-N, PROV-JSON, PROV-XML or PROV-O): its bundles become named
    graphs of the same name, its top-level statements the import's own bundle (a prov:Bundle
    generated by the import run), all SHACL-checked and written in one transaction.

    Raises:
        InputError: the format is unknown, the file does not parse, or it holds a PROV record
            lineagekg cannot store as PROV-O (nothing is written).
    """
    import pyoxigraph as ox

    from lineagekg.errors import InputError
    from lineagekg.interop import prov_documents
    from lineagekg.store.oxigraph import EXPORT_FORMATS

    fmt = fmt or PROV_SUFFIXES.get(path.suffix.lower())
    if fmt is None or (fmt not in prov_documents.PROV_FORMATS and fmt not in EXPORT_FORMATS):
        raise InputError(f"cannot tell the PROV format of {path.name}", file=str(path), field="format",
                         hint="name it with --format: provn, provjson, provxml, or an RDF syntax "
                              "(turtle, trig, nquads, ntriples, jsonld, rdfxml) for PROV-O")
    if progress:
        progress(f"reading {path.name} ({fmt})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    if fmt in prov_documents.PROV_FORMATS:
        quads = prov_documents.read(data, fmt, source=str(path))
    else:
        try:
            quads = list(ox.parse(data, format=EXPORT_FORMATS[fmt]))
        except (SyntaxError, ValueError) as exc:
            raise InputError(f"not {fmt}: {exc}", file=str(path)) from exc

    def statements(iri_of: dict[str, str], graph: NamedNode) -> list[Quad]:
        """The document's statements: its bundles as they are, the rest in the import's bundle."""
        return [Quad(q.subject, q.predicate, q.object, graph) if isinstance(q.graph_name, ox.DefaultGraph) else q
                for q in quads]

    summary = import_batch(store, format_name="prov", files=[(path.name, data, None)], datasets=(),
                           derivations=(), document_kind="PROV document", extra_quads=statements,
                           any_graph=True, started_at=started_at, progress=progress)
    datasets = {q.subject for q in quads if q.predicate.value.endswith("#type")
                and value_of(q.object) == "https://w3id.org/lineagekg/ns#Dataset"}
    edges = {q.object for q in quads if q.predicate == PROV.qualifiedDerivation}
    return replace(summary, datasets=len(datasets), edges=len(edges))
