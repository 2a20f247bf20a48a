"""The REST API under ``/api/v1``: each route calls one analysis of the library (which runs its
``.rq`` queries with bound parameters) and returns it as a typed answer.

Dataset ids contain slashes (``openai/gsm8k``), so they travel as the query parameter ``id`` (an
id, an alias or an IRI). Errors are the library's, translated to problem JSON in one place
(``api.problems``): an unknown dataset is a 404, a bad parameter a 400. Routes are written as
plain ``def`` and run in the gateway's analysis worker processes (``api.analysis_workers``), within
the time limit.
"""

from __future__ import annotations

import functools
import inspect
import urllib.parse
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.routing import APIRoute

from lineagekg.analyses import EXPORT_MEDIA_TYPES, MAX_LINEAGE_DEPTH, Lineage, Related
from lineagekg.api import rest_models as m
from lineagekg.api.admission import client_of
from lineagekg.api.analysis_workers import analysis_pool_of, run_analysis
from lineagekg.api.deps import AnswerCacheDep, LineageDep, limiter_of
from lineagekg.iris import slug
from lineagekg.queries import library

__all__ = ["router"]


def _operation_id(route: APIRoute) -> str:
    """``{tag}-{name}``: stable operation ids for generated clients."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _within_limits(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` run within the gateway's limits: in an analysis worker process
    (``analysis_workers``; killed past the time limit), or with ``analysis_workers`` 0 in a thread
    of the query limiter; a 504 problem past the time limit, 503 when nothing frees up. The
    endpoint's parameters stay as declared; ``request`` is added for the limiter."""
    signature = inspect.signature(endpoint)

    @functools.wraps(endpoint)
    async def limited(*, request: Request, **params: Any) -> Any:
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

_WITH_404 = m.problem_responses(404)
_NO_404 = m.problem_responses()


# --- datasets --------------------------------------------------------------------------------

@router.get("/datasets", tags=["datasets"], response_model=m.DatasetPage, responses=_NO_404,
            summary="Search datasets by name")
def search(lineage: LineageDep,
           q: Annotated[str, Query(max_length=500, examples=["gsm8k"], description=(
               "Part of an identifier, label or alias, case-insensitive; exact matches come first, "
               "then prefixes, then the rest. Empty: every dataset, by identifier"))] = "",
           limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 20,
           offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")] = 0,
           ) -> m.DatasetPage:
    found, total = lineage.search(q, limit=limit, offset=offset)
    return m.DatasetPage(items=[m.item(r) for r in found], total=total, limit=limit, offset=offset)


@router.get("/dataset", tags=["datasets"], response_model=m.DatasetAnswer, responses=_WITH_404,
            summary="One dataset: metadata, direct sources and children")
def dataset(lineage: LineageDep, identifier: DatasetId) -> m.DatasetAnswer:
    found = lineage.describe(identifier)
    md = found.metadata
    metadata = m.DatasetMetadata(
        domains=list(md.domains), origin=md.origin, year=md.year, hub_year=md.hub_year,
        paper_year=md.paper_year, license=md.license, summary=md.summary, paper_url=md.paper_url,
        aliases=list(md.aliases), data_type=md.data_type, downloads=md.downloads,
        exists_on_hub=md.exists_on_hub, hub_id=md.hub_id, is_terminal=md.is_terminal,
        terminal_note=md.terminal_note, split_of=md.split_of, split_name=md.split_name,
        splits=list(md.splits), same_as=list(md.same_as), types=list(md.types), graphs=list(md.graphs))
    detail = m.DatasetDetail(**m.item(found.dataset).model_dump(), metadata=metadata)
    return m.DatasetAnswer(dataset=detail, sources=[m.link_item(x) for x in found.sources],
                           children=[m.link_item(x) for x in found.children])


# --- lineage analyses ------------------------------------------------------------------------

def _related(lineage: Lineage, identifier: str, found: list[Related]) -> m.RelatedAnswer:
    return m.RelatedAnswer(dataset=m.item(lineage.ref(lineage.resolve(identifier)), 0),
                           items=[m.related_item(lineage.ref(r.iri), r) for r in found])


