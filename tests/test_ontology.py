"""The ontology (ontology/lineage.ttl): its header, its sync with the generated vocab.py and the
shapes, its labels, and what a DL reasoner (HermiT, through owlready2) makes of it."""

from __future__ import annotations

import io
import os
import shutil
import types
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from lineagekg import taxonomy, vocab_gen
from lineagekg.resources import ontology_graph, ontology_path, shapes_graph
from lineagekg.vocab import LK

NS = "https://w3id.org/lineagekg/ns#"
ONTOLOGY_IRI = URIRef("https://w3id.org/lineagekg/ns")
SHAPES_FIXTURES = Path(__file__).parent / "data" / "shapes"
_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _parsed() -> Graph:
    """A fresh parse of the file on disk (not the cached graph the package uses)."""
    return Graph().parse(ontology_path(), format="turtle")


def _lk(graph: Graph, rdf_type: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, rdf_type) if isinstance(s, URIRef) and s.startswith(NS)}


# ---------------------------------------------------------------- header and vocab sync

def test_ontology_has_exactly_one_versioned_header() -> None:
    """The file parses and declares exactly one owl:Ontology, with an owl:versionIRI that ends
    in its owl:versionInfo."""
    g = _parsed()
    assert len(g) > 300
    assert list(g.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY_IRI]
    version_iris = list(g.objects(ONTOLOGY_IRI, OWL.versionIRI))
    assert len(version_iris) == 1 and isinstance(version_iris[0], URIRef)
    info = g.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert isinstance(info, Literal)
    assert str(version_iris[0]) == f"{ONTOLOGY_IRI}/{info}"


def test_vocab_names_equal_the_ontology_terms() -> None:
    """The closed namespace LK has exactly the local names the ontology declares."""
    names = set(LK.__annotations__)
    assert names == set(vocab_gen.ontology_terms(_parsed()))
    assert {"Dataset", "LineageDerivation", "seededFrom"} <= names and "wasDerivedFrom" not in names


def test_vocab_file_is_what_the_generator_writes() -> None:
    """src/lineagekg/vocab.py is byte for byte the generator's output for the ontology on disk
    (run `python -m lineagekg.vocab_gen` after editing the ontology)."""
    expected = vocab_gen.render(vocab_gen.ontology_terms(_parsed()))
    assert vocab_gen.target_path().read_text(encoding="utf-8") == expected


def test_terms_file_is_what_the_generator_writes() -> None:
    """src/lineagekg/terms.py (the pyoxigraph-side constants) is the generator's output for the
    ontology and rdflib's W3C namespaces, and it is closed: a misspelt term is an error."""
    from lineagekg import terms

    expected = vocab_gen.render_terms(vocab_gen.ontology_terms(_parsed()))
    assert vocab_gen.terms_path().read_text(encoding="utf-8") == expected
    assert terms.LK.Dataset.value == str(LK.Dataset) and terms.PROV.wasDerivedFrom.value.endswith("#wasDerivedFrom")
    with pytest.raises(AttributeError):
        terms.PROV.wasDerivedFrm  # noqa: B018 -- the attribute access is the test


def test_misspelt_term_raises_attribute_error() -> None:
    """LK is closed: a known term is its IRI, a misspelt one raises AttributeError."""
    assert LK.Dataset == URIRef(NS + "Dataset")
    assert LK.filteredFrom == URIRef(NS + "filteredFrom")
    with pytest.raises(AttributeError):
        LK.Datset  # noqa: B018 -- the attribute access is the test
    with pytest.raises(AttributeError):
        LK.filteredfrom  # noqa: B018


def test_every_lk_iri_the_ontology_uses_is_declared() -> None:
    """No lk: IRI appears in the ontology (as predicate or object) without being declared as a
    subject there: a typo in a domain, range or type would otherwise mint a silent new term."""
    g = _parsed()
    declared = {URIRef(NS + n) for n in vocab_gen.ontology_terms(g)}
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and t.startswith(NS)}
    assert sorted(used - declared) == []


def test_every_lk_iri_the_shapes_use_is_an_ontology_term() -> None:
    """The shapes name only terms the ontology declares (a misspelt class in sh:class or
    sh:targetClass would make a constraint vacuous)."""
    declared = {URIRef(NS + n) for n in vocab_gen.ontology_terms(_parsed())}
    used = {t for triple in shapes_graph() for t in triple if isinstance(t, URIRef) and t.startswith(NS)}
    assert len(used) > 40
    assert sorted(used - declared) == []


