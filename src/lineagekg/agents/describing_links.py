"""The links of a document that describe *its* dataset (papers, GitHub repositories, blogs), and
fetching one over HTTP as a document, within the size and encoding limits of a corpus file."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from lineagekg.corpus import MAX_DOCUMENT_BYTES, url_key
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError, LineageKGError, UnreachableError
from lineagekg.text.sections import links

#: the most links of each group followed per dataset (the paper's released code: 2 papers,
#: 3 READMEs, 3 blogs)
MAX_LINKS = {"paper": 2, "github": 3, "blog": 3}
PAPER_KINDS = ("arxiv", "acl_anthology", "openreview", "paper")


@dataclass(frozen=True)
class DescribingLink:
    """A link of a document that describes the dataset: its paper, repository or blog post."""

    url: str
    kind: str                      # arxiv, acl_anthology, openreview, paper, github, blog
    label: str
    document: str                  # URL of the document the link is in

    @property
    def group(self) -> str:
        """``paper``, ``github`` or ``blog`` (what :data:`MAX_LINKS` counts)."""
        return "paper" if self.kind in PAPER_KINDS else self.kind


#: words of a link's label that say it leads to the dataset's own description
_DESCRIBING_WORD = re.compile(
    r"\b(?:papers?|arxiv|preprint|(?:tech(?:nical)?\s+)?report|blog(?:\s*post)?|post|home\s*page|"
    r"website|project(?:\s+page)?|repository|repo|code|github|openreview|acl\s+anthology)\b", re.IGNORECASE)
#: what else a label may say without naming anything: fillers, ids and versions, venues in capitals
_FILLER = re.compile(
    r"\b(?:our|the|this|a|an|see|read|full|here|official|link|pdf|abs|page|on|at|in|of|and|with|"
    r"v\d+|[A-Z]{2,8}(?:['’]?\d{2,4})?|\d[\d.:/-]*)\b|[^\w\s]|_", re.UNICODE)
#: ... and words that say it leads to something else (another dataset's paper, a licence)
_OTHER_LABEL = re.compile(
    r"\b(?:original|related|previous|prior|follow-?up|baselines?|licen[cs]e|issues?|leaderboard|"
    r"discussions?|demo|contributing|models?|weights|stars?|forks?|style|information|tbd|todo|"
    r"coming\s+soon)\b", re.IGNORECASE)
#: sections whose links describe other work (citations, related work, evaluation)
_OTHER_SECTION = re.compile(
    r"citation|cite|bibtex|reference|related\s+work|prior\s+work|acknowledg|thank|licen[cs]|"
    r"evaluation|results?\b|leaderboard|benchmark|contribut|contact|baseline", re.IGNORECASE)


def _says_describing(label: str) -> bool:
    """A label that only says "paper", "arXiv 2312.02120", "📜 Paper", "Homepage:", "EMNLP
    Paper", ...: a describing word and nothing that names another work."""
    label = label.strip()
    if not _DESCRIBING_WORD.search(label) or _OTHER_LABEL.search(label) or len(label.split()) > 8:
        return False
    rest = _FILLER.sub(" ", _DESCRIBING_WORD.sub(" ", label))
    return not rest.split()


_NOT_IRI = re.compile(r"[\s<>\"{}|\\^`]")
_NOT_DOCUMENT_HOST = re.compile(
    r"(?:^|\.)(?:huggingface\.co|hf\.co|shields\.io|twitter\.com|x\.com|youtube\.com|youtu\.be|"
    r"discord\.gg|discord\.com|gradio\.app|creativecommons\.org|opensource\.org|colab\.research\.google\.com|"
    r"wandb\.ai|linkedin\.com|reddit\.com)$", re.IGNORECASE)


def _link_kind(url: str, label: str) -> str:
    host = urllib.parse.urlsplit(url).netloc.lower().removeprefix("www.")
    if host.endswith("arxiv.org"):
        return "arxiv"
    if host in ("aclanthology.org", "aclweb.org") or host.endswith(".aclweb.org"):
        return "acl_anthology"
    if host.endswith("openreview.net"):
        return "openreview"
    if host in ("github.com", "raw.githubusercontent.com"):
        return "github"
    if re.search(r"\b(?:papers?|preprint|report|pdf)\b", label, re.IGNORECASE) or url.lower().endswith(".pdf"):
        return "paper"
    return "blog"


