"""Namespaces used in code, as rdflib namespaces (closed where rdflib ships them) and as
pyoxigraph nodes for the store layer."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib import URIRef
from rdflib.namespace import PROV as _PROV

from lineagekg.vocab import LK

PREFIXES: dict[str, str] = {
    "lk": str(LK._NS),
    "prov": "http://www.w3.org/ns/prov#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
}

PROV = _PROV


def ox(term: URIRef | str) -> NamedNode:
    """An rdflib IRI (or string) as a pyoxigraph NamedNode."""
    return NamedNode(str(term))


def value_of(term: NamedNode | BlankNode | Literal | Triple) -> str:
    """A term's lexical value; an RDF-star triple term, which has none, as its N-Triples text.

    >>> value_of(NamedNode("https://example.org/a")), value_of(Literal("x"))
    ('https://example.org/a', 'x')
    """
    return str(term) if isinstance(term, Triple) else term.value


class _OxNamespace:
    """Attribute access to IRIs of a namespace as pyoxigraph nodes (``RDF.type``)."""

    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> NamedNode:
        return NamedNode(self._base + name)


RDF = _OxNamespace(PREFIXES["rdf"])
RDFS = _OxNamespace(PREFIXES["rdfs"])
XSD = _OxNamespace(PREFIXES["xsd"])
DCTERMS = _OxNamespace(PREFIXES["dcterms"])
DCAT = _OxNamespace(PREFIXES["dcat"])
SKOS = _OxNamespace(PREFIXES["skos"])
