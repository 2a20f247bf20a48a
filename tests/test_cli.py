"""The lineagekg command: outputs for scripts (JSON of identifiers), and the exit codes
0 ok, 1 negative answer, 2 usage, 3 known error with a hint (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SHARED_DATA, write_jsonl

from lineagekg.cli import main
from lineagekg.store import open_store

LINEAGE = Path(__file__).parent / "data" / "lineage"
NODES, EDGES = str(LINEAGE / "small_nodes.jsonl"), str(LINEAGE / "small_edges.jsonl")


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "store"
    assert main(["import", "lineage-jsonl", NODES, EDGES, "--store", str(path)]) == 0
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, object]:
    capsys.readouterr()
    code = main([*args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_ancestors_json_lists_identifiers(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "ancestors", "example/math-mix", "--store", str(store_dir))
    assert code == 0
    assert data["dataset"]["id"] == "example/math-mix"
    assert sorted(a["id"] for a in data["items"]) == ["TIGER-Lab/MathInstruct", "hendrycks/competition_math",
                                         "meta-math/MetaMathQA", "openai/gsm8k",
                                         "self-instruct seed tasks", "tatsu-lab/alpaca"]


def test_every_analysis_command_answers(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = ["--store", str(store_dir)]
    def ids(items: list[dict[str, object]]) -> list[object]:
        return [x["id"] for x in items]

    assert ids(run_json(capsys, "descendants", "tatsu-lab/alpaca", *s)[1]["items"]) == [
        "example/math-mix", "vicgalle/alpaca-gpt4"]
    assert sorted(ids(run_json(capsys, "roots", "example/math-mix", *s)[1]["items"])) == [
        "hendrycks/competition_math", "openai/gsm8k", "self-instruct seed tasks"]
    assert ids(run_json(capsys, "shared-roots", "example/math-mix", "vicgalle/alpaca-gpt4", *s)[1][
        "items"]) == ["self-instruct seed tasks"]
    contamination = run_json(capsys, "contamination", "openai/gsm8k", *s)[1]
    assert [h["dataset"]["id"] for h in contamination["hits"]] == [
        "TIGER-Lab/MathInstruct", "meta-math/MetaMathQA", "example/math-mix"]
    assert contamination["hits"][2]["distance"] == 2
    assert run_json(capsys, "redundancy", *s)[1]["total"] == 2
    assert {d["domain"] for d in run_json(capsys, "structure", *s)[1]["items"]} == {"Math", "General"}
    assert run_json(capsys, "stats", *s)[1]["counts"]["edges"] == 9


def test_tables_for_people(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ancestors", "example/math-mix", "--store", str(store_dir)]) == 0
    out = capsys.readouterr().out
    assert "evolvedFrom openai/gsm8k" in out and "6 ancestor(s)" in out


def test_path_found_and_not_found(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "path", "example/math-mix", "openai/gsm8k", "--store", str(store_dir))
    assert code == 0 and data["direction"] == "upstream" and len(data["nodes"]) == 3
    code, data = run_json(capsys, "path", "openai/gsm8k", "tatsu-lab/alpaca", "--store", str(store_dir))
    assert code == 1 and (data["found"], data["nodes"]) == (False, [])


def test_unknown_dataset_is_a_known_error_with_a_hint(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roots", "gsm8k", "--store", str(store_dir)]) == 3
    err = capsys.readouterr().err
    assert "no dataset 'gsm8k'" in err and "openai/gsm8k" in err and "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ancestors"]) == 2
    assert main(["no-such-command"]) == 2
    assert main(["stats", "--format", "yaml"]) == 2


def test_bad_input_file_names_line_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edges = tmp_path / "e.jsonl"
    edges.write_text(json.dumps({"target": "a/x", "source": "a/y",
                                 "meta_info": json.dumps({"relationship": "Magic", "confidence": 0.9})}) + "\n")
    code = main(["import", "lineage-jsonl", NODES, str(edges), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 3
    assert f"{edges}:1" in err and "meta_info.relationship" in err and "Magic" in err
    assert "Traceback" not in err


def test_rejected_import_exits_1_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = json.dumps({"source": "Paper", "confidence": 0.9, "relationship": "Structured Fusion", "evidence": "e"})
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "a/x"}, {"name": "a/y"}])
    e1 = write_jsonl(tmp_path / "e1.jsonl", [{"target": "a/x", "source": "a/y", "meta_info": meta}])
    e2 = write_jsonl(tmp_path / "e2.jsonl", [{"target": "a/y", "source": "a/x", "meta_info": meta}])
    s = ["--store", str(tmp_path / "s")]
    assert main(["import", "lineage-jsonl", str(nodes), str(e1), *s]) == 0
    code, data = run_json(capsys, "import", "lineage-jsonl", str(nodes), str(e2), *s)
    assert code == 1 and data["accepted"] is False
    assert any("cycle" in v["message"] for v in data["violations"])
    assert run_json(capsys, "stats", *s)[1]["counts"]["edges"] == 1


def test_query_with_bound_parameters(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["query", "ancestors", "--param", "dataset=example/math-mix", "--results", "json",
                 "--store", str(store_dir)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results["results"]["bindings"]) == 6
    assert main(["query", "ancestors", "--store", str(store_dir)]) == 2   # missing parameter: usage
    assert "required" in capsys.readouterr().err


def test_query_from_a_file_and_ask(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ask = tmp_path / "has-benchmark.rq"
    ask.write_text("#+ summary: is there a benchmark?\nPREFIX lk: <https://w3id.org/lineagekg/ns#>\n"
                   "ASK { ?b a lk:Benchmark }\n")
    assert main(["query", str(ask), "--store", str(store_dir)]) == 0
    none = tmp_path / "no-split.rq"
    none.write_text("PREFIX lk: <https://w3id.org/lineagekg/ns#>\nASK { ?b a lk:DatasetSplit }\n")
    assert main(["query", str(none), "--store", str(store_dir)]) == 1
    assert main(["query", str(tmp_path / "missing.rq"), "--store", str(store_dir)]) == 3


def test_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.ttl"
    good.write_text("""
        @prefix lk: <https://w3id.org/lineagekg/ns#> . @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://huggingface.co/datasets/a/x> a lk:Dataset ; dcterms:identifier "a/x" ; rdfs:label "x" .""")
    bad = tmp_path / "bad.ttl"
    bad.write_text(good.read_text().replace('dcterms:identifier "a/x" ;', ""))
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(bad)]) == 1
    assert "identifier" in capsys.readouterr().out
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .")
    assert main(["validate", str(broken)]) == 3


