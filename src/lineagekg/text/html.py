"""HTML inside Markdown: hidden text removed, the rest read as paragraphs, table rows and links.

Text a reader cannot see (``display:none``, ``visibility:hidden``, ``font-size:0``, ``opacity:0``,
the ``hidden`` attribute, ``aria-hidden="true"``, comments, scripts, styles, templates) is
removed before anything else reads the document: it is never evidence, never a mention.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["Span", "html_pieces", "strip_hidden"]

#: an inline run of text, with the URL of the link it sits in (None outside links)
Span = tuple[str, str | None]

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])"
                           r"|opacity\s*:\s*0(?![.\d]*[1-9])|(?<![-\w])(?:width|height)\s*:\s*0(?:px)?\s*(?:;|$)",
                           re.IGNORECASE)
_OPEN_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b([^<>]*)>")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_INVISIBLE = re.compile(r"<(script|style|template|noscript|svg)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "source", "area", "base", "embed"}


def _hidden(attrs: str) -> bool:
    a = attrs.lower()
    if re.search(r"(?:^|\s)hidden(?:\s|=|/|$)", a) or re.search(r"aria-hidden\s*=\s*[\"']?true", a):
        return True
    style = re.search(r"style\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", attrs, re.IGNORECASE)
    return bool(style and _HIDDEN_STYLE.search(style.group(1)))


def strip_hidden(text: str) -> str:
    """``text`` without comments, scripts/styles and elements a browser would not show (with
    everything inside them, nested tags of the same name counted)."""
    text = _COMMENT.sub("", text)
    text = _INVISIBLE.sub("", text)
    out: list[str] = []
    pos = 0
    for m in _OPEN_TAG.finditer(text):
        if m.start() < pos or not _hidden(m.group(2)):
            continue
        name = m.group(1).lower()
        out.append(text[pos:m.start()])
        if name in _VOID or m.group(2).rstrip().endswith("/"):
            pos = m.end()
            continue
        depth, i = 1, m.end()
        tag = re.compile(rf"<(/?){name}\b[^<>]*>", re.IGNORECASE)
        while depth:
            t = tag.search(text, i)
            if t is None:
                i = len(text)
                break
            depth += -1 if t.group(1) else 1
            i = t.end()
        pos = i
    out.append(text[pos:])
    return "".join(out)


_BLOCK = {"p", "div", "br", "hr", "li", "ul", "ol", "table", "thead", "tbody", "tfoot", "h1", "h2", "h3",
          "h4", "h5", "h6", "details", "summary", "blockquote", "center", "dl", "dt", "dd", "pre", "section",
          "article", "header", "footer", "nav", "figure", "figcaption", "caption"}


class _Reader(HTMLParser):
    """Collects paragraphs (lists of spans) and table rows (lists of cells, each a span list)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, object]] = []      # ("para"|"h1".."h6", spans) | ("row", [spans])
        self.spans: list[Span] = []
        self.href: list[str | None] = []
        self.row: list[list[Span]] | None = None
        self.cell: list[Span] | None = None
        self.heading = 0

    def _flush(self) -> None:
        if self.spans and "".join(t for t, _ in self.spans).strip():
            self.pieces.append((f"h{self.heading}" if self.heading else "para", self.spans))
        self.spans = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.href.append(dict(attrs).get("href"))
        elif tag == "tr":
            # a row or cell still open ends here, as a browser reads it ("<td>xP3all</t> <td>...")
            self._end_row()
            self._flush()
            self.row = []
        elif tag in ("td", "th"):
            if self.row is None:
                self._flush()
                self.row = []
            elif self.cell is not None:
                self.row.append(self.cell)
            self.cell = []
        elif tag in _BLOCK and self.cell is None:
            self._flush()
            self.heading = int(tag[1]) if re.fullmatch(r"h[1-6]", tag) else 0
        elif tag == "br" and self.cell is not None:
            self.cell.append((" ", None))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            self.href.pop()
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr":
            self._end_row()
        elif tag in _BLOCK and self.cell is None:
            self._flush()
            self.heading = 0

    def _end_row(self) -> None:
        if self.row is None:
            return
        if self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        if any("".join(t for t, _ in c).strip() for c in self.row):
            self.pieces.append(("row", self.row))
        self.row = None

    def handle_data(self, data: str) -> None:
        span = (data, self.href[-1] if self.href else None)
        (self.cell if self.cell is not None else self.spans).append(span)

    def close(self) -> None:
        super().close()
        self._end_row()
        self._flush()


def html_pieces(fragment: str) -> list[tuple[str, object]]:
    """An HTML block (hidden parts already removed) as ``("para", spans)``, ``("h1".."h6",
    spans)`` and ``("row", cells)`` pieces, in document order."""
    reader = _Reader()
    reader.feed(fragment)
    reader.close()
    return reader.pieces
