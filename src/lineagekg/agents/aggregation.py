"""Aggregation: the claims of the tracing backend, named by canonical ids and deduplicated.

Names are resolved with the corpus alias table (a name it does not know is kept as written);
a claim whose source is its target after resolution is dropped; duplicates of
(target, source, relation) found in one document are merged, keeping the most confident one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lineagekg.documents import Claim

__all__ = ["REVIEW_THRESHOLD", "aggregate", "review_status"]

#: claims below this confidence are queued for review (``lk:PendingReview``)
REVIEW_THRESHOLD = 0.7


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
