"""The lineage analyses: each runs library queries on a store and shapes the rows into answers
named by dataset identifiers (``openai/gsm8k``), the way people and scripts ask for them.

Transitive closure is SPARQL's job (property paths); what SPARQL cannot say (a shortest witness
path, the longest upstream chain) is a graph search over the edges a query returned.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from lineagekg import taxonomy
from lineagekg.errors import QueryParameterError, UnknownDatasetError
from lineagekg.interop import prov_documents
from lineagekg.lineage_index import LineageIndex, search_graph, shortest_path, witness_paths
from lineagekg.namespaces import PREFIXES
from lineagekg.queries import library
from lineagekg.store.base import GraphStore
from lineagekg.vocab import LK

_LK = str(LK._NS)
_ABSOLUTE_IRI = re.compile(r"^(https?|urn|file):\S+$")


@functools.cache
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


_T = TypeVar("_T")


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _built(cls: type[_T], *values: Any) -> _T:
    """An instance of the frozen dataclass ``cls`` from all its field values in order, set without
    the per-field ``object.__setattr__`` of its ``__init__`` (three times faster: answers from
    the index hold thousands of them)."""
    item = object.__new__(cls)
    item.__dict__.update(zip(_field_names(cls), values))
    return item


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


@dataclass(frozen=True)
class DatasetRef:
    """A dataset as every answer of the gateway shows it."""

    id: str
    iri: str
    label: str | None = None
    is_benchmark: bool = False
    is_root: bool | None = None           # no sources in the store
    terminal_reason: str | None = None    # local name of an lk:TerminalReason concept


@dataclass(frozen=True)
class _Catalog:
    version: int | None
    by_iri: dict[str, DatasetRef]
    by_id: dict[str, DatasetRef]
    names: dict[str, str]


def relation_family(relation: str | None) -> str | None:
    """The paper's relation (one of five) above a relation's local name, or None.

    >>> relation_family("filteredFrom"), relation_family("fusedFrom"), relation_family("x")
    ('includedFrom', 'fusedFrom', None)
    """
    found = taxonomy.relations().get(relation) if relation else None
    return found.top if found is not None else None


@dataclass(frozen=True)
class DatasetLink:
    """One direct lineage link of a dataset: the dataset at the other end and the most confident
    qualified derivation between them (``edges`` lists them all: one per source graph)."""

    dataset: DatasetRef
    edge: str | None
    relation: str | None
    family: str | None
    confidence: float | None
    review_status: str | None
    edges: tuple[str, ...] = ()
    kind: str = "derivation"              # or "split": a split of the focus (not a derivation)


@dataclass(frozen=True)
class DatasetMetadata:
    """What the store says about a dataset beyond its name (from every source graph)."""

    domains: tuple[str, ...] = ()
    origin: str | None = None
    year: int | None = None
    hub_year: int | None = None
    paper_year: int | None = None
    license: str | None = None
    summary: str | None = None
    paper_url: str | None = None
    aliases: tuple[str, ...] = ()
    data_type: str | None = None
    downloads: int | None = None
    exists_on_hub: bool | None = None
    hub_id: str | None = None
    is_terminal: bool | None = None
    terminal_note: str | None = None
    split_of: str | None = None           # identifier of the whole dataset, for a split
    split_name: str | None = None
    splits: tuple[str, ...] = ()          # identifiers of its named splits
    same_as: tuple[str, ...] = ()         # owl:sameAs and skos:exactMatch
    types: tuple[str, ...] = ()           # lk: classes (Dataset, Benchmark, DatasetSplit)
    graphs: tuple[str, ...] = ()          # the bundles (sources) that say something about it


@dataclass(frozen=True)
class DatasetDescription:
    dataset: DatasetRef
    metadata: DatasetMetadata
    sources: list[DatasetLink]
    children: list[DatasetLink]


@dataclass(frozen=True)
class LineageEdge:
    """An edge of a lineage view, named by identifiers, with its most confident derivation."""

    target: str
    source: str
    edge: str | None
    relation: str | None
    family: str | None
    confidence: float | None
    review_status: str | None
    edges: tuple[str, ...] = ()
    kind: str = "derivation"              # or "split": a split of the focus (not a derivation)


@dataclass(frozen=True)
class NeighbourNode:
    """A dataset of a lineage view: hops from the focus, on which side, and whether it has
    lineage further out (on its side) that the view leaves out."""

    dataset: DatasetRef
    distance: int
    side: str                             # "focus", "up" (an ancestor) or "down" (a descendant)
    expandable: bool = False


@dataclass(frozen=True)
class Neighbourhood:
    """The lineage around one dataset up to a depth, capped at a number of datasets."""

    focus: DatasetRef
    nodes: list[NeighbourNode]
    edges: list[LineageEdge]
    truncated: bool                       # more datasets within the depth than the cap
    hidden: int                           # datasets of the lineage not shown (too far or capped)


@dataclass(frozen=True)
class DocumentInfo:
    iri: str
    title: str | None = None
    sha256: str | None = None
    retrieved_at: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class EdgeEvidence:
    """One qualified derivation between two datasets and where it came from."""

    edge: str
    graph: str
    relation: str | None
    family: str | None
    confidence: float | None
    review_status: str | None
    quote: str | None
    source_kinds: tuple[str, ...]
    documents: tuple[DocumentInfo, ...]
    activity: str | None
    started_at: str | None
    agent: str | None
    agent_label: str | None
    model: str | None                     # the model the agent used, when one did
    prompt_version: str | None
    teacher_model: str | None             # the model the data was distilled from, when known
    reached: str | None = None            # the source, or the split of it the edge points at


@dataclass(frozen=True)
class EvidenceReport:
    target: DatasetRef
    source: DatasetRef
    items: list[EdgeEvidence]


LINEAGE_DIRECTIONS = ("up", "down", "both")
MAX_LINEAGE_DEPTH = 10
EXPORT_MEDIA_TYPES = {"turtle": "text/turtle", "jsonld": "application/ld+json", **prov_documents.MEDIA_TYPES}


def _links_by_pair(rows: list[dict[str, Any]], near: str, far: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[(r[near], r[far])].append(r)
    return grouped


def _best(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The most confident derivation of one pair (then by relation and IRI, to be stable), and
    the IRIs of all of them."""
    best = max(rows, key=lambda r: (r["confidence"] if r["confidence"] is not None else -1.0,
                                    r["edge"] is not None, r["relation"] or "", r["edge"] or ""))
    return best, tuple(sorted({r["edge"] for r in rows if r["edge"]}))


