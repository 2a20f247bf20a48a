"""The whole answers, as the REST API serves them and ``lineagekg ... --format json`` prints them:
one function per analysis, registered in ``ANALYSES`` under its REST path (``/api/v1/<name>``).

Both front ends call these and nothing else for an analysis, so they cannot drift apart; a test
runs each registered analysis both ways on the same store and compares the JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from lineagekg.analyses.lineage import Lineage
from lineagekg.analyses.models import (
    Answer,
    ContaminationAnswer,
    DatasetDescription,
    DatasetPage,
    Direction,
    EvidenceReport,
    LineageGraph,
    PathAnswer,
    QueriesAnswer,
    QueryItem,
    QueryParam,
    RedundancyAnswer,
    RelatedAnswer,
    SharedRootsAnswer,
    Statistics,
    StructureAnswer,
    TreeAnswer,
)
from lineagekg.queries import library

ANALYSES: dict[str, Callable[..., Answer]] = {}
_A = TypeVar("_A", bound=Callable[..., Answer])


def analysis(name: str) -> Callable[[_A], _A]:
    """Register an answer function under its REST path name."""
    def register(function: _A) -> _A:
        ANALYSES[name] = function
        return function
    return register


@analysis("datasets")
def datasets(lineage: Lineage, text: str = "", *, limit: int = 20, offset: int = 0) -> DatasetPage:
    """Datasets whose identifier, label or alias contains ``text``, a page of them."""
    found, total = lineage.search(text, limit=limit, offset=offset)
    return DatasetPage(items=found, total=total, limit=limit, offset=offset)


@analysis("dataset")
def dataset(lineage: Lineage, identifier: str) -> DatasetDescription:
    """One dataset: metadata, direct sources and children."""
    return lineage.describe(identifier)


@analysis("ancestors")
def ancestors(lineage: Lineage, identifier: str) -> RelatedAnswer:
    """Every dataset it derives from, nearest first."""
    return RelatedAnswer(dataset=lineage.focus(identifier), items=lineage.ancestors(identifier))


@analysis("descendants")
def descendants(lineage: Lineage, identifier: str) -> RelatedAnswer:
    """Every dataset derived from it, nearest first."""
    return RelatedAnswer(dataset=lineage.focus(identifier), items=lineage.descendants(identifier))


@analysis("roots")
def roots(lineage: Lineage, identifier: str) -> RelatedAnswer:
    """Its upstream roots and why each is terminal."""
    return RelatedAnswer(dataset=lineage.focus(identifier), items=lineage.roots(identifier))


@analysis("shared-roots")
def shared_roots(lineage: Lineage, identifiers: list[str]) -> SharedRootsAnswer:
    """The roots every one of the datasets has."""
    found = lineage.shared_roots(identifiers)
    return SharedRootsAnswer(datasets=[lineage.ref(lineage.resolve(i)) for i in identifiers], items=found)


@analysis("path")
def path(lineage: Lineage, source: str, target: str) -> PathAnswer:
    """A shortest lineage path between two datasets, in whichever direction exists."""
    found = lineage.path(source, target)
    if found is None:
        return PathAnswer(found=False, direction=None, nodes=(), relations=(), datasets=[])
    direction, witness = found
    return PathAnswer(found=True, direction=direction, nodes=witness.nodes, relations=witness.relations,
                      datasets=[lineage.ref_of(n, distance=i) for i, n in enumerate(witness.nodes)])


@analysis("contamination")
def contamination(lineage: Lineage, identifier: str) -> ContaminationAnswer:
    """Every dataset that reaches a benchmark, with a shortest witness path."""
    return ContaminationAnswer(benchmark=lineage.focus(identifier), hits=lineage.contamination(identifier))


@analysis("redundancy")
def redundancy(lineage: Lineage, *, limit: int = 1000) -> RedundancyAnswer:
    """Implicit intersections, at most ``limit`` of them (and how many there are)."""
    hits = lineage.redundancy()
    return RedundancyAnswer(items=hits[:limit], total=len(hits))


@analysis("structure")
def structure(lineage: Lineage) -> StructureAnswer:
    """Per domain: datasets, average depth, in- and out-degree, share of leaves."""
    return StructureAnswer(items=lineage.structure())


@analysis("stats")
def stats(lineage: Lineage) -> Statistics:
    """Size of the lineage graph."""
    return lineage.statistics()


@analysis("lineage")
def lineage_graph(lineage: Lineage, identifier: str, *, direction: Direction = "both", depth: int = 3,
                  max_nodes: int = 300) -> LineageGraph:
    """The lineage around a dataset, as a graph to draw."""
    return lineage.neighbourhood(identifier, direction=direction, depth=depth, max_nodes=max_nodes)


@analysis("tree")
def tree(lineage: Lineage, identifier: str, *, direction: Literal["up", "down"] = "up",
         depth: int | None = None) -> TreeAnswer:
    """A dataset's lineage as a tree."""
    return lineage.tree(identifier, direction=direction, depth=depth)


@analysis("evidence")
def evidence(lineage: Lineage, target: str, source: str) -> EvidenceReport:
    """Who said that target derives from source: quote, document, agent, model, review."""
    return lineage.evidence(target, source)


@analysis("queries")
def queries() -> QueriesAnswer:
    """The library's SPARQL queries (the SPARQL editor's examples)."""
    return QueriesAnswer(items=[
        QueryItem(name=q.name, kind=q.kind, summary=q.summary,
                  params={p.name: QueryParam(type=p.type, required=p.required, description=p.description)
                          for p in q.params},
                  returns=list(q.returns), text=q.text)
        for q in sorted(library(), key=lambda q: q.name)])