def test_export_to_a_file(store_dir: Path, tmp_path: Path) -> None:
    """The TriG file holds exactly the store's quads, each in its graph, without the ontology."""
    import pyoxigraph as ox

    from lineagekg.iris import ONTOLOGY_GRAPH

    out = tmp_path / "lineage.trig"
    assert main(["export", "--format", "trig", "--output", str(out), "--store", str(store_dir)]) == 0
    exported = set(ox.parse(out.read_bytes(), format=ox.RdfFormat.TRIG))
    with open_store(store_dir, read_only=True) as st:
        held = {q for q in st.quads() if q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH)}
    assert len(held) > 200 and exported == held
    assert main(["export", "--format", "csv", "--store", str(store_dir)]) == 2   # usage


def test_store_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LINEAGEKG_STORE", str(tmp_path / "envstore"))
    assert main(["import", "lineage-jsonl", NODES, EDGES]) == 0
    assert (tmp_path / "envstore").is_dir()
    assert run_json(capsys, "stats")[1]["counts"]["datasets"] == 8


SHARED = SHARED_DATA      # the vendored corpus and labels


def test_eval_on_the_dev_labels(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "eval", "--labels", str(SHARED / "labels" / "dev_edges.csv"),
                            "--corpus", str(SHARED / "lineage_corpus"), "--backend", "heuristic")
    assert code == 0
    assert report["labels"] == 39 and report["method"] == "heuristic backend"
    # the documents its rules were written on: the ratchet of test_evaluation.py
    assert report["precision"] == 1.0 and report["recall"] >= 35 / 39
    code, report = run_json(capsys, "eval", "--labels", str(SHARED / "labels" / "dev_edges.csv"),
                            "--corpus", str(SHARED / "lineage_corpus"), "--committed-model")
    assert code == 0 and report["method"] == "committed model" and report["matched"] > 0


def test_eval_leave_one_out_reports_each_kind_of_document(capsys: pytest.CaptureFixture[str]) -> None:
    """The dev labels are eleven GitHub READMEs: the one kind's row is the whole report, and the
    kinds add up to it (a README is not a Hub card; one overall figure hides which reads well)."""
    code, report = run_json(capsys, "eval", "--labels", str(SHARED / "labels" / "dev_edges.csv"),
                            "--corpus", str(SHARED / "lineage_corpus"))
    assert code == 0 and report["method"] == "leave-one-document-out"
    assert report["by_document_kind"] == {"github_readme": {
        "documents": 11, "labels": 39, "predicted": report["predicted"], "matched": report["matched"]}}
    assert sum(v["labels"] for v in report["recall_by_shape"].values()) == 39
    low, high = report["interval_95"]["f1"]
    assert low <= report["f1"] <= high and low < high      # eleven documents: a wide interval


