"""Importing the paper's JSONL format: what lands in the store, and bad input that is refused
with file, line and field while nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_jsonl

from lineagekg.errors import InputError, LineageCycleError
from lineagekg.importing import import_lineage_jsonl
from lineagekg.queries import SPARQLQuery
from lineagekg.store import OxigraphStore

LINEAGE = Path(__file__).parent / "data" / "lineage"
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
"""


def meta(**overrides: object) -> str:
    base = {"source": "HuggingFace README", "confidence": 0.9,
            "relationship": "Direct Inclusion/Subset", "evidence": "built from it", "exists": True}
    base.update(overrides)
    return json.dumps(base)


def ask(store: OxigraphStore, text: str) -> list[dict[str, object]]:
    return store.select(SPARQLQuery.from_text("test", PREFIXES + text))


def test_import_writes_plain_typed_and_qualified_edges(small_store: OxigraphStore) -> None:
    rows = ask(small_store, """
        SELECT ?rel ?conf ?ev ?doc ?run WHERE {
          <https://huggingface.co/datasets/meta-math/MetaMathQA>
              prov:wasDerivedFrom <https://huggingface.co/datasets/openai/gsm8k> ;
              lk:evolvedFrom <https://huggingface.co/datasets/openai/gsm8k> ;
              prov:qualifiedDerivation ?q .
          ?q prov:entity <https://huggingface.co/datasets/openai/gsm8k> ; lk:relation ?rel ;
             lk:confidence ?conf ; lk:evidence ?ev ; lk:evidenceDocument ?doc ; lk:foundBy ?run .
          ?run a lk:ImportRun .
        }""")
    assert len(rows) == 1
    assert rows[0]["rel"].endswith("#evolvedFrom")
    assert rows[0]["conf"] == pytest.approx(0.95)
    assert rows[0]["ev"].startswith("All MetaMathQA data are augmented")
    assert rows[0]["doc"] == "https://huggingface.co/datasets/meta-math/MetaMathQA/blob/main/README.md"


def test_fine_relations_materialise_every_relation_above_them(store: OxigraphStore, tmp_path: Path) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/child"}, {"name": "a/parent"}])
    edges = write_jsonl(tmp_path / "e.jsonl", [{"target": "a/child", "source": "a/parent",
                                                "meta_info": meta(relationship="preference-labelling")}])
    assert import_lineage_jsonl(store, nodes, edges).outcome.accepted
    rows = ask(store, "SELECT ?p WHERE { <https://huggingface.co/datasets/a/child> ?p "
                      "<https://huggingface.co/datasets/a/parent> }")
    names = sorted(r["p"].rsplit("#", 1)[-1] for r in rows)
    assert names == ["annotatedFrom", "includedFrom", "preferenceLabelledFrom", "wasDerivedFrom"]


def test_the_import_run_is_recorded_as_prov(small_store: OxigraphStore) -> None:
    rows = ask(small_store, """
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?run ?agent ?file ?sha ?title WHERE {
          ?run a lk:ImportRun ; prov:wasAssociatedWith ?agent ; prov:used ?file ; prov:startedAtTime ?t .
          ?agent a prov:SoftwareAgent . ?file lk:sha256 ?sha ; dcterms:title ?title .
        }""")
    assert len(rows) == 2
    assert {r["title"] for r in rows} == {"small_nodes.jsonl", "small_edges.jsonl"}
    assert {r["file"].rsplit("/", 1)[-1] for r in rows} == {r["sha"] for r in rows}   # named by content
    assert all(len(r["sha"]) == 64 for r in rows)


