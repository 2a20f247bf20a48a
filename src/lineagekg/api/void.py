"""``/.well-known/void``: a VoID description of what the gateway serves (RFC 5785 well-known
location, VoID section 7): sizes, classes and properties, vocabularies, the SPARQL endpoint, when
the data last changed, and one subset per named graph.

The statistics are library queries over the whole store; the description is kept in the
gateway's answer cache until the store's version changes (a write).
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from lineagekg.api.conneg import GRAPH_FORMATS, GRAPH_TYPES, media_type_of, negotiate
from lineagekg.api.deps import AnswerCacheDep, StoreDep
from lineagekg.api.results import not_acceptable, serialize_graph
from lineagekg.iris import ID_BASE, digest
from lineagekg.queries import library
from lineagekg.store.oxigraph import OxigraphStore

__all__ = ["describe_dataset", "router"]

router = APIRouter(tags=["SPARQL"])

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
DCTERMS = "http://purl.org/dc/terms/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: object) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(_XSD + "integer"))


def _namespace(iri: str) -> str:
    """The vocabulary an IRI belongs to: up to its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut > 0 else iri


def describe_dataset(store: OxigraphStore, base_url: str, *, last_write: float | None = None) -> list[ox.Triple]:
    """The VoID description of the store served at ``base_url`` (no trailing slash)."""
    me = _n(f"{base_url}/.well-known/void#dataset")
    counts = store.select(library().get("gateway/void-counts"))[0]
    out = [ox.Triple(me, _RDF_TYPE, _n(VOID + "Dataset")),
           ox.Triple(me, _n(DCTERMS + "title"), ox.Literal("lineagekg lineage graph")),
           ox.Triple(me, _n(DCTERMS + "description"), ox.Literal(
               "The lineage of LLM post-training datasets as W3C PROV-O: datasets, the datasets each "
               "was derived from and how, with the evidence, documents and agent runs behind each edge.")),
           ox.Triple(me, _n(VOID + "sparqlEndpoint"), _n(f"{base_url}/sparql")),
           ox.Triple(me, _n(VOID + "dataDump"), _n(f"{base_url}/dump")),          # every quad
           ox.Triple(me, _n(VOID + "uriSpace"), ox.Literal(ID_BASE))]
    out += [ox.Triple(me, _n(VOID + prop), _int(counts[key])) for prop, key in (
        ("triples", "triples"), ("entities", "entities"), ("distinctSubjects", "subjects"),
        ("distinctObjects", "objects"), ("classes", "classes"), ("properties", "properties"))]
    out += [ox.Triple(me, _n(VOID + "feature"), _n("http://www.w3.org/ns/formats/" + f))
            for f in ("Turtle", "N-Triples", "JSON-LD", "RDF_XML")]
    vocabularies: set[str] = set()
    for row in store.select(library().get("gateway/void-partitions")):
        term = row["term"]
        vocabularies.add(_namespace(term))
        part = _n(f"{base_url}/.well-known/void#{row['kind']}-{digest(term)}")
        if row["kind"] == "class":
            out += [ox.Triple(me, _n(VOID + "classPartition"), part),
                    ox.Triple(part, _n(VOID + "class"), _n(term)),
                    ox.Triple(part, _n(VOID + "entities"), _int(row["count"]))]
        else:
            out += [ox.Triple(me, _n(VOID + "propertyPartition"), part),
                    ox.Triple(part, _n(VOID + "property"), _n(term)),
                    ox.Triple(part, _n(VOID + "triples"), _int(row["count"]))]
    out += [ox.Triple(me, _n(VOID + "vocabulary"), _n(v)) for v in sorted(vocabularies)]
    modified = _modified(store, last_write)
    if modified:
        out.append(ox.Triple(me, _n(DCTERMS + "modified"), ox.Literal(modified, datatype=_n(_XSD + "dateTime"))))
    for row in store.select(library().get("gateway/graph-sizes")):
        subset = _n(f"{base_url}/.well-known/void#graph-{digest(row['graph'])}")
        out += [ox.Triple(me, _n(VOID + "subset"), subset),
                ox.Triple(subset, _RDF_TYPE, _n(VOID + "Dataset")),
                ox.Triple(subset, _n(SD + "name"), _n(row["graph"])),
                ox.Triple(subset, _n(VOID + "triples"), _int(row["triples"])),
                ox.Triple(subset, _n(VOID + "sparqlEndpoint"), _n(f"{base_url}/sparql")),
                ox.Triple(subset, _n(VOID + "dataDump"),
                          _n(f"{base_url}/store?graph={_query_escape(row['graph'])}"))]
    return out


def _query_escape(iri: str) -> str:
    return urllib.parse.quote(iri, safe="")


def _modified(store: OxigraphStore, last_write: float | None) -> str | None:
    """The later of the last recorded activity in the data and the last write through the gateway."""
    rows = store.select(library().get("gateway/last-modified"))
    recorded = rows[0]["modified"] if rows and rows[0]["modified"] else None
    written = (dt.datetime.fromtimestamp(last_write, dt.UTC).replace(microsecond=0)
               .isoformat().replace("+00:00", "Z")) if last_write else None
    candidates = [c for c in (recorded, written) if c]
    if not candidates:
        return None
    return max(candidates, key=lambda c: dt.datetime.fromisoformat(c.replace("Z", "+00:00")))


def base_url_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/.well-known/void", summary="VoID description of the dataset",
            response_class=Response,
            responses={200: {"description": "VoID in Turtle (or N-Triples, JSON-LD, RDF/XML by Accept)",
                             "content": {t: {} for t in GRAPH_TYPES[:4]}},
                       406: {"description": "no acceptable format"}})
def void_description(request: Request, store: StoreDep, cache: AnswerCacheDep) -> Response:
    """Triples, entities, distinct subjects and objects, classes, properties, vocabularies, the
    SPARQL endpoint, dcterms:modified, and a subset per named graph."""
    accept = request.headers.get("accept")
    chosen = negotiate(accept, GRAPH_TYPES)
    if chosen is None:
        raise not_acceptable(accept, GRAPH_TYPES[:4])
    base = base_url_of(request)
    triples = cache.get("void", base, lambda: describe_dataset(store, base, last_write=store.last_write))
    return Response(serialize_graph(triples, chosen), media_type=media_type_of(chosen, GRAPH_FORMATS),
                    headers={"Vary": "Accept"})
