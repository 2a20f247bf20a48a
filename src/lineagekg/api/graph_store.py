"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store`` (indirect graph identification:
``?graph=IRI`` or ``?default``).

GET and HEAD read a graph (content negotiation) without a token; PUT (replace), POST (merge) and
DELETE need the update token, and what they leave behind passes SHACL first: a write with
violations changes nothing and answers 422 with the report. ``?default`` is the store's own
default graph (the triples outside any named graph), not the union that ``/sparql`` queries see.
The ontology graph is read-only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from lineagekg.api.admission import client_of
from lineagekg.api.auth import authorize_write
from lineagekg.api.bodies import content_type, decode_utf8, read_body
from lineagekg.api.conneg import GRAPH_FORMATS, GRAPH_TYPES, media_type_of, negotiate
from lineagekg.api.deps import limiter_of, settings_of, store_of
from lineagekg.api.problems import GatewayError
from lineagekg.api.results import not_acceptable, serialize_graph
from lineagekg.errors import InputError
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.store.oxigraph import OxigraphStore, WriteOutcome

__all__ = ["MAX_GRAPH_BYTES", "router"]

router = APIRouter(tags=["Graph Store Protocol"])

MAX_GRAPH_BYTES = 64 * 1024 * 1024      # the largest graph a PUT or POST may send
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_TARGET = [
    {"name": "graph", "in": "query", "required": False, "schema": {"type": "string", "format": "uri"},
     "description": "the IRI of the named graph"},
    {"name": "default", "in": "query", "required": False, "schema": {"type": "string"},
     "allowEmptyValue": True, "description": "present (with no value): the store's default graph"},
]
_RDF_BODY = {"required": True, "content": {t: {"schema": {"type": "string"}} for t in GRAPH_TYPES[:4]}}


def _target(request: Request) -> str | None:
    """The graph a request names: an IRI, or ``None`` for the default graph.

    Raises:
        GatewayError: 400 unless exactly one of ``graph=IRI`` and ``default`` is given.
    """
    graphs = request.query_params.getlist("graph")
    default = "default" in request.query_params
    if len(graphs) + int(default) != 1:
        raise GatewayError(400, "bad-graph-target", "name exactly one graph: ?graph=IRI or ?default")
    if default:
        return None
    graph = graphs[0]
    if not _ABSOLUTE_IRI.match(graph):
        raise GatewayError(400, "bad-graph-target", f"graph={graph!r} is not an absolute IRI")
    try:
        ox.NamedNode(graph)
    except ValueError as exc:
        raise GatewayError(400, "bad-graph-target", f"graph={graph!r} is not an IRI: {exc}") from None
    return graph


def _writable(request: Request) -> str | None:
    authorize_write(request, settings_of(request))
    graph = _target(request)
    if graph == ONTOLOGY_GRAPH:
        raise GatewayError(403, "read-only-graph", f"the ontology graph {graph} is read-only",
                           hint="it is loaded from ontology/ when the store opens")
    return graph


async def _triples(request: Request, graph: str | None) -> list[ox.Triple]:
    """The RDF in the request body, parsed by its Content-Type (relative IRIs against the graph)."""
    media, charset = content_type(request)
    fmt = GRAPH_FORMATS.get(media)
    if fmt is None:
        raise GatewayError(415, "unsupported-media-type",
                           f"cannot read a graph from {media or 'a body without Content-Type'}",
                           hint="send one of: " + ", ".join(GRAPH_TYPES[:4]))
    body = await read_body(request, MAX_GRAPH_BYTES, "the graph")
    decode_utf8(body, charset, "the graph")
    base = graph or str(request.url.replace(query=""))
    try:
        return [q.triple for q in ox.parse(body, format=fmt, base_iri=base)]
    except SyntaxError as exc:
        raise InputError(f"the graph is not valid {media}: {exc}", field="body") from exc


