"""Errors as RFC 9457 problem JSON (``type``, ``title``, ``status``, ``detail``): the one place
where the library's error hierarchy becomes HTTP statuses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from lineagekg.errors import (
    AmbiguousClaimError,
    ClaimNotPendingError,
    ConfigError,
    InputError,
    LineageKGError,
    ModelCallError,
    QueryError,
    QueryNotFoundError,
    QueryShapeError,
    ShapeValidationError,
    StoreError,
    UnknownClaimError,
    UnknownDatasetError,
)

__all__ = ["PROBLEM_JSON", "GatewayError", "Problem", "install_problem_handlers", "problem", "problem_responses",
           "status_of"]

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "https://w3id.org/lineagekg/problems/"


class Problem(BaseModel):
    """An error as RFC 9457 problem JSON (the OpenAPI document's schema for it)."""

    type: str = Field(description="IRI naming the kind of problem")
    title: str = Field(description="The HTTP status in words")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong, and where")
    hint: str | None = Field(None, description="What to do next (close dataset names, for instance)")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the problem JSON answers of a route (400 and other 4xx always)."""
    words = {400: "A parameter is missing or invalid", 404: "No such dataset in the store",
             503: "The store cannot be read"}
    schema = {"content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}}}
    found: dict[int | str, dict[str, object]] = {
        s: {"description": words[s], **schema} for s in sorted({400, 503, *statuses})}
    found["4XX"] = {"description": "Another client error (method not allowed, not acceptable)", **schema}
    return found


class GatewayError(LineageKGError):
    """An HTTP-level refusal of the gateway itself (no token, query too long, SERVICE refused,
    time or row limit); ``status`` is the HTTP status and ``kind`` the problem type's name."""

    def __init__(self, status: int, kind: str, message: str, *, hint: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.kind = kind
        self.headers = headers or {}


_STATUS: list[tuple[type[LineageKGError], int, str]] = [
    (UnknownDatasetError, 404, "unknown-dataset"),
    (UnknownClaimError, 404, "unknown-claim"),
    (AmbiguousClaimError, 400, "ambiguous-claim"),
    (ClaimNotPendingError, 409, "claim-not-pending"),
    (ModelCallError, 503, "model-unavailable"),
    (QueryNotFoundError, 404, "unknown-query"),
    (QueryShapeError, 400, "query-too-complex"),
    (QueryError, 400, "bad-query"),
    (ShapeValidationError, 422, "shacl-violation"),
    (InputError, 400, "bad-input"),
    (StoreError, 503, "store-unavailable"),
    (ConfigError, 500, "configuration"),
]


def status_of(exc: LineageKGError) -> tuple[int, str]:
    """HTTP status and problem type name for a library error."""
    if isinstance(exc, GatewayError):
        return exc.status, exc.kind
    for cls, status, kind in _STATUS:
        if isinstance(exc, cls):
            return status, kind
    return 500, "internal"


def problem(status: int, kind: str, title: str, detail: str, *, hint: str | None = None,
            headers: dict[str, str] | None = None, **extra: object) -> JSONResponse:
    body: dict[str, object] = {"type": _TYPE_BASE + kind, "title": title, "status": status, "detail": detail}
    if hint:
        body["hint"] = hint
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 406: "Not Acceptable", 413: "Content Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Content", 500: "Internal Server Error",
           503: "Service Unavailable", 504: "Gateway Timeout"}


def install_problem_handlers(app: FastAPI) -> None:
    """Translate library errors, HTTP errors and request-validation errors into problem JSON."""

    @app.exception_handler(LineageKGError)
    async def _library_error(request: Request, exc: LineageKGError) -> JSONResponse:
        status, kind = status_of(exc)
        extra: dict[str, object] = {}
        if isinstance(exc, ShapeValidationError):
            extra["violations"] = [v.describe() for v in exc.report.violations[:50]]
        headers = exc.headers if isinstance(exc, GatewayError) else None
        return problem(status, kind, _TITLES.get(status, "Error"), exc.message, hint=exc.hint,
                       headers=headers, **extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem(exc.status_code, "http-" + str(exc.status_code), _TITLES.get(exc.status_code, "Error"),
                       detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg')}")
        return problem(400, "invalid-request", "Bad Request", "; ".join(parts) or "invalid request")
