"""Request bodies for the protocol endpoints: read with a size cap, typed by ``Content-Type``,
decoded as UTF-8 only (what the SPARQL 1.1 Protocol requires)."""

from __future__ import annotations

from fastapi import Request

from lineagekg.api.problems import GatewayError

__all__ = ["content_type", "decode_utf8", "read_body"]


def content_type(request: Request) -> tuple[str, str | None]:
    """The request's media type (lower case, without parameters) and its charset, if given."""
    raw = request.headers.get("content-type") or ""
    media, *params = [p.strip() for p in raw.split(";")]
    charset = None
    for p in params:
        name, _, value = p.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


async def read_body(request: Request, limit: int, what: str) -> bytes:
    """The whole body, refusing (413) one longer than ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(what, limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(what, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def decode_utf8(body: bytes, charset: str | None, what: str) -> str:
    """``body`` as text; anything but UTF-8 is refused (415), bad bytes too (400)."""
    if charset not in (None, "utf-8", "utf8"):
        raise GatewayError(415, "unsupported-charset", f"{what} must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GatewayError(400, "bad-encoding", f"{what} is not valid UTF-8: {exc}") from None


def _too_large(what: str, limit: int) -> GatewayError:
    return GatewayError(413, "too-large", f"{what} is larger than the gateway accepts ({limit} bytes)")
