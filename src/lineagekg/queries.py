"""The SPARQL query library: every query the code runs is a ``sparql/**/*.rq`` file with a
``#+`` YAML front-matter (summary, params, returns), and parameters are bound, never spliced.

A parameter is written ``$name`` in the query and declared in the front-matter; ``?name`` is
always a variable. Parameters stand where a term can stand (triple patterns, expressions), never
in a projection or ``GROUP BY``: a caller knows the values it gave. When the library loads,
every query is rendered with a dummy term for each parameter and parsed, so a query that breaks
these rules fails at once, naming its file.
"""

from __future__ import annotations

import decimal
import difflib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Variable

from lineagekg.errors import QueryNotFoundError, QueryParameterError, ResourceError
from lineagekg.resources import sparql_dir
from lineagekg.sparql_text import tokens
from lineagekg.terms import XSD

_XSD = XSD.NS
_KIND = re.compile(r"^\s*(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)
_PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean")
#: a value of each type, to render every library query once when it loads (see QueryLibrary)
_DUMMY: dict[str, object] = {"iri": "urn:lineagekg:check", "string": "x", "integer": 1, "decimal": "0.5",
                             "boolean": "true"}


def canonical_decimal(text: str) -> str:
    """The ``xsd:decimal`` lexical form of a number: plain digits, never an exponent.

    >>> canonical_decimal("1e-05"), canonical_decimal("2"), canonical_decimal("-0.50")
    ('0.00001', '2.0', '-0.50')
    """
    try:
        number = decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    lexical = format(number, "f")
    return lexical if "." in lexical else lexical + ".0"


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: its type and whether it must be given."""

    name: str
    type: str = "iri"
    required: bool = True
    description: str = ""

    def to_term(self, query: str, value: object) -> NamedNode | Literal:
        """Convert a Python value (or command-line string) to the RDF term to bind.

        A blank node is refused: written into the query it would be a variable, matching anything.
        """
        if isinstance(value, BlankNode):
            raise QueryParameterError(query, self.name, f"{value} is a blank node: in a query it would be a "
                                      "variable that matches anything; give an IRI or a literal")
        if isinstance(value, (NamedNode, Literal)):
            return value
        text = str(value)
        try:
            if self.type == "iri":
                if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:\S+$", text):
                    raise ValueError("not an absolute IRI")
                return NamedNode(text)
            if self.type == "integer":
                return Literal(str(int(text)), datatype=NamedNode(_XSD + "integer"))
            if self.type == "decimal":
                return Literal(canonical_decimal(text), datatype=NamedNode(_XSD + "decimal"))
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
        """The query text with each given parameter's ``$name`` replaced by its RDF term.

        Values become terms first (``bind``: IRIs validated, literals escaped by pyoxigraph),
        and only ``$name`` variable tokens are replaced, never text inside comments, strings or
        IRIs, so no value can change the query's structure. Binding in the text rather than
        through pyoxigraph's ``substitutions`` matters for speed: Oxigraph applies those after
        planning, so a path anchored on a parameter was evaluated over the whole graph (24 s
        instead of tens of ms for a path at 100k datasets; see benchmarks/README.md). An optional
        parameter left out stays a variable.

        >>> q = SPARQLQuery.from_text("q", "#+ params: {d: {type: iri}}\\nASK { $d ?p ?d }")
        >>> q.render({"d": "https://example.org/a"}).splitlines()[-1]
        'ASK { <https://example.org/a> ?p ?d }'
        """
        terms = {var.value: str(term) for var, term in self.bind(values).items()}
        if not terms:
            return self.text
        return "".join(terms.get(t.text[1:], t.text) if t.kind == "var" and t.text[0] == "$" else t.text
                       for t in tokens(self.text))

    def check(self, empty: Store | None = None) -> None:
        """Refuse a query whose parameters do not work: a ``$name`` not declared (a typo that
        would match anything), a declared parameter never used, or text that does not parse
        once each parameter is a term (a parameter in a projection or ``GROUP BY``). ``empty``:
        an empty store to parse with (one for many checks is cheaper).

        Raises:
            ResourceError: what is wrong, naming the query's file.
        """
        where = str(self.path) if self.path else self.name
        written = {t.text[1:] for t in tokens(self.text) if t.kind == "var" and t.text[0] == "$"}
        declared = {p.name for p in self.params}
        if written - declared:
            raise ResourceError(f"${', $'.join(sorted(written - declared))} not declared in #+ params", path=where,
                                hint="declare each parameter, or write ?name for a variable")
        if declared - written:
            raise ResourceError(f"parameter(s) {', '.join(sorted(declared - written))} declared but never "
                                "written as $name", path=where)
        text = self.render({p.name: _DUMMY[p.type] for p in self.params})
        parser = empty if empty is not None else Store()
        try:
            if self.kind == "UPDATE":
                Store().update(text)              # a store of its own: an update writes
            else:
                parser.query(text)
        except SyntaxError as exc:
            raise ResourceError(f"does not parse with its parameters bound: {exc}", path=where,
                                hint="a parameter stands where a term can: not in SELECT or GROUP BY") from exc

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
        empty = Store()
        for path in sorted(root.rglob("*.rq")):
            name = path.relative_to(root).with_suffix("").as_posix()
            query = SPARQLQuery.from_text(name, path.read_text(encoding="utf-8"), path)
            query.check(empty)
            queries[name] = query
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
