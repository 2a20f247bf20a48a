"""The SHACL shapes compiled into set-based checks over a pyoxigraph store.

pySHACL evaluates each constraint once per focus node (a SHACL-SPARQL constraint is one query
per node), so its time grows with the batch times the constraints: 15 s for 1,000 datasets
(45k quads) that load in 0.6 s. Here each shape is read from ``shapes/lineage.shacl.ttl`` and
run once per batch: the value nodes of a property shape come from one query, the core
constraints (counts, datatype, class, ``in``, pattern, length, node kind, numeric range) are
checked on them in Python, and a SHACL-SPARQL constraint runs once with ``$this`` bound by
``VALUES`` to every focus node. The shapes stay the contract: the results (focus node, path,
value, severity, source shape, constraint component) equal pySHACL's, which the tests check on
every fixture of tests/data/shapes and on random batches. A shapes graph using anything not
compiled here is refused (``Unsupported``), and callers fall back to pySHACL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD

from lineagekg.resources import shapes_graph

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"

# shape parameters that are not constraints; every other parameter must be compiled below
_NOT_CONSTRAINTS = {RDF.type, SH.path, SH.message, SH.severity, SH.targetClass, SH.name,
                    SH.description, SH.flags}
_CORE = {SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.nodeKind, SH["in"], SH.pattern,
         SH.minLength, SH.minInclusive, SH.maxInclusive, SH.sparql}


class Unsupported(Exception):
    """The shapes graph uses a feature these checks do not compile (use pySHACL instead)."""


@dataclass(frozen=True)
class Finding:
    """One result, as terms: what ``validation.ShapeResult`` is made of."""

    focus: Any
    path: str | None
    value: Any
    severity: str            # "Violation", "Warning", "Info"
    message: str
    shape: str
    component: str


@dataclass(frozen=True)
class SparqlConstraint:
    iri: str
    select: str              # with prefixes; $this to be bound, $PATH already substituted
    message: str


@dataclass
class Shape:
    iri: str
    target_class: str
    severity: str
    message: str | None
    path: str | None = None          # an IRI, or "^IRI" for an inverse path; None for a node shape
    params: dict[URIRef, Any] = field(default_factory=dict)
    sparql: list[SparqlConstraint] = field(default_factory=list)


def _severity(shapes: Graph, shape: URIRef) -> str:
    value = shapes.value(shape, SH.severity)
    return str(value).rsplit("#", 1)[-1] if value is not None else "Violation"


def _prefixes(shapes: Graph, constraint: URIRef) -> str:
    lines = []
    for owner in shapes.objects(constraint, SH.prefixes):
        for decl in shapes.objects(owner, SH.declare):
            lines.append(f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>")
    return "\n".join(lines)


def _path(shapes: Graph, shape: URIRef) -> str:
    path = shapes.value(shape, SH.path)
    if isinstance(path, URIRef):
        return str(path)
    inverse = shapes.value(path, SH.inversePath) if path is not None else None
    if isinstance(inverse, URIRef) and len(set(shapes.predicate_objects(path))) == 1:
        return "^" + str(inverse)
    raise Unsupported(f"{shape}: only IRI and inverse paths are compiled")


def compile_shapes(shapes: Graph) -> list[Shape]:
    """Every shape of ``shapes`` as a ``Shape`` (raises ``Unsupported`` for what is not compiled:
    targets other than ``sh:targetClass``, ``sh:property`` nesting, other constraint components)."""
    compiled = []
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    for node in sorted(shape_nodes, key=str):
        if not isinstance(node, URIRef):
            raise Unsupported(f"blank shape {node}")
        targets = list(shapes.objects(node, SH.targetClass))
        if len(targets) > 1:
            raise Unsupported(f"{node}: more than one sh:targetClass")
        for param in set(shapes.predicates(node)):
            if param not in _NOT_CONSTRAINTS and param not in _CORE:
                raise Unsupported(f"{node} uses {param}")
        if not targets:
            continue                     # no focus nodes: the shape checks nothing
        message = shapes.value(node, SH.message)
        shape = Shape(str(node), str(targets[0]), _severity(shapes, node),
                      str(message) if message is not None else None)
        if (node, SH.path, None) in shapes:
            shape.path = _path(shapes, node)
        for param in _CORE - {SH.sparql}:
            values = list(shapes.objects(node, param))
            if len(values) > 1:
                raise Unsupported(f"{node}: {param} given twice")
            if values:
                shape.params[param] = (list(Collection(shapes, values[0])) if param == SH["in"]
                                       else values[0])
        if SH.flags in set(shapes.predicates(node)):
            raise Unsupported(f"{node}: sh:flags")
        for constraint in shapes.objects(node, SH.sparql):
            if set(shapes.predicates(constraint)) - {RDF.type, SH.message, SH.prefixes, SH.select}:
                raise Unsupported(f"{constraint}: only sh:select, sh:message and sh:prefixes")
            select = str(shapes.value(constraint, SH.select))
            if shape.path is not None:
                if shape.path.startswith("^"):
                    raise Unsupported(f"{constraint}: $PATH for an inverse path")
                select = select.replace("$PATH", f"<{shape.path}>")
            cmessage = shapes.value(constraint, SH.message)
            shape.sparql.append(SparqlConstraint(
                str(constraint), _prefixes(shapes, constraint) + "\n" + select,
                str(cmessage) if cmessage is not None else ""))
        compiled.append(shape)
    return compiled


@lru_cache(maxsize=1)
def project_shapes() -> tuple[Shape, ...]:
    """The project's shapes, compiled once per process."""
    return tuple(compile_shapes(shapes_graph()))


