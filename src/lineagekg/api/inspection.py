"""What a user's SPARQL text would reach before it runs: its ``SERVICE`` endpoints and ``LOAD``
sources (pyoxigraph fetches both with its own HTTP client), and its update dataset clauses.

A lexer that skips comments, strings and IRIs says whether the keywords occur at all (most
queries stop there); when they do, rdflib's SPARQL parser builds the algebra and the endpoints are
read from it, prefixes and the base resolved. A text that rdflib cannot parse but that names
``SERVICE`` or ``LOAD`` is refused: what cannot be checked does not run.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rdflib.term import Variable

from lineagekg.api.problems import GatewayError
from lineagekg.sparql_text import tokens

__all__ = ["MAX_PARSED_LENGTH", "Reach", "check_reach", "reach", "with_protocol_dataset"]

MAX_PARSED_LENGTH = 20_000      # characters of a text that must be parsed by rdflib to be checked


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    for token in tokens(text):
        yield token.kind, token.text, token.start


@dataclass(frozen=True)
class Reach:
    """The network a text would reach: SERVICE endpoints and LOAD sources (an endpoint that is
    a variable is kept as ``?name``), and, for updates, its dataset clauses."""

    services: tuple[str, ...] = ()
    loads: tuple[str, ...] = ()
    has_using_or_with: bool = False
    modify_operations: int = 0
    delete_where_operations: int = 0


def _walk(node: Any) -> Iterator[Any]:
    """Every node of an rdflib parse tree or algebra (CompValues, lists, dicts)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n
            stack.extend(n.values())
        elif isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)):
            stack.extend(n)


_PLACEHOLDER = "urn:lineagekg:iri-with-hash:"


def _for_rdflib(text: str) -> tuple[str, dict[str, str]]:
    """``text`` as rdflib's parser can read it, and the IRIs it stands in for.

    rdflib drops everything from a ``#`` to the end of the line before parsing, even inside an
    IRI, so a one-line query with ``<http://example.org/ns#>`` before its SERVICE loses the rest
    of the query. Here comments go, and an IRI with a ``#`` is replaced by a placeholder IRI,
    mapped back when the endpoints are read.
    """
    out: list[str] = []
    originals: dict[str, str] = {}
    for kind, tok, _ in _tokens(text):
        if kind == "comment":
            continue
        if kind == "iri" and "#" in tok:
            stand_in = f"{_PLACEHOLDER}{len(originals)}"
            originals[stand_in] = tok[1:-1]
            tok = f"<{stand_in}>"
        out.append(tok)
    return "".join(out), originals


def _name(term: Any, originals: dict[str, str] | None = None, base: str | None = None) -> str:
    if isinstance(term, Variable):
        return f"?{term}"
    name = str(term)
    if originals and name in originals:
        return urllib.parse.urljoin(base, originals[name]) if base else originals[name]
    return name


def reach(text: str, *, update: bool, base_iri: str | None = None, dataset_params: bool = False) -> Reach:
    """What ``text`` (a query, or an update when ``update``) would reach; see the module doc.
    ``dataset_params``: the request has using-graph-uri parameters, so an update's operations
    are read from the algebra too.

    Raises:
        GatewayError: 400 when the text must be checked but rdflib cannot parse it.
    """
    keywords = {tok.upper() for kind, tok, _ in _tokens(text) if kind == "word"}
    if not (keywords & {"SERVICE", "LOAD"} or (update and dataset_params)):
        return Reach()
    if len(text) > MAX_PARSED_LENGTH:     # rdflib's parser takes about a second per 16k characters
        raise GatewayError(413, "query-too-long",
                           f"a text with SERVICE or LOAD (or with using-graph-uri) is checked before it runs, "
                           f"and may have at most {MAX_PARSED_LENGTH} characters; this one has {len(text)}")
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    parsed_text, originals = _for_rdflib(text)
    try:
        if update:
            algebra: Any = translateUpdate(parseUpdate(parsed_text), base=base_iri).algebra
        else:
            algebra = translateQuery(parseQuery(parsed_text), base=base_iri).algebra
    except Exception as exc:  # noqa: BLE001 -- rdflib raises many unrelated types for text it cannot read
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise GatewayError(400, "unchecked-text",
                           "the text uses SERVICE or LOAD, or the request gives using-graph-uri, and "
                           f"rdflib could not parse it to check, so it was not run: {first}",
                           hint="check the syntax; SERVICE and LOAD must name an IRI on the allowlist") from None
    services, loads = [], []
    using = False
    modify = delete_where = 0
    for node in _walk(algebra):
        # dict.get: CompValue.get answers a missing key with the key's own name
        if node.name == "ServiceGraphPattern":
            services.append(_name(dict.get(node, "term"), originals, base_iri))
        elif node.name == "Load":
            loads.append(_name(dict.get(node, "iri"), originals, base_iri))
        elif node.name == "Modify":
            modify += 1
            using = using or bool(dict.get(node, "withClause")) or bool(dict.get(node, "using"))
        elif node.name == "DeleteWhere":
            delete_where += 1
    found = sum(1 for kind, tok, _ in _tokens(text) if kind == "word" and tok.upper() == "SERVICE")
    if found and len(services) < found:
        raise GatewayError(400, "unchecked-text",
                           f"the text names SERVICE {found} time(s) but only {len(services)} could be "
                           "located in its algebra, so it was not run")
    return Reach(services=tuple(services), loads=tuple(loads), has_using_or_with=using,
                 modify_operations=modify, delete_where_operations=delete_where)


