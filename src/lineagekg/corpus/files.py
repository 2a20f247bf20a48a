"""One document file, read and checked: text, front matter, licence, retrieval time, an IRI
made from its content when it has no URL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineagekg import iris
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError
from lineagekg.text.frontmatter import parse_front_matter

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def _xsd_datetime(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _licence_of(metadata: dict[str, Any]) -> str | None:
    value = metadata.get("license")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return str(value) if value not in (None, "") else None


def read_document(path: str | Path, *, kind: str | None = None, url: str | None = None,
                  about: Iterable[str] = (), license: str | None = None) -> SourceDocument:
    """Read one text document from disk into a :class:`SourceDocument`.

    ``url`` defaults to an IRI made from the file's content (a local path is no public name);
    ``kind`` to ``hf_card`` when the file has YAML
    front matter, else ``markdown``; ``license`` to the card's ``license`` field. ``retrieved_at``
    is the file's modification time (``xsd:dateTime``, UTC); ``metadata`` the parsed front matter
    (``{}`` if none). Text is decoded as UTF-8 (a leading BOM dropped). Raises
    :class:`InputError` naming the file when it is missing, over :data:`MAX_DOCUMENT_BYTES`,
    binary, not UTF-8, or has broken YAML front matter.
    """
    path = Path(path)
    where = str(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputError("document file not found", file=where) from None
    except OSError as exc:
        raise InputError(f"cannot read document: {exc.strerror or exc}", file=where) from exc
    if not path.is_file():
        raise InputError("not a regular file", file=where)
    if stat.st_size > MAX_DOCUMENT_BYTES:
        raise InputError(f"file is {stat.st_size} bytes, over the {MAX_DOCUMENT_BYTES} byte "
                         f"({MAX_DOCUMENT_BYTES // (1024 * 1024)} MB) limit for a document", file=where,
                         hint="documents are cards and READMEs; a file this large is not one")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read document: {exc.strerror or exc}", file=where) from exc
    if len(raw) > MAX_DOCUMENT_BYTES:          # grew since stat
        raise InputError(f"file is over the {MAX_DOCUMENT_BYTES} byte limit for a document", file=where)
    if b"\x00" in raw:
        raise InputError("binary file (it has NUL bytes), not a text document", file=where)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
                         f"cannot be decoded", file=where, line=line) from None
    text = text.removeprefix("\ufeff")
    metadata, _ = parse_front_matter(text, where)
    if kind is None:
        kind = "hf_card" if metadata or text.startswith("---") else "markdown"
    return SourceDocument(
        url=url or iris.content_document_iri(raw),
        kind=kind,
        text=text,
        about=tuple(about),
        retrieved_at=_xsd_datetime(stat.st_mtime),
        license=license if license is not None else _licence_of(metadata),
        path=where,
        metadata=metadata,
    )