def _term(node: Any) -> str:
    """A pyoxigraph term as SPARQL text (for VALUES)."""
    return str(node)


def _bound_query(select: str, target_class: str) -> str:
    """``select`` with ``$this`` bound to every instance of the shape's target class by a
    pattern at the start of its WHERE group (SHACL's pre-binding, for constraints that use
    ``$this`` in basic patterns and FILTERs, as ours do; the results are then kept for the
    focus nodes asked about). A pattern rather than VALUES: VALUES cannot hold blank nodes."""
    where = re.search(r"\bWHERE\s*\{", select, flags=re.IGNORECASE)
    if where is None:
        raise Unsupported("a SHACL-SPARQL select without WHERE {")
    bind = f"$this {_RDF_TYPE}/{_SUBCLASS}* <{target_class}> .\n"
    return select[:where.end()] + "\n" + bind + select[where.end():]


def _substitute(message: str, row: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        term = row.get(match.group(1))
        return "" if term is None else term.value if hasattr(term, "value") else str(term)
    return re.sub(r"\{[?$](\w+)\}", value, message)


class _Data:
    """The data graph (a pyoxigraph store, default graph) with per-check caches."""

    def __init__(self, store: ox.Store, graph: Any = None) -> None:
        self.store = store
        self.graph = graph                   # the graph holding the data (None: the default graph)
        self._instances: dict[str, set[Any]] = {}

    def query(self, text: str) -> Any:
        if self.graph is None:
            return self.store.query(text)
        return self.store.query(text, default_graph=self.graph)

    def instances(self, cls: str) -> set[Any]:
        """Nodes typed ``cls`` or a subclass of it (SHACL's class-based targets and sh:class)."""
        if cls not in self._instances:
            query = f"SELECT DISTINCT ?x WHERE {{ ?x {_RDF_TYPE}/{_SUBCLASS}* <{cls}> }}"
            self._instances[cls] = {row[0] for row in self.query(query)}
        return self._instances[cls]

    def values(self, path: str, focus: list[Any]) -> dict[Any, list[Any]]:
        """Each focus node's value nodes along ``path`` (IRI or ``^IRI``): one scan of the
        predicate's triples, grouped (the data graph is a set, so no value repeats)."""
        out: dict[Any, list[Any]] = {node: [] for node in focus}
        inverse = path.startswith("^")
        for q in self.store.quads_for_pattern(None, ox.NamedNode(path.lstrip("^")), None,
                                              self.graph if self.graph is not None else ox.DefaultGraph()):
            values = out.get(q.object if inverse else q.subject)
            if values is not None:
                values.append(q.subject if inverse else q.object)
        return out


def _as_rdflib_literal(term: ox.Literal) -> Literal:
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@lru_cache(maxsize=65536)
def _ill_typed(lexical: str, datatype: str) -> bool:
    """Whether rdflib (as pySHACL) finds ``lexical`` not a valid form of ``datatype``."""
    return bool(Literal(lexical, datatype=URIRef(datatype)).ill_typed)


def _datatype_ok(term: Any, datatype: URIRef) -> bool:
    if not isinstance(term, ox.Literal) or term.language and datatype != RDF.langString:
        return False
    if term.datatype.value != str(datatype):
        return False
    return datatype == XSD.string or not _ill_typed(term.value, term.datatype.value)


def _number(term: Any) -> Decimal | None:
    if not isinstance(term, ox.Literal) or term.language:
        return None
    lit = _as_rdflib_literal(term)
    if lit.ill_typed:
        return None
    value = lit.toPython()
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _bound(node: Any) -> Decimal:
    value = node.toPython() if isinstance(node, Literal) else None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise Unsupported(f"numeric range bound {node!r}")
    return Decimal(str(value))


def _rdflib_to_ox(node: Any) -> Any:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))
    raise Unsupported(f"sh:in member {node!r}")


