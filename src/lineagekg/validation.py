"""SHACL validation of lineage graphs, as report objects (non-conformance is a result, not an
exception; only ``raise_for_violations`` raises)."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox
import pyshacl
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple
from rdflib import Graph, URIRef, Variable
from rdflib.namespace import SH
from rdflib.paths import Path as RdfPath
from rdflib.query import ResultRow
from rdflib.term import Node

from lineagekg import forked, shape_checks, terms
from lineagekg.errors import ShapeValidationError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.namespaces import value_of
from lineagekg.queries import library
from lineagekg.resources import ontology_path, shapes_graph

if TYPE_CHECKING:                      # the store package imports this module
    from lineagekg.store.delta import Delta

_SH = terms.SH.NS


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
        store,  # type: ignore[arg-type]  # pyshacl reads an oxigraph Store; its DataGraphInput alias omits it
        shacl_graph=shapes if shapes is not None else shapes_graph(), inference="none", advanced=True,
        allow_warnings=True, abort_on_first=False)
    if not isinstance(results_graph, Graph):  # pragma: no cover -- pyshacl returns rdflib graphs today
        raise TypeError(f"unexpected pyshacl results graph {type(results_graph).__name__}")
    query = library().get("internal/shacl-results").text
    results = []
    for row in results_graph.query(query):
        assert isinstance(row, ResultRow)               # a SELECT answers rows
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
_DERIVED_FROM = terms.PROV.wasDerivedFrom
_RDF_TYPE = terms.RDF.type
_DATASET = terms.LK.Dataset.value
# What a node outside a chunk contributes to it when a focus node points at it: enough for
# sh:class (types), the date-order warning (issued) and answers naming it (identifier, label).
_NEIGHBOUR = frozenset({_RDF_TYPE, terms.DCTERMS.identifier, terms.RDFS.label, terms.DCTERMS.issued})
_ONTOLOGY_GRAPH = NamedNode(ONTOLOGY_GRAPH)

Progress = Callable[[int, int], None]


class StoreReader(Protocol):
    """What validating a write reads from the store it goes to: a pyoxigraph ``Store``, or a
    view of a SPARQL server (``store.sparql_http``) whose queries see no default graph."""

    def query(self, query: str) -> Any: ...

    def quads_for_pattern(self, subject: Any, predicate: Any, obj: Any, graph_name: Any = None) -> Any: ...

    def named_graphs(self) -> Any: ...


@lru_cache(maxsize=1)
def _ontology_quads() -> tuple[Quad, ...]:
    return tuple(ox.parse(path=str(ontology_path()), format=RdfFormat.TURTLE))


def _solutions(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """The rows of a SELECT this module wrote (anything else is a bug here)."""
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(answer).__name__}")
    return answer


@lru_cache(maxsize=8)
def _below(term: str, relation: str = "subClassOf") -> frozenset[str]:
    """``term`` and what is below it in the ontology by ``rdfs:<relation>`` (``subClassOf``: a
    class target reaches the instances of subclasses; ``subPropertyOf``: the typed relations)."""
    store = Store()
    store.extend(_ontology_quads())
    query = f"SELECT ?c WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#{relation}>* <{term}> }}"
    return frozenset(row[0].value for row in _solutions(store.query(query))) | {term}


@lru_cache(maxsize=8)
def _ontology_in(graph: Any) -> tuple[Quad, ...]:
    return tuple(Quad(q.subject, q.predicate, q.object, graph) for q in _ontology_quads())


_LOOKUP_BATCH = 2000      # nodes per VALUES-batched lookup in the store


class _After:
    """The store as it would stand after a delta, for the nodes the delta touches.

    The delta's added quads go into a scratch store (``self.data``) in one bulk load: Oxigraph
    indexes them at its own speed, where reading each quad's terms from Python would cost as
    much again as the write. Everything else is read from the store (an embedded store's
    indexes, a server's ``VALUES``-batched queries): what it holds about the delta's nodes
    (minus what the delta removes) is copied into the scratch store, so the checks see each
    node's full description after the write. All data ends up in one graph of the scratch
    store, ``home``; the ontology is mixed in there too.
    """

    def __init__(self, store: StoreReader, delta: Delta) -> None:
        self.store = store
        self.gone = set(delta.removed)
        self.data = Store()
        first = delta.added[0].graph_name if delta.added else NamedNode("urn:lineagekg:validation")
        self.home = first
        # a delta over several graphs: its triples, as a set, in one graph (every check reads
        # ``home``), rewritten as they load rather than copied by an update after the load; a
        # generator, not a list: 5M new quads held at once would wake the garbage collector
        # again and again (8 s of a 124 s import at 100k datasets, 4 s with it off)
        self.data.bulk_extend(q if q.graph_name == first else Quad(q.subject, q.predicate, q.object, first)
                              for q in delta.added)
        self.copied: set[Any] = set()       # nodes whose stored triples are in ``data``
        self._out: dict[Any, list[Quad]] = {}     # node -> its stored triples (``outgoing``)
        self._in: dict[Any, list[Quad]] = {}      # node -> stored triples pointing at it (``incoming``)
        # a store holding nothing but the ontology has no context to read (a first import)
        self.empty = not any(g != _ONTOLOGY_GRAPH for g in store.named_graphs()) and not any(
            True for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def _home(self) -> dict[str, Any]:
        return {} if isinstance(self.home, ox.DefaultGraph) else {"default_graph": self.home}

    def ask(self, text: str) -> Any:
        return self.data.query(text, **self._home())

    def stored(self, nodes: list[Any], predicate: Any = None, *, pointing: bool = False,
               only: frozenset[Any] | None = None) -> list[Quad]:
        """The store's quads (ontology graph and removed quads left out) whose subject (or, with
        ``pointing``, object) is one of ``nodes`` (and, with ``only``, whose predicate is one of
        those). An embedded store is read from its indexes, one lookup per node; a server's IRIs
        are looked up ``VALUES``-batched (a lookup per node would be a request per node)."""
        if self.empty or (only is not None and not only):
            return []
        found: list[Quad] = []
        # on an embedded store the indexes give the quads as they are; a VALUES query decodes every
        # solution into terms and back into a quad (1.8x the time)
        by_index = isinstance(self.store, Store)
        iris = [] if by_index else [n for n in nodes if isinstance(n, NamedNode)]
        p = str(predicate) if predicate is not None else "?p"
        pattern = f"?o {p} ?n" if pointing else f"?n {p} ?o"
        keep = f"FILTER (?p IN ({', '.join(map(str, sorted(only, key=str)))}))" if only and predicate is None else ""
        for start in range(0, len(iris), _LOOKUP_BATCH):
            values = " ".join(str(n) for n in iris[start:start + _LOOKUP_BATCH])
            query = (f"SELECT ?g ?n ?p ?o WHERE {{ VALUES ?n {{ {values} }} "
                     f"{{ GRAPH ?g {{ {pattern} {keep} }} }} UNION {{ {pattern} {keep} }} }}")
            for g, n, pred, o in _solutions(self.store.query(query)):
                g = ox.DefaultGraph() if g is None else g
                found.append(Quad(o, predicate or pred, n, g) if pointing else Quad(n, predicate or pred, o, g))
        lookup = self.store.quads_for_pattern
        for node in nodes:
            if isinstance(node, ox.BlankNode) or (by_index and isinstance(node, NamedNode)):
                found += [q for q in (lookup(None, predicate, node) if pointing else lookup(node, predicate, None))
                          if only is None or q.predicate in only]
        return [q for q in found if q.graph_name != _ONTOLOGY_GRAPH and q not in self.gone]

    def outgoing(self, nodes: list[Any], only: frozenset[Any]) -> list[Quad]:
        """``stored(nodes, only=only)``, each node looked up once per validation (``_focus``
        and ``_complete`` ask about the same nodes; on a large store on disk the lookups are
        what a chunk of an import costs). ``only`` must be the same on every call."""
        return self._once(nodes, self._out, only, pointing=False)

    def incoming(self, nodes: list[Any], only: frozenset[Any]) -> list[Quad]:
        """``stored(nodes, pointing=True, only=only)``, each node looked up once."""
        return self._once(nodes, self._in, only, pointing=True)

    def _once(self, nodes: list[Any], seen: dict[Any, list[Quad]], only: frozenset[Any], *,
              pointing: bool) -> list[Quad]:
        wanted = [n for n in dict.fromkeys(nodes) if not isinstance(n, ox.Literal)]
        todo = [n for n in wanted if n not in seen]
        for node in todo:
            seen[node] = []
        for q in self.stored(todo, pointing=pointing, only=only):
            seen[q.object if pointing else q.subject].append(q)
        return [q for n in wanted for q in seen[n]]

    def copy(self, quads: list[Quad]) -> None:
        home = self.home
        self.data.bulk_extend(Quad(q.subject, q.predicate, q.object, home) for q in quads)

    def describe(self, nodes: list[Any]) -> None:
        """Copy the store's triples about ``nodes`` (not yet copied) into the scratch store: those
        of the predicates the shapes read (``read_predicates``), which is all the checks see."""
        todo = [n for n in dict.fromkeys(nodes) if n not in self.copied and not isinstance(n, ox.Literal)]
        self.copied.update(todo)
        read = _lookups()
        self.copy(self.outgoing(todo, read[0]) if read else self.stored(todo))

    def nodes(self, query: str) -> list[Any]:
        return [row[0] for row in self.ask(query)]


@lru_cache(maxsize=1)
def read_predicates() -> tuple[frozenset[NamedNode], frozenset[NamedNode]] | None:
    """(what the shapes read of a node, what they read of its neighbours): the predicates the
    compiled shapes can read. Of a node: its paths, and what it can be read for by a neighbour.
    Of a neighbour (across an edge): its types (``sh:class``), inverse paths, every IRI a
    SHACL-SPARQL constraint names, and the lineage relations (``prov:wasDerivedFrom`` and every
    sub-property: the constraints that read a neighbour through a variable predicate bind it to
    a relation, ``lk:relation``). None: the shapes are not compiled (pySHACL reads everything).

    A change made only of triples whose predicates no neighbour's constraint reads (a bundle
    gaining ``lk:describes``) cannot change a neighbour's results, and a node's triples of
    predicates no shape reads change no result at all; ``_focus`` and ``_After.describe`` go by it.
    """
    try:
        shapes = shape_checks.project_shapes()
    except shape_checks.Unsupported:
        return None
    across = {_RDF_TYPE, *(NamedNode(p) for p in _below(_DERIVED_FROM.value, "subPropertyOf"))}
    own: set[NamedNode] = set()
    for shape in shapes:
        if shape.path is not None:
            (across if shape.path.startswith("^") else own).add(NamedNode(shape.path.lstrip("^")))
        for constraint in shape.sparql:
            across.update(NamedNode(iri) for iri in _iris_in(constraint.select))
    return frozenset(own | across), frozenset(across)


@lru_cache(maxsize=1)
def _inverse_predicates() -> frozenset[NamedNode]:
    """The predicates of the shapes' inverse paths (``^Q``: a derivation read from its target);
    empty when the shapes are not compiled."""
    try:
        shapes = shape_checks.project_shapes()
    except shape_checks.Unsupported:
        return frozenset()
    return frozenset(NamedNode(s.path[1:]) for s in shapes if s.path and s.path.startswith("^"))


@lru_cache(maxsize=1)
def widening_predicates() -> tuple[frozenset[NamedNode], frozenset[NamedNode]] | None:
    """(towards objects, towards subjects): the edges along which a stored neighbour's
    constraint can read a node's own triples, seen from the node. A neighbour ``n`` with
    ``s Q n`` reads ``s`` when a SHACL-SPARQL constraint on ``n`` goes ``?x Q $this`` and reads
    ``?x`` as a subject, or ``sh:class`` sits on the inverse path ``^Q`` (towards objects); a
    neighbour with ``n Q s`` when a constraint goes ``$this Q ?x`` and reads ``?x``, or
    ``sh:class`` sits on the path ``Q`` (towards subjects). Acyclicity is left out (a graph
    search of its own). None: an edge is a variable, or the shapes are not compiled."""
    try:
        shapes = shape_checks.project_shapes()
    except shape_checks.Unsupported:
        return None
    this = Variable("this")
    objects: set[NamedNode] = set()
    subjects: set[NamedNode] = set()
    for shape in shapes:
        if shape.path is not None and SH["class"] in shape.params:
            (objects if shape.path.startswith("^") else subjects).add(NamedNode(shape.path.lstrip("^")))
        for constraint in shape.sparql:
            if constraint.iri == CYCLE_CONSTRAINT:
                continue
            patterns = _patterns_in(constraint.select)
            for hop in patterns:
                s, p, o = hop
                far = o if s == this else s if o == this else None
                if not isinstance(far, Variable) or far == this or not any(
                        other is not hop and other[0] == far for other in patterns):
                    continue
                if isinstance(p, Variable):
                    return None
                iris = {NamedNode(i) for i in _iris_under(p)}
                if isinstance(p, URIRef):
                    (subjects if s == this else objects).update(iris)
                else:                   # a path may run either way
                    subjects.update(iris)
                    objects.update(iris)
    return frozenset(objects), frozenset(subjects)


@lru_cache(maxsize=1)
def incoming_predicates() -> frozenset[NamedNode] | None:
    """The predicates of the edges whose *object* some constraint reads them for: the end of an
    inverse path (a derivation and its target's ``prov:qualifiedDerivation``), or ``$this`` as
    the object of a SHACL-SPARQL pattern (``?x Q $this``); acyclicity left out. None: a
    variable predicate, or the shapes are not compiled (every edge counts).

    Only the object of an added triple of one of these is a focus node because of it
    (``_focus``): a new dataset deriving from a stored one changes no result of the stored one,
    so a chunk onto a large store does not re-read and re-check every stored parent it names."""
    try:
        shapes = shape_checks.project_shapes()
    except shape_checks.Unsupported:
        return None
    this = Variable("this")
    found = set(_inverse_predicates())
    for shape in shapes:
        for constraint in shape.sparql:
            if constraint.iri == CYCLE_CONSTRAINT:
                continue
            for subject, predicate, obj in _patterns_in(constraint.select):
                if obj != this or subject == this:
                    continue
                if isinstance(predicate, Variable):
                    return None
                found.update(NamedNode(i) for i in _iris_under(predicate))
    return frozenset(found)


def _patterns_in(select: str) -> list[tuple[Any, Any, Any]]:
    """Every triple pattern of a SPARQL query, those inside ``FILTER (NOT) EXISTS`` too."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.algebra import triples
    from rdflib.plugins.sparql.parserutils import CompValue

    found: list[tuple[Any, Any, Any]] = []
    todo: list[Any] = [prepareQuery(select).algebra]
    while todo:
        item = todo.pop()
        if isinstance(item, CompValue) and item.name == "BGP":
            found += [(t[0], t[1], t[2]) for t in item.triples]
        elif isinstance(item, CompValue) and item.name == "TriplesBlock":      # not translated (EXISTS)
            found += [(t[0], t[1], t[2]) for t in triples(item.triples)]
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple, set)):
            todo.extend(item)
    return found


