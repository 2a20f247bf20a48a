"""The REST API under ``/api/v1``: each route calls one analysis of the library (which runs its
``.rq`` queries with bound parameters) and returns it as a typed answer.

Dataset ids contain slashes (``openai/gsm8k``), so they travel as the query parameter ``id`` (an
id, an alias or an IRI). Errors are the library's, translated to problem JSON in one place
(``api.problems``): an unknown dataset is a 404, a bad parameter a 400. Routes are written as
plain ``def`` and run in the gateway's analysis worker processes (``api.analysis_workers``), within
the time limit; those answered from the lineage index alone (``@index_backed``) in the gateway
process itself (``api.inline_analyses``).
"""

from __future__ import annotations

import functools
import inspect
import urllib.parse
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.routing import APIRoute

from lineagekg.analyses import MAX_LINEAGE_DEPTH, answers
from lineagekg.analyses import models as m
from lineagekg.api.admission import client_of
from lineagekg.api.analysis_workers import analysis_pool_of, run_analysis
from lineagekg.api.deps import AnswerCacheDep, LineageDep, limiter_of
from lineagekg.api.inline_analyses import index_backed, inline_of, is_index_backed
from lineagekg.api.problems import problem_responses
from lineagekg.interop import prov_documents
from lineagekg.iris import slug

__all__ = ["router"]


def _operation_id(route: APIRoute) -> str:
    """``{tag}-{name}``: stable operation ids for generated clients."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _within_limits(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` run within the gateway's limits: an :func:`index_backed` route in the gateway
    process from its pinned index when it has one for the store's version (``inline_analyses``:
    bounded, no deadline needed); else in an analysis worker process (``analysis_workers``;
    killed past the time limit), or with ``analysis_workers`` 0 in a thread of the query limiter;
    a 504 problem past the time limit, 503 when nothing frees up. The endpoint's parameters stay
    as declared; ``request`` is added for the limiter."""
    signature = inspect.signature(endpoint)
    bounded = is_index_backed(endpoint)

    @functools.wraps(endpoint)
    async def limited(*, request: Request, **params: Any) -> Any:
        if bounded and (answered := inline_of(request.app).answer(endpoint, params)) is not None:
            return answered
        if analysis_pool_of(request.app) is not None:
            return await run_analysis(request, endpoint, params)
        return await limiter_of(request).run(lambda _deadline: endpoint(**params), client=client_of(request))

    limited.__signature__ = signature.replace(parameters=[  # type: ignore[attr-defined]
        *signature.parameters.values(),
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)])
    return limited