def _core(shape: Shape, data: _Data, focus: list[Any]) -> list[Finding]:
    """The core constraints of one shape over its focus nodes."""
    findings: list[Finding] = []
    p = shape.params

    def found(node: Any, component: str, value: Any, default: str) -> None:
        findings.append(Finding(node, shape.path if shape.path is None or not shape.path.startswith("^")
                                else "(complex path)", value, shape.severity,
                                shape.message or default, shape.iri, component))

    if shape.path is None:
        if p.get(SH.nodeKind) == SH.IRI:
            for node in focus:
                if not isinstance(node, ox.NamedNode):
                    found(node, "NodeKindConstraintComponent", node, "Value is not an IRI")
        elif SH.nodeKind in p:
            raise Unsupported(f"{shape.iri}: sh:nodeKind {p[SH.nodeKind]}")
        if set(p) - {SH.nodeKind}:
            raise Unsupported(f"{shape.iri}: value constraints on a node shape")
        return findings
    values = data.values(shape.path, focus)
    low, high = p.get(SH.minCount), p.get(SH.maxCount)
    datatype, cls, kind, allowed = p.get(SH.datatype), p.get(SH["class"]), p.get(SH.nodeKind), p.get(SH["in"])
    pattern, min_len = p.get(SH.pattern), p.get(SH.minLength)
    min_inc = _bound(p[SH.minInclusive]) if SH.minInclusive in p else None
    max_inc = _bound(p[SH.maxInclusive]) if SH.maxInclusive in p else None
    if kind is not None and kind != SH.IRI:
        raise Unsupported(f"{shape.iri}: sh:nodeKind {kind}")
    members = {_rdflib_to_ox(m) for m in allowed} if allowed is not None else None
    instances = data.instances(str(cls)) if cls is not None else None
    regex = re.compile(str(pattern)) if pattern is not None else None
    for node in focus:
        vs = values[node]
        if low is not None and len(vs) < int(low):
            found(node, "MinCountConstraintComponent", None, f"Less than {low} values")
        if high is not None and len(vs) > int(high):
            found(node, "MaxCountConstraintComponent", None, f"More than {high} values")
        for v in sorted(vs, key=str) if len(vs) > 1 else vs:
            if datatype is not None and not _datatype_ok(v, datatype):
                found(node, "DatatypeConstraintComponent", v, f"Value is not a literal of datatype {datatype}")
            if instances is not None and v not in instances:
                found(node, "ClassConstraintComponent", v, f"Value is not an instance of {cls}")
            if kind is not None and not isinstance(v, ox.NamedNode):
                found(node, "NodeKindConstraintComponent", v, "Value is not an IRI")
            if members is not None and v not in members:
                found(node, "InConstraintComponent", v, "Value is not one of the allowed values")
            if regex is not None and (isinstance(v, ox.BlankNode) or not regex.search(v.value)):
                found(node, "PatternConstraintComponent", v, f"Value does not match pattern {pattern}")
            if min_len is not None and (isinstance(v, ox.BlankNode) or len(v.value) < int(min_len)):
                found(node, "MinLengthConstraintComponent", v, f"Value is shorter than {min_len}")
            if min_inc is not None or max_inc is not None:
                number = _number(v)
                if min_inc is not None and (number is None or number < min_inc):
                    found(node, "MinInclusiveConstraintComponent", v, f"Value is less than {min_inc}")
                if max_inc is not None and (number is None or number > max_inc):
                    found(node, "MaxInclusiveConstraintComponent", v, f"Value is greater than {max_inc}")
    return findings