def _iris_in(select: str) -> set[str]:
    """Every IRI a SPARQL query names (its algebra walked: patterns, paths, filters)."""
    from rdflib.plugins.sparql import prepareQuery

    return _iris_under(prepareQuery(select).algebra)


def _iris_under(start: Any) -> set[str]:
    """Every IRI in a query's algebra or a property path."""
    found: set[str] = set()
    todo: list[Any] = [start]
    while todo:
        item = todo.pop()
        if isinstance(item, URIRef):
            found.add(str(item))
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple, set)):
            todo.extend(item)
        elif isinstance(item, RdfPath):
            todo.extend(vars(item).values())
    return found



def _focus(after: _After, delta: Delta) -> list[Any]:
    """The nodes whose results a delta can change: subjects and (non-class) objects of changed
    triples, and the neighbours, both ways, of every subject in the store whose change a
    neighbour's constraint reads (an ``sh:class`` or a constraint reading across the edge may
    now fail; ``read_predicates``)."""
    lookups = _lookups()
    incoming = incoming_predicates() if lookups else None
    read = read_predicates()
    # one pass over the added quads (the scratch store holds just them so far): every subject, the
    # objects a constraint reads back along their edge, and the subjects gaining a triple some
    # neighbour's constraint reads; three DISTINCT queries over the scratch store took twice as long
    subjects: dict[Any, None] = {}
    objects: dict[Any, None] = {}
    gaining: dict[Any, None] = {}
    for q in delta.added:
        subject, predicate, obj = q.subject, q.predicate, q.object
        subjects[subject] = None
        if (predicate in incoming) if incoming is not None else (
                predicate != _RDF_TYPE and not isinstance(obj, ox.Literal)):
            objects[obj] = None
        if read is not None and predicate in read[1]:
            gaining[subject] = None
    removed_subjects = [q.subject for q in delta.removed]
    focus = dict.fromkeys([*subjects, *objects, *removed_subjects])
    focus.update(dict.fromkeys(q.object for q in delta.removed
                               if q.predicate != _RDF_TYPE and not isinstance(q.object, ox.Literal)))
    # only subjects gaining a triple some neighbour's constraint reads
    gained = list(gaining if read is not None else subjects)
    changed = list(dict.fromkeys([*gained, *removed_subjects]))
    if lookups is not None:      # a gained triple: along the edges a neighbour reads it by
        towards_objects, towards_subjects = lookups[2]
        focus.update(dict.fromkeys(q.object for q in after.outgoing(gained, lookups[0])
                                   if q.predicate in towards_objects and not isinstance(q.object, ox.Literal)))
        focus.update(dict.fromkeys(q.subject for q in after.incoming(gained, lookups[1])
                                   if q.predicate in towards_subjects))
        changed = list(dict.fromkeys(removed_subjects))
    focus.update(dict.fromkeys(q.object for q in after.stored(changed)
                               if q.predicate != _RDF_TYPE and not isinstance(q.object, ox.Literal)))
    focus.update(dict.fromkeys(q.subject for q in after.stored(changed, pointing=True)))
    return [n for n in focus if not isinstance(n, ox.Literal)]


