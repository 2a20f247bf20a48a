"""Stage 1 of the tracer, sourcing: for a dataset id, the documents that describe it.

Where documents come from, in this order (the same document twice, by URL or by text, is kept
once):

1. the local corpus folder (:meth:`Corpus.documents_for`: the index's documents about the id or
   any of its aliases);
2. the local Hugging Face cache, when ``HF_HUB_OFFLINE=1`` (:func:`lineagekg.corpus.read_hf_cache`);
3. online only, the Hub card (:func:`lineagekg.hub.fetch_card`, with the card's YAML and the
   Hub's creation date and tags);
4. the links of those documents that describe *this* dataset (:func:`describing_links`): papers
   (arXiv, ACL Anthology, OpenReview), GitHub repositories and blogs, at most
   :data:`MAX_LINKS` of each. A linked document the corpus lists (by URL: see
   :func:`lineagekg.corpus.url_key`) is read from the corpus; any other is fetched over HTTP
   online only, and offline it is listed, not fetched.

Every document tried is an :class:`Attempt` with its outcome: readable (the tracer traces it),
or the local name of the ``lk:DocumentOutcome`` that says why not (``DocumentUnreadable``: a
binary, enormous, non-UTF-8 file or broken card YAML; ``DocumentEmpty``;
``DocumentInOtherLanguage``; ``DocumentUnreachable``: a link or card that could not be fetched)
with a message naming the file or URL. Nothing here raises for a bad document: it is recorded
and the trace goes on.

The agent also answers the two questions the tracer asks before expanding a dataset:

* :meth:`SourcingAgent.on_hub`: True / False / None (unknown). An id the Hub would reject (spaces,
  a colon, brackets: ``Flan 2021``, ``GPT-4-LLM:alpaca_gpt4_data``) is not on the Hub; so is one
  the corpus index marks ``"on_hub": false``. Otherwise, online, the Hub is asked; offline, an
  ``org/name`` id the corpus index or the HF cache knows is on the Hub, and anything else is
  *unknown* -- never "not on the Hub" on a guess.
* :meth:`SourcingAgent.release`: the Hub creation date and the paper date (:class:`ReleaseDate`):
  the Hub's ``created_at`` (online), the corpus index's ``hub_created_at`` / ``paper_date``, the
  card's ``arxiv:`` tags, and the arXiv or ACL Anthology ids of the paper links of documents about
  this dataset alone (arXiv ``1910.xxxxx`` is 2019-10, ACL ``D18-1260`` is 2018). The release is
  the earlier of the two.
"""

from __future__ import annotations

import calendar
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lineagekg import iris
from lineagekg.text.sections import DocumentCheck, check_document, links
from lineagekg.corpus import (
    MAX_DOCUMENT_BYTES,
    Corpus,
    CorpusEntry,
    read_hf_cache,
    url_key,
)
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError, LineageKGError, UnreachableError
from lineagekg.hub import HUB_METADATA_KEY, dataset_exists, fetch_card, hub_offline, search_dataset

__all__ = [
    "MAX_LINKS",
    "Attempt",
    "DescribingLink",
    "PartialDate",
    "ReleaseDate",
    "Sources",
    "SourcingAgent",
    "describing_links",
    "fetch_link",
    "paper_date_of",
]

#: the most links of each group followed per dataset (the paper's released code: 2 papers,
#: 3 READMEs, 3 blogs)
MAX_LINKS = {"paper": 2, "github": 3, "blog": 3}
PAPER_KINDS = ("arxiv", "acl_anthology", "openreview", "paper")


