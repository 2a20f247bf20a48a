"""The embedded store: pyoxigraph on disk (RocksDB) or in memory.

One process owns an on-disk store. pyoxigraph's ``SyntaxError``/``OSError``/``ValueError`` are
translated here, once, into lineagekg errors. Imports are validated with SHACL *before* they are
written, and written in one transaction: a rejected batch leaves the store as it was.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from lineagekg.errors import ConfigError, InputError, QueryError, QuerySyntaxError, StoreError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.namespaces import value_of
from lineagekg.queries import SPARQLQuery, library
from lineagekg.resources import ontology_path
from lineagekg.sparql_text import check_shape, has_dataset_clause
from lineagekg.store.base import Row, WriteOutcome
from lineagekg.store.delta import Delta
from lineagekg.store.rdf_text import (
    data_block,
    describes,
    graph_ref,
    has_blank,
    is_about_graph,
    rows_of,
    serialize_quads,
)
from lineagekg.store.write_check import check_write
from lineagekg.validation import Progress, ShapeReport, batch_cycle_report


def default_store_path() -> Path:
    """``LINEAGEKG_STORE``, else ``$XDG_DATA_HOME/lineagekg/store`` (``~/.local/share/...``)."""
    env = os.environ.get("LINEAGEKG_STORE")
    if env:
        return Path(env)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "lineagekg" / "store"


#: RocksDB's old info logs kept in a store directory (it rotates ``LOG`` to ``LOG.old.<time>`` at
#: every open and keeps up to 1,000; pyoxigraph exposes no option for it)
INFO_LOGS_KEPT = 2


def prune_info_logs(path: Path, keep: int = INFO_LOGS_KEPT) -> int:
    """Delete all but the newest ``keep`` ``LOG.old.*`` files of an open store; how many went.
    They are RocksDB's diagnostics, never read back: the data is in the SST and WAL files."""
    old = sorted(path.glob("LOG.old.*"), key=lambda p: (len(p.name), p.name))   # the suffix is a time
    gone = 0
    for log in old[:max(len(old) - keep, 0)]:
        try:
            log.unlink()
            gone += 1
        except OSError:       # another process's view, or already gone: harmless
            pass
    return gone


def open_store(path: Path | str | None = None, *, memory: bool = False,
               read_only: bool = False) -> OxigraphStore:
    """Open (creating if needed) the store at ``path`` (default: ``default_store_path()``);
    ``read_only``: open a snapshot of it for reading, even while another process holds it.
    (``store.opening.open_store`` opens a SPARQL server store too.)"""
    if memory:
        return OxigraphStore(None)
    return OxigraphStore(Path(path) if path else default_store_path(), read_only=read_only)


def held_by_another_process(error: StoreError) -> bool:
    """Whether opening failed because another process (a gateway, a CLI command) holds the store."""
    return "lock" in str(error.__cause__ or error).lower()


_ONTOLOGY = ox.NamedNode(ONTOLOGY_GRAPH)


def _iri(value: str, what: str) -> ox.NamedNode:
    """``value`` as an IRI node, or ``InputError`` naming the parameter it came from."""
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise InputError(f"{what} {value!r} is not an IRI: {exc}", field=what) from exc


