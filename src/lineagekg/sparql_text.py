"""SPARQL text as tokens: the one lexer behind parameter binding (``queries``), the gateway's
reach check (``api.inspection``) and the shape check below.

The lexer knows what must be copied untouched (comments, IRIs, strings, language tags, prefixed
names, variables), keywords, and brackets; anything else is one character of ``other``.

The shape check refuses text that pyoxigraph's recursive-descent parser cannot survive: it
overflows the native stack, and the process dies with SIGSEGV (a signal, not an exception), on
deep nesting and on long chains at one level. Measured with pyoxigraph 0.5.13 on an 8 MiB stack
(the first length that crashed): nested ``EXISTS { FILTER(`` 703, nested ``STR(`` 937, nested
``{`` 2,187, nested ``(`` 4,375, ``!`` 8,750; chains in one group: ``BIND`` and ``MINUS`` 2,500,
``UNION`` 6,250, ``.`` patterns, ``;`` and ``,`` lists about 8,000, ``&&``/``+``/``*`` 6,875.
The limits are far below these; a ``VALUES`` block or ``INSERT DATA`` triples are not chains
(20,000 and 100,000 parse fine) and are not limited here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lineagekg.errors import QueryShapeError

__all__ = ["MAX_CHAIN", "MAX_DEPTH", "Token", "check_shape", "has_dataset_clause", "tokens"]

MAX_DEPTH = 128      # brackets open at once, plus a run of prefix operators (! ^ - +)
MAX_CHAIN = 1_000    # separators, operators and group keywords at one bracket level

_LEXER = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<string>"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}
      |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<pname>(?:[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:[\w.\-:%\\\u00b7\u00c0-\uffff]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>[{}()\[\]])
  | (?P<other>[\s\S])
""", re.VERBOSE)

_OPEN, _CLOSE = "{([", "})]"
_INERT = {"space", "comment", "iri", "string", "lang", "var", "pname", "number"}
_PREFIX_OPERATORS = set("!^-+")
_CHAIN_CHARACTERS = set("&|+-*/=<>,;.")
_CHAIN_WORDS = {"UNION", "MINUS", "OPTIONAL", "BIND", "FILTER", "GRAPH", "SERVICE", "VALUES", "IN"}


@dataclass(frozen=True)
class Token:
    kind: str        # space, comment, iri, string, lang, var, pname, word, number, punct, other
    text: str
    start: int       # offset in the text


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text``, in order; every character belongs to exactly one token."""
    for match in _LEXER.finditer(text):
        yield Token(match.lastgroup or "other", match.group(), match.start())


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def check_shape(text: str, *, what: str = "query") -> None:
    """Refuse ``text`` before any parser sees it when it nests deeper than ``MAX_DEPTH`` or
    chains more than ``MAX_CHAIN`` items at one level (see the module doc). Triples inside an
    update's ``INSERT DATA``/``DELETE DATA`` block are data, not a chain.

    Raises:
        QueryShapeError: what was too deep or too long, and where (line and column).
    """
    depth = run = 0
    chains = [0]                 # per open bracket: items chained at that level
    data_at: int | None = None   # the depth of an INSERT/DELETE DATA block, while inside one
    previous = ""
    for match in _LEXER.finditer(text):
        kind = match.lastgroup
        if kind in _INERT:
            continue
        value = match.group()
        if kind == "punct" and value in _OPEN:
            if previous == "DATA" and data_at is None:
                data_at = depth + 1
            chains[-1] += 1
            depth += 1
            chains.append(0)
        elif kind == "punct" and value in _CLOSE:
            if data_at == depth:
                data_at = None
            depth = max(depth - 1, 0)
            if len(chains) > 1:
                chains.pop()
        elif (kind == "other" and value in _CHAIN_CHARACTERS) or (kind == "word" and value.upper() in _CHAIN_WORDS):
            if data_at is None or value not in ".;,":
                chains[-1] += 1
        run = run + 1 if kind == "other" and value in _PREFIX_OPERATORS else 0
        if depth + run > MAX_DEPTH:
            raise QueryShapeError(
                f"the {what} nests deeper than {MAX_DEPTH} levels (brackets and prefix operators "
                f"such as '!') at {_where(text, match.start())}; it was not parsed",
                hint="flatten the expression; deeply nested text crashes the SPARQL parser")
        if chains[-1] > MAX_CHAIN:
            raise QueryShapeError(
                f"the {what} chains more than {MAX_CHAIN} operators, separators or group keywords "
                f"at one level (the last at {_where(text, match.start())}); it was not parsed",
                hint="split it into several queries, or give long lists of terms as a VALUES block")
        previous = value.upper() if kind == "word" else ""


def has_dataset_clause(text: str) -> bool:
    """Whether a query names its dataset (``FROM`` or ``FROM NAMED``): then the store's union
    of graphs is not its default graph."""
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in tokens(text))
