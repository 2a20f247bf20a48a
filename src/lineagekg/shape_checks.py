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

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from lineagekg import forked
from lineagekg.resources import shapes_graph

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
# Instances of each class the shapes name (their type or a subclass of it), written once per
# check into the data graph of the (scratch) store under this private predicate, so a target or
# an sh:class is one index lookup instead of a property path in every query.
_INSTANCE_OF = "<urn:lineagekg:validation:instanceOf>"

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


def _prefixes(shapes: Graph, constraint: Node) -> str:
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
    bind = f"$this {_INSTANCE_OF} <{target_class}> .\n"
    return select[:where.end()] + "\n" + bind + select[where.end():]


def _substitute(message: str, row: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        term = row.get(match.group(1))
        return "" if term is None else term.value if hasattr(term, "value") else str(term)
    return re.sub(r"\{[?$](\w+)\}", value, message)


class _Data:
    """The data graph: a pyoxigraph store's default graph, or one of its graphs."""

    def __init__(self, store: ox.Store, graph: Any = None) -> None:
        self.store = store
        self.graph = graph                   # the graph holding the data (None: the default graph)
        self._two_values: dict[str, bool] = {}

    def query(self, text: str) -> Any:
        if self.graph is None:
            return self.store.query(text)
        return self.store.query(text, default_graph=self.graph)

    def some_node_has_two_values(self, step: str) -> bool:
        """Whether some ``?this`` has two values ``?v`` by ``step`` (``?this <p> ?v`` or
        ``?v <p> ?this``) in the data, whatever its class: one aggregate over the predicate's
        statements (the graph is a set, so statements and (node, value) pairs are as many).
        When none has, no maximum count of one can fail and its join over every target is
        skipped: most data is valid, and that join was a third of a large import's checks."""
        if step not in self._two_values:
            row = next(iter(self.query(f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?this) AS ?m) WHERE {{ {step} }}")))
            self._two_values[step] = int(row[0].value) != int(row[1].value)
        return self._two_values[step]


def _as_rdflib_literal(term: ox.Literal) -> Literal:
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _sparql_term(node: Any) -> str:
    """An rdflib term of the shapes graph as SPARQL text (written by pyoxigraph)."""
    if isinstance(node, URIRef):
        return str(ox.NamedNode(str(node)))
    if isinstance(node, Literal):
        if node.language:
            return str(ox.Literal(str(node), language=node.language))
        return str(ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string))))
    raise Unsupported(f"shape parameter {node!r}")


# XSD datatypes whose lexical forms SPARQL casts check (an ill-typed value does not cast)
_CASTS = {str(XSD[n]) for n in ("boolean", "integer", "decimal", "double", "float", "dateTime", "date",
                                  "time", "gYear", "gYearMonth", "duration")}


def _value_tests(shape: Shape) -> dict[str, tuple[str, str, str]]:
    """Each value constraint of a property shape as (SPARQL failure test on ?v, component,
    default message), keyed by the variable the test is bound to."""
    p = shape.params
    tests: dict[str, tuple[str, str, str]] = {}
    if SH.datatype in p:
        dt = str(p[SH.datatype])
        test = f"(!isLiteral(?v) || LANG(?v) != \"\" || DATATYPE(?v) != <{dt}>)"
        if dt in _CASTS:
            test = f"({test} || !BOUND(?cast))"
        elif dt != str(XSD.string):
            raise Unsupported(f"{shape.iri}: sh:datatype {dt}")
        tests["fDatatype"] = (test, "DatatypeConstraintComponent", f"Value is not a literal of datatype {dt}")
    if SH["class"] in p:
        tests["fClass"] = (f"NOT EXISTS {{ ?v {_INSTANCE_OF} <{p[SH['class']]}> }}",
                           "ClassConstraintComponent", f"Value is not an instance of {p[SH['class']]}")
    if SH.nodeKind in p:
        if p[SH.nodeKind] != SH.IRI:
            raise Unsupported(f"{shape.iri}: sh:nodeKind {p[SH.nodeKind]}")
        tests["fNodeKind"] = ("!isIRI(?v)", "NodeKindConstraintComponent", "Value is not an IRI")
    if SH["in"] in p:
        members = " || ".join(f"sameTerm(?v, {_sparql_term(m)})" for m in p[SH["in"]]) or "false"
        tests["fIn"] = (f"!({members})", "InConstraintComponent", "Value is not one of the allowed values")
    if SH.pattern in p:
        regex = str(ox.Literal(str(p[SH.pattern])))
        tests["fPattern"] = (f"(isBlank(?v) || !REGEX(STR(?v), {regex}))", "PatternConstraintComponent",
                             f"Value does not match pattern {p[SH.pattern]}")
    if SH.minLength in p:
        tests["fMinLength"] = (f"(isBlank(?v) || STRLEN(STR(?v)) < {int(p[SH.minLength])})",
                               "MinLengthConstraintComponent", f"Value is shorter than {p[SH.minLength]}")
    for param, op, name in ((SH.minInclusive, ">=", "MinInclusive"), (SH.maxInclusive, "<=", "MaxInclusive")):
        if param in p:
            tests[f"f{name}"] = (f"!COALESCE(?v {op} {_sparql_term(p[param])}, false)",
                                 f"{name}ConstraintComponent", f"Value is not {op} {p[param]}")
    return tests


def _small_bounds(low: Any, high: Any) -> bool:
    """Whether the count bounds are at most 1 (checked without grouping)."""
    return (low is not None or high is not None) and all(b is None or int(b) <= 1 for b in (low, high))


