"""An in-memory index of the lineage graph: plain edges as adjacency lists of integer ids (with the
relation of each qualified derivation) and what answers show about each node, read from the store
in one scan per predicate and kept while the store's version (its write counter) stays the same.

It is a cache derived from the store, not a second source of truth: the analyses answer from it
when they are long-lived (the gateway), and the tests check every answer it gives against the
library's SPARQL queries (``sparql/analyses/``), which stay the contract. Nodes are numbered in
the order of their IRIs, so sorting ids sorts IRIs; closure is a breadth-first search over ids;
every witness path of an answer comes from one multi-source search.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any, NamedTuple, TypeVar

from lineagekg.namespaces import PREFIXES
from lineagekg.queries import library

N = TypeVar("N", bound=Hashable)

_PROV, _LK, _DCT, _RDFS = PREFIXES["prov"], PREFIXES["lk"], PREFIXES["dcterms"], PREFIXES["rdfs"]
_FACTS = {"identifier": _DCT + "identifier", "label": _RDFS + "label", "terminal_reason": _LK + "terminalReason",
          "terminal_note": _LK + "terminalNote"}


class NodeFacts(NamedTuple):
    """What answers show about a node (a tuple: answers make one per node they show)."""

    id: str | None
    label: str | None
    terminal_reason: str | None
    terminal_note: str | None


def _pairs(store: Any, predicate: str) -> Iterable[tuple[str, str]]:
    """(subject, object) of every statement with ``predicate``: one index scan on a store that
    has one (``subject_objects``), else the library query."""
    scan = getattr(store, "subject_objects", None)
    if scan is not None:
        return scan(predicate)
    rows = store.select(library().get("internal/predicate-pairs"), predicate=predicate)
    return [(str(r["subject"]), str(r["object"])) for r in rows]


def _iri_rows(store: Any, name: str) -> Iterable[tuple[Any, ...]]:
    """The rows of a library query whose values are IRIs, as tuples of strings: decoded in bulk
    by a store that can (``iri_rows``), else through ``select``."""
    query = library().get(name)
    bulk = getattr(store, "iri_rows", None)
    if bulk is not None:
        return bulk(query)
    return [tuple(row.values()) for row in store.select(query)]


def _relation_rows(store: Any) -> Iterable[tuple[str, str, str]]:
    """(target, source, relation) of every qualified derivation: the rows of
    ``internal/index-relations``, joined here from one scan per predicate by a store that can
    scan (``subject_objects``). On an on-disk store of a million datasets the query's join reads
    RocksDB in random order (minutes); three sequential scans take seconds."""
    scan = getattr(store, "subject_objects", None)
    if scan is None:
        return _iri_rows(store, "internal/index-relations")
    sources: dict[str, list[str]] = defaultdict(list)
    for qualified, source in scan(_PROV + "entity"):
        sources[qualified].append(source)
    relations: dict[str, list[str]] = defaultdict(list)
    for qualified, relation in scan(_LK + "relation"):
        relations[qualified].append(relation)
    return [(target, source, relation) for target, qualified in scan(_PROV + "qualifiedDerivation")
            for source in sources.get(qualified, ()) for relation in relations.get(qualified, ())]


def shortest_path(adjacency: Mapping[N, Sequence[N]], relation: Callable[[N, N], str | None], start: N,
                  goals: set[N]) -> tuple[tuple[N, ...], tuple[str | None, ...]] | None:
    """Nodes and relations of the path to the nearest of ``goals`` that a breadth-first search from
    ``start`` finds, visiting each node's neighbours in the (sorted) order of ``adjacency``;
    ``relation(target, source)`` names each edge of it."""
    previous: dict[N, N | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node in goals and node != start:
            nodes: list[N] = [node]
            step = previous[node]
            while step is not None:
                nodes.append(step)
                step = previous[step]
            nodes.reverse()
            return tuple(nodes), tuple(relation(a, b) for a, b in pairwise(nodes))
        for nxt in adjacency.get(node, ()):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def search_graph(edges: Iterable[tuple[str, str, str | None]],
                 ) -> tuple[dict[str, list[str]], dict[str, list[str]], Callable[[str, str], str | None]]:
    """From (target, source, relation) rows (a relation None when the edge has no qualified
    derivation): ``up`` and ``down`` adjacency, sorted, each neighbour once, and the edges' first
    relation in sorted order, as ``shortest_path`` and ``witness_paths`` take them."""
    first: dict[tuple[str, str], str | None] = {}
    for target, source, relation in edges:
        known = first.get((target, source))
        if (target, source) not in first or (relation is not None and (known is None or relation < known)):
            first[(target, source)] = relation
    up: dict[str, list[str]] = defaultdict(list)
    down: dict[str, list[str]] = defaultdict(list)
    for target, source in sorted(first):
        up[target].append(source)
    for target, source in sorted(first, key=lambda pair: (pair[1], pair[0])):
        down[source].append(target)
    return dict(up), dict(down), lambda target, source: first.get((target, source))


def walk_from(starts: Iterable[N], adjacency: Mapping[N, Sequence[N]]) -> dict[N, int]:
    """Hops from the nearest of ``starts`` to every node they reach along ``adjacency`` (the
    starts themselves at 0): one breadth-first search from all of them."""
    dist = dict.fromkeys(starts, 0)
    frontier = list(dist)
    d = 0
    while frontier:
        d += 1
        following = []
        for node in frontier:
            for nxt in adjacency.get(node, ()):
                if nxt not in dist:
                    dist[nxt] = d
                    following.append(nxt)
        frontier = following
    return dist


def witness_paths(up: Mapping[N, Sequence[N]], down: Mapping[N, Sequence[N]],
                  relation: Callable[[N, N], str | None],
                  goals: set[N]) -> dict[N, tuple[tuple[N, ...], tuple[str | None, ...]]]:
    """Every node that reaches one of ``goals`` in one or more steps along ``up`` (``down`` the
    same edges reversed), with the path ``shortest_path`` would find from it: one multi-source
    search down from the goals gives every node's distance to the nearest goal; then a node's
    path goes to its first neighbour (in ``up``'s sorted order) one hop nearer, and on along
    that neighbour's own path (already made: nodes are taken nearest first)."""
    dist = walk_from(goals, down)
    paths: dict[N, tuple[tuple[N, ...], tuple[str | None, ...]]] = {}

    def extend(node: N, need: int) -> None:
        nxt = next(n for n in up[node] if dist.get(n) == need)
        nodes, relations = paths[nxt] if need else ((nxt,), ())
        paths[node] = (node, *nodes), (relation(node, nxt), *relations)

    order = sorted(dist, key=dist.__getitem__)
    for node in order:                  # nearest first: a node's next hop has its path already
        if dist[node]:
            extend(node, dist[node] - 1)
    for node in order:                  # a goal's own path leads to another goal, nearest first
        if dist[node]:
            break
        nearer = [dist[n] for n in up.get(node, ()) if n in dist]
        if nearer:
            extend(node, min(nearer))
    return paths


class LineageIndex:
    """The lineage graph over integer ids (``iri[i]`` names node ``i``; ids follow IRI order):
    ``up`` (a node's sources) and ``down`` (what derives from it), sorted, each neighbour once;
    ``relation(t, s)`` the first (in sorted order) relation of the qualified derivations behind
    the edge from ``t`` to ``s`` (None when there is none). Only nodes with edges have entries."""

    def __init__(self, store: Any, version: Any) -> None:
        self.version = version
        self._store = store
        edges = dict.fromkeys(_iri_rows(store, "internal/index-edges"))    # once, whatever the graphs
        first: dict[str, dict[str, str]] = {k: {} for k in _FACTS}
        for key, predicate in _FACTS.items():
            seen = first[key]
            for node, value in _pairs(store, predicate):
                seen.setdefault(node, value)
        part_of = list(_pairs(store, _DCT + "isPartOf"))
        names = {n for edge in edges for n in edge} | {n for pair in part_of for n in pair}
        self.iri: list[str] = sorted(names)
        self.id: dict[str, int] = {iri: i for i, iri in enumerate(self.iri)}
        ids, size = self.id, len(self.iri)
        up: dict[int, list[int]] = defaultdict(list)
        down: dict[int, list[int]] = defaultdict(list)
        for t, s in sorted((ids[target], ids[source]) for target, source in edges):
            up[t].append(s)
            down[s].append(t)
        self.up, self.down = dict(up), dict(down)
        canonical: dict[str, str] = {}
        self._relations: dict[int, str] = {}        # t * size + s -> its first relation
        for target, source, relation in _relation_rows(store):
            if (target, source) in edges:
                pair = ids[target] * size + ids[source]
                known = self._relations.get(pair)
                if known is None or relation < known:
                    self._relations[pair] = canonical.setdefault(relation, relation)
        self._size = size
        self.parts: dict[int, list[int]] = defaultdict(list)
        for part, whole in part_of:
            self.parts[ids[whole]].append(ids[part])
        self._ids, self._labels = first["identifier"], first["label"]
        self._reasons, self._notes = first["terminal_reason"], first["terminal_note"]
        by_id: dict[str, list[str]] = defaultdict(list)
        for node, identifier in first["identifier"].items():
            by_id[identifier].append(node)
        self.by_id = {k: min(v) for k, v in by_id.items()}    # as internal/find-dataset resolves it

    def relation(self, target: int, source: int) -> str | None:
        return self._relations.get(target * self._size + source)

    def fact(self, node: str) -> NodeFacts:
        """What answers show about ``node`` (an IRI)."""
        return NodeFacts(self._ids.get(node), self._labels.get(node), self._reasons.get(node), self._notes.get(node))

    def catalog(self) -> list[dict[str, Any]]:
        """The rows ``internal/dataset-catalog`` gives (every node stated a dataset that has an
        identifier: its label, whether it is a benchmark, a root, why it is terminal), from the
        facts the index holds and one more IRI-only query for the classes."""
        kinds: dict[str, set[str]] = defaultdict(set)
        for dataset, kind in _iri_rows(self._store, "internal/index-datasets"):
            kinds[dataset].add(kind)
        ids, up = self.id, self.up
        return [{"dataset": node, "id": self._ids[node], "label": self._labels.get(node),
                 "isBenchmark": _LK + "Benchmark" in kind, "isRoot": ids.get(node) not in up,
                 "terminalReason": self._reasons.get(node)}
                for node, kind in kinds.items() if _LK + "Dataset" in kind and node in self._ids]

    def label(self, node: str) -> str | None:
        return self._labels.get(node)

    def roots(self, start: str) -> dict[str, int]:
        """The roots ``start`` reaches (itself, when it has no sources), with their distance."""
        first = self.id.get(start)
        if first is None or first not in self.up:
            return {start: 0}
        iri, up = self.iri, self.up
        return {iri[n]: d for n, d in walk_from((first,), self.up).items() if n not in up}

    def roots_with_facts(self, start: str) -> list[tuple[str, int, str | None, str | None, str | None]]:
        """(root, distance, identifier, terminal reason, terminal note) of every root ``start``
        reaches: ``roots`` and ``fact`` in one pass, for answers of many roots."""
        ids, reasons, notes = self._ids.get, self._reasons.get, self._notes.get
        return [(n, d, ids(n), reasons(n), notes(n)) for n, d in self.roots(start).items()]

    def _named(self, found: tuple[tuple[int, ...], tuple[str | None, ...]]
               ) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        iri = self.iri
        return tuple(map(iri.__getitem__, found[0])), found[1]

    def path(self, start: str, goal: str) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
        """A shortest path up from ``start`` to ``goal`` or a split of it: the first goal a
        breadth-first search up from ``start`` (neighbours in sorted order) dequeues."""
        a, b = self.id.get(start), self.id.get(goal)
        if a is None or b is None:
            return None
        found = shortest_path(self.up, self.relation, a, {b, *self.parts.get(b, ())})
        return self._named(found) if found is not None else None

    def contamination(self, benchmark: str, name: Callable[[str], str] | None = None
                      ) -> dict[str, tuple[tuple[str, ...], tuple[str | None, ...]]]:
        """Every node that derives (in one or more steps) from the benchmark or a split of it,
        with its witness path, from one multi-source search; the path's nodes are IRIs, or what
        ``name`` calls them (worked out once per node, not once per path it is on)."""
        b = self.id.get(benchmark)
        if b is None:
            return {}
        goals = {b, *self.parts.get(b, ())}
        found = witness_paths(self.up, self.down, self.relation, goals)
        iri = self.iri
        called = {n: iri[n] for n in (*found, *goals)}     # every node on a path starts one or is a goal
        if name is not None:
            called = {n: name(i) for n, i in called.items()}
        label = called.__getitem__
        return {iri[node]: (tuple(map(label, nodes)), relations) for node, (nodes, relations) in found.items()}
