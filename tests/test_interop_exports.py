"""Catalog exports: the DCAT 3 catalog (read back with rdflib) and Croissant 1.1 per dataset
(validated by mlcroissant, the Croissant reference library), on the small graph plus a real Hub
card, whose answers tests/data/lineage/README.md draws."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import mlcroissant as mlc
import pytest
from conftest import LINEAGE
from rdflib import Graph, URIRef
from rdflib import namespace as ns

from lineagekg.analyses import Lineage
from lineagekg.cli import main
from lineagekg.importing import import_hf_cards
from lineagekg.interop import dcat
from lineagekg.interop.croissant import croissant
from lineagekg.store import OxigraphStore

HF = "https://huggingface.co/datasets/"
CARD = Path(__file__).resolve().parents[1] / "examples" / "corpus" / "hf_legacy_cards" / "truthful_qa.md"


@pytest.fixture
def catalog_store(small_store: OxigraphStore, tmp_path: Path) -> OxigraphStore:
    shutil.copy(CARD, tmp_path / "truthfulqa__truthful_qa.md")
    assert import_hf_cards(small_store, tmp_path).outcome.accepted
    return small_store


def test_dcat_catalog(catalog_store: OxigraphStore) -> None:
    g = Graph().parse(data=dcat.catalog(catalog_store, fmt="jsonld"), format="json-ld")
    [cat] = list(g.subjects(ns.RDF.type, ns.DCAT.Catalog))
    datasets = set(g.objects(cat, ns.DCAT.dataset))
    assert len(datasets) == 9                              # 8 of the small graph + TruthfulQA
    assert all((d, ns.RDF.type, ns.DCAT.Dataset) in g for d in datasets)
    for d in datasets:                                     # each with one distribution that gives access
        [dist] = list(g.objects(d, ns.DCAT.distribution))
        assert (dist, ns.RDF.type, ns.DCAT.Distribution) in g and g.value(dist, ns.DCAT.accessURL) is not None
    metamath = URIRef(HF + "meta-math/MetaMathQA")
    assert set(g.objects(metamath, ns.PROV.wasDerivedFrom)) == {URIRef(HF + "openai/gsm8k"),
                                                             URIRef(HF + "hendrycks/competition_math")}
    assert g.value(metamath, ns.DCAT.landingPage) == metamath           # a Hub dataset's page is its IRI
    truthful = URIRef(HF + "truthfulqa/truthful_qa")
    assert g.value(truthful, ns.DCTERMS.license) == URIRef("http://spdx.org/licenses/Apache-2.0")
    assert g.value(truthful, ns.DCTERMS.title).toPython() == "TruthfulQA"
    assert g.value(g.value(truthful, ns.DCAT.distribution), ns.DCTERMS.license) == URIRef("http://spdx.org/licenses/Apache-2.0")


def test_croissant_validates_with_mlcroissant_and_keeps_the_lineage(catalog_store: OxigraphStore,
                                                                     tmp_path: Path) -> None:
    made = croissant(Lineage(catalog_store), "meta-math/MetaMathQA")
    (tmp_path / made.lineage_name).write_bytes(made.lineage)
    path = tmp_path / "metamath.croissant.json"
    path.write_text(json.dumps(made.metadata), encoding="utf-8")
    dataset = mlc.Dataset(jsonld=path)
    assert not dataset.metadata.ctx.issues.errors, dataset.metadata.ctx.issues.report()
    back = dataset.metadata.to_json()
    assert back["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert {s["@id"] for s in made.metadata["prov:wasDerivedFrom"]} == {HF + "openai/gsm8k",
                                                                        HF + "hendrycks/competition_math"}
    assert "prov:wasDerivedFrom" in json.dumps(back)                 # kept through mlcroissant's round trip
    [file] = made.metadata["distribution"]
    assert file["sha256"] == hashlib.sha256(made.lineage).hexdigest()
    lineage = Graph().parse(data=made.lineage, format="turtle")
    assert (URIRef(HF + "meta-math/MetaMathQA"), ns.PROV.wasDerivedFrom, URIRef(HF + "openai/gsm8k")) in lineage


def test_croissant_of_a_card_import_has_licence_language_and_tasks(catalog_store: OxigraphStore) -> None:
    made = croissant(Lineage(catalog_store), "truthfulqa/truthful_qa")
    assert (made.metadata["name"], made.metadata["license"], made.metadata["inLanguage"]) == (
        "TruthfulQA", ["http://spdx.org/licenses/Apache-2.0"], ["en"])
    dataset = mlc.Dataset(jsonld=made.metadata)
    assert not dataset.metadata.ctx.issues.errors


def test_the_cli_writes_catalog_and_croissant(tmp_path: Path) -> None:
    small_store_path = tmp_path / "store"
    assert main(["import", "lineage-jsonl", str(LINEAGE / "small_nodes.jsonl"), str(LINEAGE / "small_edges.jsonl"),
                 "--store", str(small_store_path)]) == 0
    assert main(["catalog", "--store", str(small_store_path), "-o", str(tmp_path / "catalog.ttl")]) == 0
    g = Graph().parse(tmp_path / "catalog.ttl", format="turtle")
    assert len(list(g.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 8
    assert main(["croissant", "openai/gsm8k", "--store", str(small_store_path), "-o", str(tmp_path / "cr")]) == 0
    assert sorted(p.name for p in (tmp_path / "cr").iterdir()) == ["openai-gsm8k-lineage.ttl",
                                                                   "openai-gsm8k.croissant.json"]
    assert not mlc.Dataset(jsonld=tmp_path / "cr" / "openai-gsm8k.croissant.json").metadata.ctx.issues.errors


def test_the_gateway_serves_the_catalog_and_croissant_whose_file_it_also_serves(small_gateway) -> None:
    import urllib.parse

    import httpx

    base = small_gateway.base_url + "/api/v1"
    g = Graph().parse(data=httpx.get(base + "/catalog", params={"format": "jsonld"}).text, format="json-ld")
    assert len(list(g.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 8
    r = httpx.get(base + "/croissant", params={"id": "meta-math/MetaMathQA"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    metadata = r.json()
    assert not mlc.Dataset(jsonld=metadata).metadata.ctx.issues.errors
    [file] = metadata["distribution"]
    lineage = httpx.get(urllib.parse.urljoin(str(r.url), file["contentUrl"]))   # the gateway's own export
    assert lineage.status_code == 200
    assert hashlib.sha256(lineage.content).hexdigest() == file["sha256"]
    assert httpx.get(base + "/croissant", params={"id": "no/such-dataset"}).status_code == 404
