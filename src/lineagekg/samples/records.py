"""Read a dataset's records from local files and take the prompt text of each.

Formats: JSON (a list of records, or an object holding one), JSON Lines, CSV and TSV (with a
header row, or without one: then the first column is the prompt, as in the MMLU and FLAN CoT
files), Parquet, and any of them gzip-compressed (``.gz``). Shapes: ShareGPT conversations
(``conversations`` / ``messages``: the first human turn), ``prompt``, Alpaca
(``instruction`` + ``input``), ``question`` / ``problem`` / ``query``, ``input``, ``text``,
``turns`` (the first turn); ``field`` names the field(s) to use instead. A dataset in the local
Hugging Face cache is read with ``datasets`` when that package is installed.

Every problem is an ``InputError`` naming the file, the line (or record number) and the field.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lineagekg.errors import InputError
from lineagekg.samples.normalise import normalise

# Fields tried in order when no ``field`` is given (case-insensitive); the first present wins.
PROMPT_FIELDS = ("prompt", "instruction", "question", "problem", "query", "input", "text", "turns")
_CONVERSATION_FIELDS = ("conversations", "messages", "conversation")
_HUMAN_ROLES = {"human", "user", "prompter"}
_CSV_SNIFF_FIELDS = {f for f in PROMPT_FIELDS} | {"output", "answer", "response", "id", "label"}


@dataclass(frozen=True)
class Record:
    """One record: where it is (1-based line for line formats, else record number), its prompt
    as written and its normalised form."""

    number: int
    raw: str
    text: str


@dataclass(frozen=True)
class RecordFile:
    """The records of one file, with the sha256 of its bytes as stored (compressed if gzip)."""

    path: Path
    sha256: str
    field: str | None           # the field(s) used, as given or as found
    records: tuple[Record, ...]

    def __len__(self) -> int:
        return len(self.records)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_records(path: Path | str, *, field: str | None = None) -> RecordFile:
    """Read the records of ``path`` (see the module docstring); raises ``InputError`` when the file
    is missing, unreadable, in an unknown format, or a record has no prompt text."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    fields = [f.strip() for f in field.split(",") if f.strip()] if field else None
    rows = list(_rows(path))
    if not rows:
        raise InputError("the file holds no records", file=str(path))
    records: list[Record] = []
    used: str | None = ",".join(fields) if fields else None
    for number, row in rows:
        raw, name = _prompt(row, fields, str(path), number)
        used = used or name
        records.append(Record(number=number, raw=raw, text=normalise(raw)))
    return RecordFile(path=path, sha256=sha256_of(path), field=used, records=tuple(records))


def _inner_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
        if path.suffix.lower() == ".gz":
            data = gzip.decompress(data)
        return data.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read the file: {exc}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=str(path)) from exc


def _rows(path: Path) -> Iterator[tuple[int, Any]]:
    """(line or record number, record) for every record of the file."""
    kind = _inner_suffix(path)
    if kind == ".parquet":
        yield from _parquet_rows(path)
        return
    text = _text(path)
    if kind in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON: {exc.msg} (column {exc.colno})", file=str(path), line=number) from exc
    elif kind == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg} (column {exc.colno})", file=str(path), line=exc.lineno) from exc
        if isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list)]
            if len(lists) != 1:
                raise InputError("a JSON object must hold exactly one list of records", file=str(path))
            data = lists[0]
        if not isinstance(data, list):
            raise InputError("JSON must be a list of records", file=str(path))
        yield from enumerate(data, start=1)
    elif kind in (".csv", ".tsv"):
        yield from _csv_rows(text, "\t" if kind == ".tsv" else ",", str(path))
    else:
        raise InputError(f"unknown record file type {kind or path.suffix!r}", file=str(path),
                         hint="use .json, .jsonl, .csv, .tsv or .parquet (optionally .gz)")


