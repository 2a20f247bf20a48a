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


def _rows(store: Any, name: str) -> Any:
    """The solutions of a library query as tuples of term values (None when unbound)."""
    for solution in store.raw_query(library().get(name)):
        yield tuple(None if term is None else term.value for term in solution)


def sorted_pairs(pairs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """(neighbour, relation) pairs in the order every search visits them."""
    return sorted(pairs, key=lambda x: (x[0], x[1] or ""))


def shortest_path(adjacency: dict[str, list[tuple[str, str | None]]], start: str,
                  goals: set[str]) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
    """Nodes and relations of the path to the nearest of ``goals`` that a breadth-first search from
    ``start`` finds, visiting each node's (already sorted) neighbours in order."""
    previous: dict[str, tuple[str, str | None] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node in goals and node != start:
            nodes, relations = [node], []
            while previous[node] is not None:
                parent, relation = previous[node]  # type: ignore[misc]
                nodes.append(parent)
                relations.append(relation)
                node = parent
            return tuple(reversed(nodes)), tuple(reversed(relations))
        for nxt, relation in adjacency.get(node, ()):
            if nxt not in previous:
                previous[nxt] = (node, relation)
                queue.append(nxt)
    return None


class LineageIndex:
    """Adjacency both ways (``up``: a node's sources, ``down``: what derives from it), each
    neighbour once per relation (``None`` for an edge without a qualified derivation), sorted."""

    def __init__(self, store: Any, version: Any) -> None:
        self.version = version
        up: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        down: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        # raw solutions, read by position: the same terms as ``select`` gives, at a third of its cost
        for target, source, relation in _rows(store, "internal/lineage-graph-edges"):
            up[target].append((source, relation))
            down[source].append((target, relation))
        self.up = {k: sorted_pairs(v) for k, v in up.items()}
        self.down = {k: sorted_pairs(v) for k, v in down.items()}
        self.up_nodes = {k: list(dict.fromkeys(n for n, _ in v)) for k, v in self.up.items()}
        self.down_nodes = {k: list(dict.fromkeys(n for n, _ in v)) for k, v in self.down.items()}
        first: dict[str, dict[str, Any]] = defaultdict(dict)   # node -> fact -> its first value
        for node, fact, value in _rows(store, "internal/lineage-graph-nodes"):
            first[node].setdefault(fact.rsplit("#", 1)[-1].rsplit("/", 1)[-1], value)
        self.facts: dict[str, NodeFacts] = {}
        self.parts: dict[str, list[str]] = defaultdict(list)
        by_id: dict[str, list[str]] = defaultdict(list)
        for node, facts in first.items():
            self.facts[node] = NodeFacts(facts.get("identifier"), facts.get("label"),
                                         facts.get("terminalReason"), facts.get("terminalNote"))
            if facts.get("isPartOf") is not None:
                self.parts[facts["isPartOf"]].append(node)
            if facts.get("identifier") is not None:
                by_id[facts["identifier"]].append(node)
        self.by_id = {k: min(v) for k, v in by_id.items()}    # as internal/find-dataset resolves it

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

    def _first_step(self, node: str, need: int, dist: dict[str, int]) -> tuple[str, str | None]:
        """The first (neighbour, relation) of ``node``, in sorted order, ``need`` hops from the goals."""
        return next((n, r) for n, r in self.up[node] if dist.get(n) == need)

    def _witness(self, start: str, dist: dict[str, int],
                 memo: dict[str, tuple[tuple[str, ...], tuple[str | None, ...]]] | None = None,
                 ) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
        """The path a breadth-first search from ``start`` with neighbours in sorted order finds
        to its nearest goal (the first of length >= 1): at each step the first neighbour one hop
        nearer the goals; from a node that is not a goal that is its next node's own witness
        path, one hop longer (``memo`` keeps them). ``dist`` is ``_to_goals``'s answer."""
        if memo is not None and start in memo:
            return memo[start]
        nearer = [dist[n] for n, _ in self.up.get(start, ()) if n in dist]
        if not nearer:
            return None
        need = min(nearer)
        chain: list[tuple[str, str | None]] = []
        node = start
        while True:
            nxt, relation = self._first_step(node, need, dist)
            chain.append((node, relation))
            if need == 0 or (memo is not None and nxt in memo):
                break
            node, need = nxt, need - 1
        tail_nodes, tail_relations = memo[nxt] if need != 0 and memo is not None else ((nxt,), ())
        nodes, relations = tail_nodes, tail_relations
        for i in range(len(chain) - 1, -1, -1):
            node, relation = chain[i]
            nodes, relations = (node, *nodes), (relation, *relations)
            if memo is not None and (i > 0 or dist.get(start) != 0):
                memo[node] = (nodes, relations)
        return nodes, relations

    def path(self, start: str, goal: str) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
        """A shortest path up from ``start`` to ``goal`` or a split of it: the first goal a
        breadth-first search up from ``start`` (neighbours in sorted order) dequeues."""
        return shortest_path(self.up, start, {goal, *self.parts.get(goal, ())})

    def contamination(self, benchmark: str) -> dict[str, tuple[tuple[str, ...], tuple[str | None, ...]]]:
        """Every node that derives (in one or more steps) from the benchmark or a split of it,
        with its witness path, from one multi-source search."""
        dist = self._to_goals({benchmark, *self.parts.get(benchmark, ())})
        found = {}
        memo: dict[str, tuple[tuple[str, ...], tuple[str | None, ...]]] = {}
        for node in sorted(dist, key=dist.__getitem__):
            witness = self._witness(node, dist, memo)
            if witness is not None:
                found[node] = witness
        return found
