"""PROV taken literally: the store read with the official PROV-O ontology and a reasoner.

A store that holds a trace of real corpus documents, an import of a paper JSONL graph, a review
decision and a teacher-model derivation is closed under PROV-O's own RDFS/OWL-RL axioms (owlrl,
with ontology/prov-o.ttl, the W3C Recommendation, loaded unchanged). PROV-O gives
``prov:hadPrimarySource`` the domain ``prov:Entity`` and makes it a ``prov:wasDerivedFrom``, and
makes ``prov:hadActivity`` say which activity *generated* the derived entity; written carelessly,
either draws false derivations. The PROV-CONSTRAINTS that apply (typing, impossible overlaps,
ordering) are SPARQL checks in ``sparql/checks``. Set semantics: each triple is stored once, so
a plain ``COUNT(*)`` counts what the store says, through the library, the CLI and ``/sparql``.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import owlrl
import pyoxigraph
import pytest
import rdflib
from conftest import LINEAGE
from rdflib import OWL, RDF, Namespace

from lineagekg import iris
from lineagekg.agents.tracer import Tracer
from lineagekg.cli import main
from lineagekg.importing import import_lineage_jsonl
from lineagekg.llm.heuristic import HeuristicBackend
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.queries import library
from lineagekg.resources import ontology_dir, ontology_path
from lineagekg.reviewing import Decision, decide, pending_claims
from lineagekg.store.oxigraph import OxigraphStore, open_store

PROV = Namespace("http://www.w3.org/ns/prov#")
LK = Namespace("https://w3id.org/lineagekg/ns#")
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
HF = iris.HUB_DATASET_BASE
TRACED = ["sahil280114/codealpaca", "openbmb/UltraFeedback", "meta-math/MetaMathQA"]
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_DISTINCT = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


def teacher_batch() -> LineageBatch:
    """A trace of a distilled dataset whose card names its teacher model: the one kind of claim
    whose construction activity is known (prov:hadActivity)."""
    card = "https://huggingface.co/datasets/example/gsm8k-r1-distill/blob/main/README.md"
    run = AgentRun(iri=iris.activity_iri("trace", "prov-teacher"), kind="TracingRun",
                   agent_iri=iris.agent_iri("lineagekg-tracer", "test"), agent_label="lineagekg tracer (test)",
                   started_at="2025-03-01T10:00:00Z", ended_at="2025-03-01T10:00:30Z",
                   prompt_version="trace-v3", model="claude-test-model",
                   used=(DocumentRef(card, title="Card of example/gsm8k-r1-distill", sha256="cd" * 32,
                                     retrieved_at="2025-03-01T09:59:00Z", kind="HuggingFace README"),))
    return LineageBatch(
        graph=iris.graph_iri("trace", "prov-teacher"),
        datasets=(Dataset("openai/gsm8k", is_benchmark=True), Dataset("example/gsm8k-r1-distill")),
        derivations=(Derivation("example/gsm8k-r1-distill", "openai/gsm8k", "distilledFrom", 0.9,
                                "answers to the GSM8K training questions were written by DeepSeek-R1",
                                documents=(card,), teacher_model="DeepSeek-R1"),),
        run=run)


def build_store(corpus: object) -> OxigraphStore:
    """A trace of three real READMEs, an import, a teacher-model trace and a rejection."""
    store = open_store(memory=True)
    summary = Tracer(store, corpus, HeuristicBackend(), depth=1).run(TRACED)
    assert summary.batches_rejected == 0, summary.first_violation
    imported = import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    assert imported.outcome.accepted
    batch = teacher_batch()
    assert store.import_quads(batch_quads(batch), batch.graph).accepted
    [pending] = [c for c in pending_claims(store) if c.target == "sahil280114/codealpaca"]
    decide(store, Decision(pending.edge, False, "dave", note="pipeline, not data", at="2030-01-01T00:00:00Z"))
    return store


@pytest.fixture(scope="module")
def prov_store(corpus: object) -> OxigraphStore:
    return build_store(corpus)


def _union(store: OxigraphStore) -> rdflib.Graph:
    """The store's data graphs as one rdflib graph (the ontology graph left out)."""
    ds = rdflib.Dataset()
    ds.parse(data=store.export("nquads").decode("utf-8"), format="nquads")
    graph = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def entailed(prov_store: OxigraphStore) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(asserted data, its OWL-RL closure with PROV-O and the lineagekg ontology)."""
    data = _union(prov_store)
    closure = rdflib.Graph()
    closure.parse(ontology_dir() / "prov-o.ttl", format="turtle")
    closure.parse(ontology_path(), format="turtle")
    closure += data
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    return data, closure


def test_the_vendored_prov_o_is_the_w3c_recommendation_unchanged() -> None:
    """ontology/prov-o.ttl is PROV-O as the W3C published it (version IRI of the 2013-04-30
    Recommendation), with the axioms the tests rely on; lineage.ttl redeclares no PROV term."""
    prov_o = rdflib.Graph().parse(ontology_dir() / "prov-o.ttl", format="turtle")
    assert (None, OWL.versionIRI, rdflib.URIRef("http://www.w3.org/ns/prov-o-20130430")) in prov_o
    assert (PROV.hadPrimarySource, rdflib.RDFS.domain, PROV.Entity) in prov_o
    assert (PROV.hadPrimarySource, rdflib.RDFS.subPropertyOf, PROV.wasDerivedFrom) in prov_o
    assert (PROV.Activity, OWL.disjointWith, PROV.Entity) in prov_o
    ours = rdflib.Graph().parse(ontology_path(), format="turtle")
    assert not [s for s in ours.subjects() if str(s).startswith(str(PROV))]
    assert "W3C" in (ontology_dir() / "PROV-O-NOTICE.md").read_text(encoding="utf-8")


def test_reasoning_with_prov_o_draws_no_false_derivation(entailed: tuple[rdflib.Graph, rdflib.Graph]) -> None:
    """Under PROV-O's axioms, prov:wasDerivedFrom never reaches a document except from a bundle,
    never touches a qualified derivation, and the dataset-to-dataset derivations are exactly the
    asserted plain edges (none doubled, none invented); nothing is inconsistent."""
    data, closure = entailed
    assert not list(closure.subjects(RDF.type, ERR.ErrorMessage)), list(closure.objects(None, ERR.error))
    influences = set(closure.subjects(RDF.type, PROV.Influence))
    documents = set(closure.subjects(RDF.type, LK.Document))
    bundles = set(closure.subjects(RDF.type, PROV.Bundle))
    datasets = set(closure.subjects(RDF.type, LK.Dataset))
    derived = set(closure.subject_objects(PROV.wasDerivedFrom))
    assert len(influences) >= 20 and len(documents) >= 10 and len(bundles) >= 5
    assert not {(x, y) for x, y in derived if x in influences or y in influences}
    assert {(x, y) for x, y in derived if y in documents} and all(
        x in bundles for x, y in derived if y in documents)
    assert not documents & datasets and not influences & set(closure.subjects(RDF.type, PROV.Entity))
    asserted = {(x, y) for x, y in data.subject_objects(PROV.wasDerivedFrom)}
    between_datasets = {(x, y) for x, y in derived if x in datasets and y in datasets}
    assert between_datasets == asserted and len(asserted) >= 15
    # the only activity a derivation names is one that built the dataset, with its teacher model
    built = set(closure.objects(None, PROV.hadActivity))
    assert len(built) == 1
    [activity] = built
    assert (activity, RDF.type, LK.ConstructionActivity) in closure
    assert str(closure.value(closure.value(activity, PROV.wasAssociatedWith), rdflib.RDFS.label)) == "DeepSeek-R1"
    # runs and review decisions generate bundles, never datasets
    generated = set(closure.subjects(PROV.wasGeneratedBy, None))
    assert generated and generated <= bundles


def test_every_named_graph_written_is_a_bundle_with_its_provenance(prov_store: OxigraphStore) -> None:
    """Each graph a trace, an import or a review wrote is a prov:Bundle generated by its run,
    attributed to that run's agent, at a time; trace and import bundles name their documents."""
    data = _union(prov_store)
    written = [g for g in prov_store.named_graphs() if "/graph/about/" not in g
               and not g.endswith("/validation") and g != iris.ONTOLOGY_GRAPH]
    kinds = {g.split("/graph/")[1].split("/")[0] for g in written}
    assert {"trace", "import", "review"} <= kinds
    for g in map(rdflib.URIRef, written):
        assert (g, RDF.type, PROV.Bundle) in data, g
        run, agent = data.value(g, PROV.wasGeneratedBy), data.value(g, PROV.wasAttributedTo)
        assert run is not None and agent is not None and data.value(g, PROV.generatedAtTime) is not None
        assert (run, PROV.wasAssociatedWith, agent) in data
        assert (agent, RDF.type, PROV.Agent) in data
        if "/graph/review/" not in g and "/graph/terminal/" not in g:
            assert set(data.objects(g, PROV.hadPrimarySource)) <= set(data.subjects(RDF.type, LK.Document))
    decision = next(data.subjects(RDF.type, LK.ReviewDecision))
    [used] = data.objects(decision, PROV.used)
    assert (used, RDF.type, PROV.Bundle) in data and (data.value(decision, LK.reviewedClaim), RDF.type,
                                                      LK.LineageClaim) in data