def test_reimport_is_idempotent(small_store: OxigraphStore) -> None:
    before = len(small_store)
    again = import_lineage_jsonl(small_store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    assert again.outcome.already_present and again.outcome.quads_written == 0
    assert len(small_store) == before


BAD_EDGES = [
    ("not json at all", '{"target": "a/x", "source": ', 1, None, "not valid JSON"),
    ("unknown relationship", {"target": "a/x", "source": "a/y", "meta_info": meta(relationship="Teleportation")},
     1, "meta_info.relationship", "unknown relationship 'Teleportation'"),
    ("confidence above one", {"target": "a/x", "source": "a/y", "meta_info": meta(confidence=1.5)},
     1, "meta_info.confidence", "outside [0, 1]"),
    ("confidence negative", {"target": "a/x", "source": "a/y", "meta_info": meta(confidence=-0.1)},
     1, "meta_info.confidence", "outside [0, 1]"),
    ("confidence not a number", {"target": "a/x", "source": "a/y", "meta_info": meta(confidence="high")},
     1, "meta_info.confidence", "must be a number"),
    ("meta_info not json", {"target": "a/x", "source": "a/y", "meta_info": "{relationship: x"},
     1, "meta_info", "meta_info is not valid JSON"),
    ("missing target", {"source": "a/y", "meta_info": meta()}, 1, "target", "missing target"),
    ("self derivation", {"target": "a/x", "source": "a/x", "meta_info": meta()}, 1, "source", "derive from itself"),
]


@pytest.mark.parametrize("case", BAD_EDGES, ids=[c[0] for c in BAD_EDGES])
def test_bad_edge_lines_name_file_line_field_and_write_nothing(
        store: OxigraphStore, tmp_path: Path, case: tuple) -> None:
    _, row, line_no, field, message = case
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/x"}, {"name": "a/y"}])
    edges = tmp_path / "e.jsonl"
    text = row if isinstance(row, str) else json.dumps(row)
    edges.write_text(text + "\n", encoding="utf-8")
    before = len(store)
    with pytest.raises(InputError) as err:
        import_lineage_jsonl(store, nodes, edges)
    assert err.value.file == str(edges)
    assert err.value.line == line_no
    assert err.value.field == field
    assert message in str(err.value)
    assert len(store) == before


def test_bad_node_line_is_reported_with_its_line(store: OxigraphStore, tmp_path: Path) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/x"}, {"name": "a/y", "year": "soon"}])
    edges = write_jsonl(tmp_path / "e.jsonl", [{"target": "a/x", "source": "a/y", "meta_info": meta()}])
    with pytest.raises(InputError) as err:
        import_lineage_jsonl(store, nodes, edges)
    assert (err.value.line, err.value.field) == (2, "year")


def test_cycle_in_the_file_is_refused_with_its_lines(store: OxigraphStore, tmp_path: Path) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": n} for n in ("a/x", "a/y", "a/z")])
    edges = write_jsonl(tmp_path / "e.jsonl", [
        {"target": "a/x", "source": "a/y", "meta_info": meta()},
        {"target": "a/y", "source": "a/z", "meta_info": meta()},
        {"target": "a/z", "source": "a/x", "meta_info": meta()}])
    before = len(store)
    with pytest.raises(LineageCycleError) as err:
        import_lineage_jsonl(store, nodes, edges)
    assert set(err.value.cycle) == {"a/x", "a/y", "a/z"}
    assert "lines 1, 2, 3" in str(err.value) or "lines" in str(err.value)
    assert len(store) == before


def test_cycle_across_two_imports_is_rejected_by_shacl_and_the_store_is_unchanged(
        store: OxigraphStore, tmp_path: Path) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/x"}, {"name": "a/y"}])
    first = write_jsonl(tmp_path / "e1.jsonl", [{"target": "a/x", "source": "a/y", "meta_info": meta()}])
    second = write_jsonl(tmp_path / "e2.jsonl", [{"target": "a/y", "source": "a/x", "meta_info": meta()}])
    assert import_lineage_jsonl(store, nodes, first).outcome.accepted
    snapshot = set(store.quads())
    outcome = import_lineage_jsonl(store, nodes, second).outcome
    assert not outcome.accepted
    assert outcome.report is not None
    assert any("cycle" in r.message for r in outcome.report.violations)
    assert set(store.quads()) == snapshot


def test_source_dated_after_target_is_a_kept_warning(store: OxigraphStore, tmp_path: Path) -> None:
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/old", "year": 2021}, {"name": "a/new", "year": 2024}])
    edges = write_jsonl(tmp_path / "e.jsonl", [
        {"target": "a/old", "source": "a/new", "meta_info": meta()},
        {"target": "a/new", "source": "a/other", "meta_info": meta(evidence="")}])
    summary = import_lineage_jsonl(store, nodes, edges)
    assert summary.outcome.accepted
    report = summary.outcome.report
    assert report is not None and report.conforms
    messages = sorted(r.message for r in report.warnings)
    assert any("dated after" in m for m in messages)
    assert any("no evidence" in m for m in messages)
    assert any("not in n.jsonl" in w for w in summary.warnings)
    kept = ask(store, "SELECT ?focus WHERE { GRAPH ?g { ?r a sh:ValidationResult ; sh:focusNode ?focus ; "
                      "sh:resultSeverity sh:Warning } }")
    assert len(kept) == 2


@pytest.mark.parametrize("content,message", [
    (b"", "empty file"),
    (b"\x00\x01\x02binary", "binary file"),
    (b"{\"name\": \"caf\xe9\"}\n", "not UTF-8"),
    (b"[1, 2]\n", "expected a JSON object"),
])
def test_unreadable_files(store: OxigraphStore, tmp_path: Path, content: bytes, message: str) -> None:
    nodes = tmp_path / "n.jsonl"
    nodes.write_bytes(content)
    edges = write_jsonl(tmp_path / "e.jsonl", [{"target": "a/x", "source": "a/y", "meta_info": meta()}])
    with pytest.raises(InputError, match=message):
        import_lineage_jsonl(store, nodes, edges)


def test_missing_file(store: OxigraphStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        import_lineage_jsonl(store, tmp_path / "nope.jsonl", tmp_path / "nope2.jsonl")
