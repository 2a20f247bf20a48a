"""The store on a shared SPARQL server: SPARQL 1.1 Protocol for reading, SPARQL 1.1 Update and
the Graph Store Protocol for writing, and optionally the server's bulk loader (Virtuoso's
``ld_dir``/``rdf_loader_run`` through ``isql``) for large imports. Tested against Virtuoso 7.2.

Selected with ``--store sparql+http://host:port/sparql`` (or the settings file, see
``store.settings``). It offers what the analyses, importers and reviews use of the embedded
store (``OxigraphStore``), through the same one write path: a delta is validated here, against
what the server holds (``validate_delta`` reads it through ``_ServerView``), then written.

What differs from the embedded store, and how it is handled here:

- A server runs each request on its own (Virtuoso commits every operation of an update
  request separately: measured, ``tests/test_sparql_server.py``), so a write is staged first
  (``store.staging``): its quads go, encoded, into a staging graph of their own, as many
  requests as it takes, then ONE update operation applies them all (one server transaction). A
  failing request, or a client killed at any moment, leaves the data as it was or whole; a
  staging graph left behind is dropped by the next client that opens the store or writes, once
  it is older than ``staging_expiry``. (``bulk_load``, for benchmarks and trusted dumps, writes
  directly and undoes what it did when a request fails; it is not kill-safe.)
- The server has no default graph of its own beside the named graphs (Virtuoso's is the union
  of them), so writes go to named graphs only, and validation reads named graphs only.
- Blank nodes on the server cannot be named in a later request: a write that removes a triple
  with a blank node is refused (nothing is written).
- Virtuoso answers ``SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }`` from its list of graphs,
  private ones (its own schema graph) included: graphs are listed with ``GROUP BY`` instead.
- Virtuoso gives ``xsd:boolean`` values back as ``"1"``/``"0"``: read as ``"true"``/``"false"``,
  the terms written.
- Virtuoso answers ``ASK`` with a one-row table of 0 or 1: read here as the boolean.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from lineagekg.errors import ConfigError, InputError, QueryError, QuerySyntaxError, StoreError, UnreachableError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.queries import SPARQLQuery, library
from lineagekg.resources import ontology_path
from lineagekg.sparql_text import check_shape
from lineagekg.store import staging
from lineagekg.store.base import Row, WriteOutcome
from lineagekg.store.delta import Delta
from lineagekg.store.rdf_text import data_block, describes, rows_of, serialize_quads
from lineagekg.store.write_check import ONTOLOGY, check_write
from lineagekg.validation import Progress, ShapeReport, batch_cycle_report

SCHEMES = ("sparql+http://", "sparql+https://")
#: a graph no one writes: naming it as the default graph leaves a query only the named graphs
NO_DEFAULT_GRAPH = "urn:lineagekg:no-default-graph"
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
_BATCH = 1000             # terms per VALUES-batched lookup
_RESULTS_JSON = ox.QueryResultsFormat.JSON


def is_server_location(location: object) -> bool:
    """Whether a ``--store`` value names a SPARQL server (``sparql+http(s)://...``)."""
    return isinstance(location, str) and location.startswith(SCHEMES)


@dataclass(frozen=True)
class BulkLoader:
    """Virtuoso's bulk loader, driven through ``isql``: quads are written as an N-Quads file into
    ``directory`` (which the server must be allowed to read: ``DirsAllowed`` in virtuoso.ini,
    and on its file system), then ``ld_dir`` + ``rdf_loader_run`` load it."""

    directory: Path
    port: int = 1111
    user: str = "dba"
    password: str = "dba"
    isql: str = "isql-vt"
    host: str = "127.0.0.1"

    def load(self, quads: list[ox.Quad], *, timeout: float) -> None:
        """Load ``quads`` (each into its own graph) and wait for the loader to finish.

        Raises:
            StoreError: isql is missing, fails, or the loader records an error for the file.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"lineagekg-{uuid.uuid4().hex}.nq"
        path = self.directory / name
        path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
        file = str(self.directory.resolve() / name)
        script = (f"ld_dir('{self.directory.resolve()}', '{name}', '{NO_DEFAULT_GRAPH}');\n"
                  "rdf_loader_run();\n"
                  f"SELECT 'LOADSTATE', ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file = '{file}';\n"
                  f"DELETE FROM DB.DBA.load_list WHERE ll_file = '{file}';\n")
        try:
            done = subprocess.run([self.isql, f"{self.host}:{self.port}", self.user, self.password],
                                  input=script, capture_output=True, text=True, timeout=timeout, check=False)
        except FileNotFoundError as exc:
            raise StoreError(f"bulk load: {self.isql} not found",
                             hint="install virtuoso-opensource-7-bin, or leave the loader out of the "
                                  "settings (writes then use the Graph Store Protocol)") from exc
        except subprocess.TimeoutExpired as exc:
            raise StoreError(f"bulk load of {len(quads)} quads: isql did not finish in {timeout:g} s") from exc
        finally:
            path.unlink(missing_ok=True)
        errors = [line for line in done.stdout.splitlines() + done.stderr.splitlines() if "*** Error" in line]
        state = [line.split(None, 2) for line in done.stdout.splitlines() if line.startswith("LOADSTATE")]
        if done.returncode != 0 or errors or not state or state[0][1] != "2" or (
                len(state[0]) > 2 and state[0][2].strip() != "NULL"):
            detail = "; ".join(errors) or (" ".join(state[0]) if state else done.stdout[-300:] or done.stderr[-300:])
            raise StoreError(f"bulk load of {len(quads)} quads failed: {detail}")


@dataclass(frozen=True)
class ServerSettings:
    """Where the server's endpoints are and how to talk to them."""

    query_url: str
    update_url: str
    graph_store_url: str | None = None    # None: writes use SPARQL Update only
    user: str | None = None               # HTTP digest auth (Virtuoso's /sparql-auth), with password
    password: str | None = None
    timeout: float = 120.0
    chunk: int = 10_000                   # quads per write request
    loader: BulkLoader | None = None      # for writes of at least ``loader_from`` quads
    loader_from: int = 50_000
    staging_expiry: float = 3600.0        # s: a staging graph this old is a killed write's (dropped)

    @classmethod
    def from_location(cls, location: str, **options: Any) -> ServerSettings:
        """Settings for ``sparql+http://host:port/path``: queries and updates at
        ``http://host:port/path``; the other settings from ``options``."""
        if not is_server_location(location):
            raise ConfigError(f"{location!r} is not a SPARQL server location",
                              hint="write it as sparql+http://host:port/sparql")
        url = location[len("sparql+"):]
        parsed = httpx.URL(url)
        if not parsed.host:
            raise ConfigError(f"store location {location!r} names no host", hint="sparql+http://host:port/sparql")
        return cls(query_url=url, update_url=options.pop("update_url", None) or url, **options)


class _Request:
    """The HTTP side: one client, timeouts, and every failure as a lineagekg error."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        auth = (httpx.DigestAuth(settings.user, settings.password or "")
                if settings.user is not None else None)
        self.client = httpx.Client(timeout=settings.timeout, auth=auth)

    def send(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise UnreachableError(f"{what}: the SPARQL server at {url} did not answer within "
                                   f"{self.settings.timeout:g} s", hint="is it overloaded? raise the timeout "
                                   "in the settings file") from exc
        except httpx.HTTPError as exc:
            raise UnreachableError(f"{what}: cannot reach the SPARQL server at {url}: {exc}",
                                   hint="is it running, and is the --store location right?") from exc
        if response.status_code >= 400:
            detail = " ".join(response.text.split())[:500]
            message = f"{what}: the SPARQL server answered {response.status_code}: {detail}"
            if response.status_code == 400 and "query" in kwargs.get("data", {}):
                raise QuerySyntaxError(message)
            if response.status_code in (401, 403):
                raise StoreError(message, hint="give the server's user and password in the settings file, "
                                 "or grant SPARQL_UPDATE to the SPARQL user")
            if response.status_code >= 500 and "query" in kwargs.get("data", {}):
                raise QueryError(message)
            raise StoreError(message)
        return response


def _results(response: httpx.Response, what: str) -> Any:
    """A response as pyoxigraph results: solutions, a boolean, or a list of triples."""
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    try:
        if kind == "application/sparql-results+json":
            answer = ox.parse_query_results(_canonical_booleans(response.content), format=_RESULTS_JSON)
            if isinstance(answer, ox.QuerySolutions) and [v.value for v in answer.variables] == ["__ASK_RETVAL"]:
                rows = list(answer)      # Virtuoso's ASK: one row holding 1 or 0
                value = bool(rows) and rows[0][0] is not None and rows[0][0].value not in ("0", "false")
                return _boolean(value)
            return answer
        if kind in ("application/n-triples", "text/plain", "text/turtle"):
            fmt = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
            return list(ox.parse(response.content, format=fmt))
    except SyntaxError as exc:
        raise StoreError(f"{what}: the SPARQL server's answer does not parse: {exc}") from exc
    raise StoreError(f"{what}: the SPARQL server answered with {kind or 'no content type'}, not SPARQL results")


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def _canonical_booleans(content: bytes) -> bytes:
    """SPARQL JSON results with xsd:boolean values in their canonical form: Virtuoso stores a
    written ``"true"^^xsd:boolean`` and gives it back as ``"1"`` (the same value, another
    lexical form), which would make it another term than the one written."""
    if _BOOLEAN.encode() not in content:
        return content
    data = json.loads(content)
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("datatype") == _BOOLEAN and term.get("value") in ("0", "1"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(data).encode()


def _boolean(value: bool) -> Any:
    return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if value else b"false"),
                                  format=_RESULTS_JSON)


def _has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _ServerView:
    """The server as validation reads it (``validation.StoreReader``): queries see the named
    graphs only (the default graph is one no one writes), blank nodes cannot be looked up."""

    def __init__(self, store: SparqlHttpStore) -> None:
        self.store = store

    def query(self, query: str) -> Any:
        return self.store.query_text(query, what="validation lookup", default_graph=NO_DEFAULT_GRAPH)

    def quads_for_pattern(self, subject: Any, predicate: Any, obj: Any, graph_name: Any = None) -> list[ox.Quad]:
        terms = (subject, predicate, obj, graph_name)
        if any(isinstance(t, ox.BlankNode) for t in terms) or isinstance(graph_name, ox.DefaultGraph):
            return []
        return self.store.match(subject, predicate, obj, graph_name)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The named graphs, a data graph first when there is one: telling whether the server
        holds anything beyond the ontology (all validation asks) takes one ``LIMIT 1`` query,
        not a scan of every quad."""
        rows = list(self.store.query_text(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != {ONTOLOGY} && "
                                          f"!STRSTARTS(STR(?g), \"{staging.PREFIX}\")) }} LIMIT 1",
                                          what="validation lookup"))
        first = rows[0][0] if rows else ONTOLOGY
        yield first
        yield from (ox.NamedNode(g) for g in self.store.named_graphs() if g != first.value)


@dataclass
class _Applied:
    """What a write has done so far on the server, to undo it if a later request fails."""

    added: list[ox.Quad] = field(default_factory=list)
    removed: list[ox.Quad] = field(default_factory=list)
    new_graphs: set[Any] = field(default_factory=set)


class SparqlHttpStore:
    """The lineage graph on a SPARQL server; its default graph (the union of the named graphs,
    as Virtuoso keeps it) is what library queries read."""

    read_only = False
    path = None

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.location = "sparql+" + settings.query_url
        self._http = _Request(settings)
        self._write_lock = threading.RLock()
        self.generation = 0                   # bumped by every write through this object
        self.last_write: float | None = None
        self.drop_stale_staging()
        self._ensure_ontology()

    # --- reading ---------------------------------------------------------------------------

    def query_text(self, text: str, *, what: str = "query", default_graph: str | None = None,
                   kind: str = "SELECT") -> Any:
        """Run ``text`` (a query of form ``kind``) on the server: pyoxigraph solutions, a boolean,
        or a list of triples (``CONSTRUCT``/``DESCRIBE``: asked for as N-Triples, since Virtuoso
        would otherwise give the triples as a table)."""
        data: dict[str, Any] = {"query": text}
        if default_graph is not None:
            data["default-graph-uri"] = default_graph
        accept = "application/n-triples" if kind.upper() in ("CONSTRUCT", "DESCRIBE") else _ACCEPT
        response = self._http.send("POST", self.settings.query_url, what, data=data, headers={"Accept": accept})
        return _results(response, what)

    def select(self, query: SPARQLQuery, **params: object) -> list[Row]:
        """Run a library SELECT with bound parameters; rows as dicts of Python values."""
        return rows_of(self.query_text(query.render(params), what=query.name))

    def ask(self, query: SPARQLQuery, **params: object) -> bool:
        return bool(self.query_text(query.render(params), what=query.name))

    def raw_query(self, query: SPARQLQuery, **params: object) -> Any:
        """Run any query of the library or a user's file; pyoxigraph results."""
        text = query.render(params)
        check_shape(text, what=f"query {query.name}")
        return self.query_text(text, what=query.name, kind=query.kind)

    def named_graphs(self) -> list[str]:
        # not SELECT DISTINCT: Virtuoso answers that from its list of graphs, private ones included
        rows = self.query_text("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", what="listing graphs")
        return sorted(r[0].value for r in rows if isinstance(r[0], ox.NamedNode) and not staging.is_staging(r[0].value))

    def has_graph(self, graph: str) -> bool:
        return bool(self.query_text(f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}", what=f"graph {graph}"))

    def __len__(self) -> int:
        rows = list(self.query_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                    f"FILTER (!STRSTARTS(STR(?g), \"{staging.PREFIX}\")) }}", what="counting quads"))
        return int(rows[0][0].value) if rows else 0

    def match(self, subject: Any = None, predicate: Any = None, obj: Any = None, graph: Any = None) -> list[ox.Quad]:
        """The quads of the named graphs matching a pattern (``None``: anything)."""
        s, p, o, g = (str(t) if t is not None else v for t, v in
                      zip((subject, predicate, obj, graph), ("?s", "?p", "?o", "?g"), strict=True))
        rows = self.query_text(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}", what="reading quads")
        return [ox.Quad(subject or r["s"], predicate or r["p"], obj if obj is not None else r["o"], graph or r["g"])
                for r in rows if graph is not None or not staging.is_staging(r["g"].value)]

    def quads(self, graph: str | None = None) -> list[ox.Quad]:
        return self.match(graph=ox.NamedNode(graph) if graph else None)

    def quads_of(self, triples: Iterable[ox.Triple]) -> list[ox.Quad]:
        """Every quad that holds one of ``triples``: where in the named graphs each one is."""
        found: list[ox.Quad] = []
        for batch in _chunks(list(dict.fromkeys(t for t in triples if not isinstance(t.subject, ox.BlankNode)
                                                and not isinstance(t.object, ox.BlankNode))), _BATCH):
            values = " ".join(f"({t.subject} {t.predicate} {t.object})" for t in batch)
            rows = self.query_text(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o) {{ {values} }} "
                                   f"GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != {ONTOLOGY}) }}", what="reading quads")
            found += [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]
        return found

    def holds(self, quads: list[ox.Quad]) -> bool:
        """Whether the server holds every one of ``quads``."""
        return self._present(quads) >= set(quads)

    def _present(self, quads: list[ox.Quad]) -> set[ox.Quad]:
        """Which of ``quads`` the server holds."""
        held: set[ox.Quad] = set()
        for batch in _chunks([q for q in quads if not _has_blank(q)], _BATCH):
            values = " ".join(f"({q.subject} {q.predicate} {q.object} {q.graph_name})" for q in batch)
            rows = self.query_text(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o ?g) {{ {values} }} "
                                   "GRAPH ?g { ?s ?p ?o } }", what="reading quads")
            held.update(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)
        return held

    def export(self, fmt: str, *, include_ontology: bool = False) -> bytes:
        return serialize_quads([q for q in self.quads() if include_ontology or q.graph_name != ONTOLOGY], fmt)

    # --- writing ---------------------------------------------------------------------------

    def _ensure_ontology(self) -> None:
        if self.has_graph(ONTOLOGY_GRAPH):
            return
        try:
            quads = [ox.Quad(t.subject, t.predicate, t.object, ONTOLOGY)
                     for t in ox.parse(path=str(ontology_path()), format=ox.RdfFormat.TURTLE)]
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"cannot read the ontology to load it into the server: {exc}") from exc
        self._apply_staged(Delta(added=quads), [], "loading the ontology")

    def write(self, delta: Delta, *, what: str = "write", validate: bool = True,
              warnings_graph: str | None = None, progress: Progress | None = None,
              before_commit: Callable[[], None] | None = None,
              compute: Callable[[], Delta] | None = None, graphs: set[Any] | None = None,
              cycles: bool = True) -> WriteOutcome:
        """The one write path, as ``OxigraphStore.write``: ``delta`` (or what ``compute``
        returns) is validated against what the server holds, then written all or nothing.

        Raises:
            InputError: the delta writes the ontology graph or the default graph, or removes a
                triple with a blank node.
            StoreError, UnreachableError: the write failed (what was done is undone).
        """
        with self._write_lock:
            if compute is not None:
                delta = compute()
            if graphs is None:
                graphs = {q.graph_name for q in delta.added}
            if any(isinstance(g, ox.DefaultGraph) for g in {*graphs, *(q.graph_name for q in delta.removed)}):
                raise InputError(f"{what} writes the default graph; on a SPARQL server the default graph is "
                                 "the union of the named graphs", hint="write a named graph")
            if any(_has_blank(q) for q in delta.removed):
                raise InputError(f"{what} removes a triple with a blank node, which a SPARQL server cannot "
                                 "be asked to delete by name; nothing was written")
            outcome, extra = check_write(_ServerView(self), delta, what=what, validate=validate,
                                         warnings_graph=warnings_graph, progress=progress, graphs=graphs,
                                         cycles=cycles)
            if not outcome.accepted:
                return outcome
            if before_commit is not None:
                before_commit()
            self._apply_staged(delta, extra, what)
            return outcome

    def _apply_staged(self, delta: Delta, extra: list[ox.Quad], what: str) -> None:
        """Write ``delta`` and ``extra`` kill-safely (``store.staging``): stage every quad, then
        apply them all with one update operation, then drop the staging graph."""
        self.drop_stale_staging()
        added = [*delta.added, *extra]
        if added or delta.removed:
            stage = staging.new_staging_graph()
            try:
                self._stage(stage, staging.encode(stage, added, delta.removed), what)
                self._update(staging.commit_update(stage), what)
                committed = bool(self.query_text(staging.committed_query(stage), what=what))
            except (StoreError, UnreachableError) as exc:
                self._drop_quietly(stage, what)
                raise StoreError(f"{what}: writing failed, nothing was written (a write is applied by one "
                                 f"update once staged, all or nothing): {exc}") from exc
            self._drop_quietly(stage, what)
            if not committed:
                raise StoreError(f"{what}: nothing was written: its staging graph {stage.value} was dropped "
                                 "before it was applied (another client's clean-up of a write older than "
                                 f"{self.settings.staging_expiry:g} s)", hint="write it again; raise "
                                 "staging_expiry in the settings file if writes take that long")
        for g in sorted(delta.dropped, key=str):   # empty now: their quads were in delta.removed
            self._update(f"DROP SILENT GRAPH {g}", what)
        self._changed()

    def _stage(self, stage: ox.NamedNode, quads: list[ox.Quad], what: str) -> None:
        """Write the staging graph ``stage``: its marker first, every quad with a blank node in
        one request (one blank node scope), through the bulk loader for big writes when there is
        one, else the Graph Store Protocol, else ``INSERT ... WHERE {}`` (Virtuoso refuses blank
        nodes in ``INSERT DATA``)."""
        self._update(f"INSERT DATA {{ {data_block([staging.marker(stage)])} }}", what)
        loader = self.settings.loader
        if loader is not None and len(quads) >= self.settings.loader_from:
            loader.load(quads, timeout=self.settings.timeout)
            return
        quads = sorted(quads, key=_has_blank, reverse=True)
        size = self.settings.chunk
        first = max(size, sum(1 for q in quads if _has_blank(q)))
        for batch in [quads[:first], *_chunks(quads[first:], size)]:
            if not batch:
                continue
            if self.settings.graph_store_url:
                body = ox.serialize([q.triple for q in batch], format=ox.RdfFormat.N_TRIPLES) or b""
                self._http.send("POST", self.settings.graph_store_url, what, params={"graph-uri": stage.value},
                                content=body, headers={"Content-Type": "application/n-triples"})
            else:
                self._update(f"INSERT {{ {data_block(batch)} }} WHERE {{ }}", what)

    def _drop_quietly(self, stage: ox.NamedNode, what: str) -> None:
        """Drop a staging graph; if that fails it is left for the next clean-up (it is not data)."""
        try:
            self._update(f"DROP SILENT GRAPH {stage}", what)
        except (StoreError, UnreachableError):
            pass

    def drop_stale_staging(self, *, expiry: float | None = None) -> list[str]:
        """Drop the staging graphs left by writes started more than ``expiry`` seconds ago
        (default: the settings' ``staging_expiry``): clients killed while staging. Returns them."""
        rows = self.query_text(staging.stale_staging_query(), what="looking for staging graphs")
        gone = staging.stale(rows, expiry=self.settings.staging_expiry if expiry is None else expiry)
        for g in gone:
            self._update(f"DROP SILENT GRAPH {g}", "dropping a staging graph left by a killed write")
        return [g.value for g in gone]

    def _apply(self, delta: Delta, extra: list[ox.Quad], what: str) -> None:
        """Write ``delta`` and ``extra`` directly as a sequence of requests (``bulk_load``);
        undo what was done if one fails (not kill-safe: ``_apply_staged`` is)."""
        done = _Applied()
        added = [*delta.added, *extra]
        fresh = {g for g in {*delta.created, *(q.graph_name for q in extra)} if not self.has_graph(g.value)}
        try:
            for batch in _chunks(delta.removed, self.settings.chunk):
                done.removed += batch
                self._update(f"DELETE DATA {{ {data_block(batch)} }}", what)
            done.new_graphs = fresh
            self._add(added, what, done)
            for g in sorted(delta.dropped, key=str):
                self._update(f"DROP SILENT GRAPH {g}", what)
        except (StoreError, UnreachableError) as exc:
            self._undo(done, what, exc)
            raise StoreError(f"{what}: writing failed, nothing was written (what was done is undone): {exc}") from exc
        self._changed()

    def _add(self, quads: list[ox.Quad], what: str, done: _Applied) -> None:
        loader = self.settings.loader
        if loader is not None and len(quads) >= self.settings.loader_from:
            done.added += quads
            loader.load(quads, timeout=self.settings.timeout)
            return
        by_graph: dict[Any, list[ox.Quad]] = {}
        for q in quads:
            by_graph.setdefault(q.graph_name, []).append(q)
        size = self.settings.chunk
        small: list[ox.Quad] = []            # graphs written a few quads each: many per update
        for g, graph_quads in by_graph.items():
            if len(graph_quads) < size // 10 or not self.settings.graph_store_url:
                small += graph_quads
                continue
            blank = [q for q in graph_quads if _has_blank(q)]   # one request: one blank node scope
            plain = [q for q in graph_quads if not _has_blank(q)]
            for batch in [blank + plain[:size], *_chunks(plain[size:], size)]:
                if batch:
                    done.added += batch
                    body = ox.serialize([q.triple for q in batch], format=ox.RdfFormat.N_TRIPLES) or b""
                    self._http.send("POST", self.settings.graph_store_url, what, params={"graph-uri": g.value},
                                    content=body, headers={"Content-Type": "application/n-triples"})
        small.sort(key=_has_blank, reverse=True)   # blank nodes all in the first update: one scope
        first = max(size, sum(1 for q in small if _has_blank(q)))
        for batch in [small[:first], *_chunks(small[first:], size)]:
            if batch:
                done.added += batch
                self._update(f"INSERT DATA {{ {data_block(batch)} }}", what)

    def _undo(self, done: _Applied, what: str, cause: Exception) -> None:
        try:
            for g in sorted(done.new_graphs, key=str):
                self._update(f"DROP SILENT GRAPH {g}", what)
            kept = [q for q in done.added if q.graph_name not in done.new_graphs and not _has_blank(q)]
            for batch in _chunks(kept, self.settings.chunk):
                self._update(f"DELETE DATA {{ {data_block(batch)} }}", what)
            for batch in _chunks(done.removed, self.settings.chunk):
                self._update(f"INSERT DATA {{ {data_block(batch)} }}", what)
        except (StoreError, UnreachableError) as exc:
            raise StoreError(f"{what}: writing failed ({cause}) and undoing it failed too ({exc}): the server "
                             "may hold part of the write", hint="drop the graphs the write named and "
                             "write it again") from exc

    def _update(self, text: str, what: str) -> None:
        self._http.send("POST", self.settings.update_url, what, data={"update": text})

    def _changed(self) -> None:
        self.generation += 1
        self.last_write = time.time()

    @property
    def version(self) -> int:
        """Changes with every write through this object (the key of the caches of what it holds;
        writes by other clients of the server are not counted)."""
        return self.generation

    def import_quads(self, quads: list[ox.Quad], graph: str, *, validate: bool = True,
                     progress: Progress | None = None, replacing: Iterable[str] = (),
                     any_graph: bool = False, resume: bool = False, cycles: bool = True) -> WriteOutcome:
        """Validate then write ``quads`` as ``OxigraphStore.import_quads`` does: the bundle
        ``graph`` and descriptions merged into the own graphs of what it describes; a graph
        the server holds already is not written again (with ``resume``: what it lacks is)."""
        exists = self.has_graph(graph)
        if exists and not resume:
            return WriteOutcome(what=f"import of graph {graph}", accepted=True, added=0, removed=0,
                                graphs_created=(), graphs_dropped=(), report=None,
                                already_present=True, graph=graph)
        g = ox.NamedNode(graph)
        if not any_graph and any(q.graph_name != g and not describes(q) for q in quads):
            raise StoreError(f"every quad of an import must be in graph {graph} or the own graph of what it describes")
        stale = {ox.NamedNode(name) for name in replacing if self.has_graph(name)}
        removed = [q for name in stale for q in self.match(graph=name)]
        unique = list(dict.fromkeys(quads))
        held = self._present([q for q in unique if q.graph_name != g or exists])
        added = [q for q in unique if (q.graph_name == g and not exists) or q not in held]
        return self.write(Delta(added=added, removed=removed, created=set() if exists else {g}, dropped=stale),
                          what=f"import of graph {graph}", validate=validate, warnings_graph=graph,
                          progress=progress, graphs=None if any_graph else {g} | {q.graph_name for q in added},
                          cycles=cycles)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold this client's write lock across several writes (the chunks of one import)."""
        with self._write_lock:
            yield

    def acyclicity_report(self, edges: dict[Any, set[Any]], datasets: set[Any]) -> ShapeReport:
        """The acyclicity constraint on new lineage edges as the server would stand with them."""
        return batch_cycle_report(_ServerView(self), edges, datasets)

    def bulk_load(self, quads: list[ox.Quad]) -> None:
        """Write without validation (benchmarks and trusted dumps only)."""
        self._apply(Delta(added=list(quads)), [], "bulk load")

    def drop_graph(self, graph: str) -> None:
        """Remove named graph ``graph`` and what only it held up (as ``OxigraphStore.drop_graph``)."""
        self._update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}", f"dropping {graph}")
        edges = [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in
                 self.raw_query(library().get("internal/unsupported-edges"))]
        for batch in _chunks(edges, self.settings.chunk):
            self._update(f"DELETE DATA {{ {data_block(batch)} }}", f"dropping {graph}")
        for _ in range(4):   # an agent's graph going can orphan its model's: a few rounds at most
            orphans = [r["g"] for r in self.raw_query(library().get("internal/orphaned-descriptions"))]
            if not orphans:
                break
            for g in orphans:
                self._update(f"DROP SILENT GRAPH {g}", f"dropping {graph}")
        self._changed()

    def update(self, text: str, *, base_iri: str | None = None,
               before_commit: Callable[[], None] | None = None) -> WriteOutcome:
        """Run a SPARQL Update, validated (as ``OxigraphStore.update``): it runs on a local copy of
        the server's data graphs, and the difference is written through ``write``."""
        check_shape(text, what="update")

        def delta() -> Delta:
            quads = [q for q in self.quads() if q.graph_name != ONTOLOGY]
            graphs = {q.graph_name for q in quads}
            scratch = ox.Store()
            scratch.extend(quads)
            try:
                scratch.update(text, base_iri=base_iri)
            except SyntaxError as exc:
                raise QuerySyntaxError(str(exc)) from exc
            except (OSError, RuntimeError) as exc:
                raise QueryError(f"update failed, nothing was written: {exc}") from exc
            before, after = set(quads), set(scratch)
            after_graphs = {q.graph_name for q in after}
            return Delta(added=list(after - before), removed=list(before - after),
                         created=after_graphs - graphs, dropped=graphs - after_graphs)

        return self.write(Delta(), what="update", compute=delta, before_commit=before_commit)

    def clear(self) -> None:
        """Drop every data graph and staging graph (the ontology stays): an empty lineage store."""
        self.drop_stale_staging(expiry=0)
        for g in self.named_graphs():
            if g != ONTOLOGY_GRAPH:
                self._update(f"DROP SILENT GRAPH {ox.NamedNode(g)}", "clearing the store")
        self._changed()

    def flush(self) -> None:
        """Nothing to flush: the server commits each request."""

    def close(self) -> None:
        self._http.client.close()

    def __enter__(self) -> SparqlHttpStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_server_store(location: str, **options: Any) -> SparqlHttpStore:
    """The store on the server at ``location`` (``sparql+http://host:port/sparql``)."""
    return SparqlHttpStore(ServerSettings.from_location(location, **options))
