"""`lineagekg import hf-cards`: real Hub cards in bulk, from a folder (the 152 legacy cards of
tests/data/shared/lineage_corpus/hf_legacy_cards) and from a Hugging Face cache layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import SHARED_CORPUS

from lineagekg.cli import main
from lineagekg.errors import InputError
from lineagekg.importing import import_hf_cards
from lineagekg.queries import SPARQLQuery
from lineagekg.store import OxigraphStore, open_store

CARDS = SHARED_CORPUS / "hf_legacy_cards"
EXAMPLE_CARD = Path(__file__).resolve().parents[1] / "examples" / "corpus" / "hf_legacy_cards" / "truthful_qa.md"
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def ask(store: OxigraphStore, text: str) -> list[dict[str, object]]:
    return store.select(SPARQLQuery.from_text("test", PREFIXES + text))


def test_the_legacy_cards_import_with_known_counts(tmp_path: Path, capsys) -> None:
    assert main(["import", "hf-cards", str(CARDS), "--store", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "imported 256 datasets and 186 edges" in out
    assert "cards 152" in out and "with license 146" in out and "with pretty name 152" in out
    store = open_store(tmp_path / "s")
    squad_es = "https://huggingface.co/datasets/squad_es"
    [row] = ask(store, f"""SELECT ?label ?lic ?lang ?size ?ev WHERE {{ <{squad_es}> rdfs:label ?label ;
        dcterms:license ?lic ; dcterms:language ?lang ; dcterms:extent ?size ;
        prov:qualifiedDerivation [ prov:entity <https://huggingface.co/datasets/squad> ; lk:evidence ?ev ] }}""")
    assert (row["label"], row["lic"], row["lang"], row["size"], row["ev"]) == (
        "SQuAD-es", "http://spdx.org/licenses/CC-BY-4.0", "es", "10K<n<100K", "source_datasets: extended|squad")
    tasks = {r["k"] for r in ask(store, f"SELECT ?k WHERE {{ <{squad_es}> dcat:keyword ?k }}")}
    assert tasks == {"question-answering"}


def test_cards_from_a_hugging_face_cache(tmp_path: Path) -> None:
    """The cache layout huggingface_hub writes: datasets--<org>--<name>/refs/main + snapshots/<commit>/."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "datasets--truthfulqa--truthful_qa"
    (repo / "snapshots" / commit).mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    shutil.copy(EXAMPLE_CARD, repo / "snapshots" / commit / "README.md")
    store = open_store(memory=True)
    summary = import_hf_cards(store, tmp_path / "hub")
    assert summary.outcome.accepted and summary.counts["cards"] == 1
    iri = "https://huggingface.co/datasets/truthfulqa/truthful_qa"
    [row] = ask(store, f"SELECT ?label ?lic WHERE {{ <{iri}> rdfs:label ?label ; dcterms:license ?lic }}")
    assert (row["label"], row["lic"]) == ("TruthfulQA", "http://spdx.org/licenses/Apache-2.0")
    docs = {r["d"] for r in ask(store, "SELECT ?d WHERE { ?run a lk:ImportRun ; prov:used ?d }")}
    assert docs == {f"https://huggingface.co/datasets/truthfulqa/truthful_qa/blob/{commit}/README.md"}


def test_a_broken_card_stops_the_import_naming_it(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_CARD, tmp_path / "truthful_qa.md")
    (tmp_path / "broken.md").write_text("---\nlicense: [mit\n---\n# Broken\n", encoding="utf-8")
    store = open_store(memory=True)
    before = len(store)
    with pytest.raises(InputError) as err:
        import_hf_cards(store, tmp_path)
    assert "broken.md" in str(err.value)
    assert len(store) == before
    (tmp_path / "broken.md").write_text("---\npretty_name: [1, 2]\n---\n# Broken\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_hf_cards(store, tmp_path)
    assert "broken.md" in str(err.value) and err.value.field == "pretty_name"


def test_tracing_keeps_what_the_card_says(tmp_path: Path) -> None:
    """A traced dataset's own Hub card gives its licence, languages, task categories, size and
    pretty_name (as an alias), as `import hf-cards` does."""
    from lineagekg.agents.tracer import Tracer
    from lineagekg.corpus import Corpus
    from lineagekg.llm.heuristic import HeuristicBackend

    shutil.copy(EXAMPLE_CARD, tmp_path / "truthfulqa__truthful_qa.md")
    store = open_store(memory=True)
    Tracer(store, Corpus.from_directory(tmp_path), HeuristicBackend(), depth=0).run(["truthfulqa/truthful_qa"])
    iri = "https://huggingface.co/datasets/truthfulqa/truthful_qa"
    rows = ask(store, f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?lic ?lang ?alias WHERE {{ <{iri}> dcterms:license ?lic ; dcterms:language ?lang ;
        skos:altLabel ?alias }}""")
    assert [(r["lic"], r["lang"], r["alias"]) for r in rows] == [
        ("http://spdx.org/licenses/Apache-2.0", "en", "TruthfulQA")]
    tasks = {r["k"] for r in ask(store, f"SELECT ?k WHERE {{ <{iri}> dcat:keyword ?k }}")}
    assert tasks == {"multiple-choice", "text-generation", "question-answering"}
