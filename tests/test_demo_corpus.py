"""The corpus the demo ships (examples/corpus): a valid index, every document an unchanged copy of
its recorded source with its licence in the NOTICE, and the edges that tracing the demo's seeds
gives, each checked by reading the documents."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from lineagekg.agents.tracer import Tracer
from lineagekg.analyses import Lineage
from lineagekg.corpus import Corpus
from lineagekg.llm.heuristic import HeuristicBackend
from lineagekg.reviewing import pending_claims
from lineagekg.store import OxigraphStore, open_store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"
DEMO = ROOT / "scripts" / "demo.sh"
SEEDS = ["HuggingFaceH4/ultrafeedback_binarized", "PRIME-RL/Eurus-2-RL-Data", "nvidia/OpenCodeReasoning",
         "nvidia/Nemotron-Post-Training-Dataset-v1", "bigcode/xp3x-octopack", "sahil280114/codealpaca"]
ULTRAFEEDBACK_PROMPTS = ["Evol-Instruct", "FLAN", "FalseQA", "ShareGPT", "stingning/ultrachat",
                         "truthfulqa/truthful_qa"]
CODE_PROBLEMS = ["BAAI/TACO", "codeparrot/apps", "deepmind/code_contests"]

# (target, source): what each document says, read by hand (document: sentence).
EXPECTED_EDGES = {
    # alignment-handbook zephyr-7b-beta README: "DPO on a preprocessed version of the UltraFeedback
    # dataset ([link](.../HuggingFaceH4/ultrafeedback_binarized))"
    ("HuggingFaceH4/ultrafeedback_binarized", "openbmb/UltraFeedback"),
    # OpenBMB/UltraFeedback README: "We collect about 64k prompts from diverse resources (including
    # UltraChat, ShareGPT, Evol-Instruct, TruthfulQA, FalseQA, and FLAN ...)"
    *{("openbmb/UltraFeedback", s) for s in ULTRAFEEDBACK_PROMPTS},
    # PRIME data_preprocessing README: "For math, we sourced from NuminaMath-CoT ... For coding, we
    # sourced from [APPS](.../codeparrot/apps), [CodeContests](.../deepmind/code_contests),
    # [TACO](.../BAAI/TACO), and [Codeforces](.../MatrixStudio/Codeforces-Python-Submissions)"
    ("PRIME-RL/Eurus-2-RL-Data", "AI-MO/NuminaMath-CoT"),
    *{("PRIME-RL/Eurus-2-RL-Data", s) for s in [*CODE_PROBLEMS, "MatrixStudio/Codeforces-Python-Submissions"]},
    # project-numina README: "The data were primarily collected from online exam paper PDFs and
    # mathematics discussion forums." (a source that is not a dataset, kept by name)
    ("AI-MO/NuminaMath-CoT", "online exam paper PDFs and mathematics discussion forums"),
    # NeMo-Skills opencodereasoning/dataset.md: "competitve coding problems collected from [TACO],
    # [APPS], [CodeContests] and [CodeForces](.../open-r1/codeforces)"
    *{("nvidia/OpenCodeReasoning", s) for s in [*CODE_PROBLEMS, "open-r1/codeforces"]},
    # NeMo-Skills README: the OpenReasoning training data "are available as part of
    # [Nemotron-Post-Training-Dataset-v1]"; openreasoning/dataset.md: "We use problems from
    # [OpenMathReasoning](.../nvidia/OpenMathReasoning) dataset."
    ("nvidia/Nemotron-Post-Training-Dataset-v1", "nvidia/OpenMathReasoning"),
    # NeMo-Skills README: "OpenMathReasoning dataset has 306K unique mathematical problems sourced
    # from [AoPS forums]"
    ("nvidia/OpenMathReasoning", "AoPS"),
    # octopack README: "xP3x: Uploaded [here](.../bigcode/xp3x-octopack), to recreate see the script
    # at `dataset/xp3x/filter_xp3x.py`" (a pending claim, 0.65)
    ("bigcode/xp3x-octopack", "Muennighoff/xP3x"),
    # xmtf README: "For the new extension of xP3, [xP3x](.../Muennighoff/xP3x) ... xP3x is a
    # superset of xP3"
    ("Muennighoff/xP3x", "bigscience/xP3"),
    # codealpaca README: "Data generation pipeline had minor changes from Stanford Alpaca ...
    # Modified seed tasks to only be related to code generation." (the tracer's least sure claim)
    ("sahil280114/codealpaca", "tatsu-lab/alpaca"),
}
# Relations the documents state plainly.
EXPECTED_RELATIONS = {
    ("HuggingFaceH4/ultrafeedback_binarized", "openbmb/UltraFeedback"): "rewrittenFrom",
    ("bigcode/xp3x-octopack", "Muennighoff/xP3x"): "filteredFrom",
    **{("nvidia/OpenCodeReasoning", s): "distilledFrom" for s in CODE_PROBLEMS},
}


def index() -> dict:
    return json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))


def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# --- the shipped files -------------------------------------------------------------------------

def test_index_is_valid_and_every_document_is_an_unchanged_copy() -> None:
    idx = index()
    documents = idx["documents"]
    assert len(documents) == 18
    files = {d["file"] for d in documents}
    for d in documents:
        assert {"file", "url", "kind", "datasets", "license", "repo", "path", "commit", "blob"} <= set(d)
        data = (CORPUS / d["file"]).read_bytes()
        assert git_blob(data) == d["blob"], f"{d['file']} differs from {d['repo']}@{d['commit']}:{d['path']}"
        assert d["url"] == f"https://github.com/{d['repo']}/blob/{d['commit']}/{d['path']}"
    for entry in idx["datasets"]:
        assert entry["files"] and set(entry["files"]) <= files, entry["id"]
    shipped = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
               if p.is_file() and p.parent.name in ("docs", "hf_legacy_cards")}
    assert shipped == files                                   # nothing unlisted is shipped
    corpus = Corpus.from_directory(CORPUS)                    # the project's own reader accepts it
    assert corpus.resolve("truthful_qa") == "truthfulqa/truthful_qa"
    assert corpus.resolve("PRIME-RL/Eurus-2-RL-Data") == "PRIME-RL/Eurus-2-RL-Data"


def test_every_document_is_in_the_notice_with_a_licence_that_allows_redistribution() -> None:
    notice = (CORPUS / "NOTICE.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line for line in notice.splitlines()
            if line.startswith("| `")}
    for d in index()["documents"]:
        assert d["file"] in rows, f"{d['file']} is not in NOTICE.md"
        assert d["url"] in rows[d["file"]] and d["license"] in rows[d["file"]]
        assert re.match(r"(Apache-2\.0|MIT) \(", d["license"]), d["license"]
    assert "Version 2.0" in (CORPUS / "LICENSES" / "Apache-2.0.txt").read_text(encoding="utf-8")
    assert "Permission is hereby granted, free of charge" in notice


def test_the_demo_traces_these_seeds_and_needs_nothing_outside_the_checkout() -> None:
    script = DEMO.read_text(encoding="utf-8")
    seeds = re.search(r"SEEDS=\(([^)]*)\)", script)
    assert seeds is not None and seeds.group(1).split() == SEEDS
    assert "--corpus examples/corpus" in script
    assert "../shared" not in script and "lineage_corpus" not in script


# --- tracing the demo's seeds --------------------------------------------------------------------

@pytest.fixture(scope="module")
def traced() -> OxigraphStore:
    store = open_store(memory=True)
    summary = Tracer(store, Corpus.from_directory(CORPUS), HeuristicBackend(), depth=4).run(SEEDS)
    assert summary.batches_rejected == 0 and summary.documents_failed == 0 and summary.claims_dropped == 0
    return store


def test_tracing_the_demo_seeds_gives_the_edges_the_documents_state(traced: OxigraphStore) -> None:
    lineage = Lineage(traced)
    edges = set()
    relations = {}
    for seed in SEEDS:
        for e in lineage.upstream_edges(seed):
            edges.add((e.target, e.source))
            relations[(e.target, e.source)] = e.relation
    assert edges == EXPECTED_EDGES
    assert {k: relations[k] for k in EXPECTED_RELATIONS} == EXPECTED_RELATIONS


def test_the_report_the_demo_prints(traced: OxigraphStore) -> None:
    lineage = Lineage(traced)
    # real multi-level lineage: ultrafeedback_binarized <- UltraFeedback <- TruthfulQA ...
    assert {a.id: a.distance for a in lineage.ancestors("HuggingFaceH4/ultrafeedback_binarized")} == {
        "openbmb/UltraFeedback": 1, **{s: 2 for s in ULTRAFEEDBACK_PROMPTS}}
    assert {a.id: a.distance for a in lineage.ancestors("nvidia/Nemotron-Post-Training-Dataset-v1")} == {
        "nvidia/OpenMathReasoning": 1, "AoPS": 2}
    assert sorted(r.id for r in lineage.roots("HuggingFaceH4/ultrafeedback_binarized")) == sorted(ULTRAFEEDBACK_PROMPTS)
    assert all(r.terminal_reason for r in lineage.roots("PRIME-RL/Eurus-2-RL-Data"))
    assert sorted(r.id for r in lineage.shared_roots(["PRIME-RL/Eurus-2-RL-Data", "nvidia/OpenCodeReasoning"])) == \
        sorted(CODE_PROBLEMS)
    hits = {h.dataset.id: h.path.nodes for h in lineage.contamination("truthfulqa/truthful_qa")}
    assert hits == {"openbmb/UltraFeedback": ("openbmb/UltraFeedback", "truthfulqa/truthful_qa"),
                    "HuggingFaceH4/ultrafeedback_binarized": ("HuggingFaceH4/ultrafeedback_binarized",
                                                              "openbmb/UltraFeedback", "truthfulqa/truthful_qa")}
    assert sorted(h.dataset.id for h in lineage.contamination("codeparrot/apps")) == [
        "PRIME-RL/Eurus-2-RL-Data", "nvidia/OpenCodeReasoning"]
    assert lineage.redundancy() == []
    # the two claims the demo reviews are the two waiting
    assert sorted((c.target, c.source) for c in pending_claims(traced)) == [
        ("bigcode/xp3x-octopack", "Muennighoff/xP3x"), ("sahil280114/codealpaca", "tatsu-lab/alpaca")]
