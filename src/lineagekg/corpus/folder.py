"""A corpus folder, indexed (``index.json``) or plain (one card per dataset): its documents,
the datasets they describe and the names they go by."""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lineagekg.corpus.files import read_document
from lineagekg.corpus.hf_cache import read_hf_cache
from lineagekg.corpus.index_fields import inside, json_type, optional_date, optional_str, required_str, str_list
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError

INDEX_FILE = "index.json"
#: kinds listed in an index but not read as prose documents (for now)
SKIPPED_KIND_PREFIXES = ("dpi_metadata_",)

ErrorHandler = Callable[[InputError], None]


@dataclass(frozen=True)
class CorpusEntry:
    """One document listed by a corpus (read or not): where it is and what it is about."""

    doc_key: str
    file: str                      # relative to the corpus folder, with "/"
    path: Path                     # absolute
    kind: str
    url: str                       # "" when the index gives none (then an IRI from its content is used)
    license: str | None
    datasets: tuple[str, ...]      # dataset names as the index (or file name) gives them

    @property
    def skipped(self) -> bool:
        """True for kinds that are not prose (``dpi_metadata_*``): listed, never read."""
        return self.kind.startswith(SKIPPED_KIND_PREFIXES)


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset of the corpus index: canonical id, aliases, its document files, and what the
    index says of it (None when it says nothing): on the Hub or not, Hub creation and paper dates."""

    id: str
    aliases: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    on_hub: bool | None = None
    hub_created_at: str | None = None
    paper_date: str | None = None


class Corpus:
    """A folder of documents about datasets (see the module docstring for the two layouts)."""

    def __init__(self, root: Path, entries: list[CorpusEntry], datasets: list[DatasetEntry],
                 legacy_aliases: dict[str, str] | None = None, *, indexed: bool = False) -> None:
        self.root = root
        self.indexed = indexed
        self._entries = entries
        self._datasets = datasets
        self._legacy = dict(legacy_aliases or {})
        self._aliases = self._build_aliases()
        self._about = {e.file: self._about_of(e) for e in entries}
        self._cache: dict[str, SourceDocument] = {}

    # construction ------------------------------------------------------------------------------

    @classmethod
    def from_directory(cls, path: str | Path) -> Corpus:
        """Open a corpus folder: indexed when it has ``index.json``, else a plain folder of
        ``*.md`` cards. A malformed ``index.json`` raises :class:`InputError` naming it and the
        field; a missing folder raises :class:`InputError` too. Documents are read lazily."""
        root = Path(path)
        if not root.is_dir():
            raise InputError("corpus folder not found" if not root.exists() else "not a folder",
                             file=str(root))
        root = root.resolve()
        index = root / INDEX_FILE
        if index.exists():
            return cls._from_index(root, index)
        return cls._from_plain(root)

    @classmethod
    def _from_index(cls, root: Path, index: Path) -> Corpus:
        where = str(index)
        try:
            raw = index.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason})", file=where) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", file=where) from exc
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=where,
                             line=exc.lineno) from None
        if not isinstance(data, dict):
            raise InputError(f"the index must be a JSON object, not {json_type(data)}", file=where)

        def fail(message: str, field: str) -> InputError:
            return InputError(message, file=where, field=field)

        documents = data.get("documents")
        if documents is None:
            raise fail("missing (the list of documents)", "documents")
        if not isinstance(documents, list):
            raise fail(f"must be a list, not {json_type(documents)}", "documents")
        entries: list[CorpusEntry] = []
        seen: set[str] = set()
        for i, doc in enumerate(documents):
            at = f"documents[{i}]"
            if not isinstance(doc, dict):
                raise fail(f"must be an object, not {json_type(doc)}", at)
            file = required_str(doc, "file", at, fail)
            kind = required_str(doc, "kind", at, fail)
            path = inside(root, file, f"{at}.file", fail)
            rel = path.relative_to(root).as_posix()
            if rel in seen:
                raise fail(f"{file!r} is listed twice", f"{at}.file")
            seen.add(rel)
            entries.append(CorpusEntry(
                doc_key=optional_str(doc, "doc_key", at, fail) or rel,
                file=rel, path=path, kind=kind,
                url=optional_str(doc, "url", at, fail) or "",
                license=optional_str(doc, "license", at, fail),
                datasets=str_list(doc, "datasets", at, fail),
            ))

        raw_datasets = data.get("datasets", [])
        if not isinstance(raw_datasets, list):
            raise fail(f"must be a list, not {json_type(raw_datasets)}", "datasets")
        datasets: list[DatasetEntry] = []
        ids: set[str] = set()
        for i, ds in enumerate(raw_datasets):
            at = f"datasets[{i}]"
            if not isinstance(ds, dict):
                raise fail(f"must be an object, not {json_type(ds)}", at)
            ident = required_str(ds, "id", at, fail)
            if ident.lower() in ids:
                raise fail(f"dataset id {ident!r} is listed twice", f"{at}.id")
            ids.add(ident.lower())
            files = str_list(ds, "files", at, fail)
            for j, file in enumerate(files):
                rel = inside(root, file, f"{at}.files[{j}]", fail).relative_to(root).as_posix()
                if rel not in seen:
                    raise fail(f"{file!r} is not among documents[].file", f"{at}.files[{j}]")
            on_hub = ds.get("on_hub")
            if on_hub is not None and not isinstance(on_hub, bool):
                raise fail(f"must be true or false, not {json_type(on_hub)}", f"{at}.on_hub")
            datasets.append(DatasetEntry(
                id=ident, aliases=str_list(ds, "aliases", at, fail),
                files=tuple(inside(root, f, at, fail).relative_to(root).as_posix() for f in files),
                on_hub=on_hub, hub_created_at=optional_date(ds, "hub_created_at", at, fail),
                paper_date=optional_date(ds, "paper_date", at, fail)))

        legacy = data.get("legacy_card_aliases", {})
        if not isinstance(legacy, dict):
            raise fail(f"must be an object, not {json_type(legacy)}", "legacy_card_aliases")
        for key, value in legacy.items():
            if not isinstance(value, str) or not value.strip():
                raise fail(f"must be a dataset id (a string), not {json_type(value)}",
                           f"legacy_card_aliases.{key}")
        return cls(root, entries, datasets, legacy, indexed=True)

    @classmethod
    def _from_plain(cls, root: Path) -> Corpus:
        entries: list[CorpusEntry] = []
        datasets: dict[str, DatasetEntry] = {}
        for path in sorted(root.rglob("*.md")):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                continue
            ident = _plain_dataset_id(path)
            kind = "hf_card" if _starts_with_front_matter(path) else "markdown"
            entries.append(CorpusEntry(doc_key=rel.as_posix(), file=rel.as_posix(), path=path,
                                       kind=kind, url="", license=None, datasets=(ident,)))
            old = datasets.get(ident.lower())
            if old is None:
                stem_alias = path.parent.name if path.stem.lower() == "readme" else path.stem
                aliases = (stem_alias,) if stem_alias != ident else ()
                datasets[ident.lower()] = DatasetEntry(ident, aliases, (rel.as_posix(),))
            else:
                datasets[ident.lower()] = DatasetEntry(old.id, old.aliases, old.files + (rel.as_posix(),))
        return cls(root, entries, list(datasets.values()), indexed=False)

    # names -------------------------------------------------------------------------------------

    def _build_aliases(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for ds in self._datasets:                    # ids win over aliases
            table.setdefault(ds.id.lower(), ds.id)
        for ds in self._datasets:
            for alias in ds.aliases:
                table.setdefault(alias.lower(), ds.id)
        for alias, ident in self._legacy.items():
            table.setdefault(alias.lower(), ident)
            table.setdefault(ident.lower(), ident)
        return table

    def aliases(self) -> dict[str, str]:
        """Every dataset id and alias, lower-cased, to its canonical id (from ``datasets[].id``,
        ``datasets[].aliases`` and ``legacy_card_aliases``; an id wins over an alias, and the
        first dataset listing an alias wins over later ones)."""
        return dict(self._aliases)

    def resolve(self, name: str) -> str | None:
        """The canonical id of a dataset id or alias (case-insensitive), else of the one known id
        whose name part is spelt the same apart from case and punctuation ("UltraFeedback" ->
        "openbmb/UltraFeedback", "TruthfulQA" -> "truthfulqa/truthful_qa"), else None."""
        exact = self._aliases.get(name.strip().lower())
        if exact is not None:
            return exact
        matches = self._by_name_part().get(_squash(name), set())
        return next(iter(matches)) if len(matches) == 1 else None

    @functools.cache  # noqa: B019 -- one table per corpus, which lives as long as the trace
    def _by_name_part(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = {}
        for ds in self._datasets:
            table.setdefault(_squash(ds.id.rsplit("/", 1)[-1]), set()).add(ds.id)
        return table

    def dataset_ids(self) -> list[str]:
        """The canonical ids of the datasets of the index (plain folder: of the files)."""
        return [ds.id for ds in self._datasets]

    def datasets(self) -> list[DatasetEntry]:
        return list(self._datasets)

    def dataset(self, name: str) -> DatasetEntry | None:
        """The index entry of a dataset id or alias (see :meth:`resolve`), else None."""
        ident = self.resolve(name)
        if ident is None:
            return None
        return next((ds for ds in self._datasets if ds.id == ident), None)

    def entry_for_url(self, url: str) -> CorpusEntry | None:
        """The listed (prose) document at ``url``: the same page, whatever the scheme, ``www.``,
        query or fragment; on GitHub whatever the branch or commit, a repository or folder link
        meaning its README (``github.com/o/r`` is ``github.com/o/r/blob/<commit>/README.md``)."""
        key = url_key(url)
        return next((e for e in self._entries if not e.skipped and e.url and url_key(e.url) == key), None)

    # documents ---------------------------------------------------------------------------------

    def entries(self) -> list[CorpusEntry]:
        """Every document listed, skipped kinds included."""
        return list(self._entries)

    def skipped(self) -> list[CorpusEntry]:
        """The entries that are listed but not read as documents (``dpi_metadata_*``)."""
        return [e for e in self._entries if e.skipped]

    def _about_of(self, entry: CorpusEntry) -> tuple[str, ...]:
        about: list[str] = []
        for name in entry.datasets:
            ident = self._aliases.get(name.lower(), name)
            if ident not in about:
                about.append(ident)
        for ds in self._datasets:
            if entry.file in ds.files and ds.id not in about:
                about.append(ds.id)
        return tuple(about)

    def about(self, entry: CorpusEntry) -> tuple[str, ...]:
        """The datasets a document is about: its index names resolved to canonical ids (a name
        the corpus does not know is kept as it is), plus the datasets listing its file."""
        return self._about[entry.file]

    def read(self, entry: CorpusEntry) -> SourceDocument:
        """Read one listed document (cached). Raises :class:`InputError` naming the file when it
        cannot be read (see :func:`read_document`), or when its kind is a skipped one."""
        if entry.skipped:
            raise InputError(f"documents of kind {entry.kind!r} are metadata, not prose; not read",
                             file=str(entry.path))
        doc = self._cache.get(entry.file)
        if doc is None:
            kind = entry.kind if self.indexed else None
            doc = read_document(entry.path, kind=kind, url=entry.url or None,
                                about=self._about[entry.file], license=entry.license)
            self._cache[entry.file] = doc
        return doc

    def _read_all(self, entries: Iterable[CorpusEntry], on_error: ErrorHandler | None) -> list[SourceDocument]:
        out: list[SourceDocument] = []
        for entry in entries:
            try:
                out.append(self.read(entry))
            except InputError as exc:
                if on_error is None:
                    raise
                on_error(exc)
        return out

    def document(self, file: str) -> SourceDocument:
        """The listed document at ``file`` (relative to the corpus folder)."""
        entry = next((e for e in self._entries if e.file == file), None)
        if entry is None:
            raise InputError("document not in the corpus index", file=file,
                             hint="list it in index.json documents[]")
        return self.read(entry)

    def entries_for(self, dataset_id: str) -> list[CorpusEntry]:
        """The (prose) entries about a dataset id or alias, matched case-insensitively."""
        wanted = {dataset_id.strip().lower()}
        ident = self.resolve(dataset_id)
        if ident is not None:
            wanted.add(ident.lower())
        return [e for e in self._entries if not e.skipped
                and (wanted & {a.lower() for a in self._about[e.file]}
                     or wanted & {d.lower() for d in e.datasets})]

    def documents_for(self, dataset_id: str, *, on_error: ErrorHandler | None = None) -> list[SourceDocument]:
        """The documents about a dataset, given by its id or any alias (case-insensitive); ``[]``
        when there are none. A document that cannot be read raises :class:`InputError`, unless
        ``on_error`` is given: then it is called with the error and the others are returned."""
        return self._read_all(self.entries_for(dataset_id), on_error)

    def all_documents(self, *, on_error: ErrorHandler | None = None) -> list[SourceDocument]:
        """Every readable (prose) document of the corpus, in index order."""
        return self._read_all((e for e in self._entries if not e.skipped), on_error)

    def __repr__(self) -> str:
        layout = "indexed" if self.indexed else "plain"
        return f"Corpus({str(self.root)!r}, {layout}, {len(self._entries)} documents, {len(self._datasets)} datasets)"

    # the local Hugging Face cache, for symmetry with the folder sources
    @staticmethod
    def read_hf_cache(dataset_id: str, *, cache_dir: str | Path | None = None,
                      revision: str | None = None) -> SourceDocument | None:
        """See :func:`read_hf_cache`."""
        return read_hf_cache(dataset_id, cache_dir=cache_dir, revision=revision)


def url_key(url: str) -> str:
    """A URL reduced to what names its page, for matching links with listed documents.

    >>> url_key("https://github.com/OpenAI/grade-school-math")
    'github.com/openai/grade-school-math/readme.md'
    >>> url_key("http://www.github.com/openai/grade-school-math/blob/3101c7d/README.md#data")
    'github.com/openai/grade-school-math/readme.md'
    >>> url_key("https://raw.githubusercontent.com/openai/grade-school-math/main/README.md")
    'github.com/openai/grade-school-math/readme.md'
    >>> url_key("https://arxiv.org/abs/2110.14168/")
    'arxiv.org/abs/2110.14168'
    """
    parts = urllib.parse.urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    path = urllib.parse.unquote(parts.path).strip("/")
    segments = path.split("/") if path else []
    if host in ("github.com", "raw.githubusercontent.com") and len(segments) >= 2:
        owner, repo, rest = segments[0], segments[1].removesuffix(".git"), segments[2:]
        if host == "github.com" and rest[:1] in (["blob"], ["tree"]) and len(rest) >= 2:
            rest = rest[2:]                         # the branch or commit
        elif host == "raw.githubusercontent.com" and rest:
            rest = rest[1:]
        sub = "/".join(rest)
        if not re.search(r"\.[A-Za-z0-9]+$", sub):     # a repository or a folder: its README
            sub = f"{sub}/README.md".lstrip("/")
        return f"github.com/{owner}/{repo}/{sub}".lower()
    return f"{host}/{path}".lower()


def _plain_dataset_id(path: Path) -> str:
    stem = path.parent.name if path.stem.lower() == "readme" and path.parent.name else path.stem
    org, sep, name = stem.partition("__")
    if sep and org and name and "__" not in name:
        return f"{org}/{name}"
    return stem


def _starts_with_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").startswith(b"---")


def _squash(name: str) -> str:
    """A name without case and punctuation, for matching spellings of one dataset name."""
    return re.sub(r"[^a-z0-9]+", "", name.lower())

