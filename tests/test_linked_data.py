"""Linked Data on a live gateway: project IRIs (datasets, splits, derivations) dereference with
content negotiation (HTML for people, RDF for machines), splits link to their Hub page, and the
VoID's void:dataDump serves every quad of the store."""

from __future__ import annotations

import json

import httpx
import pytest
from helpers import write_jsonl
from live_gateway import running_gateway
from rdflib import Dataset, Graph, Literal, Namespace, URIRef

from lineagekg.importing import import_lineage_jsonl
from lineagekg.iris import ID_BASE
from lineagekg.queries import SPARQLQuery
from lineagekg.store import open_store

HF = "https://huggingface.co/datasets/"
LK = Namespace("https://w3id.org/lineagekg/ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
VOID = Namespace("http://rdfs.org/ns/void#")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
META = ('{"relationship": "Direct Inclusion/Subset", "confidence": 0.9, '
        '"evidence": "we include the validation split of TruthfulQA", "source": "Paper"}')


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ld")
    nodes = write_jsonl(tmp / "n.jsonl", [
        {"name": "example/mix", "summary": "a <script>alert(1)</script> mix"},
        {"name": "truthfulqa/truthful_qa", "exists_on_hf": "exists"},
        {"name": "truthfulqa/truthful_qa:validation", "split_of": "truthfulqa/truthful_qa", "split": "validation"},
        {"name": "hand-written seeds <b>", "exists_on_hf": "not_found"}])
    edges = write_jsonl(tmp / "e.jsonl", [
        {"target": "example/mix", "source": "truthfulqa/truthful_qa:validation", "meta_info": META},
        {"target": "example/mix", "source": "hand-written seeds <b>", "meta_info": META}])
    store = open_store(memory=True)
    assert import_lineage_jsonl(store, nodes, edges).outcome.accepted
    with running_gateway(store) as gw:
        yield gw


def iri_of(gateway, identifier: str) -> str:
    [row] = gateway.store.select(SPARQLQuery.from_text(
        "t", "SELECT ?d WHERE { ?d <http://purl.org/dc/terms/identifier> ?id }"
             f" VALUES ?id {{ {json.dumps(identifier)} }}"))
    return row["d"]


def deref(gateway, iri: str, accept: str) -> httpx.Response:
    assert iri.startswith(ID_BASE)
    return httpx.get(gateway.base_url + "/id/" + iri[len(ID_BASE):], headers={"Accept": accept})


def test_a_split_is_a_project_iri_linked_to_its_hub_page(gateway) -> None:
    split = ID_BASE + "split/hf/truthfulqa/truthful_qa/validation"
    r = deref(gateway, split, "text/turtle")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "Accept" in r.headers["vary"]
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef(split), RDFS.seeAlso, URIRef(HF + "truthfulqa/truthful_qa")) in g
    assert (URIRef(split), LK.splitName, Literal("validation")) in g
    assert (URIRef(HF + "example/mix"), LK.includedFrom, URIRef(split)) in g        # pointing here


def test_a_dataset_and_a_derivation_dereference_for_machines(gateway) -> None:
    seeds = iri_of(gateway, "hand-written seeds <b>")
    g = Graph().parse(data=deref(gateway, seeds, "application/ld+json").text, format="json-ld")
    assert (URIRef(seeds), RDFS.label, Literal("hand-written seeds <b>")) in g
    [row] = gateway.store.select(SPARQLQuery.from_text("t", f"""SELECT ?q WHERE {{
        <{HF}example/mix> <http://www.w3.org/ns/prov#qualifiedDerivation> ?q .
        ?q <http://www.w3.org/ns/prov#entity> <{seeds}> }}"""))
    g = Graph().parse(data=deref(gateway, row["q"], "text/turtle").text, format="turtle")
    assert float(g.value(URIRef(row["q"]), LK.confidence).toPython()) == pytest.approx(0.9)
    assert str(g.value(URIRef(row["q"]), LK.evidence)) == "we include the validation split of TruthfulQA"


def test_people_get_an_escaped_html_page_linking_the_explorer(gateway) -> None:
    r = deref(gateway, iri_of(gateway, "hand-written seeds <b>"), BROWSER)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "hand-written seeds &lt;b&gt;" in r.text and "<b>" not in r.text
    assert 'href="/#dataset=hand-written+seeds+%3Cb%3E"' in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_unknown_iri_is_404_and_unacceptable_is_406(gateway) -> None:
    assert deref(gateway, ID_BASE + "dataset/no-such-thing", "text/turtle").status_code == 404
    assert deref(gateway, iri_of(gateway, "hand-written seeds <b>"), "image/png").status_code == 406


def test_void_data_dump_serves_every_quad(gateway) -> None:
    void = Graph().parse(data=httpx.get(gateway.base_url + "/.well-known/void").text, format="turtle")
    top = URIRef(gateway.base_url + "/.well-known/void#dataset")
    dump = void.value(top, VOID.dataDump)
    assert dump is not None and str(void.value(top, VOID.uriSpace)) == ID_BASE
    r = httpx.get(str(dump))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-quads")
    quads = Dataset().parse(data=r.text, format="nquads")
    assert len(quads) == len(gateway.store)
    trig = httpx.get(str(dump), headers={"Accept": "application/trig"})
    assert len(Dataset().parse(data=trig.text, format="trig")) == len(gateway.store)
