"""Review decisions: a person accepts or rejects a pending claim, recorded as PROV in its own
graph; every query then sees exactly one status, and a rejected claim is no longer lineage.

The claims are written by the real provenance layer and store (one validated batch per graph,
as the tracer writes them), and the results are read back with SPARQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad

from lineagekg import iris
from lineagekg.analyses import Lineage
from lineagekg.cli import main
from lineagekg.errors import ShapeValidationError
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.queries import SPARQLQuery
from lineagekg.reviewing import (
    AlreadyDecidedError,
    AmbiguousClaimError,
    ClaimNotPendingError,
    Decision,
    UnknownClaimError,
    decide,
    default_reviewer,
    pending_claims,
    resolve_edge,
)
from lineagekg.store import OxigraphStore, open_store

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"
DOC = "https://example.org/docs/acme-mix/README.md"
GRAPH = iris.graph_iri("trace", "acme-mix")
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lk: <https://w3id.org/lineagekg/ns#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def sparql(store: OxigraphStore, text: str, **params: object) -> list[dict]:
    """Run a test query (bound parameters, as everywhere) and return its rows."""
    head = "#+ summary: test\n#+ returns: [x]\n"
    if params:
        head += "#+ params:\n" + "".join(f"#+   {k}: {{type: iri}}\n" for k in params)
    return store.select(SPARQLQuery.from_text("test", head + PREFIXES + text), **params)


def ask(store: OxigraphStore, text: str, **params: object) -> bool:
    head = "#+ summary: test\n#+ returns: [x]\n"
    if params:
        head += "#+ params:\n" + "".join(f"#+   {k}: {{type: iri}}\n" for k in params)
    return store.ask(SPARQLQuery.from_text("test", head + PREFIXES + text), **params)


def hub(identifier: str) -> str:
    return iris.dataset_iri(identifier, on_hub=True)


def write_batch(store: OxigraphStore, graph: str, derivations: list[Derivation], *, validate: bool = True) -> None:
    """One trace-like batch: the datasets, the derivations, the run that used the document."""
    names = sorted({d.target for d in derivations} | {d.source for d in derivations})
    run = AgentRun(iri=iris.activity_iri("trace", graph.rsplit("/", 1)[-1]), kind="TracingRun",
                   agent_iri=iris.agent_iri("test-tracer", "1"), agent_label="test tracer",
                   started_at="2025-01-02T03:04:05Z",
                   used=(DocumentRef(iri=DOC, title="acme README", sha256="0" * 64, kind="github_readme"),))
    batch = LineageBatch(graph=graph, datasets=tuple(Dataset(n, label=n) for n in names),
                         derivations=tuple(derivations), run=run)
    outcome = store.import_quads(batch_quads(batch), graph, validate=validate)
    assert outcome.accepted, outcome.report and [r.describe() for r in outcome.report.violations]


def claim(target: str, source: str, relation: str, confidence: float, status: str) -> Derivation:
    return Derivation(target, source, relation, confidence, f"{target} uses {source}.", documents=(DOC,),
                      review_status=status)


def edge_iri(target: str, source: str, relation: str, graph: str = GRAPH) -> str:
    return iris.derivation_iri(hub(target), hub(source), relation, graph)


@pytest.fixture
def reviewed(store: OxigraphStore) -> OxigraphStore:
    """acme/mix <- acme/base (includedFrom, 0.6, pending) <- acme/root (0.9);
    acme/mix <- acme/synth (generatedFrom, 0.9, unreviewed);
    acme/mix <- acme/pair twice in one graph: includedFrom 0.65 and filteredFrom 0.55, both pending."""
    write_batch(store, GRAPH, [
        claim("acme/mix", "acme/base", "includedFrom", 0.6, "PendingReview"),
        claim("acme/mix", "acme/synth", "generatedFrom", 0.9, "Unreviewed"),
        claim("acme/mix", "acme/pair", "includedFrom", 0.65, "PendingReview"),
        claim("acme/mix", "acme/pair", "filteredFrom", 0.55, "PendingReview"),
    ])
    write_batch(store, iris.graph_iri("trace", "acme-base"),
                [claim("acme/base", "acme/root", "includedFrom", 0.9, "Unreviewed")])
    return store


def statuses(store: OxigraphStore, edge: str) -> list[tuple[str, str]]:
    rows = sparql(store, "SELECT ?x ?g WHERE { GRAPH ?g { $edge lk:reviewStatus ?x } }", edge=edge)
    return sorted((r["x"].rsplit("#", 1)[-1], r["g"]) for r in rows)


def ancestors(store: OxigraphStore, dataset: str) -> list[str]:
    return sorted(a.id for a in Lineage(store).ancestors(dataset))


# --- listing -----------------------------------------------------------------------------------

def test_pending_lists_only_low_confidence_claims_least_confident_first(reviewed: OxigraphStore) -> None:
    pending = pending_claims(reviewed)
    assert [(c.target, c.source, c.relation, c.confidence) for c in pending] == [
        ("acme/mix", "acme/pair", "filteredFrom", 0.55),
        ("acme/mix", "acme/base", "includedFrom", 0.6),
        ("acme/mix", "acme/pair", "includedFrom", 0.65)]
    first = pending[1]
    assert first.edge == edge_iri("acme/mix", "acme/base", "includedFrom")
    assert first.short_id == first.edge.rsplit("/", 1)[-1] and len(first.short_id) == 16
    assert first.evidence == "acme/mix uses acme/base." and first.documents == (DOC,)
    assert first.graph == GRAPH


# --- accepting ---------------------------------------------------------------------------------

def test_accept_replaces_the_status_and_records_who_decided(reviewed: OxigraphStore) -> None:
    edge = edge_iri("acme/mix", "acme/base", "includedFrom")
    before = ancestors(reviewed, "acme/mix")
    outcome = decide(reviewed, Decision(edge[-16:-8], True, "Ada Lovelace", note="stated in section 2",
                                        at="2025-06-01T10:00:00Z"))
    assert outcome.edge == edge and outcome.status == "Accepted" and outcome.quads_removed == 1
    # exactly one status, in the decision's own graph; the pending triple is gone from the trace graph
    assert statuses(reviewed, edge) == [("Accepted", outcome.graph)]
    assert outcome.graph != GRAPH and outcome.graph.startswith(iris.ID_BASE + "graph/review/")
    rows = sparql(reviewed, """
        SELECT ?x ?who ?name ?at ?note ?g ?used WHERE {
          GRAPH ?g {
            ?x a lk:ReviewDecision , prov:Activity ; lk:reviewedClaim $edge ; prov:used ?used ;
               prov:wasAssociatedWith ?who ; prov:startedAtTime ?at ; rdfs:comment ?note .
            ?g a prov:Bundle ; prov:wasGeneratedBy ?x ; prov:wasAttributedTo ?who ;
               prov:generatedAtTime ?at }
          ?who a prov:Person , prov:Agent ; rdfs:label ?name }""", edge=edge)
    assert len(rows) == 1
    assert (rows[0]["name"], rows[0]["at"], rows[0]["note"], rows[0]["g"]) == (
        "Ada Lovelace", "2025-06-01T10:00:00Z", "stated in section 2", outcome.graph)
    # the decision used the bundle that states the claim (an entity), not the derivation (a relation)
    assert rows[0]["used"] == GRAPH
    assert rows[0]["who"] == iris.ID_BASE + "person/ada-lovelace" and rows[0]["x"] == outcome.activity
    # still lineage, still a qualified derivation; no longer waiting
    assert ancestors(reviewed, "acme/mix") == before == ["acme/base", "acme/pair", "acme/root", "acme/synth"]
    assert ask(reviewed, "ASK { ?t prov:qualifiedDerivation $edge . $edge a lk:LineageDerivation }", edge=edge)
    assert edge not in {c.edge for c in pending_claims(reviewed)}


# --- rejecting ---------------------------------------------------------------------------------

def test_reject_takes_the_claim_out_of_the_lineage(reviewed: OxigraphStore) -> None:
    edge = edge_iri("acme/mix", "acme/base", "includedFrom")
    mix, base = hub("acme/mix"), hub("acme/base")
    outcome = decide(reviewed, Decision(edge, False, "bob", at="2025-06-02T10:00:00Z"))
    assert outcome.status == "Rejected"
    assert set(outcome.edges_removed) == {"http://www.w3.org/ns/prov#wasDerivedFrom",
                                          "https://w3id.org/lineagekg/ns#includedFrom"}
    assert statuses(reviewed, edge) == [("Rejected", outcome.graph)]
    # the plain and typed edges are gone, so every analysis stops seeing acme/base (and its root)
    assert not ask(reviewed, "ASK { $mix ?p $base }", mix=mix, base=base)
    assert ancestors(reviewed, "acme/mix") == ["acme/pair", "acme/synth"]
    assert [r.id for r in Lineage(reviewed).descendants("acme/root")] == ["acme/base"]
    # in PROV the qualified form asserts the edge: the rejected claim is no longer one ...
    assert not ask(reviewed, "ASK { { ?t prov:qualifiedDerivation $edge } UNION { $edge a prov:Derivation } }",
                   edge=edge)
    # ... but stays as an unasserted statement, with its evidence and the run that made it
    rows = sparql(reviewed, """SELECT ?s ?p ?o ?ev ?run WHERE { $edge a rdf:Statement ; rdf:subject ?s ;
        rdf:predicate ?p ; rdf:object ?o ; lk:evidence ?ev ; lk:foundBy ?run }""", edge=edge)
    assert [(r["s"], r["p"], r["o"], r["ev"]) for r in rows] == [
        (mix, "https://w3id.org/lineagekg/ns#includedFrom", base, "acme/mix uses acme/base.")]
    # counted nowhere as lineage: relation counts and derivations drop by one
    stats = Lineage(reviewed).statistics()
    assert stats.counts.derivations == 4 and stats.counts.edges == 3


def test_reject_keeps_the_edges_another_claim_of_the_graph_still_asserts(reviewed: OxigraphStore) -> None:
    mix, pair = hub("acme/mix"), hub("acme/pair")
    filtered = edge_iri("acme/mix", "acme/pair", "filteredFrom")
    included = edge_iri("acme/mix", "acme/pair", "includedFrom")
    typed = "SELECT ?x WHERE { $mix ?x $pair }"
    first = decide(reviewed, Decision(filtered, False, "bob"))
    # filteredFrom sits under includedFrom: the live includedFrom claim keeps the plain edge and
    # lk:includedFrom; only lk:filteredFrom leaves
    assert first.edges_removed == ("https://w3id.org/lineagekg/ns#filteredFrom",)
    assert sorted(r["x"] for r in sparql(reviewed, typed, mix=mix, pair=pair)) == [
        "http://www.w3.org/ns/prov#wasDerivedFrom", "https://w3id.org/lineagekg/ns#includedFrom"]
    assert "acme/pair" in ancestors(reviewed, "acme/mix")
    decide(reviewed, Decision(included, False, "bob"))
    assert sparql(reviewed, typed, mix=mix, pair=pair) == []
    assert "acme/pair" not in ancestors(reviewed, "acme/mix")


# --- what cannot be decided --------------------------------------------------------------------

def test_bad_decisions_are_refused_and_write_nothing(reviewed: OxigraphStore) -> None:
    edge = edge_iri("acme/mix", "acme/base", "includedFrom")
    decide(reviewed, Decision(edge, False, "Ada", at="2025-06-02T10:00:00Z"))
    size, graphs = len(reviewed), reviewed.named_graphs()
    with pytest.raises(AlreadyDecidedError, match="already decided: Rejected by Ada at 2025-06-02T10:00:00Z"):
        decide(reviewed, Decision(edge, True, "bob"))
    with pytest.raises(AlreadyDecidedError):
        decide(reviewed, Decision(edge[-16:], False, "bob"))
    with pytest.raises(UnknownClaimError, match="no claim 'ffffffffffff'"):
        decide(reviewed, Decision("ffffffffffff", True, "bob"))
    with pytest.raises(UnknownClaimError):
        decide(reviewed, Decision("https://example.org/not-a-claim", True, "bob"))
    unreviewed = edge_iri("acme/mix", "acme/synth", "generatedFrom")
    with pytest.raises(ClaimNotPendingError, match="Unreviewed"):
        decide(reviewed, Decision(unreviewed, False, "bob"))
    assert len(reviewed) == size and reviewed.named_graphs() == graphs
    assert "acme/synth" in ancestors(reviewed, "acme/mix")


def test_a_short_id_must_name_one_claim(store: OxigraphStore) -> None:
    # 17 claims: two of them share their first hex digit (pigeonhole)
    write_batch(store, GRAPH, [claim("acme/mix", f"acme/s{i}", "includedFrom", 0.5, "PendingReview")
                               for i in range(17)])
    edges = [c.edge for c in pending_claims(store)]
    first = {e: e[len(iris.ID_BASE + "derivation/")] for e in edges}
    shared = next(d for d in first.values() if list(first.values()).count(d) > 1)
    with pytest.raises(AmbiguousClaimError, match=f"short id '{shared}' matches"):
        resolve_edge(store, shared)
    assert resolve_edge(store, edges[0][-16:]) == edges[0]
    assert resolve_edge(store, edges[0]) == edges[0]


def test_a_decision_that_fails_shacl_writes_nothing(store: OxigraphStore) -> None:
    """A pending claim written without validation lacks its document; accepting it would leave an
    invalid derivation, so the decision is refused whole."""
    broken = Derivation("acme/mix", "acme/base", "includedFrom", 0.5, "acme/mix uses acme/base.",
                        review_status="PendingReview")
    write_batch(store, GRAPH, [broken], validate=False)
    edge = edge_iri("acme/mix", "acme/base", "includedFrom")
    size = len(store)
    with pytest.raises(ShapeValidationError, match="evidenceDocument"):
        decide(store, Decision(edge, True, "bob"))
    assert len(store) == size and statuses(store, edge) == [("PendingReview", GRAPH)]


def test_replace_quads_is_all_or_nothing(store: OxigraphStore) -> None:
    """The store method behind a decision: a quad to remove that is not there aborts the whole change."""
    write_batch(store, GRAPH, [claim("acme/mix", "acme/base", "includedFrom", 0.6, "PendingReview")])
    g = NamedNode(iris.graph_iri("review", "x"))
    add = [Quad(NamedNode("https://example.org/a"), NamedNode("https://example.org/p"),
                NamedNode("https://example.org/b"), g)]
    absent = Quad(NamedNode("https://example.org/a"), NamedNode("https://example.org/p"), NamedNode("https://example.org/c"),
                  NamedNode(GRAPH))
    size = len(store)
    with pytest.raises(Exception, match="not in the store"):
        store.replace_quads(g.value, add, [absent])
    assert len(store) == size and not store.has_graph(g.value)


def test_the_reviewer_defaults_to_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "carol")
    assert default_reviewer() == "carol"


# --- end to end: trace the shipped corpus, review through the command ---------------------------

def test_review_command_on_a_traced_claim(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Code Alpaca's README says it 'modified seed tasks' of the Stanford Alpaca pipeline: the tracer
    claims seededFrom tatsu-lab/alpaca at 0.6, below the review threshold. A reviewer rejects it."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("USER", "dave")
    store = str(tmp_path / "store")
    assert main(["trace", "sahil280114/codealpaca", "--corpus", str(CORPUS), "--depth", "1", "--store", store,
                 "--backend", "heuristic"]) == 0     # the rule-based backend makes this low-confidence claim
    capsys.readouterr()
    assert main(["review", "--store", store, "--format", "json"]) == 0
    pending = json.loads(capsys.readouterr().out)["pending"]
    assert [(c["target"], c["source"], c["relation"]) for c in pending] == [
        ("sahil280114/codealpaca", "tatsu-lab/alpaca", "seededFrom")]
    assert pending[0]["evidence"] == "Modified seed tasks to only be related to code generation."
    assert main(["review", "--store", store]) == 0
    assert pending[0]["short_id"] in capsys.readouterr().out
    assert main(["review", "reject", pending[0]["short_id"][:10], "--note", "pipeline, not data",
                 "--store", store, "--format", "json"]) == 0
    decided = json.loads(capsys.readouterr().out)
    assert decided["status"] == "Rejected" and decided["reviewer"] == "dave"
    assert main(["review", "reject", pending[0]["short_id"], "--by", "erin", "--store", store]) == 3
    assert "already decided: Rejected by dave" in capsys.readouterr().err
    assert main(["review", "accept", "0000", "--by", "erin", "--store", store]) == 3
    assert main(["review", "--store", store, "reject", pending[0]["short_id"], "--by", "erin"]) == 3  # group option
    assert "already decided" in capsys.readouterr().err
    assert main(["ancestors", "sahil280114/codealpaca", "--store", store, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == []
    with open_store(tmp_path / "store") as st:
        rows = sparql(st, """SELECT ?who ?note WHERE { ?d a lk:ReviewDecision ; lk:reviewedClaim $edge ;
            prov:wasAssociatedWith/rdfs:label ?who ; rdfs:comment ?note }""", edge=pending[0]["edge"])
    assert rows == [{"who": "dave", "note": "pipeline, not data"}]
