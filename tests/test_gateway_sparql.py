"""The SPARQL 1.1 Protocol endpoint, the Graph Store Protocol, the service description and VoID,
on a live gateway (uvicorn on loopback) serving the small graph of tests/data/lineage, queried by
real clients: SPARQLWrapper, rdflib's SPARQLStore and httpx. Answers are the ones
tests/data/lineage/README.md draws."""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import httpx
import pytest
from conftest import LINEAGE
from live_gateway import running_gateway
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from lineagekg.api import GatewaySettings
from lineagekg.importing import import_lineage_jsonl
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.store import open_store

HF = "https://huggingface.co/datasets/"
LK = Namespace("https://w3id.org/lineagekg/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
MIX = HF + "example/math-mix"
SEED = "https://w3id.org/lineagekg/id/dataset/self-instruct-seed-tasks"
ANCESTORS_OF_MIX = {HF + "TIGER-Lab/MathInstruct", HF + "meta-math/MetaMathQA", HF + "openai/gsm8k",
                    HF + "hendrycks/competition_math", HF + "tatsu-lab/alpaca", SEED}
PREFIXES = "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX lk: <https://w3id.org/lineagekg/ns#>\n"
ANCESTORS = PREFIXES + f"SELECT DISTINCT ?a WHERE {{ <{MIX}> prov:wasDerivedFrom+ ?a }}"
BENCHMARKS = PREFIXES + "SELECT ?b WHERE { ?b a lk:Benchmark } ORDER BY ?b"
RELATIONS = PREFIXES + ("SELECT ?relation (COUNT(?d) AS ?n) WHERE { ?d a lk:LineageDerivation ; "
                        "lk:relation ?relation } GROUP BY ?relation ORDER BY ?relation")
SOURCES = PREFIXES + f"CONSTRUCT {{ <{MIX}> prov:wasDerivedFrom ?s }} WHERE {{ <{MIX}> prov:wasDerivedFrom ?s }}"
TOKEN = "test-token"


def import_graph(gateway) -> str:
    return next(g for g in gateway.store.named_graphs() if g != ONTOLOGY_GRAPH and "/graph/import/" in g)


def small_store():
    store = open_store(memory=True)
    summary = import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    assert summary.outcome.accepted
    return store


def sparql(gateway, query: str, accept: str = "application/sparql-results+json", **params) -> httpx.Response:
    return httpx.get(gateway.base_url + "/sparql", params={"query": query, **params},
                     headers={"Accept": accept}, timeout=30)


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


# --- real clients ------------------------------------------------------------------------------

def test_sparqlwrapper_select_json(small_gateway) -> None:
    client = SPARQLWrapper(small_gateway.base_url + "/sparql")
    client.setQuery(ANCESTORS)
    client.setReturnFormat(JSON)
    answer = client.queryAndConvert()
    assert {b["a"]["value"] for b in answer["results"]["bindings"]} == ANCESTORS_OF_MIX


def test_sparqlwrapper_select_xml_by_post(small_gateway) -> None:
    client = SPARQLWrapper(small_gateway.base_url + "/sparql")
    client.setMethod("POST")
    client.setQuery(BENCHMARKS)
    client.setReturnFormat(XML)
    doc = client.queryAndConvert()          # an xml.dom Document
    uris = [n.firstChild.data for n in doc.getElementsByTagName("uri")]
    assert uris == [HF + "hendrycks/competition_math", HF + "openai/gsm8k"]


def test_sparqlwrapper_select_csv(small_gateway) -> None:
    client = SPARQLWrapper(small_gateway.base_url + "/sparql")
    client.setQuery(RELATIONS)
    client.setReturnFormat(CSV)
    table = list(csv.DictReader(io.StringIO(client.queryAndConvert().decode("utf-8"))))
    assert {r["relation"].rsplit("#", 1)[1]: int(r["n"]) for r in table} == {
        "distilledFrom": 1, "evolvedFrom": 2, "fusedFrom": 1, "generatedFrom": 1, "includedFrom": 4}


def test_sparqlwrapper_construct_turtle(small_gateway) -> None:
    client = SPARQLWrapper(small_gateway.base_url + "/sparql")
    client.setQuery(SOURCES)
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert set(graph.objects(URIRef(MIX), PROV.wasDerivedFrom)) == {
        URIRef(HF + "TIGER-Lab/MathInstruct"), URIRef(HF + "meta-math/MetaMathQA"), URIRef(HF + "tatsu-lab/alpaca")}
    assert len(graph) == 3


def test_sparqlwrapper_ask(small_gateway) -> None:
    client = SPARQLWrapper(small_gateway.base_url + "/sparql")
    client.setReturnFormat(JSON)
    client.setQuery(PREFIXES + f"ASK {{ <{MIX}> prov:wasDerivedFrom+ <{HF}openai/gsm8k> }}")
    assert client.queryAndConvert()["boolean"] is True
    client.setQuery(PREFIXES + f"ASK {{ <{HF}vicgalle/alpaca-gpt4> prov:wasDerivedFrom+ <{HF}openai/gsm8k> }}")
    assert client.queryAndConvert()["boolean"] is False


def test_rdflib_sparqlstore(small_gateway) -> None:
    graph = Graph(store=SPARQLStore(small_gateway.base_url + "/sparql", returnFormat="xml"))
    found = {str(r.a) for r in graph.query(ANCESTORS)}
    assert found == ANCESTORS_OF_MIX
    sources = set(graph.objects(URIRef(MIX), PROV.wasDerivedFrom))
    assert sources == {URIRef(HF + "TIGER-Lab/MathInstruct"), URIRef(HF + "meta-math/MetaMathQA"),
                       URIRef(HF + "tatsu-lab/alpaca")}
    assert graph.value(URIRef(HF + "openai/gsm8k"), DCTERMS.identifier) == Literal("openai/gsm8k")


# --- content negotiation -----------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("text/html;q=0.9, text/csv;q=0.5, */*;q=0.1", "text/csv"),
])
def test_select_formats(small_gateway, accept: str, media: str) -> None:
    import pyoxigraph as ox

    r = sparql(small_gateway, BENCHMARKS, accept=accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    expected = [HF + "hendrycks/competition_math", HF + "openai/gsm8k"]
    if media == "text/csv":            # lossy, so pyoxigraph does not parse it back
        assert r.text.splitlines() == ["b", *expected]
        return
    parsed = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.from_media_type(media))
    assert [s["b"].value for s in parsed] == expected


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_construct_formats(small_gateway, accept: str, rdflib_format: str) -> None:
    r = sparql(small_gateway, SOURCES, accept=accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    graph = Graph().parse(data=r.content, format=rdflib_format)
    assert len(set(graph.objects(URIRef(MIX), PROV.wasDerivedFrom))) == 3


def test_describe_answers_a_graph(small_gateway) -> None:
    r = sparql(small_gateway, f"DESCRIBE <{HF}openai/gsm8k>", accept="text/turtle")
    graph = Graph().parse(data=r.content, format="turtle")
    assert graph.value(URIRef(HF + "openai/gsm8k"), DCTERMS.identifier) == Literal("openai/gsm8k")
    assert (URIRef(HF + "openai/gsm8k"), RDF.type, LK.Benchmark) in graph


def test_nothing_acceptable_is_406(small_gateway) -> None:
    for query in (BENCHMARKS, SOURCES):
        r = sparql(small_gateway, query, accept="text/html")
        assert r.status_code == 406
        assert r.headers["content-type"] == "application/problem+json"
    # a SELECT asked for only as Turtle: the query runs, no format fits its kind
    assert sparql(small_gateway, BENCHMARKS, accept="text/turtle").status_code == 406


def test_query_by_post_form_and_direct(small_gateway) -> None:
    url = small_gateway.base_url + "/sparql"
    form = httpx.post(url, data={"query": ANCESTORS}, headers={"Accept": "application/sparql-results+json"})
    direct = httpx.post(url, content=ANCESTORS.encode(), headers={"Content-Type": "application/sparql-query"})
    assert {r["a"] for r in rows(form)} == {r["a"] for r in rows(direct)} == ANCESTORS_OF_MIX


def test_dataset_from_the_protocol(small_gateway) -> None:
    graph = import_graph(small_gateway)
    # the import's claims (qualified derivations) are in its bundle; the plain edges and the
    # datasets' descriptions in each dataset's own graph
    claims = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?t prov:qualifiedDerivation ?d }"
    assert rows(sparql(small_gateway, claims))[0]["n"] == "9"                   # union of the graphs
    assert rows(sparql(small_gateway, claims, **{"default-graph-uri": graph}))[0]["n"] == "9"
    assert rows(sparql(small_gateway, claims, **{"default-graph-uri": ONTOLOGY_GRAPH}))[0]["n"] == "0"
    edges = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?t prov:wasDerivedFrom ?s }"
    assert rows(sparql(small_gateway, edges))[0]["n"] == "9"
    assert rows(sparql(small_gateway, edges, **{"default-graph-uri": graph}))[0]["n"] == "0"
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert [r["g"] for r in rows(sparql(small_gateway, named, **{"named-graph-uri": graph}))] == [graph]
    assert {r["g"] for r in rows(sparql(small_gateway, named)) if "/graph/about/" not in r["g"]} == {
        graph, ONTOLOGY_GRAPH}


