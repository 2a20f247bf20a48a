"""What browsers and Linked Data clients need beyond the routes: CORS (so a page on another
origin can read ``/sparql`` and the VoID), ``HEAD`` on every ``GET`` route, and ``OPTIONS`` on
every path (a preflight gets CORS's answer, any other OPTIONS an ``Allow`` list, never 405)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineagekg.api.settings import GatewaySettings

ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]
#: headers a SPARQL client sends (content negotiation, a query by POST, the update token)
ALLOWED_HEADERS = ["Accept", "Content-Type", "Authorization"]
#: headers a page may read from an answer (row-limit notice, paging, rate limits)
EXPOSED_HEADERS = ["Link", "Retry-After", "X-Lineagekg-Truncated", "X-Lineagekg-Row-Limit", "Content-Location"]


class HeadAndOptions:
    """HEAD answered as GET without a body; OPTIONS that is no CORS preflight answered 204."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204,
                        "headers": [(b"allow", ", ".join(ALLOWED_METHODS).encode())]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def install_cross_origin(app: FastAPI, settings: GatewaySettings) -> None:
    """HEAD/OPTIONS handling, then CORS outermost (so a preflight never reaches the routes)."""
    app.add_middleware(HeadAndOptions)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=ALLOWED_METHODS, allow_headers=ALLOWED_HEADERS,
                           expose_headers=EXPOSED_HEADERS, allow_credentials=False, max_age=600)
