"""The W3C SPARQL 1.1 Protocol test suite (vendored in tests/data/shared/w3c-sparql11-protocol, 34
tests), run against a live gateway on loopback: each test's data is loaded through the Graph Store Protocol (PUT for
the first file, POST for the next), then its HTTP requests are sent in order and each response
checked for its status class, its boolean answer and its result format.

Paths in the manifest start with ``/sparql/``; the gateway's endpoint is ``/sparql`` (queries and
updates). The update tests send the gateway's bearer token: the suite tests the protocol, and
the gateway is read-only without a token (that is tested in test_gateway_sparql.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from helpers import W3C_PROTOCOL_SUITE
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from lineagekg.api import GatewaySettings
from lineagekg.store import open_store

SUITE = W3C_PROTOCOL_SUITE     # vendored: tests/data/shared/w3c-sparql11-protocol
TOKEN = "w3c-token"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

TABULAR = {"application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV}
BOOLEAN = {k: v for k, v in TABULAR.items() if "sparql-results" in k}
RDF_FORMATS = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
               "application/n-triples": ox.RdfFormat.N_TRIPLES}


@dataclass(frozen=True)
class Exchange:
    """One request of a test and what its response must be."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    status_classes: frozenset[str]         # "2", "3", "4"
    boolean: bool | None
    result_format: str | None              # "boolean", "tabular", "RDF"


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    data: tuple[tuple[Path, str], ...]     # (file, graph IRI), in load order
    exchanges: tuple[Exchange, ...]


def _exchange(g: Graph, node) -> Exchange:
    headers = []
    if (node, HT.headers, None) in g:
        for h in Collection(g, g.value(node, HT.headers)):
            headers.append((str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue))))
    body = None
    if (node, HT.body, None) in g:
        content = g.value(node, HT.body)
        body = str(g.value(content, CNT.chars)).encode(str(g.value(content, CNT.characterEncoding)))
    resp = g.value(node, HT.resp)
    statuses = frozenset(str(s).rsplit("StatusCode", 1)[1][0] for s in g.objects(resp, MF.expectedStatus))
    boolean = g.value(resp, MF.expectedBoolean)
    fmt = g.value(resp, MF.expectedFormat)
    return Exchange(method=str(g.value(node, HT.methodName)), path=str(g.value(node, HT.absolutePath)),
                    headers=tuple(headers), body=body, status_classes=statuses,
                    boolean=None if boolean is None else boolean.toPython(),
                    result_format=None if fmt is None else str(fmt))


def load_suite(folder: Path) -> list[ProtocolTest]:
    """Every test of the manifest, in its order."""
    g = Graph().parse(folder / "manifest.ttl", format="turtle", publicID=(folder / "manifest.ttl").as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in Collection(g, g.value(manifest, MF.entries)):
        data = sorted(((Path(str(g.value(d, UT.graph)).removeprefix("file://")), str(g.value(d, RDFS.label)))
                       for d in g.objects(test, UT.graphData)), key=lambda item: item[1])
        action = g.value(test, MF.action)
        exchanges = tuple(_exchange(g, r) for r in Collection(g, g.value(action, HT.requests)))
        tests.append(ProtocolTest(name=str(test).rsplit("#", 1)[1], title=str(g.value(test, MF.name)),
                                  data=tuple(data), exchanges=exchanges))
    return tests


SUITE_TESTS = load_suite(SUITE)
CASES = [pytest.param(t, id=t.name) for t in SUITE_TESTS]


def test_the_whole_suite_is_read() -> None:
    assert len(SUITE_TESTS) == 34
    assert sum(len(t.exchanges) for t in SUITE_TESTS) >= 38
    assert {len(t.data) for t in SUITE_TESTS} == {0, 2, 3}


@pytest.fixture(scope="module")
def protocol_gateway():
    """A gateway over a store of its own (the suite drops everything), writes allowed."""
    from live_gateway import running_gateway

    settings = GatewaySettings(update_token=TOKEN, query_timeout=30.0, max_rows=1000)
    with running_gateway(open_store(memory=True), settings) as gateway:
        yield gateway


def _prepare(client: httpx.Client, test: ProtocolTest) -> None:
    """Empty the store (through the protocol), then load the test's graphs through the GSP."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    reset = client.post("/update", content="DROP ALL", headers={**auth, "Content-Type": "application/sparql-update"})
    assert reset.status_code == 200, reset.text
    for index, (path, graph) in enumerate(test.data):
        send = client.put if index == 0 else client.post
        r = send("/store", params={"graph": graph}, content=path.read_bytes(),
                 headers={**auth, "Content-Type": "application/n-triples"})
        assert r.status_code in (200, 201), r.text


def _solutions(content: bytes, fmt: ox.QueryResultsFormat) -> tuple[list[str], list[tuple[str, ...]]]:
    """A SELECT answer as its variable names and its rows (terms in N-Triples form, sorted)."""
    answer = ox.parse_query_results(content, format=fmt)
    assert isinstance(answer, ox.QuerySolutions), f"expected solutions, got {type(answer).__name__}"
    variables = [v.value for v in answer.variables]
    return variables, sorted(tuple(str(s[v]) if s[v] is not None else "" for v in variables) for s in answer)


def _boolean(response: httpx.Response) -> bool:
    media = response.headers["content-type"].split(";")[0]
    assert media in BOOLEAN, f"a boolean answer as {media}"
    if BOOLEAN[media] == ox.QueryResultsFormat.JSON:
        return json.loads(response.content)["boolean"]
    return bool(ox.parse_query_results(response.content, format=BOOLEAN[media]))


@pytest.mark.parametrize("test", CASES)
def test_protocol(test: ProtocolTest, protocol_gateway) -> None:
    with httpx.Client(base_url=protocol_gateway.base_url, timeout=60) as client:
        _prepare(client, test)
        for number, ex in enumerate(test.exchanges, 1):
            assert ex.path.startswith("/sparql/")
            path = "/sparql" + ex.path[len("/sparql/"):]        # the manifest's /sparql/ is /sparql here
            headers = dict(ex.headers) | {"Authorization": f"Bearer {TOKEN}"}
            r = client.request(ex.method, path, content=ex.body, headers=headers)
            where = (f"{test.name} ({test.title}), request {number}: {ex.method} {path} -> "
                     f"{r.status_code} {r.text[:300]}")
            assert str(r.status_code)[0] in ex.status_classes, where
            media = r.headers.get("content-type", "").split(";")[0]
            if ex.result_format == "boolean" or ex.boolean is not None:
                answer = _boolean(r)
                if ex.boolean is not None:
                    assert answer is ex.boolean, where
            elif ex.result_format == "tabular":
                assert media in TABULAR, where
                # the same request answered as SPARQL JSON is the reference for the rows
                as_json = client.request(ex.method, path, content=ex.body,
                                         headers=headers | {"Accept": "application/sparql-results+json"})
                variables, rows = _solutions(as_json.content, ox.QueryResultsFormat.JSON)
                if media == "text/csv":       # lossy (no term kinds): compare the header and the row count
                    lines = r.text.splitlines()
                    assert lines[0].split(",") == variables and len(lines) - 1 == len(rows), where
                else:
                    assert _solutions(r.content, TABULAR[media]) == (variables, rows), where
            elif ex.result_format == "RDF":
                assert media in RDF_FORMATS, where
                list(ox.parse(r.content, format=RDF_FORMATS[media]))
