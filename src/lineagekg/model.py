"""Value objects of the lineage graph: datasets and their derivations, as code sees them.

They hold identifiers as imported or traced (``openai/gsm8k``), not IRIs; ``provenance`` turns
them into PROV-O triples.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dataset:
    """A dataset node (or a named split of one, when ``split_of`` is set)."""

    identifier: str
    label: str | None = None
    on_hub: bool = True
    is_benchmark: bool = False
    domains: tuple[str, ...] = ()          # local names of lk:Domain concepts: "Math", "Code" ...
    origin: str | None = None              # "Synthetic", "HumanMade" or "Mixed"
    year: int | None = None                # release year (earlier of Hub and paper)
    hub_year: int | None = None
    paper_year: int | None = None
    summary: str | None = None
    data_type: str | None = None
    paper_url: str | None = None
    license: str | None = None
    downloads: int | None = None
    is_terminal: bool | None = None
    terminal_reason: str | None = None     # local name of an lk:TerminalReason concept
    terminal_note: str | None = None       # the reason as written, when it maps to no concept
    aliases: tuple[str, ...] = ()
    split_of: str | None = None            # identifier of the whole dataset
    split_name: str | None = None
    # catalog description (cataloguing.description_quads): licences as (name, url or None),
    # languages, keywords (task categories), creators, IRIs of the same dataset elsewhere
    licenses: tuple[tuple[str, str | None], ...] = ()
    languages: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    creators: tuple[str, ...] = ()
    exact_matches: tuple[str, ...] = ()
    landing_page: str | None = None
    size: str | None = None                # as the source says it ("10K<n<100K", "52002 rows")


@dataclass(frozen=True)
class Derivation:
    """One lineage edge: ``target`` was derived from ``source`` by ``relation``."""

    target: str
    source: str
    relation: str                          # local name of a taxonomy relation: "includedFrom"
    confidence: float
    evidence: str
    documents: tuple[str, ...] = ()        # IRIs of the primary source documents
    more_evidence: tuple[str, ...] = ()    # further quotes, when several records state this edge
    source_kinds: tuple[str, ...] = ()     # "HuggingFace README", "Paper", ...
    teacher_model: str | None = None
    review_status: str = "Unreviewed"      # local name of an lk:ReviewStatus concept


@dataclass(frozen=True)
class DocumentRef:
    """A document used by an agent run (its IRI is its URL)."""

    iri: str
    title: str | None = None
    sha256: str | None = None
    retrieved_at: str | None = None        # xsd:dateTime lexical form
    kind: str | None = None


@dataclass(frozen=True)
class DocumentUsage:
    """How a run used one document it tried (a qualified ``prov:Usage``): the outcome (local name
    of an ``lk:DocumentOutcome``), what went wrong, and what its answer cost in problems and
    dropped claims (None when it was not traced)."""

    document: str                          # the document's IRI
    outcome: str = "DocumentTraced"
    notes: tuple[str, ...] = ()
    answer_problems: int | None = None
    claims_dropped: int | None = None


@dataclass(frozen=True)
class AgentRun:
    """One activity of lineagekg (an import, a tracing run, a review) and who did it."""

    iri: str
    kind: str                              # local name of an lk:AgentRun subclass: "ImportRun"
    agent_iri: str
    agent_label: str
    started_at: str
    ended_at: str | None = None
    prompt_version: str | None = None
    model: str | None = None
    used: tuple[DocumentRef, ...] = field(default_factory=tuple)
    input_tokens: int | None = None
    output_tokens: int | None = None
    usages: tuple[DocumentUsage, ...] = ()   # qualified usages of the documents it tried
