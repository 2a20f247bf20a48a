"""Linked Data: the project's IRIs dereference on the gateway, and the whole store is one download.

``GET /id/...`` answers for ``https://w3id.org/lineagekg/id/...`` (the w3id redirect points the
namespace at a gateway): datasets, splits, derivations, documents, runs, agents. By content
negotiation people get an HTML page (each IRI a link, a dataset linked to the explorer) and
machines Turtle, JSON-LD, N-Triples or RDF/XML. ``GET /dump`` is the ``void:dataDump``: every
quad of the store (ontology included) as N-Quads or TriG.
"""

from __future__ import annotations

import html
import urllib.parse

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from lineagekg.api.conneg import GRAPH_FORMATS, GRAPH_TYPES, media_type_of, negotiate
from lineagekg.api.deps import store_of
from lineagekg.api.explorer import CONTENT_SECURITY_POLICY
from lineagekg.api.problems import GatewayError
from lineagekg.api.results import not_acceptable, serialize_graph
from lineagekg.iris import ID_BASE
from lineagekg.namespaces import value_of
from lineagekg.queries import library
from lineagekg.terms import DCTERMS, RDF, RDFS

__all__ = ["router"]

router = APIRouter(tags=["Linked Data"])

HTML = "text/html"
DUMP_TYPES = {"application/n-quads": "nquads", "application/trig": "trig"}
_LABEL = RDFS.label.value
_IDENTIFIER = DCTERMS.identifier.value
_DATASET = "https://w3id.org/lineagekg/ns#Dataset"
_TYPE = RDF.type.value


def describe(request: Request, iri: str) -> list[ox.Triple]:
    """The triples about ``iri`` (404 when the store says nothing about it)."""
    triples = list(store_of(request).raw_query(library().get("gateway/resource-description"), resource=iri))
    if not triples:
        raise GatewayError(404, "not-found", f"the store says nothing about <{iri}>",
                           hint="search datasets at /api/v1/datasets?q=...")
    return triples


@router.get("/id/{path:path}", summary="Dereference a project IRI (https://w3id.org/lineagekg/id/...)",
            response_class=Response,
            responses={200: {"description": "HTML for people, RDF for machines (by Accept)",
                             "content": {t: {} for t in [HTML, *GRAPH_TYPES[:4]]}},
                       404: {"description": "the store says nothing about this IRI"},
                       406: {"description": "no acceptable format"}})
async def dereference(request: Request, path: str) -> Response:
    """What the store says about ``https://w3id.org/lineagekg/id/{path}``."""
    iri = ID_BASE + urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~%")
    accept = request.headers.get("accept")
    offers = [*GRAPH_TYPES[:4], HTML]
    chosen = negotiate(accept, offers)
    if chosen is None:
        raise not_acceptable(accept, offers)
    triples = await run_in_threadpool(describe, request, iri)
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
    if chosen == HTML:
        return Response(page(iri, triples), media_type="text/html; charset=utf-8",
                        headers={**headers, "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                                 "X-Content-Type-Options": "nosniff"})
    return Response(serialize_graph(triples, chosen), media_type=media_type_of(chosen, GRAPH_FORMATS),
                    headers=headers)


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, labels: dict[str, str]) -> str:
    if isinstance(term, ox.NamedNode):
        href = term.value
        if href.startswith(ID_BASE):
            href = "/id/" + href[len(ID_BASE):]                   # stay on this gateway
        text = labels.get(term.value, term.value)
        return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'
    if isinstance(term, ox.Literal):
        return html.escape(term.value)
    return html.escape(str(term))


def page(iri: str, triples: list[ox.Triple]) -> bytes:
    """A plain HTML page: the resource's properties, what points at it, and for a dataset a link
    to the explorer. Every value from the data is escaped."""
    labels = {t.subject.value: value_of(t.object) for t in triples
              if t.predicate.value in (_LABEL, _IDENTIFIER) and isinstance(t.subject, ox.NamedNode)}
    own = [t for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value == iri]
    inbound = [t for t in triples if isinstance(t.object, ox.NamedNode) and t.object.value == iri]
    title = labels.get(iri, iri)
    rows = "".join(f"<tr><td>{_term(t.predicate, {})}</td><td>{_term(t.object, labels)}</td></tr>"
                   for t in sorted(own, key=lambda t: (t.predicate.value, str(t.object))))
    back = "".join(f"<tr><td>{_term(t.subject, labels)}</td><td>{_term(t.predicate, {})}</td></tr>"
                   for t in sorted(inbound, key=lambda t: (str(t.subject), t.predicate.value)))
    explore = ""
    identifier = next((value_of(t.object) for t in own if t.predicate.value == _IDENTIFIER), None)
    if identifier and any(t.predicate.value == _TYPE and value_of(t.object) == _DATASET for t in own):
        link = "/#" + urllib.parse.urlencode({"dataset": identifier})
        explore = f'<p><a href="{html.escape(link)}">Open in the lineage explorer</a></p>'
    body = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head><body><h1>{html.escape(title)}</h1><p><code>{html.escape(iri)}</code></p>"
            f"{explore}<table><thead><tr><th>property</th><th>value</th></tr></thead><tbody>{rows}"
            f"</tbody></table>"
            + (f"<h2>Pointing here</h2><table><tbody>{back}</tbody></table>" if back else "")
            + "<p>The same IRI answers machines with RDF: ask with <code>Accept: text/turtle</code> "
              "or <code>application/ld+json</code>.</p></body></html>")
    return body.encode("utf-8")


@router.get("/dump", summary="The whole store as one download (VoID's void:dataDump)",
            response_class=Response,
            responses={200: {"description": "Every quad, ontology included: N-Quads (default) or TriG",
                             "content": {t: {} for t in DUMP_TYPES}},
                       406: {"description": "no acceptable format"}})
async def dump(request: Request) -> Response:
    """Every quad of the store, named graphs kept."""
    accept = request.headers.get("accept")
    chosen = negotiate(accept, list(DUMP_TYPES))
    if chosen is None:
        raise not_acceptable(accept, list(DUMP_TYPES))
    data = await run_in_threadpool(store_of(request).export, DUMP_TYPES[chosen], include_ontology=True)
    return Response(data, media_type=chosen, headers={"Vary": "Accept"})