def _csv_rows(text: str, delimiter: str, where: str) -> Iterator[tuple[int, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"not {'TSV' if delimiter == chr(9) else 'CSV'}: {exc}", file=where,
                         line=reader.line_num) from exc
    if not rows:
        return
    header = [h.strip().lower() for h in rows[0]]
    if _CSV_SNIFF_FIELDS & set(header):
        for number, row in enumerate(rows[1:], start=2):
            if row:
                yield number, dict(zip(header, row, strict=False))   # a short row leaves fields out
    else:                      # no header row: the first column is the prompt
        for number, row in enumerate(rows, start=1):
            if row:
                yield number, {"prompt": row[0]}


def _parquet_rows(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover -- pyarrow is a dependency; kept for a clear message
        raise InputError("reading Parquet needs pyarrow", file=str(path), hint='pip install pyarrow') from exc
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError ... for a bad file
        raise InputError(f"not a Parquet file: {exc}", file=str(path)) from exc
    yield from enumerate(table.to_pylist(), start=1)


def _first_human_turn(turns: Any) -> str | None:
    if not isinstance(turns, list):
        return None
    for turn in turns:
        if isinstance(turn, dict):
            role = str(turn.get("from") or turn.get("role") or "").lower()
            value = turn.get("value") if "value" in turn else turn.get("content")
            if role in _HUMAN_ROLES and isinstance(value, str):
                return value
    return None


def _first_instance_input(instances: Any) -> str:
    if isinstance(instances, list) and instances and isinstance(instances[0], dict):
        value = instances[0].get("input")
        return value if isinstance(value, str) else ""
    return ""


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value[0]                     # ``turns``: the first turn is the prompt
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _prompt(row: Any, fields: list[str] | None, where: str, number: int) -> tuple[str, str]:
    """The prompt text of one record and the field it came from."""
    if not isinstance(row, dict):
        raise InputError(f"a record must be an object, not {type(row).__name__}", file=where, line=number)
    lower = {str(k).lower(): k for k in row}
    if fields:
        parts = []
        for name in fields:
            key = lower.get(name.lower())
            if key is None:
                raise InputError("the record has no such field", file=where, line=number, field=name,
                                 hint="fields present: " + ", ".join(sorted(map(str, row)))[:300])
            value = _as_text(row[key]) if key not in _CONVERSATION_FIELDS else _first_human_turn(row[key])
            if value is None:
                raise InputError("the field is not text", file=where, line=number, field=name)
            parts.append(value)
        return "\n".join(parts), ",".join(fields)
    for name in _CONVERSATION_FIELDS:
        if name in lower:
            value = _first_human_turn(row[lower[name]])
            if value is None:
                raise InputError("a conversation with no human turn", file=where, line=number, field=name)
            return value, name
    for name in PROMPT_FIELDS:
        if name in lower:
            value = _as_text(row[lower[name]])
            if value is None:
                raise InputError("the field is not text", file=where, line=number, field=name)
            if name == "instruction" and "input" in lower:
                extra = _as_text(row[lower["input"]]) or ""
                return (f"{value}\n{extra}" if extra.strip() else value), "instruction,input"
            if name == "instruction" and "instances" in lower:      # Self-Instruct tasks
                extra = _first_instance_input(row[lower["instances"]])
                return (f"{value}\n{extra}" if extra.strip() else value), "instruction,instances[0].input"
            return value, name
    raise InputError("no prompt field in the record", file=where, line=number,
                     hint="name one with --field; fields present: " + ", ".join(sorted(map(str, row)))[:300])


def read_hub_cache(dataset: str, *, split: str, field: str | None = None) -> RecordFile:
    """The records of a dataset in the local Hugging Face cache, read with ``datasets`` (offline).

    Raises ``InputError`` when ``datasets`` is not installed or the dataset is not cached.
    """
    try:
        import datasets as hf_datasets
    except ImportError as exc:
        raise InputError("reading the Hugging Face cache needs the `datasets` package", file=dataset,
                         hint="pip install datasets, or give a local file") from exc
    try:
        ds = hf_datasets.load_dataset(dataset, split=split, download_mode="reuse_cache_if_exists")
    except Exception as exc:  # datasets raises many types (FileNotFoundError, ConnectionError, ...)
        raise InputError(f"not in the local Hugging Face cache: {exc}", file=dataset) from exc
    fields = [f.strip() for f in field.split(",")] if field else None
    records = []
    used = field
    for number, row in enumerate(ds, start=1):
        raw, name = _prompt(dict(row), fields, dataset, number)
        used = used or name
        records.append(Record(number=number, raw=raw, text=normalise(raw)))
    key = hashlib.sha256(f"{dataset}:{split}:{getattr(ds, '_fingerprint', '')}".encode()).hexdigest()
    return RecordFile(path=Path(dataset), sha256=key, field=used, records=tuple(records))
