"""A document as blocks: the one parse every backend and agent reads.

The Markdown is parsed with markdown-it.rs (``markdown-it-pyrs``: CommonMark plus GFM tables) after hidden HTML is
removed (:func:`~lineagekg.text.html.strip_hidden`). Each block is a heading, a paragraph, a list
item (with the lead-in sentence of its list: the paragraph just before it, or the parent item),
a table row (with its column headers), a line of a code block (YAML/JSON configs name datasets)
or a line of the card's YAML front matter, and knows the heading path it sits under. Link
syntax, emphasis and images are reduced to their text; every link is kept with its offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it_pyrs import MarkdownIt, Node

from lineagekg.text.frontmatter import front_matter_span, parse_front_matter
from lineagekg.text.html import Span, html_pieces, strip_hidden
from lineagekg.text.sentences import last_sentence

__all__ = ["Block", "Link", "ParsedDocument", "hub_id", "parse"]

_HUB_DATASET = re.compile(r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/datasets/"
                          r"([A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)", re.IGNORECASE)


def hub_id(url: str) -> str | None:
    """The dataset id a Hub link points at (``huggingface.co`` or ``hf.co``), None for others."""
    m = _HUB_DATASET.search(url)
    if not m:
        return None
    ident = m.group(1).rstrip(".")
    for tail in ("/tree", "/blob", "/viewer", "/resolve", "/raw"):
        ident = ident.split(tail)[0]
    return ident or None


@dataclass(frozen=True)
class Link:
    """A link of a block: its text, target and offsets in the block's text."""

    text: str
    url: str
    start: int
    end: int

    @property
    def hub_id(self) -> str | None:
        return hub_id(self.url)


#: statement shapes (the evaluation reports recall by shape)
SHAPES = {"paragraph": "prose", "item": "list", "row": "table", "code": "config", "front_matter": "config",
          "heading": "heading"}


@dataclass(frozen=True)
class Block:
    """One block of a document. ``text`` is what a reader sees, whitespace collapsed."""

    index: int
    kind: str                                   # heading, paragraph, item, row, code, front_matter
    text: str
    links: tuple[Link, ...] = ()
    headings: tuple[str, ...] = ()              # heading path it sits under (a heading: its parents)
    lead: str = ""                              # item: lead-in sentence; row: the header row
    columns: tuple[str, ...] = ()               # row: column headers, one per cell
    cells: tuple[tuple[int, int], ...] = ()     # row: each cell's offsets in ``text``
    info: str = ""                              # code: the fence's language; front matter: the key
    quoted: bool = False                        # inside a blockquote

    @property
    def shape(self) -> str:
        return SHAPES[self.kind]


@dataclass
class ParsedDocument:
    """The blocks of a document and its card metadata."""

    blocks: list[Block]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def visible_text(self) -> str:
        """The text evidence is checked against: every block's text, one per line."""
        return "\n".join(b.text for b in self.blocks)


_SPACES = re.compile(r"\s+")


def _join(spans: list[Span]) -> tuple[str, tuple[Link, ...]]:
    """Spans joined, whitespace collapsed, links with offsets into the result."""
    out: list[str] = []
    length = 0
    links: list[Link] = []
    open_url: str | None = None
    open_start = 0
    for raw, url in spans + [("", None)]:
        if url != open_url:
            if open_url is not None and length > open_start:
                label = "".join(out)[open_start:length].strip()
                if label:
                    opened = "".join(out)[open_start:length]
                    s = open_start + (len(opened) - len(opened.lstrip()))
                    links.append(Link(label, open_url, s, s + len(label)))
            open_url, open_start = url, length
        piece = _SPACES.sub(" ", raw.replace("\u00a0", " "))
        if not piece:
            continue
        if piece.startswith(" ") and (not out or out[-1].endswith(" ")):
            piece = piece[1:]
            if not piece:
                continue
        out.append(piece)
        length += len(piece)
    text = "".join(out)
    stripped = text.lstrip()
    shift = len(text) - len(stripped)
    text = stripped.rstrip()
    kept = tuple(Link(ln.text, ln.url, ln.start - shift, ln.end - shift) for ln in links
                 if ln.start - shift >= 0 and ln.end - shift <= len(text))
    return text, kept


def _inline_spans(nodes: Sequence[Node]) -> list[Span]:
    """The text of a run of inline nodes, each piece with the link it sits in."""
    spans: list[Span] = []
    href: list[str | None] = []

    def visit(children: Sequence[Node]) -> None:
        for child in children:
            t = child.name
            if t in ("text", "text_special"):
                spans.append((str(child.meta.get("content", "")), href[-1] if href else None))
            elif t in ("softbreak", "hardbreak"):
                spans.append((" ", None))
            elif t in ("link", "autolink"):
                href.append(str(child.meta.get("url") or ""))
                visit(child.children)
                href.pop()
            elif t == "html_inline":
                tag = str(child.meta.get("content", ""))
                m = re.match(r"<a\b[^>]*?href\s*=\s*[\"']?([^\"'\s>]+)", tag, re.IGNORECASE)
                if m:
                    href.append(m.group(1))
                elif re.match(r"</a\s*>", tag, re.IGNORECASE):
                    if href:
                        href.pop()
                elif re.match(r"<br\b", tag, re.IGNORECASE):
                    spans.append((" ", None))
            elif t != "image":                   # emphasis, code spans, strikethrough: their text
                visit(child.children)

    visit(nodes)
    return spans


