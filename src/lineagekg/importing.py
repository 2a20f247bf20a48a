"""Import lineage data other systems publish into the store: parse, turn into PROV-O, validate,
write, all or nothing. One pipeline (:func:`import_batch`) for every format: the paper's JSONL,
the DPI collection, Hub cards, OpenLineage events."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad
from rdflib import Graph

from lineagekg import __version__, import_chunks, iris
from lineagekg.errors import ConfigError
from lineagekg.interop import paper_jsonl
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.namespaces import value_of
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.queries import library
from lineagekg.store.base import ImportOutcome, WriteOutcome
from lineagekg.store.oxigraph import OxigraphStore
from lineagekg.terms import LK, PROV, XSD
from lineagekg.validation import ShapeReport

#: told each phase of an import as it starts ("reading ...", "validating ...")
Progress = Callable[[str], None]


class ChunkLine(str):
    """A progress message that reports a chunk's end (committed, or written by an earlier run):
    the line a user sees per chunk, where the other messages are passing phases."""


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk of a chunked import did: ``state`` is ``committed``, ``present`` (an
    earlier run of the same import committed it) or ``rejected`` (nothing of it written)."""

    chunk: str                    # Chunk.describe()
    datasets: int
    state: str
    quads_written: int = 0


@dataclass(frozen=True)
class ImportSummary:
    """What an import found in its input and what the store did with it (``chunks``: chunk by
    chunk, for an import written in several)."""

    outcome: ImportOutcome
    datasets: int
    edges: int
    warnings: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    chunks: tuple[ChunkResult, ...] = ()


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
                 progress: Progress | None = None, clock: Callable[[], str] = _now,
                 commit_every: int | None = None) -> ImportSummary:
    """Write what an importer read as one named graph, validated with SHACL, all or nothing
    (with ``commit_every``: in chunks, each all or nothing, see ``write_in_chunks``).

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
    key = hashlib.sha256(b"\x1e".join(name.encode() + b"\x1f" + data for name, data, _ in files)).hexdigest()[:16]
    graph = iris.graph_iri("import", key)
    unfinished = _unfinished_run(store, graph)
    started, ended = unfinished or (started_at or clock(), None)
    used = tuple(file_document(name, data, started, document_kind or f"{format_name} file", url)
                 for name, data, url in files)
    cited = tuple(d.iri for d in used)
    derivations = [d if d.documents else replace(d, documents=cited) for d in derivations]
    run = AgentRun(
        iri=iris.activity_iri("import", key), kind="ImportRun",
        agent_iri=iris.agent_iri(f"lineagekg-import-{format_name}", __version__),
        agent_label=f"lineagekg import {format_name} {__version__}", started_at=started,
        ended_at=ended or clock(), used=used)
    batch = LineageBatch(graph=graph, datasets=tuple(datasets), derivations=tuple(derivations), run=run)
    documents = [d for d in documents if d.iri not in cited]      # a file read is described once
    if commit_every is not None or unfinished is not None:
        if extra_quads is not None:
            raise ConfigError(f"a {format_name} import cannot be written in chunks",
                              hint="leave out --commit-every: it is written all or nothing")
        if unfinished is not None:
            say(f"resuming the unfinished import {graph}: chunks already written are skipped")
        outcome, chunks = write_in_chunks(store, batch, documents, commit_every or max(len(datasets), 1), say)
        return ImportSummary(outcome=outcome, datasets=len(datasets), edges=len(derivations),
                             warnings=tuple(warnings), counts=dict(counts or {}), chunks=chunks)
    say(f"building PROV for {len(datasets)} datasets and {len(derivations)} edges")
    quads = batch_quads(batch, extra_documents=documents)
    if extra_quads is not None:
        quads = list(dict.fromkeys([*quads, *extra_quads(batch.iri_map(), NamedNode(batch.graph))]))
    say(f"validating {len(quads)} quads with SHACL, then writing")
    outcome = store.import_quads(quads, batch.graph, any_graph=any_graph,
                                 progress=lambda done, total: say(
                                     f"validating {len(quads)} quads with SHACL: {_STEPS.get(done, done)} "
                                     f"({done}/{total}), then writing"))
    return ImportSummary(outcome=outcome, datasets=len(datasets), edges=len(derivations),
                         warnings=tuple(warnings), counts=dict(counts or {}))


def _unfinished_run(store: OxigraphStore, graph: str) -> tuple[str, str] | None:
    """(started, generated) times of the import run of ``graph`` if the store holds that graph
    but not the run's end, which a chunked import writes with its last chunk only; else None."""
    if not store.has_graph(graph):
        return None
    rows = store.select(library().get("internal/import-run-times"), graph=graph)
    if not rows or any(r["ended"] is not None for r in rows):
        return None
    return str(rows[0]["started"]), str(rows[0]["generated"])


