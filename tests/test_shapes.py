"""The SHACL shapes (shapes/lineage.shacl.ttl): fixture graphs, the shapes graph itself, and its
agreement with the ontology.

Fixtures live in tests/data/shapes/{valid,invalid}/ (see the README there): each invalid file
carries the exact SHACL results it must produce, as an sh:ValidationReport in the named graph
<urn:lineagekg:test:expected>.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import RDF, BNode, Dataset, Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from lineagekg import taxonomy
from lineagekg.resources import shapes_graph
from lineagekg.validation import ShapeResult, validate
from lineagekg.vocab import LK

FIXTURES = Path(__file__).parent / "data" / "shapes"
EXPECTED_GRAPH = URIRef("urn:lineagekg:test:expected")
LKS = "https://w3id.org/lineagekg/shapes#"

# The suite must not shrink silently: raise these when adding fixtures, never lower them.
MIN_VALID = 6
MIN_INVALID = 125

# (focus, path, value, severity, source shape, constraint component), all as text; the path of a
# result whose sh:resultPath is not an IRI is "(complex path)", as lineagekg.validation reports it.
# Blank node labels do not survive validation (the data is copied into a store), so any blank
# node, expected or actual, is compared as BLANK.
Key = tuple[str, "str | None", "str | None", str, str, str]
BLANK = "_:blank"


def _fixture_files(kind: str) -> list[Path]:
    folder = FIXTURES / kind
    return sorted([*folder.glob("*.trig"), *folder.glob("*.ttl")])


def _params(kind: str) -> list:
    return [pytest.param(p, id=str(p.relative_to(FIXTURES))) for p in _fixture_files(kind)]


def _load(path: Path) -> tuple[Graph, Graph | None]:
    """The fixture's data (every graph but the expected one, as one union graph) and its expected
    report graph (None when the file has none)."""
    ds = Dataset()
    ds.parse(path, format="trig" if path.suffix == ".trig" else "turtle")
    data, expected = Graph(), None
    for graph in ds.graphs():
        if graph.identifier == EXPECTED_GRAPH:
            expected = Graph()
            expected += graph
        else:
            data += graph
    return data, expected


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def _blank_labels(results_graph: Graph) -> set[str]:
    """The labels of the blank nodes that results name as focus node or value."""
    return {str(node) for prop in (SH.focusNode, SH.value)
            for node in results_graph.objects(None, prop) if isinstance(node, BNode)}


def _key(result: ShapeResult, blanks: set[str]) -> Key:
    def term(text: str | None) -> str | None:
        return BLANK if text in blanks else text

    return (term(result.focus_node), result.path, term(result.value), result.severity.value,
            result.source_shape, result.constraint)


def _term(node) -> str | None:
    return None if node is None else BLANK if isinstance(node, BNode) else str(node)


def _expected(report_graph: Graph) -> tuple[bool, Counter[Key]]:
    reports = list(report_graph.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1, "the expected graph holds exactly one sh:ValidationReport"
    report = reports[0]
    conforms = report_graph.value(report, SH.conforms)
    assert isinstance(conforms, Literal), "the expected report states sh:conforms"
    keys: Counter[Key] = Counter()
    for result in report_graph.objects(report, SH.result):
        def one(prop: URIRef, required: bool = True, result: Node = result) -> Node | None:
            values = list(report_graph.objects(result, prop))
            assert len(values) <= 1 and (values or not required), f"expected result needs one {prop}"
            return values[0] if values else None

        path, value = one(SH.resultPath, required=False), one(SH.value, required=False)
        keys[(_term(one(SH.focusNode)),
              None if path is None else str(path) if isinstance(path, URIRef) else "(complex path)",
              _term(value),
              _local(str(one(SH.resultSeverity))),
              str(one(SH.sourceShape)),
              _local(str(one(SH.sourceConstraintComponent))))] += 1
    return bool(conforms.toPython()), keys


def _describe(keys) -> str:
    return "\n".join(f"  {k}" for k in sorted(keys, key=str)) or "  (none)"


@pytest.mark.parametrize("path", _params("valid"))
def test_valid_fixture_conforms_without_results(path: Path) -> None:
    """A valid fixture has no expected report, conforms, and yields no result at all."""
    data, expected = _load(path)
    assert expected is None, "valid fixtures carry no expected report (put warnings in invalid/)"
    assert len(data) > 0
    report = validate(data)
    assert [r.describe() for r in report.results] == []
    assert report.conforms is True


@pytest.mark.parametrize("path", _params("invalid"))
def test_invalid_fixture_gives_exactly_the_expected_results(path: Path) -> None:
    """An invalid fixture yields exactly the results its expected report lists, and conforms
    exactly when none of them is a violation."""
    data, expected_graph = _load(path)
    assert expected_graph is not None, "an invalid fixture needs its <urn:lineagekg:test:expected> graph"
    expected_conforms, expected = _expected(expected_graph)
    assert expected, "an invalid fixture expects at least one result"
    assert expected_conforms == all(k[3] != "Violation" for k in expected), \
        "the expected sh:conforms contradicts the expected severities"

    report = validate(data)
    blanks = _blank_labels(report.graph)
    actual = Counter(_key(r, blanks) for r in report.results)
    missing, unexpected = expected - actual, actual - expected
    messages = {_key(r, blanks): r.message for r in report.results}
    assert not missing and not unexpected, (
        f"missing:\n{_describe(missing)}\nunexpected:\n"
        + "\n".join(f"  {k} -- {messages[k]}" for k in sorted(unexpected, key=str)))
    assert report.conforms is expected_conforms


def test_fixture_folders_do_not_shrink() -> None:
    """Both fixture folders hold at least the known number of files, and every name is unique
    across the two (a defect's file name is its identity)."""
    valid, invalid = _fixture_files("valid"), _fixture_files("invalid")
    assert len(valid) >= MIN_VALID, [p.name for p in valid]
    assert len(invalid) >= MIN_INVALID, [p.name for p in invalid]
    assert not {p.stem for p in valid} & {p.stem for p in invalid}


# sh:PropertyShape / sh:NodeShape parameter -> the constraint component its results report
_COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent", SH.maxCount: "MaxCountConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent", SH["class"]: "ClassConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent", SH["in"]: "InConstraintComponent",
    SH.pattern: "PatternConstraintComponent", SH.minLength: "MinLengthConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent", SH["or"]: "OrConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
# parameters that are not constraints of their own
_NOT_CONSTRAINTS = {RDF.type, SH.path, SH.message, SH.severity, SH.targetClass, SH.property,
                    SH.name, SH.description, SH.flags}


def _declared_constraints() -> set[tuple[str, str]]:
    shapes = shapes_graph()
    declared: set[tuple[str, str]] = set()
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    for shape in shape_nodes:
        assert isinstance(shape, URIRef), f"every shape has an IRI (results name it): {shape}"
        for param in set(shapes.predicates(shape)):
            if param in _NOT_CONSTRAINTS:
                continue
            assert param in _COMPONENTS, f"{shape} uses {param}: add it to _COMPONENTS and a fixture"
            declared.add((str(shape), _COMPONENTS[param]))
    return declared


def test_every_constraint_of_every_shape_has_an_invalid_fixture() -> None:
    """Each (shape, constraint component) of shapes/lineage.shacl.ttl is expected to fire in at
    least one invalid fixture, so a new constraint cannot go untested."""
    covered = set()
    for path in _fixture_files("invalid"):
        _, expected_graph = _load(path)
        assert expected_graph is not None, path.name
        covered |= {(k[4], k[5]) for k in _expected(expected_graph)[1]}
    declared = _declared_constraints()
    assert len(declared) > 60
    assert sorted(declared - covered) == []
    assert sorted(covered - declared) == [], "fixtures expect results from shapes that do not exist"


def test_warnings_are_declared_on_shapes() -> None:
    """sh:severity only works on a shape (a result takes its shape's severity), so no SPARQL
    constraint or other non-shape node carries one, and exactly the two warning shapes do."""
    shapes = shapes_graph()
    with_severity = {str(s) for s in shapes.subjects(SH.severity, None)}
    assert with_severity == {LKS + "DatasetWarningShape", LKS + "LineageDerivationWarningShape"}
    for shape in with_severity:
        assert (URIRef(shape), RDF.type, SH.NodeShape) in shapes
        assert shapes.value(URIRef(shape), SH.severity) == SH.Warning


def test_shapes_conform_to_shacl_shacl() -> None:
    """The shapes graph is well-formed SHACL (pyshacl's SHACL-SHACL meta shapes)."""
    conforms, _, text = meta_validate(shapes_graph(), inference="none")
    assert conforms, text


def test_shacl_shacl_rejects_a_malformed_shape() -> None:
    """The meta check has teeth: a shape with a non-integer sh:minCount and two sh:path values
    does not conform."""
    broken = Graph()
    broken += shapes_graph()
    shape = URIRef(LKS + "DatasetShape-identifier")
    broken.remove((shape, SH.minCount, None))
    broken.add((shape, SH.minCount, Literal("one")))
    broken.add((shape, SH.path, URIRef("http://purl.org/dc/terms/title")))
    conforms, _, _ = meta_validate(broken, inference="none")
    assert conforms is False


def test_relation_list_of_the_shapes_equals_the_taxonomy() -> None:
    """The sh:in list of LineageDerivationShape-relation is exactly the relations under
    prov:wasDerivedFrom in the ontology (lineagekg.taxonomy.relations()), without duplicates."""
    shapes = shapes_graph()
    head = shapes.value(URIRef(LKS + "LineageDerivationShape-relation"), SH["in"])
    assert isinstance(head, (BNode, URIRef))
    listed = [str(item) for item in Collection(shapes, head)]
    assert len(listed) == len(set(listed))
    assert set(listed) == {rel.iri for rel in taxonomy.relations().values()}
    assert str(LK.seededFrom) in listed and str(LK.includedFrom) in listed
    assert len(listed) == 16
