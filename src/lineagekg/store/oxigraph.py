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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from lineagekg.errors import ConfigError, InputError, QueryError, QuerySyntaxError, StoreError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.namespaces import PREFIXES
from lineagekg.queries import SPARQLQuery, library
from lineagekg.resources import ontology_path
from lineagekg.store.base import ImportOutcome, Row
from lineagekg.validation import Severity, ShapeReport, validate

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_GRAPH_FORMATS = {"trig", "nquads", "jsonld"}
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
# What a referenced node contributes to a write's validation: its core description (as in
# sparql/internal/dataset-core.rq), enough for sh:class and date-order checks.
_CORE = {_RDF_TYPE, ox.NamedNode("http://purl.org/dc/terms/identifier"),
         ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.NamedNode("http://purl.org/dc/terms/issued")}


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


def open_store(path: Path | str | None = None, *, memory: bool = False) -> OxigraphStore:
    """Open (creating if needed) the store at ``path`` (default: ``default_store_path()``)."""
    if memory:
        return OxigraphStore(None)
    return OxigraphStore(Path(path) if path else default_store_path())


def to_python(term: Any) -> Any:
    """A query-result term as a plain Python value (IRIs and strings as str, numbers as numbers)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt in (_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger"):
            return int(term.value)
        if dt in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
            return float(term.value)
        if dt == _XSD + "boolean":
            return term.value == "true"
        return term.value
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return term.value
    return str(term)


_ONTOLOGY = ox.NamedNode(ONTOLOGY_GRAPH)


def _iri(value: str, what: str) -> ox.NamedNode:
    """``value`` as an IRI node, or ``InputError`` naming the parameter it came from."""
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise InputError(f"{what} {value!r} is not an IRI: {exc}", field=what) from exc


def _has_blank(quad: ox.Quad) -> bool:
    def blank(term: Any) -> bool:
        if isinstance(term, ox.Triple):
            return blank(term.subject) or blank(term.object)
        return isinstance(term, ox.BlankNode)
    return blank(quad.subject) or blank(quad.object)


def _graph_ref(graph: Any) -> str:
    return "DEFAULT" if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph}"


def _data_block(quads: list[ox.Quad]) -> str:
    """Quads as the body of ``INSERT DATA``/``DELETE DATA``: N-Triples by pyoxigraph, per graph."""
    by_graph: dict[Any, list[ox.Triple]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(q.triple)
    parts = []
    for g, triples in by_graph.items():
        body = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        parts.append(body if isinstance(g, ox.DefaultGraph) else f"GRAPH {g} {{ {body} }}")
    return "\n".join(parts)


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


@dataclass
class _Delta:
    """What a write changes: quads added and removed, named graphs created and dropped."""

    added: list[ox.Quad]
    removed: list[ox.Quad]
    created: set[Any]
    dropped: set[Any]


@dataclass(frozen=True)
class WriteOutcome:
    """What a validated write did: ``accepted`` False means nothing was written and
    ``report`` says why; otherwise the counts say what changed and ``report`` holds warnings."""

    what: str
    accepted: bool
    added: int
    removed: int
    graphs_created: tuple[str, ...]
    graphs_dropped: tuple[str, ...]
    report: ShapeReport | None

    def as_dict(self) -> dict[str, object]:
        report = self.report
        return {"accepted": self.accepted, "quads_added": self.added, "quads_removed": self.removed,
                "graphs_created": list(self.graphs_created), "graphs_dropped": list(self.graphs_dropped),
                "violations": [r.as_dict() for r in report.violations] if report else [],
                "warnings": [r.as_dict() for r in report.warnings] if report else []}


class OxigraphStore:
    """The lineage graph in pyoxigraph: named graphs per source, the ontology in its own graph.

    Queries see the union of all graphs as their default graph.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        try:
            if path is None:
                self._store = ox.Store()
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
        self._write_lock = threading.Lock()   # validated writes: compute, check, apply, one at a time
        self.generation = 0                   # bumped by every validated write (caches key on it)
        self.last_write: float | None = None  # epoch seconds of the last write
        self._ensure_ontology()

    # --- reading ---------------------------------------------------------------------------

    def _run(self, text: str, *, name: str = "query", union: bool = True) -> Any:
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
        solutions = self._run(query.render(params), name=query.name)
        names = [v.value for v in solutions.variables]
        return [{n: to_python(sol[n]) for n in names} for sol in solutions]

    def ask(self, query: SPARQLQuery, **params: object) -> bool:
        return bool(self._run(query.render(params), name=query.name))

    def raw_query(self, query: SPARQLQuery, **params: object) -> Any:
        """Run any query of the library or a user's file; pyoxigraph results (for serialising)."""
        return self._run(query.render(params), name=query.name)

    def user_query(self, text: str, *, base_iri: str | None = None,
                   default_graphs: list[str] | None = None,
                   named_graphs: list[str] | None = None) -> UserAnswer:
        """Start a user's SPARQL query (the gateway's ``/sparql``); the answer is lazy.

        Without ``default_graphs``/``named_graphs`` the default graph is the union of all
        graphs; with either, the dataset is exactly what they name (the SPARQL Protocol's
        ``default-graph-uri``/``named-graph-uri``, which override ``FROM``/``FROM NAMED``).

        Caution: the text may use ``SERVICE``, which pyoxigraph executes with its own HTTP
        client; callers that accept text from others must check it first (the gateway does).

        Raises:
            QuerySyntaxError: the text does not parse (the parser's message).
            InputError: a graph name is not an IRI.
            QueryError, StoreError: evaluation failed.
        """
        dataset: dict[str, Any] = {"use_default_graph_as_union": True}
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

    def validation_context(self, quads: list[ox.Quad]) -> list[ox.Triple]:
        """What the store already holds that a batch must be checked against: every lineage
        edge (cycles through old and new edges) and the description of each dataset the batch
        touches (its type, identifier, label, date)."""
        touched = {q.subject for q in quads} | {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
        triples = list(self._run(library().get("internal/lineage-edges").text, name="internal/lineage-edges"))
        describe = library().get("internal/dataset-core")   # one query, filtered here: not one per node
        triples += [t for t in self._run(describe.text, name=describe.name) if t.subject in touched]
        return triples

    def check(self, quads: list[ox.Quad], *, with_context: bool = True) -> ShapeReport:
        """SHACL report for ``quads`` as they would stand in this store (nothing is written)."""
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        if with_context:
            triples += self.validation_context(quads)
        return validate(triples)

    def import_quads(self, quads: list[ox.Quad], graph: str, *, validate: bool = True) -> ImportOutcome:
        """Validate then write ``quads`` (all in named graph ``graph``) in one transaction.

        A graph already in the store is not written twice (imports are idempotent). A batch with
        SHACL violations is rejected whole and the report returned; warnings are written next to
        the data, in ``<graph>/validation``, so they stay queryable.
        """
        if self.has_graph(graph):
            return ImportOutcome(graph=graph, accepted=True, quads_written=0, report=None,
                                 already_present=True)
        report = self.check(quads) if validate else None
        if report is not None and report.has_violations:
            return ImportOutcome(graph=graph, accepted=False, quads_written=0, report=report)
        to_write = list(quads)
        if report is not None and report.results:
            report_graph = ox.NamedNode(graph + "/validation")
            parsed = ox.parse(report.graph.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)
            to_write += [ox.Quad(t.subject, t.predicate, t.object, report_graph) for t in parsed]
        try:
            self._store.extend(to_write)
        except OSError as exc:
            raise StoreError(f"writing graph {graph} failed, nothing was written: {exc}") from exc
        self._changed()
        return ImportOutcome(graph=graph, accepted=True, quads_written=len(quads), report=report)

    def bulk_load(self, quads: list[ox.Quad]) -> None:
        """Write without validation or transaction (benchmarks and trusted dumps only)."""
        self._store.bulk_extend(quads)
        self._changed()

    def drop_graph(self, graph: str) -> None:
        self._store.remove_graph(ox.NamedNode(graph))
        self._changed()

    def _changed(self) -> None:
        """Note a write: caches keyed on ``generation`` (the gateway's name table, VoID) reload."""
        self.generation += 1
        self.last_write = time.time()

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
            QuerySyntaxError: the update does not parse.
            QueryError: the update fails (a graph that does not exist, a LOAD that fails).
            InputError: the update writes the ontology graph.
        """
        def delta() -> _Delta:
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
            return _Delta(added=list(after - before), removed=list(before - after),
                          created=after_graphs - graphs, dropped=graphs - after_graphs)

        return self._validated_write("update", delta, before_commit)

    def replace_graph(self, graph: str | None, triples: Iterable[ox.Triple], *,
                      before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Make ``graph`` (``None``: the default graph) hold exactly ``triples``, validated."""
        g = self._writable(graph)
        new = {ox.Quad(t.subject, t.predicate, t.object, g) for t in triples}

        def delta() -> _Delta:
            old = set(self._store.quads_for_pattern(None, None, None, g))
            exists = isinstance(g, ox.DefaultGraph) or self._store.contains_named_graph(g)
            return _Delta(added=list(new - old), removed=list(old - new),
                          created=set() if exists else {g}, dropped=set())

        return self._validated_write(f"PUT of graph {graph or 'default'}", delta, before_commit)

    def merge_into_graph(self, graph: str | None, triples: Iterable[ox.Triple], *,
                         before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Add ``triples`` to ``graph`` (``None``: the default graph), validated."""
        g = self._writable(graph)
        new = {ox.Quad(t.subject, t.predicate, t.object, g) for t in triples}

        def delta() -> _Delta:
            exists = isinstance(g, ox.DefaultGraph) or self._store.contains_named_graph(g)
            added = [q for q in new if q not in self._store]
            return _Delta(added=added, removed=[],
                          created=set() if exists else {g}, dropped=set())

        return self._validated_write(f"POST to graph {graph or 'default'}", delta, before_commit)

    def delete_graph(self, graph: str | None, *,
                     before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Remove ``graph`` (``None``: empty the default graph), validated like any write (what
        is left must still conform: a dataset whose derivations point at it, for example)."""
        g = self._writable(graph)

        def delta() -> _Delta:
            removed = list(self._store.quads_for_pattern(None, None, None, g))
            named = isinstance(g, ox.NamedNode) and self._store.contains_named_graph(g)
            return _Delta(added=[], removed=removed, created=set(), dropped={g} if named else set())

        return self._validated_write(f"DELETE of graph {graph or 'default'}", delta, before_commit)

    def _writable(self, graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
        if graph is None:
            return ox.DefaultGraph()
        if graph == ONTOLOGY_GRAPH:
            raise InputError(f"the ontology graph {graph} is read-only",
                             hint="it is loaded from ontology/ when the store opens")
        return _iri(graph, "graph")

    def _validated_write(self, what: str, compute: Callable[[], _Delta],
                         before_commit: Callable[[], None] | None) -> WriteOutcome:
        with self._write_lock:
            delta = compute()
            if any(q.graph_name == _ONTOLOGY for q in delta.added) or _ONTOLOGY in delta.created:
                raise InputError(f"{what} writes the ontology graph {ONTOLOGY_GRAPH}, which is read-only",
                                 hint="it is loaded from ontology/ when the store opens")
            report = self._check_delta(delta) if delta.added or delta.removed else None
            outcome = WriteOutcome(
                what=what, accepted=not (report and report.has_violations),
                added=len(delta.added), removed=len(delta.removed),
                graphs_created=tuple(sorted(str(g.value) for g in delta.created if isinstance(g, ox.NamedNode))),
                graphs_dropped=tuple(sorted(str(g.value) for g in delta.dropped if isinstance(g, ox.NamedNode))),
                report=report)
            if not outcome.accepted:
                return outcome
            if before_commit is not None:
                before_commit()
            text = self._delta_update(delta)
            if text:
                try:
                    self._store.update(text)
                except (SyntaxError, OSError, RuntimeError) as exc:
                    raise StoreError(f"{what}: writing failed, nothing was written: {exc}") from exc
                self._changed()
            return outcome

    def _check_delta(self, delta: _Delta) -> ShapeReport:
        """SHACL report for the store as it would stand after ``delta``, on what it can change.

        The nodes checked are those a changed triple names (subjects, and objects other than
        classes) and those pointing at a changed subject (an sh:class of theirs may now fail).
        They are validated with what every constraint on them reads: their own triples, the full
        description of their neighbours (both ways), the core description (types, id, label,
        date) of the nodes beyond, and every lineage edge (for cycles). Results on the other
        nodes of that data are dropped: their descriptions are partial, by design.
        """
        gone = set(delta.removed)
        new_out: dict[Any, list[ox.Triple]] = {}
        new_in: dict[Any, list[ox.Triple]] = {}
        for q in delta.added:
            new_out.setdefault(q.subject, []).append(q.triple)
            new_in.setdefault(q.object, []).append(q.triple)

        def after(subject: Any = None, obj: Any = None) -> list[ox.Triple]:
            old = [q.triple for q in self._store.quads_for_pattern(subject, None, obj)
                   if q.graph_name != _ONTOLOGY and q not in gone]
            return old + (new_out.get(subject, []) if obj is None else new_in.get(obj, []))

        def linked(t: ox.Triple) -> bool:
            return t.predicate != _RDF_TYPE and isinstance(t.object, (ox.NamedNode, ox.BlankNode))

        changed = [*delta.added, *delta.removed]
        subjects = {q.subject for q in changed}
        focus = subjects | {q.object for q in changed if linked(q.triple)}
        for subject in subjects:
            focus |= {t.subject for t in after(obj=subject)}
        near = set(focus)
        for node in focus:
            near |= {t.object for t in after(node) if linked(t)} | {t.subject for t in after(obj=node)}
        data: set[ox.Triple] = set()
        for node in near:
            data.update(after(node))
        for node in {t.object for t in data if linked(t)} - near:
            data.update(t for t in after(node) if t.predicate in _CORE)
        data.update(q.triple for q in self._store.quads_for_pattern(None, _DERIVED_FROM, None)
                    if q not in gone and q.graph_name != _ONTOLOGY)
        data.update(q.triple for q in delta.added if q.predicate == _DERIVED_FROM)
        report = validate(list(data))
        checked = {n.value for n in focus}
        kept = tuple(r for r in report.results if r.focus_node in checked)
        return ShapeReport(conforms=not any(r.severity is Severity.VIOLATION for r in kept),
                           results=kept, graph=report.graph)

    def _delta_update(self, delta: _Delta) -> str:
        """``delta`` as one SPARQL update (pyoxigraph runs it as one transaction).

        Terms are written by pyoxigraph's N-Triples serializer. ``DELETE DATA`` cannot name a
        blank node, so a graph losing a triple with one is cleared and written again whole.
        """
        rewrite = {q.graph_name for q in delta.removed if _has_blank(q)}
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
            ops.append(f"DELETE DATA {{ {_data_block(deletes)} }}")
        ops += [f"CLEAR SILENT {_graph_ref(g)}" for g in sorted(rewrite, key=str)]
        if inserts:
            ops.append(f"INSERT DATA {{ {_data_block(inserts)} }}")
        ops += [f"DROP SILENT GRAPH {g}" for g in sorted(delta.dropped, key=str)]
        ops += [f"CREATE SILENT GRAPH {g}" for g in sorted(delta.created, key=str)]
        return " ;\n".join(ops)

    # --- export ----------------------------------------------------------------------------

    def export(self, fmt: str, *, include_ontology: bool = False) -> bytes:
        """Serialise the store: TriG, N-Quads and JSON-LD keep the named graphs; Turtle,
        N-Triples and RDF/XML hold the union of the data graphs."""
        if fmt not in EXPORT_FORMATS:
            raise ConfigError(f"unknown export format {fmt!r}",
                              hint=f"use one of: {', '.join(EXPORT_FORMATS)}")
        quads = [q for q in self._store
                 if include_ontology or q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH)]
        prefixes = dict(PREFIXES)
        prefixes["hf"] = "https://huggingface.co/datasets/"
        if fmt in _GRAPH_FORMATS:
            return ox.serialize(quads, format=EXPORT_FORMATS[fmt], prefixes=prefixes
                                if fmt == "trig" else None) or b""
        triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
        return ox.serialize(triples, format=EXPORT_FORMATS[fmt],
                            prefixes=prefixes if fmt in ("turtle", "rdfxml") else None) or b""

    def flush(self) -> None:
        if self.path is not None:
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

    def replace_quads(self, graph: str, add: list[ox.Quad], remove: list[ox.Quad], *,
                      context: list[ox.Quad] | None = None) -> ImportOutcome:
        """Write ``add`` (a new named graph ``graph``) and remove ``remove`` (quads of other
        graphs) in one transaction, after SHACL: all or nothing (a review decision replacing a
        claim's status, for instance).

        ``add`` plus ``context`` (what the touched nodes hold once the change is made) are
        checked with the store's usual validation context; violations reject the change and
        nothing is written. The update is N-Triples written by pyoxigraph's serializer (terms
        escaped by it) inside ``DELETE DATA``/``INSERT DATA``, never text spliced by hand, and
        pyoxigraph runs an update as one transaction.

        Raises:
            StoreError: ``graph`` exists already, a quad to remove is not in the store (nothing
                is written then), a quad is not in a named graph or has a blank node, or the
                write fails.
        """
        if self.has_graph(graph):
            raise StoreError(f"graph {graph} exists already; nothing was written")
        if any(q.graph_name != ox.NamedNode(graph) for q in add):
            raise StoreError(f"every quad to add must be in graph {graph}")
        for q in [*add, *remove]:
            if not isinstance(q.graph_name, ox.NamedNode) or any(
                    isinstance(t, ox.BlankNode) for t in (q.subject, q.object)):
                raise StoreError(f"cannot replace {q}: blank node or not in a named graph")
        missing = [q for q in remove if q not in self._store]
        if missing:
            raise StoreError(f"{len(missing)} quad(s) to remove are not in the store, for example "
                             f"{missing[0]}; nothing was written")
        report = self.check([*add, *(context or [])])
        if report.has_violations:
            return ImportOutcome(graph=graph, accepted=False, quads_written=0, report=report)

        def block(quads: list[ox.Quad]) -> str:
            by_graph: dict[ox.NamedNode, list[ox.Triple]] = {}
            for q in quads:
                by_graph.setdefault(q.graph_name, []).append(ox.Triple(q.subject, q.predicate, q.object))
            return " ".join(
                f"GRAPH {g} {{ {(ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES) or b'').decode('utf-8')} }}"
                for g, ts in by_graph.items())

        update = []
        if remove:
            update.append(f"DELETE DATA {{ {block(list(dict.fromkeys(remove)))} }}")
        if add:
            update.append(f"INSERT DATA {{ {block(list(dict.fromkeys(add)))} }}")
        try:
            if update:
                self._store.update(" ;\n".join(update))
                self._changed()
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"replacing quads into graph {graph} failed, nothing was written: {exc}") from exc
        return ImportOutcome(graph=graph, accepted=True, quads_written=len(add), report=report)