@router.get("/ancestors", tags=["lineage"], response_model=m.RelatedAnswer, responses=_WITH_404,
            summary="Every dataset it derives from, nearest first")
def ancestors(lineage: LineageDep, identifier: DatasetId) -> m.RelatedAnswer:
    return _related(lineage, identifier, lineage.ancestors(identifier))


@router.get("/descendants", tags=["lineage"], response_model=m.RelatedAnswer, responses=_WITH_404,
            summary="Every dataset derived from it, nearest first")
def descendants(lineage: LineageDep, identifier: DatasetId) -> m.RelatedAnswer:
    return _related(lineage, identifier, lineage.descendants(identifier))


@router.get("/roots", tags=["lineage"], response_model=m.RelatedAnswer, responses=_WITH_404,
            summary="Its upstream roots and why each is terminal")
def roots(lineage: LineageDep, identifier: DatasetId) -> m.RelatedAnswer:
    return _related(lineage, identifier, lineage.roots(identifier))


@router.get("/lineage", tags=["lineage"], response_model=m.LineageGraph, responses=_WITH_404,
            summary="The lineage around a dataset, as a graph to draw")
def lineage_graph(
        lineage: LineageDep, identifier: DatasetId, direction: Direction = "both",
        depth: Annotated[int, Query(ge=1, le=MAX_LINEAGE_DEPTH, description="Hops from the dataset")] = 3,
        max_nodes: Annotated[int, Query(ge=1, le=2000, description=(
            "At most this many datasets, nearest first; `truncated` says when more were within the depth"))] = 300,
        ) -> m.LineageGraph:
    found = lineage.neighbourhood(identifier, direction=direction, depth=depth, max_nodes=max_nodes)
    return m.LineageGraph(focus=m.item(found.focus, 0), direction=direction, depth=depth, max_nodes=max_nodes,
                          nodes=[m.lineage_node(n) for n in found.nodes],
                          edges=[m.lineage_edge(e) for e in found.edges],
                          truncated=found.truncated, hidden=found.hidden)


@router.get("/path", tags=["lineage"], response_model=m.PathAnswer, responses=_WITH_404,
            summary="A shortest lineage path between two datasets, in whichever direction exists")
def path(lineage: LineageDep,
         from_: Annotated[str, Query(alias="from", min_length=1, max_length=2048, examples=["example/math-mix"],
                                     description="A dataset (id, alias or IRI)")],
         to: Annotated[str, Query(min_length=1, max_length=2048, examples=["openai/gsm8k"],
                                  description="Another dataset (id, alias or IRI)")],
         ) -> m.PathAnswer:
    found = lineage.path(from_, to)
    if found is None:
        return m.PathAnswer(found=False, direction=None, nodes=[], relations=[], datasets=[])
    direction, witness = found
    return m.PathAnswer(found=True, direction=direction,  # type: ignore[arg-type]
                        nodes=list(witness.nodes), relations=list(witness.relations),
                        datasets=[m.item(lineage.ref_of(n), i) for i, n in enumerate(witness.nodes)])


@router.get("/shared-roots", tags=["lineage"], response_model=m.SharedRootsAnswer, responses=_WITH_404,
            summary="The roots every one of the datasets has")
def shared_roots(lineage: LineageDep,
                 identifiers: Annotated[list[str], Query(
                     alias="id", min_length=2, max_length=20, examples=[["example/math-mix", "vicgalle/alpaca-gpt4"]],
                     description="Two or more datasets (repeat the parameter)")],
                 ) -> m.SharedRootsAnswer:
    found = lineage.shared_roots(identifiers)
    return m.SharedRootsAnswer(datasets=[m.item(lineage.ref(lineage.resolve(i))) for i in identifiers],
                               items=[m.related_item(lineage.ref(r.iri), r) for r in found])