def describing_links(document: SourceDocument, *, limits: dict[str, int] | None = None) -> list[DescribingLink]:
    """The links of ``document`` that describe the dataset it is about, by general rules:

    * an ``http(s)`` link outside citation, related-work, evaluation and licence sections, to a
      page that can be a document (not the Hub itself, a badge, a social network, a demo);
    * whose label says what it is and nothing more: *paper*, *arXiv*, *report*, *blog*,
      *homepage*, *repository*, *code*, *GitHub*, with fillers, ids and venues (a badge counts by
      its text: ``arXiv 2312.02120``, ``Paper ICML'24``), or that follows such a label on its line
      (``- **Paper:** [QuAC: Question Answering in Context](https://arxiv.org/abs/1808.07036)``);
      never one that names another work (``the Self-Instruct paper``, ``RTLCoder``) or says
      *original*, *related*, *licence*, *model*, *stars* ... (``Paper about original dataset:``
      leads to another dataset's paper), nor a placeholder (``More Information Needed``).

    At most ``limits`` of each group (default :data:`MAX_LINKS`), first ones first, each URL once.
    """
    limits = MAX_LINKS if limits is None else limits
    taken: dict[str, int] = {}
    seen: set[str] = set()
    out: list[DescribingLink] = []
    for link in links(document):
        url = link.url.strip()
        if _NOT_IRI.search(url):
            continue                               # not a usable IRI for the document
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        if _NOT_DOCUMENT_HOST.search(parts.netloc.lower().split(":")[0]):
            continue
        label = link.label.strip()
        if _OTHER_LABEL.search(label) or not (
                _says_describing(label) or (link.prefix.endswith(":") and _says_describing(link.prefix))):
            continue
        if _OTHER_SECTION.search(link.section):
            continue
        url = urllib.parse.urlunsplit(parts._replace(fragment=""))
        key = url_key(url)
        if key in seen:
            continue
        found = DescribingLink(url=url, kind=_link_kind(url, label), label=label, document=document.url)
        if taken.get(found.group, 0) >= limits.get(found.group, 0):
            continue
        seen.add(key)
        taken[found.group] = taken.get(found.group, 0) + 1
        out.append(found)
    return out


def _fetch_url(link: DescribingLink) -> str:
    """The URL to fetch for a link: an arXiv PDF's abstract page, a GitHub page's raw file."""
    parts = urllib.parse.urlsplit(link.url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host.endswith("arxiv.org") and segments[:1] == ["pdf"] and len(segments) >= 2:
        return f"https://arxiv.org/abs/{'/'.join(segments[1:]).removesuffix('.pdf')}"
    if host == "github.com" and len(segments) >= 2:
        owner, repo, rest = segments[0], segments[1], segments[2:]
        ref, path = "HEAD", ""
        if rest[:1] in (["blob"], ["tree"]) and len(rest) >= 2:
            ref, path = rest[1], "/".join(rest[2:])
        if not re.search(r"\.[A-Za-z0-9]+$", path):
            path = f"{path}/README.md".lstrip("/")
        return f"https://raw.githubusercontent.com/{owner}/{repo}/{ref}/{path}"
    return link.url


DOCUMENT_KIND = {"arxiv": "paper", "acl_anthology": "paper", "openreview": "paper", "paper": "paper",
                  "github": "github_readme", "blog": "blog"}


def fetch_link(link: DescribingLink, about: Iterable[str] = (), *, timeout: float = 10.0) -> SourceDocument:
    """Fetch a linked document over HTTP (``httpx``, redirects followed, at most
    :data:`MAX_DOCUMENT_BYTES`). Its URL stays the link's; ``kind`` is ``paper``,
    ``github_readme`` or ``blog``; ``retrieved_at`` now.

    Raises :class:`InputError` (naming the URL) when the answer is not a text document (binary,
    over the size limit, undecodable), and :class:`LineageKGError` when the page cannot be
    reached (network error, HTTP error status).
    """
    import httpx

    target = _fetch_url(link)
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout,
                          headers={"User-Agent": "lineagekg (dataset lineage tracer)"}) as client, \
                client.stream("GET", target) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise UnreachableError(f"{link.url}: unreachable link: HTTP {response.status_code} from {target}")
            if response.status_code >= 400:
                raise LineageKGError(f"{link.url}: unreachable link: HTTP {response.status_code} from {target}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise InputError(f"over the {MAX_DOCUMENT_BYTES} byte limit for a document", file=link.url)
                chunks.append(chunk)
            encoding = response.charset_encoding or "utf-8"
    except httpx.HTTPError as exc:
        raise UnreachableError(f"{link.url}: unreachable link: {type(exc).__name__}: {exc}",
                               hint="check the network, or trace offline from a corpus folder") from exc
    raw = b"".join(chunks)
    if b"\x00" in raw:
        raise InputError("binary content (it has NUL bytes), not a text document", file=link.url)
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise InputError(f"not decodable as {encoding} text", file=link.url) from None
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return SourceDocument(url=link.url, kind=DOCUMENT_KIND[link.kind], text=text.removeprefix("\ufeff"),
                          about=tuple(about), retrieved_at=now)
