"""A user's query answer as bytes in the negotiated format, within the row and time limits.

Rows are read one at a time (pyoxigraph evaluates lazily), the deadline checked between them.
Past ``max_rows``, SELECT results in SPARQL JSON or XML are cut at the limit and say so in the
results format itself: the head carries a ``link`` to :data:`TRUNCATED` (SPARQL 1.1 JSON ``head.link``,
XML ``<link href>``), so a federating engine whose per-pattern sub-query meets the limit still gets
an answer, and knows it is partial. Formats that cannot say so (CSV, TSV, RDF graphs) are refused
with a 422 problem rather than cut short, so no client takes a truncated answer for a complete one.
Solutions are written as SPARQL JSON here and, for the other formats, re-serialised by pyoxigraph
from that JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox

from lineagekg.api.conneg import GRAPH_FORMATS, GRAPH_TYPES, RESULT_FORMATS, RESULT_TYPES, media_type_of, negotiate
from lineagekg.api.problems import GatewayError
from lineagekg.api.query_limits import Deadline
from lineagekg.namespaces import PREFIXES
from lineagekg.store.oxigraph import UserAnswer
from lineagekg.terms import XSD

__all__ = ["not_acceptable", "serialize_answer", "serialize_graph", "term_json"]

_XSD_STRING = XSD.string.value

#: the link in a results head that says the rows stop at the gateway's row limit
TRUNCATED = "https://w3id.org/lineagekg/ns#truncatedAtRowLimit"
_CAN_SAY_TRUNCATED = (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML)


def not_acceptable(accept: str | None, offers: list[str]) -> GatewayError:
    return GatewayError(406, "not-acceptable",
                        f"none of the formats asked for ({accept}) is available here",
                        hint="available: " + ", ".join(offers))


def term_json(term: Any) -> dict[str, Any]:
    """One RDF term as a SPARQL 1.1 JSON results binding (RDF 1.2 triple terms included)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")   # pragma: no cover -- pyoxigraph has no other kind


def _row_limit(max_rows: int, what: str) -> GatewayError:
    return GatewayError(422, "row-limit",
                        f"the answer has more than {max_rows} {what}, the gateway's limit per query; "
                        "nothing was returned",
                        hint=f"add LIMIT {max_rows} (and OFFSET to page through), or aggregate")


def serialize_answer(answer: UserAnswer, accept: str | None, *, max_rows: int,
                     deadline: Deadline) -> tuple[bytes, str]:
    """The answer's bytes and media type.

    Raises:
        GatewayError: 406 (no acceptable format), 422 (over ``max_rows``), 504 (past the deadline).
    """
    offers = GRAPH_TYPES if answer.kind == "graph" else RESULT_TYPES
    chosen = negotiate(accept, offers)
    if chosen is None:
        raise not_acceptable(accept, offers)
    if answer.kind == "boolean":
        return answer.raw.serialize(format=RESULT_FORMATS[chosen]), media_type_of(chosen, RESULT_FORMATS)
    if answer.kind == "graph":
        triples = []
        for triple in answer:
            deadline.check()
            triples.append(triple)
            if len(triples) > max_rows:
                raise _row_limit(max_rows, "triples")
        return serialize_graph(triples, chosen), media_type_of(chosen, GRAPH_FORMATS)
    names = answer.variables
    fmt = RESULT_FORMATS[chosen]
    rows: list[dict[str, Any]] = []
    truncated = False
    for solution in answer:
        deadline.check()
        if len(rows) == max_rows:
            if fmt not in _CAN_SAY_TRUNCATED:
                raise _row_limit(max_rows, "rows")
            truncated = True
            break
        rows.append({n: term_json(solution[n]) for n in names if solution[n] is not None})
    head: dict[str, Any] = {"vars": list(names)}
    if truncated:
        head["link"] = [TRUNCATED]
    doc = json.dumps({"head": head, "results": {"bindings": rows}}, ensure_ascii=False).encode("utf-8")
    if fmt == ox.QueryResultsFormat.XML:
        doc = _reserialized(doc, fmt)
        if truncated:                       # pyoxigraph keeps no head link: add it where XML results put it
            doc = doc.replace(b"</head>", f'<link href="{TRUNCATED}"/></head>'.encode(), 1)
    elif fmt != ox.QueryResultsFormat.JSON:
        doc = _reserialized(doc, fmt)
    return doc, media_type_of(chosen, RESULT_FORMATS)


def _reserialized(json_results: bytes, fmt: ox.QueryResultsFormat) -> bytes:
    """SPARQL JSON results in another results format."""
    return ox.parse_query_results(json_results, format=ox.QueryResultsFormat.JSON).serialize(format=fmt) or b""


def serialize_graph(triples: list[ox.Triple], offer: str) -> bytes:
    """Triples in the format of a negotiated graph media type (prefixes where the format has them)."""
    fmt = GRAPH_FORMATS[offer]
    prefixes = dict(PREFIXES) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
