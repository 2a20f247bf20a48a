"""SHACL validation of lineage graphs, as report objects (non-conformance is a result, not an
exception; only ``raise_for_violations`` raises)."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pyshacl
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from lineagekg import shape_checks
from lineagekg.errors import ShapeValidationError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.resources import ontology_path, shapes_graph, sparql_dir

if TYPE_CHECKING:                      # the store package imports this module
    from lineagekg.store.delta import Delta

_SH = "http://www.w3.org/ns/shacl#"


class Severity(enum.Enum):
    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL result: which node, which path, what value, how bad, why."""

    focus_node: str
    path: str | None
    value: str | None
    severity: Severity
    message: str
    source_shape: str
    constraint: str

    def describe(self) -> str:
        where = self.focus_node + (f" {_short(self.path)}" if self.path else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        return {"focus": self.focus_node, "path": self.path, "value": self.value,
                "severity": self.severity.value, "message": self.message,
                "shape": self.source_shape, "constraint": self.constraint}


@dataclass(frozen=True)
class ShapeReport:
    """The outcome of validating a graph against the lineagekg shapes."""

    conforms: bool
    results: tuple[ShapeResult, ...]
    graph: Graph

    @property
    def violations(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity is Severity.VIOLATION]

    @property
    def warnings(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity is Severity.WARNING]

    @property
    def has_violations(self) -> bool:
        return bool(self.violations)

    def raise_for_violations(self, what: str = "batch") -> None:
        """Raise ``ShapeValidationError`` when any result is a violation (warnings pass)."""
        if self.has_violations:
            raise ShapeValidationError(self, what=what)


def _short(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            return iri.rsplit(sep, 1)[1] or iri
    return iri


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _as_oxigraph(data: Graph | list[Triple]) -> Store:
    """The data and the ontology in one in-memory Oxigraph store (default graph).

    pySHACL runs each SHACL-SPARQL constraint once per focus node; on an rdflib graph every run
    re-parses the query text (minutes for a thousand edges), on Oxigraph it takes milliseconds.
    The ontology is mixed in so class targets reach subclass instances and the relation
    hierarchy is visible to the typed-edge constraint.
    """
    store = Store()
    if isinstance(data, Graph):
        text = data.serialize(format="nt", encoding="utf-8")
        if text.strip():
            store.load(text, format=RdfFormat.N_TRIPLES)
    else:
        store.bulk_extend([Quad(t.subject, t.predicate, t.object) for t in data])
    store.bulk_extend(_ontology_quads())
    return store


def validate(data: Graph | list[Triple], *, engine: str = "compiled") -> ShapeReport:
    """Validate ``data`` against the lineagekg shapes, with the ontology mixed in.

    Args:
        data: the triples to check, as an rdflib Graph or a list of pyoxigraph Triples.
        engine: ``"compiled"`` (the shapes as set-based checks, ``shape_checks``; pySHACL when
            the shapes use something it does not compile) or ``"pyshacl"`` (the reference).

    Returns:
        The report; ``conforms`` is False only when there is at least one violation.
    """
    store = _as_oxigraph(data)
    if engine == "compiled":
        try:
            return report_of(shape_checks.check(store))
        except shape_checks.Unsupported:
            pass
    return _pyshacl(store)


def report_of(findings: list[shape_checks.Finding]) -> ShapeReport:
    """The report made of compiled checks' findings."""
    results = [ShapeResult(focus_node=f.focus.value if hasattr(f.focus, "value") else str(f.focus),
                           path=f.path, value=None if f.value is None else f.value.value,
                           severity=Severity(f.severity), message=f.message, source_shape=f.shape,
                           constraint=f.component) for f in findings]
    results.sort(key=lambda r: (r.severity.value != "Violation", r.focus_node, r.message))
    conforms = not any(r.severity is Severity.VIOLATION for r in results)
    return ShapeReport(conforms=conforms, results=tuple(results),
                       graph=shape_checks.report_graph(findings))


def _pyshacl(store: Store, *, shapes: Graph | None = None) -> ShapeReport:
    """pySHACL's report on the data in ``store`` (the reference the compiled checks must equal)."""
    _, results_graph, _ = pyshacl.validate(
        store, shacl_graph=shapes if shapes is not None else shapes_graph(), inference="none", advanced=True,
        allow_warnings=True, abort_on_first=False)
    if not isinstance(results_graph, Graph):  # pragma: no cover -- pyshacl returns rdflib graphs today
        raise TypeError(f"unexpected pyshacl results graph {type(results_graph).__name__}")
    query = (sparql_dir() / "internal" / "shacl-results.rq").read_text(encoding="utf-8")
    results = []
    for row in results_graph.query(query):
        results.append(ShapeResult(
            focus_node=str(row.focus), path=_text(row.path) if isinstance(row.path, URIRef) else
            (None if row.path is None else "(complex path)"),
            value=_text(row.value), severity=Severity(str(row.severity)[len(_SH):]),
            message=_text(row.message) or "", source_shape=str(row.shape),
            constraint=_short(str(row.component))))
    results.sort(key=lambda r: (r.severity.value != "Violation", r.focus_node, r.message))
    conforms = not any(r.severity is Severity.VIOLATION for r in results)
    return ShapeReport(conforms=conforms, results=tuple(results), graph=results_graph)


# --- validating a write against the store, in bounded chunks --------------------------------

CYCLE_CONSTRAINT = "https://w3id.org/lineagekg/shapes#DatasetShape-noCycle"
DEFAULT_CHUNK = 4000      # focus nodes validated together (bounded memory, linear time)
_DERIVED_FROM = NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# What a node outside a chunk contributes to it when a focus node points at it: enough for
# sh:class (types), the date-order warning (issued) and answers naming it (identifier, label).
_NEIGHBOUR = {_RDF_TYPE, NamedNode("http://purl.org/dc/terms/identifier"),
              NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
              NamedNode("http://purl.org/dc/terms/issued")}
_ONTOLOGY_GRAPH = NamedNode(ONTOLOGY_GRAPH)

Progress = Callable[[int, int], None]


@lru_cache(maxsize=1)
def _ontology_quads() -> tuple[Quad, ...]:
    return tuple(ox.parse(path=str(ontology_path()), format=RdfFormat.TURTLE))


@lru_cache(maxsize=4)
def _subclasses(cls: str) -> frozenset[str]:
    """``cls`` and its subclasses in the ontology (a class target reaches their instances)."""
    store = Store()
    store.extend(_ontology_quads())
    query = f"SELECT ?c WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{cls}> }}"
    return frozenset(row[0].value for row in store.query(query)) | {cls}


class _After:
    """The store as it would stand after a delta, read through its indexes (nothing written;
    the ontology graph left out: it is mixed into every check).

    The delta is indexed in one pass (each pyoxigraph term read once: reading a term from
    Python costs about as much as the whole write does per quad). ``home`` is the graph most of
    the delta is in; a chunk is validated in a scratch store with its data in that graph, so only
    quads from other graphs are copied.
    """

    def __init__(self, store: Store, delta: Delta, inverse: set[Any]) -> None:
        self.store = store
        self.gone = set(delta.removed)
        self.inverse = inverse
        self.out: dict[Any, list[tuple[Quad, Any, Any]]] = defaultdict(list)
        self.into: dict[Any, list[Any]] = defaultdict(list)     # along inverse-path predicates
        self.linked: dict[Any, None] = {}                        # objects of changed links
        counts: dict[Any, int] = defaultdict(int)
        for quads in (delta.added, delta.removed):
            for q in quads:
                s, p, o = q.subject, q.predicate, q.object
                if quads is delta.added:
                    self.out[s].append((q, p, o))
                    if p in inverse:
                        self.into[o].append(s)
                    counts[q.graph_name] += 1
                if p != _RDF_TYPE and isinstance(o, (NamedNode, ox.BlankNode)):
                    self.linked[o] = None
                self.linked.setdefault(s, None)
        self.home = max(counts, key=counts.__getitem__) if counts else ox.DefaultGraph()

    def _stored(self, subject: Any, predicate: Any, obj: Any) -> list[Quad]:
        found = self.store.quads_for_pattern(subject, predicate, obj)
        if self.gone:
            return [q for q in found if q.graph_name != _ONTOLOGY_GRAPH and q not in self.gone]
        return [q for q in found if q.graph_name != _ONTOLOGY_GRAPH]

    def about(self, node: Any, predicate: Any = None) -> list[tuple[Quad, Any, Any]]:
        """(quad, predicate, object) of every quad whose subject is ``node``."""
        if isinstance(node, ox.Literal):
            return []
        found = [(q, q.predicate, q.object) for q in self._stored(node, predicate, None)]
        return found + [t for t in self.out.get(node, ()) if predicate is None or t[1] == predicate]

    def pointing(self, node: Any, predicate: Any) -> list[Any]:
        """The subjects of the quads with ``predicate`` (an inverse-path one) pointing at ``node``."""
        return [q.subject for q in self._stored(None, predicate, node)] + self.into.get(node, [])

    def stored_neighbours(self, node: Any) -> list[Any]:
        """The nodes a stored quad links ``node`` to, either way (the delta's are known already)."""
        if isinstance(node, ox.Literal):
            return []
        out = [q.object for q in self._stored(node, None, None) if q.predicate != _RDF_TYPE]
        return [n for n in out if isinstance(n, (NamedNode, ox.BlankNode))] + \
            [q.subject for q in self._stored(None, None, node)]


def _focus(after: _After) -> list[Any]:
    """The nodes whose results a delta can change: subjects and (non-class) objects of changed
    triples, and the neighbours, both ways, of every changed subject (an ``sh:class`` or a
    constraint reading across the edge may now fail), in the order the delta names them. The
    delta's own neighbours are among the first two; the store's are looked up."""
    focus = dict(after.linked)
    for subject in list(after.out) + [q.subject for q in after.gone]:
        focus.update(dict.fromkeys(after.stored_neighbours(subject)))
    return [n for n in focus if not isinstance(n, ox.Literal)]


def _chunk_data(after: _After, chunk: list[Any]) -> list[Quad]:
    """What the constraints on ``chunk`` read, as quads in ``after.home``: its nodes' own
    triples, the full description of the nodes pointing at them along an inverse path of the
    shapes (a derivation's target), and the neighbour facts (types, identifier, label, date) of
    every other node they point at."""
    home = after.home
    rows: list[tuple[Quad, Any, Any]] = []
    described = set(chunk)
    for node in chunk:
        rows += after.about(node)
        for predicate in after.inverse:
            for subject in after.pointing(node, predicate):
                if subject not in described:
                    described.add(subject)
                    rows += after.about(subject)
    beyond = {o for _, p, o in rows if p != _RDF_TYPE and isinstance(o, (NamedNode, ox.BlankNode))} - described
    for node in beyond:
        rows += [r for r in after.about(node) if r[1] in _NEIGHBOUR]
    return [q if q.graph_name == home else Quad(q.subject, p, o, home) for q, p, o in rows]


def _scratch(quads: list[Quad], home: Any) -> Store:
    """A store holding ``quads`` and the ontology, all in graph ``home``."""
    store = Store()
    store.bulk_extend(quads)
    store.bulk_extend(_ontology_in(home))
    return store


@lru_cache(maxsize=8)
def _ontology_in(graph: Any) -> tuple[Quad, ...]:
    return tuple(Quad(q.subject, q.predicate, q.object, graph) for q in _ontology_quads())


def _strongly_connected(adjacency: dict[Any, set[Any]]) -> list[list[Any]]:
    """Tarjan's strongly connected components of a graph (iterative: lineage chains are deep),
    only those with more than one node."""
    index: dict[Any, int] = {}
    low: dict[Any, int] = {}
    on_stack: set[Any] = set()
    stack: list[Any] = []
    components: list[list[Any]] = []
    for root in adjacency:
        if root in index:
            continue
        work = [(root, iter(adjacency.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(adjacency.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return components


def cycle_findings(after: _After, delta: Delta) -> list[shape_checks.Finding]:
    """The acyclicity constraint (``lks:DatasetShape-noCycle``) as one graph search: from the
    sources of the delta's new lineage edges, the part of the store and delta they reach, and
    the strongly connected components of it that a new edge closes. Every edge inside such a
    component whose derived end is a dataset is a result, as the SHACL-SPARQL constraint gives
    it (the constraint's own ``?value != $this`` leaves self-derivations to their own check)."""
    shapes = shapes_graph()
    cycle = URIRef(CYCLE_CONSTRAINT)
    shape = shapes.value(None, SH.sparql, cycle)
    target = shapes.value(shape, SH.targetClass) if shape is not None else None
    if target is None:
        return []
    severity = shapes.value(shape, SH.severity)
    severity_name = str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"
    template = str(shapes.value(cycle, SH.message) or "")
    new_edges = [(q.subject, q.object) for q in delta.added
                 if q.predicate == _DERIVED_FROM and q.subject != q.object]
    adjacency: dict[Any, set[Any]] = {}
    pending = [v for _, v in new_edges]
    while pending:
        node = pending.pop()
        if node in adjacency:
            continue
        adjacency[node] = {o for _, _, o in after.about(node, _DERIVED_FROM) if o != node}
        pending.extend(n for n in adjacency[node] if n not in adjacency)
    if not any(u in adjacency for u, _ in new_edges):
        return []
    classes = _subclasses(str(target))
    findings = []
    for component in _strongly_connected(adjacency):
        members = set(component)
        if not any(u in members and v in members for u, v in new_edges):
            continue
        for node in component:
            if not any(o.value in classes for _, _, o in after.about(node, _RDF_TYPE)):
                continue
            for value in sorted(adjacency[node] & members, key=str):
                message = template.replace("{$this}", node.value).replace("{?value}", value.value)
                findings.append(shape_checks.Finding(node, _DERIVED_FROM.value, value, severity_name,
                                                     message, str(shape), "SPARQLConstraintComponent"))
    return findings


def _without_cycle_constraint() -> Graph:
    shapes = Graph()
    shapes += shapes_graph()
    shapes.remove((None, SH.sparql, URIRef(CYCLE_CONSTRAINT)))
    return shapes


def validate_delta(store: Store, delta: Delta, *, chunk: int = DEFAULT_CHUNK,
                   progress: Progress | None = None) -> ShapeReport:
    """The SHACL report for ``store`` (a pyoxigraph store, union of its graphs) as it would
    stand after ``delta``, on the nodes the delta can change; nothing is written.

    The nodes are validated ``chunk`` at a time, each chunk with what its constraints read
    (``_chunk_data``), so time and memory grow linearly with the delta; acyclicity, the one
    constraint that reads the whole graph, is a graph search (``cycle_findings``). Both are
    checked equal to pySHACL on the whole graph by the tests.
    """
    try:
        shapes = shape_checks.project_shapes()
        compiled = True
    except shape_checks.Unsupported:
        shapes, compiled = (), False
    inverse = {NamedNode(s.path[1:]) for s in shapes if s.path and s.path.startswith("^")}
    if not compiled:
        inverse = {NamedNode(str(p)) for p in shapes_graph().objects(None, SH.inversePath)}
    after = _After(store, delta, inverse)
    focus = _focus(after)
    findings: list[shape_checks.Finding] = []
    fallback: list[ShapeResult] = []
    graphs: list[Graph] = []
    for start in range(0, len(focus), chunk):
        part = focus[start:start + chunk]
        data = _scratch(_chunk_data(after, part), after.home)
        if compiled:
            findings += shape_checks.check(data, set(part), skip=frozenset({CYCLE_CONSTRAINT}),
                                           graph=None if isinstance(after.home, ox.DefaultGraph) else after.home)
        else:
            data.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            report = _pyshacl(data, shapes=_without_cycle_constraint())
            wanted = {n.value for n in part}
            fallback += [r for r in report.results if r.focus_node in wanted]
            graphs.append(report.graph)
        if progress is not None:
            progress(min(start + chunk, len(focus)), len(focus))
    findings += cycle_findings(after, delta)
    report = report_of(findings)
    if not fallback:
        return report
    graph = report.graph
    for g in graphs:
        graph += g
    results = sorted([*report.results, *fallback],
                     key=lambda r: (r.severity.value != "Violation", r.focus_node, r.message))
    return ShapeReport(conforms=not any(r.severity is Severity.VIOLATION for r in results),
                       results=tuple(results), graph=graph)
