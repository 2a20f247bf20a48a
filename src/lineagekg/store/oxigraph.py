"""The embedded store: pyoxigraph on disk (RocksDB) or in memory.

One process owns an on-disk store. pyoxigraph's ``SyntaxError``/``OSError``/``ValueError`` are
translated here, once, into lineagekg errors. Imports are validated with SHACL *before* they are
written, and written in one transaction: a rejected batch leaves the store as it was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from lineagekg.errors import ConfigError, QueryError, QuerySyntaxError, StoreError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.namespaces import PREFIXES
from lineagekg.queries import SPARQLQuery, library
from lineagekg.resources import ontology_path
from lineagekg.store.base import ImportOutcome, Row
from lineagekg.validation import ShapeReport, validate

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


def default_store_path() -> Path:
    """``LINEAGEKG_STORE``, else ``$XDG_DATA_HOME/lineagekg/store`` (``~/.local/share/...``)."""
    env = os.environ.get("LINEAGEKG_STORE")
    if env:
        return Path(env)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "lineagekg" / "store"


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
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}",
                             hint="another lineagekg process may hold it; one process per store") from exc
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
        return ImportOutcome(graph=graph, accepted=True, quads_written=len(quads), report=report)

    def bulk_load(self, quads: list[ox.Quad]) -> None:
        """Write without validation or transaction (benchmarks and trusted dumps only)."""
        self._store.bulk_extend(quads)

    def drop_graph(self, graph: str) -> None:
        self._store.remove_graph(ox.NamedNode(graph))

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
