"""The SPARQL 1.1 Protocol: queries at ``/sparql`` (GET, POST form, POST ``application/sparql-query``),
updates at ``/update`` and as ``update=`` on ``/sparql``, and the service description on ``GET
/sparql`` without a query. Also mounts the Graph Store Protocol (``/store``) and VoID.

Every query and update is checked before it runs (its length; its shape, which must not nest
or chain deeper than the parser survives; where its SERVICE and LOAD lead)
and runs within the gateway's limits (``query_limits``). The check runs in the shared thread pool,
before the work takes a query slot and away from the thread that will hold pyoxigraph's results:
rdflib's parser leaves reference cycles that keep their callers' frames alive, and pyoxigraph's
results may only be freed by the thread that made them. Updates need the bearer token and are
validated with SHACL before anything is written (``OxigraphStore.update``). Formats come from the
``Accept`` header only: parameters such as ``format=`` or ``output=``, which some clients add,
are ignored.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lineagekg.api.admission import client_of
from lineagekg.api.auth import authorize_write
from lineagekg.api.bodies import content_type, decode_utf8, read_body
from lineagekg.api.conneg import GRAPH_FORMATS, GRAPH_TYPES, RESULT_TYPES, media_type_of, negotiate
from lineagekg.api.deps import answer_cache_of, limiter_of, settings_of, store_of
from lineagekg.api.inspection import check_reach, reach, with_protocol_dataset
from lineagekg.api.problems import GatewayError
from lineagekg.api.query_limits import Deadline
from lineagekg.api.query_workers import QueryFailure, QueryJob, run_user_query
from lineagekg.api.results import not_acceptable, serialize_graph
from lineagekg.api.service_description import describe_service
from lineagekg.api.settings import GatewaySettings
from lineagekg.sparql_text import check_shape

__all__ = ["router"]

router = APIRouter(tags=["SPARQL"])

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"


@dataclass
class ProtocolRequest:
    """One protocol operation as the request states it."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise GatewayError(400, "bad-request", f"give one {name}, not {len(values)}")
    return values[0] if values else None


def _operation(params: list[tuple[str, str]], *, query: str | None = None,
               update: str | None = None) -> ProtocolRequest:
    if query is not None and any(k == "query" for k, _ in params):
        raise GatewayError(400, "bad-request", "the query is in the body; do not repeat it as query=")
    if update is not None and any(k == "update" for k, _ in params):
        raise GatewayError(400, "bad-request", "the update is in the body; do not repeat it as update=")
    query = query if query is not None else _single(params, "query")
    update = update if update is not None else _single(params, "update")
    if query is not None and update is not None:
        raise GatewayError(400, "bad-request", "give a query or an update, not both")

    def every(name: str) -> list[str]:
        return [v for k, v in params if k == name]

    return ProtocolRequest(query=query, update=update, default_graphs=every("default-graph-uri"),
                           named_graphs=every("named-graph-uri"), using_graphs=every("using-graph-uri"),
                           using_named_graphs=every("using-named-graph-uri"))


async def _read(request: Request, settings: GatewaySettings) -> ProtocolRequest:
    """The operation of a GET or POST, by the protocol's rules for each media type."""
    params = list(request.query_params.multi_items())
    if request.method == "GET":
        return _operation(params)
    media, charset = content_type(request)
    limit = settings.max_query_length * 12 + 64 * 1024   # %-encoded UTF-8 is at most 12 bytes a character
    if media == _FORM:
        body = decode_utf8(await read_body(request, limit, "the form"), charset, "the form")
        try:
            form = urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=False,
                                          encoding="utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise GatewayError(400, "bad-encoding", f"the form is not valid UTF-8: {exc}") from None
        return _operation(params + form)
    if media in (_QUERY, _UPDATE):
        kind = "query" if media == _QUERY else "update"
        text = decode_utf8(await read_body(request, limit, f"the {kind}"), charset, f"the {kind}")
        return _operation(params, **{kind: text})
    raise GatewayError(415, "unsupported-media-type",
                       f"a SPARQL POST must be {_FORM}, {_QUERY} or {_UPDATE}, not {media or 'untyped'}")


def _check_length(text: str, settings: GatewaySettings, what: str) -> None:
    if len(text) > settings.max_query_length:
        raise GatewayError(413, "query-too-long",
                           f"the {what} has {len(text)} characters; the gateway accepts at most "
                           f"{settings.max_query_length}")


