"""A dataset's lineage subgraph as RDF (Turtle, JSON-LD) or PROV (PROV-N, PROV-JSON, PROV-XML),
in a stable order: the same store gives the same bytes (a Croissant file cites their sha256)."""

from __future__ import annotations

from typing import Any

from lineagekg.analyses.catalogue import Catalogue
from lineagekg.analyses.neighbourhood import check_direction
from lineagekg.errors import QueryParameterError
from lineagekg.interop import prov_documents
from lineagekg.namespaces import PREFIXES
from lineagekg.queries import library

SUBGRAPH_FORMATS = ("turtle", "jsonld", *prov_documents.PROV_FORMATS)


class Export(Catalogue):
    def subgraph(self, identifier: str, *, direction: str = "both") -> list[Any]:
        """The lineage subgraph of a dataset as pyoxigraph triples: the datasets upstream and/or
        downstream, the plain, typed and qualified derivations between them, and the documents,
        runs, agents and models behind each derivation."""
        check_direction("export", direction)
        iri = self.resolve(identifier)
        triples: dict[Any, None] = {}
        for side, query in (("up", "analyses/export-upstream"), ("down", "analyses/export-downstream")):
            if direction in (side, "both"):
                # a CONSTRUCT: pyoxigraph's triples (the store protocol has no graph-returning call yet)
                triples.update(dict.fromkeys(self.store.raw_query(library().get(query), dataset=iri)))
        return list(triples)

    def export(self, identifier: str, *, fmt: str = "turtle", direction: str = "both") -> bytes:
        """The lineage subgraph of a dataset serialised as Turtle or JSON-LD, the triples in a
        stable order; or as PROV-N, PROV-JSON or PROV-XML (each triple in the bundles, named
        graphs, that hold it)."""
        import pyoxigraph as ox

        formats = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
        if fmt not in SUBGRAPH_FORMATS:
            raise QueryParameterError("export", "format", f"{fmt!r} is not one of " + ", ".join(SUBGRAPH_FORMATS))
        triples = sorted(self.subgraph(identifier, direction=direction), key=str)
        if fmt in prov_documents.PROV_FORMATS:
            return prov_documents.serialize(self.store.quads_of(triples), fmt)
        prefixes = {**PREFIXES, "hf": "https://huggingface.co/datasets/"} if fmt == "turtle" else None
        return ox.serialize(triples, format=formats[fmt], prefixes=prefixes) or b""
