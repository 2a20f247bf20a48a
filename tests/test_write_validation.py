"""Validated writes at scale: the shapes compiled into set-based checks (``shape_checks``) and
the chunked validation of a delta against the store (``validation.validate_delta``), both proven
equal to pySHACL on the whole graph, on every fixture of tests/data/shapes and on random batches.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_shapes import _blank_labels, _fixture_files, _key, _load

from lineagekg.interop import paper_jsonl
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.model import AgentRun
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.store import Delta, open_store
from lineagekg.validation import ShapeReport, read_predicates, validate, validate_delta

LINEAGE = Path(__file__).parent / "data" / "lineage"
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
CONFIDENCE = ox.NamedNode("https://w3id.org/lineagekg/ns#confidence")
GRAPH = ox.NamedNode("https://example.org/graph/a")


def _keys(report: ShapeReport) -> Counter:
    blanks = _blank_labels(report.graph)
    return Counter(_key(r, blanks) for r in report.results)


def _fixture_quads(path: Path) -> list[ox.Quad]:
    data, _ = _load(path)
    triples = ox.parse(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return [ox.Quad(t.subject, t.predicate, t.object, GRAPH) for t in triples]


def _whole(quads: list[ox.Quad]) -> ShapeReport:
    """pySHACL on the union of ``quads`` (the reference)."""
    return validate([q.triple for q in quads], engine="pyshacl")


def _store_with(quads: list[ox.Quad]):
    store = open_store(memory=True)
    if quads:
        store.bulk_load(quads)
    return store


@pytest.mark.parametrize("path", [pytest.param(p, id=f"{p.parent.name}/{p.name}")
                                  for kind in ("valid", "invalid") for p in _fixture_files(kind)])
def test_compiled_checks_and_chunked_delta_equal_pyshacl_on_every_fixture(path: Path) -> None:
    """On each fixture: the compiled shapes give exactly pySHACL's results, and so does the
    write path's validation of the fixture as one delta into an empty store, two nodes a chunk."""
    quads = _fixture_quads(path)
    reference = _keys(_whole(quads))
    assert _keys(validate([q.triple for q in quads])) == reference
    store = _store_with([])
    delta = validate_delta(store._store, Delta(added=quads, created={GRAPH}))
    assert _keys(delta) == reference


def _small_quads() -> list[ox.Quad]:
    parsed = paper_jsonl.read(LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl")
    run = AgentRun(iri="https://example.org/run/1", kind="ImportRun", agent_iri="https://example.org/agent",
                   agent_label="test import", started_at="2025-01-01T00:00:00Z", ended_at="2025-01-01T00:00:01Z")
    batch = LineageBatch(graph=GRAPH.value, datasets=tuple(parsed.datasets),
                         derivations=tuple(parsed.derivations), run=run)
    return batch_quads(batch, extra_documents=parsed.documents)


def _mutate(quads: list[ox.Quad], rng: random.Random) -> list[ox.Quad]:
    """``quads`` with a few random defects: quads dropped, edges reversed (cycles), second
    identifiers, confidences out of range, typed edges without their plain edge."""
    out = list(quads)
    edges = [q for q in out if q.predicate == DERIVED]
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["drop", "reverse", "identifier", "confidence", "plain"])
        if kind == "drop":
            out.pop(rng.randrange(len(out)))
        elif kind == "reverse" and edges:
            e = rng.choice(edges)
            out.append(ox.Quad(e.object, DERIVED, e.subject, GRAPH))
        elif kind == "identifier":
            q = rng.choice([q for q in out if q.predicate == IDENTIFIER])
            out.append(ox.Quad(q.subject, IDENTIFIER, ox.Literal(q.object.value + "-again"), GRAPH))
        elif kind == "confidence":
            q = rng.choice([q for q in out if q.predicate == CONFIDENCE])
            out.append(ox.Quad(q.subject, CONFIDENCE, ox.Literal("1.5", datatype=q.object.datatype), GRAPH))
        elif kind == "plain" and edges:
            e = rng.choice(edges)
            out.remove(e)
            edges.remove(e)
    return list(dict.fromkeys(out))


