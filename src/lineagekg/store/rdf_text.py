"""RDF as every store backend writes and reads it: query solutions as Python values, quads as
an export format or as the body of an ``INSERT DATA``, and which graph a quad belongs to. The
embedded store (``store.oxigraph``) and the store on a SPARQL server (``store.sparql_http``)
share these, so neither depends on the other for them."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from lineagekg.errors import ConfigError
from lineagekg.interop import prov_documents
from lineagekg.interop.prov_documents import PROV_FORMATS
from lineagekg.iris import ID_BASE
from lineagekg.namespaces import PREFIXES
from lineagekg.store.base import Row
from lineagekg.terms import XSD

__all__ = ["EXPORT_FORMATS", "data_block", "describes", "graph_ref", "has_blank", "is_about_graph", "rows_of",
           "serialize_quads", "to_python"]

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_GRAPH_FORMATS = {"trig", "nquads", "jsonld"}
_XSD = XSD.NS


def rows_of(solutions: Any) -> list[Row]:
    """SELECT solutions as dicts of Python values, one per row (every store backend answers so)."""
    names = [v.value for v in solutions.variables]
    return [{n: to_python(sol[n]) for n in names} for sol in solutions]


def to_python(term: Any) -> Any:
    """A query-result term as a plain Python value (IRIs and strings as str, numbers as numbers)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt in (_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger"):
            return int(term.value)
        if dt in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
            return float(term.value)
        if dt == _XSD + "boolean":
            return term.value in ("true", "1")     # both are xsd:boolean's lexical forms of true
        return term.value
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return term.value
    return str(term)


def describes(quad: ox.Quad) -> bool:
    """Whether ``quad`` is in the own graph of what it describes (``iris.about_graph``), which
    every write merges into."""
    return is_about_graph(quad.graph_name)


def is_about_graph(graph: Any) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(ID_BASE + "graph/about/")


def has_blank(quad: ox.Quad) -> bool:
    def blank(term: Any) -> bool:
        if isinstance(term, ox.Triple):
            return blank(term.subject) or blank(term.object)
        return isinstance(term, ox.BlankNode)
    return blank(quad.subject) or blank(quad.object)


def graph_ref(graph: Any) -> str:
    return "DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph}"


def serialize_quads(quads: list[ox.Quad], fmt: str) -> bytes:
    """Quads in an export format: TriG, N-Quads and JSON-LD keep the named graphs; Turtle,
    N-Triples and RDF/XML hold the union of the graphs; PROV-N, PROV-JSON and PROV-XML keep them
    as PROV bundles."""
    if fmt not in EXPORT_FORMATS and fmt not in PROV_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}",
                          hint=f"use one of: {', '.join([*EXPORT_FORMATS, *PROV_FORMATS])}")
    if fmt in PROV_FORMATS:
        return prov_documents.serialize(quads, fmt)
    prefixes = dict(PREFIXES)
    if fmt in _GRAPH_FORMATS:
        return ox.serialize(quads, format=EXPORT_FORMATS[fmt], prefixes=prefixes
                            if fmt == "trig" else None) or b""
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    return ox.serialize(triples, format=EXPORT_FORMATS[fmt],
                        prefixes=prefixes if fmt in ("turtle", "rdfxml") else None) or b""


def data_block(quads: list[ox.Quad]) -> str:
    """Quads as the body of ``INSERT DATA``/``DELETE DATA``: N-Triples by pyoxigraph, per graph."""
    by_graph: dict[Any, list[ox.Triple]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(q.triple)
    parts = []
    for g, triples in by_graph.items():
        body = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        parts.append(body if isinstance(g, ox.DefaultGraph) else f"GRAPH {g} {{ {body} }}")
    return "\n".join(parts)