# ---------------------------------------------------------------- labels

def test_every_class_and_property_has_an_english_label() -> None:
    """Each lk: class and property has an rdfs:label in English."""
    g = _parsed()
    terms = _lk(g, OWL.Class).union(*(_lk(g, t) for t in _PROPERTY_TYPES))
    assert len(terms) > 60
    unlabelled = sorted(t for t in terms
                        if not any(isinstance(label, Literal) and label.language == "en"
                                   for label in g.objects(t, RDFS.label)))
    assert unlabelled == []


def test_every_concept_has_a_label_and_its_scheme() -> None:
    """Each concept of the four schemes (domains, review statuses, terminal reasons, origins)
    has a skos:prefLabel and is skos:inScheme the scheme of its class."""
    g = _parsed()
    schemes = {LK.Domain: LK.DomainScheme, LK.ReviewStatus: LK.ReviewStatusScheme,
               LK.TerminalReason: LK.TerminalReasonScheme, LK.Origin: LK.OriginScheme}
    counts = {}
    for cls, scheme in schemes.items():
        members = set(g.subjects(RDF.type, cls))
        counts[str(cls)[len(NS):]] = len(members)
        for concept in members:
            assert g.value(concept, SKOS.prefLabel) is not None, concept
            assert list(g.objects(concept, SKOS.inScheme)) == [scheme], concept
    assert counts == {"Domain": 9, "ReviewStatus": 4, "TerminalReason": 4, "Origin": 3}


def test_every_lineage_relation_has_a_paper_or_fine_label() -> None:
    """Each property under prov:wasDerivedFrom has lk:paperLabel or lk:fineLabel; exactly the
    five direct sub-properties carry the paper's labels; no label is used twice; the set is
    the taxonomy's."""
    g = _parsed()
    rows = g.query("""
        SELECT ?p WHERE { ?p rdfs:subPropertyOf+ prov:wasDerivedFrom }""",
        initNs={"rdfs": RDFS, "prov": PROV})
    relations = {row.p for row in rows}
    assert len(relations) == 16
    assert {str(p) for p in relations} == {r.iri for r in taxonomy.relations().values()}
    without = sorted(p for p in relations
                     if g.value(p, LK.paperLabel) is None and g.value(p, LK.fineLabel) is None)
    assert without == []
    direct = set(g.subjects(RDFS.subPropertyOf, PROV.wasDerivedFrom))
    assert {p for p in relations if g.value(p, LK.paperLabel) is not None} == direct
    assert {str(p)[len(NS):] for p in direct} == {
        "includedFrom", "fusedFrom", "generatedFrom", "evolvedFrom", "distilledFrom"}
    labels = [str(o) for p in relations for o in (*g.objects(p, LK.paperLabel), *g.objects(p, LK.fineLabel))]
    assert len(labels) == len(set(labels))


# ---------------------------------------------------------------- reasoner (HermiT via owlready2)

owlready2.JAVA_EXE = os.environ.get("JAVA_EXE") or shutil.which("java") or "java"
TEST_NS = "http://example.org/lineagekg-test#"


def _world(extra: Graph | None = None) -> owlready2.World:
    """A fresh owlready2 world holding the ontology with the official PROV-O (ontology/prov-o.ttl,
    unchanged: lineage.ttl does not redeclare PROV terms) and ``extra``, given as N-Triples
    because owlready2 cannot read Turtle."""
    graph = Graph()
    graph += ontology_graph()
    graph.parse(ontology_path().parent / "prov-o.ttl", format="turtle")
    if extra is not None:
        graph += extra
    world = owlready2.World()
    data = graph.serialize(format="nt", encoding="utf-8")
    world.get_ontology(str(ONTOLOGY_IRI)).load(fileobj=io.BytesIO(data), format="ntriples")
    return world


def _reason(world: owlready2.World) -> None:
    # HermiT knows only the OWL 2 datatype map; xsd:gYear (lk:hubYear, dcterms:issued) is not
    # in it, so it is ignored instead of aborting the run.
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                   ignore_unsupported_datatypes=True)


