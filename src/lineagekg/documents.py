"""Value objects of the tracing pipeline: a document as fetched, its sections as cleaned, and the
lineage claims a tracing backend finds in them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceDocument:
    """A document that describes one or more datasets, as retrieved (a Hub card, a README, a
    paper). ``url`` is its IRI in the graph; ``sha256`` is of ``text`` as UTF-8."""

    url: str
    kind: str                      # "hf_card", "github_readme", "paper", "blog", ...
    text: str
    about: tuple[str, ...] = ()    # dataset ids the document describes (from the corpus index)
    retrieved_at: str | None = None
    license: str | None = None
    path: str | None = None        # local file it was read from, when offline
    metadata: dict[str, object] = field(default_factory=dict, compare=False)  # card YAML

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Section:
    """A cleaned section of a document: heading path and text (code, HTML and badges removed)."""

    title: str
    text: str
    index: int
    keep: bool = True              # False for related work, evaluation, licence, acknowledgements


@dataclass(frozen=True)
class Claim:
    """One lineage claim found in a document: ``target`` was built from ``source``.

    Names are as the document writes them (or as resolved, once aggregation has run);
    ``relation`` is a taxonomy local name (``filteredFrom``); ``evidence`` a verbatim quote.
    """

    target: str
    source: str
    relation: str
    confidence: float
    evidence: str
    document: str                  # URL of the document
    source_split: str | None = None
