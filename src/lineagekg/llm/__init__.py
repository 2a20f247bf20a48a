"""Tracing backends: what turns a document's text into lineage claims.

``offline`` (the default) is the offline, deterministic extractor: dataset mentions in the parsed
document scored by a trained decision model (:mod:`lineagekg.extract`); ``heuristic`` is the earlier
cue-phrase rules, kept as a baseline for ``lineagekg eval``; ``anthropic`` asks Claude through one
forced tool call and keeps every answer in the model-call cache; ``replay`` answers from such
recorded answers with no network. All share one interface
(:class:`~lineagekg.llm.protocol.TraceBackend`): ``kind``, ``model``, ``prompt_version``,
``answer(...) -> BackendAnswer`` and ``trace(...) -> list[Claim]``. :func:`make_backend` builds one
by name. Nothing here imports the ``anthropic`` SDK until an anthropic backend is made.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from lineagekg.errors import ConfigError
from lineagekg.llm.protocol import BackendAnswer, TraceBackend, Usage

if TYPE_CHECKING:
    import anthropic

__all__ = ["BACKENDS", "BackendAnswer", "TraceBackend", "Usage", "make_backend"]

BACKENDS = ("offline", "heuristic", "anthropic", "replay")


def make_backend(name: str, *, model: str | None = None, cache_dir: Path | None = None,
                 replay_dir: Path | None = None, max_concurrency: int = 4,
                 client: anthropic.Anthropic | None = None, corpus: object | None = None) -> TraceBackend:
    """The tracing backend called ``name``.

    Args:
        name: ``offline`` (the trained extractor, no cache), ``heuristic`` (cue-phrase rules),
            ``anthropic`` or ``replay``.
        model: the model asked (anthropic) or whose answers are replayed; default
            :data:`~lineagekg.llm.anthropic_backend.DEFAULT_MODEL`.
        cache_dir: the model-call cache (default ``$LINEAGEKG_CACHE_DIR`` or
            ``~/.cache/lineagekg/model-calls``); replay reads it when ``replay_dir`` is not given.
        replay_dir: the recorded answers replay reads.
        max_concurrency: anthropic requests in flight at most.
        client: an ``anthropic.Anthropic`` client to use instead of one made from
            ``ANTHROPIC_API_KEY`` (tests, proxies).
        corpus: the corpus whose names (index, cards, DPI collection) the offline extractor's
            name registry knows; without it, the alias table the tracer passes.

    Raises:
        ConfigError: an unknown name, ``max_concurrency`` below 1, no ``ANTHROPIC_API_KEY`` for
            anthropic (and no client), or a replay folder that does not exist.
    """
    from lineagekg.llm.cache import ModelCallCache, default_cache_dir

    if max_concurrency < 1:
        raise ConfigError(f"max_concurrency must be 1 or more, not {max_concurrency}")
    if name == "offline":
        from lineagekg.extract.backend import OfflineBackend

        return OfflineBackend(corpus)
    if name == "heuristic":
        from lineagekg.llm.heuristic import HeuristicBackend

        return HeuristicBackend()
    if name == "anthropic":
        from lineagekg.llm.anthropic_backend import DEFAULT_MODEL, AnthropicBackend

        if client is None:
            key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
            if not key:
                raise ConfigError("the anthropic backend needs ANTHROPIC_API_KEY, which is not set",
                                  hint="export ANTHROPIC_API_KEY=..., or trace offline with --backend "
                                       "offline, or replay recorded answers with --backend replay")
            import anthropic as sdk

            client = sdk.Anthropic(api_key=key, max_retries=0)
        return AnthropicBackend(client, model=model or DEFAULT_MODEL,
                                cache=ModelCallCache(cache_dir or default_cache_dir()),
                                max_concurrency=max_concurrency, corpus=corpus)
    if name == "replay":
        from lineagekg.llm.anthropic_backend import DEFAULT_MODEL
        from lineagekg.llm.replay import ReplayBackend

        return ReplayBackend(replay_dir or cache_dir or default_cache_dir(), model=model or DEFAULT_MODEL,
                             corpus=corpus)
    raise ConfigError(f"unknown tracing backend {name!r}", hint=f"use one of: {', '.join(BACKENDS)}")