@pytest.mark.parametrize("seed", range(12))
def test_a_delta_on_a_store_finds_what_pyshacl_finds_on_the_whole(seed: int) -> None:
    """Random batches (the small lineage graph with random defects) split at random into what
    the store holds and what a write adds or removes: the write's report holds every result
    pySHACL gives on the store after the write that it does not give on the store before, and
    nothing pySHACL does not give after."""
    rng = random.Random(seed)
    everything = _mutate(_small_quads(), rng)
    rng.shuffle(everything)
    cut = rng.randrange(len(everything) + 1)
    if seed % 3 == 2:                   # a removal: the store holds all, the write drops some
        before, delta = everything, Delta(removed=everything[cut:])
        after = everything[:cut]
    else:
        before, delta = everything[:cut], Delta(added=everything[cut:])
        after = everything
    store = _store_with(before)
    got = _keys(validate_delta(store._store, delta))
    want_after, want_before = _keys(_whole(after)), _keys(_whole(before))
    new = set(want_after) - set(want_before)
    assert new <= set(got), f"missed: {sorted(new - set(got), key=str)}"
    assert set(got) <= set(want_after), f"not in the whole graph: {sorted(set(got) - set(want_after), key=str)}"


class _ThroughQueries:
    """An embedded store read as a store behind a SPARQL server is read: not an ``ox.Store``, so
    the validation looks up stored quads with ``VALUES``-batched queries, not the store's indexes."""

    def __init__(self, store: ox.Store) -> None:
        self.query, self.quads_for_pattern, self.named_graphs = store.query, store.quads_for_pattern, store.named_graphs