def _complete(after: _After, focus: list[Any], inverse: frozenset[Any]) -> None:
    """Give the scratch store what the constraints on ``focus`` read: their own triples, the
    full description of the nodes pointing at them along an inverse path of the shapes (a
    derivation's target), and the neighbour facts (types, identifier, label, date) of every
    other node they point at."""
    if after.empty:               # nothing stored to complete the delta with
        return
    after.describe(focus)
    lookups = _lookups()
    for predicate in inverse:
        pointing = (after.incoming(focus, lookups[1]) if lookups and predicate in lookups[1]
                    else after.stored(focus, predicate, pointing=True))
        after.describe([q.subject for q in pointing if q.predicate == predicate])
    beyond = after.nodes(f"""SELECT DISTINCT ?o WHERE {{ ?s ?p ?o
        FILTER (?p != {_RDF_TYPE} && !isLiteral(?o)) FILTER NOT EXISTS {{ ?o ?q ?x }} }}""")
    beyond = [n for n in beyond if n not in after.copied]
    # filtered here, not in the store: with this lookup filtered on the server (FILTER ?p IN),
    # Virtuoso 7.2.5 later answered the export's teacher-model join with one triple of four,
    # on the same data (docs/virtuoso.md, known broken)
    after.copy([q for q in after.stored(beyond) if q.predicate in _NEIGHBOUR])


