"""The one interface every tracing backend offers, and what a backend's answer carries.

A backend reads one document and answers with the lineage claims it states, the problems it met
(a model answer that is not valid JSON, a relation outside the taxonomy: each a clear message,
counted and recorded, never an exception that stops a trace) and what the answer cost (tokens,
model calls, cache hits), so the tracer can record it in the run's PROV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from lineagekg.documents import Claim, SourceDocument

__all__ = ["BackendAnswer", "TraceBackend", "Usage"]


@dataclass(frozen=True)
class Usage:
    """What answering cost: tokens of the model calls made, calls made, calls served from cache."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0          # prompt-cache reads (Anthropic prompt caching)
    cache_write_tokens: int = 0
    model_calls: int = 0                # requests that reached a model API
    cache_hits: int = 0                 # answers read from the model-call cache instead

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.input_tokens, self.output_tokens, self.cache_read_tokens, self.cache_write_tokens,
                self.model_calls, self.cache_hits)


@dataclass(frozen=True)
class BackendAnswer:
    """The claims a backend found in one document, the problems it met, and the cost."""

    claims: list[Claim]
    problems: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


@runtime_checkable
class TraceBackend(Protocol):
    """A tracing backend: ``kind`` (heuristic, anthropic, replay), the ``model`` it asks and the
    ``prompt_version`` of its instructions (both part of every cache key and of the run's PROV)."""

    kind: str
    model: str
    prompt_version: str

    def answer(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> BackendAnswer:
        """Claims stated in ``text`` (the text of ``document``), with problems and usage."""
        ...

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]:
        """Just the claims (``answer(...).claims``)."""
        ...
