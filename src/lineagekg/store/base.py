"""What every lineagekg store offers (embedded Oxigraph today; a remote SPARQL endpoint next)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lineagekg.queries import SPARQLQuery
from lineagekg.store.delta import Delta

if TYPE_CHECKING:
    from lineagekg.validation import ShapeReport

Row = dict[str, Any]


@dataclass(frozen=True)
class WriteOutcome:
    """What a validated write did, whichever path it came by (import, trace, review, SPARQL
    Update, Graph Store): ``accepted`` False means nothing was written and ``report`` says why;
    otherwise the counts say what changed and ``report`` holds the warnings."""

    what: str
    accepted: bool
    added: int
    removed: int
    graphs_created: tuple[str, ...]
    graphs_dropped: tuple[str, ...]
    report: ShapeReport | None
    already_present: bool = False         # an import of a graph the store holds (nothing written)
    graph: str = ""                       # the graph an import or review wrote

    @property
    def quads_written(self) -> int:
        return self.added

    def as_dict(self) -> dict[str, object]:
        report = self.report
        return {"accepted": self.accepted, "quads_added": self.added, "quads_removed": self.removed,
                "graphs_created": list(self.graphs_created), "graphs_dropped": list(self.graphs_dropped),
                "violations": [r.as_dict() for r in report.violations] if report else [],
                "warnings": [r.as_dict() for r in report.warnings] if report else []}


ImportOutcome = WriteOutcome              # the name importers and the tracer know it by


class GraphStore(Protocol):
    @property
    def version(self) -> int:
        """Changes with every write: what caches of the store's contents are keyed on."""
        ...

    def select(self, query: SPARQLQuery, **params: object) -> list[Row]: ...

    def ask(self, query: SPARQLQuery, **params: object) -> bool: ...

    def write(self, delta: Delta, *, what: str = "write") -> WriteOutcome: ...

    def import_quads(self, quads: list[Any], graph: str, *, validate: bool = True) -> WriteOutcome: ...

    def named_graphs(self) -> list[str]: ...

    def export(self, fmt: str, *, include_ontology: bool = False) -> bytes: ...

    def raw_query(self, query: SPARQLQuery, **params: object) -> Any:
        """The query's answer as pyoxigraph results (solutions, a boolean or triples)."""
        ...

    def quads_of(self, triples: Iterable[Any]) -> list[Any]:
        """Every quad (outside the ontology graph) that holds one of ``triples``."""
        ...
