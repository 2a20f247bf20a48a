"""The tracer on real corpus documents and an in-memory store: PROV written, re-runs idempotent,
unverifiable evidence dropped, the depth limit marked. Aggregation rules on small claim lists."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from helpers import SHARED_CORPUS

from lineagekg.agents.aggregation import aggregate, review_status
from lineagekg.agents.tracer import Tracer
from lineagekg.cli import main
from lineagekg.corpus import Corpus
from lineagekg.documents import Claim, SourceDocument
from lineagekg.llm.heuristic import HeuristicBackend
from lineagekg.queries import SPARQLQuery
from lineagekg.store import open_store

CORPUS = SHARED_CORPUS
ULTRAFEEDBACK = CORPUS / "docs" / "OpenBMB__UltraFeedback__README.md"
UF_IRI = "https://huggingface.co/datasets/openbmb/UltraFeedback"

PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def _q(text: str) -> SPARQLQuery:
    return SPARQLQuery.from_text("test", PREFIXES + text)


# --- aggregation -------------------------------------------------------------------------------

def _claim(target: str, source: str, confidence: float = 0.9, relation: str = "filteredFrom",
           document: str = "urn:doc:a") -> Claim:
    return Claim(target=target, source=source, relation=relation, confidence=confidence,
                 evidence="x", document=document)


def test_aggregate_resolves_drops_self_claims_and_merges() -> None:
    table = {"gsm8k": "openai/gsm8k", "openai/gsm8k": "openai/gsm8k", "mix": "org/mix"}
    claims = [
        _claim("mix", "GSM8K", 0.6),
        _claim("org/mix", "openai/gsm8k", 0.8),          # the same claim, resolved: merged, 0.8 kept
        _claim("org/mix", "gsm8k", 0.7, document="urn:doc:b"),   # another document: kept apart
        _claim("org/mix", "Mix", 0.9),                    # a self-claim once resolved
        _claim("org/mix", "Unknown Corpus", 0.5),         # unresolved: kept as written
    ]
    got = aggregate(claims, lambda n: table.get(n.lower()))
    assert [(c.target, c.source, c.confidence, c.document) for c in got] == [
        ("org/mix", "openai/gsm8k", 0.8, "urn:doc:a"),
        ("org/mix", "openai/gsm8k", 0.7, "urn:doc:b"),
        ("org/mix", "Unknown Corpus", 0.5, "urn:doc:a"),
    ]
    assert review_status(0.69) == "PendingReview"
    assert review_status(0.7) == review_status(0.95) == "Unreviewed"


# --- tracing the real UltraFeedback README -----------------------------------------------------

def test_trace_writes_prov_and_is_idempotent(corpus: Corpus) -> None:
    store = open_store(memory=True)
    tracer = Tracer(store, corpus, HeuristicBackend(), depth=1)
    summary = tracer.run(["openbmb/UltraFeedback"])
    assert summary.batches_rejected == 0, summary.first_violation
    assert summary.datasets_traced == 1 and summary.edges_written >= 1
    assert summary.claims_dropped == 0

    sources = store.select(_q(f"""
        SELECT DISTINCT ?id WHERE {{ <{UF_IRI}> prov:wasDerivedFrom ?s . ?s dcterms:identifier ?id }}"""))
    ids = {row["id"] for row in sources}
    assert any("truthfulqa" in i.lower().replace("_", "").replace(" ", "") for i in ids), ids

    rows = store.select(_q(f"""
        SELECT ?agent ?version ?doc ?sha ?evidence WHERE {{
            <{UF_IRI}> prov:qualifiedDerivation ?d .
            ?d prov:entity ?src ; lk:evidence ?evidence ; lk:evidenceDocument ?doc ;
               lk:foundBy ?run .
            ?src dcterms:identifier ?sid . FILTER (CONTAINS(LCASE(?sid), "truthful"))
            ?run a lk:TracingRun ; prov:wasAssociatedWith ?agent ; prov:used ?doc .
            ?agent a lk:LineageAgent ; lk:promptVersion ?version .
            ?doc a lk:Document ; lk:sha256 ?sha .
        }}"""))
    assert rows, "no qualified TruthfulQA derivation with its run, agent and document"
    text = ULTRAFEEDBACK.read_text(encoding="utf-8")
    row = rows[0]
    assert row["version"] == HeuristicBackend.prompt_version
    assert row["doc"].startswith("https://github.com/OpenBMB/UltraFeedback")
    assert row["sha"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert "TruthfulQA" in row["evidence"]

    size, graphs = len(store), store.named_graphs()
    again = Tracer(store, corpus, HeuristicBackend(), depth=1).run(["openbmb/UltraFeedback"])
    assert len(store) == size and store.named_graphs() == graphs
    assert again.edges_written == 0 and again.quads_written == 0 and again.already_traced == 1
    assert again.terminal == summary.terminal


def test_depth_limit_marks_depth_reached(corpus: Corpus) -> None:
    store = open_store(memory=True)
    summary = Tracer(store, corpus, HeuristicBackend(), depth=1).run(["openbmb/UltraFeedback"])
    assert summary.terminal["DepthReached"] >= 1
    reached = store.select(_q(f"""
        SELECT DISTINCT ?id WHERE {{ <{UF_IRI}> prov:wasDerivedFrom ?s .
                            ?s lk:terminalReason lk:DepthReached ; lk:isTerminal true ;
                               dcterms:identifier ?id }}"""))
    assert len(reached) == summary.terminal["DepthReached"]
    # depth 0: the seed itself is at the limit and is not traced
    store0 = open_store(memory=True)
    zero = Tracer(store0, corpus, HeuristicBackend(), depth=0).run(["openbmb/UltraFeedback"])
    assert zero.datasets_traced == 0 and zero.terminal == {"DepthReached": 1}
    assert not store0.select(_q(f"SELECT ?s WHERE {{ <{UF_IRI}> prov:wasDerivedFrom ?s }}"))
    # a deeper run later traces it and drops the stale DepthReached flag: one reason per dataset
    deeper = Tracer(store0, corpus, HeuristicBackend(), depth=2).run(["openbmb/UltraFeedback"])
    assert deeper.datasets_traced >= 1 and deeper.batches_rejected == 0   # the seed and its sources with documents
    assert not store0.select(_q(f"SELECT ?r WHERE {{ <{UF_IRI}> lk:terminalReason ?r }}"))
    multi = store0.select(_q("""SELECT ?s WHERE { ?s lk:terminalReason ?a, ?b FILTER (?a != ?b) }"""))
    assert multi == []


# --- the evidence guard, on a corpus folder made for it ----------------------------------------

MINI_TEXT = "# Mini\n\n## Construction\n\nWe sample 5k problems from the training split of GSM8K.\n"
INVENTED = "We also include every record of the Secret Corpus."


def _mini_corpus(root: Path) -> Corpus:
    (root / "mini.md").write_text(MINI_TEXT, encoding="utf-8")
    (root / "index.json").write_text(json.dumps({
        "documents": [{"doc_key": "mini", "file": "mini.md", "kind": "github_readme",
                       "url": "https://example.org/acme/mini/README.md", "datasets": ["acme/mini"]}],
        "datasets": [{"id": "acme/mini", "files": ["mini.md"]},
                     {"id": "openai/gsm8k", "aliases": ["GSM8K"]}],
    }), encoding="utf-8")
    return Corpus.from_directory(root)


class InventingBackend(HeuristicBackend):
    """The real backend, plus one claim whose evidence the document does not contain."""

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]:
        return [*super().trace(document, text, aliases),
                Claim(target="acme/mini", source="secret/corpus", relation="includedFrom",
                      confidence=0.95, evidence=INVENTED, document=document.url)]


def test_unverifiable_evidence_is_dropped_and_counted(tmp_path: Path) -> None:
    corpus = _mini_corpus(tmp_path)
    store = open_store(memory=True)
    summary = Tracer(store, corpus, InventingBackend(), depth=1).run(["acme/mini"])
    assert summary.claims_dropped == 1
    assert summary.batches_rejected == 0, summary.first_violation
    edges = store.select(_q("""SELECT ?src WHERE {
        <https://huggingface.co/datasets/acme/mini> prov:wasDerivedFrom ?src }"""))
    assert [r["src"] for r in edges] == ["https://huggingface.co/datasets/openai/gsm8k"]
    # the honest backend drops nothing from the same document
    plain = Tracer(open_store(memory=True), corpus, HeuristicBackend(), depth=1).run(["acme/mini"])
    assert plain.claims_dropped == 0 and plain.edges_written == 1


def test_unreadable_document_is_counted_and_the_trace_goes_on(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "c"
    corpus_dir.mkdir()
    _mini_corpus(corpus_dir)
    (corpus_dir / "broken.md").write_bytes(b"\x00binary")
    index = json.loads((corpus_dir / "index.json").read_text(encoding="utf-8"))
    index["documents"].append({"file": "broken.md", "kind": "github_readme", "datasets": ["acme/mini"]})
    (corpus_dir / "index.json").write_text(json.dumps(index), encoding="utf-8")
    summary = Tracer(open_store(memory=True), Corpus.from_directory(corpus_dir), HeuristicBackend(),
                     depth=1).run(["acme/mini"])
    assert summary.documents_failed == 1 and "broken.md" in summary.document_errors[0]
    assert summary.datasets_traced == 1 and summary.edges_written == 1


# --- the command -------------------------------------------------------------------------------

def test_trace_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    _mini_corpus(corpus_dir)
    store_dir = tmp_path / "store"
    args = ["trace", "acme/mini", "--corpus", str(corpus_dir), "--depth", "1", "--store", str(store_dir),
            "--format", "json", "--backend", "heuristic"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["edges_written"] == 1 and first["terminal_reasons"] == {"DepthReached": 1}
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["edges_written"] == 0 and second["already_traced"] == 1
    assert main(["trace", "acme/mini", "--corpus", str(corpus_dir), "--backend", "anthropic",
                 "--store", str(store_dir)]) == 3


class _Killed(Exception):
    pass


def test_a_killed_run_resumes_to_the_same_graph(corpus: Corpus) -> None:
    clean = open_store(memory=True)
    Tracer(clean, corpus, HeuristicBackend(), depth=1).run(["openbmb/UltraFeedback"])

    store = open_store(memory=True)
    seen: list[str] = []

    def kill_after_two(event) -> None:
        seen.append(event.dataset)
        if len(seen) == 2:
            raise _Killed
    with pytest.raises(_Killed):
        Tracer(store, corpus, HeuristicBackend(), depth=1, progress=kill_after_two).run(["openbmb/UltraFeedback"])
    assert 0 < len(store) < len(clean)
    resumed = Tracer(store, corpus, HeuristicBackend(), depth=1).run(["openbmb/UltraFeedback"])
    assert resumed.already_traced == 1 and resumed.edges_written == 0
    assert store.named_graphs() == clean.named_graphs() and len(store) == len(clean)


# --- the PROV of runs over real corpus documents -----------------------------------------------

# Agents, models and documents are described once, in their own graphs, so plain patterns over
# the union default graph give one row per run and document (no GRAPH ?g needed).
RUNS = _q("""
    SELECT ?run ?agent ?label ?version ?model ?started ?ended ?in WHERE {
        ?run a lk:TracingRun ; prov:wasAssociatedWith ?agent ; prov:startedAtTime ?started ;
             prov:endedAtTime ?ended .
        ?agent a lk:LineageAgent , prov:SoftwareAgent , prov:Agent ; rdfs:label ?label ;
               lk:promptVersion ?version ; lk:usedModel ?m .
        ?m a lk:LanguageModel , prov:SoftwareAgent , prov:Agent ; rdfs:label ?model .
        OPTIONAL { ?run lk:inputTokens ?in }
    }""".replace("SELECT", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT", 1))
USED = _q("""
    SELECT ?run ?doc ?sha ?retrieved WHERE {
        ?run a lk:TracingRun ; prov:used ?doc . ?doc a lk:Document ; lk:sha256 ?sha ; lk:retrievedAt ?retrieved }""")
GENERATED = _q("""
    SELECT ?target ?source ?run ?doc WHERE { GRAPH ?g {
        ?t prov:qualifiedDerivation ?d .
        ?d prov:entity ?s ; lk:foundBy ?run ; lk:evidenceDocument ?doc .
        ?run prov:used ?doc .
        ?g a prov:Bundle ; prov:wasGeneratedBy ?run ; prov:hadPrimarySource ?doc .
    }
    ?t dcterms:identifier ?target . ?s dcterms:identifier ?source }""")


def test_the_prov_of_tracing_runs_over_real_documents(corpus: Corpus) -> None:
    """Trace UltraFeedback and GSM8K from the real corpus: every run names its agent, model and
    prompt version; the documents it used, with the sha256 of their real bytes; the derivations
    it generated, each from a document it used; no token counts (no model was called); and
    each dataset not traced has its terminal reason."""
    store = open_store(memory=True)
    summary = Tracer(store, corpus, HeuristicBackend(), depth=1).run(["openbmb/UltraFeedback", "openai/gsm8k"])
    assert summary.batches_rejected == 0, summary.first_violation

    runs = store.select(RUNS)
    assert runs and {(r["version"], r["model"]) for r in runs} == {(HeuristicBackend.prompt_version, "heuristic-rules")}
    assert all(r["started"] <= r["ended"] and "heuristic backend" in r["label"] for r in runs)
    assert all(r.get("in") is None for r in runs)                 # no model, no token counts

    used = store.select(USED)
    by_file = {e.url: e for e in corpus.entries() if e.url}
    for row in used:
        entry = by_file[row["doc"]]
        assert row["sha"] == hashlib.sha256(entry.path.read_bytes()).hexdigest(), row["doc"]
    assert {r["doc"] for r in used} >= {by_file[u].url for u in by_file if "UltraFeedback__README" in by_file[u].file}

    generated = store.select(GENERATED)
    assert len(generated) == summary.edges_written >= 6
    assert {r["target"] for r in generated} == {"openbmb/UltraFeedback"}
    assert len({r["run"] for r in generated}) == 1

    reasons = store.select(_q("""SELECT DISTINCT ?d ?reason WHERE { ?d lk:terminalReason ?r ;
                                   BIND (STRAFTER(STR(?r), "#") AS ?reason) }"""))
    got = Counter(r["reason"] for r in reasons)
    assert got["NoSourceFound"] >= 1 and got["DepthReached"] >= 1       # GSM8K's card names no source
    assert dict(got) == {k: v for k, v in summary.terminal.items()}
    issued = store.select(_q(f"""SELECT ?y ?paper WHERE {{ <{UF_IRI}> dcterms:issued ?y ; lk:paperYear ?paper }}"""))
    assert [(r["y"], r["paper"]) for r in issued] == [("2023", "2023")]          # arXiv 2310.01377


# --- the date cut-off --------------------------------------------------------------------------

XSUM_IRI = "https://huggingface.co/datasets/EdinburghNLP/xsum"


def test_a_dataset_released_before_the_cut_off_is_not_expanded(corpus: Corpus) -> None:
    """XSum's card links its paper, arXiv 1808.08745 (2018-08): terminal BeforeCutoff under the
    paper's 2020 cut-off; traced when the cut-off is lifted, and then it has one reason at most."""
    store = open_store(memory=True)
    summary = Tracer(store, corpus, HeuristicBackend(), depth=2).run(["EdinburghNLP/xsum"])
    assert summary.terminal == {"BeforeCutoff": 1} and summary.datasets_traced == 0
    rows = store.select(_q(f"""SELECT ?y ?reason WHERE {{ <{XSUM_IRI}> lk:terminalReason ?reason ;
                                                           lk:isTerminal true ; dcterms:issued ?y }}"""))
    assert [(r["y"], r["reason"]) for r in rows] == [("2018", "https://w3id.org/lineagekg/ns#BeforeCutoff")]

    later = Tracer(store, corpus, HeuristicBackend(), depth=2, cutoff=date(2017, 1, 1)).run(["EdinburghNLP/xsum"])
    assert later.datasets_traced == 1 and "BeforeCutoff" not in later.terminal
    assert not store.select(_q(f"SELECT ?r WHERE {{ <{XSUM_IRI}> lk:terminalReason lk:BeforeCutoff }}"))
    assert Tracer(store, corpus, HeuristicBackend(), depth=2,
                  cutoff=None).run(["EdinburghNLP/xsum"]).already_traced == 1


def test_the_cutoff_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["trace", "EdinburghNLP/xsum", "--corpus", str(CORPUS), "--depth", "1", "--format", "json"]
    assert main([*args, "--store", str(tmp_path / "a")]) == 0
    assert json.loads(capsys.readouterr().out)["terminal_reasons"] == {"BeforeCutoff": 1}
    assert main([*args, "--store", str(tmp_path / "b"), "--cutoff", "none"]) == 0
    assert json.loads(capsys.readouterr().out)["datasets_traced"] == 1
    assert main([*args, "--store", str(tmp_path / "c"), "--cutoff", "2018-09-01"]) == 0
    assert json.loads(capsys.readouterr().out)["terminal_reasons"] == {"BeforeCutoff": 1}
    assert main([*args, "--store", str(tmp_path / "d"), "--cutoff", "last year"]) == 2   # usage
    assert "--cutoff" in capsys.readouterr().err


# --- the Hub -----------------------------------------------------------------------------------

def test_a_dataset_not_on_the_hub_is_not_expanded(corpus: Corpus) -> None:
    """Two datasets the corpus documents but whose ids the Hub never accepts (a space and
    brackets; a colon) are terminal NotOnHub, with project IRIs and lk:existsOnHub false."""
    store = open_store(memory=True)
    seeds = ["Flan Collection (Flan 2022)", "GPT-4-LLM:alpaca_gpt4_data"]
    summary = Tracer(store, corpus, HeuristicBackend(), depth=2).run(seeds)
    assert summary.terminal == {"NotOnHub": 2} and summary.edges_written == 0
    rows = store.select(_q("""SELECT ?d ?id ?on WHERE { ?d lk:terminalReason lk:NotOnHub ; lk:existsOnHub ?on ;
                                                      dcterms:identifier ?id }"""))
    assert {r["id"] for r in rows} == set(seeds)
    assert all(r["on"] is False and r["d"].startswith("https://w3id.org/lineagekg/id/dataset/") for r in rows)
    # the paper's rule can be lifted: then their documents are traced
    lifted = Tracer(open_store(memory=True), corpus, HeuristicBackend(), depth=1, hub_only=False).run(seeds)
    assert lifted.datasets_traced == 2 and lifted.edges_written >= 1


# --- sources released after their target -------------------------------------------------------

def test_a_source_released_after_its_target_is_rejected_and_counted(tmp_path: Path) -> None:
    (tmp_path / "old.md").write_text("# Old Mix\n\n## Construction\n\nWe sample 5k problems from the training "
                                     "split of GSM8K. We also sample 2k problems from the test split of New Set.\n",
                                     encoding="utf-8")
    (tmp_path / "index.json").write_text(json.dumps({
        "documents": [{"file": "old.md", "kind": "github_readme", "url": "https://example.org/old-mix/README.md",
                       "datasets": ["acme/old-mix"]}],
        "datasets": [{"id": "acme/old-mix", "files": ["old.md"], "paper_date": "2022"},
                     {"id": "acme/new-set", "aliases": ["New Set"], "paper_date": "2023-06"},
                     {"id": "openai/gsm8k", "aliases": ["GSM8K"], "paper_date": "2021-10"}],
    }), encoding="utf-8")
    store = open_store(memory=True)
    summary = Tracer(store, Corpus.from_directory(tmp_path), HeuristicBackend(), depth=1).run(["acme/old-mix"])
    assert summary.sources_rejected == 1 and "acme/old-mix <- acme/new-set" in summary.rejected_sources[0]
    assert "2023-06" in summary.rejected_sources[0]
    sources = store.select(_q("""SELECT DISTINCT ?id WHERE {
        <https://huggingface.co/datasets/acme/old-mix> prov:wasDerivedFrom ?s . ?s dcterms:identifier ?id }"""))
    assert [r["id"] for r in sources] == ["openai/gsm8k"]      # GSM8K (2021-10) came out before: kept


# --- a model that cannot be asked ---------------------------------------------------------------

def _recorded(name: str) -> dict:
    return json.loads((Path(__file__).parent / "data" / "llm" / "responses" / f"{name}.json").read_text())


def test_a_failed_model_call_writes_nothing_for_that_dataset_and_a_rerun_traces_it(tmp_path: Path) -> None:
    """The Messages API overloaded for good: the dataset is reported failed, no graph (no false
    "no source found"); the next run, with the API back, traces it from the same cache folder."""
    import anthropic
    import httpx2

    from lineagekg.llm.anthropic_backend import AnthropicBackend
    from lineagekg.llm.cache import ModelCallCache

    shipped = Corpus.from_directory(Path(__file__).resolve().parents[1] / "examples" / "corpus")
    seed = "sahil280114/codealpaca"
    answer = {"name": "overloaded_529"}

    def handler(request: httpx2.Request) -> httpx2.Response:
        exchange = _recorded(answer["name"])
        return httpx2.Response(exchange["status"], json=exchange["body"], headers=exchange["headers"])

    def backend() -> AnthropicBackend:
        client = anthropic.Anthropic(api_key="test-key", base_url="http://messages-api.test",
                                     http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
        return AnthropicBackend(client, cache=ModelCallCache(tmp_path / "cache"), max_attempts=2, backoff=0.0)

    store = open_store(memory=True)
    failed = Tracer(store, shipped, backend(), depth=1, cutoff=None).run([seed])
    assert failed.datasets_failed == 1 and failed.datasets_traced == 0 and failed.edges_written == 0
    assert any("529" in e or "verloaded" in e for e in failed.document_errors), failed.document_errors
    assert not [g for g in store.named_graphs() if "/graph/trace/" in g]

    answer["name"] = "no_claims"
    again = Tracer(store, shipped, backend(), depth=1, cutoff=None).run([seed])
    assert again.datasets_failed == 0 and again.datasets_traced == 1
    assert again.usage.model_calls >= 1 and again.terminal["NoSourceFound"] >= 1
    assert len([g for g in store.named_graphs() if "/graph/trace/" in g]) == 1


def test_a_second_trace_of_the_same_seeds_makes_no_model_call(tmp_path: Path) -> None:
    """The anthropic backend through the SDK's HTTP layer: the first trace asks once per document
    chunk; the second (a fresh store, the same cache folder) asks nothing and writes the same graph."""
    import anthropic
    import httpx2

    from lineagekg.llm import make_backend

    shipped = Corpus.from_directory(Path(__file__).resolve().parents[1] / "examples" / "corpus")
    seeds = ["openbmb/UltraFeedback", "bigcode/xp3x-octopack"]
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        exchange = _recorded("no_claims")
        return httpx2.Response(exchange["status"], json=exchange["body"], headers=exchange["headers"])

    def trace() -> tuple[object, set[str]]:
        client = anthropic.Anthropic(api_key="test-key", base_url="http://messages-api.test",
                                     http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
        store = open_store(memory=True)
        summary = Tracer(store, shipped, make_backend("anthropic", cache_dir=tmp_path / "cache", client=client),
                         depth=2, cutoff=None).run(seeds)
        return summary, set(store.named_graphs())

    first, first_graphs = trace()
    calls = len(seen)
    assert calls >= 2 and first.usage.model_calls == calls and first.usage.cache_hits == 0
    second, second_graphs = trace()
    assert len(seen) == calls, "the second trace reached the API"
    assert second.usage.model_calls == 0 and second.usage.cache_hits == calls
    assert second_graphs == first_graphs