def _core(shape: Shape, data: _Data, focus: set[Any] | None) -> list[Finding]:
    """The core constraints of one shape as set-based queries that return only failures."""
    findings: list[Finding] = []
    p = shape.params
    path_text = None if shape.path is None else "(complex path)" if shape.path.startswith("^") else shape.path
    target = f"?this {_INSTANCE_OF} <{shape.target_class}> ."

    def found(node: Any, component: str, value: Any, default: str) -> None:
        if focus is None or node in focus:
            findings.append(Finding(node, path_text, value, shape.severity, shape.message or default,
                                    shape.iri, component))

    if shape.path is None:
        if set(p) - {SH.nodeKind} or p.get(SH.nodeKind, SH.IRI) != SH.IRI:
            raise Unsupported(f"{shape.iri}: value constraints on a node shape")
        if SH.nodeKind in p:
            for row in data.query(f"SELECT ?this WHERE {{ {target} FILTER (!isIRI(?this)) }}"):
                found(row[0], "NodeKindConstraintComponent", row[0], "Value is not an IRI")
        return findings
    step = f"?v <{shape.path[1:]}> ?this" if shape.path.startswith("^") else f"?this <{shape.path}> ?v"
    low, high = p.get(SH.minCount), p.get(SH.maxCount)
    if _small_bounds(low, high):
        # counts of 0 or 1 need no grouping: a missing value and two distinct values are
        # index lookups per target (COUNT(DISTINCT) compares terms as sameTerm does)
        if low is not None and int(low) == 1:
            for row in data.query(f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ {step} }} }}"):
                found(row[0], "MinCountConstraintComponent", None, f"Less than {low} values")
        if high is not None and (int(high) == 0 or data.some_node_has_two_values(step)):
            other = "" if int(high) == 0 else f". {step.replace('?v', '?w')} FILTER (!sameTerm(?v, ?w))"
            for row in data.query(f"SELECT DISTINCT ?this WHERE {{ {target} {step} {other} }}"):
                found(row[0], "MaxCountConstraintComponent", None, f"More than {high} values")
    elif low is not None or high is not None:
        bounds = [f"COUNT(DISTINCT ?v) < {int(low)}" if low is not None else "",
                  f"COUNT(DISTINCT ?v) > {int(high)}" if high is not None else ""]
        query = (f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {target} OPTIONAL {{ {step} }} }} "
                 f"GROUP BY ?this HAVING ({' || '.join(b for b in bounds if b)})")
        for this, n in data.query(query):
            count = int(n.value)
            if low is not None and count < int(low):
                found(this, "MinCountConstraintComponent", None, f"Less than {low} values")
            if high is not None and count > int(high):
                found(this, "MaxCountConstraintComponent", None, f"More than {high} values")
    tests = _value_tests(shape)
    if not tests:
        return findings
    cast = f"BIND (<{p[SH.datatype]}>(STR(?v)) AS ?cast)" if "!BOUND(?cast)" in tests.get("fDatatype", ("",))[0] else ""
    binds = " ".join(f"BIND ({test} AS ?{name})" for name, (test, _, _) in tests.items())
    failing = f"{step} {cast} {binds} FILTER ({' || '.join('?' + n for n in tests)})"
    # the tests read the value only: when no statement of the path fails them, whatever its
    # subject, no target can (one pass over the predicate's statements instead of a join)
    if not data.query(f"ASK {{ {failing} }}"):
        return findings
    query = f"SELECT DISTINCT ?this ?v {' '.join('?' + n for n in tests)} WHERE {{ {target} {failing} }}"
    solutions = data.query(query)
    for solution in solutions:
        this, value = solution["this"], solution["v"]
        for name, (_, component, default) in tests.items():
            flag = solution[name]
            if flag is not None and flag.value == "true":
                found(this, component, value, default)
    return findings


def _sparql(shape: Shape, constraint: SparqlConstraint, data: _Data, focus: set[Any] | None) -> list[Finding]:
    findings = []
    solutions = data.query(_bound_query(constraint.select, shape.target_class))
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        row = {n: solution[n] for n in names}
        this = row.get("this")
        if focus is None or this in focus:
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
          shapes: Iterable[Shape] | None = None, graph: Any = None, processes: int = 1) -> list[Finding]:
    """Every result of the shapes on the data in ``store``'s default graph (or its ``graph``; the
    ontology mixed in, as for pySHACL), for the focus nodes in ``focus`` only (None: all).

    ``skip`` names SHACL-SPARQL constraints checked elsewhere (acyclicity, set-based). The
    store gains the private instance triples (``_INSTANCE_OF``): give it a scratch store.
    ``processes`` above 1 spreads the checks over forked processes (``forked.run_jobs``; the
    findings and their order are the same).
    """
    data = _Data(store, graph)
    shapes = list(shapes if shapes is not None else project_shapes())
    classes = {s.target_class for s in shapes} | {str(s.params[SH["class"]]) for s in shapes if SH["class"] in s.params}
    for cls in sorted(classes):
        triple = f"?x {_INSTANCE_OF} <{cls}>"
        pattern = f"?x {_RDF_TYPE}/{_SUBCLASS}* <{cls}>"
        if graph is not None:
            triple, pattern = f"GRAPH {graph} {{ {triple} }}", f"GRAPH {graph} {{ {pattern} }}"
        store.update(f"INSERT {{ {triple} }} WHERE {{ {pattern} }}")
    jobs: list[Callable[[], list[Finding]]] = []
    for shape in shapes:
        jobs.append(functools.partial(_core, shape, data, focus))
        jobs += [functools.partial(_sparql, shape, constraint, data, focus)
                 for constraint in shape.sparql if constraint.iri not in skip]
    return [finding for found in forked.run_jobs(jobs, processes) for finding in found]


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
