"""A fetched document as clean sections and links: what the tracer's extracting stage reads.

* :func:`parse_front_matter` splits a card's YAML front matter from its body;
* :func:`clean` removes what carries no lineage (code blocks, HTML, badges and images, link
  targets) but keeps Hugging Face dataset links visible, because they name datasets;
* :func:`sections` splits a document on its markdown headings, cleans each section and marks the
  ones that never describe how a dataset was built (related work, evaluation, licence, citation,
  installation, news, ...) with ``keep=False``;
* :func:`is_probably_english` is a cheap language check, so a caller can record "document in
  another language" instead of tracing it;
* :func:`check_document` says whether a document can be traced at all (empty, another language)
  and notes what is missing (a card without YAML);
* :func:`links` lists the links of a document with their label and the section they sit in, for
  the sourcing agent to pick the ones that describe the dataset.

All of it is pure text processing, deterministic and offline. Text in documents is data: nothing
here interprets it beyond its markdown structure.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass

from lineagekg.documents import Section, SourceDocument
from lineagekg.errors import InputError
from lineagekg.text.frontmatter import parse_front_matter  # the one rule, re-exported for this module's callers

__all__ = [
    "DATA_HEADING",
    "DROP_HEADING",
    "INTRODUCTION",
    "DocumentCheck",
    "Link",
    "check_document",
    "clean",
    "is_hf_dataset_url",
    "is_probably_english",
    "links",
    "parse_front_matter",
    "sections",
]

INTRODUCTION = "(introduction)"


# --- front matter ------------------------------------------------------------------------------

# --- cleaning ----------------------------------------------------------------------------------

_HF_DATASET_URL = re.compile(r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/datasets/[^\s)\"'<>\]]+",
                             re.IGNORECASE)


def is_hf_dataset_url(url: str) -> bool:
    """True for a link to a dataset on the Hugging Face Hub (``huggingface.co/datasets/...``)."""
    return bool(_HF_DATASET_URL.fullmatch(url.strip()))


_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")


def _strip_fences(text: str) -> str:
    """Remove fenced code blocks (```` ``` ```` or ``~~~``); an unclosed fence runs to the end."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        if fence is None:
            m = _FENCE_OPEN.match(line)
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence = m.group(1)
                continue
            out.append(line)
        else:
            stripped = line.strip()
            if (stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence)):
                fence = None
            continue
    return "\n".join(out)


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_SCRIPT = re.compile(r"<(script|style|svg)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_HTML_HEADING = re.compile(r"^[ \t]*<h([1-6])\b[^>]*>(.*?)</h\1\s*>[ \t]*$", re.MULTILINE | re.IGNORECASE | re.DOTALL)


def _preclean(text: str) -> str:
    """What must go before headings are looked for: code, comments, scripts; HTML headings
    become markdown headings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _strip_fences(text)
    text = _COMMENT.sub("", text)
    text = _SCRIPT.sub("", text)
    return _HTML_HEADING.sub(lambda m: "\n" + "#" * int(m.group(1)) + " " + " ".join(m.group(2).split()) + "\n",
                             text)


_HTML_ANCHOR = re.compile(r"<a\b[^<>]*?\bhref\s*=\s*[\"']([^\"'<>]*)[\"'][^<>]*>((?:[^<]|<(?!/?a\b)){0,2000}?)</a\s*>",
                          re.IGNORECASE)  # inner text bounded, no nested <a>: linear on any input
_BLOCK_TAGS = ("p|div|br|hr|tr|li|ul|ol|table|thead|tbody|tfoot|h[1-6]|details|summary|blockquote|"
               "center|dl|dt|dd|pre|section|article|header|footer|nav|figure|figcaption|caption")
_INLINE_TAGS = ("a|img|span|b|i|em|strong|sup|sub|code|font|u|s|strike|del|ins|small|big|kbd|mark|"
                "picture|source|video|audio|iframe|td|th|abbr|cite|q|var|samp|tt|input|label|button|"
                "object|embed|col|colgroup|wbr|meta|link|image|g|path")
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*>", re.IGNORECASE)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})\b[^<>]*>", re.IGNORECASE)

# [text] with one level of nested brackets; (url "title") with one level of nested parentheses
_LINK_TEXT = r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
_LINK_DEST = r"\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
_IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\[\]]*\])*\](?:" + _LINK_DEST + r"|\[[^\]]*\])")
_EMPTY_LINK = re.compile(r"\[\s*\](?:" + _LINK_DEST + r"|\[[^\]]*\])")
_LINK = re.compile(_LINK_TEXT + _LINK_DEST)
_REF_LINK = re.compile(_LINK_TEXT + r"\[([^\[\]]*)\]")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[([^\]]+)\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.MULTILINE)
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+)>", re.IGNORECASE)
_BADGE_URL = re.compile(r"https?://(?:img\.)?shields\.io/\S*|https?://\S*/badge(?:\.svg|/)\S*", re.IGNORECASE)
_RULE = re.compile(r"^[ \t]*(?:(?:[-*_][ \t]*){3,}|=+)[ \t]*$", re.MULTILINE)
_EMPTY_LINE = re.compile(r"^[\s|•·>]*$")


def _is_badge(url: str) -> bool:
    return bool(_BADGE_URL.match(url))


def _link(text: str, url: str) -> str:
    text = text.strip()
    if _is_badge(url):
        return ""
    if is_hf_dataset_url(url):
        if not text or url in text:
            return text or url
        return f"{text} ({url})"
    return text


def clean(text: str) -> str:
    """Plain, readable text of a markdown/HTML document or section.

    Removed: fenced code blocks, HTML comments/scripts/styles, HTML tags (their text is kept),
    images and badges (``![...](...)``, ``[![...](...)](...)``, shields.io), horizontal rules,
    link targets (``[text](url)`` becomes ``text``) and link reference definitions.
    Kept: prose, lists, tables, inline code, bare URLs, and Hugging Face dataset links, which
    stay visible as ``text (https://huggingface.co/datasets/...)`` because they identify datasets.
    Runs of spaces collapse to one, lines are stripped, blank lines collapse to one.
    """
    text = _preclean(text)
    # HTML: anchors first (to keep Hub dataset links), then images and the other tags
    text = _HTML_ANCHOR.sub(lambda m: _link(_INLINE_TAG.sub("", m.group(2)), m.group(1)), text)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = _BLOCK_TAG.sub("\n", text)
    text = _INLINE_TAG.sub("", text)
    # markdown images and badges, then links
    text = _IMAGE.sub("", text)
    text = _EMPTY_LINK.sub("", text)
    text = _REF_DEF.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if is_hf_dataset_url(m.group(2)) else "",
                        text)
    text = _LINK.sub(lambda m: _link(m.group(1), m.group(2)), text)
    text = _REF_LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: "" if _is_badge(m.group(1)) else m.group(1), text)
    text = _BADGE_URL.sub("", text)
    text = _RULE.sub("", text)
    text = html.unescape(text)
    # whitespace
    lines: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.replace("\u00a0", " ").split())
        if _EMPTY_LINE.match(line):
            if lines and lines[-1] != "":
                lines.append("")
            continue
        lines.append(line)
    return "\n".join(lines).strip()


# --- sections ----------------------------------------------------------------------------------

#: A heading (one component of a section's heading path, lower-cased, with leading emoji,
#: punctuation and numbering removed) that matches this never describes how a dataset was built:
#: the section and everything under it gets ``keep=False``. General rules only: nothing here is
#: keyed to a dataset or a document.
DROP_HEADING = re.compile(r"""
  ^(?: related\s+works?|prior\s+works?|previous\s+works?
     | evaluations?\b|evals?\b|results?\b|experiments?\b|experimental\s+results|main\s+results
     | benchmark(?:ing)?\s+results|benchmarking\b|leaderboards?\b|performance\b|model\s+performance
     | licen[cs](?:e|es|ing)\b|copyright|terms\s+of\s+use
     | acknowledge?ments?\b|thanks\b|credits\b
     | citations?\b|cite\b|citing\b|how\s+to\s+cite|bibtex\b|bibliography\b|references\b
     | contacts?\b|point\s+of\s+contact|dataset\s+card\s+contact|get\s+in\s+touch|questions\b
     | contribut(?:ing|ions|ors?)\b
     | install(?:ation|ing)?\b|setup\b|set\s+up\b|requirements\b|dependencies\b|prerequisites\b
     | getting\s+started|quick\s*start|usage\b|how\s+to\s+use|inference\b
     | to-?\s?do\b|roadmap\b|news\b|updates?\b|what\W?s\s+new|change\s?log|release\s+notes
     | star\s+history|table\s+of\s+contents|contents\b
     | limitations?\b|other\s+known\s+limitations|discussion\s+of\s+biases|social\s+impact
     | considerations\s+for\s+using|disclaimers?\b|known\s+issues
  )
  | ^(?:\S+\s+){0,3}(?:results|evaluations?|leaderboards?|citations?|acknowledge?ments?|licen[cs]e)$
""", re.VERBOSE)

#: A heading under a dropped one that names data (``Getting Started / Data``, ``Usage / Source
#: datasets``) is kept anyway: READMEs often describe their training data under such headings.
DATA_HEADING = re.compile(r"\b(?:data|datasets?|corpus|corpora|construction|collection|curation|"
                          r"creation|created|creating|sources?|provenance|origin)\b")

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_NOT_PARAGRAPH = re.compile(r"^\s*(?:$|#|[-*+][ \t]|\d+[.)][ \t]|>|\|)")
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[ivx]+\.|[a-z][.)])\s+")


def _normalise_heading(title: str) -> str:
    t = re.sub(r":[a-z0-9_+-]+:", " ", title.lower()).strip()   # GitHub emoji shortcodes
    t = re.sub(r"^[^\w(]+", "", t)           # emoji, punctuation
    t = _NUMBERING.sub("", t)
    return re.sub(r"[^\w)]+$", "", t).strip()


def _verdict(title: str) -> bool | None:
    """False: drop this heading and what is under it; True: keep it even under a dropped
    heading; None: no opinion (inherit)."""
    t = _normalise_heading(title)
    if DROP_HEADING.search(t):
        return False
    if DATA_HEADING.search(t):
        return True
    return None


def _heading_title(raw: str) -> str:
    title = " ".join(re.sub(r"(?<!\w):[a-z0-9_+-]+:(?!\w)", " ", clean(raw)).split())  # emoji shortcodes
    title = title.replace("**", "").replace("__", "").replace("`", "").strip(" *_#:")
    return title or "(untitled)"


def _split(body: str) -> tuple[list[str], list[tuple[int, str, list[str]]]]:
    """(lines before the first heading, [(level, title, lines)])."""
    intro: list[str] = []
    parts: list[tuple[int, str, list[str]]] = []
    current = intro
    lines = body.split("\n")
    for line in lines:
        m = _ATX.match(line)
        if m:
            parts.append((len(m.group(1)), _heading_title(m.group(2) or ""), []))
            current = parts[-1][2]
            continue
        s = _SETEXT.match(line)
        if s and current and not _NOT_PARAGRAPH.match(current[-1]) and not _RULE.fullmatch(current[-1]):
            # a setext heading: the paragraph line above, underlined with === (h1) or --- (h2)
            title_line = current.pop()
            parts.append((1 if s.group(1)[0] == "=" else 2, _heading_title(title_line), []))
            current = parts[-1][2]
            continue
        current.append(line)
    return intro, parts


def _body(document: SourceDocument | str) -> str:
    """The text after the front matter (broken front matter raises :class:`InputError` naming
    the document)."""
    if isinstance(document, SourceDocument):
        text, where = document.text, document.path or document.url
    else:
        text, where = document, None
    return parse_front_matter(text, where)[1]


def sections(document: SourceDocument | str) -> list[Section]:
    """Split a document into cleaned sections along its markdown headings (ATX ``#``..``######``
    and setext ``===``/``---``; HTML ``<h1>``..``<h6>`` on a line of their own count too; ``#``
    lines inside code blocks do not).

    ``title`` is the heading path, e.g. ``"Dataset Construction / Instruction Sampling"``; text
    before the first heading is the section ``"(introduction)"`` (left out when empty). Every
    heading gives a section, even when its cleaned text is empty (a citation that is only a BibTeX
    block), so the structure stays visible; ``index`` numbers the sections returned, from 0. A section whose heading
    heading matches :data:`DROP_HEADING` (related work, evaluation/results/leaderboard, licence,
    acknowledgements, citation, contact, installation/usage, news/updates/todo, ...) gets
    ``keep=False``, and so do the sections under it, unless their own heading names data
    (:data:`DATA_HEADING`: ``Getting Started / Data`` is kept). The document's title (its first
    heading, when that is the only one at the top level) is not judged, so a benchmark whose title
    says "evaluation" is not dropped whole.

    Front matter is not a section (it is ``document.metadata``); broken front matter raises
    :class:`InputError`.
    """
    body = _body(document)
    out: list[Section] = []
    for title, raw, keep in _walk(body):
        if title == INTRODUCTION:
            intro_text = clean(raw)
            if intro_text:
                out.append(Section(title=INTRODUCTION, text=intro_text, index=0, keep=True))
            continue
        out.append(Section(title=title, text=clean(raw), index=len(out), keep=keep))
    return out


def _walk(body: str) -> list[tuple[str, str, bool]]:
    """``(heading path, raw text, keep)`` per section of a pre-cleaned body, the introduction
    first (always kept): the one place where heading verdicts are inherited down the tree."""
    intro, parts = _split(_preclean(body))
    title_index: int | None = None
    if parts:
        top = min(level for level, _, _ in parts)
        if parts[0][0] == top and sum(1 for level, _, _ in parts if level == top) == 1:
            title_index = 0
    out = [(INTRODUCTION, "\n".join(intro), True)]
    stack: list[tuple[int, str, bool]] = []      # (level, title, keep)
    for i, (level, title, lines) in enumerate(parts):
        while stack and stack[-1][0] >= level:
            stack.pop()
        verdict = None if i == title_index else _verdict(title)
        keep = (stack[-1][2] if stack else True) if verdict is None else verdict
        stack.append((level, title, keep))
        out.append((" / ".join(t for _, t, _ in stack), "\n".join(lines), keep))
    return out


# --- language ----------------------------------------------------------------------------------

_STOPWORDS = frozenset(["the", "and", "of", "to", "is", "are", "was", "were", "be", "been", "that", "this", "these",
                       "those", "with", "for", "from", "by", "on", "as", "we", "it", "its", "which", "an", "or",
                       "have", "has", "had", "not", "they", "their", "them", "can", "will", "would", "should",
                       "each", "our", "you", "your", "at", "all", "more", "than", "into", "also", "such", "other",
                       "use", "used", "using", "only", "when", "where", "there", "what", "who", "how", "any", "both",
                       "most"])


def is_probably_english(text: str) -> bool:
    """A cheap guess whether ``text`` (markdown, a card) is written in English.

    On the cleaned text (code, URLs of links and HTML removed): at least 70% of the letters are
    ASCII, and at least 8% of the words are common English function words ("the", "and",
    "of", ...). Text too short to judge (under 40 letters, or under 30 words for the second test)
    counts as English, so only real evidence of another language makes it return False.
    """
    cleaned = clean(text)
    cleaned = re.sub(r"(?:https?|ftp|file)://\S+", " ", cleaned)
    letters = [c for c in cleaned if c.isalpha()]
    if len(letters) < 40:
        return True
    if sum(c.isascii() for c in letters) / len(letters) < 0.7:
        return False
    words = re.findall(r"[a-z]+", cleaned.lower())
    if len(words) < 30:
        return True
    return sum(w in _STOPWORDS for w in words) / len(words) >= 0.08


# --- document checks ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentCheck:
    """Whether a document can be traced: ``outcome`` is the local name of the
    ``lk:DocumentOutcome`` when it cannot (``DocumentEmpty``, ``DocumentInOtherLanguage``), and
    ``message`` says why, or notes what it lacks when it can (a card without YAML)."""

    usable: bool
    outcome: str | None = None
    message: str | None = None


def check_document(document: SourceDocument) -> DocumentCheck:
    """Can ``document`` be traced?

    * *empty*: no card metadata and no text once cleaned -> not usable (``DocumentEmpty``);
    * *another language*: :func:`is_probably_english` says no -> not usable
      (``DocumentInOtherLanguage``): the rules and prompts read English;
    * a *card* (its kind names a card) without YAML front matter is usable, with a note: its
      lineage can only come from the prose, not from ``source_datasets``.

    The message names the document (its file, else its URL). Broken front matter raises
    :class:`InputError`, as :func:`parse_front_matter` does.
    """
    where = document.path or document.url
    metadata, body = parse_front_matter(document.text, where)
    text = clean(body)
    if not metadata and not text:
        return DocumentCheck(False, "DocumentEmpty", str(InputError(
            "empty document: no text and no card metadata, nothing to trace", file=where)))
    if text and not is_probably_english(body):
        return DocumentCheck(False, "DocumentInOtherLanguage", str(InputError(
            "written in another language than English: not traced", file=where)))
    if "card" in document.kind.lower() and not metadata:
        return DocumentCheck(True, None, str(InputError(
            "card without YAML front matter: no card metadata (source_datasets, task_categories); "
            "traced from its text only", file=where)))
    if metadata and not text:
        return DocumentCheck(True, None, str(InputError(
            "card with metadata but no text: traced from its YAML only", file=where)))
    return DocumentCheck(True)


# --- links -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """A link of a document: where it points, what it says (its text, the alt text or badge text
    of an image inside it, or for a bare URL the words before it on its line: ``Paper:``), the
    heading path it sits under, whether that section describes construction (``keep``), and the
    words before it on its line (``prefix``, at most six)."""

    url: str
    label: str
    section: str
    keep: bool
    prefix: str = ""               # the words before the link on its line (``Paper:``)


_A_OPEN = re.compile(r"<a\b[^<>]*?\bhref\s*=\s*[\"']([^\"'<>]*)[\"'][^<>]*>", re.IGNORECASE)
_A_END = re.compile(r"</a\s*>|<a\b|\n\s*\n", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_ATTR = re.compile(r"\b(alt|src)\s*=\s*[\"']([^\"']*)[\"']", re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\]" + _LINK_DEST)
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'`\]\[|]+", re.IGNORECASE)
_SHIELD = re.compile(r"shields\.io/badge/([^?#\s]+)", re.IGNORECASE)


def _badge_text(src: str) -> str:
    """The words of a shields.io badge URL (``badge/arXiv-2312.02120-b31b1b.svg`` -> ``arXiv
    2312.02120``): label and message, without the colour."""
    m = _SHIELD.search(src)
    if not m:
        return ""
    raw = urllib.parse.unquote(m.group(1)).removesuffix(".svg").removesuffix(".png")
    parts = [p.replace("\0", "-").replace("_", " ") for p in raw.replace("--", "\0").split("-")]
    return " ".join(p for p in parts[:-1] if p) if len(parts) > 1 else parts[0]


def _image_words(html_or_md: str) -> str:
    """An anchor's inner markup as words: images become their alt text and badge text."""
    def img(m: re.Match[str]) -> str:
        attrs = {k.lower(): v for k, v in _ATTR.findall(m.group(0))}
        return f" {attrs.get('alt', '')} {_badge_text(attrs.get('src', ''))} "
    text = _IMG_TAG.sub(img, html_or_md)
    text = _MD_IMAGE.sub(lambda m: f" {m.group(1)} {_badge_text(m.group(2))} ", text)
    text = re.sub(r"<[^<>]+>", " ", text)
    text = html.unescape(text).replace("**", "").replace("__", "").replace("`", "")
    return " ".join(text.split())


