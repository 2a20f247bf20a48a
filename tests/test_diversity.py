"""Vendi Score and Centroid Distance (the paper's diversity metrics) and the lineage-aware
diverse sample, on real records of ../shared/samples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import NO_SAMPLES, SAMPLES

from lineagekg.cli import main
from lineagekg.samples.diversity import centroid_distance, embed, vendi_score, vendi_score_direct

MANIFEST = Path(__file__).resolve().parents[1] / "examples" / "samples" / "manifest.json"


@pytest.mark.parametrize(("n", "d", "seed"), [(50, 8, 0), (20, 40, 1), (200, 16, 2), (7, 384, 3)])
def test_vendi_through_the_covariance_equals_the_definition(n: int, d: int, seed: int) -> None:
    """The d×d route and the n×n definition agree to 1e-6, whether n > d or n < d."""
    x = np.random.default_rng(seed).normal(size=(n, d))
    assert vendi_score(x) == pytest.approx(vendi_score_direct(x), abs=1e-6)


def test_vendi_counts_distinct_items_and_centroid_distance_spreads() -> None:
    rng = np.random.default_rng(4)
    same = np.repeat(rng.normal(size=(1, 16)), 30, axis=0)
    assert vendi_score(same) == pytest.approx(1.0, abs=1e-9)
    assert centroid_distance(same) == pytest.approx(0.0, abs=1e-9)
    orthogonal = np.eye(12)
    assert vendi_score(orthogonal) == pytest.approx(12.0, abs=1e-9)
    assert centroid_distance(orthogonal) == pytest.approx(1 - 1 / np.sqrt(12), abs=1e-9)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=NO_SAMPLES)
def test_real_embeddings_rank_a_mixed_set_above_a_single_task() -> None:
    """all-MiniLM-L6-v2 (offline): 40 GSM8K questions are less diverse than 40 records drawn
    from GSM8K, LIMA and Code Alpaca together; a question and its GSM-Hard copy embed close."""
    def lines(rel: str) -> list[str]:
        from lineagekg.samples.records import read_records
        return [r.raw for r in read_records(SAMPLES / rel).records]

    gsm = lines("gsm8k/test.jsonl")[:40]
    mixed = gsm[:14] + lines("lima/lima_train.json.gz")[:13] + lines("code_alpaca/code_alpaca_2k.json")[:13]
    e_gsm, e_mixed = embed(gsm), embed(mixed)
    assert e_gsm.shape == (40, 384)
    assert vendi_score(e_mixed) > vendi_score(e_gsm) + 2
    assert centroid_distance(e_mixed) > centroid_distance(e_gsm)
    pair = embed([gsm[0], lines("gsm_hard/test.jsonl")[0]])
    assert float(pair[0] @ pair[1]) > 0.9


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=NO_SAMPLES)
def test_diverse_samples_the_roots_in_proportion_and_writes_provenance(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Roots: GSM8K train (its FLAN CoT and Alpaca-format copies are derivatives), Alpaca 5k
    (generated from the seeds, which are not registered here; Alpaca-GPT4 distils it) and LIMA."""
    spec = json.loads(MANIFEST.read_text(encoding="utf-8"))
    keep = {"openai/gsm8k:train", "AlpacaDataCleaned GSM8K extension", "SirNeural/flan_v2:cot_gsm8k",
            "tatsu-lab/alpaca:train", "vicgalle/alpaca-gpt4:train", "GAIR/lima:train"}
    spec["records"] = [r for r in spec["records"] if r["dataset"] in keep]
    spec["lineage"] = {k: str(MANIFEST.parent / v) for k, v in spec["lineage"].items()}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(spec), encoding="utf-8")
    store = tmp_path / "store"
    assert main(["samples", "add-manifest", str(manifest), "--root", str(SAMPLES), "--store", str(store)]) == 0
    capsys.readouterr()
    out = tmp_path / "sample.jsonl"
    assert main(["diverse", "--budget", "120", "--store", str(store), "-o", str(out), "--seed", "3",
                 "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer["roots"]) == {"openai/gsm8k:train", "tatsu-lab/alpaca:train", "GAIR/lima:train"}
    # 7,473 : 5,000 : 1,029 of 120 -> 66 : 45 : 9 (largest remainder), less any near duplicate
    assert 64 <= answer["roots"]["openai/gsm8k:train"] <= 66
    assert 43 <= answer["roots"]["tatsu-lab/alpaca:train"] <= 45
    assert answer["records"] == sum(answer["roots"].values())
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == answer["records"]
    assert {r["source"] for r in rows} == set(answer["roots"])
    prov = json.loads(Path(answer["provenance"]).read_text(encoding="utf-8"))
    activity = next(iter(prov["activity"].values()))
    assert activity["lk:seed"]["$"] == "3"           # PROV-JSON typed literal
    used = [u for u in prov["used"].values()]
    assert len(used) == 3
    names = [d["name"] for d in answer["diversity"]]
    assert names[0] == "lineage-aware sample (roots)"
    assert "random sample of the leaf-level mix" in names
    assert all(d["records"] == answer["records"] for d in answer["diversity"][:2])
    lima_alone = next(d for d in answer["diversity"] if d["name"] == "openai/gsm8k:train alone")
    assert answer["diversity"][0]["vendi"] > lima_alone["vendi"]
