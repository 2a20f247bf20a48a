"""Bad input, end to end: the cards of tests/data/bad_input (empty, without YAML, broken YAML, a
binary file, an enormous file, French, an unreachable link) and bad model answers are traced into
an in-memory store; each gets a clear message naming its file and a recorded outcome, in the
TraceSummary and in the run's PROV (checked with SPARQL); the trace goes on; the store holds only
claims that passed the checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lineagekg.agents.sourcing import SourcingAgent
from lineagekg.agents.tracer import Tracer
from lineagekg.cli import main
from lineagekg.corpus import MAX_DOCUMENT_BYTES, Corpus
from lineagekg.documents import Claim, SourceDocument
from lineagekg.llm.cache import CallKey, CallRecord, ModelCallCache
from lineagekg.llm.heuristic import HeuristicBackend
from lineagekg.llm.prompts import PROMPT_VERSION, TOOL_NAME, chunk_document
from lineagekg.llm.protocol import BackendAnswer
from lineagekg.llm.replay import ReplayBackend
from lineagekg.queries import SPARQLQuery
from lineagekg.store import OxigraphStore, open_store

FIXTURES = Path(__file__).parent / "data" / "bad_input"
SEEDS = ["acme/mix-instruct", "acme/empty-card", "acme/plain-card", "acme/broken-card", "acme/french-card"]
HF = "https://huggingface.co/datasets/"
MIX_CARD = HF + "acme/mix-instruct/blob/main/README.md"
BLOG = "https://acme-research.example/blog/mix-instruct"
FIGURE = "https://github.com/acme-research/mix-instruct/blob/main/docs/figure.md"
DUMP = "https://github.com/acme-research/mix-instruct/blob/main/data/dump.md"

PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
TRACED_USAGES = SPARQLQuery.from_text("test/traced-usages", PREFIXES + """
SELECT ?doc ?outcome ?problems ?dropped (GROUP_CONCAT(?note; separator=" | ") AS ?notes) WHERE {
    ?run a lk:TracingRun ; prov:qualifiedUsage ?u .
    ?u prov:entity ?doc ; lk:documentOutcome ?o .
    OPTIONAL { ?u lk:answerProblems ?problems }
    OPTIONAL { ?u lk:claimsDropped ?dropped }
    OPTIONAL { ?u rdfs:comment ?note }
    BIND (STRAFTER(STR(?o), "#") AS ?outcome)
} GROUP BY ?doc ?outcome ?problems ?dropped""")
EDGES = SPARQLQuery.from_text("test/edges", PREFIXES + """
SELECT ?target ?source ?relation ?evidence WHERE {
    ?t prov:qualifiedDerivation ?d ; dcterms:identifier ?target .
    ?d prov:entity ?s ; lk:relation ?r ; lk:evidence ?evidence .
    ?s dcterms:identifier ?source .
    BIND (STRAFTER(STR(?r), "#") AS ?relation)
}""")
TERMINAL = SPARQLQuery.from_text("test/terminal", PREFIXES + """
SELECT ?id ?reason WHERE {
  ?d lk:terminalReason ?r ; dcterms:identifier ?id . BIND (STRAFTER(STR(?r), "#") AS ?reason) }""")


@pytest.fixture
def bad_corpus(tmp_path: Path) -> Path:
    """A copy of tests/data/bad_input with its enormous file made (it is not shipped)."""
    root = tmp_path / "bad_input"
    shutil.copytree(FIXTURES, root)
    line = "| 17 | Natalia sold clips to 48 of her friends in April. | 72 |\n"
    (root / "files" / "acme__mix-instruct__dump.md").write_text(line * (MAX_DOCUMENT_BYTES // len(line) + 1),
                                                               encoding="utf-8")
    return root


def _usages(store: OxigraphStore, query: SPARQLQuery = TRACED_USAGES) -> dict[str, dict[str, object]]:
    return {r["doc"]: r for r in store.select(query)}


def test_every_bad_document_is_a_clear_recorded_outcome_and_the_trace_goes_on(bad_corpus: Path) -> None:
    corpus = Corpus.from_directory(bad_corpus)
    store = open_store(memory=True)
    sourcing = SourcingAgent(corpus, online=True, hub=False, timeout=5)   # fetch links, never the Hub
    summary = Tracer(store, corpus, HeuristicBackend(), depth=1, sourcing=sourcing).run(SEEDS)
    assert summary.batches_rejected == 0, summary.first_violation

    # the summary: one outcome per bad document, each message naming its file (or URL)
    assert dict(summary.document_outcomes) == {"DocumentUnreadable": 3, "DocumentEmpty": 1,
                                               "DocumentInOtherLanguage": 1, "DocumentUnreachable": 1}
    assert summary.documents_failed == 6
    errors = "\n".join(summary.document_errors)
    for needle in ("acme__mix-instruct__figure.md: binary file", "acme__mix-instruct__dump.md: file is ",
                   "over the 5242880 byte (5 MB) limit", "acme__empty-card.md: empty document",
                   "acme__broken-card.md:5: broken YAML front matter",
                   "acme__french-card.md: written in another language", f"{BLOG}: unreachable link"):
        assert needle in errors, needle
    assert [n.split(": ", 1)[0].rsplit("/", 1)[-1] for n in summary.document_notes] == ["acme__plain-card.md"]

    # the trace went on: the good cards are traced, the others are terminal for want of a source
    edges = {(r["target"], r["source"], r["relation"]) for r in store.select(EDGES)}
    assert edges == {("acme/mix-instruct", "openai/gsm8k", "includedFrom"),      # card YAML source_datasets
                     ("acme/mix-instruct", "openai/gsm8k", "distilledFrom"),     # sampled, answered by GPT-4
                     ("acme/plain-card", "openai/gsm8k", "filteredFrom")}
    terminal = {r["id"]: r["reason"] for r in store.select(TERMINAL)}
    assert {d: terminal.get(d) for d in ("acme/empty-card", "acme/broken-card", "acme/french-card")} == \
        dict.fromkeys(("acme/empty-card", "acme/broken-card", "acme/french-card"), "NoSourceFound")
    assert summary.terminal["DepthReached"] == 1                  # openai/gsm8k, one hop up

    # the PROV of the runs: every document tried is used, with its outcome and the message
    usages = _usages(store)
    outcome = {doc.removeprefix(HF + "acme/").split("/")[0] if doc.startswith(HF) else doc: r["outcome"]
               for doc, r in usages.items()}
    assert outcome == {"mix-instruct": "DocumentTraced", FIGURE: "DocumentUnreadable",
                       DUMP: "DocumentUnreadable", BLOG: "DocumentUnreachable",
                       "empty-card": "DocumentEmpty", "plain-card": "DocumentTraced",
                       "broken-card": "DocumentUnreadable", "french-card": "DocumentInOtherLanguage"}
    assert "binary file" in usages[FIGURE]["notes"] and "acme__mix-instruct__figure.md" in usages[FIGURE]["notes"]
    assert "5 MB" in usages[DUMP]["notes"]
    assert "card without YAML" in usages[HF + "acme/plain-card/blob/main/README.md"]["notes"]
    assert ":5: broken YAML" in usages[HF + "acme/broken-card/blob/main/README.md"]["notes"]
    traced = usages[MIX_CARD]
    assert (traced["problems"], traced["dropped"]) == (0, 0)
    # a document that could not be read has no sha256; a traced one has its text's
    shas = store.select(SPARQLQuery.from_text("test/sha", PREFIXES + """
        SELECT ?doc ?sha WHERE { ?doc a lk:Document . OPTIONAL { ?doc lk:sha256 ?sha } }"""))
    sha_of = {r["doc"]: r.get("sha") for r in shas}
    assert sha_of[FIGURE] is None and sha_of[BLOG] is None
    assert sha_of[MIX_CARD] == corpus.document("cards/acme__mix-instruct.md").sha256


class _AnsweringModel(HeuristicBackend):
    """A stand-in for a model (the external service): the real rules' claims, plus the bad claims a
    model may send that reach the tracer -- a relation outside the taxonomy, a confidence of 1.4,
    a quote that is not in the document -- and one problem report, with token usage."""

    kind, model, prompt_version = "fake-model", "fake-model-1", "fake/1"

    def answer(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> BackendAnswer:
        from lineagekg.llm.protocol import Usage

        good = self.trace(document, text, aliases)
        target = document.about[0]
        bad = [Claim(target, "openai/gsm8k", "copiedFrom", 0.9, good[0].evidence if good else "x", document.url),
               Claim(target, "acme/other", "includedFrom", 1.4, good[0].evidence if good else "x", document.url),
               Claim(target, "acme/secret", "includedFrom", 0.95, "We also include the Secret Set.", document.url)]
        return BackendAnswer(claims=good + bad, problems=["the answer was cut off at max_tokens"],
                             usage=Usage(input_tokens=len(text) // 4, output_tokens=120, model_calls=1))


def test_bad_claims_never_reach_the_store_and_are_counted(bad_corpus: Path) -> None:
    corpus = Corpus.from_directory(bad_corpus)
    store = open_store(memory=True)
    summary = Tracer(store, corpus, _AnsweringModel(), depth=1).run(["acme/plain-card"])
    assert summary.batches_rejected == 0, summary.first_violation
    assert summary.claims_dropped == 3
    assert dict(summary.drop_reasons) == {"relation": 1, "confidence 1.4 is outside [0, 1]": 1,
                                          "evidence not found verbatim in the document": 1}
    assert summary.answer_problems == 1 and "max_tokens" in summary.problem_messages[0]
    assert {(r["source"], r["relation"]) for r in store.select(EDGES)} == {("openai/gsm8k", "filteredFrom")}
    usage = _usages(store)[HF + "acme/plain-card/blob/main/README.md"]
    assert (usage["outcome"], usage["problems"], usage["dropped"]) == ("DocumentTraced", 1, 3)
    assert "relation 'copiedFrom' is not in the taxonomy" in usage["notes"]
    assert "answer problem:" in usage["notes"] and "max_tokens" in usage["notes"]
    # the run records the tokens the model used
    tokens = store.select(SPARQLQuery.from_text("test/tokens", PREFIXES + """
        SELECT ?in ?out WHERE { ?run a lk:TracingRun ; lk:inputTokens ?in ; lk:outputTokens ?out }"""))
    text = corpus.document("cards/acme__plain-card.md").text
    assert [(r["in"], r["out"]) for r in tokens] == [(len(text) // 4, 120)]
    assert (summary.usage.input_tokens, summary.usage.model_calls) == (len(text) // 4, 1)


def _record(cache: ModelCallCache, document: SourceDocument, claims: object, model: str) -> None:
    chunks, _ = chunk_document(document)
    for chunk in chunks:
        key = CallKey(PROMPT_VERSION, model, document.sha256, chunk.index, chunk.sha256)
        cache.put(CallRecord(key=key, document=document.url, usage={"input_tokens": 900, "output_tokens": 80},
                             answer={"tool_calls": [{"name": TOOL_NAME, "input": {"claims": claims}}],
                                     "text": "", "stop_reason": "tool_use"}))


def test_model_answer_problems_from_recorded_answers(bad_corpus: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The replay backend reads recorded model answers: one names a relation outside the taxonomy
    (a problem, dropped by the backend), one has no record at all (a problem); the valid claim
    is stored, and each problem is on the document's usage."""
    corpus = Corpus.from_directory(bad_corpus)
    mix = corpus.document("cards/acme__mix-instruct.md")
    cache = ModelCallCache(tmp_path / "recorded")
    model = "claude-test"
    _record(cache, mix, [
        {"target": "acme/mix-instruct", "source": "GSM8K", "relation": "subsetOf", "confidence": 0.92,
         "evidence": "We sample 5k problems from the training split of GSM8K."},
        {"target": "acme/mix-instruct", "source": "GSM8K", "relation": "copiedFrom", "confidence": 0.9,
         "evidence": "We sample 5k problems from the training split of GSM8K."}], model)
    store = open_store(memory=True)
    replay = ReplayBackend(tmp_path / "recorded", model=model)
    summary = Tracer(store, corpus, replay, depth=1).run(["acme/mix-instruct", "acme/plain-card"])
    assert summary.batches_rejected == 0, summary.first_violation
    assert summary.answer_problems == 2
    problems = "\n".join(summary.problem_messages)
    assert "'copiedFrom' is not in the taxonomy" in problems and "no recorded answer" in problems
    assert {(r["target"], r["source"], r["relation"]) for r in store.select(EDGES)} == {
        ("acme/mix-instruct", "openai/gsm8k", "subsetOf")}
    usages = _usages(store)
    assert usages[MIX_CARD]["problems"] == 1 and "copiedFrom" in usages[MIX_CARD]["notes"]
    plain = usages[HF + "acme/plain-card/blob/main/README.md"]
    assert plain["problems"] == 1 and "no recorded answer" in plain["notes"]
    # the runs name the replayed model and prompt version
    agents = store.select(SPARQLQuery.from_text("test/agents", PREFIXES + """
        SELECT DISTINCT ?version ?model WHERE { ?run a lk:TracingRun ; prov:wasAssociatedWith ?a .
            ?a lk:promptVersion ?version ; lk:usedModel ?m . ?m rdfs:label ?model }"""))
    assert [(r["version"], r["model"]) for r in agents] == [(PROMPT_VERSION, model)]

    # the same through the command, which makes the backend by name
    assert main(["trace", "acme/mix-instruct", "acme/plain-card", "--corpus", str(bad_corpus), "--depth", "1",
                 "--backend", "replay", "--replay-dir", str(tmp_path / "recorded"), "--model", model,
                 "--store", str(tmp_path / "store"), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answer_problems"] == 2 and result["edges_written"] == 1
    assert result["usage"]["cache_hits"] == 1 and result["usage"]["model_calls"] == 0
    assert main(["trace", "acme/mix-instruct", "--corpus", str(bad_corpus), "--backend", "replay",
                 "--replay-dir", str(tmp_path / "nothing-here"), "--store", str(tmp_path / "store")]) == 3
    assert "no recorded model answers" in capsys.readouterr().err


def test_the_trace_command_reports_bad_input(bad_corpus: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    args = ["trace", *SEEDS, "--corpus", str(bad_corpus), "--depth", "1", "--store", str(tmp_path / "store"),
            "--backend", "heuristic"]
    assert main([*args, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["document_outcomes"] == {"DocumentEmpty": 1, "DocumentInOtherLanguage": 1,
                                           "DocumentUnreadable": 3}   # offline: the link is listed, not fetched
    assert result["links_not_fetched"] == 1 and result["edges_written"] == 3
    assert main(args) == 0                                            # again: nothing new, the same report
    captured = capsys.readouterr()
    assert "bad document:" in captured.err and "acme__broken-card.md:5: broken YAML" in captured.err
    assert "bad documents (not traced)" in captured.out