def check_reach(found: Reach, allowlist: tuple[str, ...]) -> None:
    """Refuse (403) a SERVICE endpoint or LOAD source that is not on the allowlist.

    Raises:
        GatewayError: 403 naming the first endpoint refused.
    """
    allowed = set(allowlist)
    for endpoint in found.services:
        if endpoint.startswith("?"):
            raise GatewayError(403, "service-refused",
                               f"SERVICE with a variable endpoint ({endpoint}) is refused: the endpoint "
                               "must be an IRI on the allowlist", hint=_allow_hint(allowlist))
        if endpoint not in allowed:
            raise GatewayError(403, "service-refused",
                               f"SERVICE <{endpoint}> is refused: not on the gateway's SERVICE allowlist",
                               hint=_allow_hint(allowlist))
    for source in found.loads:
        if source not in allowed:
            raise GatewayError(403, "load-refused",
                               f"LOAD <{source}> is refused: not on the gateway's allowlist",
                               hint=_allow_hint(allowlist))


def _allow_hint(allowlist: tuple[str, ...]) -> str:
    if not allowlist:
        return "this gateway allows no SERVICE endpoints (LINEAGEKG_SERVICE_ALLOWLIST is empty)"
    return "allowed: " + ", ".join(allowlist)


def _modify_wheres(text: str) -> list[int]:
    """Offsets of the ``WHERE`` of each DELETE/INSERT operation (not ``DELETE WHERE``), found at
    brace depth 0 by the lexer: the places a ``USING`` clause goes."""
    depth, previous, out = 0, "", []
    for kind, tok, start in _tokens(text):
        if kind == "comment" or tok.isspace():
            continue
        if kind == "punct" and tok in "{}":
            depth += 1 if tok == "{" else -1
        word = tok.upper() if kind == "word" else ""
        if word == "WHERE" and depth == 0 and previous != "DELETE":
            out.append(start)
        previous = word
    return out


def with_protocol_dataset(text: str, found: Reach, using: list[str], using_named: list[str]) -> str:
    """The update with the protocol's ``using-graph-uri``/``using-named-graph-uri`` written as
    ``USING``/``USING NAMED`` clauses before each operation's ``WHERE`` (SPARQL 1.1 Protocol 2.2.3).

    The IRIs are checked as IRIs (pyoxigraph) and written as IRI tokens; nothing else changes.

    Raises:
        GatewayError: 400 when the update has its own USING/WITH (the protocol says so), or a
            DELETE WHERE (which cannot take USING), or its operations cannot be located.
    """
    if not using and not using_named:
        return text
    import pyoxigraph as ox

    if found.has_using_or_with:
        raise GatewayError(400, "dataset-conflict",
                           "using-graph-uri/using-named-graph-uri cannot be combined with an update that "
                           "has its own USING, USING NAMED or WITH clause")
    if found.delete_where_operations:
        raise GatewayError(400, "dataset-conflict",
                           "using-graph-uri/using-named-graph-uri cannot apply to DELETE WHERE",
                           hint="write it as DELETE { ... } WHERE { ... }")
    places = _modify_wheres(text)
    if len(places) != found.modify_operations:
        raise GatewayError(400, "dataset-conflict",
                           "could not place using-graph-uri/using-named-graph-uri in this update")
    try:
        clause = " ".join([f"USING {ox.NamedNode(g)}" for g in using]
                          + [f"USING NAMED {ox.NamedNode(g)}" for g in using_named]) + " "
    except ValueError as exc:
        raise GatewayError(400, "bad-iri", f"using-graph-uri/using-named-graph-uri: {exc}") from None
    out, last = [], 0
    for at in places:
        out += [text[last:at], clause]
        last = at
    out.append(text[last:])
    return "".join(out)
