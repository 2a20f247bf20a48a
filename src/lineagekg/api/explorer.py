"""The explorer page: ``GET /`` serves the one-page lineage explorer and ``/static/`` its script,
style and the JavaScript libraries vendored from npm (``static/vendor``, licences in its
``NOTICE.md``; ``scripts/vendor_js.sh`` refreshes them). The page talks only to this gateway
(``/api/v1`` and ``/sparql``); its Content-Security-Policy tells the browser so, so no script,
style or request can reach another host (no CDN). ``GET /api/v1/docs`` is Swagger UI, vendored
the same way and served under the same policy."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "router"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY,
                                 "Cache-Control": "no-cache",
                                 "X-Content-Type-Options": "nosniff"})


@router.get("/")
def explorer_page() -> FileResponse:
    """The explorer page (static HTML; everything it shows comes from the REST API)."""
    return _page("index.html")


@router.get("/api/v1/docs")
def api_docs_page() -> FileResponse:
    """Swagger UI over ``/api/v1/openapi.json``, from the vendored copy (no CDN)."""
    return _page("api-docs.html")


router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
