"""The model-call cache: every answer a model gave, kept on disk, so a re-run asks nothing twice.

Keyed by (prompt version, model, document sha256, chunk index, chunk text sha256): a new prompt,
another model, an edited document or a different chunking is a new question; anything else is
answered from here. One JSON file per call, ``<dir>/<digest[:2]>/<digest>.json``, written
atomically (a temporary file in the same folder, then a rename), so a killed run never leaves a
half-written answer. Each file holds the raw model answer (the tool calls' input JSON, any text,
the stop reason) and the token usage of the call; the replay backend reads the same files.

A file that cannot be read or does not match its key raises :class:`CacheEntryError`; the
backends report it and ask again (the new answer replaces the bad file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagekg.errors import CacheEntryError

__all__ = ["CACHE_FORMAT", "CacheEntryError", "CallKey", "CallRecord", "ModelCallCache", "default_cache_dir"]

CACHE_FORMAT = "lineagekg-model-call/1"

_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


def default_cache_dir() -> Path:
    """``$LINEAGEKG_CACHE_DIR``, else ``~/.cache/lineagekg/model-calls``."""
    override = os.environ.get("LINEAGEKG_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "lineagekg" / "model-calls"


@dataclass(frozen=True)
class CallKey:
    """What identifies one model call."""

    prompt_version: str
    model: str
    document_sha256: str
    chunk_index: int
    chunk_sha256: str

    @property
    def digest(self) -> str:
        """Hex SHA-256 of the key's parts (the file name)."""
        parts = (self.prompt_version, self.model, self.document_sha256, str(self.chunk_index), self.chunk_sha256)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {"prompt_version": self.prompt_version, "model": self.model,
                "document_sha256": self.document_sha256, "chunk_index": self.chunk_index,
                "chunk_sha256": self.chunk_sha256}


@dataclass(frozen=True)
class CallRecord:
    """One recorded model answer.

    ``answer`` is ``{"tool_calls": [{"name", "input"}], "text": str, "stop_reason": str}``: the
    ``tool_use`` blocks' input exactly as the API returned it, whatever it holds (a bad answer is
    recorded as it came, and read again as it was). ``usage`` uses the API's names
    (``input_tokens``, ``output_tokens``, ``cache_read_input_tokens``, ``cache_creation_input_tokens``).
    """

    key: CallKey
    document: str                                   # URL of the document
    answer: Mapping[str, Any]
    usage: Mapping[str, int] = field(default_factory=dict)
    response_id: str | None = None
    response_model: str | None = None               # the model id the API reported
    created_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"format": CACHE_FORMAT, "key": self.key.digest, **self.key.as_dict(),
                "document": self.document, "answer": dict(self.answer),
                "usage": {k: int(self.usage.get(k, 0) or 0) for k in _USAGE_FIELDS},
                "response_id": self.response_id, "response_model": self.response_model,
                "created_at": self.created_at or _now()}

    @classmethod
    def from_json(cls, data: object, *, file: str | None = None) -> CallRecord:
        """Read a record back; :class:`CacheEntryError` when it is not one."""
        if not isinstance(data, dict):
            raise CacheEntryError(f"a {type(data).__name__}, not a model-call record", file=file)
        if data.get("format") != CACHE_FORMAT:
            raise CacheEntryError(f"format {data.get('format')!r}, expected {CACHE_FORMAT!r}", file=file,
                                  field="format")
        try:
            key = CallKey(str(data["prompt_version"]), str(data["model"]), str(data["document_sha256"]),
                          int(data["chunk_index"]), str(data["chunk_sha256"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CacheEntryError(f"incomplete key: {exc}", file=file) from exc
        answer, usage = data.get("answer"), data.get("usage") or {}
        if not isinstance(answer, dict) or not isinstance(answer.get("tool_calls", []), list):
            raise CacheEntryError("no answer object with a tool_calls list", file=file, field="answer")
        if not isinstance(usage, dict) or not all(isinstance(usage.get(k, 0), int) for k in _USAGE_FIELDS):
            raise CacheEntryError("usage is not a map of token counts", file=file, field="usage")
        if data.get("key") not in (None, key.digest):
            raise CacheEntryError("the stored key does not match the key fields", file=file, field="key")
        return cls(key=key, document=str(data.get("document", "")), answer=answer,
                   usage={k: int(usage.get(k, 0)) for k in _USAGE_FIELDS},
                   response_id=data.get("response_id"), response_model=data.get("response_model"),
                   created_at=data.get("created_at"))


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class ModelCallCache:
    """Model answers on disk under ``directory`` (created on the first write)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def path(self, key: CallKey) -> Path:
        digest = key.digest
        return self.directory / digest[:2] / f"{digest}.json"

    def get(self, key: CallKey) -> CallRecord | None:
        """The record for ``key``; None when there is none.

        Raises:
            CacheEntryError: the file exists but is unreadable, not JSON, not a record, or the
                record of another key.
        """
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheEntryError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CacheEntryError(f"not valid JSON ({exc})", file=str(path)) from exc
        record = CallRecord.from_json(data, file=str(path))
        if record.key != key:
            raise CacheEntryError("holds the answer to another call (key fields differ)", file=str(path))
        return record

    def put(self, record: CallRecord) -> Path:
        """Write ``record`` atomically (temporary file, then rename); returns its path.

        Raises:
            OSError: the folder cannot be created or written.
        """
        path = self.path(record.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(record.to_json(), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def __iter__(self) -> Iterator[Path]:
        """The record files (not their contents), in name order."""
        if not self.directory.is_dir():
            return iter(())
        return iter(sorted(p for p in self.directory.glob("??/*.json") if not p.name.startswith(".tmp-")))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"ModelCallCache({str(self.directory)!r})"
