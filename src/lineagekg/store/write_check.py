"""The check every store runs before it writes a delta (embedded or on a server): the ontology
graph stays read-only, the delta is validated against what the store holds (``validate_delta``),
and the outcome and the warnings to keep next to the data are worked out. Applying the delta is
the store's own business."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from lineagekg.errors import InputError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.store.base import WriteOutcome
from lineagekg.store.delta import Delta
from lineagekg.validation import Progress, StoreReader, validate_delta

ONTOLOGY = ox.NamedNode(ONTOLOGY_GRAPH)


def check_write(reader: StoreReader, delta: Delta, *, what: str, validate: bool, warnings_graph: str | None,
                progress: Progress | None, graphs: set[Any],
                cycles: bool = True) -> tuple[WriteOutcome, list[ox.Quad]]:
    """The outcome of writing ``delta`` (``accepted`` False: violations, write nothing) and the
    quads of its validation report to write with it (in ``<warnings_graph>/validation``).
    ``cycles`` False leaves acyclicity to a check of the whole batch made before (``validate_delta``).

    Raises:
        InputError: the delta writes the ontology graph.
    """
    if ONTOLOGY in graphs or ONTOLOGY in delta.created:
        raise InputError(f"{what} writes the ontology graph {ONTOLOGY_GRAPH}, which is read-only",
                         hint="it is loaded from ontology/ when the store opens")
    report = (validate_delta(reader, delta, progress=progress, cycles=cycles)
              if validate and (delta.added or delta.removed) else None)
    named = [g for g in delta.created if isinstance(g, ox.NamedNode)]
    outcome = WriteOutcome(
        what=what, accepted=not (report and report.has_violations),
        added=len(delta.added), removed=len(delta.removed),
        graphs_created=tuple(sorted(str(g.value) for g in named)),
        graphs_dropped=tuple(sorted(str(g.value) for g in delta.dropped if isinstance(g, ox.NamedNode))),
        report=report, graph=warnings_graph or (str(named[0].value) if len(named) == 1 else ""))
    extra: list[ox.Quad] = []
    if outcome.accepted and warnings_graph is not None and report is not None and report.results:
        report_graph = ox.NamedNode(warnings_graph + "/validation")
        parsed = ox.parse(report.graph.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)
        extra = [ox.Quad(t.subject, t.predicate, t.object, report_graph) for t in parsed]
    return outcome, extra
