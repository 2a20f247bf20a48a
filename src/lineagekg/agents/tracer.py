"""The tracer: breadth-first upstream from seed datasets, one validated named graph per dataset.

For each dataset it reads the corpus documents about it, runs the tracing backend on each, drops
every claim whose evidence is not found verbatim in its document (the guard against invented
sources), aggregates the rest and writes one :class:`LineageBatch` through
``store.import_quads`` (SHACL-checked, all or nothing). Then it goes on with the sources found.

Graph IRIs are deterministic, so a re-run (or a killed run run again) writes nothing twice:

* a traced dataset: ``graph/trace/<digest(dataset id, prompt version, document hashes)>``; its
  terminal flag (``NoSourceFound`` when its documents name no source) is in that same batch;
* a dataset not traced: ``graph/terminal/<digest(dataset id, reason)>``, holding only its
  terminal flag (``NoSourceFound`` when the corpus has no document about it, ``DepthReached``
  when it lies at the depth limit). A ``DepthReached`` graph is dropped once the dataset is traced.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lineagekg import iris
from lineagekg.agents.aggregation import aggregate, review_status
from lineagekg.corpus import Corpus
from lineagekg.documents import Claim, SourceDocument
from lineagekg.errors import InputError
from lineagekg.llm.heuristic import evidence_in
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.queries import SPARQLQuery
from lineagekg.store.base import ImportOutcome
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["DatasetProgress", "TraceBackend", "TraceSummary", "Tracer"]


class TraceBackend(Protocol):
    kind: str
    model: str
    prompt_version: str

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]: ...


@dataclass(frozen=True)
class DatasetProgress:
    """What the tracer did with one dataset (for a progress line)."""

    dataset: str
    depth: int
    status: str                    # "traced", "already traced", "terminal", "rejected"
    documents: int = 0
    edges: int = 0
    sources: int = 0
    reason: str | None = None      # the terminal reason, or the first SHACL violation


@dataclass
class TraceSummary:
    """What a tracing run found and wrote."""

    seeds: tuple[str, ...]
    datasets_traced: int = 0               # datasets whose documents were traced (this run or before)
    already_traced: int = 0                # of those, found in the store already (nothing written)
    edges_written: int = 0
    quads_written: int = 0
    claims_dropped: int = 0                # evidence not found verbatim in the document
    documents_failed: int = 0
    document_errors: list[str] = field(default_factory=list)
    terminal: Counter[str] = field(default_factory=Counter)
    batches_rejected: int = 0
    first_violation: str | None = None
    graphs_written: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"seeds": list(self.seeds), "datasets_traced": self.datasets_traced,
                "already_traced": self.already_traced, "edges_written": self.edges_written,
                "quads_written": self.quads_written, "claims_dropped": self.claims_dropped,
                "documents_failed": self.documents_failed, "document_errors": list(self.document_errors),
                "terminal_reasons": dict(sorted(self.terminal.items())),
                "batches_rejected": self.batches_rejected, "first_violation": self.first_violation,
                "graphs_written": list(self.graphs_written)}


_IDENTIFIER_OF = SPARQLQuery.from_text("internal/tracer-identifier", """\
#+ summary: The identifier a dataset IRI already has in the store.
#+ returns: [id]
#+ params:
#+   dataset: {type: iri, description: the dataset's IRI}
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id WHERE { ?dataset dcterms:identifier ?id } LIMIT 1
""")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _on_hub(identifier: str) -> bool:
    """An ``org/name`` id (the Hub's form); bare names stay project datasets."""
    return "/" in identifier and iris.looks_like_hub_id(identifier)


def _dataset_iri(identifier: str) -> str:
    return iris.dataset_iri(identifier, on_hub=_on_hub(identifier))


def _document_ref(document: SourceDocument) -> DocumentRef:
    title = document.metadata.get("pretty_name") if document.metadata else None
    if not title and document.path:
        title = Path(document.path).name
    return DocumentRef(iri=document.url, title=str(title) if title else None, sha256=document.sha256,
                       retrieved_at=document.retrieved_at, kind=document.kind)


class Tracer:
    """Trace datasets upstream, breadth-first, up to ``depth`` hops from the seeds.

    Seeds are at depth 0; a dataset at depth ``depth`` is not traced but marked ``DepthReached``.
    ``progress`` is called once per dataset visited.
    """

    def __init__(self, store: OxigraphStore, corpus: Corpus, backend: TraceBackend, depth: int = 3, *,
                 progress: Callable[[DatasetProgress], None] | None = None) -> None:
        if depth < 0:
            raise InputError(f"depth must be 0 or more, not {depth}", field="depth")
        self.store = store
        self.corpus = corpus
        self.backend = backend
        self.depth = depth
        self.progress = progress
        self._aliases = corpus.aliases()

    # --- names and graphs ---------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """The corpus id of a name (alias table), else the name as written."""
        return self.corpus.resolve(name) or name.strip()

    def agent_iri(self) -> str:
        return iris.agent_iri("lineagekg-tracer-" + self.backend.kind, self.backend.prompt_version)

    def trace_key(self, dataset: str, documents: Iterable[SourceDocument]) -> str:
        return iris.digest(dataset, self.backend.prompt_version, *sorted(d.sha256 for d in documents))

    def trace_graph(self, dataset: str, documents: Iterable[SourceDocument]) -> str:
        return iris.graph_iri("trace", self.trace_key(dataset, documents))

    @staticmethod
    def terminal_key(dataset: str, reason: str) -> str:
        return iris.digest(dataset, reason)

    def terminal_graph(self, dataset: str, reason: str) -> str:
        return iris.graph_iri("terminal", self.terminal_key(dataset, reason))

    def _known_identifier(self, identifier: str) -> str:
        """The identifier the store already gives this dataset's IRI (so that two spellings of one
        IRI, ``Evol-Instruct`` and ``evol instruct``, never give it two identifiers)."""
        rows = self.store.select(_IDENTIFIER_OF, dataset=_dataset_iri(identifier))
        return str(rows[0]["id"]) if rows and rows[0].get("id") else identifier

    # --- claims -------------------------------------------------------------------------------

    def claims_for(self, dataset: str, documents: list[SourceDocument],
                   summary: TraceSummary | None = None) -> list[Claim]:
        """The verified, aggregated claims about ``dataset`` in its documents: one per
        (source, relation), the most confident (deterministic)."""
        kept: list[Claim] = []
        for document in documents:
            for claim in self.backend.trace(document, document.text, self._aliases):
                if not claim.evidence.strip() or not evidence_in(document.text, claim.evidence):
                    if summary is not None:
                        summary.claims_dropped += 1
                    continue
                kept.append(claim)
        target_iri = _dataset_iri(dataset)
        best: dict[tuple[str, str], Claim] = {}
        for claim in aggregate(kept, self.corpus.resolve):
            if claim.target.lower() != dataset.lower() and _dataset_iri(claim.target) != target_iri:
                continue           # a claim about another dataset of the document
            source_iri = _dataset_iri(claim.source)
            if source_iri == target_iri:
                continue
            key = (source_iri, claim.relation)
            old = best.get(key)
            if old is None or claim.confidence > old.confidence:
                best[key] = claim
        return list(best.values())

    # --- batches ------------------------------------------------------------------------------

    def _run(self, kind: str, key: str, used: tuple[DocumentRef, ...], started: str) -> AgentRun:
        return AgentRun(
            iri=iris.activity_iri(kind, key), kind="TracingRun", agent_iri=self.agent_iri(),
            agent_label=f"lineagekg tracer ({self.backend.kind} backend, {self.backend.prompt_version})",
            started_at=started, ended_at=_now(), prompt_version=self.backend.prompt_version,
            model=self.backend.model, used=used)

    def _write(self, batch: LineageBatch, documents: tuple[DocumentRef, ...],
               summary: TraceSummary) -> ImportOutcome:
        outcome = self.store.import_quads(batch_quads(batch, extra_documents=documents), batch.graph)
        if not outcome.accepted:
            summary.batches_rejected += 1
            if summary.first_violation is None and outcome.report is not None and outcome.report.violations:
                summary.first_violation = outcome.report.violations[0].describe()
        elif not outcome.already_present:
            summary.quads_written += outcome.quads_written
            summary.graphs_written.append(batch.graph)
        return outcome

    def _terminal(self, dataset: str, reason: str, summary: TraceSummary) -> bool:
        """Write (once) the small graph that marks ``dataset`` terminal for ``reason``."""
        key = self.terminal_key(dataset, reason)
        graph = iris.graph_iri("terminal", key)
        if self.store.has_graph(graph):
            summary.terminal[reason] += 1
            return True
        ds = Dataset(identifier=dataset, label=dataset, on_hub=_on_hub(dataset), is_terminal=True,
                     terminal_reason=reason)
        batch = LineageBatch(graph=graph, datasets=(ds,), derivations=(),
                             run=self._run("terminal", key, (), _now()))
        outcome = self._write(batch, (), summary)
        if outcome.accepted:
            summary.terminal[reason] += 1
        return outcome.accepted

    # --- the run ------------------------------------------------------------------------------

    def run(self, seeds: Iterable[str]) -> TraceSummary:
        """Trace the seeds and everything upstream of them, up to the depth limit."""
        seeds = tuple(seeds)
        summary = TraceSummary(seeds=seeds)
        queue: deque[tuple[str, int]] = deque()
        seen: set[str] = set()
        for seed in seeds:
            ident = self.canonical(seed)
            if ident and _dataset_iri(ident) not in seen:
                seen.add(_dataset_iri(ident))
                queue.append((ident, 0))
        while queue:
            dataset, depth = queue.popleft()
            for source in self._visit(dataset, depth, summary):
                iri = _dataset_iri(source)
                if iri not in seen:
                    seen.add(iri)
                    queue.append((source, depth + 1))
        return summary

    def _report(self, event: DatasetProgress) -> None:
        if self.progress is not None:
            self.progress(event)

    def _visit(self, dataset: str, depth: int, summary: TraceSummary) -> list[str]:
        """Trace one dataset; the sources to visit next."""
        errors: list[InputError] = []
        documents = self.corpus.documents_for(dataset, on_error=errors.append)
        summary.documents_failed += len(errors)
        summary.document_errors.extend(str(e) for e in errors)
        trace_graph = self.trace_graph(dataset, documents) if documents else None

        if depth >= self.depth and not (trace_graph and self.store.has_graph(trace_graph)):
            self._terminal(dataset, "DepthReached", summary)
            self._report(DatasetProgress(dataset, depth, "terminal", len(documents), reason="DepthReached"))
            return []
        if not documents:
            self._terminal(dataset, "NoSourceFound", summary)
            self._drop_stale(dataset)
            self._report(DatasetProgress(dataset, depth, "terminal", 0, reason="NoSourceFound"))
            return []

        assert trace_graph is not None
        started = _now()
        claims = self.claims_for(dataset, documents, summary)
        sources = list(dict.fromkeys(self._known_identifier(c.source) for c in claims))
        refs = tuple(dict.fromkeys(_document_ref(d) for d in documents))
        if self.store.has_graph(trace_graph):
            summary.datasets_traced += 1
            summary.already_traced += 1
            if not claims:
                summary.terminal["NoSourceFound"] += 1
            self._drop_stale(dataset)
            self._report(DatasetProgress(dataset, depth, "already traced", len(documents),
                                         sources=len(sources)))
            return sources

        target = Dataset(identifier=dataset, label=dataset, on_hub=_on_hub(dataset),
                         is_terminal=True if not claims else None,
                         terminal_reason="NoSourceFound" if not claims else None)
        datasets: dict[str, Dataset] = {target.identifier: target}
        derivations: list[Derivation] = []
        for claim in claims:
            source = self._known_identifier(claim.source)
            datasets.setdefault(source, Dataset(identifier=source, label=source, on_hub=_on_hub(source)))
            derivations.append(Derivation(
                target=dataset, source=source, relation=claim.relation, confidence=claim.confidence,
                evidence=claim.evidence, documents=(claim.document,), review_status=review_status(claim.confidence)))
        key = self.trace_key(dataset, documents)
        batch = LineageBatch(graph=trace_graph, datasets=tuple(datasets.values()),
                             derivations=tuple(derivations), run=self._run("trace", key, refs, started))
        outcome = self._write(batch, refs, summary)
        if not outcome.accepted:
            reason = summary.first_violation
            if outcome.report is not None and outcome.report.violations:
                reason = outcome.report.violations[0].describe()
            self._report(DatasetProgress(dataset, depth, "rejected", len(documents), reason=reason))
            return []
        summary.datasets_traced += 1
        summary.edges_written += len(derivations)
        if not claims:
            summary.terminal["NoSourceFound"] += 1
        self._drop_stale(dataset)
        self._report(DatasetProgress(dataset, depth, "traced", len(documents), edges=len(derivations),
                                     sources=len(sources), reason=None if claims else "NoSourceFound"))
        return sources

    def _drop_stale(self, dataset: str) -> None:
        """A traced dataset is no longer cut off by the depth limit of an earlier run."""
        stale = self.terminal_graph(dataset, "DepthReached")
        if self.store.has_graph(stale):
            self.store.drop_graph(stale)
            if self.store.has_graph(stale + "/validation"):
                self.store.drop_graph(stale + "/validation")