def _answer(outcome: WriteOutcome, *, created: bool) -> JSONResponse:
    if outcome.report is not None:
        outcome.report.raise_for_violations(what=outcome.what)
    return JSONResponse(outcome.as_dict(), status_code=201 if created else 200)


@router.head("/store", include_in_schema=False)
@router.get("/store", summary="Read a graph (Graph Store Protocol)",
            response_class=Response, openapi_extra={"parameters": _TARGET},
            responses={200: {"description": "the graph", "content": {t: {} for t in GRAPH_TYPES[:4]}},
                       404: {"description": "no such named graph"}, 406: {"description": "no acceptable format"}})
def read_graph(request: Request) -> Response:
    """The triples of ``?graph=IRI`` (or ``?default``), in the format the Accept header asks for."""
    graph = _target(request)
    accept = request.headers.get("accept")
    chosen = negotiate(accept, GRAPH_TYPES)
    if chosen is None:
        raise not_acceptable(accept, GRAPH_TYPES[:4])
    store = store_of(request)
    if graph is not None and not store.has_graph(graph):
        raise GatewayError(404, "unknown-graph", f"no graph {graph} in the store")
    body = serialize_graph(store.graph_triples(graph), chosen)
    return Response(b"" if request.method == "HEAD" else body, media_type=media_type_of(chosen, GRAPH_FORMATS),
                    headers={"Vary": "Accept", "Content-Length": str(len(body))})


_WRITE_RESPONSES: dict[int | str, dict[str, str]] = {
    201: {"description": "created"}, 401: {"description": "no or wrong token"},
    403: {"description": "read-only"}, 422: {"description": "SHACL violations; nothing written"}}


async def _write_graph(request: Request, write: Callable[..., WriteOutcome]) -> JSONResponse:
    """PUT (``replace_graph``) or POST (``merge_into_graph``) the request's triples: parsed,
    validated with the store's shapes and written in one transaction, within the query limits."""
    graph = _writable(request)
    triples = await _triples(request, graph)
    store = store_of(request)
    existed = graph is None or store.has_graph(graph)
    outcome = await limiter_of(request).run(
        lambda deadline: write(store, graph, triples, before_commit=deadline.commit),
        client=client_of(request))
    return _answer(outcome, created=not existed)


@router.put("/store", summary="Replace a graph (Graph Store Protocol; needs the update token)",
            openapi_extra={"parameters": _TARGET, "requestBody": _RDF_BODY}, responses=_WRITE_RESPONSES)
async def replace_graph(request: Request) -> JSONResponse:
    """Make the graph hold exactly the triples sent (validated first: all or nothing)."""
    return await _write_graph(request, OxigraphStore.replace_graph)


@router.post("/store", summary="Add to a graph (Graph Store Protocol; needs the update token)",
             openapi_extra={"parameters": _TARGET, "requestBody": _RDF_BODY}, responses=_WRITE_RESPONSES)
async def merge_graph(request: Request) -> JSONResponse:
    """Add the triples sent to the graph (validated first: all or nothing)."""
    return await _write_graph(request, OxigraphStore.merge_into_graph)


@router.delete("/store", summary="Delete a graph (Graph Store Protocol; needs the update token)",
               openapi_extra={"parameters": _TARGET},
               responses={401: {"description": "no or wrong token"}, 403: {"description": "read-only"},
                          404: {"description": "no such named graph"},
                          422: {"description": "what is left would violate the shapes; nothing written"}})
async def delete_graph(request: Request) -> JSONResponse:
    """Remove the named graph (or empty the default graph), if what is left still conforms."""
    graph = _writable(request)
    store = store_of(request)
    if graph is not None and not store.has_graph(graph):
        raise GatewayError(404, "unknown-graph", f"no graph {graph} in the store")
    outcome = await limiter_of(request).run(
        lambda deadline: store.delete_graph(graph, before_commit=deadline.commit),
        client=client_of(request))
    return _answer(outcome, created=False)
