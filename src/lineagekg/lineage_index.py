"""An in-memory index of the lineage graph: plain edges as adjacency lists (with the relation of
each qualified derivation) and what answers show about each node, read from the store in two
library queries and kept while the store's version (its write counter) stays the same.

It is a cache derived from the store, not a second source of truth: the analyses answer from it
when they are long-lived (the gateway), and the tests check every answer it gives against the
library's SPARQL queries (``sparql/analyses/``), which stay the contract. Closure is a
breadth-first search; every witness path of an answer comes from one multi-source search.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from lineagekg.queries import library


@dataclass(frozen=True)
class NodeFacts:
    id: str | None
    label: str | None
    terminal_reason: str | None
    terminal_note: str | None


_NONE = NodeFacts(None, None, None, None)


def _sorted_pairs(pairs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    return sorted(pairs, key=lambda x: (x[0], x[1] or ""))


class LineageIndex:
    """Adjacency both ways (``up``: a node's sources, ``down``: what derives from it), each
    neighbour once per relation (``None`` for an edge without a qualified derivation), sorted."""

    def __init__(self, store: Any, version: Any) -> None:
        self.version = version
        up: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        down: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        for r in store.select(library().get("internal/lineage-graph-edges")):
            up[r["target"]].append((r["source"], r["relation"]))
            down[r["source"]].append((r["target"], r["relation"]))
        self.up = {k: _sorted_pairs(v) for k, v in up.items()}
        self.down = {k: _sorted_pairs(v) for k, v in down.items()}
        self.up_nodes = {k: list(dict.fromkeys(n for n, _ in v)) for k, v in self.up.items()}
        self.down_nodes = {k: list(dict.fromkeys(n for n, _ in v)) for k, v in self.down.items()}
        self.facts: dict[str, NodeFacts] = {}
        self.parts: dict[str, list[str]] = defaultdict(list)
        for r in store.select(library().get("internal/lineage-graph-nodes")):
            self.facts[r["node"]] = NodeFacts(r["id"], r["label"], r["terminalReason"], r["terminalNote"])
            if r["partOf"] is not None:
                self.parts[r["partOf"]].append(r["node"])

    def fact(self, node: str) -> NodeFacts:
        return self.facts.get(node, _NONE)

    def _walk(self, start: str, adjacency: dict[str, list[str]]) -> dict[str, int]:
        """Hops from ``start`` to every node it reaches (``start`` itself at 0)."""
        dist = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            d = dist[node] + 1
            for nxt in adjacency.get(node, ()):
                if nxt not in dist:
                    dist[nxt] = d
                    queue.append(nxt)
        return dist

    def upstream(self, start: str) -> dict[str, int]:
        return self._walk(start, self.up_nodes)

    def downstream(self, start: str) -> dict[str, int]:
        return self._walk(start, self.down_nodes)

    def is_root(self, node: str) -> bool:
        return node not in self.up

    def is_leaf(self, node: str) -> bool:
        return node not in self.down

    def roots(self, start: str) -> dict[str, int]:
        """The roots ``start`` reaches (itself, when it has no sources), with their distance."""
        return {n: d for n, d in self.upstream(start).items() if n not in self.up}

    def _to_goals(self, goals: set[str]) -> dict[str, int]:
        """Hops from every node that reaches one of ``goals`` to the nearest (a multi-source
        search down the edges)."""
        dist = dict.fromkeys(goals, 0)
        queue = deque(goals)
        while queue:
            node = queue.popleft()
            d = dist[node] + 1
            for nxt in self.down_nodes.get(node, ()):
                if nxt not in dist:
                    dist[nxt] = d
                    queue.append(nxt)
        return dist

    def _witness(self, start: str, dist: dict[str, int]) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
        """The path a breadth-first search from ``start`` with neighbours in sorted order finds
        to its nearest goal (the first of length >= 1): at each step the first neighbour one hop
        nearer the goals. ``dist`` is ``_to_goals``'s answer."""
        nearer = [dist[n] for n, _ in self.up.get(start, ()) if n in dist]
        if not nearer:
            return None
        need = min(nearer)
        nodes, relations = [start], []
        node = start
        while True:
            nxt, relation = next((n, r) for n, r in self.up[node] if dist.get(n) == need)
            nodes.append(nxt)
            relations.append(relation)
            if need == 0:
                return tuple(nodes), tuple(relations)
            node, need = nxt, need - 1

    def path(self, start: str, goal: str) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
        """A shortest path up from ``start`` to ``goal`` or a split of it."""
        goals = {goal, *self.parts.get(goal, ())}
        return self._witness(start, self._to_goals(goals))

    def contamination(self, benchmark: str) -> dict[str, tuple[tuple[str, ...], tuple[str | None, ...]]]:
        """Every node that derives (in one or more steps) from the benchmark or a split of it,
        with its witness path, from one multi-source search."""
        dist = self._to_goals({benchmark, *self.parts.get(benchmark, ())})
        found = {}
        for node in dist:
            witness = self._witness(node, dist)
            if witness is not None:
                found[node] = witness
        return found
