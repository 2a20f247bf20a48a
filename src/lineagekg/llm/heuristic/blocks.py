"""The heuristic backend's reading of a document: fenced code, comments, images and badges
dropped; HTML tables as rows; the rest as blocks (paragraphs, list items, table cells) under
their heading path, every link kept with its position, and the blocks' sentences as units."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lineagekg.text.frontmatter import front_matter_span
from lineagekg.text.markup import _COMMENT, _FENCE, _ws
from lineagekg.text.markup import MarkupLink as _Link
from lineagekg.text.markup import inline as _inline
from lineagekg.text.sentences import sentence_spans


@dataclass
class Block:
    kind: str                       # "para", "item", "cell", "heading"
    text: str
    links: list[_Link]
    section: tuple[str, ...]
    index: int
    row: int | None = None          # table row id (cells of one row share it)
    list_id: int | None = None      # list id (items of one list share it)
    lead: int | None = None         # index of the lead-in block (paragraph or parent item)
    skip: bool = False              # section not about construction


@dataclass
class Unit:
    text: str
    links: list[_Link]
    block: Block
    first: bool                     # first sentence of its block


_SKIP_SECTION = re.compile(
    r"citation|cite|licen[cs]e|acknowledg|thank|related work|contact|star history|limitation|"
    r"to ?do|roadmap|example|demo|install|setup|set up|hardware|software|requirement|faq|contribut|"
    r"advertis|hiring|community|discussion|results?\b|performance|leaderboard|plots?\b|visuals|"
    r"hyper-?param|citing|bibtex",
    re.IGNORECASE)

_TABLE_BLOCK = re.compile(r"<table\b.*?</table\s*>", re.DOTALL | re.IGNORECASE)


def _html_table_to_rows(m: re.Match[str]) -> str:
    rows = []
    for row in re.split(r"<tr\b[^>]*>", m.group(0), flags=re.IGNORECASE)[1:]:
        cells = re.split(r"<t[dh]\b[^>]*>", row, flags=re.IGNORECASE)[1:]
        cells = [_ws(re.sub(r"</t[dhr]?\s*>|</table\s*>", " ", c, flags=re.IGNORECASE)) for c in cells]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return "\n" + "\n".join(rows) + "\n"


def split_front_matter(text: str) -> tuple[str, str]:
    return front_matter_span(text)


def clean_blocks(text: str) -> tuple[str, list[Block]]:
    """The cleaned text (blocks joined by newlines) and its blocks."""
    _, body = split_front_matter(text)
    body = _COMMENT.sub("", body)
    # fenced code
    lines, kept, fence = body.splitlines(), [], None
    for line in lines:
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
            continue
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]).strip():
                fence = None
            continue
        kept.append(line)
    body = "\n".join(kept)
    body = _TABLE_BLOCK.sub(_html_table_to_rows, body)

    blocks: list[Block] = []
    section: list[tuple[int, str]] = []
    para: list[str] = []
    item: list[str] | None = None
    item_indent = 0
    list_stack: list[tuple[int, int]] = []      # (indent, block index of the item)
    list_id = 0
    in_list = False
    row_id = 0
    last_para: int | None = None

    def heading_path() -> tuple[str, ...]:
        return tuple(t for _, t in section)

    def emit(kind: str, raw: str, **kw) -> Block | None:
        plain, links = _inline(raw)
        # collapse whitespace while keeping link offsets right
        plain2, links2 = _collapse(plain, links)
        if not plain2:
            return None
        b = Block(kind, plain2, links2, heading_path(), len(blocks), **kw)
        b.skip = any(_SKIP_SECTION.search(t) for t in b.section)
        blocks.append(b)
        return b

    def flush_para() -> None:
        nonlocal para, last_para
        if para:
            b = emit("para", " ".join(para))
            last_para = b.index if b else last_para
            para = []

    def flush_item() -> None:
        nonlocal item
        if item is not None:
            lead = None
            for ind, idx in reversed(list_stack[:-1]):
                if ind < item_indent:
                    lead = idx
                    break
            if lead is None:
                lead = list_lead
            b = emit("item", " ".join(item), list_id=list_id, lead=lead)
            if b is not None:
                list_stack[-1] = (item_indent, b.index)
            else:
                list_stack.pop()
            item = None

    list_lead: int | None = None
    blank = False
    for line in body.splitlines():
        stripped = line.strip()
        head = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        list_m = re.match(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$", line)
        if head:
            flush_para()
            flush_item()
            in_list = False
            level = len(head.group(1))
            while section and section[-1][0] >= level:
                section.pop()
            title = _ws(_inline(head.group(2))[0])
            section.append((level, title))
            last_para = None
            continue
        if not stripped or not _ws(_inline(stripped)[0]):
            flush_para()
            blank = True
            continue
        if stripped.startswith("|"):
            flush_para()
            flush_item()
            in_list = False
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", stripped.strip("|"))]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            row_id += 1
            for c in cells:
                if c:
                    emit("cell", c, row=row_id)
            continue
        if list_m and not re.fullmatch(r"[-*_]{3,}", stripped):
            flush_para()
            flush_item()
            indent = len(list_m.group(1).expandtabs(4))
            if not in_list:
                list_id += 1
                list_stack = []
                list_lead = last_para
                in_list = True
            while list_stack and list_stack[-1][0] >= indent:
                list_stack.pop()
            list_stack.append((indent, -1))
            item, item_indent = [list_m.group(3)], indent
            blank = False
            continue
        if re.fullmatch(r"[-*_=]{3,}", stripped):
            flush_para()
            flush_item()
            in_list = False
            continue
        content = re.sub(r"^>\s?", "", stripped)
        indented = line.startswith((" ", "\t"))
        if item is not None and (indented or not blank):
            item.append(content)
            blank = False
            continue
        blank = False
        flush_item()
        if in_list and not indented:
            in_list = False
        para.append(content)
    flush_para()
    flush_item()
    front, _ = split_front_matter(text)
    cleaned = "\n".join(b.text for b in blocks)
    if front:
        cleaned = f"---{front}\n---\n{cleaned}"     # card YAML is data, not markup: kept as is
    return cleaned, blocks


def _collapse(text: str, links: list[_Link]) -> tuple[str, list[_Link]]:
    """Collapse whitespace (strip ends) and shift link offsets accordingly."""
    out: list[str] = []
    mapping = []
    prev_space = True
    for ch in text:
        if ch.isspace():
            if prev_space:
                mapping.append(len(out))
                continue
            out.append(" ")
            prev_space = True
        else:
            out.append(ch)
            prev_space = False
        mapping.append(len(out) - 1)
    mapping.append(len(out))
    s = "".join(out).rstrip()
    new_links = []
    for ln in links:
        a = mapping[ln.start] if ln.start < len(mapping) else len(s)
        b = mapping[ln.end - 1] + 1 if ln.end - 1 < len(mapping) else len(s)
        a, b = min(a, len(s)), min(b, len(s))
        if b > a:
            new_links.append(_Link(ln.text, ln.url, a, b))
    return s, new_links


def units(blocks: list[Block]) -> list[Unit]:
    units = []
    for b in blocks:
        for i, (s, e) in enumerate(sentence_spans(b.text)):
            links = [_Link(ln.text, ln.url, ln.start - s, ln.end - s) for ln in b.links
                     if ln.start >= s and ln.end <= e]
            units.append(Unit(b.text[s:e], links, b, i == 0))
    return units


# --------------------------------------------------------------------------------------------
