"""The paper's lineage JSONL as actually published: every quirk of the real files imports, and the
merges and warnings are reported (fixture: tests/data/lineage/paper_quirks_*.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_jsonl

from lineagekg.errors import InputError
from lineagekg.importing import import_lineage_jsonl
from lineagekg.interop import paper_jsonl
from lineagekg.queries import SPARQLQuery
from lineagekg.store import OxigraphStore

LINEAGE = Path(__file__).parent / "data" / "lineage"
NODES, EDGES = LINEAGE / "paper_quirks_nodes.jsonl", LINEAGE / "paper_quirks_edges.jsonl"
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
METAMATH = "https://huggingface.co/datasets/meta-math/MetaMathQA"
GSM8K = "https://huggingface.co/datasets/openai/gsm8k"


def ask(store: OxigraphStore, text: str) -> list[dict[str, object]]:
    return store.select(SPARQLQuery.from_text("test", PREFIXES + text))


@pytest.fixture
def quirks_store(store: OxigraphStore) -> tuple[OxigraphStore, object]:
    summary = import_lineage_jsonl(store, NODES, EDGES)
    assert summary.outcome.accepted, summary.outcome.report
    return store, summary


def test_every_quirk_is_read_merged_and_reported() -> None:
    graph = paper_jsonl.read(NODES, EDGES)
    assert graph.counts == {"node_records": 5, "edge_lines": 5, "case_merges": 1, "edge_merges": 1,
                            "created": 1, "late_sources": 1, "without_evidence": 1}
    by_id = {d.identifier: d for d in graph.datasets}
    assert sorted(by_id) == ["AddSub", "example/early-mix", "hendrycks/competition_math",
                             "meta-math/MetaMathQA", "openai/gsm8k"]
    addsub = by_id["AddSub"]
    assert addsub.aliases == ("AddSub", "addsub")
    assert (addsub.year, addsub.paper_year, addsub.hub_year) == (2014, 2014, 2023)   # gaps filled
    assert addsub.paper_url == "https://aclanthology.org/D14-1058" and addsub.on_hub is False
    assert by_id["openai/gsm8k"].on_hub is True and by_id["openai/gsm8k"].hub_year == 2022
    merged = [d for d in graph.derivations if d.source == "openai/gsm8k"]
    assert len(merged) == 1 and merged[0].confidence == 0.95
    assert (merged[0].evidence, *merged[0].more_evidence) == (
        "All MetaMathQA data are augmented from the training sets of GSM8K and MATH.",
        "We bootstrap the GSM8K training set by rewriting questions.")
    assert [d.source for d in graph.derivations if d.target == "meta-math/MetaMathQA"].count("AddSub") == 1
    text = "\n".join(graph.warnings)
    assert "'addsub' (line 2) into 'AddSub' (line 1)" in text
    assert "lines 1, 2 merged (confidence 0.95, 2 evidence quote(s))" in text
    assert "1 dataset(s) named by edges but not in paper_quirks_nodes.jsonl: hendrycks/competition_math" in text
    assert "meta-math/MetaMathQA (2023) -> example/early-mix (2022)" in text
    assert "1 edge(s) without evidence" in text


def test_the_quirky_files_import_with_both_spellings_and_every_quote(quirks_store) -> None:
    store, summary = quirks_store
    assert (summary.datasets, summary.edges) == (5, 4)
    rows = ask(store, "SELECT ?alias WHERE { ?d dcterms:identifier 'AddSub' ; skos:altLabel ?alias }")
    assert [r["alias"] for r in rows] == ["addsub"]
    rows = ask(store, f"""SELECT ?conf ?ev WHERE {{ <{METAMATH}> prov:qualifiedDerivation ?q .
        ?q prov:entity <{GSM8K}> ; lk:confidence ?conf ; lk:evidence ?ev }}""")
    assert {r["conf"] for r in rows} == {0.95} and len(rows) == 2
    report = summary.outcome.report
    assert report is not None and not report.violations
    messages = " ".join(r.message for r in report.warnings)
    assert "after" in messages and "evidence" in messages      # SHACL keeps both data-quality warnings


def test_no_local_path_ends_up_in_an_iri(quirks_store) -> None:
    store, _ = quirks_store
    rows = ask(store, "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?s), 'file:')) }")
    assert rows == []
    files = ask(store, "SELECT ?f WHERE { ?run a lk:ImportRun ; prov:used ?f }")
    assert {str(r["f"]).rsplit("/", 2)[-2] for r in files} == {"sha256"}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("hf_year", "2023-13", "month 13"),
    ("paper_year", "May 2023", "expected a year"),
    ("hf_year", 1e999, "expected an integer"),
    ("exists_on_hf", "perhaps", "expected true or false"),
    ("paper_url", "https://arxiv.org/abs/2309 12284", "not an http(s) URL"),
])
def test_a_bad_quirky_value_names_line_and_field(tmp_path: Path, field: str, value: object, message: str) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/x"}, {"name": "a/y", field: value}])
    meta = json.dumps({"relationship": "Direct Inclusion/Subset", "confidence": 0.9, "evidence": "q"})
    edges = write_jsonl(tmp_path / "e.jsonl", [{"target": "a/x", "source": "a/y", "meta_info": meta}])
    with pytest.raises(InputError) as err:
        paper_jsonl.read(nodes, edges)
    assert err.value.line == 2 and err.value.field == field and message in str(err.value)
