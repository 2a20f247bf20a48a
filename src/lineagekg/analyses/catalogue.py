"""The base of the analyses: one store, the datasets of it as answers name them (read once per
store version), dataset identifiers resolved to IRIs, and the lineage index for long-lived callers.
"""

from __future__ import annotations

import gc
import re
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lineagekg.analyses.models import DatasetRef, WitnessPath, trusted
from lineagekg.analyses.naming import local_name
from lineagekg.errors import UnknownDatasetError
from lineagekg.lineage_index import LineageIndex
from lineagekg.queries import library
from lineagekg.store.base import GraphStore

_ABSOLUTE_IRI = re.compile(r"^(https?|urn|file):\S+$")


def _settle() -> None:
    """Move what exists now (a freshly built index or catalogue: 10^5-10^6 long-lived objects at
    100k datasets) out of the cyclic garbage collector's reach. Long answers allocate enough to
    set off full collections, and each would walk all of it again (contamination at 20k: 1.4 s
    an answer before, 0.45 s after). Garbage is collected first, so none is kept frozen; frozen
    objects are still freed when nothing refers to them (the previous version's index)."""
    gc.collect()
    gc.freeze()


_paused = 0
_resume = False
_pause_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a long answer is built (its items are all kept:
    collecting while they pile up only walks them again and again); nested and threaded uses
    resume it when the last ends."""
    global _paused, _resume
    with _pause_lock:
        if not _paused:
            _resume = gc.isenabled()          # left off by someone else: leave it off
        _paused += 1
        gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _paused -= 1
            if not _paused and _resume:
                gc.enable()


@dataclass(frozen=True)
class Edge:
    """A plain lineage edge as a graph walk uses it."""

    target: str
    source: str
    relation: str | None


@dataclass(frozen=True)
class _Catalog:
    version: int | None
    by_iri: dict[str, DatasetRef]
    by_id: dict[str, DatasetRef]
    names: dict[str, str]
    index: LineageIndex | None = None          # the index it was made from (with ``index=True``)
    # with the index: a node's (index id's) item values, made on first use (``node_values``)
    by_node: list[dict[str, Any] | None] = field(default_factory=list)


class Catalogue:
    """The store the analyses read, and how they name its datasets."""

    def __init__(self, store: GraphStore, *, index: bool = False, pinned: int | None = None) -> None:
        """``index``: answer closure questions from an in-memory index of the lineage graph
        (``LineageIndex``, read once per store version) rather than one SPARQL query each; for
        long-lived callers such as the gateway, where the index is read once and used often.
        ``pinned``: the store version the index and names are read for, once, whatever the store
        does afterwards (the gateway answers from one version while it reads the next, and never
        reads the index where it answers)."""
        self.store = store
        self._use_index = index
        self._pinned = pinned
        self._lock = threading.Lock()
        self._catalog: _Catalog | None = None
        self._index: LineageIndex | None = None

    def _store_version(self) -> int | None:
        """The store's write counter (``generation``, bumped by every write through the store);
        None when the store has none (then nothing is cached); the pinned version, when there is one."""
        if self._pinned is not None:
            return self._pinned
        generation = getattr(self.store, "generation", None)
        return generation if isinstance(generation, int) else None

    def index(self) -> LineageIndex:
        """The lineage index of the store as it stands (rebuilt after a write)."""
        with self._lock:
            version = self._store_version()
            if self._index is None or version is None or self._index.version != version:
                self._index = LineageIndex(self.store, version)
                _settle()
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
                self._catalog = _Catalog(version, refs, by_id, {k: v.id for k, v in refs.items()}, index,
                                         [None] * len(index.iri) if index is not None else [])
                _settle()
            return self._catalog

    def node_values(self) -> tuple[LineageIndex, list[dict[str, Any] | None], Callable[[int], dict[str, Any]]]:
        """(the index, its nodes' item values by index id, the function that makes a missing
        one): what ``ref`` would give each node, kept per store version, so that long answers
        from the index copy one dict per item. A node the catalogue lacks is shown as itself,
        with the label the index read."""
        catalog = self._current_catalog()
        index, values_of, by_iri = catalog.index, catalog.by_node, catalog.by_iri
        if index is None:           # a catalogue read without the index: values for this answer only
            index = self.index()
            values_of = [None] * len(index.iri)

        def make(node: int) -> dict[str, Any]:
            iri = index.iri[node]
            known = by_iri.get(iri) or DatasetRef(id=iri, iri=iri)
            values = known.__dict__.copy()
            if not known.label and (written := index.label(iri)) is not None:
                values["label"] = written
            values_of[node] = values
            return values
        return index, values_of, make

    def names(self) -> dict[str, str]:
        """IRI -> identifier for every dataset (cached while the store does not change)."""
        return self._current_catalog().names

    def ref(self, iri: str, **answer: Any) -> DatasetRef:
        """How answers show the dataset ``iri`` (an IRI that is no dataset is shown as itself),
        with what this answer found about it (``distance=2``, ``is_root=True`` ...) on top; a
        value of None in ``answer`` keeps the catalogue's, and so does a label the catalogue has."""
        return self.refs()(iri, **answer)

    def refs(self) -> Callable[..., DatasetRef]:
        """``ref`` bound to the catalogue as it stands, for long answers: the catalogue is read
        once per answer rather than once per item, and items are built without validation
        (``trusted``: their values come from the catalogue and the index)."""
        by_iri = self._current_catalog().by_iri

        def ref(iri: str, **answer: Any) -> DatasetRef:
            known = by_iri.get(iri) or DatasetRef(id=iri, iri=iri)
            values, changed = known.__dict__.copy(), False
            for key, value in answer.items():
                if value is not None and not (key == "label" and known.label):
                    values[key], changed = value, True
            return trusted(DatasetRef, values) if changed else known
        return ref

    def ref_of(self, identifier: str, **answer: Any) -> DatasetRef:
        """How answers show the dataset named ``identifier`` in an answer (an id, as analyses give)."""
        catalog = self._current_catalog()
        known = catalog.by_id.get(identifier) or catalog.by_iri.get(identifier)
        return self.ref(known.iri if known else identifier, **answer)

    def name(self, iri: str) -> str:
        return self.names().get(iri, iri)

    def _named(self, path: WitnessPath, names: dict[str, str] | None = None) -> WitnessPath:
        """``path`` with its IRIs as identifiers (``names``: the catalogue's, read once by the caller)."""
        names = self.names() if names is None else names
        return trusted(WitnessPath, {"nodes": tuple([names.get(n, n) for n in path.nodes]),
                                     "relations": path.relations})

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
            return min(r["dataset"] for r in exact)
        if _ABSOLUTE_IRI.match(identifier) and identifier in self.names():
            return identifier
        tail = identifier.rsplit("/", 1)[-1]
        hits = self.store.select(library().get("internal/search-datasets"), text=tail) if tail else []
        raise UnknownDatasetError(identifier, [h["id"] for h in hits[:5]])

    def focus(self, identifier: str) -> DatasetRef:
        """The dataset an answer is about, at distance 0."""
        return self.ref(self.resolve(identifier), distance=0)

    # --- graph walks ---------------------------------------------------------------------------

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
