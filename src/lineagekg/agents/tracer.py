"""The tracer: breadth-first upstream from seed datasets, one validated named graph per dataset.

For each dataset it asks the sourcing agent for the dataset's documents (corpus, HF cache, Hub
card, linked papers and READMEs), then, as the paper's first stage does, decides whether to
expand it at all:

1. **not on the Hub** (:meth:`SourcingAgent.on_hub` says False: an id the Hub never accepts, an
   id the corpus index marks ``"on_hub": false``, or, online, one the Hub says does not exist)
   -> terminal ``NotOnHub``. Offline, "unknown" is never taken for "not on the Hub";
2. **released before the cut-off** (default 2020-01-01; release = the earlier of the Hub creation
   date and the paper date, see :meth:`SourcingAgent.release`) -> terminal ``BeforeCutoff``;
3. at the **depth limit** -> terminal ``DepthReached``;
4. **no document** that can be traced -> terminal ``NoSourceFound``; but when a document could
   not be fetched because the network failed (or the Hub was down), the dataset is
   *unreachable*: nothing is written for it and a later run tries again.

Otherwise it runs the tracing backend on each document (``backend.answer``: claims, problems,
token usage), drops every claim that fails :func:`check_claim` (evidence not verbatim in its
document, a relation outside the taxonomy, a confidence out of range: the guard against
invented sources), aggregates the rest, sets aside the sources released after the dataset,
classifies the dataset (domains, origin) and writes one :class:`LineageBatch` through
``store.import_quads`` (SHACL-checked, all or nothing). Then it goes on with the sources found.

Every document tried is recorded on the run as PROV: ``prov:used``, and a qualified
``lk:DocumentUsage`` with its ``lk:documentOutcome`` (traced, unreadable, empty, in another
language, unreachable), the message as ``rdfs:comment``, and for a traced document how many
problems the backend's answer had and how many claims were dropped. Token usage goes on the run
(``lk:inputTokens``/``lk:outputTokens``) when a model was asked.

Graph IRIs are deterministic, so a re-run (or a killed run run again) writes nothing twice:

* a traced dataset: ``graph/trace/<digest(dataset id, prompt version, document hashes)>``; its
  terminal flag (``NoSourceFound`` when its documents name no source) is in that same batch;
* a dataset not traced: ``graph/terminal/<digest(dataset id, reason)>``, holding only its
  terminal flag and what is known of it (dates, domains, origin). A dataset has at most one
  terminal graph: writing one drops the others, and tracing a dataset drops them all (a deeper
  or later-cut-off run expands what an earlier one stopped at).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from lineagekg import iris
from lineagekg.agents.aggregation import (
    aggregate,
    check_claim,
    reject_later_sources,
    review_status,
)
from lineagekg.agents.classification import classify
from lineagekg.agents.release_dates import ReleaseDate
from lineagekg.agents.sourcing import Attempt, Sources, SourcingAgent
from lineagekg.corpus import Corpus
from lineagekg.documents import Claim, SourceDocument
from lineagekg.errors import InputError, ModelCallError
from lineagekg.interop.hf_cards import card_fields
from lineagekg.llm.protocol import TraceBackend, Usage
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef, DocumentUsage
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.queries import library
from lineagekg.store.base import ImportOutcome
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["DEFAULT_CUTOFF", "TERMINAL_REASONS", "DatasetProgress", "TraceSummary", "Tracer"]

#: the paper's cut-off: only datasets released in 2020 or later are expanded
DEFAULT_CUTOFF = dt.date(2020, 1, 1)
TERMINAL_REASONS = ("NoSourceFound", "BeforeCutoff", "NotOnHub", "DepthReached")


@dataclass(frozen=True)
class DatasetProgress:
    """What the tracer did with one dataset (for a progress line)."""

    dataset: str
    depth: int
    status: str                    # "traced", "already traced", "terminal", "rejected", "failed", "unreachable"
    documents: int = 0
    edges: int = 0
    sources: int = 0
    reason: str | None = None      # the terminal reason, or the first SHACL violation
    pending: int = 0               # datasets still queued after this one


@dataclass
class TraceSummary:
    """What a tracing run found and wrote, and what it could not use."""

    seeds: tuple[str, ...]
    datasets_traced: int = 0               # datasets whose documents were traced (this run or before)
    already_traced: int = 0                # of those, found in the store already (nothing written)
    edges_written: int = 0
    quads_written: int = 0
    claims_dropped: int = 0                # failed check_claim: never reached the store
    drop_reasons: Counter[str] = field(default_factory=Counter)
    sources_rejected: int = 0              # source released after its target
    rejected_sources: list[str] = field(default_factory=list)    # "target <- source (dates)"
    documents_failed: int = 0              # distinct documents that could not be traced
    document_errors: list[str] = field(default_factory=list)
    document_outcomes: Counter[str] = field(default_factory=Counter)   # bad documents by lk:DocumentOutcome
    document_notes: list[str] = field(default_factory=list)     # traced, with a remark (card without YAML)
    answer_problems: int = 0               # problems of the backend's answers
    problem_messages: list[str] = field(default_factory=list)
    links_listed: int = 0                  # describing links found in the documents
    links_not_fetched: int = 0             # offline and not in the corpus
    usage: Usage = field(default_factory=Usage)
    terminal: Counter[str] = field(default_factory=Counter)
    batches_rejected: int = 0
    datasets_failed: int = 0               # a model call failed for good: nothing written, a re-run retries
    datasets_unreachable: int = 0          # no document, and the network failed: nothing written, a re-run retries
    first_violation: str | None = None
    graphs_written: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _seen_documents: set[str] = field(default_factory=set, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"seeds": list(self.seeds), "datasets_traced": self.datasets_traced,
                "already_traced": self.already_traced, "edges_written": self.edges_written,
                "quads_written": self.quads_written, "claims_dropped": self.claims_dropped,
                "drop_reasons": dict(sorted(self.drop_reasons.items())),
                "sources_rejected": self.sources_rejected, "rejected_sources": list(self.rejected_sources),
                "documents_failed": self.documents_failed, "document_errors": list(self.document_errors),
                "document_outcomes": dict(sorted(self.document_outcomes.items())),
                "document_notes": list(self.document_notes),
                "answer_problems": self.answer_problems, "problem_messages": list(self.problem_messages),
                "links_listed": self.links_listed, "links_not_fetched": self.links_not_fetched,
                "usage": {"input_tokens": self.usage.input_tokens, "output_tokens": self.usage.output_tokens,
                          "cache_read_tokens": self.usage.cache_read_tokens,
                          "cache_write_tokens": self.usage.cache_write_tokens,
                          "model_calls": self.usage.model_calls, "cache_hits": self.usage.cache_hits},
                "terminal_reasons": dict(sorted(self.terminal.items())),
                "batches_rejected": self.batches_rejected, "datasets_failed": self.datasets_failed,
                "datasets_unreachable": self.datasets_unreachable, "first_violation": self.first_violation,
                "graphs_written": list(self.graphs_written), "seconds": round(self.seconds, 3)}


@dataclass
class _DocumentResult:
    """What tracing one document gave: the claims that passed the checks, and what did not."""

    attempt: Attempt
    claims: list[Claim] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)      # why each dropped claim was dropped
    problems: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)




def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _hub_form(identifier: str) -> bool:
    """An ``org/name`` id (the Hub's form); bare names stay project datasets."""
    return "/" in identifier and iris.looks_like_hub_id(identifier)


def _document_ref(attempt: Attempt) -> DocumentRef:
    doc = attempt.document
    if doc is None:
        return DocumentRef(iri=attempt.iri, title=attempt.title, kind=attempt.kind)
    return DocumentRef(iri=doc.url, title=attempt.title, sha256=doc.sha256, retrieved_at=doc.retrieved_at,
                       kind=doc.kind)


class _Years(TypedDict):
    """The release years a :class:`Dataset` keeps."""
    year: int | None
    hub_year: int | None
    paper_year: int | None


def _years(release: ReleaseDate) -> _Years:
    released = release.released
    return {"year": released.year if released else None,
            "hub_year": release.hub.year if release.hub else None,
            "paper_year": release.paper.year if release.paper else None}


class Tracer:
    """Trace datasets upstream, breadth-first, up to ``depth`` hops from the seeds.

    Seeds are at depth 0; a dataset at depth ``depth`` is not traced but marked ``DepthReached``.
    ``cutoff`` is the release date before which a dataset is not expanded (None: no cut-off).
    ``sourcing`` finds documents (default: the corpus only, no network). ``hub_only`` keeps the
    paper's rule that a dataset not on the Hub is not expanded even when documents describe it.
    ``progress`` is called once per dataset visited.
    """

    def __init__(self, store: OxigraphStore, corpus: Corpus | None, backend: TraceBackend, depth: int = 3, *,
                 cutoff: dt.date | None = DEFAULT_CUTOFF, sourcing: SourcingAgent | None = None,
                 hub_only: bool = True, progress: Callable[[DatasetProgress], None] | None = None) -> None:
        if depth < 0:
            raise InputError(f"depth must be 0 or more, not {depth}", field="depth")
        self.store = store
        self.corpus = corpus
        self.backend = backend
        self.depth = depth
        self.cutoff = cutoff
        self.sourcing = sourcing if sourcing is not None else SourcingAgent(corpus)
        self.hub_only = hub_only
        self.progress = progress
        self._aliases = corpus.aliases() if corpus is not None else {}

    # --- names and graphs ---------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """The corpus id of a name (alias table), else the name as written."""
        found = self.corpus.resolve(name) if self.corpus is not None else None
        return found or name.strip()

    def _resolve(self, name: str) -> str | None:
        """A name's id: the corpus alias table first, then (online) a Hub search."""
        found = self.corpus.resolve(name) if self.corpus is not None else None
        return found or self.sourcing.find_on_hub(name)

    def on_hub(self, identifier: str) -> bool:
        """Whether ``identifier`` gets a Hub IRI: an ``org/name`` id not known to be off the Hub."""
        return _hub_form(identifier) and self.sourcing.on_hub(identifier) is not False

    def dataset_iri(self, identifier: str) -> str:
        return iris.dataset_iri(identifier, on_hub=self.on_hub(identifier))

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
        rows = self.store.select(library().get("internal/tracer-identifier"), dataset=self.dataset_iri(identifier))
        return str(rows[0]["id"]) if rows and rows[0].get("id") else identifier

    # --- claims -------------------------------------------------------------------------------

    def _answers(self, attempts: list[Attempt]) -> list[_DocumentResult]:
        """The backend's answers on these documents, each claim checked one by one. A backend
        that can answer many documents at once (bounded concurrency) is asked so.

        Raises:
            ModelCallError: a document's model call failed for good.
        """
        documents = [a.document for a in attempts if a.document is not None]
        many = getattr(self.backend, "answer_many", None)
        if callable(many) and len(documents) > 1:
            answers = many([(d, d.text) for d in documents], self._aliases)
        else:
            answers = [self.backend.answer(d, d.text, self._aliases) for d in documents]
        results = []
        for attempt, answer in zip(attempts, answers, strict=True):
            if isinstance(answer, ModelCallError):
                raise answer
            document = attempt.document
            assert document is not None
            result = _DocumentResult(attempt, usage=answer.usage, problems=[
                p if p.startswith(document.url) else f"{document.url}: {p}" for p in answer.problems])
            for claim in answer.claims:
                why = check_claim(claim, document.text)
                if why is None:
                    result.claims.append(claim)
                else:
                    result.dropped.append(why)
            results.append(result)
        return results

    def _select(self, dataset: str, claims: list[Claim]) -> list[Claim]:
        """The claims about ``dataset`` once aggregated: one per (source, relation), the most
        confident (deterministic)."""
        target_iri = self.dataset_iri(dataset)
        best: dict[tuple[str, str], Claim] = {}
        for claim in aggregate(claims, self._resolve):
            if claim.target.lower() != dataset.lower() and self.dataset_iri(claim.target) != target_iri:
                continue           # a claim about another dataset of the document
            source_iri = self.dataset_iri(claim.source)
            if source_iri == target_iri:
                continue
            key = (source_iri, claim.relation)
            old = best.get(key)
            if old is None or claim.confidence > old.confidence:
                best[key] = claim
        return list(best.values())

    def claims_for(self, dataset: str, documents: list[SourceDocument],
                   summary: TraceSummary | None = None) -> list[Claim]:
        """The checked, aggregated claims about ``dataset`` in its documents (no date check)."""
        results = self._answers([Attempt(iri=d.url, kind=d.kind, document=d) for d in documents])
        if summary is not None:
            for result in results:
                self._count(result, summary)
        return self._select(dataset, [c for r in results for c in r.claims])

    @staticmethod
    def _count(result: _DocumentResult, summary: TraceSummary) -> None:
        summary.claims_dropped += len(result.dropped)
        summary.drop_reasons.update(why.split(" '")[0].split(" (")[0] for why in result.dropped)
        summary.answer_problems += len(result.problems)
        summary.problem_messages.extend(result.problems)
        summary.usage = summary.usage + result.usage

    # --- batches ------------------------------------------------------------------------------

    def _run(self, kind: str, key: str, used: tuple[DocumentRef, ...], started: str,
             usage: Usage | None = None, usages: tuple[DocumentUsage, ...] = ()) -> AgentRun:
        asked = usage is not None and (usage.model_calls or usage.cache_hits or usage.input_tokens
                                       or usage.output_tokens)
        return AgentRun(
            iri=iris.activity_iri(kind, key), kind="TracingRun", agent_iri=self.agent_iri(),
            agent_label=f"lineagekg tracer ({self.backend.kind} backend, {self.backend.prompt_version})",
            started_at=started, ended_at=_now(), prompt_version=self.backend.prompt_version,
            model=self.backend.model, used=used,
            input_tokens=usage.input_tokens if asked and usage else None,
            output_tokens=usage.output_tokens if asked and usage else None, usages=usages)

    @staticmethod
    def _usages(attempts: Iterable[Attempt], results: dict[str, _DocumentResult]) -> tuple[DocumentUsage, ...]:
        """How the run used each document it tried (see the module docstring)."""
        usages = []
        for attempt in attempts:
            result = results.get(attempt.iri)
            if attempt.outcome is None and result is None:
                continue                     # read, not traced (a terminal run's documents)
            notes = [attempt.message] if attempt.message else []
            if result is not None:
                notes += [f"answer problem: {p}" for p in result.problems]
                notes += [f"claim dropped: {why}" for why in sorted(set(result.dropped))]
            usages.append(DocumentUsage(
                document=attempt.iri, outcome=attempt.outcome or "DocumentTraced", notes=tuple(notes),
                answer_problems=len(result.problems) if result is not None else None,
                claims_dropped=len(result.dropped) if result is not None else None))
        return tuple(usages)

    def _write(self, batch: LineageBatch, summary: TraceSummary, *, replacing: Iterable[str] = ()) -> ImportOutcome:
        """Write the batch's graph (and drop the graphs it replaces) as one validated write."""
        outcome = self.store.import_quads(batch_quads(batch), batch.graph, replacing=replacing)
        if not outcome.accepted:
            summary.batches_rejected += 1
            if summary.first_violation is None and outcome.report is not None and outcome.report.violations:
                summary.first_violation = outcome.report.violations[0].describe()
        elif not outcome.already_present:
            summary.quads_written += outcome.quads_written
            summary.graphs_written.append(batch.graph)
        return outcome

    def _describe(self, dataset: str, sources: Sources, relations: Iterable[str] = (), **extra: Any) -> Dataset:
        """The dataset node: identifier, Hub status, release years, domains and origin, and what
        its own Hub card's YAML says (licence, languages, task categories, size; its
        ``pretty_name`` as an alias)."""
        own = [d for d in sources.documents if not d.about or dataset.lower() in {a.lower() for a in d.about}]
        kind = classify(dataset, own, relations) if own else None
        card = next((d for d in own if d.kind == "hf_card" and d.metadata), None)
        described: dict[str, Any] = {}
        if card is not None:
            try:
                described = card_fields(card.metadata, card.path or card.url)
            except InputError:           # a card field of the wrong type: the description is left out
                described = {}
        pretty = described.pop("pretty_name", None)
        return Dataset(identifier=dataset, label=dataset, on_hub=self.on_hub(dataset),
                       domains=kind.domains if kind else (), origin=kind.origin if kind else None,
                       aliases=(dataset, pretty) if pretty and pretty != dataset else (),
                       **described, **_years(self.sourcing.release(dataset)), **extra)

    def _terminal(self, dataset: str, reason: str, sources: Sources, summary: TraceSummary) -> bool:
        """Write (once) the small graph that marks ``dataset`` terminal for ``reason``, with the
        documents read to decide it; drop its terminal graphs of other reasons."""
        key = self.terminal_key(dataset, reason)
        graph = iris.graph_iri("terminal", key)
        self._drop_terminals(dataset, keep=reason)
        if self.store.has_graph(graph):
            summary.terminal[reason] += 1
            return True
        started = _now()
        refs = tuple(dict.fromkeys(_document_ref(a) for a in sources.attempts))
        ds = self._describe(dataset, sources, is_terminal=True, terminal_reason=reason)
        run = self._run("terminal", key, refs, started, usages=self._usages(sources.attempts, {}))
        batch = LineageBatch(graph=graph, datasets=(ds,), derivations=(), run=run)
        outcome = self._write(batch, summary)
        if outcome.accepted:
            summary.terminal[reason] += 1
        return outcome.accepted

    def _stale_terminals(self, dataset: str, keep: str | None = None) -> list[str]:
        """The dataset's terminal graphs (and their validation graphs) of reasons other than ``keep``."""
        graphs = [self.terminal_graph(dataset, reason) for reason in TERMINAL_REASONS if reason != keep]
        return [g for name in graphs for g in (name, name + "/validation") if self.store.has_graph(g)]

    def _drop_terminals(self, dataset: str, keep: str | None = None) -> None:
        """A dataset has one terminal reason at most, and none once it is traced."""
        for stale in self._stale_terminals(dataset, keep):
            self.store.drop_graph(stale)

    # --- the run ------------------------------------------------------------------------------

    def run(self, seeds: Iterable[str]) -> TraceSummary:
        """Trace the seeds and everything upstream of them, up to the depth limit."""
        began = time.perf_counter()
        seeds = tuple(seeds)
        summary = TraceSummary(seeds=seeds)
        self._share_store_names()
        queue: deque[tuple[str, int]] = deque()
        seen: set[str] = set()
        for seed in seeds:
            ident = self.canonical(seed)
            if ident and self.dataset_iri(ident) not in seen:
                seen.add(self.dataset_iri(ident))
                queue.append((ident, 0))
        try:
            while queue:
                dataset, depth = queue.popleft()
                for source in self._visit(dataset, depth, summary, pending=len(queue)):
                    iri = self.dataset_iri(source)
                    if iri not in seen:
                        seen.add(iri)
                        queue.append((source, depth + 1))
        finally:
            summary.seconds = time.perf_counter() - began
        return summary

    def _share_store_names(self) -> None:
        """Give a backend with a name registry every dataset identifier already in the store
        (once per trace), so a later document naming an earlier trace's source resolves to it."""
        know = getattr(self.backend, "know_names", None)
        if callable(know):
            rows = self.store.select(library().get("internal/identifiers"))
            know(sorted(str(r["id"]) for r in rows if r.get("id")), self._aliases)

    def _report(self, event: DatasetProgress) -> None:
        if self.progress is not None:
            self.progress(event)

    def _record_sources(self, sources: Sources, summary: TraceSummary) -> None:
        """Count each document's outcome once per run (a document about two datasets is tried
        twice, and counted once)."""
        summary.links_listed += len(sources.links)
        summary.links_not_fetched += len(sources.links_not_fetched)
        for attempt in sources.attempts:
            if attempt.iri in summary._seen_documents:
                continue
            summary._seen_documents.add(attempt.iri)
            if attempt.outcome is not None:
                summary.documents_failed += 1
                summary.document_outcomes[attempt.outcome] += 1
                summary.document_errors.append(attempt.message or f"{attempt.iri}: {attempt.outcome}")
            elif attempt.message:
                summary.document_notes.append(attempt.message)

    def _visit(self, dataset: str, depth: int, summary: TraceSummary, pending: int = 0) -> list[str]:
        """Trace one dataset; the sources to visit next."""
        sources = self.sourcing.sources(dataset)
        self._record_sources(sources, summary)
        documents = sources.documents
        trace_graph = self.trace_graph(dataset, documents) if documents else None
        already = trace_graph is not None and self.store.has_graph(trace_graph)

        def stop(reason: str) -> list[str]:
            self._terminal(dataset, reason, sources, summary)
            self._report(DatasetProgress(dataset, depth, "terminal", len(documents), reason=reason,
                                         pending=pending))
            return []

        if not already:
            if self.hub_only and self.sourcing.on_hub(dataset) is False:
                return stop("NotOnHub")
            if self.cutoff is not None and self.sourcing.release(dataset).before(self.cutoff):
                return stop("BeforeCutoff")
            if depth >= self.depth:
                return stop("DepthReached")
            if not documents and sources.unreachable:     # the network failed: not an absence
                summary.datasets_unreachable += 1
                self._report(DatasetProgress(dataset, depth, "unreachable", 0, pending=pending,
                                             reason=sources.unreachable[0].message))
                return []
            if not documents:
                return stop("NoSourceFound")
        assert trace_graph is not None

        if already:      # traced before (a resumed or repeated run): go on from what the store holds
            known = [str(r["id"]) for r in self.store.select(library().get("internal/traced-sources"),
                                                             dataset=self.dataset_iri(dataset), graph=trace_graph)]
            summary.datasets_traced += 1
            summary.already_traced += 1
            if not known:
                summary.terminal["NoSourceFound"] += 1
            self._drop_terminals(dataset)
            self._report(DatasetProgress(dataset, depth, "already traced", len(documents),
                                         sources=len(known), pending=pending))
            return known

        started = _now()
        try:
            results = self._answers([a for a in sources.attempts if a.outcome is None and a.document is not None])
        except ModelCallError as exc:       # the model could not be asked: write nothing, retry next run
            summary.datasets_failed += 1
            summary.document_errors.append(exc.message)
            self._report(DatasetProgress(dataset, depth, "failed", len(documents), reason=exc.message,
                                         pending=pending))
            return []
        claims = self._select(dataset, [c for r in results for c in r.claims])
        claims, later = reject_later_sources(claims, self.sourcing.release(dataset),
                                             lambda source: self.sourcing.release(self.canonical(source)))
        identifiers = {c.source: self._known_identifier(c.source) for c in claims}   # one lookup per source
        claim_sources = list(dict.fromkeys(identifiers.values()))
        for result in results:
            self._count(result, summary)
        summary.sources_rejected += len(later)
        summary.rejected_sources += [
            f"{dataset} <- {c.source}: source released {self.sourcing.release(self.canonical(c.source)).released}, "
            f"after {self.sourcing.release(dataset).released}" for c in later]

        target = self._describe(dataset, sources, [c.relation for c in claims],
                                is_terminal=True if not claims else None,
                                terminal_reason="NoSourceFound" if not claims else None)
        datasets: dict[str, Dataset] = {target.identifier: target}
        derivations: list[Derivation] = []
        for claim in claims:
            source = identifiers[claim.source]
            datasets.setdefault(source, Dataset(identifier=source, label=source, on_hub=self.on_hub(source)))
            derivations.append(Derivation(
                target=dataset, source=source, relation=claim.relation, confidence=claim.confidence,
                evidence=claim.evidence, documents=(claim.document,), review_status=review_status(claim.confidence)))
        key = self.trace_key(dataset, documents)
        usage = sum((r.usage for r in results), Usage())
        refs = tuple(dict.fromkeys(_document_ref(a) for a in sources.attempts))
        run = self._run("trace", key, refs, started, usage,
                        self._usages(sources.attempts, {r.attempt.iri: r for r in results}))
        batch = LineageBatch(graph=trace_graph, datasets=tuple(datasets.values()),
                             derivations=tuple(derivations), run=run)
        outcome = self._write(batch, summary, replacing=self._stale_terminals(dataset))
        if not outcome.accepted:
            reason = summary.first_violation
            if outcome.report is not None and outcome.report.violations:
                reason = outcome.report.violations[0].describe()
            self._report(DatasetProgress(dataset, depth, "rejected", len(documents), reason=reason, pending=pending))
            return []
        summary.datasets_traced += 1
        summary.edges_written += len(derivations)
        if not claims:
            summary.terminal["NoSourceFound"] += 1
        self._report(DatasetProgress(dataset, depth, "traced", len(documents), edges=len(derivations),
                                     sources=len(claim_sources), reason=None if claims else "NoSourceFound",
                                     pending=pending))
        return claim_sources