class _LimitedRoute(APIRoute):
    """Every REST route runs within the gateway's query limits (see :func:`_within_limits`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _within_limits(endpoint), **kwargs)


router = APIRouter(generate_unique_id_function=_operation_id, route_class=_LimitedRoute)

DatasetId = Annotated[str, Query(
    alias="id", min_length=1, max_length=2048, examples=["openai/gsm8k"],
    description="The dataset: its identifier (openai/gsm8k), an alias (GSM8K) or its IRI")]
ExportFormat = Annotated[Literal["turtle", "jsonld", "provn", "provjson", "provxml"], Query(
    alias="format", description="Turtle or JSON-LD (PROV-O), or PROV-N, PROV-JSON, PROV-XML (named graphs as bundles)")]
Direction = Annotated[Literal["up", "down", "both"], Query(
    description="Ancestors (up), descendants (down) or both")]

_WITH_404 = problem_responses(404)
_NO_404 = problem_responses()
EXPORT_MEDIA_TYPES = {"turtle": "text/turtle", "jsonld": "application/ld+json", **prov_documents.MEDIA_TYPES}


# --- datasets --------------------------------------------------------------------------------
# Each JSON route returns the answer of one registered analysis (``analyses.answers``), as
# ``lineagekg <command> --format json`` prints it.

@router.get("/datasets", tags=["datasets"], responses=_NO_404, summary="Search datasets by name")
def search(lineage: LineageDep,
           q: Annotated[str, Query(max_length=500, examples=["gsm8k"], description=(
               "Part of an identifier, label or alias, case-insensitive; exact matches come first, "
               "then prefixes, then the rest. Empty: every dataset, by identifier"))] = "",
           limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 20,
           offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")] = 0,
           ) -> m.DatasetPage:
    return answers.datasets(lineage, q, limit=limit, offset=offset)


@router.get("/dataset", tags=["datasets"], responses=_WITH_404,
            summary="One dataset: metadata, direct sources and children")
def dataset(lineage: LineageDep, identifier: DatasetId) -> m.DatasetDescription:
    return answers.dataset(lineage, identifier)


# --- lineage analyses ------------------------------------------------------------------------

@router.get("/ancestors", tags=["lineage"], responses=_WITH_404,
            summary="Every dataset it derives from, nearest first")
@index_backed
def ancestors(lineage: LineageDep, identifier: DatasetId) -> m.RelatedAnswer:
    return answers.ancestors(lineage, identifier)


@router.get("/descendants", tags=["lineage"], responses=_WITH_404,
            summary="Every dataset derived from it, nearest first")
@index_backed
def descendants(lineage: LineageDep, identifier: DatasetId) -> m.RelatedAnswer:
    return answers.descendants(lineage, identifier)


@router.get("/roots", tags=["lineage"], responses=_WITH_404, summary="Its upstream roots and why each is terminal")
@index_backed
def roots(lineage: LineageDep, identifier: DatasetId) -> m.RelatedAnswer:
    return answers.roots(lineage, identifier)


@router.get("/lineage", tags=["lineage"], responses=_WITH_404,
            summary="The lineage around a dataset, as a graph to draw")
def lineage_graph(
        lineage: LineageDep, identifier: DatasetId, direction: Direction = "both",
        depth: Annotated[int, Query(ge=1, le=MAX_LINEAGE_DEPTH, description="Hops from the dataset")] = 3,
        max_nodes: Annotated[int, Query(ge=1, le=2000, description=(
            "At most this many datasets, nearest first; `truncated` says when more were within the depth"))] = 300,
        ) -> m.LineageGraph:
    return answers.lineage_graph(lineage, identifier, direction=direction, depth=depth, max_nodes=max_nodes)


@router.get("/tree", tags=["lineage"], responses=_WITH_404,
            summary="A dataset's lineage as a tree: its sources, or what derives from it")
def tree(lineage: LineageDep, identifier: DatasetId,
         direction: Annotated[Literal["up", "down"], Query(
             description="Its sources (up) or the datasets derived from it (down)")] = "up",
         depth: Annotated[int | None, Query(ge=1, le=1000, description="Levels to show (default: all)")] = None,
         ) -> m.TreeAnswer:
    return answers.tree(lineage, identifier, direction=direction, depth=depth)


@router.get("/path", tags=["lineage"], responses=_WITH_404,
            summary="A shortest lineage path between two datasets, in whichever direction exists")
@index_backed
def path(lineage: LineageDep,
         from_: Annotated[str, Query(alias="from", min_length=1, max_length=2048, examples=["example/math-mix"],
                                     description="A dataset (id, alias or IRI)")],
         to: Annotated[str, Query(min_length=1, max_length=2048, examples=["openai/gsm8k"],
                                  description="Another dataset (id, alias or IRI)")],
         ) -> m.PathAnswer:
    return answers.path(lineage, from_, to)


@router.get("/shared-roots", tags=["lineage"], responses=_WITH_404, summary="The roots every one of the datasets has")
@index_backed
def shared_roots(lineage: LineageDep,
                 identifiers: Annotated[list[str], Query(
                     alias="id", min_length=2, max_length=20, examples=[["example/math-mix", "vicgalle/alpaca-gpt4"]],
                     description="Two or more datasets (repeat the parameter)")],
                 ) -> m.SharedRootsAnswer:
    return answers.shared_roots(lineage, identifiers)


@router.get("/contamination", tags=["lineage"], responses=_WITH_404,
            summary="Every dataset that reaches a benchmark, with a shortest witness path")
def contamination(lineage: LineageDep, identifier: DatasetId) -> m.ContaminationAnswer:
    return answers.contamination(lineage, identifier)


@router.get("/redundancy", tags=["lineage"], responses=_NO_404,
            summary="Implicit intersections: a dataset built from X and from something derived from X")
def redundancy(lineage: LineageDep,
               limit: Annotated[int, Query(ge=1, le=100_000, description="At most this many items")] = 1000,
               ) -> m.RedundancyAnswer:
    return answers.redundancy(lineage, limit=limit)


@router.get("/structure", tags=["lineage"], responses=_NO_404,
            summary="Per domain: datasets, average depth, in- and out-degree, share of leaves")
def structure(lineage: LineageDep) -> m.StructureAnswer:
    return answers.structure(lineage)


@router.get("/stats", tags=["lineage"], responses=_NO_404, summary="Size of the lineage graph")
def stats(lineage: LineageDep) -> m.Statistics:
    return answers.stats(lineage)


# --- evidence and export ---------------------------------------------------------------------

@router.get("/evidence", tags=["evidence"], responses=_WITH_404,
            summary="Who said that target derives from source: quote, document, agent, model, review")
def evidence(lineage: LineageDep,
             target: Annotated[str, Query(min_length=1, max_length=2048, examples=["meta-math/MetaMathQA"],
                                          description="The derived dataset (id, alias or IRI)")],
             source: Annotated[str, Query(min_length=1, max_length=2048, examples=["openai/gsm8k"],
                                          description="The dataset it derives from (id, alias or IRI)")],
             ) -> m.EvidenceReport:
    return answers.evidence(lineage, target, source)


@router.get("/export", tags=["export"], response_class=Response,
            summary="A dataset's lineage subgraph (or, without id, the whole store) as PROV-O or PROV",
            responses={200: {"description": "The subgraph: datasets, plain and qualified derivations, "
                                            "bundles, documents, runs, agents", "content": {
                                 media: {"schema": {} if media.endswith("json") else {"type": "string"}}
                                 for media in EXPORT_MEDIA_TYPES.values()}},
                       **_WITH_404})
def export(lineage: LineageDep,
           identifier: Annotated[str | None, Query(
               alias="id", min_length=1, max_length=2048, examples=["openai/gsm8k"],
               description="The dataset (identifier, alias or IRI); without it, the whole store (its "
                           "named graphs as PROV bundles, or in JSON-LD; Turtle: their union)")] = None,
           fmt: ExportFormat = "turtle",
           direction: Direction = "both") -> Response:
    suffix = {"turtle": "ttl", "jsonld": "jsonld", "provn": "provn", "provjson": "json", "provxml": "xml"}[fmt]
    if identifier is None:
        return Response(lineage.store.export(fmt), media_type=EXPORT_MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'inline; filename="lineage-store.{suffix}"'})
    body = lineage.export(identifier, fmt=fmt, direction=direction)
    name = slug(lineage.name(lineage.resolve(identifier)))
    return Response(body, media_type=EXPORT_MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'inline; filename="{name}-lineage.{suffix}"'})


CatalogFormat = Annotated[Literal["turtle", "jsonld", "ntriples"], Query(alias="format",
                                                                      description="Turtle, JSON-LD or N-Triples")]


@router.get("/catalog", tags=["export"], response_class=Response, summary="The store as a DCAT 3 catalog",
            responses={200: {"description": "dcat:Catalog: datasets with distribution, landing page, licence "
                                            "IRIs and prov:wasDerivedFrom", "content": {
                                 "text/turtle": {"schema": {"type": "string"}},
                                 "application/ld+json": {"schema": {}},
                                 "application/n-triples": {"schema": {"type": "string"}}}},
                       **_NO_404})
def dcat_catalog(lineage: LineageDep, cache: AnswerCacheDep, fmt: CatalogFormat = "turtle") -> Response:
    from lineagekg.interop import dcat

    body = cache.get("catalog", fmt, lambda: dcat.catalog(lineage.store, fmt=fmt))
    return Response(body, media_type=dcat.FORMATS[fmt].media_type)


@router.get("/croissant", tags=["export"], response_class=Response,
            summary="Croissant 1.1 JSON-LD for a dataset, with its lineage",
            responses={200: {"description": "Croissant 1.1; its distribution is the dataset's upstream lineage "
                                            "(this gateway's /api/v1/export, Turtle, by a URL relative to this "
                                            "answer) with its sha256",
                             "content": {"application/ld+json": {"schema": {}}}},
                       **_WITH_404})
def croissant(lineage: LineageDep, identifier: DatasetId) -> Response:
    import json

    from lineagekg.interop.croissant import croissant as build

    # relative to this answer's URL: the export route beside it, which serves the same bytes
    url = "export?" + urllib.parse.urlencode({"id": identifier, "format": "turtle", "direction": "up"})
    made = build(lineage, identifier, lineage_url=url)
    return Response(json.dumps(made.metadata, ensure_ascii=False), media_type="application/ld+json")


# --- the query library -----------------------------------------------------------------------

@router.get("/queries", tags=["queries"], responses=_NO_404,
            summary="The library's SPARQL queries (the SPARQL editor's examples)")
def queries() -> m.QueriesAnswer:
    return answers.queries()
