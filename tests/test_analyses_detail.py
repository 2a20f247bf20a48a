"""The analyses behind the gateway's views: search, one dataset's description, the lineage
neighbourhood, the evidence of an edge, subgraph export, and the cached catalogue of names.

The small graph (tests/data/lineage) is imported first; a second source graph (a tracing run with a
model, built from the model objects and written through provenance and SHACL as a trace is) adds
aliases, a second, less confident derivation of MetaMathQA from GSM8K, and a distilled dataset.
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF

from lineagekg import iris
from lineagekg.analyses import Lineage, relation_family
from lineagekg.errors import QueryParameterError, UnknownDatasetError
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.store import OxigraphStore

HF = "https://huggingface.co/datasets/"
CARD = "https://example.org/cards/distilled-math.md"
QUOTE = "Questions were rewritten from GSM8K by our tracer's model."


@pytest.fixture
def store(backend_store):
    """Every test here runs on the embedded store and on a Virtuoso server, with the same answers."""
    return backend_store


def trace_batch() -> LineageBatch:
    card = DocumentRef(CARD, title="Card of example/distilled-math", sha256="ab" * 32,
                       retrieved_at="2025-01-02T03:00:00Z", kind="HuggingFace README")
    run = AgentRun(iri=iris.activity_iri("trace", "detail-test"), kind="TracingRun",
                   agent_iri=iris.agent_iri("lineagekg-tracer", "test"), agent_label="lineagekg tracer (test)",
                   started_at="2025-01-02T03:04:05Z", ended_at="2025-01-02T03:05:00Z",
                   prompt_version="trace-v3", model="claude-test-model",
                   used=(card,))
    datasets = (
        Dataset("openai/gsm8k", is_benchmark=True),
        Dataset("hendrycks/competition_math", aliases=("Math",)),
        Dataset("TIGER-Lab/MathInstruct", aliases=("MathInstruct",)),
        Dataset("meta-math/MetaMathQA"),
        Dataset("example/distilled-math", domains=("Math",), license="cc-by-4.0", year=2025),
    )
    derivations = (
        Derivation("meta-math/MetaMathQA", "openai/gsm8k", "rewrittenFrom", 0.6, QUOTE, documents=(CARD,),
                   source_kinds=("HuggingFace README",), review_status="Accepted"),
        Derivation("example/distilled-math", "meta-math/MetaMathQA", "distilledFrom", 0.85,
                   "answers distilled from MetaMathQA questions", documents=(CARD,), teacher_model="GPT-4"),
    )
    return LineageBatch(graph=iris.graph_iri("trace", "detail-test"), datasets=datasets,
                        derivations=derivations, run=run)


@pytest.fixture
def traced(small_store: OxigraphStore) -> Lineage:
    batch = trace_batch()
    outcome = small_store.import_quads(batch_quads(batch), batch.graph)
    assert outcome.accepted, outcome.report
    return Lineage(small_store)


# --- search ---------------------------------------------------------------------------------------

def test_search_ranks_exact_then_prefix_then_substring(traced: Lineage) -> None:
    found, total = traced.search("math")
    # "Math" is an alias of competition_math (exact), "MathInstruct" one of MathInstruct (prefix),
    # the rest contain the text, shorter identifiers first
    assert [r.id for r in found] == ["hendrycks/competition_math", "TIGER-Lab/MathInstruct", "example/math-mix",
                                     "meta-math/MetaMathQA", "example/distilled-math"]
    assert total == 5
    page, total = traced.search("MATH", limit=2, offset=1)
    assert ([r.id for r in page], total) == (["TIGER-Lab/MathInstruct", "example/math-mix"], 5)


def test_search_without_text_lists_every_dataset(small: Lineage) -> None:
    found, total = small.search("  ", limit=100)
    assert total == 8
    assert [r.id for r in found] == sorted((r.id for r in found), key=str.lower)
    assert small.search("zzz-nothing") == ([], 0)
    with pytest.raises(QueryParameterError, match="limit"):
        small.search("math", limit=0)


def test_search_text_is_bound_not_spliced(small: Lineage) -> None:
    assert small.search('") } } SELECT * WHERE { ?s ?p ?o } #') == ([], 0)


# --- one dataset ------------------------------------------------------------------------------------

def test_describe_merges_every_source_graph(traced: Lineage) -> None:
    found = traced.describe("MathInstruct")                 # by alias
    assert found.dataset.id == "TIGER-Lab/MathInstruct"
    assert found.dataset.metadata.aliases == ("MathInstruct",)
    assert len(found.dataset.metadata.graphs) == 2
    assert found.dataset.metadata.summary == "Hybrid CoT/PoT math instructions"
    mm = traced.describe("meta-math/MetaMathQA")
    gsm8k = next(s for s in mm.sources if s.dataset.id == "openai/gsm8k")
    # two derivations of the same link, one per source graph: the most confident one leads
    assert (gsm8k.relation, gsm8k.family, gsm8k.confidence, len(gsm8k.edges)) == ("evolvedFrom", "evolvedFrom",
                                                                                  0.95, 2)
    assert gsm8k.edge in gsm8k.edges
    assert [c.dataset.id for c in mm.children] == ["example/distilled-math", "example/math-mix",
                                                   "TIGER-Lab/MathInstruct"]
    distilled = traced.describe("example/distilled-math")
    md = distilled.dataset.metadata
    assert (md.license, md.year, md.domains) == (
        "http://spdx.org/licenses/CC-BY-4.0", 2025, ("Math",))      # licences are licence IRIs
    assert [(s.dataset.id, s.relation, s.family) for s in distilled.sources] == [
        ("meta-math/MetaMathQA", "distilledFrom", "distilledFrom")]


def test_relation_family_is_the_papers_relation_above() -> None:
    assert [relation_family(r) for r in ("filteredFrom", "translatedFrom", "seededFrom", "distilledFrom")] == [
        "includedFrom", "evolvedFrom", "generatedFrom", "distilledFrom"]
    assert relation_family(None) is None and relation_family("teleportedFrom") is None


# --- the lineage neighbourhood ------------------------------------------------------------------------

def test_neighbourhood_both_ways_with_depth(small: Lineage) -> None:
    view = small.neighbourhood("TIGER-Lab/MathInstruct", depth=1)
    assert {(n.id, n.side, n.distance) for n in view.nodes} == {
        ("TIGER-Lab/MathInstruct", "focus", 0), ("meta-math/MetaMathQA", "up", 1), ("openai/gsm8k", "up", 1),
        ("example/math-mix", "down", 1)}
    assert {(e.target, e.source) for e in view.edges} == {
        ("TIGER-Lab/MathInstruct", "meta-math/MetaMathQA"), ("TIGER-Lab/MathInstruct", "openai/gsm8k"),
        ("meta-math/MetaMathQA", "openai/gsm8k"), ("example/math-mix", "TIGER-Lab/MathInstruct")}
    # math-mix has another source (MetaMathQA, shown) but nothing further down: not expandable;
    # MetaMathQA has competition_math above it, not shown
    assert {n.id for n in view.nodes if n.expandable} == {"meta-math/MetaMathQA"}
    assert (view.truncated, view.hidden) == (False, 1)


def test_neighbourhood_cap_keeps_the_nearest(small: Lineage) -> None:
    view = small.neighbourhood("example/math-mix", direction="up", depth=5, max_nodes=4)
    assert [n.distance for n in view.nodes] == [0, 1, 1, 1]
    assert (view.truncated, view.hidden) == (True, 3)
    shown = {n.id for n in view.nodes}
    assert all(e.target in shown and e.source in shown for e in view.edges)


def test_neighbourhood_edge_is_the_most_confident_derivation(traced: Lineage) -> None:
    view = traced.neighbourhood("meta-math/MetaMathQA", direction="up", depth=1)
    [edge] = [e for e in view.edges if e.source == "openai/gsm8k"]
    assert (edge.relation, edge.confidence, edge.review_status, len(edge.edges)) == ("evolvedFrom", 0.95,
                                                                                     "Unreviewed", 2)


@pytest.mark.parametrize(("kwargs", "param"), [({"direction": "sideways"}, "direction"), ({"depth": 0}, "depth"),
                                               ({"depth": 11}, "depth"), ({"max_nodes": 0}, "max_nodes")])
def test_neighbourhood_refuses_bad_parameters(small: Lineage, kwargs: dict, param: str) -> None:
    with pytest.raises(QueryParameterError) as err:
        small.neighbourhood("openai/gsm8k", **kwargs)
    assert err.value.param == param


def test_unknown_dataset_names_close_ones(small: Lineage) -> None:
    with pytest.raises(UnknownDatasetError) as err:
        small.neighbourhood("meta-math/MetaMath")
    assert "meta-math/MetaMathQA" in (err.value.hint or "")


# --- evidence -----------------------------------------------------------------------------------------

def test_evidence_from_every_source_graph(traced: Lineage) -> None:
    report = traced.evidence("meta-math/MetaMathQA", HF + "openai/gsm8k")     # by id and by IRI
    assert (report.target.id, report.source.id) == ("meta-math/MetaMathQA", "openai/gsm8k")
    imported, traced_edge = report.items                    # most confident first
    assert (imported.confidence, imported.review_status, imported.model) == (0.95, "Unreviewed", None)
    assert (traced_edge.relation, traced_edge.family, traced_edge.confidence) == ("rewrittenFrom", "evolvedFrom", 0.6)
    assert (traced_edge.quote, traced_edge.review_status) == (QUOTE, "Accepted")
    assert (traced_edge.model, traced_edge.prompt_version) == ("claude-test-model", "trace-v3")
    assert traced_edge.agent is not None and traced_edge.agent.label == "lineagekg tracer (test)"
    assert traced_edge.started_at == "2025-01-02T03:04:05Z"
    assert traced_edge.graph == iris.graph_iri("trace", "detail-test") != imported.graph
    [doc] = traced_edge.documents
    assert (doc.iri, doc.title, doc.sha256, doc.retrieved_at, doc.kind) == (
        CARD, "Card of example/distilled-math", "ab" * 32, "2025-01-02T03:00:00Z", "HuggingFace README")
    distilled = traced.evidence("example/distilled-math", "meta-math/MetaMathQA").items
    assert [e.teacher_model for e in distilled] == ["GPT-4"]


# --- export -------------------------------------------------------------------------------------------

def _graph(data: bytes, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=data.decode("utf-8"), format=fmt)


def test_export_upstream_holds_derivations_documents_runs(traced: Lineage) -> None:
    graph = _graph(traced.export("example/distilled-math", direction="up"), "turtle")
    edges = {(str(t), str(s)) for t, s in graph.subject_objects(PROV.wasDerivedFrom)}
    assert edges == {(HF + "example/distilled-math", HF + "meta-math/MetaMathQA"),
                     (HF + "meta-math/MetaMathQA", HF + "openai/gsm8k"),
                     (HF + "meta-math/MetaMathQA", HF + "hendrycks/competition_math")}
    assert len(set(graph.subjects(RDF.type, PROV.Derivation))) == 4       # two for MetaMathQA <- GSM8K
    lk = rdflib.Namespace("https://w3id.org/lineagekg/ns#")
    run = rdflib.URIRef(iris.activity_iri("trace", "detail-test"))
    assert (run, PROV.used, rdflib.URIRef(CARD)) in graph
    agent = graph.value(run, PROV.wasAssociatedWith)
    assert graph.value(graph.value(agent, lk.usedModel), rdflib.RDFS.label) == rdflib.Literal("claude-test-model")
    teacher = next(graph.objects(None, lk.teacherModel))
    assert graph.value(teacher, rdflib.RDFS.label) == rdflib.Literal("GPT-4")
    assert (None, rdflib.OWL.inverseOf, None) not in graph                 # no ontology in a lineage export
    jsonld = _graph(traced.export("example/distilled-math", fmt="jsonld", direction="up"), "json-ld")
    assert isomorphic(graph, jsonld)


def test_export_directions_and_formats(small: Lineage) -> None:
    down = _graph(small.export("tatsu-lab/alpaca", direction="down"), "turtle")
    assert {(str(t), str(s)) for t, s in down.subject_objects(PROV.wasDerivedFrom)} == {
        (HF + "vicgalle/alpaca-gpt4", HF + "tatsu-lab/alpaca"), (HF + "example/math-mix", HF + "tatsu-lab/alpaca")}
    both = small.subgraph("tatsu-lab/alpaca")
    assert set(small.subgraph("tatsu-lab/alpaca", direction="up")) | set(
        small.subgraph("tatsu-lab/alpaca", direction="down")) == set(both)
    with pytest.raises(QueryParameterError):
        small.export("tatsu-lab/alpaca", fmt="rdfxml")
    with pytest.raises(QueryParameterError):
        small.subgraph("tatsu-lab/alpaca", direction="sideways")


# --- roots and the cached catalogue -------------------------------------------------------------------

def test_roots_carry_their_distance(small: Lineage) -> None:
    assert {r.id: r.distance for r in small.roots("vicgalle/alpaca-gpt4")} == {"self-instruct seed tasks": 2}
    assert [(r.id, r.distance) for r in small.roots("openai/gsm8k")] == [("openai/gsm8k", 0)]


def test_names_are_cached_until_the_store_changes(small_store: OxigraphStore) -> None:
    """The catalogue is read once per store version (its write counter): the same object while
    nothing is written, a new one after any write through the store."""
    lineage = Lineage(small_store)
    assert "example/distilled-math" not in lineage.names().values()
    assert lineage.names() is lineage.names()                 # unchanged store: the same cache
    batch = trace_batch()
    quads = batch_quads(batch)
    assert small_store.import_quads(quads, batch.graph).accepted
    assert lineage.names()[HF + "example/distilled-math"] == "example/distilled-math"
    assert lineage.ref(HF + "meta-math/MetaMathQA").is_root is False
    small_store.drop_graph(batch.graph)
    assert "example/distilled-math" not in lineage.names().values()
    assert lineage.ref("https://example.org/not-a-dataset").id == "https://example.org/not-a-dataset"


def test_a_validated_write_is_seen_at_once(small_store: OxigraphStore) -> None:
    """A write through the store's validated path bumps its generation: a Lineage sees the
    change at once (here one with the same quad count)."""
    lineage = Lineage(small_store)
    assert lineage.ref(HF + "openai/gsm8k").label == "openai/gsm8k"
    outcome = small_store.update(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"DELETE {{ GRAPH ?g {{ <{HF}openai/gsm8k> rdfs:label ?old }} }} "
        f"INSERT {{ GRAPH ?g {{ <{HF}openai/gsm8k> rdfs:label \"GSM8K (grade school math)\" }} }} "
        f"WHERE {{ GRAPH ?g {{ <{HF}openai/gsm8k> rdfs:label ?old }} }}")
    assert outcome.accepted, outcome.report
    assert lineage.ref(HF + "openai/gsm8k").label == "GSM8K (grade school math)"
