"""Record-level checks on real records (../shared/samples) whose answers were measured by hand
(the samples README): readers, normalisation, exact and near overlap, registration and
measurements as PROV, contamination verification, agreement with the lineage graph."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from helpers import NO_SAMPLES, SAMPLES

from lineagekg.cli import main
from lineagekg.errors import InputError
from lineagekg.queries import library
from lineagekg.samples.overlap import RecordSet, overlap
from lineagekg.samples.records import read_records
from lineagekg.samples.registry import register, registered_sets
from lineagekg.store import open_store

MANIFEST = Path(__file__).resolve().parents[1] / "examples" / "samples" / "manifest.json"

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=NO_SAMPLES)


def records(relative: str, **kw: object) -> RecordSet:
    return RecordSet(relative, read_records(SAMPLES / relative).records, **kw)  # type: ignore[arg-type]


# --- readers -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("relative", "count", "field"), [
    ("gsm8k/test.jsonl", 1319, "question"),
    ("gsm8k/train.jsonl.gz", 7473, "question"),
    ("alpaca/alpaca_5000_random_subset.json.gz", 5000, "instruction,input"),
    ("self_instruct/seed_tasks.jsonl", 175, "instruction,instances[0].input"),
    ("humaneval/HumanEval.jsonl.gz", 164, "prompt"),
    ("humanevalpack_python/humanevalpack_python.jsonl", 164, "prompt"),   # prompt wins over instruction
    ("gsm_hard/test.jsonl", 1319, "input"),
    ("math500/test.jsonl", 500, "problem"),
    ("mt_bench/question.jsonl", 80, "turns"),
    ("wizardlm_testset/WizardLM_testset.jsonl", 218, "instruction"),
    ("mmlu_test/anatomy_test.csv", 135, "prompt"),          # no header: the first column
    ("flan_cot/qasc_train.tsv", 1084, "prompt"),
    ("lima/lima_train.json.gz", 1029, "instruction,input"),
])
def test_readers_find_the_prompt_of_every_record(relative: str, count: int, field: str) -> None:
    found = read_records(SAMPLES / relative)
    assert len(found) == count
    assert found.field == field
    assert all(r.text for r in found.records)


def test_first_gsm8k_test_record_is_read_and_normalised() -> None:
    first = read_records(SAMPLES / "gsm8k/test.jsonl").records[0]
    assert first.number == 1
    assert first.raw.startswith("Janet’s ducks lay 16 eggs per day.")
    assert first.text.startswith("janet’s ducks lay 16 eggs per day.")


def test_sharegpt_parquet_and_field_override(tmp_path: Path) -> None:
    """The conversation shape (first human turn), Parquet, and --field, on real Alpaca records."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    alpaca = json.loads(gzip.decompress((SAMPLES / "alpaca/alpaca_5000_random_subset.json.gz").read_bytes()))[:50]
    convs = [{"conversations": [{"from": "system", "value": "be brief"},
                                {"from": "human", "value": r["instruction"]},
                                {"from": "gpt", "value": r["output"]}]} for r in alpaca]
    (tmp_path / "chat.jsonl").write_text("\n".join(json.dumps(c) for c in convs), encoding="utf-8")
    chat = read_records(tmp_path / "chat.jsonl")
    assert chat.field == "conversations"
    assert chat.records[0].raw == alpaca[0]["instruction"]
    pq.write_table(pa.Table.from_pylist(alpaca), tmp_path / "alpaca.parquet")
    table = read_records(tmp_path / "alpaca.parquet", field="output")
    assert [r.raw for r in table.records] == [r["output"] for r in alpaca]