@lru_cache(maxsize=1)
def _lookups() -> tuple[frozenset[Any], frozenset[Any], tuple[frozenset[Any], frozenset[Any]]] | None:
    """(predicates read of a node's own triples, of the triples pointing at it, the widening
    edges): what ``_After.outgoing`` and ``incoming`` fetch, once per node, so that ``_focus``
    and ``_complete`` share the lookups; None when the shapes are not compiled."""
    read, edges = read_predicates(), widening_predicates()
    if read is None or edges is None:
        return None
    inverse = _inverse_predicates()
    return read[0] | edges[0], edges[1] | inverse, edges


def strongly_connected(adjacency: dict[Any, set[Any]]) -> list[list[Any]]:
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
    """The acyclicity constraint (``lks:DatasetShape-noCycle``) on a delta: its new lineage
    edges (``lineage_cycles``), with the types the delta gives its nodes."""
    added: dict[Any, set[Any]] = defaultdict(set)
    for row in _solutions(after.ask(f"SELECT ?s ?o WHERE {{ ?s {_DERIVED_FROM} ?o }}")):
        if row[0] != row[1]:
            added[row[0]].add(row[1])
    return lineage_cycles(after, added, lambda node: {
        value_of(q.object) for q in after.data.quads_for_pattern(node, _RDF_TYPE, None)})


