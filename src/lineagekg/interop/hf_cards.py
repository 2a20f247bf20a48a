"""Hugging Face dataset cards in bulk: a folder of cards, or the local Hugging Face cache.

From each card's YAML: ``source_datasets`` (``original`` means none; ``extended|squad`` names a
source), ``license``, ``language``, ``task_categories``, ``pretty_name`` and
``size_categories``. A source named in ``source_datasets`` becomes an inclusion edge whose
evidence is that YAML entry as written, citing the card. A card that cannot be read (missing,
binary, not UTF-8, broken YAML) or a field of the wrong type stops the whole import, naming the
file and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagekg import iris
from lineagekg.corpus import Corpus, read_document
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError
from lineagekg.model import Dataset, Derivation, DocumentRef
from lineagekg.text.frontmatter import PLACEHOLDER_SOURCES

CARD_RELATION = "includedFrom"     # a card's source_datasets says the data comes from there
CARD_CONFIDENCE = 0.8              # stated by the card's authors, but untyped


@dataclass
class CardGraph:
    """What a folder of cards holds, ready to become a batch."""

    datasets: list[Dataset]
    derivations: list[Derivation]
    documents: list[DocumentRef]
    files: list[tuple[str, bytes, str | None]]     # name, content, URL (None: named by content)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _strings(meta: dict[str, Any], key: str, where: str) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise InputError(f"expected a string or a list of strings, got {type(value).__name__}",
                         file=where, field=key)
    return [str(v).strip() for v in value if str(v).strip()]


def card_fields(meta: dict[str, Any], where: str) -> dict[str, Any]:
    """What a card's YAML says about its dataset, as :class:`Dataset` fields: licences,
    languages, keywords (task categories), size; ``pretty_name`` under ``"pretty_name"``.

    Raises ``InputError`` naming ``where`` and the field for a value of the wrong type.
    """
    pretty = meta.get("pretty_name")
    if pretty is not None and not isinstance(pretty, str):
        raise InputError("expected a string", file=where, field="pretty_name")
    sizes = [v for v in _strings(meta, "size_categories", where) if v.lower() != "unknown"]
    return {"licenses": tuple((name, None) for name in _strings(meta, "license", where)),
            "languages": tuple(_strings(meta, "language", where) or _strings(meta, "languages", where)),
            "keywords": tuple(_strings(meta, "task_categories", where)),
            "size": ", ".join(sizes) or None, "pretty_name": (pretty or "").strip() or None}


def source_name(entry: str) -> str | None:
    """The dataset a ``source_datasets`` entry names, or None (``original``, ``extended|other``).

    >>> source_name("extended|squad"), source_name("original"), source_name("extended|other-sts-b")
    ('squad', None, 'sts-b')
    """
    name = entry.split("|", 1)[1] if "|" in entry else entry
    name = name.strip()
    if name.lower() in PLACEHOLDER_SOURCES:
        return None
    return name.removeprefix("other-") or None


def cached_cards(cache: Path) -> list[tuple[str, SourceDocument]]:
    """``(dataset id, card)`` for every dataset card in a Hugging Face cache folder
    (``datasets--<org>--<name>/snapshots/<commit>/README.md``, the commit ``refs/main`` names,
    else the only snapshot)."""
    cards = []
    for repo in sorted(cache.glob("datasets--*")):
        dataset_id = "/".join(repo.name.split("--")[1:])
        ref = repo / "refs" / "main"
        commits = [ref.read_text(encoding="utf-8").strip()] if ref.is_file() else \
            sorted(p.name for p in (repo / "snapshots").glob("*") if (p / "README.md").is_file())
        if not commits:
            continue
        if len(commits) > 1:
            raise InputError("several cached snapshots and no refs/main to choose one", file=str(repo))
        path = repo / "snapshots" / commits[0] / "README.md"
        if not path.is_file():
            continue
        url = f"https://huggingface.co/datasets/{dataset_id}/blob/{commits[0]}/README.md"
        cards.append((dataset_id, read_document(path, kind="hf_card", url=url, about=(dataset_id,))))
    return cards


def folder_cards(folder: Path) -> list[tuple[str, SourceDocument]]:
    """``(dataset id, card)`` for every card of a corpus folder (see :mod:`lineagekg.corpus`)."""
    corpus = Corpus.from_directory(folder)
    cards = []
    for entry in corpus.entries():
        if entry.skipped:
            continue
        document = corpus.read(entry)              # raises InputError naming the file
        for dataset_id in document.about or corpus.about(entry):
            cards.append((dataset_id, document))
    return cards


def read_cards(folder: Path) -> CardGraph:
    """Read every card under ``folder`` (a corpus folder or a Hugging Face cache)."""
    if not folder.is_dir():
        raise InputError("not a folder of dataset cards or a Hugging Face cache", file=str(folder))
    is_cache = any(folder.glob("datasets--*"))
    cards = cached_cards(folder) if is_cache else folder_cards(folder)
    cards = [(i, d) for i, d in cards if d.kind == "hf_card" or d.metadata]
    if not cards:
        raise InputError("no dataset card (a Markdown file with YAML front matter) found", file=str(folder))
    datasets: dict[str, Dataset] = {}
    derivations: dict[tuple[str, str], Derivation] = {}
    documents: dict[str, DocumentRef] = {}
    files: dict[str, tuple[bytes, str | None]] = {}
    created: list[str] = []
    for dataset_id, card in cards:
        where = card.path or card.url
        meta = card.metadata
        fields = card_fields(meta, where)
        pretty = fields.pop("pretty_name")
        datasets[dataset_id] = Dataset(
            identifier=dataset_id, label=pretty or dataset_id, on_hub=iris.looks_like_hub_id(dataset_id),
            landing_page=iris.dataset_iri(dataset_id, on_hub=True) if iris.looks_like_hub_id(dataset_id) else None,
            **fields)
        documents[card.url] = DocumentRef(iri=card.url, title=f"Hub card of {dataset_id}", kind="hf_card",
                                          retrieved_at=card.retrieved_at)
        files[f"{dataset_id} card ({Path(card.path).name})" if card.path else card.url] = (
            card.text.encode("utf-8"), card.url)
        for entry in _strings(meta, "source_datasets", where):
            source = source_name(entry)
            if source is None or source == dataset_id:
                continue
            derivations.setdefault((dataset_id, source), Derivation(
                target=dataset_id, source=source, relation=CARD_RELATION, confidence=CARD_CONFIDENCE,
                evidence=f"source_datasets: {entry}", documents=(card.url,), source_kinds=("HuggingFace README",)))
    for _, source in derivations:
        if source not in datasets:
            datasets[source] = Dataset(identifier=source, label=source, on_hub=iris.looks_like_hub_id(source))
            created.append(source)
    warnings = []
    if created:
        warnings.append(f"{len(created)} source dataset(s) without a card here, created from their name: "
                        + ", ".join(sorted(created)[:5]) + (" ..." if len(created) > 5 else ""))
    counts = {"cards": len(cards), "datasets": len(datasets), "edges": len(derivations),
              "created": len(created),
              "with_license": sum(1 for d in datasets.values() if d.licenses),
              "with_pretty_name": sum(1 for i, c in cards if c.metadata.get("pretty_name"))}
    return CardGraph(datasets=list(datasets.values()), derivations=list(derivations.values()),
                     documents=list(documents.values()), files=[(name, data, url) for name,
                                                                (data, url) in sorted(files.items())],
                     warnings=warnings, counts=counts)