@pytest.mark.parametrize(("content", "name", "message", "where"), [
    ('{"question": "a"}\n{"question": "b"\n', "bad.jsonl", "not JSON", "bad.jsonl:2"),
    ('{"question": "a"}\n{"answer": "b"}\n', "nofield.jsonl", "no prompt field", "nofield.jsonl:2"),
    ('[{"question": 1.5}, {"question": ["x", 2]}]', "list.json", "not text", "list.json:2"),
    ("", "empty.jsonl", "holds no records", "empty.jsonl"),
    ("a,b\n", "data.xlsx", "unknown record file type", "data.xlsx"),
])
def test_bad_files_get_located_errors(tmp_path: Path, content: str, name: str, message: str, where: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_records(path)
    assert message in str(err.value)
    assert where in str(err.value)


def test_truncated_gzip_and_missing_field_are_located(tmp_path: Path) -> None:
    data = (SAMPLES / "gsm8k/train.jsonl.gz").read_bytes()
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.jsonl.gz: cannot read the file"):
        read_records(tmp_path / "cut.jsonl.gz")
    with pytest.raises(InputError, match=r"test.jsonl:1: the record has no such field \(field 'problem'\)"):
        read_records(SAMPLES / "gsm8k/test.jsonl", field="problem")


# --- overlap on pairs the samples README measured by hand ----------------------------------------

@pytest.mark.parametrize(("a", "b", "exact", "near", "eligible"), [
    ("gsm_hard/test.jsonl", "gsm8k/test.jsonl", 329, 1283, 1318),          # perturbed copy
    ("gsm8k_backward/GSM8K_Backward.jsonl.gz", "gsm8k/test.jsonl", 0, 738, 1270),   # masked copy
    ("math500/test.jsonl", "math_test/test.jsonl.gz", 500, 487, 487),      # subset
    ("alpaca_eval/alpaca_eval_805_example_outputs.json", "self_instruct/user_oriented_instructions.jsonl",
     252, 249, None),
    ("code_alpaca/seed_tasks.jsonl", "alpaca/seed_tasks.jsonl", 9, 9, None),
    ("mt_bench/question.jsonl", "vicuna_bench/question.jsonl", 2, 2, None),
])
def test_overlap_reproduces_the_hand_measured_counts(a: str, b: str, exact: int, near: int,
                                                     eligible: int | None) -> None:
    found = overlap(records(a), records(b))
    assert found.exact == exact
    assert abs(found.near - near) <= max(2, near // 100)   # MinHash LSH recall, within its error
    if eligible is not None:
        assert found.near_eligible == eligible


def test_a_known_near_duplicate_pair_is_found_with_its_jaccard_estimate() -> None:
    """GSM-Hard item 1 is GSM8K test item 1 with 16 eggs/day and $2 replaced by larger numbers:
    not exact, but most of its 8-grams survive."""
    hard, test = records("gsm_hard/test.jsonl"), records("gsm8k/test.jsonl")
    assert hard.records[0].text != test.records[0].text
    one = RecordSet("hard-1", hard.records[:1])
    found = overlap(one, test)
    assert (found.exact, found.near) == (0, 1)
    pair = found.examples[0]
    assert (pair.a_number, pair.b_number) == (1, 1)
    assert 0.5 <= pair.containment < 1.0
    assert 0.2 < pair.jaccard_estimate < 1.0


def test_a_benchmark_planted_into_a_training_file_is_found(tmp_path: Path) -> None:
    """60 GSM8K test items planted among 2,000 Alpaca records (40 verbatim, 20 with the
    Alpaca template around them): every planted item is found, nothing else is."""
    alpaca = json.loads(gzip.decompress((SAMPLES / "alpaca/alpaca_5000_random_subset.json.gz").read_bytes()))[:2000]
    test = [json.loads(line) for line in (SAMPLES / "gsm8k/test.jsonl").read_text(encoding="utf-8").splitlines()]
    planted = random.Random(7).sample(test, 60)
    mixed = list(alpaca)
    for i, item in enumerate(planted):
        text = item["question"] if i < 40 else ("Below is an instruction that describes a task. Write a response "
                                                "that appropriately completes the request.\n\n### Instruction:\n"
                                                + item["question"] + "\n\n### Response:")
        mixed.insert(37 * i, {"instruction": text, "input": "", "output": item["answer"]})
    (tmp_path / "train.json").write_text(json.dumps(mixed), encoding="utf-8")
    found = overlap(RecordSet("test", read_records(SAMPLES / "gsm8k/test.jsonl").records),
                    RecordSet("train", read_records(tmp_path / "train.json").records))
    assert found.exact == 60
    assert found.near == 60


def test_sets_with_no_overlap_measure_zero() -> None:
    """Negative controls of the samples README: GSM8K test against LIMA, MMLU anatomy against
    Alpaca, HumanEval against Code Alpaca 2k."""
    for a, b in [("gsm8k/test.jsonl", "lima/lima_train.json.gz"),
                 ("mmlu_test/anatomy_test.csv", "alpaca/alpaca_5000_random_subset.json.gz"),
                 ("humaneval/HumanEval.jsonl.gz", "code_alpaca/code_alpaca_2k.json")]:
        found = overlap(records(a), records(b))
        assert (found.exact, found.near) == (0, 0), (a, b)


def test_threshold_is_a_parameter() -> None:
    """GSM8K_Backward questions keep about half of their original's 8-grams: a stricter threshold
    finds fewer of them."""
    loose = overlap(records("gsm8k_backward/GSM8K_Backward.jsonl.gz", threshold=0.3), records("gsm8k/test.jsonl",
                                                                                              threshold=0.3))
    strict = overlap(records("gsm8k_backward/GSM8K_Backward.jsonl.gz", threshold=0.8), records("gsm8k/test.jsonl",
                                                                                               threshold=0.8))
    assert strict.near < 738 < loose.near


# --- the store: registration, measurements as PROV, contamination, agreement ---------------------

@pytest.fixture(scope="module")
def gsm8k_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the samples' lineage and the GSM8K family registered (the CLI, as a user would)."""
    path = tmp_path_factory.mktemp("store") / "store"
    spec = json.loads(MANIFEST.read_text(encoding="utf-8"))
    keep = {"openai/gsm8k:train", "openai/gsm8k:test", "openai/gsm8k:test_socratic", "reasoning-machines/gsm-hard",
            "meta-math/GSM8K_Backward", "AlpacaDataCleaned GSM8K extension", "HuggingFaceH4/mt_bench_prompts",
            "Vicuna-80", "tatsu-lab/alpaca_eval:eval", "yizhongw/self_instruct:user_oriented"}
    spec["records"] = [r for r in spec["records"] if r["dataset"] in keep]
    small = path.parent / "manifest.json"
    spec["lineage"] = {k: str(MANIFEST.parent / v) for k, v in spec["lineage"].items()}
    small.write_text(json.dumps(spec), encoding="utf-8")
    assert main(["samples", "add-manifest", str(small), "--root", str(SAMPLES), "--store", str(path)]) == 0
    return path


def test_registration_writes_sample_files_as_prov(gsm8k_store: Path) -> None:
    with open_store(gsm8k_store) as store:
        sets = registered_sets(store)
        assert sets["openai/gsm8k:test"][0].records == 1319
        assert sets["reasoning-machines/gsm-hard"][0].sha256 == \
            "45db606263a4902580aba3974e8b7fb3f66012877889209af206b1c1b2f208f5"   # SOURCE.txt
        again = register(store, "openai/gsm8k:test", SAMPLES / "gsm8k/test.jsonl")
        assert again.already_present


def test_samples_add_creates_a_missing_dataset_and_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    assert main(["samples", "add", "openai/gsm8k", str(SAMPLES / "gsm8k/test.jsonl"), "--split", "test",
                 "--store", str(store), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["dataset"] == "openai/gsm8k:test"
    assert answer["added_datasets"] == ["openai/gsm8k", "openai/gsm8k:test"]
    assert answer["records"] == 1319
    assert main(["samples", "add", "x/y", str(tmp_path / "missing.jsonl"), "--store", str(store)]) == 3


def test_overlap_command_writes_a_measurement_that_sparql_sets_next_to_lineage(
        gsm8k_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overlap", "openai/gsm8k:test_socratic", "openai/gsm8k:test", "--store", str(gsm8k_store),
                 "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["exact"], answer["near"]) == (1319, 1319)
    with open_store(gsm8k_store) as store:
        rows = store.select(library().get("measured-overlap"))
    row = next(r for r in rows if r["subject"] == "openai/gsm8k:test_socratic" and r["target"] == "openai/gsm8k:test")
    assert (row["exact"], row["near"], row["records"]) == (1319, 1319, 1319)
    assert row["lineage"] == "subject derives from target"


def test_contamination_verify_finds_gsm8k_test_where_it_is(gsm8k_store: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contamination", "openai/gsm8k:test", "--verify", "--store", str(gsm8k_store),
                 "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    by = {s["dataset"]: s for s in answer["sets"]}
    socratic = by["openai/gsm8k:test_socratic"]
    assert socratic["benchmark_items_found"]["exact"] == 1319
    assert socratic["predicted_path"]["path"] == ["openai/gsm8k:test_socratic", "openai/gsm8k:test"]
    assert socratic["verdict"].startswith("confirmed")
    hard = by["reasoning-machines/gsm-hard"]
    assert hard["records_matching_benchmark"]["exact"] == 329
    assert hard["predicted_path"] is None
    assert "undocumented" in hard["verdict"]
    assert by["meta-math/GSM8K_Backward"]["records_matching_benchmark"]["near"] == pytest.approx(738, abs=7)
    cleaned = by["AlpacaDataCleaned GSM8K extension"]
    assert cleaned["records_matching_benchmark"]["exact"] == 0
    assert cleaned["path_to_other_split"]["reached"] == "openai/gsm8k:train"
    assert cleaned["verdict"].startswith("clean")


def test_agreement_confusion_and_cost_on_the_gsm8k_family(gsm8k_store: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agreement", "--store", str(gsm8k_store), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    pairs = {(p["a"], p["b"]): p for p in answer["pairs"]}
    socratic = pairs[("openai/gsm8k:test", "openai/gsm8k:test_socratic")]
    assert socratic["predicted"] and socratic["measured"]
    hard = pairs[("openai/gsm8k:test", "reasoning-machines/gsm-hard")]
    assert not hard["predicted"] and hard["measured"]
    assert hard["reason"].startswith("undocumented reuse")
    vicuna = pairs[("HuggingFaceH4/mt_bench_prompts", "Vicuna-80")]     # 2 of 80 shared, undocumented
    assert not vicuna["predicted"] and vicuna["measured"]
    assert pairs[("Vicuna-80", "tatsu-lab/alpaca_eval:eval")]["agree"]
    confusion = answer["confusion"]
    assert sum(confusion.values()) == 45                    # 10 sets, every pair once
    cost = answer["cost"]
    assert cost["graph_guided"]["pairs"] < cost["all_pairs"]["pairs"] == 45
    assert cost["record_pair_ratio"] > 1
