"""What browsers and Linked Data clients need beyond the routes: CORS (so a page on another
origin can read ``/sparql`` and the VoID), ``HEAD`` on every ``GET`` route, and ``OPTIONS`` on
every path (a preflight gets CORS's answer, any other OPTIONS an ``Allow`` list, never 405)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineagekg.api.settings import GatewaySettings

ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]
#: headers a SPARQL client sends (content negotiation, a query by POST, the update token)
ALLOWED_HEADERS = ["Accept", "Content-Type", "Authorization", "If-None-Match", "If-Modified-Since"]
#: headers a page may read from an answer (row-limit notice, paging, rate limits)
EXPOSED_HEADERS = ["Link", "Retry-After", "X-Lineagekg-Truncated", "X-Lineagekg-Row-Limit", "Content-Location",
                   "ETag", "Last-Modified"]


class HeadAndOptions:
    """HEAD answered as GET without a body; OPTIONS that is no CORS preflight answered 204 with
    the methods the path has (from the OpenAPI document of ``api``)."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._methods: list[tuple[re.Pattern[str], list[str]]] | None = None

    def allowed(self, path: str) -> list[str]:
        """The methods of ``path``: its documented ones, HEAD with GET, and OPTIONS."""
        if self._methods is None:
            self._methods = [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p)) + "$"),
                              [m.upper() for m in ops if m.upper() in ALLOWED_METHODS])
                             for p, ops in self.api.openapi()["paths"].items()]
        methods = next((m for pattern, m in self._methods if pattern.match(path)), ["GET"])
        if "GET" in methods:
            methods = [*methods, "HEAD"]
        return [*dict.fromkeys([*methods, "OPTIONS"])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            allow = ", ".join(self.allowed(scope["path"])).encode()
            await send({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow)]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def install_cross_origin(app: FastAPI, settings: GatewaySettings) -> None:
    """HEAD/OPTIONS handling, then CORS outermost (so a preflight never reaches the routes)."""
    app.add_middleware(HeadAndOptions, api=app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=ALLOWED_METHODS, allow_headers=ALLOWED_HEADERS,
                           expose_headers=EXPOSED_HEADERS, allow_credentials=False, max_age=600)