# --- dates -------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day.

    >>> str(PartialDate.parse("2019-10")), PartialDate.parse("2023-03-02T10:00:00Z")
    ('2019-10', PartialDate(year=2023, month=3, day=2))
    >>> PartialDate(2019, 10).last_day(), PartialDate(2020).first_day()
    (datetime.date(2019, 10, 31), datetime.date(2020, 1, 1))
    """

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: object) -> PartialDate | None:
        """``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO date-time; None for anything else."""
        m = re.match(r"^\s*(\d{4})(?:-(\d\d)(?:-(\d\d))?)?(?:[T ][\d:.]+(?:Z|[+-][\d:]+)?)?\s*$", str(text))
        if not m:
            return None
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if month is not None and not 1 <= int(month) <= 12:
            return None
        if day is not None and not 1 <= int(day) <= calendar.monthrange(year, int(month))[1]:
            return None
        return cls(year, int(month) if month else None, int(day) if day else None)

    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> date:
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        return "-".join([f"{self.year:04d}"] + [f"{p:02d}" for p in (self.month, self.day) if p is not None])


@dataclass(frozen=True)
class ReleaseDate:
    """When a dataset came out: on the Hub and in its paper (either may be unknown)."""

    hub: PartialDate | None = None
    paper: PartialDate | None = None

    @property
    def released(self) -> PartialDate | None:
        """The earlier of the Hub creation date and the paper date (the paper's rule)."""
        known = [d for d in (self.hub, self.paper) if d is not None]
        return min(known, key=lambda d: d.first_day()) if known else None

    def before(self, cutoff: date) -> bool:
        """True when the dataset was surely released before ``cutoff`` (its whole release
        period, a year or a month when that is all that is known, ends before it)."""
        released = self.released
        return released is not None and released.last_day() < cutoff

    def after(self, other: ReleaseDate) -> bool:
        """True when this dataset was surely released after ``other`` was (periods that overlap,
        or an unknown date, are not "after")."""
        mine, theirs = self.released, other.released
        return mine is not None and theirs is not None and mine.first_day() > theirs.last_day()


_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b[a-z-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}\b")
_ACL_NEW = re.compile(r"\b((?:19|20)\d\d)\.[a-z]+-[a-z0-9]+\.\d+", re.IGNORECASE)
_ACL_OLD = re.compile(r"\b[A-Z](\d\d)-\d{4}\b")


def _century(yy: int) -> int:
    return 1900 + yy if yy >= 50 else 2000 + yy


def paper_date_of(url: str) -> PartialDate | None:
    """The date an arXiv or ACL Anthology URL gives (its id), else None.

    >>> [str(paper_date_of(u)) for u in ("https://arxiv.org/abs/1910.10683",
    ...  "https://arxiv.org/pdf/2111.02840.pdf", "https://aclanthology.org/2020.acl-main.447/",
    ...  "https://www.aclweb.org/anthology/D18-1260", "https://arxiv.org/abs/cs/0101001")]
    ['2019-10', '2021-11', '2020', '2018', '2001-01']
    >>> paper_date_of("https://openreview.net/forum?id=XUeoOBid3x") is None
    True
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = urllib.parse.unquote(parts.path)
    if host.endswith("arxiv.org"):
        m = _ARXIV_NEW.search(path)
        if m:
            month = int(m.group(2))
            return PartialDate(2000 + int(m.group(1)), month) if 1 <= month <= 12 else None
        m = _ARXIV_OLD.search(path)
        if m and 1 <= int(m.group(2)) <= 12:
            return PartialDate(_century(int(m.group(1))), int(m.group(2)))
        return None
    if host in ("aclanthology.org", "aclweb.org") or host.endswith(".aclweb.org"):
        m = _ACL_NEW.search(path)
        if m:
            return PartialDate(int(m.group(1)))
        m = _ACL_OLD.search(path)
        if m:
            return PartialDate(_century(int(m.group(1))))
    return None


def _arxiv_tags(values: object) -> list[PartialDate]:
    """Dates of ``arxiv:<id>`` tags (card YAML ``tags``, the Hub's tags)."""
    if not isinstance(values, (list, tuple)):
        return []
    out = []
    for value in values:
        m = re.fullmatch(r"\s*arxiv:\s*(\S+)\s*", str(value), re.IGNORECASE)
        if m:
            found = paper_date_of("https://arxiv.org/abs/" + m.group(1))
            if found is not None:
                out.append(found)
    return out


# --- links -------------------------------------------------------------------------------------

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


_DOCUMENT_KIND = {"arxiv": "paper", "acl_anthology": "paper", "openreview": "paper", "paper": "paper",
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
    return SourceDocument(url=link.url, kind=_DOCUMENT_KIND[link.kind], text=text.removeprefix("\ufeff"),
                          about=tuple(about), retrieved_at=now)


# --- what sourcing found -----------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    """One document sourcing tried: where (``iri``, its URL), what came of it and why.

    ``outcome`` is None when the document was read and can be traced (``message`` may still note
    something, e.g. a card without YAML); otherwise the local name of an ``lk:DocumentOutcome``
    and ``message`` says why, naming the file or URL.
    """

    iri: str
    kind: str
    title: str | None = None
    outcome: str | None = None
    message: str | None = None
    document: SourceDocument | None = None
    via: str | None = None          # the describing link that led to it
    transient: bool = False         # the network failed: says nothing of the document; retry later


@dataclass
class Sources:
    """The documents of one dataset, every attempt with its outcome, and the links listed."""

    dataset: str
    attempts: list[Attempt] = field(default_factory=list)
    links: list[DescribingLink] = field(default_factory=list)
    links_not_fetched: list[DescribingLink] = field(default_factory=list)   # offline, not in the corpus

    @property
    def documents(self) -> list[SourceDocument]:
        """The documents that can be traced (read, not empty, in English), each once."""
        return [a.document for a in self.attempts if a.outcome is None and a.document is not None]

    @property
    def failed(self) -> list[Attempt]:
        return [a for a in self.attempts if a.outcome is not None]

    @property
    def unreachable(self) -> list[Attempt]:
        """The attempts that failed for the network's sake, not the document's."""
        return [a for a in self.attempts if a.transient]


def _title(document: SourceDocument) -> str | None:
    title = document.metadata.get("pretty_name") if document.metadata else None
    if not title and document.path:
        title = Path(document.path).name
    return str(title) if title else None


class SourcingAgent:
    """Find the documents of datasets (see the module docstring), and whether and when each
    dataset was released on the Hub.

    ``online`` allows the network: linked documents over HTTP and, unless ``hub`` says otherwise,
    Hub cards and existence checks through ``huggingface_hub`` (never with ``HF_HUB_OFFLINE=1``).
    Off by default: a trace from a corpus folder reads that folder and nothing else. ``hf_cache``
    reads the local Hugging Face cache (default: when ``HF_HUB_OFFLINE=1``). Answers are cached
    per dataset for the agent's life.
    """

    def __init__(self, corpus: Corpus | None = None, *, online: bool = False, hub: bool | None = None,
                 hf_cache: bool | None = None, timeout: float = 10.0, token: str | None = None,
                 limits: dict[str, int] | None = None, endpoint: str | None = None) -> None:
        self.corpus = corpus
        self.online = online
        self.hub = (online if hub is None else hub) and not hub_offline()
        self.hf_cache = hub_offline() if hf_cache is None else hf_cache
        self.timeout = timeout
        self.token = token
        self.endpoint = endpoint                       # the Hub's URL (default: huggingface_hub's)
        self.limits = MAX_LINKS if limits is None else limits
        self._found: dict[str, str | None] = {}
        self._sources: dict[str, Sources] = {}
        self._on_hub: dict[str, bool | None] = {}
        self._release: dict[str, ReleaseDate] = {}
        self.hub_down: str | None = None               # why the Hub is not asked again this run

    # --- Hub --------------------------------------------------------------------------------------

    def on_hub(self, dataset: str) -> bool | None:
        """Is ``dataset`` on the Hugging Face Hub? True, False, or None when it cannot be told
        (see the module docstring for the rules)."""
        key = dataset.strip()
        if key not in self._on_hub:
            self._on_hub[key] = self._check_hub(key)
        return self._on_hub[key]

    def find_on_hub(self, name: str) -> str | None:
        """The Hub id a name the alias table does not know stands for, by Hub search (online
        only; the unique result whose name part is spelt the same), else None."""
        key = name.strip()
        if not self.hub or not key or self.hub_down:
            return None
        if key not in self._found:
            self._found[key] = search_dataset(key, token=self.token, endpoint=self.endpoint)
        return self._found[key]

    def _check_hub(self, dataset: str) -> bool | None:
        if not iris.looks_like_hub_id(dataset):
            return False                               # a form the Hub never accepts
        entry = self.corpus.dataset(dataset) if self.corpus is not None else None
        if entry is not None and entry.on_hub is not None:
            return entry.on_hub
        if self.hub and not self.hub_down:
            exists = dataset_exists(dataset, token=self.token, endpoint=self.endpoint, timeout=self.timeout)
            if exists is None:        # online, yet no answer: the Hub is unreachable for this run
                self.hub_down = f"the Hub could not be reached (asked whether {dataset!r} exists)"
            return exists
        if entry is not None and "/" in entry.id and entry.id.lower() == dataset.lower():
            return True
        if self.hf_cache and "/" in dataset and self._cached_card(dataset) is not None:
            return True
        return None

    def _cached_card(self, dataset: str) -> SourceDocument | None:
        try:
            return read_hf_cache(dataset)
        except InputError:
            return None

    # --- documents --------------------------------------------------------------------------------

    def sources(self, dataset: str) -> Sources:
        """Every document of ``dataset`` tried, with its outcome (cached)."""
        key = dataset.strip()
        if key not in self._sources:
            self._sources[key] = self._find(key)
        return self._sources[key]

    def _find(self, dataset: str) -> Sources:
        found = Sources(dataset)
        seen: set[str] = set()                         # url keys and text hashes already kept

        def add(attempt: Attempt) -> None:
            doc = attempt.document
            if doc is not None and attempt.outcome is None:
                keys = {url_key(doc.url), doc.sha256}
                if keys & seen:
                    return                             # the same document again
                seen.update(keys)
            elif url_key(attempt.iri) in seen:
                return
            found.attempts.append(attempt)

        if self.corpus is not None:
            for entry in self.corpus.entries_for(dataset):
                add(self._read_entry(entry))
        if self.hf_cache and iris.looks_like_hub_id(dataset):
            try:
                cached = read_hf_cache(dataset)
            except InputError as exc:
                add(Attempt(iri=f"{iris.HUB_DATASET_BASE}{dataset}", kind="hf_card", outcome="DocumentUnreadable",
                            message=str(exc)))
            else:
                if cached is not None:
                    add(self._checked(cached, "hf_card"))
        if self.hub and self.on_hub(dataset) is not False:
            add(self._hub_card(dataset))

        primary = [a.document for a in found.attempts if a.outcome is None and a.document is not None]
        for document in primary:
            for link in describing_links(document, limits=self.limits):
                if any(url_key(link.url) == url_key(known.url) for known in found.links):
                    continue
                if sum(1 for known in found.links if known.group == link.group) >= self.limits.get(link.group, 0):
                    continue
                found.links.append(link)
                entry = self.corpus.entry_for_url(link.url) if self.corpus is not None else None
                if entry is not None:
                    add(self._read_entry(entry, via=link.url))
                elif self.online:
                    add(self._fetch(link, dataset))
                else:
                    found.links_not_fetched.append(link)
        return found

    def _checked(self, document: SourceDocument, kind: str, via: str | None = None) -> Attempt:
        try:
            check: DocumentCheck = check_document(document)
        except InputError as exc:
            return Attempt(iri=document.url, kind=kind, title=_title(document), outcome="DocumentUnreadable",
                           message=str(exc), via=via)
        return Attempt(iri=document.url, kind=kind, title=_title(document), outcome=check.outcome,
                       message=check.message, document=document, via=via)

    def _read_entry(self, entry: CorpusEntry, via: str | None = None) -> Attempt:
        assert self.corpus is not None
        try:
            document = self.corpus.read(entry)
        except InputError as exc:
            return Attempt(iri=entry.url or iris.named_document_iri(entry.path.name), kind=entry.kind, title=entry.path.name,
                           outcome="DocumentUnreadable", message=str(exc), via=via)
        return self._checked(document, entry.kind, via)

    def _hub_card(self, dataset: str) -> Attempt:
        iri = f"{iris.HUB_DATASET_BASE}{dataset}"
        if self.hub_down:             # asked once per run: no retries per dataset on a dead network
            return Attempt(iri=iri, kind="hf_card", outcome="DocumentUnreachable", transient=True,
                           message=f"{iri}: not asked: {self.hub_down}")
        try:
            card = fetch_card(dataset, token=self.token, timeout=self.timeout, endpoint=self.endpoint)
        except InputError as exc:
            return Attempt(iri=iri, kind="hf_card", outcome="DocumentUnreadable", message=str(exc))
        except UnreachableError as exc:
            self.hub_down = str(exc)
            return Attempt(iri=iri, kind="hf_card", outcome="DocumentUnreachable", transient=True,
                           message=f"{iri}: {exc}")
        except LineageKGError as exc:
            return Attempt(iri=iri, kind="hf_card", outcome="DocumentUnreachable", message=f"{iri}: {exc}")
        return self._checked(card, "hf_card")

    def _fetch(self, link: DescribingLink, dataset: str) -> Attempt:
        kind = _DOCUMENT_KIND[link.kind]
        try:
            document = fetch_link(link, (dataset,), timeout=self.timeout)
        except InputError as exc:
            return Attempt(iri=link.url, kind=kind, outcome="DocumentUnreadable", message=str(exc), via=link.url)
        except UnreachableError as exc:
            return Attempt(iri=link.url, kind=kind, outcome="DocumentUnreachable", message=str(exc), via=link.url,
                           transient=True)
        except LineageKGError as exc:
            return Attempt(iri=link.url, kind=kind, outcome="DocumentUnreachable", message=str(exc), via=link.url)
        return self._checked(document, kind, via=link.url)

    # --- dates ------------------------------------------------------------------------------------

    def release(self, dataset: str) -> ReleaseDate:
        """The Hub creation date and the paper date of ``dataset``, as far as its documents and
        the corpus index tell (cached)."""
        key = dataset.strip()
        if key not in self._release:
            self._release[key] = self._dates(key)
        return self._release[key]

    def _dates(self, dataset: str) -> ReleaseDate:
        hub: list[PartialDate] = []
        paper: list[PartialDate] = []
        entry = self.corpus.dataset(dataset) if self.corpus is not None else None
        if entry is not None:
            hub += [d for d in (PartialDate.parse(entry.hub_created_at),) if entry.hub_created_at and d]
            paper += [d for d in (PartialDate.parse(entry.paper_date),) if entry.paper_date and d]
        sources = self.sources(dataset)
        wanted = {dataset.lower()} | ({entry.id.lower()} if entry is not None else set())
        for attempt in sources.attempts:
            doc = attempt.document
            if doc is None or attempt.outcome is not None or attempt.via is not None:
                continue
            meta = doc.metadata or {}
            hub_meta = meta.get(HUB_METADATA_KEY)
            if isinstance(hub_meta, dict):
                created = PartialDate.parse(hub_meta.get("created_at")) if hub_meta.get("created_at") else None
                hub += [created] if created else []
                paper += _arxiv_tags(hub_meta.get("tags"))
            paper += _arxiv_tags(meta.get("tags"))
            if {a.lower() for a in doc.about} <= wanted:      # a document about this dataset alone
                paper += [d for link in sources.links if link.document == doc.url and link.group == "paper"
                          for d in (paper_date_of(link.url),) if d is not None]
        earliest = lambda dates: min(dates, key=lambda d: d.first_day()) if dates else None
        return ReleaseDate(hub=earliest(hub), paper=earliest(paper))