def batch_cycle_report(store: StoreReader, edges: dict[Any, set[Any]], datasets: set[Any]) -> ShapeReport:
    """The acyclicity constraint on new lineage edges (``derived -> {sources}``, pyoxigraph
    terms) as the store would stand with them, for a batch written in several chunks: checked
    once, before the first chunk, over the whole batch and the part of the store it reaches.
    ``datasets`` are the batch's datasets (``lk:Dataset`` whatever the store says)."""
    from lineagekg.store.delta import Delta as EmptyDelta  # at run time: the store package imports this module

    return report_of(lineage_cycles(_After(store, EmptyDelta()), edges,
                                    lambda node: {_DATASET} if node in datasets else set()))


def lineage_cycles(after: _After, added: dict[Any, set[Any]],
                   types_of: Callable[[Any], set[str]]) -> list[shape_checks.Finding]:
    """The acyclicity constraint as one graph search: from the sources of the new lineage
    edges ``added``, the part of the store and of the new edges they reach (level by level,
    each level one batched lookup), and the strongly connected components of it that a new edge
    closes. Every edge inside such a component whose derived end is a dataset (by the store's
    types and ``types_of``) is a result, as the SHACL-SPARQL constraint gives it (its
    ``?value != $this`` leaves self-derivations to their own check)."""
    shapes = shapes_graph()
    cycle = URIRef(CYCLE_CONSTRAINT)
    shape = shapes.value(None, SH.sparql, cycle)
    target = shapes.value(shape, SH.targetClass) if shape is not None else None
    if target is None:
        return []
    severity = shapes.value(shape, SH.severity)
    severity_name = str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"
    template = str(shapes.value(cycle, SH.message) or "")
    adjacency: dict[Any, set[Any]] = {}
    level = list({v for vs in added.values() for v in vs})
    while level:
        for node in level:
            adjacency[node] = set(added.get(node, ()))
        for q in after.stored(level, _DERIVED_FROM):
            if q.object != q.subject:
                adjacency[q.subject].add(q.object)
        level = list({n for node in level for n in adjacency[node] if n not in adjacency})
    if not any(u in adjacency for u in added):
        return []
    classes = _below(str(target))
    in_cycles = strongly_connected(adjacency)
    members_all = [n for c in in_cycles for n in c]
    types: dict[Any, set[str]] = defaultdict(set)
    for q in after.stored(members_all, _RDF_TYPE):
        types[q.subject].add(value_of(q.object))
    for node in members_all:
        types[node].update(types_of(node))
    findings = []
    for component in in_cycles:
        members = set(component)
        if not any(v in members for u in members for v in added.get(u, ())):
            continue
        for node in component:
            if not types[node] & classes:
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