def write_in_chunks(store: OxigraphStore, batch: LineageBatch, documents: Sequence[DocumentRef], size: int,
                     say: Progress) -> tuple[ImportOutcome, tuple[ChunkResult, ...]]:
    """Write ``batch`` in chunks of about ``size`` datasets, each validated against the store
    and committed on its own, in topological order (``import_chunks.plan``), so a chunk's
    parents are in the store when it is checked; memory is bounded by a chunk's quads.

    Acyclicity, the one constraint that reads the whole graph, is checked once before the first
    chunk over the whole batch and the store (``acyclicity_report``), under the write lock held
    until the last chunk. A chunk with violations stops the import: nothing of it is written,
    the chunks before it stay, and the outcome names the chunk. The run's ``prov:endedAtTime`` is
    written with the last chunk only: until then the import is unfinished, and running it
    again (same files) reuses the run's times and skips the chunks whose datasets the bundle
    already describes, so it writes exactly what one write of the whole batch would.
    """
    graph = NamedNode(batch.graph)
    if store.has_graph(batch.graph) and _unfinished_run(store, batch.graph) is None:
        return WriteOutcome(what=f"import of graph {batch.graph}", accepted=True, added=0, removed=0,
                            graphs_created=(), graphs_dropped=(), report=None, already_present=True,
                            graph=batch.graph), ()
    iri_of = batch.iri_map()
    chunks = import_chunks.plan(batch.datasets, batch.derivations, size)
    ended = Quad(NamedNode(batch.run.iri), PROV.endedAtTime, Literal(batch.run.ended_at or "", datatype=XSD.dateTime),
                 graph)
    by_iri = {d.iri: d for d in documents}
    cited = {i for d in batch.derivations for i in d.documents}
    results: list[ChunkResult] = []
    outcomes: list[ImportOutcome] = []
    with store.exclusive():
        say(f"checking that {len(batch.derivations):,} edges close no cycle with the store")
        edges: dict[NamedNode, set[NamedNode]] = {}
        for d in batch.derivations:
            edges.setdefault(NamedNode(iri_of[d.target]), set()).add(NamedNode(iri_of[d.source]))
        cycles = store.acyclicity_report(edges, {NamedNode(iri) for iri in iri_of.values()})
        del edges
        if cycles.has_violations:
            return WriteOutcome(what=f"import of graph {batch.graph} (acyclicity of the whole batch, checked "
                                     "before the first chunk)", accepted=False, added=0, removed=0,
                                graphs_created=(), graphs_dropped=(), report=cycles, graph=batch.graph), ()
        for chunk in chunks:
            name = chunk.describe()
            last = chunk.number == chunk.of
            describes = [Quad(graph, LK.describes, NamedNode(iri_of[d.identifier]), graph) for d in chunk.datasets]
            if store.holds([*describes, ended] if last else describes):
                results.append(ChunkResult(name, len(chunk.datasets), "present"))
                say(ChunkLine(f"{name}: in the store already (an earlier run of this import)"))
                continue
            docs = [by_iri[i] for d in chunk.derivations for i in d.documents if i in by_iri]
            if chunk.number == 1:
                docs += [d for d in documents if d.iri not in cited]
            part = LineageBatch(graph=batch.graph, datasets=chunk.datasets, derivations=chunk.derivations,
                                run=batch.run)
            quads = batch_quads(part, extra_documents=dict.fromkeys(docs), iri_of=iri_of)
            if not last:
                quads = [q for q in quads if q != ended]
            say(f"{name}: validating {len(quads):,} quads with SHACL, then writing")
            outcome = store.import_quads(quads, batch.graph, resume=True, cycles=False,
                                         progress=functools.partial(_say_step, say, name))
            del quads
            if not outcome.accepted:
                results.append(ChunkResult(name, len(chunk.datasets), "rejected"))
                return replace(outcome, what=f"import of graph {batch.graph}, {name}"), tuple(results)
            results.append(ChunkResult(name, len(chunk.datasets), "committed", outcome.added))
            outcomes.append(outcome)
            store.flush()          # RocksDB keeps written data in memtables until flushed: memory would grow
            say(ChunkLine(f"{name} committed: {outcome.added:,} quads written"))
    return _combined(batch.graph, outcomes, len(chunks)), tuple(results)