def test_syntax_error_is_400_with_the_parser_message(small_gateway) -> None:
    r = sparql(small_gateway, "SELECT ?x WHERE { ?x ?p }")
    assert r.status_code == 400
    problem = r.json()
    assert problem["type"].endswith("/bad-query")
    assert "1:" in problem["detail"] and "expected" in problem["detail"]


def test_protocol_misuse_is_refused(small_gateway) -> None:
    url = small_gateway.base_url + "/sparql"
    assert httpx.get(url, params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    assert httpx.post(url, content=b"ASK {}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert httpx.post(url, content="ASK {}".encode("utf-16"),
                      headers={"Content-Type": "application/sparql-query; charset=UTF-16"}).status_code == 415
    assert httpx.get(url, params={"update": "CLEAR ALL"}).status_code == 400
    assert httpx.put(url, params={"query": "ASK {}"}).status_code == 405


# --- limits ------------------------------------------------------------------------------------

def test_over_long_query_is_413(small_gateway) -> None:
    padding = "#" + "x" * small_gateway.settings.max_query_length + "\n"
    r = httpx.post(small_gateway.base_url + "/sparql", content=(padding + "ASK {}").encode(),
                   headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert r.json()["type"].endswith("/query-too-long")


def test_row_limit_cuts_and_says_so_or_refuses(small_gateway) -> None:
    """Past the row limit, JSON and XML results stop at the limit and say so in their head (a
    federating engine's sub-query still gets an answer); CSV and graphs, which cannot say so,
    are refused rather than cut."""
    limit = small_gateway.settings.max_rows
    cross = "SELECT ?a ?b WHERE {{ ?a ?p ?x . ?b ?q ?y }} LIMIT {}"
    exact = sparql(small_gateway, cross.format(limit))
    assert len(rows(exact)) == limit and "link" not in exact.json()["head"]
    over = sparql(small_gateway, cross.format(limit + 1))
    assert over.status_code == 200 and len(rows(over)) == limit
    assert over.json()["head"]["link"] == ["https://w3id.org/lineagekg/ns#truncatedAtRowLimit"]
    xml = sparql(small_gateway, cross.format(limit + 1), accept="application/sparql-results+xml")
    assert xml.status_code == 200 and xml.text.count("<result>") == limit
    assert '<link href="https://w3id.org/lineagekg/ns#truncatedAtRowLimit"/>' in xml.text
    refused = sparql(small_gateway, cross.format(limit + 1), accept="text/csv")
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/row-limit") and f"LIMIT {limit}" in refused.json()["hint"]
    graph = sparql(small_gateway, "CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?x . ?b ?q ?y }", accept="text/turtle")
    assert graph.status_code == 422


# --- SERVICE -------------------------------------------------------------------------------------

class _Canary(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint that must never be called: it records every request it gets."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # noqa: N802 -- http.server's naming
        self.hits.append(self.path)
        body = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def canary() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Canary", (_Canary,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", hits
    finally:
        server.shutdown()


def test_service_off_the_allowlist_is_refused_before_any_request(small_gateway) -> None:
    with canary() as (endpoint, hits):
        hostile = [
            f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
            f"PREFIX c: <{endpoint.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICE SILENT c:sparql {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }} }} LIMIT 1",
            f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }} }} }}",
        ]
        for query in hostile:
            r = sparql(small_gateway, query)
            assert r.status_code == 403, (query, r.text)
            assert endpoint in r.json()["detail"]
        variable = sparql(small_gateway, "SELECT * WHERE { BIND(<http://example.org/> AS ?e) SERVICE ?e { ?s ?p ?o } }")
        assert variable.status_code == 403 and "variable" in variable.json()["detail"]
        # SERVICE in a comment or a string is text, not a call: the query runs
        quoted = sparql(small_gateway,
                        f'SELECT ?x WHERE {{ BIND("SERVICE <{endpoint}> {{}}" AS ?x) }} # SERVICE <{endpoint}>')
        assert quoted.status_code == 200 and rows(quoted)[0]["x"].startswith("SERVICE")
        assert hits == []


