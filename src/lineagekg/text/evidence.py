"""The verbatim-evidence rule: a claim's evidence must be a passage a reader of the document sees.

A quote passes when, whitespace aside, it occurs in the document as parsed
(:func:`~lineagekg.text.markdown.parse`: block texts with markup reduced to text), or in the
document read line by line with inline markup reduced (:func:`~lineagekg.text.markup.normalise_markup`,
how a model quoting a cleaned section sees it), or is a whole line of the card's YAML front
matter. Hidden HTML is removed before either reading, so text in a ``display:none`` span is never
evidence. A quote may not add or drop words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lineagekg.text.frontmatter import front_matter_span
from lineagekg.text.html import strip_hidden
from lineagekg.text.markdown import parse
from lineagekg.text.markup import normalise_markup

__all__ = ["evidence_in", "visible_text"]


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=256)
def visible_text(document_text: str) -> str:
    """The document as parsed, whitespace collapsed to single spaces."""
    return _ws(parse(document_text).visible_text)


@lru_cache(maxsize=256)
def _line_text(document_text: str) -> str:
    front, body = front_matter_span(document_text)
    return _ws(normalise_markup(strip_hidden(body)))


def evidence_in(document_text: str, evidence: str) -> bool:
    """True if ``evidence`` occurs verbatim (whitespace aside) in what a reader of the document
    sees (see the module docstring)."""
    quote = _ws(evidence)
    if not quote:
        return False
    if quote in visible_text(document_text) or quote in _line_text(document_text):
        return True
    front, _ = front_matter_span(document_text)
    return bool(front) and evidence.strip() in [ln.strip() for ln in front.splitlines()]