class UserAnswer:
    """The answer to a user's query: a boolean, or solutions or triples evaluated lazily as
    they are iterated (pyoxigraph's errors translated, as everywhere in this module).

    Iterate it, and let it go, in the thread that started the query: pyoxigraph's result
    iterators may only be freed by the thread that made them.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.boolean: bool | None = None
        self.variables: tuple[str, ...] = ()
        if isinstance(raw, ox.QueryBoolean):
            self.kind = "boolean"
            self.boolean = bool(raw)
        elif isinstance(raw, ox.QuerySolutions):
            self.kind = "solutions"
            self.variables = tuple(v.value for v in raw.variables)
        else:
            self.kind = "graph"

    def __iter__(self) -> Iterator[Any]:
        if self.kind == "boolean":
            return
        rows = iter(self.raw)
        while True:
            try:
                item = next(rows)
            except StopIteration:
                return
            except OSError as exc:
                raise StoreError(f"query: {exc}") from exc
            except (RuntimeError, SyntaxError) as exc:
                raise QueryError(f"query: {exc}") from exc
            yield item


class OxigraphStore:
    """The lineage graph in pyoxigraph: named graphs per source, the ontology in its own graph.

    Queries see the union of all graphs as their default graph. A store opened ``read_only``
    is a snapshot of the on-disk store as it was when opened (RocksDB read-only mode: no lock,
    so it opens while a gateway serves the store) and refuses every write.
    """

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                if not (path / "CURRENT").is_file():
                    raise ConfigError(f"no store at {path} to open read-only")
                self._store = ox.Store.read_only(str(path))
            else:
                if path.exists() and not path.is_dir():
                    raise ConfigError(f"store path {path} is a file, not a directory",
                                      hint="give --store a directory (it is created if missing)")
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
                prune_info_logs(path)
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}",
                             hint="another lineagekg process may hold it; one process per store") from exc
        self._write_lock = threading.RLock()   # validated writes: compute, check, apply, one at a time
        self.generation = 0                   # bumped by every validated write (caches key on it)
        self.last_write: float | None = None  # epoch seconds of the last write
        if not read_only:
            self._ensure_ontology()

    def _refuse_if_read_only(self, what: str) -> None:
        if self.read_only:
            raise StoreError(f"{what}: the store at {self.path} is open read-only (another process, such "
                             "as a running gateway, holds it); nothing was written",
                             hint="stop that process first, or write through the gateway's /update "
                                  "or /store with its update token")

    # --- reading ---------------------------------------------------------------------------

    def _run(self, text: str, *, name: str = "query", union: bool | None = None) -> Any:
        """Run ``text``; its default graph is the union of all graphs unless ``union`` is False
        or (``union`` None) the text has its own ``FROM``/``FROM NAMED``."""
        if union is None:
            union = not has_dataset_clause(text)
        try:
            return self._store.query(text, use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"{name}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{name}: {exc}") from exc
        except RuntimeError as exc:  # pragma: no cover -- pyoxigraph's evaluation errors
            raise QueryError(f"{name}: {exc}") from exc

    def select(self, query: SPARQLQuery, **params: object) -> list[Row]:
        """Run a library SELECT with bound parameters; rows as dicts of Python values."""
        return rows_of(self._run(query.render(params), name=query.name))

    def ask(self, query: SPARQLQuery, **params: object) -> bool:
        return bool(self._run(query.render(params), name=query.name))

    def raw_query(self, query: SPARQLQuery, **params: object) -> Any:
        """Run any query of the library or a user's file; pyoxigraph results (for serialising).
        The text is checked for shapes that crash the parser first (``check_shape``)."""
        text = query.render(params)
        check_shape(text, what=f"query {query.name}")
        return self._run(text, name=query.name)

    def user_query(self, text: str, *, base_iri: str | None = None,
                   default_graphs: list[str] | None = None,
                   named_graphs: list[str] | None = None) -> UserAnswer:
        """Start a user's SPARQL query (the gateway's ``/sparql``); the answer is lazy.

        Without ``default_graphs``/``named_graphs`` the default graph is the union of all
        graphs, unless the text has its own ``FROM``/``FROM NAMED``; with either, the dataset
        is exactly what they name (the SPARQL Protocol's ``default-graph-uri``/
        ``named-graph-uri``, which override ``FROM``/``FROM NAMED``). The text is checked for
        shapes that crash the parser first (``check_shape``).

        Caution: the text may use ``SERVICE``, which pyoxigraph executes with its own HTTP
        client; callers that accept text from others must check it first (the gateway does).

        Raises:
            QueryShapeError: the text nests too deep or chains too long to be parsed.
            QuerySyntaxError: the text does not parse (the parser's message).
            InputError: a graph name is not an IRI.
            QueryError, StoreError: evaluation failed.
        """
        check_shape(text)
        dataset: dict[str, Any] = {"use_default_graph_as_union": not has_dataset_clause(text)}
        if default_graphs is not None or named_graphs is not None:
            dataset = {"default_graph": [_iri(g, "default-graph-uri") for g in default_graphs or []],
                       "named_graphs": [_iri(g, "named-graph-uri") for g in named_graphs or []]}
        try:
            raw = self._store.query(text, base_iri=base_iri, **dataset)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"query: {exc}") from exc
        except RuntimeError as exc:
            raise QueryError(f"query: {exc}") from exc
        return UserAnswer(raw)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def __len__(self) -> int:
        return len(self._store)

    def quads_of(self, triples: Iterable[ox.Triple]) -> list[ox.Quad]:
        """Every quad that holds one of ``triples``: where in the named graphs each one is."""
        return [q for t in dict.fromkeys(triples)
                for q in self._store.quads_for_pattern(t.subject, t.predicate, t.object)
                if q.graph_name != _ONTOLOGY]

    def holds(self, quads: list[ox.Quad]) -> bool:
        """Whether the store holds every one of ``quads`` (in their graphs)."""
        return all(q in self._store for q in quads)

    def iri_rows(self, query: SPARQLQuery, **params: object) -> list[tuple[str, ...]]:
        """The solutions of a library SELECT whose values are all bound IRIs, as tuples of strings,
        decoded from the query's TSV serialisation: pyoxigraph writes the whole answer in Rust and
        Python splits it, instead of making one object per term. An answer with any other value
        (unbound, a literal, a blank node) is read term by term instead."""
        solutions = self._run(query.render(params), name=query.name)
        width = len(solutions.variables)
        text = solutions.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
        body = text[text.index("\n") + 1:]
        if not body:
            return []
        lines, cells = body.count("\n"), body.count("\t")
        # every line starts with "<" and ends with ">", every tab sits between ">" and "<" (IRIs hold
        # neither tabs, newlines nor ">"; TSV escapes them in literals): then every value is an IRI
        if (body[0] != "<" or not body.endswith(">\n") or "<<" in body or cells != lines * (width - 1)
                or body.count(">\n<") != lines - 1 or body.count(">\t<") != cells):
            return [tuple(str(t.value) for t in solution)
                    for solution in self._run(query.render(params), name=query.name)]
        values = iter(body[1:-2].replace(">\n<", ">\t<").split(">\t<"))
        return list(zip(*[values] * width, strict=True))

    def subject_objects(self, predicate: str) -> list[tuple[str, str]]:
        """(subject, object) values of every quad with ``predicate``, in any graph (once per graph
        that holds it): one index scan, no query, for the in-memory lineage index."""
        return [(value_of(q.subject), value_of(q.object))
                for q in self._store.quads_for_pattern(None, ox.NamedNode(predicate), None)]

    def quads(self, graph: str | None = None) -> list[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return list(self._store.quads_for_pattern(None, None, None, g))

    # --- writing ---------------------------------------------------------------------------

    def _ensure_ontology(self) -> None:
        graph = ox.NamedNode(ONTOLOGY_GRAPH)
        if not self._store.contains_named_graph(graph):
            try:
                self._store.load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE, to_graph=graph)
            except (SyntaxError, OSError) as exc:
                raise StoreError(f"cannot load the ontology into the store: {exc}") from exc

    def write(self, delta: Delta, *, what: str = "write", validate: bool = True,
              warnings_graph: str | None = None, progress: Progress | None = None,
              before_commit: Callable[[], None] | None = None,
              compute: Callable[[], Delta] | None = None, graphs: set[Any] | None = None,
              cycles: bool = True) -> WriteOutcome:
        """The one write path: check ``delta`` (or what ``compute`` returns, computed under the
        write lock) with SHACL as the store would stand after it, then apply it in one
        transaction; a delta with violations changes nothing.

        Args:
            what: how errors and the outcome name the write ("import of graph ...").
            validate: False only for trusted data (nothing checked).
            warnings_graph: where the results of an accepted write are kept (queryable).
            progress: called with (focus nodes validated, of how many) during validation.
            before_commit: called just before writing; if it raises, nothing is written.
            graphs: the graphs the added quads are in, when the caller knows (an import: its
                graph), which spares reading every quad's graph from Python.
            cycles: False only for a chunk of a batch whose acyclicity was checked whole before
                (``acyclicity_report``), under the lock held since (``exclusive``).

        Raises:
            InputError: the delta writes the ontology graph.
            StoreError: the write failed (nothing was written), or the store is open read-only.
        """
        self._refuse_if_read_only(what)
        with self._write_lock:
            if compute is not None:
                delta = compute()
            if graphs is None:
                graphs = {q.graph_name for q in delta.added}
            outcome, extra = check_write(self._store, delta, what=what, validate=validate,
                                         warnings_graph=warnings_graph, progress=progress, graphs=graphs,
                                         cycles=cycles)
            if not outcome.accepted:
                return outcome
            if before_commit is not None:
                before_commit()
            self._apply(delta, extra, what, graphs)
            return outcome

    def _apply(self, delta: Delta, extra: list[ox.Quad], what: str, written: set[Any]) -> None:
        """Write ``delta`` (and ``extra`` quads) in one transaction: ``Store.extend`` when it only
        adds quads (pyoxigraph commits it whole or not at all), else one SPARQL update."""
        try:
            if not (delta.removed or delta.dropped) and all(
                    isinstance(g, ox.DefaultGraph) or g in written for g in delta.created):
                self._store.extend([*delta.added, *extra])
            else:
                text = self._delta_update(Delta(added=[*delta.added, *extra], removed=delta.removed,
                                                created=delta.created, dropped=delta.dropped))
                if not text:
                    return
                self._store.update(text)
        except (SyntaxError, OSError, RuntimeError) as exc:
            raise StoreError(f"{what}: writing failed, nothing was written: {exc}") from exc
        self._changed()

    def import_quads(self, quads: list[ox.Quad], graph: str, *, validate: bool = True,
                     progress: Progress | None = None, replacing: Iterable[str] = (),
                     any_graph: bool = False, resume: bool = False, cycles: bool = True) -> WriteOutcome:
        """Validate then write ``quads`` (the bundle ``graph``, and descriptions merged into the
        own graphs of what it describes, ``iris.about_graph``) in one transaction, and drop the
        graphs named in ``replacing`` in the same one (a dataset's stale terminal graph).

        With ``any_graph``, quads may be in other named graphs too (the bundles of an imported
        PROV document), merged into what those graphs hold.

        A graph already in the store is not written twice (imports are idempotent). A batch with
        SHACL violations is rejected whole and the report returned; warnings are written next to
        the data, in ``<graph>/validation``, so they stay queryable.

        With ``resume`` (a chunk of an import written in several, ``import_chunks``), ``graph``
        may be in the store already: the quads it lacks are written. ``cycles``: see ``write``.
        """
        self._refuse_if_read_only(f"import of {graph}")
        exists = self.has_graph(graph)
        if exists and not resume:
            return WriteOutcome(what=f"import of graph {graph}", accepted=True, added=0, removed=0,
                                graphs_created=(), graphs_dropped=(), report=None,
                                already_present=True, graph=graph)
        g = ox.NamedNode(graph)
        names = set(map(attrgetter("graph_name"), quads))    # one pass over the quads' graphs, in C
        if not any_graph and any(n != g and not is_about_graph(n) for n in names):
            raise StoreError(f"every quad of an import must be in graph {graph} or the own graph of what it describes")
        stale = {ox.NamedNode(name) for name in replacing if self.has_graph(name)}
        removed = [q for name in stale for q in self._store.quads_for_pattern(None, None, None, name)]
        # merged: a quad of a graph the store already holds is written only if new
        stored = {n for n in names if (n != g or exists)
                  and (isinstance(n, ox.DefaultGraph) or self._store.contains_named_graph(n))}
        unique = list(dict.fromkeys(quads))
        added = [q for q in unique if q.graph_name not in stored or q not in self._store] if stored else unique
        if len(added) < len(unique):
            names = {q.graph_name for q in added}
        return self.write(Delta(added=added, removed=removed, created=set() if exists else {g}, dropped=stale),
                          what=f"import of graph {graph}", validate=validate, warnings_graph=graph,
                          progress=progress, graphs=None if any_graph else {g} | names, cycles=cycles)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the write lock across several writes (the chunks of one import): no other write
        of this process comes between them."""
        with self._write_lock:
            yield

    def acyclicity_report(self, edges: dict[Any, set[Any]], datasets: set[Any]) -> ShapeReport:
        """The acyclicity constraint on new lineage edges (derived -> sources) as the store would
        stand with them (``validation.batch_cycle_report``); nothing is written."""
        return batch_cycle_report(self._store, edges, datasets)

    def bulk_load(self, quads: list[ox.Quad]) -> None:
        """Write without validation or transaction (benchmarks and trusted dumps only)."""
        self._refuse_if_read_only("bulk load")
        self._store.bulk_extend(quads)
        self._changed()

    def drop_graph(self, graph: str) -> None:
        """Remove named graph ``graph`` and what only it held up: the plain edges no remaining
        claim states and the own graphs of things nothing else mentions (descriptions are
        shared between bundles, see ``provenance``)."""
        self._refuse_if_read_only(f"dropping {graph}")
        self._store.remove_graph(ox.NamedNode(graph))
        self._retract_orphans()
        self._changed()

    def _retract_orphans(self) -> None:
        edges = library().get("internal/unsupported-edges")
        for r in list(self._run(edges.text, name=edges.name)):
            self._store.remove(ox.Quad(r["s"], r["p"], r["o"], r["g"]))
        orphans = library().get("internal/orphaned-descriptions")
        for _ in range(4):   # an agent's graph going can orphan its model's: a few rounds at most
            graphs = [r["g"] for r in self._run(orphans.text, name=orphans.name)]
            if not graphs:
                return
            for g in graphs:
                self._store.remove_graph(g)

    def _changed(self) -> None:
        """Note a write: caches keyed on ``version`` (the lineage index, the gateway's answers) reload."""
        self.generation += 1
        self.last_write = time.time()

    @property
    def version(self) -> int:
        """Changes with every write through this store: the one key of every cache of what it holds
        (the lineage index, the gateway's VoID, service description and DCAT catalog)."""
        return self.generation

    # --- validated writes: SPARQL Update and the Graph Store Protocol ------------------------
    # Each write is computed first (as quads to add and remove), checked with SHACL as the
    # store would stand after it, then applied as one SPARQL update (one transaction): a write
    # with violations changes nothing. The ontology graph is not part of what writes see.

    def graph_triples(self, graph: str | None) -> list[ox.Triple]:
        """The triples of named graph ``graph`` (``None``: the store's own default graph)."""
        g = ox.DefaultGraph() if graph is None else _iri(graph, "graph")
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, g)]

    def update(self, text: str, *, base_iri: str | None = None,
               before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Run a SPARQL Update, validated: it runs on a copy of the data graphs, the difference
        is checked with SHACL, and only a conforming difference is written (in one transaction).

        The update sees the store's real dataset: its default graph is the store's own (not the
        union that queries see) and the ontology graph is outside it. ``before_commit`` is
        called just before writing; if it raises, nothing is written.

        Caution: ``LOAD`` and ``SERVICE`` reach the network through pyoxigraph's HTTP client;
        callers that accept text from others must check it first (the gateway does).

        Raises:
            QueryShapeError: the update nests too deep or chains too long to be parsed.
            QuerySyntaxError: the update does not parse.
            QueryError: the update fails (a graph that does not exist, a LOAD that fails).
            InputError: the update writes the ontology graph.
        """
        check_shape(text, what="update")

        def delta() -> Delta:
            quads = [q for q in self._store if q.graph_name != _ONTOLOGY]
            graphs = {g for g in self._store.named_graphs() if g != _ONTOLOGY}
            scratch = ox.Store()
            scratch.extend(quads)
            for g in graphs:
                scratch.add_graph(g)
            try:
                scratch.update(text, base_iri=base_iri)
            except SyntaxError as exc:
                raise QuerySyntaxError(str(exc)) from exc
            except (OSError, RuntimeError) as exc:
                raise QueryError(f"update failed, nothing was written: {exc}") from exc
            before, after = set(quads), set(scratch)
            after_graphs = set(scratch.named_graphs())
            return Delta(added=list(after - before), removed=list(before - after),
                          created=after_graphs - graphs, dropped=graphs - after_graphs)

        return self.write(Delta(), what="update", compute=delta, before_commit=before_commit)

    def replace_graph(self, graph: str | None, triples: Iterable[ox.Triple], *,
                      before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Make ``graph`` (``None``: the default graph) hold exactly ``triples``, validated."""
        g = self._writable(graph)
        new = {ox.Quad(t.subject, t.predicate, t.object, g) for t in triples}

        def delta() -> Delta:
            old = set(self._store.quads_for_pattern(None, None, None, g))
            exists = isinstance(g, ox.DefaultGraph) or self._store.contains_named_graph(g)
            return Delta(added=list(new - old), removed=list(old - new),
                          created=set() if exists else {g}, dropped=set())

        return self.write(Delta(), what=f"PUT of graph {graph or 'default'}", compute=delta,
                          before_commit=before_commit)

    def merge_into_graph(self, graph: str | None, triples: Iterable[ox.Triple], *,
                         before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Add ``triples`` to ``graph`` (``None``: the default graph), validated."""
        g = self._writable(graph)
        new = {ox.Quad(t.subject, t.predicate, t.object, g) for t in triples}

        def delta() -> Delta:
            exists = isinstance(g, ox.DefaultGraph) or self._store.contains_named_graph(g)
            added = [q for q in new if q not in self._store]
            return Delta(added=added, removed=[],
                          created=set() if exists else {g}, dropped=set())

        return self.write(Delta(), what=f"POST to graph {graph or 'default'}", compute=delta,
                          before_commit=before_commit)

    def delete_graph(self, graph: str | None, *,
                     before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Remove ``graph`` (``None``: empty the default graph), validated like any write (what
        is left must still conform: a dataset whose derivations point at it, for example)."""
        g = self._writable(graph)

        def delta() -> Delta:
            removed = list(self._store.quads_for_pattern(None, None, None, g))
            named = isinstance(g, ox.NamedNode) and self._store.contains_named_graph(g)
            return Delta(added=[], removed=removed, created=set(), dropped={g} if named else set())

        return self.write(Delta(), what=f"DELETE of graph {graph or 'default'}", compute=delta,
                          before_commit=before_commit)

    def _writable(self, graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
        if graph is None:
            return ox.DefaultGraph()
        if graph == ONTOLOGY_GRAPH:
            raise InputError(f"the ontology graph {graph} is read-only",
                             hint="it is loaded from ontology/ when the store opens")
        return _iri(graph, "graph")

    def _delta_update(self, delta: Delta) -> str:
        """``delta`` as one SPARQL update (pyoxigraph runs it as one transaction).

        Terms are written by pyoxigraph's N-Triples serializer. ``DELETE DATA`` cannot name a
        blank node, so a graph losing a triple with one is cleared and written again whole.
        """
        rewrite = {q.graph_name for q in delta.removed if has_blank(q)}
        for g in rewrite | delta.created | delta.dropped | {q.graph_name for q in delta.added}:
            if isinstance(g, ox.BlankNode):
                raise InputError(f"graph {g} is named by a blank node; the gateway cannot write it")
        inserts = [q for q in delta.added if q.graph_name not in rewrite]
        gone = set(delta.removed)
        for g in rewrite:
            inserts += [q for q in self._store.quads_for_pattern(None, None, None, g) if q not in gone]
            inserts += [q for q in delta.added if q.graph_name == g]
        deletes = [q for q in delta.removed if q.graph_name not in rewrite]
        ops = []
        if deletes:
            ops.append(f"DELETE DATA {{ {data_block(deletes)} }}")
        ops += [f"CLEAR SILENT {graph_ref(g)}" for g in sorted(rewrite, key=str)]
        if inserts:
            ops.append(f"INSERT DATA {{ {data_block(inserts)} }}")
        ops += [f"DROP SILENT GRAPH {g}" for g in sorted(delta.dropped, key=str)]
        ops += [f"CREATE SILENT GRAPH {g}" for g in sorted(delta.created, key=str)]
        return " ;\n".join(ops)

    # --- export ----------------------------------------------------------------------------

    def export(self, fmt: str, *, include_ontology: bool = False) -> bytes:
        """Serialise the store: TriG, N-Quads and JSON-LD keep the named graphs; Turtle,
        N-Triples and RDF/XML hold the union of the data graphs; PROV-N, PROV-JSON and PROV-XML
        (``provn``, ``provjson``, ``provxml``) keep them as PROV bundles."""
        return serialize_quads([q for q in self._store if include_ontology or q.graph_name != _ONTOLOGY], fmt)

    def snapshot(self, directory: Path) -> Path:
        """Write every quad to a new on-disk store in ``directory`` (for processes that read an
        in-memory store: they open the copy read-only); returns ``directory``."""
        copy = ox.Store(str(directory))
        copy.bulk_extend(self._store)
        copy.flush()
        del copy
        return directory

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        """Release the on-disk store (its lock) now rather than at garbage collection."""
        import gc

        self.flush()
        del self._store
        gc.collect()

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def replace_quads(self, graph: str, add: list[ox.Quad], remove: list[ox.Quad]) -> WriteOutcome:
        """Write ``add`` (a new named graph ``graph``) and remove ``remove`` (quads of other
        graphs) in one transaction, after SHACL: all or nothing (a review decision replacing a
        claim's status, for instance).

        The store as it would stand after the change is checked like every write (``write``);
        violations reject the change and nothing is written.

        Raises:
            StoreError: ``graph`` exists already, a quad to remove is not in the store (nothing
                is written then), a quad is not in a named graph or has a blank node, or the
                write fails.
        """
        self._refuse_if_read_only(f"writing {graph}")
        if self.has_graph(graph):
            raise StoreError(f"graph {graph} exists already; nothing was written")
        if any(q.graph_name != ox.NamedNode(graph) and not describes(q) for q in add):
            raise StoreError(f"every quad to add must be in graph {graph} or the own graph of what it describes")
        for q in [*add, *remove]:
            if not isinstance(q.graph_name, ox.NamedNode) or any(
                    isinstance(t, ox.BlankNode) for t in (q.subject, q.object)):
                raise StoreError(f"cannot replace {q}: blank node or not in a named graph")
        missing = [q for q in remove if q not in self._store]
        if missing:
            raise StoreError(f"{len(missing)} quad(s) to remove are not in the store, for example "
                             f"{missing[0]}; nothing was written")
        return self.write(Delta(added=[q for q in dict.fromkeys(add) if q not in self._store],
                                removed=list(dict.fromkeys(remove)),
                                created={ox.NamedNode(graph)}), what=f"change writing graph {graph}")