def test_allowlisted_but_unreachable_service_is_502(small_gateway) -> None:
    (allowed,) = small_gateway.settings.service_allowlist
    r = sparql(small_gateway, f"SELECT * WHERE {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}")
    assert r.status_code == 502
    assert allowed in r.json()["detail"]


def test_allowlisted_service_reaches_a_second_gateway() -> None:
    """Federation for real: a gateway over an empty store asks the small graph's gateway."""
    with running_gateway(small_store()) as remote:
        endpoint = remote.base_url + "/sparql"
        settings = GatewaySettings(service_allowlist=(endpoint,))
        with running_gateway(open_store(memory=True), settings) as local:
            assert rows(sparql(local, BENCHMARKS)) == []
            federated = PREFIXES + f"SELECT ?b WHERE {{ SERVICE <{endpoint}> {{ ?b a lk:Benchmark }} }} ORDER BY ?b"
            assert [r["b"] for r in rows(sparql(local, federated))] == [
                HF + "hendrycks/competition_math", HF + "openai/gsm8k"]


# --- service description and VoID --------------------------------------------------------------

def test_service_description(small_gateway) -> None:
    r = httpx.get(small_gateway.base_url + "/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    sd = Graph().parse(data=r.content, format="turtle")
    me = URIRef(small_gateway.base_url + "/sparql")
    assert (me, RDF.type, SD.Service) in sd and (me, SD.endpoint, me) in sd
    assert set(sd.objects(me, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}
    formats = {str(f).rsplit("/", 1)[1] for f in sd.objects(me, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
            "Turtle", "N-Triples", "JSON-LD", "RDF_XML"} == formats
    assert (me, SD.feature, SD.UnionDefaultGraph) in sd and (me, SD.feature, SD.BasicFederatedQuery) in sd
    dataset = sd.value(me, SD.defaultDataset)
    sizes = {str(sd.value(n, SD.name)): int(sd.value(sd.value(n, SD.graph), VOID.triples))
             for n in sd.objects(dataset, SD.namedGraph)}
    graph = import_graph(small_gateway)
    assert sizes[graph] == len(small_gateway.store.quads(graph))
    assert {g for g in sizes if "/graph/about/" not in g} == {graph, ONTOLOGY_GRAPH}
    as_jsonld = httpx.get(small_gateway.base_url + "/sparql", headers={"Accept": "application/ld+json"})
    assert len(Graph().parse(data=as_jsonld.content, format="json-ld")) == len(sd)


def test_void(small_gateway) -> None:
    r = httpx.get(small_gateway.base_url + "/.well-known/void")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    void = Graph().parse(data=r.content, format="turtle")
    ds = URIRef(small_gateway.base_url + "/.well-known/void#dataset")
    assert (ds, RDF.type, VOID.Dataset) in void
    triples = {(q.subject, q.predicate, q.object) for q in small_gateway.store.quads()}

    def figure(prop) -> int:
        return int(void.value(ds, prop))

    assert figure(VOID.triples) == len(triples)
    assert figure(VOID.distinctSubjects) == len({t[0] for t in triples})
    assert figure(VOID.distinctObjects) == len({t[2] for t in triples})
    assert figure(VOID.properties) == len({t[1] for t in triples})
    assert void.value(ds, VOID.sparqlEndpoint) == URIRef(small_gateway.base_url + "/sparql")
    vocabularies = set(void.objects(ds, VOID.vocabulary))
    assert {URIRef(str(PROV)), URIRef(str(LK)), URIRef(str(DCTERMS))} <= vocabularies
    classes = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
               for p in void.objects(ds, VOID.classPartition)}
    assert classes[LK.Dataset] == 8 and classes[LK.Benchmark] == 2 and classes[LK.LineageDerivation] == 9
    assert void.value(ds, DCTERMS.modified).datatype == URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
    subsets = {str(void.value(s, SD.name)): int(void.value(s, VOID.triples))
               for s in void.objects(ds, VOID.subset)}
    assert subsets[import_graph(small_gateway)] == len(small_gateway.store.quads(import_graph(small_gateway)))
    as_nt = httpx.get(small_gateway.base_url + "/.well-known/void", headers={"Accept": "application/n-triples"})
    assert len(Graph().parse(data=as_nt.content, format="nt")) == len(void)
    assert httpx.get(small_gateway.base_url + "/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


# --- updates and the Graph Store Protocol (on a gateway of their own: they write) ----------------

@pytest.fixture
def writable():
    settings = GatewaySettings(update_token=TOKEN, query_timeout=10.0, max_rows=1000)
    with running_gateway(small_store(), settings) as gateway:
        yield gateway


AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = {"Content-Type": "application/sparql-update"}
GOOD = ("PREFIX lk: <https://w3id.org/lineagekg/ns#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> INSERT DATA { GRAPH <https://example.org/g/new> { "
        "<https://example.org/d/new> a lk:Dataset ; dcterms:identifier \"new\" ; rdfs:label \"new\" } }")
CYCLE = PREFIXES + (f"INSERT DATA {{ GRAPH <https://example.org/g/bad> {{ "
                    f"<{HF}openai/gsm8k> prov:wasDerivedFrom <{MIX}> }} }}")


def count_quads(gateway) -> int:
    return int(rows(sparql(gateway, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))[0]["n"])


def test_update_needs_the_token(writable) -> None:
    url = writable.base_url + "/update"
    missing = httpx.post(url, content=GOOD, headers=UPDATE)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.post(url, content=GOOD, headers={**UPDATE, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    form = httpx.post(writable.base_url + "/sparql", data={"update": GOOD})
    assert form.status_code == 401
    assert rows(sparql(writable, "SELECT * WHERE { <https://example.org/d/new> ?p ?o }")) == []


def test_read_only_gateway_refuses_every_write() -> None:
    with running_gateway(small_store(), GatewaySettings()) as gateway:
        before = count_quads(gateway)
        r = httpx.post(gateway.base_url + "/update", content=GOOD, headers={**UPDATE, **AUTH})
        assert r.status_code == 403 and r.json()["type"].endswith("/read-only")
        put = httpx.put(gateway.base_url + "/store", params={"graph": "https://example.org/g"},
                        content=b"<https://example.org/s> <https://example.org/p> 1 .",
                        headers={**AUTH, "Content-Type": "text/turtle"})
        assert put.status_code == 403
        assert count_quads(gateway) == before


def test_update_writes_when_it_conforms(writable) -> None:
    r = httpx.post(writable.base_url + "/update", content=GOOD, headers={**UPDATE, **AUTH})
    assert r.status_code == 200, r.text
    assert r.json()["quads_added"] == 3 and r.json()["graphs_created"] == ["https://example.org/g/new"]
    found = rows(sparql(writable, "SELECT ?l WHERE { <https://example.org/d/new> "
                                  "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"))
    assert found == [{"l": "new"}]
    # update= on /sparql, with a protocol dataset for its WHERE
    move = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "DELETE { GRAPH <https://example.org/g/new> { ?d rdfs:label ?l } } "
            "INSERT { GRAPH <https://example.org/g/new> { ?d rdfs:label \"renamed\" } } WHERE { ?d rdfs:label ?l }")
    r = httpx.post(writable.base_url + "/sparql", headers=AUTH,
                   data={"update": move, "using-graph-uri": "https://example.org/g/new"})
    assert r.status_code == 200, r.text
    assert (r.json()["quads_added"], r.json()["quads_removed"]) == (1, 1)     # only the new graph's label
    label = f"SELECT ?l WHERE {{ <{HF}openai/gsm8k> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    assert rows(sparql(writable, label)) == [{"l": "openai/gsm8k"}]


def test_violating_update_changes_nothing(writable) -> None:
    before = count_quads(writable)
    r = httpx.post(writable.base_url + "/update", content=CYCLE, headers={**UPDATE, **AUTH})
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"].endswith("/shacl-violation")
    assert any("cycle" in v for v in problem["violations"])
    # several operations, the last one violating: none of them is written
    both = GOOD + " ;\n" + CYCLE.replace(PREFIXES, "")
    r = httpx.post(writable.base_url + "/update", content=PREFIXES + both, headers={**UPDATE, **AUTH})
    assert r.status_code == 422
    assert count_quads(writable) == before
    # removing what derivations point at leaves them dangling: refused too
    import_graph(writable)
    drop = f"DELETE WHERE {{ GRAPH ?g {{ <{HF}openai/gsm8k> a ?type }} }}"
    r = httpx.post(writable.base_url + "/update", content=drop, headers={**UPDATE, **AUTH})
    assert r.status_code == 422 and any("source dataset" in v for v in r.json()["violations"])
    assert count_quads(writable) == before


def test_update_cannot_reach_the_network_or_the_ontology(writable) -> None:
    with canary() as (endpoint, hits):
        load = httpx.post(writable.base_url + "/update", headers={**UPDATE, **AUTH},
                          content=f"LOAD <{endpoint}> INTO GRAPH <https://example.org/g>")
        assert load.status_code == 403 and endpoint in load.json()["detail"]
        service = httpx.post(writable.base_url + "/update", headers={**UPDATE, **AUTH},
                             content=f"INSERT {{ GRAPH <https://example.org/g> {{ ?s ?p ?o }} }} "
                                     f"WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
        assert service.status_code == 403
        assert hits == []
    ontology = httpx.post(writable.base_url + "/update", headers={**UPDATE, **AUTH},
                          content=f"INSERT DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <https://example.org/s> "
                                  "<https://example.org/p> 1 } }")
    assert ontology.status_code == 400 and "read-only" in ontology.json()["detail"]


def test_graph_store_protocol(writable) -> None:
    store_url = writable.base_url + "/store"
    graph = import_graph(writable)
    got = httpx.get(store_url, params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200
    assert len(Graph().parse(data=got.content, format="nt")) == len(writable.store.quads(graph))
    assert httpx.get(store_url, params={"graph": "https://example.org/none"}).status_code == 404
    assert httpx.get(store_url).status_code == 400
    assert httpx.head(store_url, params={"graph": graph}).status_code == 200

    target = {"graph": "https://example.org/g/put"}
    turtle = (b'@prefix lk: <https://w3id.org/lineagekg/ns#> . @prefix dcterms: <http://purl.org/dc/terms/> .\n'
              b'@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
              b'<https://example.org/d/put> a lk:Dataset ; dcterms:identifier "put" ; rdfs:label "put" .')
    typed = {**AUTH, "Content-Type": "text/turtle"}
    unauthorised = httpx.put(store_url, params=target, content=turtle, headers={"Content-Type": "text/turtle"})
    assert unauthorised.status_code == 401
    created = httpx.put(store_url, params=target, content=turtle, headers=typed)
    assert created.status_code == 201 and created.json()["quads_added"] == 3
    replaced = httpx.put(store_url, params=target, headers=typed,
                         content=turtle.replace(b'"put" .', b'"put, renamed" .'))
    assert replaced.status_code == 200
    assert (replaced.json()["quads_added"], replaced.json()["quads_removed"]) == (1, 1)
    merged = httpx.post(store_url, params=target, headers={**AUTH, "Content-Type": "application/n-triples"},
                        content=b'<https://example.org/d/put> <http://www.w3.org/2000/01/rdf-schema#comment> "more" .')
    assert merged.status_code == 200 and merged.json()["quads_added"] == 1
    back = Graph().parse(data=httpx.get(store_url, params=target).content, format="turtle")
    assert len(back) == 4
    assert back.value(URIRef("https://example.org/d/put"), DCTERMS.identifier) == Literal("put")

    bad = b'<https://example.org/d/bad> a <https://w3id.org/lineagekg/ns#Dataset> .'    # no id, no label
    refused = httpx.put(store_url, params={"graph": "https://example.org/g/bad"}, content=bad, headers=typed)
    assert refused.status_code == 422 and refused.json()["violations"]
    assert httpx.get(store_url, params={"graph": "https://example.org/g/bad"}).status_code == 404
    syntax = httpx.put(store_url, params=target, content=b"<https://example.org/s> <p", headers=typed)
    assert syntax.status_code == 400
    assert httpx.put(store_url, params={"graph": ONTOLOGY_GRAPH}, content=turtle, headers=typed).status_code == 403

    assert httpx.delete(store_url, params=target, headers=AUTH).status_code == 200
    assert httpx.get(store_url, params=target).status_code == 404
    assert httpx.delete(store_url, params=target, headers=AUTH).status_code == 404


def test_void_follows_writes(writable) -> None:
    def triples() -> int:
        void = Graph().parse(data=httpx.get(writable.base_url + "/.well-known/void").content, format="turtle")
        return int(void.value(URIRef(writable.base_url + "/.well-known/void#dataset"), VOID.triples))

    before = triples()
    assert httpx.post(writable.base_url + "/update", content=GOOD, headers={**UPDATE, **AUTH}).status_code == 200
    assert triples() == before + 3


def test_percent_encoded_graph_iri_round_trips(writable) -> None:
    iri = "https://example.org/g/with%20space?x=1"
    r = httpx.put(writable.base_url + "/store?graph=" + urllib.parse.quote(iri, safe=""),
                  content=b'<https://example.org/s> <https://example.org/p> "1" .',
                  headers={**AUTH, "Content-Type": "application/n-triples"})
    assert r.status_code == 201, r.text
    assert iri in writable.store.named_graphs()
    assert json.loads(r.text)["graphs_created"] == [iri]


# --- what the checks read from the text ------------------------------------------------------------

def test_reach_reads_the_algebra_not_the_letters() -> None:
    from lineagekg.api.inspection import MAX_PARSED_LENGTH, reach, with_protocol_dataset
    from lineagekg.api.problems import GatewayError

    assert reach('SELECT * { ?s ?p "SERVICE <http://a/>" } # SERVICE <http://b/>', update=False).services == ()
    assert reach("PREFIX SERVICE: <http://x/> SELECT * { ?s SERVICE:p ?SERVICE }", update=False).services == ()
    found = reach("BASE <http://base/> PREFIX e: <http://e/> SELECT * { SERVICE e:one { ?s ?p ?o } "
                  "OPTIONAL { SERVICE <two> { ?s ?p ?o } } MINUS { SERVICE ?v { ?s ?p ?o } } }", update=False)
    assert sorted(found.services) == ["?v", "http://base/two", "http://e/one"]
    assert reach("LOAD <http://x/data.ttl> INTO GRAPH <http://g/>", update=True).loads == ("http://x/data.ttl",)
    with pytest.raises(GatewayError) as long:
        reach("SELECT * { SERVICE <http://a/> { ?s ?p ?o } } #" + "x" * MAX_PARSED_LENGTH, update=False)
    assert long.value.status == 413

    update = ("PREFIX ex: <http://ex/> INSERT { GRAPH ex:WHERE { ?s ex:p 1 } } # WHERE\n"
              "WHERE { ?s ?p ?o { SELECT ?s WHERE { ?s ?q ?r } } } ; INSERT DATA { ex:a ex:b ex:c }")
    placed = with_protocol_dataset(update, reach(update, update=True, dataset_params=True),
                                   ["http://g/1"], ["http://g/2"])
    assert placed.count("USING <http://g/1> USING NAMED <http://g/2> WHERE {") == 1
    assert placed.replace("USING <http://g/1> USING NAMED <http://g/2> ", "") == update


def test_blank_nodes_in_writes(writable) -> None:
    """DELETE DATA cannot name a blank node: a graph losing a triple with one is rewritten whole,
    and what stays keeps its shape."""
    target = {"graph": "https://example.org/g/blank"}
    turtle = (b'@prefix ex: <https://example.org/> .\n'
              b'ex:s ex:has [ ex:name "first" ; ex:rank 1 ] , [ ex:name "second" ; ex:rank 2 ] .\n'
              b'ex:s ex:label "kept" .')
    assert httpx.put(writable.base_url + "/store", params=target, content=turtle,
                     headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 201
    drop_first = ('PREFIX ex: <https://example.org/> '
                  'DELETE { GRAPH <https://example.org/g/blank> { ex:s ex:has ?b . ?b ?p ?o } } '
                  'WHERE { GRAPH <https://example.org/g/blank> { ex:s ex:has ?b . ?b ex:name "first" ; ?p ?o } }')
    r = httpx.post(writable.base_url + "/update", content=drop_first, headers={**UPDATE, **AUTH})
    assert r.status_code == 200 and r.json()["quads_removed"] == 3, r.text
    left = Graph().parse(data=httpx.get(writable.base_url + "/store", params=target).content, format="turtle")
    ex = Namespace("https://example.org/")
    (kept,) = list(left.objects(ex.s, ex.has))
    assert left.value(kept, ex.name) == Literal("second") and left.value(kept, ex.rank) == Literal(2)
    assert left.value(ex.s, ex.label) == Literal("kept") and len(left) == 4
