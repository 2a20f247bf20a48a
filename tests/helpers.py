"""Small helpers for writing test input files."""

from __future__ import annotations

from pathlib import Path


def write_jsonl(path: Path, rows: list[object]) -> Path:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


#: the vendored copy of ../shared (tests/data/shared/NOTICE.md): the corpus, labels, W3C suite
SHARED_DATA = Path(__file__).resolve().parent / "data" / "shared"
#: the real documentation corpus (index.json, READMEs, Hub cards, DPI files)
SHARED_CORPUS = SHARED_DATA / "lineage_corpus"
#: the hand-checked dev labels and the held-out document list
SHARED_LABELS = SHARED_DATA / "labels"
#: the W3C SPARQL 1.1 Protocol test manifest and its data
W3C_PROTOCOL_SUITE = SHARED_DATA / "w3c-sparql11-protocol"
#: real benchmark records (23 MB, not vendored): only beside the checkout, in ../shared/samples
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
#: what a test that needs SAMPLES says when it skips (the pytest summary counts these)
NO_SAMPLES = "../shared/samples is not beside the checkout"


#: SPARQL texts that each segfaulted pyoxigraph 0.5.13's parser (measured; see lineagekg.sparql_text)
PARSER_HOSTILE = {
    "10,000 negations": "SELECT * WHERE { FILTER(" + "!" * 10_000 + "true) }",
    "6,000 nested parentheses": "SELECT * WHERE { FILTER(" + "(" * 6_000 + "true" + ")" * 6_000 + ") }",
    "10,000 nested braces": "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "1,000 nested EXISTS": "ASK { FILTER(" + "EXISTS { FILTER(" * 1_000 + "true" + ")}" * 1_000 + ") }",
    "7,000 UNIONs": "SELECT * WHERE { " + " UNION ".join(["{}"] * 7_000) + " }",
    "3,000 BINDs": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(3_000)) + " }",
    "10,000 && operands": "ASK { FILTER(" + " && ".join(["true"] * 10_000) + ") }",
    "10,000 objects in one list": "ASK { ?a <http://x/p> " + ", ".join(["?b"] * 10_000) + " }",
}


def many_traced_bundles(count: int, *, shared_claims: int = 3):
    """``count`` trace bundles written by one tracer agent (one model, one prompt version), as a
    corpus-wide trace writes them: each traces ``bench/d<i>`` from GSM8K out of its own card and a
    paper every run reads; every ``count // shared_claims``-th also claims that ``bench/mix`` was
    filtered from GSM8K, quoting its card and the paper. Returns the batches (model objects)."""
    from lineagekg import iris
    from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
    from lineagekg.provenance import LineageBatch

    paper = DocumentRef("https://arxiv.org/abs/2110.14168", title="Training Verifiers to Solve Math Word Problems",
                        sha256="ef" * 32, retrieved_at="2025-01-01T00:00:00Z", kind="Paper")
    step = max(count // shared_claims, 1)
    batches = []
    for i in range(count):
        card = DocumentRef(f"https://huggingface.co/datasets/bench/d{i}/blob/main/README.md",
                           title=f"Card of bench/d{i}",
                           sha256=iris.digest(str(i), length=64), retrieved_at="2025-01-01T00:00:00Z",
                           kind="HuggingFace README")
        run = AgentRun(iri=iris.activity_iri("trace", f"bench-{i}"), kind="TracingRun",
                       agent_iri=iris.agent_iri("lineagekg-tracer", "bench"), agent_label="lineagekg tracer (bench)",
                       started_at="2025-01-01T00:00:00Z", ended_at="2025-01-01T00:01:00Z", prompt_version="trace-v3",
                       model="claude-bench", used=(card, paper))
        derivations = [Derivation(f"bench/d{i}", "openai/gsm8k", "includedFrom", 0.9, f"bench/d{i} includes GSM8K.",
                                  documents=(card.iri,), source_kinds=("HuggingFace README",))]
        datasets = [Dataset("openai/gsm8k", is_benchmark=True), Dataset(f"bench/d{i}")]
        if i % step == 0 and i // step < shared_claims:
            datasets.append(Dataset("bench/mix"))
            derivations.append(Derivation("bench/mix", "openai/gsm8k", "filteredFrom", 0.8,
                                          "bench/mix keeps the GSM8K problems with one answer.",
                                          documents=(card.iri, paper.iri), source_kinds=("HuggingFace README",
                                                                                         "Paper")))
        batches.append(LineageBatch(graph=iris.graph_iri("trace", f"bench-{i}"), datasets=tuple(datasets),
                                    derivations=tuple(derivations), run=run))
    return batches
