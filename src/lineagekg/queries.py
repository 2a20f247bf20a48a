"""The SPARQL query library: every query the code runs is a ``sparql/**/*.rq`` file with a
``#+`` YAML front-matter (summary, params, returns), and parameters are bound, never spliced.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from pyoxigraph import BlankNode, Literal, NamedNode, Variable

from lineagekg.errors import QueryNotFoundError, QueryParameterError, ResourceError
from lineagekg.resources import sparql_dir
from lineagekg.sparql_text import tokens

_XSD = "http://www.w3.org/2001/XMLSchema#"
_KIND = re.compile(r"^\s*(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)
_PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean")


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: its type and whether it must be given."""

    name: str
    type: str = "iri"
    required: bool = True
    description: str = ""

    def to_term(self, query: str, value: object) -> NamedNode | Literal:
        """Convert a Python value (or command-line string) to the RDF term to bind."""
        if isinstance(value, (NamedNode, Literal, BlankNode)):
            return value  # type: ignore[return-value]
        text = str(value)
        try:
            if self.type == "iri":
                if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:\S+$", text):
                    raise ValueError("not an absolute IRI")
                return NamedNode(text)
            if self.type == "integer":
                return Literal(str(int(text)), datatype=NamedNode(_XSD + "integer"))
            if self.type == "decimal":
                return Literal(str(float(text)), datatype=NamedNode(_XSD + "decimal"))
            if self.type == "boolean":
                if text.lower() not in ("true", "false"):
                    raise ValueError("not true or false")
                return Literal(text.lower(), datatype=NamedNode(_XSD + "boolean"))
            return Literal(text)
        except ValueError as exc:
            raise QueryParameterError(query, self.name, f"{text!r} is not a valid {self.type}: {exc}") from exc


@dataclass(frozen=True)
class SPARQLQuery:
    """A query of the library: its name (path under sparql/ without .rq), text and header."""

    name: str
    text: str
    kind: str
    summary: str
    params: tuple[ParamSpec, ...]
    returns: tuple[str, ...]
    path: Path | None = None

    def bind(self, values: dict[str, object]) -> dict[Variable, NamedNode | Literal]:
        """Check ``values`` against the declared parameters; return them as RDF terms."""
        declared = {p.name: p for p in self.params}
        for key in values:
            if key not in declared:
                raise QueryParameterError(self.name, key, "not a parameter of this query "
                                          f"(it takes: {', '.join(declared) or 'none'})")
        bound: dict[Variable, NamedNode | Literal] = {}
        for spec in self.params:
            if spec.name in values and values[spec.name] is not None:
                bound[Variable(spec.name)] = spec.to_term(self.name, values[spec.name])
            elif spec.required:
                raise QueryParameterError(self.name, spec.name, "required but not given")
        return bound

    def render(self, values: dict[str, object]) -> str:
        """The query text with each parameter replaced by its RDF term (SPARQL substitution).

        Values become terms first (``bind``: IRIs validated, literals escaped by pyoxigraph),
        and only variable tokens are replaced, never text inside comments, strings or IRIs, so
        no value can change the query's structure. Binding in the text rather than through
        pyoxigraph's ``substitutions`` matters for speed: Oxigraph applies those after planning,
        so a path anchored on a parameter was evaluated over the whole graph (24 s instead of
        tens of ms for a path at 100k datasets; see benchmarks/README.md). A projected parameter
        becomes ``(term AS ?name)``; in GROUP BY it is dropped (it is constant).
        """
        terms = {var.value: str(term) for var, term in self.bind(values).items()}
        if not terms:
            return self.text
        out: list[str] = []
        clause = ""          # "select" between SELECT and WHERE/{, "group" after GROUP BY
        depth = 0
        for lexed in tokens(self.text):
            kind, token = lexed.kind, lexed.text
            if kind == "word":
                word = token.upper()
                if word == "SELECT":
                    clause, depth = "select", 0
                elif word == "WHERE" and clause == "select":
                    clause = ""
                elif word == "GROUP":
                    clause = "group"
                elif word in ("ORDER", "HAVING", "LIMIT", "OFFSET", "VALUES") and clause == "group":
                    clause = ""
            elif kind == "punct":
                if token == "{" or (token == "}" and clause == "group"):
                    clause = ""
                elif token == "(":
                    depth += 1
                elif token == ")":
                    depth -= 1
            elif kind == "var" and token[1:] in terms:
                term = terms[token[1:]]
                if clause == "select" and depth == 0:
                    token = f"({term} AS ?{token[1:]})"
                elif clause == "group" and depth == 0:
                    token = ""
                else:
                    token = term
            out.append(token)
        return "".join(out)

    @classmethod
    def from_text(cls, name: str, text: str, path: Path | None = None) -> SPARQLQuery:
        """Parse the ``#+`` header of a query text; a query without one takes no parameters."""
        header = "\n".join(line[2:] for line in text.splitlines() if line.startswith("#+"))
        where = str(path) if path else name
        try:
            meta = yaml.safe_load(header) or {} if header.strip() else {}
        except yaml.YAMLError as exc:
            raise ResourceError(f"bad #+ front-matter: {exc}", path=where) from exc
        if not isinstance(meta, dict):
            raise ResourceError("the #+ front-matter must be a mapping", path=where)
        params = []
        for pname, spec in (meta.get("params") or {}).items():
            spec = spec or {}
            ptype = spec.get("type", "iri")
            if ptype not in _PARAM_TYPES:
                raise ResourceError(f"parameter {pname!r} has unknown type {ptype!r}", path=where)
            params.append(ParamSpec(pname, ptype, bool(spec.get("required", True)),
                                    str(spec.get("description", ""))))
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        match = _KIND.search(body)
        kind = match.group(1).upper() if match else "UPDATE"
        return cls(name=name, text=text, kind=kind, summary=str(meta.get("summary", "")).strip(),
                   params=tuple(params), returns=tuple(meta.get("returns") or ()), path=path)


class QueryLibrary:
    """Every ``.rq`` file under a folder, by name (``analyses/ancestors``)."""

    def __init__(self, queries: dict[str, SPARQLQuery]) -> None:
        self._queries = queries

    @classmethod
    def from_directory(cls, root: Path) -> QueryLibrary:
        queries = {}
        for path in sorted(root.rglob("*.rq")):
            name = path.relative_to(root).with_suffix("").as_posix()
            queries[name] = SPARQLQuery.from_text(name, path.read_text(encoding="utf-8"), path)
        return cls(queries)

    def get(self, name: str) -> SPARQLQuery:
        """The query called ``name`` (a full name, or a unique last segment: ``ancestors``)."""
        if name in self._queries:
            return self._queries[name]
        tails = [q for q in self._queries if q.rsplit("/", 1)[-1] == name]
        if len(tails) == 1:
            return self._queries[tails[0]]
        raise QueryNotFoundError(name, difflib.get_close_matches(name, list(self._queries), n=3))

    def names(self) -> list[str]:
        return sorted(self._queries)

    def __iter__(self) -> Iterator[SPARQLQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)


@functools.cache
def library() -> QueryLibrary:
    """The queries shipped with lineagekg (cached)."""
    return QueryLibrary.from_directory(sparql_dir())