@pytest.mark.parametrize("seed", range(0, 12, 2))
def test_index_lookups_and_batched_queries_read_the_same_context(seed: int) -> None:
    """The embedded store's stored quads are read from its indexes, a server's with batched
    queries: on the same random store and write, both give the same report."""
    rng = random.Random(seed)
    everything = _mutate(_small_quads(), rng)
    rng.shuffle(everything)
    cut = rng.randrange(len(everything) // 4, len(everything) + 1)
    store = _store_with(everything[:cut])
    delta = Delta(added=everything[cut:]) if seed % 4 else Delta(removed=everything[cut // 2:cut])
    direct, batched = validate_delta(store._store, delta), validate_delta(_ThroughQueries(store._store), delta)
    assert _keys(direct) == _keys(batched)
    assert direct.results or seed % 4, "the removal should leave something to report"


def test_a_cycle_through_the_store_is_found_from_the_delta_alone() -> None:
    """A chain a -> b -> c in the store and the write adding c -> a: every edge of the cycle is a
    result (the acyclicity check reaches into the store), and a store without the back edge
    stays clean."""
    ds = "https://w3id.org/lineagekg/ns#Dataset"

    def dataset(name: str) -> list[ox.Quad]:
        node = ox.NamedNode(f"https://example.org/{name}")
        return [ox.Quad(node, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(ds), GRAPH),
                ox.Quad(node, IDENTIFIER, ox.Literal(name), GRAPH),
                ox.Quad(node, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(name), GRAPH)]

    a, b, c = (ox.NamedNode(f"https://example.org/{n}") for n in "abc")
    chain = [*dataset("a"), *dataset("b"), *dataset("c"), ox.Quad(a, DERIVED, b, GRAPH), ox.Quad(b, DERIVED, c, GRAPH)]
    store = _store_with(chain)
    report = validate_delta(store._store, Delta(added=[ox.Quad(c, DERIVED, a, GRAPH)]))
    cycle = {(r.focus_node, r.value) for r in report.violations if r.source_shape.endswith("#DatasetShape")}
    assert cycle == {(a.value, b.value), (b.value, c.value), (c.value, a.value)}
    assert _keys(report) == _keys(_whole([*chain, ox.Quad(c, DERIVED, a, GRAPH)]))
    clean = validate_delta(store._store, Delta(added=[ox.Quad(a, DERIVED, c, GRAPH)]))
    assert clean.conforms and not clean.results


def test_a_second_identifier_in_another_graph_is_found_by_lookup(small_store) -> None:
    """One identifier per dataset: a write giving a stored dataset a second identifier, in a
    graph of its own, is rejected (the stored identifier is looked up, not re-read in bulk)."""
    dataset = next(q.subject for q in small_store.quads() if q.predicate == IDENTIFIER
                   and q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH))
    size = len(small_store)
    outcome = small_store.import_quads(
        [ox.Quad(dataset, IDENTIFIER, ox.Literal("another/name"), ox.NamedNode("https://example.org/g2"))],
        "https://example.org/g2")
    assert not outcome.accepted
    assert {(r.focus_node, r.constraint) for r in outcome.report.violations} == {
        (dataset.value, "MaxCountConstraintComponent")}
    assert len(small_store) == size


@pytest.mark.parametrize("name", ["LineageDerivation-evidence-empty.trig", "Dataset-identifier-twice.trig"])
def test_shapes_the_checks_do_not_compile_fall_back_to_pyshacl(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shapes using something ``shape_checks`` does not compile are validated by pySHACL, chunk
    by chunk, with the same results."""
    from lineagekg import shape_checks

    def unsupported() -> None:
        raise shape_checks.Unsupported("a shape this test pretends is not compiled")

    path = Path(__file__).parent / "data" / "shapes" / "invalid" / name
    quads = _fixture_quads(path)
    reference = _keys(_whole(quads))
    monkeypatch.setattr(shape_checks, "project_shapes", unsupported)
    report = validate_delta(_store_with([])._store, Delta(added=quads, created={GRAPH}))
    assert _keys(report) == reference and reference


def test_what_the_shapes_read_of_a_node_and_of_its_neighbours() -> None:
    """``read_predicates``, taken from the compiled shapes: a neighbour's types, dates, lineage
    edges and the run that found a derivation are read across an edge; a bundle's
    ``lk:describes`` is read by no shape at all, so a write adding only those widens nothing."""
    own, across = read_predicates()
    names = {p.value for p in across}
    assert {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://purl.org/dc/terms/issued",
            DERIVED.value, "https://w3id.org/lineagekg/ns#evolvedFrom", "https://w3id.org/lineagekg/ns#foundBy",
            "http://www.w3.org/ns/prov#qualifiedDerivation"} <= names
    assert "https://w3id.org/lineagekg/ns#describes" not in names | {p.value for p in own}
    assert {IDENTIFIER.value, CONFIDENCE.value, "http://www.w3.org/ns/prov#hadPrimarySource"} <= {p.value for p in own}
    assert across <= own


def test_a_stored_source_given_a_later_date_warns_on_its_stored_target(small_store) -> None:
    """A change to a stored node that a neighbour's constraint reads (the source's
    ``dcterms:issued``, read by the date-order warning on what derives from it) re-checks that
    neighbour, though the write names only the source; the report equals pySHACL's on the whole
    graph after the write, less what it gives before."""
    issued = ox.NamedNode("http://purl.org/dc/terms/issued")
    quads = [q for q in small_store.quads() if q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH)]
    dated = {q.subject for q in quads if q.predicate == issued}
    edge = next(q for q in quads if q.predicate == DERIVED and q.subject in dated and q.object in dated)
    before = [q for q in quads if not (q.subject == edge.object and q.predicate == issued)]   # source undated
    store = _store_with(before)
    later = ox.Quad(edge.object, issued, ox.Literal("2099", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#gYear")), ox.NamedNode("https://example.org/g3"))
    report = validate_delta(store._store, Delta(added=[later]))
    new = set(_keys(_whole([*before, later]))) - set(_keys(_whole(before)))
    assert (edge.subject.value, DERIVED.value, edge.object.value, "Warning") in {k[:4] for k in new}
    assert new <= set(_keys(report))
    assert any(r.focus_node == edge.subject.value and "dated after" in r.message for r in report.warnings)


def test_a_first_import_checks_an_ontology_term_it_describes() -> None:
    """Into an empty store every node of the scratch store is checked; the ontology's own terms
    are left out of the report unless the delta describes them: here it types the class
    ``lk:Dataset`` itself as a dataset without an identifier, which pySHACL reports too."""
    term = ox.NamedNode("https://w3id.org/lineagekg/ns#Dataset")
    quads = [ox.Quad(term, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), term, GRAPH)]
    reference = _keys(_whole(quads))
    assert any(key[0] == term.value for key in reference)          # the reference does flag it
    report = validate_delta(_store_with([])._store, Delta(added=quads, created={GRAPH}))
    assert _keys(report) == reference
    assert not report.conforms


@pytest.mark.parametrize("path", [pytest.param(p, id=f"{p.parent.name}/{p.name}")
                                  for p in _fixture_files("invalid")[::7]])
def test_checks_spread_over_processes_give_the_same_report(path: Path) -> None:
    """A large write checks its shapes in forked processes: the report (every result, in order)
    is the one a single process gives."""
    quads = _fixture_quads(path)
    one = validate_delta(_store_with([])._store, Delta(added=quads, created={GRAPH}), processes=1)
    three = validate_delta(_store_with([])._store, Delta(added=quads, created={GRAPH}), processes=3)
    assert [r.as_dict() for r in three.results] == [r.as_dict() for r in one.results]
    assert one.results, "an invalid fixture has results"