def test_eval_against_a_baseline_prints_paired_differences(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A run compared with its own JSON differs by nothing; the committed model against the cue
    rules differs, each interval ordered; the comparison is what a change did on the same documents."""
    dev = ["--labels", str(SHARED / "labels" / "dev_edges.csv"), "--corpus", str(SHARED / "lineage_corpus")]
    code, rules = run_json(capsys, "eval", *dev, "--backend", "heuristic")
    baseline = tmp_path / "rules.json"
    baseline.write_text(json.dumps(rules), encoding="utf-8")
    code, same = run_json(capsys, "eval", *dev, "--backend", "heuristic", "--baseline", str(baseline))
    assert code == 0 and same["minus_baseline_95"] == {k: [0.0, 0.0] for k in ("precision", "recall", "f1")}
    code, model = run_json(capsys, "eval", *dev, "--committed-model", "--baseline", str(baseline))
    assert code == 0
    low, high = model["minus_baseline_95"]["recall"]
    assert low <= model["recall"] - rules["recall"] <= high and low < high
    capsys.readouterr()
    assert main(["eval", *dev, "--backend", "heuristic", "--baseline", str(baseline)]) == 0
    assert "this run minus the baseline, 95% over documents" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "says"), [
    ("not json {", "not JSON"),
    ("[1, 2]", "no documents"),
    (json.dumps({"documents": {}}), "no documents"),
    (json.dumps({"documents": {"a.md": {"labels": -1, "predicted": 0, "matched": 0}}}), "whole numbers"),
    (json.dumps({"documents": {"a.md": {"labels": True, "predicted": 0, "matched": 0}}}), "whole numbers"),
    (json.dumps({"documents": {"a.md": {"labels": "3", "predicted": 0, "matched": 0}}}), "whole numbers"),
    (json.dumps({"documents": {"a.md": {"labels": 1, "predicted": 1, "matched": 2}}}), "more matched"),
    (json.dumps({"documents": {"a.md": {"labels": 1, "predicted": 1, "matched": 1}}}), "other documents"),
])
def test_a_bad_baseline_is_refused_with_where(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              content: str, says: str) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content, encoding="utf-8")
    capsys.readouterr()
    assert main(["eval", "--labels", str(SHARED / "labels" / "dev_edges.csv"), "--corpus",
                 str(SHARED / "lineage_corpus"), "--backend", "heuristic", "--baseline", str(baseline)]) == 3
    err = capsys.readouterr().err
    assert says in err and "baseline.json" in err
    assert main(["eval", "--labels", str(SHARED / "labels" / "dev_edges.csv"), "--corpus",
                 str(SHARED / "lineage_corpus"), "--baseline", str(tmp_path / "missing.json")]) == 3


def test_a_huge_baseline_is_refused_before_it_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as f:          # sparse: 65 MB on paper, nothing on disk
        f.truncate(65_000_000)
    capsys.readouterr()
    assert main(["eval", "--labels", str(SHARED / "labels" / "dev_edges.csv"), "--corpus",
                 str(SHARED / "lineage_corpus"), "--backend", "heuristic", "--baseline", str(huge)]) == 3
    assert "larger than 64 MB" in capsys.readouterr().err


def test_extract_lists_claims_with_verbatim_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    doc = SHARED / "lineage_corpus" / "docs" / "OpenBMB__UltraFeedback__README.md"
    code, data = run_json(capsys, "extract", str(doc), "--dataset", "openbmb/UltraFeedback",
                          "--corpus", str(SHARED / "lineage_corpus"))
    assert code == 0
    assert data["claims"], "the README names its sources"
    # only the six labelled sources (resolved to the corpus's ids where it knows them): how many of
    # them the committed model finds is the extractor's recall, scored by lineagekg eval
    assert {c["source"] for c in data["claims"]} <= {
        "FLAN", "FalseQA", "WizardLM/evol_instruct_70k", "anon8231489123/ShareGPT_Vicuna_unfiltered",
        "stingning/ultrachat", "truthfulqa/truthful_qa"}
    assert {c["target"] for c in data["claims"]} == {"openbmb/UltraFeedback"}
    from lineagekg.llm.heuristic import evidence_in

    text = doc.read_text(encoding="utf-8")   # verbatim once whitespace and markup are normalised
    assert all(evidence_in(text, c["evidence"]) for c in data["claims"])
    assert main(["extract", str(SHARED / "nope.md")]) == 3


def test_extract_reads_a_listed_document_as_the_corpus_lists_it(capsys: pytest.CaptureFixture[str]) -> None:
    """No --dataset: the corpus index says which dataset the README describes, and its URL."""
    doc = SHARED / "lineage_corpus" / "docs" / "OpenBMB__UltraFeedback__README.md"
    code, data = run_json(capsys, "extract", str(doc), "--corpus", str(SHARED / "lineage_corpus"),
                          "--backend", "heuristic")
    assert code == 0
    assert data["about"] == ["openbmb/UltraFeedback"]
    assert data["document"].startswith("https://github.com/OpenBMB/UltraFeedback/")
    assert {c["source"] for c in data["claims"]} == {"Evol-Instruct", "FLAN", "FalseQA", "ShareGPT",
                                                      "TruthfulQA", "UltraChat"}      # the six labelled sources
    assert main(["extract", str(doc), "--backend", "nope"]) == 2   # usage
