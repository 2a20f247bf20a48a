"""Aggregation: the claims of the tracing backend, checked, named by canonical ids, deduplicated,
and kept only when their source can precede their target.

* :func:`check_claim` says why a claim must not reach the store (evidence not found verbatim in
  its document, a relation outside the taxonomy, a confidence outside [0, 1] or under the
  paper's 0.5 floor, an empty name);
* :func:`aggregate` resolves names with the corpus alias table (a name it does not know is kept
  as written), drops a claim whose source is its target once resolved, and merges duplicates of
  (target, source, relation) found in one document, keeping the most confident one;
* :func:`reject_later_sources` sets aside a claim whose source was surely released after its
  target (the paper's rule: a dataset cannot be built from one that did not exist yet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lineagekg import taxonomy
from lineagekg.agents.release_dates import ReleaseDate
from lineagekg.documents import Claim
from lineagekg.text.evidence import evidence_in

__all__ = ["MIN_CONFIDENCE", "REVIEW_THRESHOLD", "aggregate", "check_claim", "reject_later_sources",
           "review_status"]

#: claims below this confidence are queued for review (``lk:PendingReview``)
REVIEW_THRESHOLD = 0.7
#: claims below this confidence are dropped (the paper's rubric: "below 0.5 dropped")
MIN_CONFIDENCE = 0.5


def check_claim(claim: Claim, document_text: str) -> str | None:
    """Why ``claim`` (found in a document whose text is ``document_text``) cannot be kept, or
    None when it can.

    >>> c = Claim("org/mix", "openai/gsm8k", "copiedFrom", 0.9, "We copy GSM8K.", "urn:doc")
    >>> check_claim(c, "We copy GSM8K.")
    "relation 'copiedFrom' is not in the taxonomy"
    >>> check_claim(replace(c, relation="includedFrom"), "We copy GSM8K.") is None
    True
    >>> check_claim(replace(c, relation="includedFrom"), "Nothing here.")
    'evidence not found verbatim in the document'
    """
    if not claim.target.strip() or not claim.source.strip():
        return "a claim without a target or a source"
    if claim.relation not in taxonomy.relations():
        return f"relation {claim.relation!r} is not in the taxonomy"
    if not isinstance(claim.confidence, (int, float)) or not 0.0 <= claim.confidence <= 1.0:
        return f"confidence {claim.confidence!r} is outside [0, 1]"
    if claim.confidence < MIN_CONFIDENCE:
        return f"confidence {claim.confidence} is under {MIN_CONFIDENCE}"
    if not claim.evidence.strip() or not evidence_in(document_text, claim.evidence):
        return "evidence not found verbatim in the document"
    return None


def reject_later_sources(claims: list[Claim], target: ReleaseDate,
                         release_of: Callable[[str], ReleaseDate]) -> tuple[list[Claim], list[Claim]]:
    """``(kept, rejected)``: a claim is rejected when its source was surely released after the
    target (:meth:`ReleaseDate.after`: an unknown or overlapping date keeps it)."""
    kept: list[Claim] = []
    rejected: list[Claim] = []
    for claim in claims:
        (rejected if release_of(claim.source).after(target) else kept).append(claim)
    return kept, rejected


def review_status(confidence: float) -> str:
    """The local name of the ``lk:ReviewStatus`` a new claim starts with.

    >>> review_status(0.65), review_status(0.7), review_status(0.9)
    ('PendingReview', 'Unreviewed', 'Unreviewed')
    """
    return "PendingReview" if confidence < REVIEW_THRESHOLD else "Unreviewed"


def _name(name: str, resolve: Callable[[str], str | None]) -> str:
    stripped = name.strip()
    return resolve(stripped) or stripped


def aggregate(claims: list[Claim], resolve: Callable[[str], str | None]) -> list[Claim]:
    """Resolve, drop self-claims and merge duplicates per document (highest confidence wins; on a
    tie the first claim stays). The order of first appearance is kept."""
    merged: dict[tuple[str, str, str, str], Claim] = {}
    for claim in claims:
        target, source = _name(claim.target, resolve), _name(claim.source, resolve)
        if not target or not source or target.lower() == source.lower():
            continue
        resolved = replace(claim, target=target, source=source)
        key = (claim.document, target.lower(), source.lower(), claim.relation)
        old = merged.get(key)
        if old is None:
            merged[key] = resolved
        elif resolved.confidence > old.confidence:
            merged[key] = replace(resolved, source_split=resolved.source_split or old.source_split)
    return list(merged.values())