@router.get("/contamination", tags=["lineage"], response_model=m.ContaminationAnswer, responses=_WITH_404,
            summary="Every dataset that reaches a benchmark, with a shortest witness path")
def contamination(lineage: LineageDep, identifier: DatasetId) -> m.ContaminationAnswer:
    hits = lineage.contamination(identifier)
    return m.ContaminationAnswer(
        benchmark=m.item(lineage.ref(lineage.resolve(identifier)), 0),
        hits=[m.ContaminationHitItem(dataset=m.item(lineage.ref_of(h.dataset), h.path.length),
                                     distance=h.path.length, reached=h.reached,
                                     path=m.WitnessPathItem(nodes=list(h.path.nodes),
                                                            relations=list(h.path.relations)))
              for h in hits])


@router.get("/redundancy", tags=["lineage"], response_model=m.RedundancyAnswer, responses=_NO_404,
            summary="Implicit intersections: a dataset built from X and from something derived from X")
def redundancy(lineage: LineageDep,
               limit: Annotated[int, Query(ge=1, le=100_000, description="At most this many items")] = 1000,
               ) -> m.RedundancyAnswer:
    hits = lineage.redundancy()
    items = [m.RedundancyItem(dataset=m.item(lineage.ref_of(h.dataset)), upstream=m.item(lineage.ref_of(h.upstream)),
                              via=m.item(lineage.ref_of(h.via)), upstream_relation=h.upstream_relation,
                              via_relation=h.via_relation) for h in hits[:limit]]
    return m.RedundancyAnswer(items=items, total=len(hits))


@router.get("/structure", tags=["lineage"], response_model=m.StructureAnswer, responses=_NO_404,
            summary="Per domain: datasets, average depth, in- and out-degree, share of leaves")
def structure(lineage: LineageDep) -> m.StructureAnswer:
    return m.StructureAnswer(items=[m.DomainItem(domain=d.domain, nodes=d.nodes, avg_depth=d.avg_depth,
                                                 avg_in_degree=d.avg_in_degree, avg_out_degree=d.avg_out_degree,
                                                 leaf_share=d.leaf_share) for d in lineage.structure()])


@router.get("/stats", tags=["lineage"], response_model=m.StatsAnswer, responses=_NO_404,
            summary="Size of the lineage graph")
def stats(lineage: LineageDep) -> m.StatsAnswer:
    st = lineage.statistics()
    return m.StatsAnswer(counts=m.StatsCounts(**st.counts), relations=st.relations,
                         terminal_reasons=st.terminal_reasons, graphs=st.graphs)


# --- evidence and export ---------------------------------------------------------------------

@router.get("/evidence", tags=["evidence"], response_model=m.EvidenceAnswer, responses=_WITH_404,
            summary="Who said that target derives from source: quote, document, agent, model, review")
def evidence(lineage: LineageDep,
             target: Annotated[str, Query(min_length=1, max_length=2048, examples=["meta-math/MetaMathQA"],
                                          description="The derived dataset (id, alias or IRI)")],
             source: Annotated[str, Query(min_length=1, max_length=2048, examples=["openai/gsm8k"],
                                          description="The dataset it derives from (id, alias or IRI)")],
             ) -> m.EvidenceAnswer:
    found = lineage.evidence(target, source)
    return m.EvidenceAnswer(target=m.item(found.target), source=m.item(found.source),
                            items=[m.evidence_item(e) for e in found.items])


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
    return Response(body, media_type=dcat.FORMATS[fmt][1])


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

@router.get("/queries", tags=["queries"], response_model=m.QueriesAnswer, responses=_NO_404,
            summary="The library's SPARQL queries (the SPARQL editor's examples)")
def queries() -> m.QueriesAnswer:
    return m.QueriesAnswer(items=[
        m.QueryItem(name=q.name, kind=q.kind, summary=q.summary,
                    params={p.name: m.QueryParam(type=p.type, required=p.required, description=p.description)
                            for p in q.params},
                    returns=list(q.returns), text=q.text)
        for q in sorted(library(), key=lambda q: q.name)])
