"""The lineage analyses: each runs library queries on a store and shapes the rows into answers
named by dataset identifiers (``openai/gsm8k``), the way people and scripts ask for them.

Transitive closure is SPARQL's job (property paths); what SPARQL cannot say (a shortest witness
path, the longest upstream chain) is a graph search over the edges a query returned.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from lineagekg.errors import QueryParameterError, UnknownDatasetError
from lineagekg.queries import library
from lineagekg.store.base import GraphStore
from lineagekg.vocab import LK

_LK = str(LK._NS)
_ABSOLUTE_IRI = re.compile(r"^(https?|urn|file):\S+$")


def local_name(iri: str | None) -> str | None:
    """``lk:filteredFrom`` -> ``filteredFrom``; other IRIs unchanged."""
    if iri is None:
        return None
    return iri[len(_LK):] if iri.startswith(_LK) else iri


@dataclass(frozen=True)
class Related:
    """A dataset in an answer: identifier, IRI, label, and its distance in hops."""

    id: str
    iri: str
    label: str | None = None
    distance: int | None = None
    is_root: bool | None = None
    is_leaf: bool | None = None
    terminal_reason: str | None = None
    terminal_note: str | None = None


@dataclass(frozen=True)
class Edge:
    target: str
    source: str
    relation: str | None


@dataclass(frozen=True)
class WitnessPath:
    """One path of lineage edges: ``nodes[0]`` derives (through ``relations``) from ``nodes[-1]``."""

    nodes: tuple[str, ...]
    relations: tuple[str | None, ...]

    @property
    def length(self) -> int:
        return len(self.nodes) - 1


@dataclass(frozen=True)
class ContaminationHit:
    dataset: str
    reached: str          # the benchmark or the split of it that is reached
    path: WitnessPath

    @property
    def direct(self) -> bool:
        return self.path.length == 1


@dataclass(frozen=True)
class RedundancyHit:
    """``dataset`` takes ``upstream`` directly and again through ``via`` (derived from it)."""

    dataset: str
    upstream: str
    via: str
    upstream_relation: str | None
    via_relation: str | None


@dataclass(frozen=True)
class DomainStructure:
    domain: str
    nodes: int
    avg_depth: float
    avg_in_degree: float
    avg_out_degree: float
    leaf_share: float     # percentage of nodes with no sources


@dataclass
class Statistics:
    counts: dict[str, int]
    relations: dict[str, int] = field(default_factory=dict)
    terminal_reasons: dict[str, int] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)


def _shortest_path(adjacency: dict[str, list[tuple[str, str | None]]], start: str,
                   goals: set[str]) -> WitnessPath | None:
    """Breadth-first search from ``start`` along ``adjacency`` to the nearest of ``goals``."""
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
            return WitnessPath(tuple(reversed(nodes)), tuple(reversed(relations)))
        for nxt, relation in sorted(adjacency.get(node, ()), key=lambda x: (x[0], x[1] or "")):
            if nxt not in previous:
                previous[nxt] = (node, relation)
                queue.append(nxt)
    return None


class Lineage:
    """The analyses over one store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._names: dict[str, str] | None = None

    # --- naming ----------------------------------------------------------------------------

    def names(self) -> dict[str, str]:
        """IRI -> identifier for every dataset (read once per Lineage)."""
        if self._names is None:
            rows = self.store.select(library().get("internal/identifiers"))
            self._names = {r["dataset"]: r["id"] for r in rows}
        return self._names

    def name(self, iri: str) -> str:
        return self.names().get(iri, iri)

    def resolve(self, identifier: str) -> str:
        """The IRI of a dataset given as imported id, alias, or IRI; else ``UnknownDatasetError``
        with close names as suggestions."""
        rows = self.store.select(library().get("internal/find-dataset"), id=identifier)
        if rows:
            exact = [r for r in rows if r["how"] == "identifier"] or rows
            return sorted(r["dataset"] for r in exact)[0]
        if _ABSOLUTE_IRI.match(identifier) and identifier in self.names():
            return identifier
        tail = identifier.rsplit("/", 1)[-1]
        hits = self.store.select(library().get("internal/search-datasets"), text=tail) if tail else []
        raise UnknownDatasetError(identifier, [h["id"] for h in hits[:5]])

    # --- graph walks -----------------------------------------------------------------------

    def _edges(self, query: str, iri: str) -> list[Edge]:
        rows = self.store.select(library().get(query), dataset=iri)
        return [Edge(r["target"], r["source"], local_name(r["relation"])) for r in rows]

    @staticmethod
    def _distances(start: str, edges: list[Edge], upstream: bool) -> dict[str, int]:
        adjacency: dict[str, list[str]] = defaultdict(list)
        for e in edges:
            a, b = (e.target, e.source) if upstream else (e.source, e.target)
            adjacency[a].append(b)
        dist = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in adjacency[node]:
                if nxt not in dist:
                    dist[nxt] = dist[node] + 1
                    queue.append(nxt)
        return dist

    def ancestors(self, identifier: str) -> list[Related]:
        """Every upstream dataset, with its shortest distance, nearest first."""
        iri = self.resolve(identifier)
        rows = self.store.select(library().get("ancestors"), dataset=iri)
        dist = self._distances(iri, self._edges("upstream-edges", iri), upstream=True)
        found = [Related(self.name(r["ancestor"]), r["ancestor"], r["label"], dist.get(r["ancestor"]),
                         is_root=r["isRoot"]) for r in rows]
        return sorted(found, key=lambda x: (x.distance or 0, x.id))

    def upstream_edges(self, identifier: str) -> list[Edge]:
        iri = self.resolve(identifier)
        return [Edge(self.name(e.target), self.name(e.source), e.relation)
                for e in self._edges("upstream-edges", iri)]

    def descendants(self, identifier: str) -> list[Related]:
        iri = self.resolve(identifier)
        rows = self.store.select(library().get("descendants"), dataset=iri)
        dist = self._distances(iri, self._edges("downstream-edges", iri), upstream=False)
        found = [Related(self.name(r["descendant"]), r["descendant"], r["label"],
                         dist.get(r["descendant"]), is_leaf=r["isLeaf"]) for r in rows]
        return sorted(found, key=lambda x: (x.distance or 0, x.id))

    def roots(self, identifier: str) -> list[Related]:
        iri = self.resolve(identifier)
        rows = self.store.select(library().get("roots"), dataset=iri)
        return [Related(self.name(r["root"]), r["root"], r["label"], is_root=True,
                        terminal_reason=local_name(r["terminalReason"]),
                        terminal_note=r["terminalNote"]) for r in rows]

    def shared_roots(self, identifiers: list[str]) -> list[Related]:
        """Roots every one of the datasets has (two or more)."""
        if len(identifiers) < 2:
            raise QueryParameterError("shared-roots", "datasets", "give two or more datasets")
        iris = [self.resolve(i) for i in identifiers]
        rows = self.store.select(library().get("shared-roots"), a=iris[0], b=iris[1])
        shared = {r["root"]: r for r in rows}
        for other in iris[2:]:
            keep = {r["root"] for r in self.store.select(library().get("roots"), dataset=other)}
            shared = {k: v for k, v in shared.items() if k in keep}
        return [Related(self.name(k), k, v["label"], is_root=True,
                        terminal_reason=local_name(v["terminalReason"]))
                for k, v in sorted(shared.items(), key=lambda kv: self.name(kv[0]))]

    def path(self, source_id: str, target_id: str) -> tuple[str, WitnessPath] | None:
        """A shortest lineage path between two datasets (or a split of the upstream one), in
        whichever direction exists.

        Returns ``("upstream", path)`` when the first derives from the second,
        ``("downstream", path)`` when the second derives from the first, else None.
        """
        a, b = self.resolve(source_id), self.resolve(target_id)
        for direction, (start, goal) in (("upstream", (a, b)), ("downstream", (b, a))):
            rows = self.store.select(library().get("path"), **{"from": start, "to": goal})
            if rows:
                adjacency: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
                for r in rows:
                    adjacency[r["target"]].append((r["source"], local_name(r["relation"])))
                found = _shortest_path(adjacency, start, {r["goal"] for r in rows if r["goal"]})
                if found is not None:
                    return direction, self._named(found)
        return None

    def _named(self, path: WitnessPath) -> WitnessPath:
        return WitnessPath(tuple(self.name(n) for n in path.nodes), path.relations)

    def contamination(self, identifier: str) -> list[ContaminationHit]:
        """Every dataset that reaches the benchmark (or a split of it), with a shortest witness path."""
        iri = self.resolve(identifier)
        rows = self.store.select(library().get("contamination"), benchmark=iri)
        adjacency: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        reached_by: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            adjacency[r["dataset"]].append((r["next"], local_name(r["relation"])))
            reached_by[r["dataset"]].add(r["reached"])
        goals = {g for gs in reached_by.values() for g in gs}
        hits = []
        for dataset in sorted(adjacency, key=self.name):
            found = _shortest_path(adjacency, dataset, goals)
            if found is not None:
                hits.append(ContaminationHit(self.name(dataset), self.name(found.nodes[-1]),
                                             self._named(found)))
        return sorted(hits, key=lambda h: (h.path.length, h.dataset))

    def redundancy(self) -> list[RedundancyHit]:
        rows = self.store.select(library().get("redundancy"))
        return [RedundancyHit(self.name(r["dataset"]), self.name(r["upstream"]), self.name(r["via"]),
                              local_name(r["upstreamRelation"]), local_name(r["viaRelation"]))
                for r in rows]

    def structure(self) -> list[DomainStructure]:
        """Per domain (paper's Table 1): nodes, average depth (longest upstream path to a node
        with no sources), average in-degree (direct sources), out-degree (direct children), and
        the share of leaves (nodes with no sources), averaged over the domain's nodes."""
        sources: dict[str, set[str]] = defaultdict(set)
        for r in self.store.select(library().get("edges")):
            sources[r["target"]].add(r["source"])
        depth: dict[str, int] = {}

        def depth_of(node: str) -> int:
            stack = [(node, iter(sorted(sources.get(node, ()))))]
            while stack:
                current, children = stack[-1]
                pending = next((c for c in children if c not in depth), None)
                if pending is not None:
                    stack.append((pending, iter(sorted(sources.get(pending, ())))))
                    continue
                stack.pop()
                depth[current] = 1 + max((depth[c] for c in sources.get(current, ())), default=-1)
            return depth[node]

        per_domain: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.store.select(library().get("domain-degrees")):
            per_domain[local_name(r["domain"]) or r["domain"]].append(r)
        result = []
        for domain, rows in sorted(per_domain.items()):
            n = len(rows)
            result.append(DomainStructure(
                domain=domain, nodes=n,
                avg_depth=sum(depth_of(r["dataset"]) for r in rows) / n,
                avg_in_degree=sum(r["inDegree"] for r in rows) / n,
                avg_out_degree=sum(r["outDegree"] for r in rows) / n,
                leaf_share=100.0 * sum(1 for r in rows if r["inDegree"] == 0) / n))
        return result

    def statistics(self) -> Statistics:
        counts = self.store.select(library().get("stats"))[0]
        relations = {local_name(r["relation"]) or "": r["count"]
                     for r in self.store.select(library().get("relation-counts"))}
        reasons = {local_name(r["reason"]) or "": r["count"]
                   for r in self.store.select(library().get("terminal-reasons"))}
        return Statistics(counts={k: int(v) for k, v in counts.items()}, relations=relations,
                          terminal_reasons=reasons, graphs=self.store.named_graphs())