def _endpoint(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


async def _answer_query(request: Request, op: ProtocolRequest) -> Response:
    settings = settings_of(request)
    text = op.query or ""
    _check_length(text, settings, "query")
    check_shape(text)
    accept = request.headers.get("accept")
    if negotiate(accept, RESULT_TYPES) is None and negotiate(accept, GRAPH_TYPES) is None:
        raise not_acceptable(accept, RESULT_TYPES[:4] + GRAPH_TYPES[:4])
    base = _endpoint(request)
    dataset = bool(op.default_graphs or op.named_graphs)
    found = await run_in_threadpool(reach, text, update=False, base_iri=base)
    check_reach(found, settings.service_allowlist)

    job = QueryJob(text, base, op.default_graphs if dataset else None, op.named_graphs if dataset else None,
                   accept, settings.max_rows, settings.query_timeout)
    reply = await run_user_query(request, job)
    if isinstance(reply, QueryFailure):
        if found.services and reply.evaluation:
            raise GatewayError(502, "service-failed",
                               f"the query failed, possibly at its SERVICE endpoint "
                               f"({', '.join(found.services)}): {reply.message}")
        raise reply.error()
    body, media = reply
    return Response(body, media_type=media, headers={"Vary": "Accept"})


async def _run_update(request: Request, op: ProtocolRequest) -> JSONResponse:
    settings, store = settings_of(request), store_of(request)
    authorize_write(request, settings)
    text = op.update or ""
    _check_length(text, settings, "update")
    check_shape(text, what="update")
    if op.default_graphs or op.named_graphs:
        raise GatewayError(400, "bad-request", "an update takes using-graph-uri/using-named-graph-uri, "
                                               "not default-graph-uri/named-graph-uri")
    base = _endpoint(request)
    found = await run_in_threadpool(reach, text, update=True, base_iri=base,
                                    dataset_params=bool(op.using_graphs or op.using_named_graphs))
    check_reach(found, settings.service_allowlist)
    rewritten = with_protocol_dataset(text, found, op.using_graphs, op.using_named_graphs)

    def work(deadline: Deadline) -> JSONResponse:
        outcome = store.update(rewritten, base_iri=base, before_commit=deadline.commit)
        if outcome.report is not None:
            outcome.report.raise_for_violations(what="the update")
        return JSONResponse(outcome.as_dict())

    return await limiter_of(request).run(work, client=client_of(request))


def _service_description(request: Request) -> Response:
    accept = request.headers.get("accept")
    chosen = negotiate(accept, GRAPH_TYPES)
    if chosen is None:
        raise not_acceptable(accept, GRAPH_TYPES[:4])
    store, settings = store_of(request), settings_of(request)
    endpoint = _endpoint(request)

    def build() -> tuple[bytes, list[ox.Triple]]:
        triples = describe_service(store, settings, endpoint, str(request.base_url).rstrip("/") + "/.well-known/void")
        return serialize_graph(triples, "text/turtle"), triples

    turtle, triples = answer_cache_of(request).get("service-description", endpoint, build)
    body = turtle if chosen == "text/turtle" else serialize_graph(triples, chosen)
    return Response(body, media_type=media_type_of(chosen, GRAPH_FORMATS), headers={"Vary": "Accept"})


_QUERY_PARAMS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "the SPARQL query; without it, the service description"},
    {"name": "default-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
]
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "SELECT/ASK results or a CONSTRUCT/DESCRIBE graph, by the Accept header",
          "content": {t: {} for t in RESULT_TYPES[:4] + GRAPH_TYPES[:4]}},
    400: {"description": "syntax error (the parser's message)"},
    403: {"description": "SERVICE endpoint not on the allowlist"},
    406: {"description": "no acceptable format"}, 413: {"description": "query too long"},
    422: {"description": "more rows than the gateway's limit"},
    503: {"description": "all query slots busy"}, 504: {"description": "past the time limit"},
}
_POST_BODY = {"required": True, "content": {
    _FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"},
                                                        "update": {"type": "string"}}}},
    _QUERY: {"schema": {"type": "string"}}, _UPDATE: {"schema": {"type": "string"}}}}


@router.get("/sparql", summary="SPARQL query by GET (or the service description)", response_class=Response,
            openapi_extra={"parameters": _QUERY_PARAMS}, responses=_ANSWERS)
async def sparql_get(request: Request) -> Response:
    """A query in ``query=``; without one, the service description (Turtle by default)."""
    op = await _read(request, settings_of(request))
    if op.update is not None:
        raise GatewayError(400, "bad-request", "updates must be POSTed (to /update or /sparql)")
    if op.query is None:
        return await run_in_threadpool(_service_description, request)    # it reads the store
    return await _answer_query(request, op)


@router.post("/sparql", summary="SPARQL query or update by POST", response_class=Response,
             openapi_extra={"parameters": _QUERY_PARAMS[1:], "requestBody": _POST_BODY}, responses=_ANSWERS)
async def sparql_post(request: Request) -> Response:
    """A query (form ``query=`` or ``application/sparql-query``) or an update (form ``update=`` or
    ``application/sparql-update``, with the bearer token)."""
    op = await _read(request, settings_of(request))
    if op.update is not None:
        return await _run_update(request, op)
    if op.query is None:
        raise GatewayError(400, "bad-request", "the POST holds no query= or update=")
    return await _answer_query(request, op)


@router.post("/update", summary="SPARQL update (needs the update token)",
             openapi_extra={"requestBody": _POST_BODY},
             responses={200: {"description": "written: counts of quads added and removed, SHACL warnings"},
                        400: {"description": "syntax error"}, 401: {"description": "no or wrong token"},
                        403: {"description": "read-only gateway, or SERVICE/LOAD not on the allowlist"},
                        413: {"description": "update too long"},
                        422: {"description": "SHACL violations; nothing was written"}})
async def sparql_update(request: Request) -> JSONResponse:
    """An update (``application/sparql-update`` or form ``update=``), validated with SHACL before
    anything is written: all or nothing."""
    op = await _read(request, settings_of(request))
    if op.query is not None:
        raise GatewayError(400, "bad-request", "queries go to /sparql; /update takes update= only")
    if op.update is None:
        raise GatewayError(400, "bad-request", "the POST holds no update")
    return await _run_update(request, op)
