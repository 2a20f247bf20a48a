"""Inline markup reduced to text, as a line-oriented reader sees it: link syntax to its text
(links kept with their offsets), emphasis and images dropped, HTML tags removed, list and
heading markers dropped. The second form of the verbatim-evidence rule (see
:mod:`lineagekg.text.evidence`) and the heuristic backend's cleaner read documents this way."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from lineagekg.text.frontmatter import front_matter_span
from lineagekg.text.markdown import hub_id

__all__ = ["MarkupLink", "inline", "normalise_markup"]

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_ANCHOR = re.compile(r"<a\b[^>]*?href\s*=\s*[\"']?([^\"'\s>]+)[\"']?[^>]*>(.*?)</a\s*>", re.DOTALL | re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"</?(?:br|p|div|td|th|tr|li|ul|ol|table|thead|tbody|h[1-6]|details|summary|hr)\b[^>\n]*>",
                        re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>\n]*>")
_MD_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_EMPH = re.compile(r"\*\*|__(?=\S)|(?<=\S)__|`+|~~")
_HF_DATASET = re.compile(r"huggingface\.co/datasets/([A-Za-z0-9][\w.-]*/[\w.-]+|[A-Za-z0-9][\w.-]*)", re.IGNORECASE)


@dataclass(frozen=True)
class MarkupLink:
    text: str
    url: str
    start: int
    end: int

    @property
    def hf_id(self) -> str | None:
        return hub_id(self.url)


def inline(text: str) -> tuple[str, list[MarkupLink]]:
    """Reduce inline markdown/HTML to text; return the text and its links (with offsets)."""
    text = _COMMENT.sub("", text)
    text = _AUTOLINK.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", text)
    text = _ANCHOR.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    text = _MD_IMAGE.sub("", text)
    text = _HTML_IMG.sub("", text)
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    text = _EMPH.sub("", text)
    text = html.unescape(text)
    out: list[str] = []
    links: list[MarkupLink] = []
    pos = 0
    length = 0
    for m in _MD_LINK.finditer(text):
        before = text[pos:m.start()]
        out.append(before)
        length += len(before)
        label = _MD_LINK.sub(lambda n: n.group(1), m.group(1)).strip()
        if label:
            links.append(MarkupLink(label, m.group(2), length, length + len(label)))
            out.append(label)
            length += len(label)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), links


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def normalise_markup(text: str) -> str:
    """The document text with markup reduced as the cleaner reduces it, whitespace collapsed:
    an evidence quote must be a substring of this."""
    _, body = front_matter_span(text)
    plain, _ = inline(body)
    plain = "\n".join(re.sub(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", "", line)
                      for line in plain.splitlines())
    return _ws(plain.replace("|", " "))
