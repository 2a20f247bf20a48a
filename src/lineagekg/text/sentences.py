"""Sentence splitting of block text: on ``.``, ``!``, ``?`` followed by space and a capital,
digit, quote or bracket, except after common abbreviations (e.g., i.e., et al., Fig.)."""

from __future__ import annotations

import re

__all__ = ["last_sentence", "sentence_spans"]

_END = re.compile(r"[.!?](?=\s+[\"'“(\[A-Z0-9])")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|et al|cf|approx|Fig|Eq|No|Sec|al|resp|incl|Inc|Ltd|Dr|Mr|Ms)\.|"
                     r"\b[A-Z]\.)$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        if _ABBREV.search(text[start:m.end()]):
            continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def last_sentence(text: str) -> str:
    """The last sentence of ``text`` (a list's lead-in)."""
    spans = sentence_spans(text)
    return text[spans[-1][0]:spans[-1][1]] if spans else ""
