"""The store as a DCAT 3 catalog (``sparql/export/dcat-catalog.rq``): a ``dcat:Catalog`` whose
datasets carry a ``dcat:distribution``, landing page, licence IRIs (``dcterms:license``), keywords,
languages, creators, ``skos:exactMatch`` and their lineage as ``prov:wasDerivedFrom``."""

from __future__ import annotations

import pyoxigraph as ox

from lineagekg.namespaces import PREFIXES
from lineagekg.queries import library
from lineagekg.store.base import GraphStore

FORMATS = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "ntriples": ox.RdfFormat.N_TRIPLES}
DEFAULT_CATALOG = "https://w3id.org/lineagekg/id/catalog"


def catalog_triples(store: GraphStore, catalog: str = DEFAULT_CATALOG,
                    dataset: str | None = None) -> list[ox.Triple]:
    """The catalog's triples (only ``dataset``'s when given)."""
    params: dict[str, object] = {"catalog": catalog}
    if dataset is not None:
        params["dataset"] = dataset
    return list(store.raw_query(library().get("export/dcat-catalog"), **params))


def catalog(store: GraphStore, *, fmt: str = "turtle", catalog_iri: str = DEFAULT_CATALOG) -> bytes:
    """The whole catalog serialised as Turtle, JSON-LD or N-Triples."""
    rdf_format = FORMATS[fmt]
    prefixes = PREFIXES if fmt == "turtle" else None
    return ox.serialize(catalog_triples(store, catalog_iri), format=rdf_format, prefixes=prefixes) or b""