@pytest.mark.parametrize("check", ["prov-typing-violation", "prov-disjoint-violation", "prov-ordering-violation"])
def test_prov_constraints_hold(prov_store: OxigraphStore, check: str) -> None:
    """PROV-CONSTRAINTS typing, impossible overlaps and ordering: no violation row."""
    assert prov_store.select(library().get(f"checks/{check}")) == []


def test_prov_constraint_checks_find_what_they_look_for(store: OxigraphStore) -> None:
    """Each check answers on data that breaks it: the old layout (the tracing run as the
    derivation's activity and a derivation with prov:hadPrimarySource), an untyped agent, a run
    that ends before it starts and a bundle used before it was generated."""
    broken = """
        @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://example.org/g> {
          <https://example.org/run> a prov:Activity ; prov:wasAssociatedWith <https://example.org/someone> ;
              prov:startedAtTime "2025-01-02T00:00:00Z"^^xsd:dateTime ;
              prov:endedAtTime "2025-01-01T00:00:00Z"^^xsd:dateTime .
          <https://example.org/b> a prov:Bundle , prov:Entity ;
              prov:generatedAtTime "2025-02-01T00:00:00Z"^^xsd:dateTime .
          <https://example.org/run> prov:used <https://example.org/b> .
          <https://example.org/d> a prov:Entity , prov:Derivation .
        }"""
    # written past SHACL (the bundle shape would refuse it), as a careless producer would
    store.bulk_load(list(pyoxigraph.parse(broken, format=pyoxigraph.RdfFormat.TRIG)))
    typing = {(r["node"], r["required"]) for r in store.select(library().get("checks/prov-typing-violation"))}
    assert typing == {("https://example.org/someone", str(PROV.Agent))}
    disjoint = store.select(library().get("checks/prov-disjoint-violation"))
    assert [(r["node"], r["kind"], r["other"]) for r in disjoint] == [
        ("https://example.org/d", str(PROV.Entity), str(PROV.Derivation))]
    ordering = {(r["node"], r["rule"]) for r in store.select(library().get("checks/prov-ordering-violation"))}
    assert ordering == {("https://example.org/run", "start-precedes-end"),
                        ("https://example.org/b", "generation-precedes-usage")}