_YEAR = re.compile(r"^-?\d{4}")


def _year(value: Any) -> int | None:
    match = _YEAR.match(str(value)) if value is not None else None
    return int(match.group()) if match else None


class Lineage:
    """The analyses over one store."""

    def __init__(self, store: GraphStore, *, index: bool = False) -> None:
        """``index``: answer closure questions from an in-memory index of the lineage graph
        (``LineageIndex``, read once per store version) rather than one SPARQL query each; for
        long-lived callers such as the gateway, where the index is read once and used often."""
        self.store = store
        self._use_index = index
        self._lock = threading.Lock()
        self._catalog: _Catalog | None = None
        self._index: LineageIndex | None = None

    # --- naming ----------------------------------------------------------------------------

    def _store_version(self) -> int | None:
        """The store's write counter (``generation``, bumped by every write through the store);
        None when the store has none (then nothing is cached)."""
        generation = getattr(self.store, "generation", None)
        return generation if isinstance(generation, int) else None

    def index(self) -> LineageIndex:
        """The lineage index of the store as it stands (rebuilt after a write)."""
        with self._lock:
            version = self._store_version()
            if self._index is None or version is None or self._index.version != version:
                self._index = LineageIndex(self.store, version)
            return self._index

    def _current_catalog(self) -> _Catalog:
        """Every dataset as answers show it, read once per store version (a long-running gateway
        asks for names on every request; a write to the store makes it read again); with the
        index, made from what it read (``LineageIndex.catalog``)."""
        index = self.index() if self._use_index else None
        with self._lock:
            version = self._store_version() if index is None else index.version
            if self._catalog is None or version is None or self._catalog.version != version:
                rows = (index.catalog() if index is not None
                        else self.store.select(library().get("internal/dataset-catalog")))
                refs = {r["dataset"]: DatasetRef(
                    id=r["id"], iri=r["dataset"], label=r["label"], is_benchmark=bool(r["isBenchmark"]),
                    is_root=r["isRoot"], terminal_reason=local_name(r["terminalReason"])) for r in rows}
                by_id: dict[str, DatasetRef] = {}
                for ref in sorted(refs.values(), key=lambda x: x.iri):
                    by_id.setdefault(ref.id, ref)
                self._catalog = _Catalog(version, refs, by_id, {k: v.id for k, v in refs.items()})
            return self._catalog

    def names(self) -> dict[str, str]:
        """IRI -> identifier for every dataset (cached while the store does not change)."""
        return self._current_catalog().names

    def ref(self, iri: str) -> DatasetRef:
        """How answers show the dataset ``iri`` (an IRI that is no dataset is shown as itself)."""
        return self._current_catalog().by_iri.get(iri) or DatasetRef(id=iri, iri=iri)

    def ref_of(self, identifier: str) -> DatasetRef:
        """How answers show the dataset named ``identifier`` in an answer (an id, as analyses give)."""
        catalog = self._current_catalog()
        return catalog.by_id.get(identifier) or catalog.by_iri.get(identifier) or DatasetRef(
            id=identifier, iri=identifier)

    def name(self, iri: str) -> str:
        return self.names().get(iri, iri)

    def resolve(self, identifier: str) -> str:
        """The IRI of a dataset given as imported id, alias, or IRI; else ``UnknownDatasetError``
        with close names as suggestions."""
        if self._use_index:
            known = self.index().by_id.get(identifier)
            if known is not None:
                return known
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
        if self._use_index:
            index, names = self.index(), self.names()
            label = index.label
            return [_built(Related, name, n, label(n), d, end, None, None, None)
                    for d, name, n, end in sorted([(d, names.get(n, n), n, end) for n, d, end in index.upstream(iri)])]
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
        if self._use_index:
            index, names = self.index(), self.names()
            label = index.label
            return [_built(Related, name, n, label(n), d, None, end, None, None)
                    for d, name, n, end in sorted([(d, names.get(n, n), n, end) for n, d, end in index.downstream(iri)])]
        rows = self.store.select(library().get("descendants"), dataset=iri)
        dist = self._distances(iri, self._edges("downstream-edges", iri), upstream=False)
        found = [Related(self.name(r["descendant"]), r["descendant"], r["label"],
                         dist.get(r["descendant"]), is_leaf=r["isLeaf"]) for r in rows]
        return sorted(found, key=lambda x: (x.distance or 0, x.id))

    def roots(self, identifier: str) -> list[Related]:
        """The upstream roots, each with its shortest distance (0 for a dataset without sources)."""
        iri = self.resolve(identifier)
        if self._use_index:
            index, names = self.index(), self.names()
            facts = [(index.fact(n), n, d) for n, d in index.roots(iri).items()]
            facts.sort(key=lambda x: (x[0].id is not None, x[0].id or ""))   # as roots.rq orders them
            return [_built(Related, names.get(n, n), n, fact.label, d, True, None, local_name(fact.terminal_reason),
                             fact.terminal_note) for fact, n, d in facts]
        rows = self.store.select(library().get("roots"), dataset=iri)
        dist = self._distances(iri, self._edges("upstream-edges", iri), upstream=True) if rows else {}
        return [Related(self.name(r["root"]), r["root"], r["label"], dist.get(r["root"]), is_root=True,
                        terminal_reason=local_name(r["terminalReason"]),
                        terminal_note=r["terminalNote"]) for r in rows]

    def shared_roots(self, identifiers: list[str]) -> list[Related]:
        """Roots every one of the datasets has (two or more)."""
        if len(identifiers) < 2:
            raise QueryParameterError("shared-roots", "datasets", "give two or more datasets")
        iris = [self.resolve(i) for i in identifiers]
        if self._use_index:
            index = self.index()
            common = set(index.roots(iris[0]))
            for other in iris[1:]:
                common &= set(index.roots(other))
            names = self.names()
            return [Related(names.get(k, k), k, index.fact(k).label, is_root=True,
                            terminal_reason=local_name(index.fact(k).terminal_reason))
                    for k in sorted(common, key=lambda k: names.get(k, k))]
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
            found = self.index().path(start, goal) if self._use_index else self._sparql_path(start, goal)
            if found is not None:
                return direction, self._named(WitnessPath(found[0], tuple(local_name(r) for r in found[1])))
        return None

    def _sparql_path(self, start: str, goal: str) -> tuple[tuple[str, ...], tuple[str | None, ...]] | None:
        rows = self.store.select(library().get("path"), **{"from": start, "to": goal})
        if not rows:
            return None
        up, _, relation = search_graph((r["target"], r["source"], r["relation"]) for r in rows)
        return shortest_path(up, relation, start, {r["goal"] for r in rows if r["goal"]})

    def _named(self, path: WitnessPath) -> WitnessPath:
        return WitnessPath(tuple(self.name(n) for n in path.nodes), path.relations)

    def contamination(self, identifier: str) -> list[ContaminationHit]:
        """Every dataset that reaches the benchmark (or a split of it), with a shortest witness path."""
        iri = self.resolve(identifier)
        if self._use_index:
            found = self.index().contamination(iri)
            names = self.names()
            named = {n: names.get(n, n) for n in {*found, *(nodes[-1] for nodes, _ in found.values())}}
            return [_built(ContaminationHit, named[node], named[nodes[-1]], _built(
                        WitnessPath, tuple(map(named.__getitem__, nodes)), tuple(map(local_name, relations))))
                    for _, _, node, (nodes, relations) in sorted(
                        (len(path[0]), named[node], node, path) for node, path in found.items())]
        rows = self.store.select(library().get("contamination"), benchmark=iri)
        up, down, relation = search_graph((r["dataset"], r["next"], r["relation"]) for r in rows)
        found = witness_paths(up, down, relation, {r["reached"] for r in rows})
        hits = [ContaminationHit(self.name(dataset), self.name(nodes[-1]),
                                 self._named(WitnessPath(nodes, tuple(local_name(r) for r in relations))))
                for dataset, (nodes, relations) in found.items()]
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

    # --- the gateway's views -----------------------------------------------------------------

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> tuple[list[DatasetRef], int]:
        """Datasets whose identifier, label or alias contains ``text`` (case-insensitive), exact
        matches first, then prefixes, then the rest (shorter names first); a page of them and
        how many matched. An empty text lists every dataset by identifier."""
        if limit < 1 or offset < 0:
            raise QueryParameterError("dataset-search", "limit" if limit < 1 else "offset",
                                      "limit must be at least 1 and offset at least 0")
        wanted = text.strip()
        if not wanted:
            found = sorted(self._current_catalog().by_iri.values(), key=lambda r: (r.id.lower(), r.id))
        else:
            rows = self.store.select(library().get("analyses/dataset-search"), text=wanted)
            found = [self.ref(r["dataset"]) for r in rows]
        return found[offset:offset + limit], len(found)

    def _links(self, query: str, iri: str, far: str) -> list[DatasetLink]:
        rows = self.store.select(library().get(query), dataset=iri)
        links = []
        for (_, other), group in _links_by_pair(rows, "dataset", far).items():
            best, edges = _best(group)
            relation = local_name(best["relation"])
            links.append(DatasetLink(self.ref(other), best["edge"], relation, relation_family(relation),
                                     best["confidence"], local_name(best["reviewStatus"]), edges))
        return sorted(links, key=lambda x: (x.dataset.id.lower(), x.dataset.id))

    def describe(self, identifier: str) -> DatasetDescription:
        """One dataset: how answers show it, its metadata from every source graph, and its direct
        sources and children (with the relation and confidence of each link)."""
        iri = self.resolve(identifier)
        values: dict[str, list[Any]] = defaultdict(list)
        for r in self.store.select(library().get("analyses/dataset-description"), dataset=iri):
            if r["value"] not in values[r["property"]]:
                values[r["property"]].append(r["value"])
        graphs = {r["graph"] for r in self.store.select(library().get("analyses/dataset-sources"), dataset=iri)}

        def one(prefix: str, name: str) -> Any:
            found = values.get(PREFIXES[prefix] + name)
            return found[0] if found else None

        def many(prefix: str, name: str) -> tuple[Any, ...]:
            return tuple(sorted(values.get(PREFIXES[prefix] + name, ()), key=str))

        downloads, split_of = one("lk", "downloads"), one("dcterms", "isPartOf")
        metadata = DatasetMetadata(
            domains=tuple(local_name(d) or d for d in many("lk", "domain")),
            origin=local_name(one("lk", "origin")),
            year=_year(one("dcterms", "issued")), hub_year=_year(one("lk", "hubYear")),
            paper_year=_year(one("lk", "paperYear")), license=one("dcterms", "license"),
            summary=one("dcterms", "description"), paper_url=one("lk", "paperUrl"),
            aliases=many("skos", "altLabel"), data_type=one("lk", "dataType"),
            downloads=int(downloads) if downloads is not None else None,
            exists_on_hub=one("lk", "existsOnHub"), hub_id=one("lk", "hubId"),
            is_terminal=one("lk", "isTerminal"), terminal_note=one("lk", "terminalNote"),
            split_of=self.name(split_of) if split_of else None, split_name=one("lk", "splitName"),
            splits=tuple(sorted(self.name(s) for s in many("dcterms", "hasPart"))),
            same_as=tuple(sorted(set(many("owl", "sameAs")) | set(many("skos", "exactMatch")))),
            types=tuple(sorted(x[len(_LK):] for x in many("rdf", "type") if x.startswith(_LK))),
            graphs=tuple(sorted(graphs)))
        return DatasetDescription(self.ref(iri), metadata,
                                  sources=self._links("analyses/direct-sources", iri, "source"),
                                  children=self._links("analyses/direct-children", iri, "child"))

    def neighbourhood(self, identifier: str, *, direction: str = "both", depth: int = 3,
                      max_nodes: int = 300) -> Neighbourhood:
        """The lineage around a dataset for a graph view: its ancestors (``up``), descendants
        (``down``) or both, up to ``depth`` hops, nearest first and at most ``max_nodes``
        datasets (``truncated`` then says so), with the edges between the datasets shown."""
        if direction not in LINEAGE_DIRECTIONS:
            raise QueryParameterError("lineage", "direction", f"{direction!r} is not one of "
                                      + ", ".join(LINEAGE_DIRECTIONS))
        if not 1 <= depth <= MAX_LINEAGE_DEPTH:
            raise QueryParameterError("lineage", "depth", f"{depth} is not between 1 and {MAX_LINEAGE_DEPTH}")
        if max_nodes < 1:
            raise QueryParameterError("lineage", "max_nodes", f"{max_nodes} is not at least 1")
        iri = self.resolve(identifier)
        sides: dict[str, tuple[list[dict[str, Any]], dict[str, int]]] = {}
        splits: dict[str, list[str]] = {}
        for side, query, upstream in (("up", "analyses/upstream-derivations", True),
                                      ("down", "analyses/downstream-derivations", False)):
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
        shown: dict[str, tuple[int, str]] = {iri: (0, "focus")}
        for d, side, node in candidates:
            if len(shown) >= max_nodes:
                break
            shown.setdefault(node, (d, side))
        everyone = {node for _, dist in sides.values() for node in dist}
        edges_out: list[LineageEdge] = []
        expandable: set[str] = set()
        edges_out += [LineageEdge(self.name(split), self.name(iri), None, None, None, None, None, kind="split")
                      for split in splits.get(iri, ()) if split in shown]
        for side, (rows, _) in sides.items():
            for (target, source), group in _links_by_pair(rows, "target", "source").items():
                near, far = (target, source) if side == "up" else (source, target)
                if near in shown and far not in shown:
                    expandable.add(near)
                if target in shown and source in shown:
                    best, all_edges = _best(group)
                    relation = local_name(best["relation"])
                    edges_out.append(LineageEdge(self.name(target), self.name(source), best["edge"], relation,
                                                 relation_family(relation), best["confidence"],
                                                 local_name(best["reviewStatus"]), all_edges))
        nodes = [NeighbourNode(self.ref(node), d, side, node in expandable)
                 for node, (d, side) in shown.items()]
        return Neighbourhood(self.ref(iri), nodes, sorted(edges_out, key=lambda e: (e.target, e.source)),
                             truncated=len(candidates) + 1 > len(shown), hidden=len(everyone | {iri}) - len(shown))

    def evidence(self, target_id: str, source_id: str) -> EvidenceReport:
        """Every qualified derivation saying that ``target`` derives from ``source`` (from any
        source graph): the quote, the documents, the run, agent and model, confidence, review."""
        target, source = self.resolve(target_id), self.resolve(source_id)
        rows = self.store.select(library().get("analyses/edge-evidence"), target=target, source=source)
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            grouped[r["edge"]].append(r)
        items = []
        for edge, group in grouped.items():
            first = group[0]
            documents: dict[str, DocumentInfo] = {}
            for r in group:
                if r["document"] and r["document"] not in documents:
                    documents[r["document"]] = DocumentInfo(r["document"], r["title"], r["sha256"],
                                                            r["retrievedAt"], r["documentKind"])
            relation = local_name(first["relation"])
            items.append(EdgeEvidence(
                edge=edge, graph=first["graph"], relation=relation, family=relation_family(relation),
                reached=self.name(first["reached"]),
                confidence=first["confidence"], review_status=local_name(first["reviewStatus"]),
                quote=first["quote"], source_kinds=tuple(sorted({k for r in group for k in (r["sourceKind"] or "").split("; ") if k})),
                documents=tuple(sorted(documents.values(), key=lambda d: d.iri)),
                activity=first["activity"], started_at=first["startedAt"], agent=first["agent"],
                agent_label=first["agentLabel"], model=first["model"], prompt_version=first["promptVersion"],
                teacher_model=first["teacherModel"]))
        items.sort(key=lambda e: (-(e.confidence or 0.0), e.graph, e.edge))
        return EvidenceReport(self.ref(target), self.ref(source), items)

    def subgraph(self, identifier: str, *, direction: str = "both") -> list[Any]:
        """The lineage subgraph of a dataset as pyoxigraph triples: the datasets upstream and/or
        downstream, the plain, typed and qualified derivations between them, and the documents,
        runs, agents and models behind each derivation."""
        if direction not in LINEAGE_DIRECTIONS:
            raise QueryParameterError("export", "direction", f"{direction!r} is not one of "
                                      + ", ".join(LINEAGE_DIRECTIONS))
        iri = self.resolve(identifier)
        triples: dict[Any, None] = {}
        for side, query in (("up", "analyses/export-upstream"), ("down", "analyses/export-downstream")):
            if direction in (side, "both"):
                # a CONSTRUCT: pyoxigraph's triples (the store protocol has no graph-returning call yet)
                triples.update(dict.fromkeys(self.store.raw_query(library().get(query), dataset=iri)))  # type: ignore[attr-defined]
        return list(triples)

    def export(self, identifier: str, *, fmt: str = "turtle", direction: str = "both") -> bytes:
        """The lineage subgraph of a dataset serialised as Turtle or JSON-LD, the triples in a
        stable order: the same store gives the same bytes (a Croissant file cites their sha256);
        or as PROV-N, PROV-JSON or PROV-XML (each triple in the bundles, named graphs, that hold it)."""
        import pyoxigraph as ox

        formats = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
        if fmt not in formats and fmt not in prov_documents.PROV_FORMATS:
            raise QueryParameterError("export", "format", f"{fmt!r} is not one of "
                                      + ", ".join([*formats, *prov_documents.PROV_FORMATS]))
        triples = sorted(self.subgraph(identifier, direction=direction), key=str)
        if fmt in prov_documents.PROV_FORMATS:
            return prov_documents.serialize(self.store.quads_of(triples), fmt)  # type: ignore[attr-defined]
        prefixes = {**PREFIXES, "hf": "https://huggingface.co/datasets/"} if fmt == "turtle" else None
        return ox.serialize(triples, format=formats[fmt], prefixes=prefixes) or b""

