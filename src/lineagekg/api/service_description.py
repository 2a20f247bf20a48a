"""The SPARQL 1.1 service description of the endpoint (``GET /sparql`` without a query): what it
speaks, what it answers with, and its default dataset (the union of the named graphs)."""

from __future__ import annotations

import pyoxigraph as ox

from lineagekg.api.settings import GatewaySettings
from lineagekg.iris import digest
from lineagekg.queries import library
from lineagekg.store.oxigraph import OxigraphStore
from lineagekg.terms import RDF, RDFS, XSD
from lineagekg.terms import VOID as VOID_TERMS

__all__ = ["FORMAT_IRIS", "MAX_NAMED_GRAPHS", "describe_service"]

MAX_NAMED_GRAPHS = 1000     # listed in the description (a traced store has one graph per dataset)

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = VOID_TERMS.NS
_RDF_TYPE = RDF.type
_RDFS = RDFS.NS
FORMATS = "http://www.w3.org/ns/formats/"       # W3C's IRIs of RDF and results formats
# what /sparql answers with, as W3C format IRIs
FORMAT_IRIS = [FORMATS + name for name in (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "JSON-LD", "RDF_XML")]


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def describe_service(store: OxigraphStore, settings: GatewaySettings, endpoint: str,
                     void_url: str) -> list[ox.Triple]:
    """The service description of ``endpoint`` as triples."""
    me = _n(endpoint)
    dataset = _n(endpoint + "#dataset")
    default_graph = _n(endpoint + "#default-graph")
    out = [ox.Triple(me, _RDF_TYPE, _n(SD + "Service")),
           ox.Triple(me, _n(SD + "endpoint"), me),
           ox.Triple(me, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
           ox.Triple(me, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
           ox.Triple(me, _n(SD + "defaultEntailmentRegime"), _n("http://www.w3.org/ns/entailment/Simple")),
           ox.Triple(me, _n(SD + "defaultDataset"), dataset),
           ox.Triple(me, _n(_RDFS + "seeAlso"), _n(void_url)),
           ox.Triple(me, _n(_RDFS + "label"), ox.Literal("lineagekg SPARQL endpoint")),
           ox.Triple(me, _n(_RDFS + "comment"), ox.Literal(
               f"Read-only unless an update token is configured. Each query has a time limit of "
               f"{settings.query_timeout:g} s and a limit of {settings.max_rows} rows (or triples); "
               f"query texts are limited to {settings.max_query_length} characters. SERVICE reaches "
               "only the endpoints on the gateway's allowlist."))]
    out += [ox.Triple(me, _n(SD + "resultFormat"), _n(f)) for f in FORMAT_IRIS]
    if settings.update_token:
        out.append(ox.Triple(me, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Update")))
    if settings.service_allowlist:
        out.append(ox.Triple(me, _n(SD + "feature"), _n(SD + "BasicFederatedQuery")))
    out += [ox.Triple(dataset, _RDF_TYPE, _n(SD + "Dataset")),
            ox.Triple(dataset, _n(SD + "defaultGraph"), default_graph),
            ox.Triple(default_graph, _RDF_TYPE, _n(SD + "Graph")),
            ox.Triple(default_graph, _n(_RDFS + "comment"),
                      ox.Literal("the union of all the named graphs of the store"))]
    rows = store.select(library().get("gateway/graph-sizes"))
    if len(rows) > MAX_NAMED_GRAPHS:
        out.append(ox.Triple(dataset, _n(_RDFS + "comment"), ox.Literal(
            f"{len(rows)} named graphs; the first {MAX_NAMED_GRAPHS} are listed here, all of them in VoID")))
    for row in rows[:MAX_NAMED_GRAPHS]:
        named = _n(f"{endpoint}#graph-{digest(row['graph'])}")
        graph = _n(f"{endpoint}#graph-{digest(row['graph'])}-content")
        out += [ox.Triple(dataset, _n(SD + "namedGraph"), named),
                ox.Triple(named, _RDF_TYPE, _n(SD + "NamedGraph")),
                ox.Triple(named, _n(SD + "name"), _n(row["graph"])),
                ox.Triple(named, _n(SD + "graph"), graph),
                ox.Triple(graph, _RDF_TYPE, _n(SD + "Graph")),
                ox.Triple(graph, _n(VOID + "triples"), ox.Literal(str(row["triples"]),
                                                                  datatype=_n(XSD.NS + "integer")))]
    return out