def _combined(graph: str, outcomes: list[ImportOutcome], chunks: int) -> ImportOutcome:
    """One outcome for the committed chunks of an import: their counts and SHACL results."""
    results = tuple(r for o in outcomes if o.report for r in o.report.results)
    report_graph = Graph()
    for o in outcomes:
        if o.report is not None:
            report_graph += o.report.graph
    return WriteOutcome(what=f"import of graph {graph} in {chunks} chunk(s)", accepted=True,
                        added=sum(o.added for o in outcomes), removed=0,
                        graphs_created=tuple(sorted({g for o in outcomes for g in o.graphs_created})),
                        graphs_dropped=(), already_present=not outcomes, graph=graph,
                        report=ShapeReport(conforms=True, results=results, graph=report_graph) if outcomes else None)


def _say_step(say: Progress, name: str, done: int, total: int) -> None:
    say(f"{name}: validating: {_STEPS.get(done, done)} ({done}/{total}), then writing")


_STEPS = {1: "batch loaded for checking", 2: "stored context read", 3: "acyclicity checked", 4: "shapes checked"}


def import_lineage_jsonl(store: OxigraphStore, nodes: Path, edges: Path, *,
                         started_at: str | None = None, progress: Progress | None = None,
                         clock: Callable[[], str] = _now, commit_every: int | None = None) -> ImportSummary:
    """Import a paper-format lineage graph (node and edge JSONL files) as one named graph.

    Raises ``InputError`` for malformed input (nothing written); a batch that fails SHACL comes
    back with ``outcome.accepted == False`` and the report (nothing written). With
    ``commit_every`` it is written in chunks of about that many datasets, each validated
    against the store and committed on its own (``write_in_chunks``).
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
                        clock=clock, commit_every=commit_every)


def import_dpi(store: OxigraphStore, folder: Path, *, started_at: str | None = None,
               progress: Progress | None = None, clock: Callable[[], str] = _now,
               commit_every: int | None = None) -> ImportSummary:
    """Import the Data Provenance Initiative collection from its own ``data_summaries`` JSON files."""
    from lineagekg.interop import dpi

    if progress:
        progress(f"reading {folder.name}")
    parsed = dpi.read_collection(folder)
    return import_batch(store, format_name="dpi", files=[(p.name, p.read_bytes(), None) for p in parsed.files],
                        datasets=parsed.datasets, derivations=parsed.derivations,
                        document_kind="DPI data summary", warnings=parsed.warnings, counts=parsed.counts,
                        started_at=started_at, progress=progress, clock=clock, commit_every=commit_every)


def import_hf_cards(store: OxigraphStore, folder: Path, *, started_at: str | None = None,
                    progress: Progress | None = None,
                    commit_every: int | None = None) -> ImportSummary:
    """Import Hugging Face dataset cards in bulk (a folder of cards or the local HF cache)."""
    from lineagekg.interop import hf_cards

    if progress:
        progress(f"reading the cards in {folder.name}")
    parsed = hf_cards.read_cards(folder)
    return import_batch(store, format_name="hf-cards", files=parsed.files, datasets=parsed.datasets,
                        derivations=parsed.derivations, documents=parsed.documents,
                        document_kind="Hugging Face dataset card", warnings=parsed.warnings,
                        counts=parsed.counts, started_at=started_at, progress=progress, commit_every=commit_every)


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
    from lineagekg.store.rdf_text import EXPORT_FORMATS

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
