"""SHACL validation of lineage graphs, as report objects (non-conformance is a result, not an
exception; only ``raise_for_violations`` raises)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pyshacl
from rdflib import Graph, URIRef
from rdflib.term import Node

from lineagekg.errors import ShapeValidationError
from lineagekg.resources import ontology_graph, shapes_graph, sparql_dir

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


def validate(data: Graph) -> ShapeReport:
    """Validate ``data`` against the shapes; the ontology is mixed in (subclass targets, and the
    relation hierarchy for the typed-edge shape).

    Args:
        data: the graph to check (an rdflib Graph, or a ConjunctiveGraph/Dataset read as union).

    Returns:
        The report; ``conforms`` is False only when there is at least one violation.
    """
    _, results_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(),
        inference="none", advanced=True, allow_warnings=True, abort_on_first=False)
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