# --- set semantics -------------------------------------------------------------------------------

def _count(store: OxigraphStore, text: str) -> int:
    return int(next(iter(store.user_query(text)))["n"].value)


def test_each_triple_is_stored_once(prov_store: OxigraphStore) -> None:
    """A plain COUNT(*) over the union default graph equals the distinct triple count (and the
    quad count: no triple sits in two graphs); a dataset is counted once per type."""
    total, distinct = _count(prov_store, COUNT_ALL), _count(prov_store, COUNT_DISTINCT)
    assert total == distinct == len(prov_store)
    assert total > 1000
    datasets = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <https://w3id.org/lineagekg/ns#Dataset> }"
    distinct_datasets = ("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE "
                         "{ ?d a <https://w3id.org/lineagekg/ns#Dataset> }")
    assert _count(prov_store, datasets) == _count(prov_store, distinct_datasets) >= 15


def test_counts_are_sets_through_the_cli_and_sparql(corpus: object, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The same on a traced + imported store on disk, asked through `lineagekg query FILE` and
    through the gateway's /sparql."""
    from live_gateway import running_gateway

    store_dir = tmp_path / "store"
    assert main(["trace", *TRACED, "--corpus", str(corpus.root), "--depth", "1", "--store", str(store_dir)]) == 0
    assert main(["import", "lineage-jsonl", str(LINEAGE / "small_nodes.jsonl"), str(LINEAGE / "small_edges.jsonl"),
                 "--store", str(store_dir)]) == 0
    counts = {}
    for name, text in (("all", COUNT_ALL), ("distinct", COUNT_DISTINCT)):
        (tmp_path / f"{name}.rq").write_text(text, encoding="utf-8")
        capsys.readouterr()
        assert main(["query", str(tmp_path / f"{name}.rq"), "--results", "json", "--store", str(store_dir)]) == 0
        counts[name] = int(json.loads(capsys.readouterr().out)["results"]["bindings"][0]["n"]["value"])
    assert counts["all"] == counts["distinct"] > 1000
    with open_store(store_dir) as st, running_gateway(st) as gateway:
        answers = {}
        for name, text in (("all", COUNT_ALL), ("distinct", COUNT_DISTINCT)):
            reply = httpx.get(gateway.base_url + "/sparql", params={"query": text},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
            assert reply.status_code == 200, reply.text
            answers[name] = int(reply.json()["results"]["bindings"][0]["n"]["value"])
    assert answers == counts


# --- evidence over hundreds of bundles (issue 13, item 3) ----------------------------------------

def test_evidence_scales_with_the_answer_not_the_bundles() -> None:
    """400 trace bundles by one tracer agent, each reading a shared paper: the evidence of an
    edge three of them claim is exactly three derivations, two documents each (six rows from
    the library query), with the agent, model and run of each; nothing is multiplied by the
    graphs that mention the agent or the paper. (Timing: benchmarks/bench_evidence.py.)"""
    from helpers import many_traced_bundles

    from lineagekg.analyses import Lineage

    store = open_store(memory=True)
    batches = many_traced_bundles(400)
    store.bulk_load([q for b in batches for q in batch_quads(b)])
    assert _count(store, COUNT_ALL) == _count(store, COUNT_DISTINCT) == len(store)
    mix, gsm8k = HF + "bench/mix", HF + "openai/gsm8k"
    rows = store.select(library().get("analyses/edge-evidence"), target=mix, source=gsm8k)
    assert len(rows) == 6 and len({r["edge"] for r in rows}) == 3
    assert {r["agentLabel"] for r in rows} == {"lineagekg tracer (bench)"}
    assert {(r["model"], r["promptVersion"], frozenset(r["sourceKind"].split("; "))) for r in rows} == {
        ("claude-bench", "trace-v3", frozenset({"HuggingFace README", "Paper"}))}
    report = Lineage(store).evidence("bench/mix", "openai/gsm8k")
    assert [len(item.documents) for item in report.items] == [2, 2, 2]
    assert {item.graph for item in report.items} == {b.graph for b in batches if len(b.derivations) == 2}
    assert all(item.activity and item.quote.startswith("bench/mix keeps") for item in report.items)
    one = store.select(library().get("analyses/edge-evidence"), target=HF + "bench/d7", source=gsm8k)
    assert len(one) == 1 and one[0]["graph"] == iris.graph_iri("trace", "bench-7")
