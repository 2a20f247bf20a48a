"""The replay tracing backend: answers from recorded model answers, never from the network.

It reads the model-call cache's files (:mod:`lineagekg.llm.cache`), so the cache folder of a real
anthropic run replays as it is: the same chunking and the same keys (prompt version, model,
document sha256, chunk), and the same answer checks (:func:`lineagekg.llm.prompts.read_claims`).
A chunk with no record, or with a corrupt one, is a problem message naming the document, the
chunk and the key, not an error: the other chunks still answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lineagekg.documents import Claim, SourceDocument
from lineagekg.errors import ConfigError
from lineagekg.llm.anthropic_backend import DEFAULT_MODEL
from lineagekg.llm.cache import CacheEntryError, CallKey, ModelCallCache
from lineagekg.llm.grounding import Grounding
from lineagekg.llm.prompts import (
    CHUNK_CHARS,
    PROMPT_VERSION,
    chunk_document,
    read_claims,
)
from lineagekg.llm.protocol import BackendAnswer, Usage

__all__ = ["ReplayBackend"]


class ReplayBackend:
    """Recorded answers of ``model`` at ``prompt_version`` (``kind = "replay"``).

    Raises:
        ConfigError: ``directory`` is not a folder.
    """

    kind = "replay"

    def __init__(self, directory: str | Path, *, model: str = DEFAULT_MODEL,
                 prompt_version: str = PROMPT_VERSION, chunk_chars: int = CHUNK_CHARS,
                 corpus: object | None = None) -> None:
        directory = Path(directory)
        if not directory.is_dir():
            raise ConfigError(f"no recorded model answers at {directory}: not a folder",
                              hint="pass the model-call cache folder of an anthropic run (--replay-dir)")
        self.cache = ModelCallCache(directory)
        self.model = model
        self.prompt_version = prompt_version
        self.chunk_chars = chunk_chars
        self.grounding = Grounding(corpus)      # as the anthropic backend grounds its answers

    def answer(self, document: SourceDocument, text: str, aliases: Mapping[str, str]) -> BackendAnswer:
        """The recorded claims for each chunk of ``text``; a missing record is a problem."""
        chunks, problems = chunk_document(document, text, budget=self.chunk_chars)
        sha = document.sha256 if text == document.text else SourceDocument(document.url, document.kind, text).sha256
        claims: list[Claim] = []
        hits = 0
        for chunk in chunks:
            key = CallKey(self.prompt_version, self.model, sha, chunk.index, chunk.sha256)
            where = f"{document.url} (chunk {chunk.index + 1}/{chunk.count})"
            try:
                record = self.cache.get(key)
            except CacheEntryError as exc:
                problems.append(f"{where}: unreadable recorded answer, key {key.digest}: {exc.message}")
                continue
            if record is None:
                problems.append(f"{where}: no recorded answer (key {key.digest}: prompt {self.prompt_version}, "
                                f"model {self.model}, document sha256 {sha[:12]}...) in {self.cache.directory}")
                continue
            hits += 1
            found, bad = read_claims(record.answer, document, text, where)
            claims.extend(found)
            problems.extend(bad)
        return self.grounding.answer(BackendAnswer(claims=claims, problems=problems, usage=Usage(cache_hits=hits)),
                                     aliases, text, document.url)

    def trace(self, document: SourceDocument, text: str, aliases: Mapping[str, str]) -> list[Claim]:
        """Just the claims (``answer(...).claims``)."""
        return self.answer(document, text, aliases).claims

    def __repr__(self) -> str:
        return f"ReplayBackend({str(self.cache.directory)!r}, model={self.model!r})"
