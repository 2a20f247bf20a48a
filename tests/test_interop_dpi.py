"""`lineagekg import dpi`: the Data Provenance Initiative collection from its own files
(vendored in tests/data/shared/lineage_corpus/dpi/raw: 100 data_summaries files, 500 records), with
known counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import SHARED_CORPUS

from lineagekg.cli import main
from lineagekg.errors import InputError
from lineagekg.importing import ImportSummary, import_dpi
from lineagekg.queries import SPARQLQuery
from lineagekg.store import OxigraphStore, open_store

DPI = SHARED_CORPUS / "dpi" / "raw"
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
METAMATH = "https://huggingface.co/datasets/meta-math/MetaMathQA"


def ask(store: OxigraphStore, text: str) -> list[dict[str, object]]:
    return store.select(SPARQLQuery.from_text("test", PREFIXES + text))


@pytest.fixture(scope="module")
def dpi_store() -> tuple[OxigraphStore, ImportSummary]:
    store = open_store(memory=True)
    summary = import_dpi(store, DPI)
    assert summary.outcome.accepted, summary.outcome.report
    return store, summary


def test_the_collection_imports_with_known_counts(dpi_store) -> None:
    store, summary = dpi_store
    assert summary.counts == {"files": 100, "records": 500, "derived_from_entries": 526, "datasets": 496,
                              "edges": 318, "merged_names": 13, "self_loops": 0, "cycles": 0,
                              "repeats": 208, "created": 214}
    [row] = ask(store, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a lk:Dataset }")
    assert row["n"] == 496
    [row] = ask(store, "SELECT (COUNT(*) AS ?n) WHERE { ?q a lk:LineageDerivation }")
    assert row["n"] == 318
    assert any("'Alpaca' -> 'alpaca' (same name up to case)" in w for w in summary.warnings)


def test_derived_from_links_licences_languages_tasks_creators_and_dpi_ids(dpi_store) -> None:
    store, _ = dpi_store
    rows = ask(store, f"""SELECT ?src ?rel ?ev WHERE {{ <{METAMATH}> prov:qualifiedDerivation ?q .
        ?q prov:entity ?s ; lk:relation ?rel ; lk:evidence ?ev . ?s dcterms:identifier ?src }}""")
    # eight DPI records of MetaMathQA name gsm8k or math: one edge each, a synthetic generation
    # (Model Generated); 'gsm8k' is merged into the spelling 'GSM8K' other records use
    assert sorted((r["src"], r["rel"].rsplit("#")[-1], r["ev"]) for r in rows) == [
        ("GSM8K", "generatedFrom", "Derived from Datasets: gsm8k"),
        ("math", "generatedFrom", "Derived from Datasets: math")]
    licences = {r["l"] for r in ask(store, f"SELECT ?l WHERE {{ <{METAMATH}> dcterms:license ?l }}")}
    assert licences == {"http://spdx.org/licenses/MIT", "https://arxiv.org/abs/2309.12284"}  # MIT; OpenAI's terms
    matches = sorted(r["m"] for r in ask(store, f"SELECT ?m WHERE {{ <{METAMATH}> skos:exactMatch ?m }}"))
    assert len(matches) == 8 and matches[0] == ("https://github.com/Data-Provenance-Initiative/"
                                                "Data-Provenance-Collection/blob/main/data_summaries/"
                                                "MetaMathQA.json#metamathqa-GSM_AnsAug")
    rows = ask(store, f"""SELECT ?lang ?creator WHERE {{ <{METAMATH}> dcterms:language ?lang ;
        dcterms:creator [ rdfs:label ?creator ] }}""")
    assert {r["lang"] for r in rows} == {"English"} and len(rows) == 6
    assert "Max Planck Institute" in {r["creator"] for r in rows}
    keywords = {r["k"] for r in ask(store, f"SELECT ?k WHERE {{ <{METAMATH}> dcat:keyword ?k }}")}
    assert keywords == {"Logical and Mathematical Reasoning", "Question Answering"}
    [row] = ask(store, f"SELECT ?page WHERE {{ <{METAMATH}> dcat:landingPage ?page }}")
    assert row["page"] == METAMATH


def test_the_cli_imports_and_a_second_run_writes_nothing(tmp_path: Path, capsys) -> None:
    store = str(tmp_path / "s")
    assert main(["import", "dpi", str(DPI), "--store", store]) == 0
    out = capsys.readouterr().out
    assert "imported 496 datasets and 318 edges" in out and "records 500" in out
    assert main(["import", "dpi", str(DPI), "--store", store]) == 0
    assert "already imported" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "message", "field"), [
    ('{"x": {"Unique Dataset Identifier": "x", "Languages": "English"}}', "expected a list", "Languages"),
    ('{"x": {"Dataset Name": "no id"}}', "without a 'Unique Dataset Identifier'", "Unique Dataset Identifier"),
    ('{"x": {"Unique Dataset Identifier": "x",\n "Licenses": [1]}}', "a licence is an object", "Licenses"),
    ('{"x": {"Unique Dataset Identifier": "x",\n  ]}', "not valid JSON", None),
])
def test_a_bad_record_names_file_and_record_and_nothing_is_written(
        tmp_path: Path, content: str, message: str, field: str | None) -> None:
    shutil.copy(DPI / "Alpaca.json", tmp_path / "Alpaca.json")
    (tmp_path / "Zbad.json").write_text(content, encoding="utf-8")
    store = open_store(memory=True)
    before = len(store)                  # the ontology graph
    with pytest.raises(InputError) as err:
        import_dpi(store, tmp_path)
    assert "Zbad.json" in str(err.value) and message in str(err.value) and err.value.field == field
    assert len(store) == before