#: CommonMark with raw HTML and GFM tables, parsed by markdown-it.rs (a Rust port of
#: markdown-it: the same grammar, about ten times as fast as the pure-Python parser)
_MD = MarkdownIt("commonmark").enable("table")
_INLINE = frozenset(("text", "text_special", "softbreak", "hardbreak", "link", "autolink", "html_inline", "image",
                     "em", "strong", "code_inline", "strikethrough"))


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.headings: list[tuple[int, str]] = []
        self.last_para: str = ""              # the paragraph just before (a list's lead-in)
        self.list_leads: list[str] = []       # one per open list
        self.item_text: list[str] = []        # text of the first paragraph of each open item
        self.quoted = 0

    def path(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.headings)

    def add(self, kind: str, text: str, links: tuple[Link, ...] = (), **kw: Any) -> Block | None:
        if not text:
            return None
        block = Block(len(self.blocks), kind, text, links, self.path(), quoted=self.quoted > 0, **kw)
        self.blocks.append(block)
        return block

    def heading(self, level: int, spans: list[Span]) -> None:
        text, links = _join(spans)
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.add("heading", text, links)
        if text:
            self.headings.append((level, text))
        self.last_para = ""

    def paragraph(self, spans: list[Span]) -> None:
        text, links = _join(spans)
        if not text:
            return
        if self.list_leads:
            lead = self.list_leads[-1]
            self.add("item", text, links, lead=lead)
            if self.item_text and not self.item_text[-1]:
                self.item_text[-1] = text
        else:
            self.add("paragraph", text, links)
            self.last_para = text

    def rows(self, rows: list[list[list[Span]]], header: bool) -> None:
        columns: tuple[str, ...] = ()
        for i, row in enumerate(rows):
            cells = [_join(c) for c in row]
            texts = [t for t, _ in cells]
            if not any(texts):
                continue
            parts: list[str] = []
            links, offsets, pos = [], [], 0
            for text, cell_links in cells:
                if parts:
                    pos += 3
                offsets.append((pos, pos + len(text)))
                links += [Link(ln.text, ln.url, ln.start + pos, ln.end + pos) for ln in cell_links]
                parts.append(text)
                pos += len(text)
            joined = " | ".join(parts)
            if i == 0 and header:
                columns = tuple(texts)
                self.add("row", joined, tuple(links), cells=tuple(offsets))
                continue
            self.add("row", joined, tuple(links), lead=" | ".join(columns), columns=columns,
                     cells=tuple(offsets))
        self.last_para = ""


def _table_rows(table: Node) -> list[list[list[Span]]]:
    return [[_inline_spans(cell.children) for cell in row.children]
            for part in table.children for row in part.children if row.name == "trow"]


def _front_matter_blocks(builder: _Builder, raw: str) -> None:
    key = ""
    for line in raw.splitlines():
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if m:
            key = m.group(1)
        text = " ".join(line.split())
        if text:
            builder.blocks.append(Block(len(builder.blocks), "front_matter", text, (), ("(front matter)", key),
                                        info=key))


def _parse(text: str) -> ParsedDocument:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    raw_front, body = front_matter_span(text)
    try:
        metadata, _ = parse_front_matter(text)
    except Exception:       # broken YAML: read the body anyway; the card's metadata is empty
        metadata = {}
    builder = _Builder()
    if raw_front:
        _front_matter_blocks(builder, raw_front)
    _Walker(builder).visit(_MD.tree(strip_hidden(body)))
    return ParsedDocument(builder.blocks, metadata)


class _Walker:
    """Walks the parse tree into blocks (each list knows its lead-in, each item its text)."""

    def __init__(self, builder: _Builder) -> None:
        self.builder = builder

    def visit(self, node: Node) -> None:
        b = self.builder
        kind = node.name
        if kind == "heading":
            b.heading(int(node.meta.get("level", 1)), _inline_spans(node.children))
        elif kind == "paragraph":
            b.paragraph(_inline_spans(node.children))
        elif kind in ("bullet_list", "ordered_list"):
            lead = b.item_text[-1] if b.list_leads and b.item_text else b.last_para
            b.list_leads.append(last_sentence(lead) if lead else "")
            self.children(node)
            b.list_leads.pop()
            if not b.list_leads:
                b.last_para = ""
        elif kind == "list_item":
            b.item_text.append("")
            self.children(node)
            b.item_text.pop()
        elif kind == "blockquote":
            b.quoted += 1
            self.children(node)
            b.quoted -= 1
        elif kind == "table":
            b.rows(_table_rows(node), header=True)
        elif kind in ("fence", "code_block"):
            info = str(node.meta.get("info") or "").strip().split(" ")[0].lower()
            for line in str(node.meta.get("content", "")).splitlines():
                b.add("code", " ".join(line.split()), info=info)
        elif kind == "html_block":
            _html_block(b, str(node.meta.get("content", "")))
        else:
            self.children(node)

    def children(self, node: Node) -> None:
        """Block children in order; a run of inline children (a tight list item's text) is
        one paragraph."""
        run: list[Node] = []
        for child in node.children:
            if child.name in _INLINE:
                run.append(child)
                continue
            if run:
                self.builder.paragraph(_inline_spans(run))
                run = []
            self.visit(child)
        if run:
            self.builder.paragraph(_inline_spans(run))


def _html_block(builder: _Builder, fragment: str) -> None:
    rows: list[list[list[Span]]] = []
    for kind, value in html_pieces(fragment) + [("end", None)]:
        if kind == "row":
            rows.append(value)  # type: ignore[arg-type]
            continue
        if rows:
            builder.rows(rows, header=len(rows) > 1)
            rows = []
        if kind.startswith("h") and kind != "end":
            builder.heading(int(kind[1]), value)  # type: ignore[arg-type]
        elif kind == "para":
            builder.paragraph(value)  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def parse(text: str) -> ParsedDocument:
    """The blocks of a document (cached by text: the tracer checks many claims of one document)."""
    return _parse(text)
