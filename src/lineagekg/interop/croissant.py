"""Croissant 1.1 JSON-LD for one dataset, with its lineage: the dataset's catalog description
(from the DCAT export's query), ``prov:wasDerivedFrom`` its direct sources, and as distribution the
dataset's upstream lineage graph (Turtle) as a ``cr:FileObject`` with its sha256. Validated in
the tests by ``mlcroissant``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from lineagekg.analyses import Lineage
from lineagekg.interop.dcat import catalog_triples
from lineagekg.iris import slug
from lineagekg.namespaces import PREFIXES, value_of

CROISSANT_1_1 = "http://mlcommons.org/croissant/1.1"
LINEAGE_MEDIA_TYPE = "text/turtle"

#: the Croissant 1.1 context (as mlcroissant writes it) plus the PROV and lineagekg namespaces
CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": PREFIXES["dcterms"], "conformsTo": "dct:conformsTo", "citeAs": "cr:citeAs",
    "recordSet": "cr:recordSet", "field": "cr:field", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "source": "cr:source", "extract": "cr:extract", "format": "cr:format",
    "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset", "md5": "cr:md5",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "prov": PREFIXES["prov"], "lk": PREFIXES["lk"],
}

_DCT, _DCAT, _SKOS = PREFIXES["dcterms"], PREFIXES["dcat"], PREFIXES["skos"]
_RDFS, _PROV = PREFIXES["rdfs"], PREFIXES["prov"]


@dataclass(frozen=True)
class CroissantFile:
    """A Croissant description and the lineage file it points at."""

    metadata: dict[str, Any]
    lineage: bytes
    lineage_name: str


def croissant(lineage: Lineage, identifier: str, *, lineage_url: str | None = None) -> CroissantFile:
    """Croissant 1.1 for the dataset ``identifier`` (id, alias or IRI).

    ``lineage_url`` is where the lineage Turtle will be found (default: its file name, relative to
    the Croissant file). Raises ``DatasetNotFoundError`` (with close names) for an unknown id.
    """
    iri = lineage.resolve(identifier)
    name = lineage.name(iri)
    values: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for t in catalog_triples(lineage.store, dataset=iri):
        if value_of(t.subject) == iri:
            values.setdefault(t.predicate.value, []).append(value_of(t.object))
        elif t.predicate.value == _RDFS + "label":
            labels[value_of(t.subject)] = value_of(t.object)
    one = lambda p: sorted(values.get(p, []))[0] if values.get(p) else None  # noqa: E731
    every = lambda p: sorted(set(values.get(p, [])))  # noqa: E731
    data = lineage.export(identifier, fmt="turtle", direction="up")
    file_name = f"{slug(name)}-lineage.ttl"
    page = one(_DCAT + "landingPage") or iri
    metadata: dict[str, Any] = {
        "@context": CONTEXT, "@type": "sc:Dataset", "@id": iri,
        "conformsTo": CROISSANT_1_1,
        "name": one(_DCT + "title") or name,
        "description": one(_DCT + "description") or f"{name}, with its lineage as W3C PROV-O (lineagekg).",
        "url": page, "citeAs": page, "identifier": name,
        "license": every(_DCT + "license"),
        "inLanguage": every(_DCT + "language"),
        "keywords": every(_DCAT + "keyword"),
        "creator": [{"@type": "sc:Organization", "name": labels.get(c, c)} for c in every(_DCT + "creator")],
        "sameAs": every(_SKOS + "exactMatch"),
        "prov:wasDerivedFrom": [{"@id": s} for s in every(_PROV + "wasDerivedFrom")],
        "distribution": [{
            "@type": "cr:FileObject", "@id": "lineage", "name": "lineage",
            "description": "The dataset's upstream lineage: datasets, plain and qualified PROV "
                           "derivations with relation, confidence and evidence, documents, runs.",
            "contentUrl": lineage_url or file_name, "encodingFormat": LINEAGE_MEDIA_TYPE,
            "sha256": hashlib.sha256(data).hexdigest()}],
    }
    if values.get(_DCT + "issued"):
        metadata["datePublished"] = one(_DCT + "issued")
    return CroissantFile(metadata={k: v for k, v in metadata.items() if v != []},
                         lineage=data, lineage_name=file_name)

