"""The lineage around one dataset as a graph to draw (the explorer's view): ancestors and/or
descendants up to a depth, nearest first, capped at a number of datasets."""

from __future__ import annotations

from typing import Any, Literal

from lineagekg.analyses.catalogue import Catalogue, Edge
from lineagekg.analyses.datasets import best_derivation, links_by_pair
from lineagekg.analyses.models import Direction, LineageEdge, LineageGraph, LineageNode
from lineagekg.analyses.naming import local_name, relation_family
from lineagekg.errors import QueryParameterError
from lineagekg.queries import library

LINEAGE_DIRECTIONS: tuple[Direction, ...] = ("up", "down", "both")
MAX_LINEAGE_DEPTH = 10


def check_direction(analysis: str, direction: str) -> None:
    """``direction`` is up, down or both (a ``QueryParameterError`` naming ``analysis`` otherwise)."""
    if direction not in LINEAGE_DIRECTIONS:
        raise QueryParameterError(analysis, "direction", f"{direction!r} is not one of "
                                  + ", ".join(LINEAGE_DIRECTIONS))


class Neighbourhood(Catalogue):
    def neighbourhood(self, identifier: str, *, direction: Direction = "both", depth: int = 3,
                      max_nodes: int = 300) -> LineageGraph:
        """The lineage around a dataset for a graph view: its ancestors (``up``), descendants
        (``down``) or both, up to ``depth`` hops, nearest first and at most ``max_nodes``
        datasets (``truncated`` then says so), with the edges between the datasets shown."""
        check_direction("lineage", direction)
        if not 1 <= depth <= MAX_LINEAGE_DEPTH:
            raise QueryParameterError("lineage", "depth", f"{depth} is not between 1 and {MAX_LINEAGE_DEPTH}")
        if max_nodes < 1:
            raise QueryParameterError("lineage", "max_nodes", f"{max_nodes} is not at least 1")
        iri = self.resolve(identifier)
        Side = Literal["focus", "up", "down"]
        sides: dict[Side, tuple[list[dict[str, Any]], dict[str, int]]] = {}
        splits: dict[str, list[str]] = {}
        ways: tuple[tuple[Side, str, bool], ...] = (("up", "analyses/upstream-derivations", True),
                                                    ("down", "analyses/downstream-derivations", False))
        for side, query, upstream in ways:
            if direction in (side, "both"):
                rows = self.store.select(library().get(query), dataset=iri)
                edges = [Edge(r["target"], r["source"], None) for r in rows]
                if not upstream:           # a benchmark's splits (GSM8K test) hang below it
                    splits[iri] = sorted({r["start"] for r in rows if r["start"] != iri})
                    edges += [Edge(split, iri, None) for split in splits[iri]]
                sides[side] = (rows, self._distances(iri, edges, upstream=upstream))
        candidates = sorted(((d, side, node) for side, (_, dist) in sides.items()
                             for node, d in dist.items() if 0 < d <= depth),
                            key=lambda c: (c[0], c[1], self.name(c[2]).lower(), c[2]))
        shown: dict[str, tuple[int, Side]] = {iri: (0, "focus")}
        for d, side, node in candidates:
            if len(shown) >= max_nodes:
                break
            shown.setdefault(node, (d, side))
        everyone = {node for _, dist in sides.values() for node in dist}
        edges_out = [LineageEdge(target=self.name(split), source=self.name(iri), edge=None, relation=None,
                                 family=None, confidence=None, review_status=None, kind="split")
                     for split in splits.get(iri, ()) if split in shown]
        expandable: set[str] = set()
        for side, (rows, _) in sides.items():
            for (target, source), group in links_by_pair(rows, "target", "source").items():
                near, far = (target, source) if side == "up" else (source, target)
                if near in shown and far not in shown:
                    expandable.add(near)
                if target in shown and source in shown:
                    best, all_edges = best_derivation(group)
                    relation = local_name(best["relation"])
                    edges_out.append(LineageEdge(
                        target=self.name(target), source=self.name(source), edge=best["edge"], relation=relation,
                        family=relation_family(relation), confidence=best["confidence"],
                        review_status=local_name(best["reviewStatus"]), edges=all_edges))
        nodes = [LineageNode(**self.ref(node).model_dump(exclude={"distance"}), distance=d, side=side,
                             expandable=node in expandable)
                 for node, (d, side) in shown.items()]
        return LineageGraph(focus=self.ref(iri, distance=0), direction=direction, depth=depth, max_nodes=max_nodes,
                            nodes=nodes, edges=sorted(edges_out, key=lambda e: (e.target, e.source)),
                            truncated=len(candidates) + 1 > len(shown), hidden=len(everyone | {iri}) - len(shown))
