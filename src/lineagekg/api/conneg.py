"""Content negotiation: which serialisation of an answer a client's ``Accept`` header asks for.

The gateway offers SPARQL results (SELECT, ASK) and RDF graphs (CONSTRUCT, DESCRIBE, the Graph
Store Protocol, VoID, the service description). An offer is chosen by the client's quality values,
a more specific media range winning over a wider one, ties going to the server's order; ``None``
means nothing acceptable (406).

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_TYPES)
'application/sparql-results+xml'
>>> negotiate(None, GRAPH_TYPES)
'text/turtle'
>>> negotiate("text/html", GRAPH_TYPES) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import pyoxigraph as ox

__all__ = ["GRAPH_FORMATS", "GRAPH_TYPES", "RESULT_FORMATS", "RESULT_TYPES", "media_type_of", "negotiate"]

Format = TypeVar("Format", ox.RdfFormat, ox.QueryResultsFormat)


def _by_media_type(formats: tuple[Format, ...], aliases: dict[str, Format]) -> dict[str, Format]:
    """Each format under the media type pyoxigraph gives it (its parameters dropped), in order,
    then the aliases clients also send."""
    return {f.media_type.split(";")[0]: f for f in formats} | aliases


# media type (then its aliases) -> pyoxigraph format; the first is the default
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = _by_media_type(
    (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV),
    {"application/json": ox.QueryResultsFormat.JSON, "application/xml": ox.QueryResultsFormat.XML,
     "text/xml": ox.QueryResultsFormat.XML})
GRAPH_FORMATS: dict[str, ox.RdfFormat] = _by_media_type(
    (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML),
    {"application/x-turtle": ox.RdfFormat.TURTLE,
     "text/plain": ox.RdfFormat.N_TRIPLES,       # N-Triples' media type before RDF 1.1
     "application/xml": ox.RdfFormat.RDF_XML})
RESULT_TYPES = list(RESULT_FORMATS)
GRAPH_TYPES = list(GRAPH_FORMATS)

def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """``(type, subtype, q)`` for each media range of an Accept header (bad ranges skipped)."""
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        kind, _, sub = media.partition("/")
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((kind.strip(), sub.strip(), q))
    return out


def negotiate(accept: str | None, offers: list[str]) -> str | None:
    """The offer the ``Accept`` header prefers (the first offer when there is no header)."""
    if accept is None or not accept.strip():
        return offers[0] if offers else None
    ranges = _ranges(accept)
    best: tuple[float, int] | None = None
    chosen = None
    for index, offer in enumerate(offers):
        kind, _, sub = offer.partition("/")
        q, specificity = 0.0, -1
        for rkind, rsub, rq in ranges:
            if (rkind, rsub) == (kind, sub):
                level = 2
            elif rkind == kind and rsub == "*":
                level = 1
            elif (rkind, rsub) == ("*", "*"):
                level = 0
            else:
                continue
            if level > specificity:
                q, specificity = rq, level
        if specificity < 0 or q <= 0:
            continue
        # an alias matched only by a wildcard never beats the canonical type listed before it
        key = (q, -index)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def media_type_of(offer: str, formats: Mapping[str, object]) -> str:
    """The media type to answer with: an alias answers with the canonical type of its format.

    >>> media_type_of("application/xml", GRAPH_FORMATS)
    'application/rdf+xml'
    """
    return next(k for k, v in formats.items() if v == formats[offer])