@lru_cache(maxsize=1)
def _ontology_subjects() -> frozenset[str]:
    """The ontology's IRI subjects (its classes and properties)."""
    return frozenset(q.subject.value for q in _ontology_quads() if isinstance(q.subject, NamedNode))


def _in_delta(node: Any, focus: list[Any] | None, delta: Delta) -> bool:
    """Whether a result's focus node is one the delta describes (with ``focus`` None, every
    node of the scratch store was checked: the ontology's own nodes are not the delta's)."""
    if focus is not None:
        return True
    value = node if isinstance(node, str) else getattr(node, "value", None)
    if value not in _ontology_subjects():
        return True
    return any(isinstance(q.subject, NamedNode) and q.subject.value == value for q in delta.added)


# a write at least this large checks its shapes on every core (``forked``): below it, forking
# costs more than it saves (the checks of 10k quads take about 0.1 s)
PARALLEL_FROM_QUADS = 100_000


def check_processes(delta: Delta) -> int:
    """How many processes check ``delta``'s shapes: every core for a large write, else one."""
    return min(forked.available_cores(), 4) if len(delta.added) >= PARALLEL_FROM_QUADS else 1


def validate_delta(store: StoreReader, delta: Delta, *, progress: Progress | None = None,
                   cycles: bool = True, processes: int | None = None) -> ShapeReport:
    """The SHACL report for ``store`` (a pyoxigraph store, union of its graphs) as it would
    stand after ``delta``, on the nodes the delta can change; nothing is written.

    The delta is loaded into a scratch store with what the store holds about its nodes
    (``_After``, ``_complete``), the shapes run once over it as set-based checks
    (``shape_checks``), so time grows linearly with the delta; acyclicity, the one constraint
    that reads the whole graph, is a graph search (``cycle_findings``). Both are checked equal
    to pySHACL on the whole graph by the tests. ``progress`` is called with (step, of steps).
    ``cycles`` False leaves acyclicity out: a chunk of a batch checked whole beforehand
    (``batch_cycle_report``) under the same write lock. ``processes`` (default: by the delta's
    size, ``check_processes``) spreads the shape checks over forked processes.
    """
    steps = 4

    def step(n: int) -> None:
        if progress is not None:
            progress(n, steps)

    try:
        shape_checks.project_shapes()
        compiled = True
    except shape_checks.Unsupported:
        compiled = False
    inverse = _inverse_predicates() if compiled else frozenset(
        NamedNode(str(p)) for p in shapes_graph().objects(None, SH.inversePath))
    after = _After(store, delta)
    step(1)
    # into a store holding nothing but the ontology, the scratch store is the whole graph after
    # the write: every node is in focus (``None``), and listing them would cost a pass over it
    focus = None if after.empty and not delta.removed else _focus(after, delta)
    if focus is not None:
        _complete(after, focus, inverse)
    step(2)
    findings = cycle_findings(after, delta) if cycles else []
    step(3)
    after.data.bulk_extend(_ontology_in(after.home))
    if compiled:
        findings += shape_checks.check(after.data, None if focus is None else set(focus),
                                       skip=frozenset({CYCLE_CONSTRAINT}),
                                       graph=None if isinstance(after.home, ox.DefaultGraph) else after.home,
                                       processes=check_processes(delta) if processes is None else processes)
        step(4)
        return report_of([f for f in findings if _in_delta(f.focus, focus, delta)])
    data = after.data
    for other in list(data.named_graphs()):       # pySHACL reads every graph: keep only ``home``
        if other != after.home:
            data.remove_graph(other)
    if not isinstance(after.home, ox.DefaultGraph):
        data.update(f"ADD GRAPH {after.home} TO DEFAULT")
    report = _pyshacl(data, shapes=_without_cycle_constraint())
    wanted = None if focus is None else {n.value for n in focus}
    found = report_of(findings)
    results = sorted([*found.results, *(r for r in report.results if r.focus_node in wanted)] if wanted is not None
                     else [*found.results, *(r for r in report.results if _in_delta(r.focus_node, None, delta))],
                     key=lambda r: (r.severity.value != "Violation", r.focus_node, r.message))
    graph = report.graph
    graph += found.graph
    step(4)
    return ShapeReport(conforms=not any(r.severity is Severity.VIOLATION for r in results),
                       results=tuple(results), graph=graph)
