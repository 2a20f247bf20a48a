"""Gateway settings: who may write, which SERVICE endpoints may be reached, and query limits."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lineagekg.errors import ConfigError

__all__ = ["GatewaySettings"]


def _number(env: Mapping[str, str], name: str, default: float, kind: type, *, zero: bool = False) -> float:
    """The number in ``env[name]`` (``default`` when unset); greater than 0, or 0 too with ``zero``."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a {kind.__name__}") from None
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"{name}={raw!r} must be {'0 or more' if zero else 'greater than 0'}")
    return value


@dataclass(frozen=True)
class GatewaySettings:
    """What the gateway allows. Read-only unless ``update_token`` is set."""

    update_token: str | None = None             # bearer token for SPARQL Update and GSP writes
    service_allowlist: tuple[str, ...] = ()     # SERVICE endpoints a query may reach
    query_timeout: float = 10.0                 # seconds per query
    max_rows: int = 10_000                      # result rows (or triples) per query
    max_query_length: int = 100_000             # characters of query or update text
    max_concurrent_queries: int = 4             # REST analyses and updates running at once (threads)
    query_workers: int = 2                      # processes running users' SPARQL queries
    query_memory_mb: int = 1024                 # address space a query may add to its worker (MiB)
    client_queries: int = 1                     # SPARQL queries one client may run at once (REST: half the slots)
    client_seconds_per_minute: float = 60.0     # query time one client may use per minute, per pool
    cors_origins: tuple[str, ...] = ("*",)      # origins whose browser pages may read the gateway
    analysis_workers: int = 2                   # processes running REST analyses (0: threads in the gateway)
    response_cache_mb: int = 64                 # cached GET answers (MiB; 0: validators and 304 only)
    inline_max_datasets: int = 20_000           # index-backed analyses in the gateway up to this size (0: never)
    coalesce_waiting: int = 256                 # requests that may wait for the same one running (0: none wait)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewaySettings:
        """Settings from ``LINEAGEKG_UPDATE_TOKEN``, ``LINEAGEKG_SERVICE_ALLOWLIST`` (space or
        comma separated IRIs), ``LINEAGEKG_QUERY_TIMEOUT`` (s), ``LINEAGEKG_MAX_ROWS`` and
        ``LINEAGEKG_MAX_QUERY_LENGTH``, ``LINEAGEKG_MAX_CONCURRENT_QUERIES``,
        ``LINEAGEKG_QUERY_WORKERS``, ``LINEAGEKG_QUERY_MEMORY_MB``, ``LINEAGEKG_CLIENT_QUERIES`` and
        ``LINEAGEKG_CLIENT_SECONDS_PER_MINUTE``, ``LINEAGEKG_ANALYSIS_WORKERS`` (0 or more) and
        ``LINEAGEKG_RESPONSE_CACHE_MB``, ``LINEAGEKG_INLINE_MAX_DATASETS`` and
        ``LINEAGEKG_COALESCE_WAITING`` (0 or more) (see
        docs/gateway.md), and
        ``LINEAGEKG_CORS_ORIGINS`` (space or comma separated origins, ``*`` for any (the default),
        empty for none)."""
        env = os.environ if env is None else env
        allow = env.get("LINEAGEKG_SERVICE_ALLOWLIST", "").replace(",", " ").split()
        origins = env.get("LINEAGEKG_CORS_ORIGINS")
        return cls(
            cors_origins=cls.cors_origins if origins is None else tuple(origins.replace(",", " ").split()),
            update_token=env.get("LINEAGEKG_UPDATE_TOKEN") or None,
            service_allowlist=tuple(allow),
            query_timeout=float(_number(env, "LINEAGEKG_QUERY_TIMEOUT", cls.query_timeout, float)),
            max_rows=int(_number(env, "LINEAGEKG_MAX_ROWS", cls.max_rows, int)),
            max_query_length=int(_number(env, "LINEAGEKG_MAX_QUERY_LENGTH", cls.max_query_length, int)),
            max_concurrent_queries=int(_number(env, "LINEAGEKG_MAX_CONCURRENT_QUERIES",
                                               cls.max_concurrent_queries, int)),
            query_workers=int(_number(env, "LINEAGEKG_QUERY_WORKERS", cls.query_workers, int)),
            query_memory_mb=int(_number(env, "LINEAGEKG_QUERY_MEMORY_MB", cls.query_memory_mb, int)),
            client_queries=int(_number(env, "LINEAGEKG_CLIENT_QUERIES", cls.client_queries, int)),
            client_seconds_per_minute=float(_number(env, "LINEAGEKG_CLIENT_SECONDS_PER_MINUTE",
                                                    cls.client_seconds_per_minute, float)),
            analysis_workers=int(_number(env, "LINEAGEKG_ANALYSIS_WORKERS", cls.analysis_workers, int, zero=True)),
            response_cache_mb=int(_number(env, "LINEAGEKG_RESPONSE_CACHE_MB", cls.response_cache_mb, int, zero=True)),
            inline_max_datasets=int(_number(env, "LINEAGEKG_INLINE_MAX_DATASETS", cls.inline_max_datasets, int,
                                             zero=True)),
            coalesce_waiting=int(_number(env, "LINEAGEKG_COALESCE_WAITING", cls.coalesce_waiting, int, zero=True)),
        )
