"""SHACL validation of lineage graphs, as report objects (non-conformance is a result, not an
exception; only ``raise_for_violations`` raises)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pyshacl
from pyoxigraph import Quad, RdfFormat, Store, Triple
from rdflib import Graph, URIRef
from rdflib.term import Node

from lineagekg.errors import ShapeValidationError
from lineagekg.resources import ontology_path, shapes_graph, sparql_dir

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
        store.extend(Quad(t.subject, t.predicate, t.object) for t in data)
    store.load(path=str(ontology_path()), format=RdfFormat.TURTLE)
    return store


def validate(data: Graph | list[Triple]) -> ShapeReport:
    """Validate ``data`` against the lineagekg shapes, with the ontology mixed in.

    Args:
        data: the triples to check, as an rdflib Graph or a list of pyoxigraph Triples.

    Returns:
        The report; ``conforms`` is False only when there is at least one violation.
    """
    _, results_graph, _ = pyshacl.validate(
        _as_oxigraph(data), shacl_graph=shapes_graph(), inference="none", advanced=True,
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
