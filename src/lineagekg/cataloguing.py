"""A dataset's catalog description as DCAT/Dublin Core quads: licences as licence IRIs,
languages, keywords, creators, the same dataset in other catalogs (``skos:exactMatch``), its
landing page and size. Importers of DPI records and Hub cards fill these; the DCAT and Croissant
exports read them back."""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad

from lineagekg import iris, terms
from lineagekg.licenses import SPDX_BASE, license_iri
from lineagekg.model import Dataset
from lineagekg.namespaces import DCAT, DCTERMS, PREFIXES, RDF, RDFS, SKOS

FOAF_ORGANIZATION = NamedNode(PREFIXES["foaf"] + "Organization")
PROV_AGENT = terms.PROV.Agent


def creator_iri(name: str) -> str:
    """A project IRI for an organisation or person credited as a dataset's creator."""
    return f"{iris.ID_BASE}creator/{iris.slug(name)}"


def description_quads(ds: Dataset, s: NamedNode, graph: NamedNode) -> Iterator[Quad]:
    """The catalog description of ``ds`` (subject ``s``) in ``graph``."""
    licences = list(ds.licenses) + ([(ds.license, None)] if ds.license else [])
    for name, url in licences:
        iri = license_iri(name, url=url)
        if iri is None:
            continue
        lic = NamedNode(iri)
        yield Quad(s, DCTERMS.license, lic, graph)
        yield Quad(lic, RDF.type, DCTERMS.LicenseDocument, graph)
        if not iri.startswith(SPDX_BASE):
            yield Quad(lic, RDFS.label, Literal(name), graph)
    for language in ds.languages:
        yield Quad(s, DCTERMS.language, Literal(language), graph)
    for keyword in ds.keywords:
        yield Quad(s, DCAT.keyword, Literal(keyword), graph)
    for name in ds.creators:
        agent = NamedNode(creator_iri(name))
        yield Quad(s, DCTERMS.creator, agent, graph)
        yield Quad(agent, RDF.type, FOAF_ORGANIZATION, graph)
        yield Quad(agent, RDF.type, PROV_AGENT, graph)
        yield Quad(agent, RDFS.label, Literal(name), graph)
    for other in ds.exact_matches:
        yield Quad(s, SKOS.exactMatch, NamedNode(other), graph)
    if ds.landing_page:
        yield Quad(s, DCAT.landingPage, NamedNode(ds.landing_page), graph)
    if ds.size:
        yield Quad(s, DCTERMS.extent, Literal(ds.size), graph)
