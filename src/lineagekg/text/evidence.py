"""The verbatim-evidence rule: a claim's evidence must be a passage a reader of the document sees.

Evidence is checked against the document as parsed (:func:`~lineagekg.text.markdown.parse`):
the text of its blocks, whitespace collapsed, markup reduced to text. Hidden HTML has been
removed by then, so text in a ``display:none`` span is never evidence. A quote may run across
blocks (a list item and the next); it may not add or drop words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lineagekg.text.markdown import parse

__all__ = ["evidence_in", "visible_text"]


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=256)
def visible_text(document_text: str) -> str:
    """The document as a reader sees it, whitespace collapsed to single spaces."""
    return _ws(parse(document_text).visible_text)


def evidence_in(document_text: str, evidence: str) -> bool:
    """True if ``evidence`` occurs verbatim (whitespace aside) in what a reader of the document
    sees."""
    quote = _ws(evidence)
    return bool(quote) and quote in visible_text(document_text)
