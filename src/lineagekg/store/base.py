"""What every lineagekg store offers (embedded Oxigraph today; a remote SPARQL endpoint next)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from lineagekg.queries import SPARQLQuery
from lineagekg.validation import ShapeReport

Row = dict[str, Any]


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: accepted (written whole) or rejected (nothing written), and why."""

    graph: str
    accepted: bool
    quads_written: int
    report: ShapeReport | None
    already_present: bool = False


class GraphStore(Protocol):
    def select(self, query: SPARQLQuery, **params: object) -> list[Row]: ...

    def ask(self, query: SPARQLQuery, **params: object) -> bool: ...

    def import_quads(self, quads: list[Any], graph: str, *, validate: bool = True) -> ImportOutcome: ...

    def named_graphs(self) -> list[str]: ...

    def export(self, fmt: str, *, include_ontology: bool = False) -> bytes: ...