def _fixture_data(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        ds = Dataset()
        ds.parse(SHAPES_FIXTURES / "valid" / name, format="trig")
        for g in ds.graphs():
            graph += g
    return graph


@pytest.mark.reasoner
def test_reasoner_entails_the_super_relations_of_a_fine_relation() -> None:
    """HermiT finds the ontology consistent with no unsatisfiable class, and entails, for
    A filteredFrom B, C translatedFrom D, E seededFrom F: prov:wasDerivedFrom for each pair,
    lk:includedFrom, lk:evolvedFrom and lk:generatedFrom respectively -- and nothing in the other
    direction or under a sibling relation.

    owlready2's infer_property_values does not help here (HermiT's -Y lists only a property's
    own assertions, not those of its sub-properties; Pellet in owlready2 needs a newer Java), so
    each question "does s p o hold?" is a class equivalent to (p value o) and the reasoner is
    asked whether s is an instance of it.
    """
    world = _world()
    prop = lambda iri: world[iri]  # noqa: E731
    dataset = world[NS + "Dataset"]
    assert dataset is not None and prop(NS + "seededFrom") is not None
    test = world.get_ontology(TEST_NS)
    with test:
        ind = {n: dataset(n) for n in "ABCDEF"}
        prop(NS + "filteredFrom")[ind["A"]].append(ind["B"])
        prop(NS + "translatedFrom")[ind["C"]].append(ind["D"])
        prop(NS + "seededFrom")[ind["E"]].append(ind["F"])
        derived, plain = str(PROV.wasDerivedFrom), NS
        entailed = {("A", derived, "B"), ("A", plain + "includedFrom", "B"),
                    ("C", derived, "D"), ("C", plain + "evolvedFrom", "D"),
                    ("E", derived, "F"), ("E", plain + "generatedFrom", "F")}
        not_entailed = {("B", derived, "A"), ("A", plain + "evolvedFrom", "B"),
                        ("C", plain + "includedFrom", "D"), ("E", plain + "distilledFrom", "F"),
                        ("A", derived, "D"), ("C", plain + "translatedFrom", "F")}
        questions = {}
        for s, p, o in entailed | not_entailed:
            question = types.new_class(f"Q_{s}_{p.rsplit('#', 1)[1]}_{o}", (owlready2.Thing,))
            question.equivalent_to = [prop(p).value(ind[o])]
            questions[(s, p, o)] = question

    def holds() -> set[tuple[str, str, str]]:
        return {k for k, q in questions.items() if ind[k[0]] in q.instances()}

    assert holds() == set()  # nothing before reasoning: the answers below are HermiT's
    _reason(world)  # raises OwlReadyInconsistentOntologyError if inconsistent
    assert list(world.inconsistent_classes()) == []
    assert holds() == entailed
    # the relation hierarchy itself survives classification
    assert prop(str(PROV.wasDerivedFrom)) in prop(NS + "preferenceLabelledFrom").ancestors()


@pytest.mark.reasoner
@pytest.mark.parametrize(("first", "second"), [
    pytest.param(NS + "Dataset", NS + "Document", id="dataset-and-document"),
    pytest.param(NS + "TracingRun", NS + "Benchmark", id="agent-run-and-entity"),
])
def test_reasoner_rejects_an_individual_of_disjoint_classes(first: str, second: str) -> None:
    """lk:Document is disjoint with lk:Dataset, and lk:AgentRun with prov:Entity: an individual
    typed with both sides (here through subclasses) makes the ontology inconsistent."""
    world = _world()
    with world.get_ontology(TEST_NS):
        both = world[first]("both")
        both.is_a.append(world[second])
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(world)


@pytest.mark.reasoner
def test_reasoner_finds_the_valid_shape_fixtures_consistent() -> None:
    """The data of every valid SHACL fixture (what the project writes, and the project's own
    output for the paper JSONL sample), read with the ontology, is consistent: domains, ranges
    and disjointness agree with the data."""
    names = sorted(p.name for p in (SHAPES_FIXTURES / "valid").glob("*.trig"))
    assert len(names) >= 4
    data = _fixture_data(*names)
    world = _world(data)
    _reason(world)  # raises OwlReadyInconsistentOntologyError if inconsistent
    derivation = world[NS + "LineageDerivation"]
    assert len(list(derivation.instances())) >= 25