def _trim_url(url: str) -> str:
    url = url.rstrip(".,;:!?*_")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(".,;:!?*_")
    return url


def _line_prefix(text: str, start: int) -> str:
    """The last words before ``start`` on its line, markup removed (``- **Paper:** `` -> ``Paper:``)."""
    line_start = text.rfind("\n", 0, start) + 1
    before = _image_words(text[line_start:start])
    return " ".join(re.sub(r"^[\s>*+-]*|[\s(\[<]+$", "", before).split()[-6:])


def _section_links(raw: str, section: str, keep: bool) -> list[Link]:
    found: list[tuple[int, Link]] = []
    taken: list[tuple[int, int]] = []
    for m in _A_OPEN.finditer(raw):
        end = _A_END.search(raw, m.end())
        stop = min(end.start() if end else len(raw), m.end() + 2000)
        found.append((m.start(), Link(html.unescape(m.group(1)).strip(), _image_words(raw[m.end():stop]),
                                      section, keep, _line_prefix(raw, m.start()))))
        taken.append((m.start(), stop))
    masked = _mask(raw, taken)
    for m in _LINK.finditer(masked):
        url = m.group(2).strip()
        if m.start() > 0 and masked[m.start() - 1] == "!":
            continue                                     # an image, not a link
        found.append((m.start(), Link(url, _image_words(m.group(1)), section, keep,
                                      _line_prefix(masked, m.start()))))
        taken.append((m.start(), m.end()))
    masked = _mask(raw, taken)
    for m in _BARE_URL.finditer(masked):
        prefix = _line_prefix(masked, m.start())
        found.append((m.start(), Link(_trim_url(m.group(0)), prefix, section, keep, prefix)))
    return [link for _, link in sorted(found, key=lambda f: f[0]) if link.url]


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def links(document: SourceDocument | str) -> list[Link]:
    """Every link of a document, in order: HTML anchors (an unclosed ``<a>`` ends at the next
    one), markdown links (``[text](url)``, badges ``[![alt](img)](url)`` included) and bare
    URLs, each with its label and section (see :class:`Link`). Images on their own and links
    inside code blocks or HTML comments are not links. Front matter is not read."""
    body = _body(document)
    out: list[Link] = []
    for title, raw, keep in _walk(body):
        out.extend(_section_links(raw, title, keep))
    return out
