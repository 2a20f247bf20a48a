"""Card YAML front matter: the one rule for where it is and how it is read.

A document starts with front matter when its first line is ``---`` and a later line is ``---``
or ``...``; what lies between is YAML (a mapping). Dates stay strings, so card metadata stays
JSON-serialisable.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from lineagekg.errors import InputError

__all__ = ["front_matter_span", "parse_front_matter", "PLACEHOLDER_SOURCES"]

#: entries of a card's ``source_datasets`` that name no dataset (``extended|other``: "another one")
PLACEHOLDER_SOURCES = frozenset({"original", "extended", "other", ""})


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)     # libyaml's parser when PyYAML has it


class _CardLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader (libyaml's when there) that keeps dates as strings (card metadata stays
    JSON-serialisable)."""


_CardLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_FM_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


def front_matter_span(text: str) -> tuple[str, str]:
    """``(raw YAML, body)``: the text between the front-matter fences and what follows them;
    ``("", text)`` when the document has none. Nothing is parsed."""
    opening = _FM_OPEN.match(text)
    if not opening:
        return "", text
    close = _FM_CLOSE.search(text, opening.end())
    if close is None:                      # a leading rule with no end: not front matter
        return "", text
    body = text[close.end():]
    if body.startswith("\r\n"):
        body = body[2:]
    elif body.startswith("\n"):
        body = body[1:]
    return text[opening.end():close.start()], body


def parse_front_matter(text: str, where: str | None = None) -> tuple[dict[str, Any], str]:
    """Split YAML front matter from the body. Returns ``(metadata, body)``; ``({}, text)`` when
    there is none.

    Broken YAML, or front matter that is not a mapping, raises :class:`InputError` naming
    ``where`` and the line of the problem in the file.
    """
    raw, body = front_matter_span(text)
    if raw == "" and body is text:
        return {}, text
    try:
        data = yaml.load(raw, Loader=_CardLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else None     # +1 for 1-based, +1 for "---"
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise InputError(f"broken YAML front matter: {problem}", file=where, line=line,
                         hint="fix the card's YAML header (between the '---' lines)") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"broken YAML front matter: {exc}", file=where) from exc
    if data is None:
        return {}, body
    if not isinstance(data, dict):
        raise InputError(f"YAML front matter is a {type(data).__name__}, not a mapping",
                         file=where, line=2)
    return {str(k): v for k, v in data.items()}, body
