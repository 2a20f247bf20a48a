"""Namespaces used in code: the prefixes written in serialisations, rdflib's PROV, and the
pyoxigraph-side closed term classes (generated in ``lineagekg.terms``) for the store layer."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib import URIRef
from rdflib.namespace import PROV as _PROV

from lineagekg import terms
from lineagekg.iris import HUB_DATASET_BASE
from lineagekg.terms import DCAT, DCTERMS, RDF, RDFS, SKOS, XSD

PREFIXES: dict[str, str] = {
    "lk": terms.LK.NS,
    "prov": terms.PROV.NS,
    "dcat": DCAT.NS,
    "dcterms": DCTERMS.NS,
    "rdf": RDF.NS,
    "rdfs": RDFS.NS,
    "skos": SKOS.NS,
    "xsd": XSD.NS,
    "owl": terms.OWL.NS,
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": terms.SH.NS,
    "hf": HUB_DATASET_BASE,                  # Hub dataset IRIs, written as hf:org/name in Turtle
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


__all__ = ["DCAT", "DCTERMS", "PREFIXES", "PROV", "RDF", "RDFS", "SKOS", "XSD", "ox", "value_of"]
