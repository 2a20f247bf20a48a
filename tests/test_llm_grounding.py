"""The model-backed backends (anthropic, and replay of its recorded answers) read names and
evidence as the offline extractor does (``llm.grounding``): names through the one name registry
(corpus index and aliases, card ``pretty_name``, the DPI collection, the names the tracer
passes), evidence by the one verbatim rule. Tested against a recorded Messages API answer served
to the real SDK (``test_llm_backends.MessagesAPI``), then replayed, then scored by
``lineagekg eval --backend replay``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SHARED_CORPUS, SHARED_LABELS
from test_llm_backends import ULTRAFEEDBACK, MessagesAPI, backend

from lineagekg.corpus import Corpus
from lineagekg.documents import SourceDocument
from lineagekg.llm import make_backend
from lineagekg.llm.cache import ModelCallCache

#: what the registry makes of the names the recorded answer writes as the document does
RESOLVED = {
    ("openbmb/UltraFeedback", "truthfulqa/truthful_qa", 0.95),
    ("openbmb/UltraFeedback", "FalseQA", 0.95),                               # unknown: as written
    ("openbmb/UltraFeedback", "WizardLM/evol_instruct_70k", 0.9),
    ("openbmb/UltraFeedback", "stingning/ultrachat", 0.95),                   # twice; the surer kept
    ("openbmb/UltraFeedback", "anon8231489123/ShareGPT_Vicuna_unfiltered", 0.95),
    ("openbmb/UltraFeedback", "FLAN", 0.9),
}


@pytest.fixture(scope="module")
def ultrafeedback(corpus: Corpus) -> SourceDocument:
    return corpus.document(ULTRAFEEDBACK)


def test_names_resolve_through_the_registry_and_unquoted_claims_are_dropped(
        corpus: Corpus, ultrafeedback: SourceDocument) -> None:
    api = MessagesAPI(["ultrafeedback_names_as_written"])
    answer = backend(api, corpus=corpus).answer(ultrafeedback, ultrafeedback.text, corpus.aliases())
    assert {(c.target, c.source, c.confidence) for c in answer.claims} == RESOLVED
    assert [p for p in answer.problems if "not a verbatim quote" in p] == [
        f"{ultrafeedback.url}: claim UltraFeedback <- Anthropic HH: its evidence is not a verbatim quote of the "
        "document; dropped"]


def test_without_the_corpus_the_alias_table_is_the_registry(corpus: Corpus, ultrafeedback: SourceDocument) -> None:
    """The tracer's alias table alone: "UltraChat" is in it, "ShareGPT" (known from the corpus
    index's ids) is not, so it stays as written."""
    api = MessagesAPI(["ultrafeedback_names_as_written"])
    answer = backend(api).answer(ultrafeedback, ultrafeedback.text, {"UltraChat": "stingning/ultrachat"})
    sources = {c.source for c in answer.claims}
    assert "stingning/ultrachat" in sources and "ShareGPT" in sources and "UltraChat" not in sources


def test_replay_grounds_recorded_answers_the_same_way_and_eval_scores_them(
        tmp_path: Path, corpus: Corpus, ultrafeedback: SourceDocument) -> None:
    cache = tmp_path / "recorded"
    live = backend(MessagesAPI(["ultrafeedback_names_as_written"]), corpus=corpus, cache=ModelCallCache(cache))
    live_answer = live.answer(ultrafeedback, ultrafeedback.text, corpus.aliases())
    replay = make_backend("replay", replay_dir=cache, corpus=corpus)
    replayed = replay.answer(ultrafeedback, ultrafeedback.text, corpus.aliases())
    assert replayed.claims == live_answer.claims and {(c.target, c.source, c.confidence)
                                                      for c in replayed.claims} == RESOLVED

    labels = tmp_path / "ultrafeedback_edges.csv"      # the dev labels of that one document
    with (SHARED_LABELS / "dev_edges.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["source_file"] == ULTRAFEEDBACK]
    with labels.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = subprocess.run([sys.executable, "-m", "lineagekg", "eval", "--labels", str(labels), "--corpus",
                             str(SHARED_CORPUS), "--backend", "replay", "--replay-dir", str(cache), "--format", "json"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["method"] == "replay backend" and report["labels"] == len(rows) == 6
    assert report["predicted"] == 6 and report["matched"] == 4
    # the registry's one candidate for "ShareGPT" and "Evol-Instruct" is a Hub copy the labels do
    # not name (they keep the names as written): resolving as the offline extractor does costs these two
    assert sorted(report["misses"]) == ["openbmb/UltraFeedback <- ShareGPT",
                                        "openbmb/UltraFeedback <- WizardLM Evol-Instruct (version unspecified)"]
    assert sorted(report["extras"]) == ["openbmb/UltraFeedback <- WizardLM/evol_instruct_70k",
                                        "openbmb/UltraFeedback <- anon8231489123/ShareGPT_Vicuna_unfiltered"]