def _sparql(shape: Shape, constraint: SparqlConstraint, data: _Data, focus: set[Any]) -> list[Finding]:
    findings = []
    solutions = data.query(_bound_query(constraint.select, shape.target_class))
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        row = {n: solution[n] for n in names}
        this = row.get("this")
        if this in focus:
            path = row.get("path")
            path_text = path.value if isinstance(path, ox.NamedNode) else shape.path
            value = row.get("value")
            if value is None and shape.path is None:
                value = this           # SHACL 5.3.2: a node shape's result without ?value names $this
            findings.append(Finding(this, path_text, value, shape.severity,
                                    _substitute(constraint.message, row), shape.iri,
                                    "SPARQLConstraintComponent"))
    return findings


def check(store: ox.Store, focus: set[Any] | None = None, *, skip: frozenset[str] = frozenset(),
          shapes: Iterable[Shape] | None = None, graph: Any = None) -> list[Finding]:
    """Every result of the shapes on the data in ``store``'s default graph (or its ``graph``; the
    ontology mixed in, as for pySHACL), for the focus nodes in ``focus`` only (None: all).

    ``skip`` names SHACL-SPARQL constraints checked elsewhere (acyclicity, set-based).
    """
    data = _Data(store, graph)
    findings: list[Finding] = []
    for shape in shapes if shapes is not None else project_shapes():
        targets = data.instances(shape.target_class)
        nodes = targets if focus is None else targets & focus
        if not nodes:
            continue
        findings += _core(shape, data, sorted(nodes, key=str))
        for constraint in shape.sparql:
            if constraint.iri not in skip:
                findings += _sparql(shape, constraint, data, nodes)
    return findings


def report_graph(findings: list[Finding]) -> Graph:
    """The findings as an ``sh:ValidationReport`` (what pySHACL's results graph holds)."""
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not any(f.severity == "Violation" for f in findings))))

    def node(term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if isinstance(term, ox.Literal):
            return _as_rdflib_literal(term)
        return URIRef(str(term))

    for f in findings:
        result = BNode()
        graph.add((report, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, node(f.focus)))
        if f.path is not None and f.path != "(complex path)":
            graph.add((result, SH.resultPath, URIRef(f.path)))
        if f.value is not None:
            graph.add((result, SH.value, node(f.value)))
        graph.add((result, SH.resultSeverity, SH[f.severity]))
        graph.add((result, SH.resultMessage, Literal(f.message)))
        graph.add((result, SH.sourceShape, URIRef(f.shape)))
        graph.add((result, SH.sourceConstraintComponent, SH[f.component]))
    return graph
