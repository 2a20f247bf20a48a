"""Stage 1 of the tracer, sourcing: for a dataset id, the documents that describe it.

Where documents come from, in this order (the same document twice, by URL or by text, is kept
once):

1. the local corpus folder (:meth:`Corpus.documents_for`: the index's documents about the id or
   any of its aliases);
2. the local Hugging Face cache, when ``HF_HUB_OFFLINE=1`` (:func:`lineagekg.corpus.read_hf_cache`);
3. online only, the Hub card (:func:`lineagekg.hub.fetch_card`, with the card's YAML and the
   Hub's creation date and tags);
4. the links of those documents that describe *this* dataset
   (:func:`~lineagekg.agents.describing_links.describing_links`): papers
   (arXiv, ACL Anthology, OpenReview), GitHub repositories and blogs, at most
   :data:`~lineagekg.agents.describing_links.MAX_LINKS` of each. A linked document the corpus lists (by URL: see
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

from dataclasses import dataclass, field
from pathlib import Path

from lineagekg import iris
from lineagekg.agents.describing_links import DOCUMENT_KIND, MAX_LINKS, DescribingLink, describing_links, fetch_link
from lineagekg.agents.release_dates import PartialDate, ReleaseDate, arxiv_tag_dates, paper_date_of
from lineagekg.corpus import (
    Corpus,
    CorpusEntry,
    read_hf_cache,
    url_key,
)
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError, LineageKGError, UnreachableError
from lineagekg.hub import HUB_METADATA_KEY, dataset_exists, fetch_card, hub_offline, search_dataset
from lineagekg.text.sections import DocumentCheck, check_document

__all__ = [
    "Attempt",
    "Sources",
    "SourcingAgent",
]


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
                linked = self.corpus.entry_for_url(link.url) if self.corpus is not None else None
                if linked is not None:
                    add(self._read_entry(linked, via=link.url))
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
            return Attempt(iri=entry.url or iris.named_document_iri(entry.path.name), kind=entry.kind,
                           title=entry.path.name,
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
        kind = DOCUMENT_KIND[link.kind]
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
                paper += arxiv_tag_dates(hub_meta.get("tags"))
            paper += arxiv_tag_dates(meta.get("tags"))
            if {a.lower() for a in doc.about} <= wanted:      # a document about this dataset alone
                paper += [d for link in sources.links if link.document == doc.url and link.group == "paper"
                          for d in (paper_date_of(link.url),) if d is not None]
        return ReleaseDate(hub=_earliest(hub), paper=_earliest(paper))


def _earliest(dates: list[PartialDate]) -> PartialDate | None:
    return min(dates, key=lambda d: d.first_day()) if dates else None
