"""Writes to a SPARQL server that a killed client cannot leave half done.

A server such as Virtuoso commits each request on its own, and a write of many quads takes many
requests: a client killed (SIGKILL, a lost machine) between two of them gets no chance to undo
the ones done. So a write is first *staged*: every quad to add or remove is written, encoded, into
a staging graph of its own (as many requests as it takes), then made visible by ONE update
request whose single operation deletes and inserts every staged quad (``commit_update``): the
server runs an operation as one transaction, so readers, and a client that restarts, see the
store as it was before the write or as after the whole of it. A client killed while staging
leaves only a staging graph behind; the next client to open the store, or to write, drops the
staging graphs older than the settings' ``staging_expiry`` (``stale_staging_query``).

The encoding keeps staged quads out of every lineage answer: each quad is a node
``<urn:lineagekg:staging:<id>#<n>>`` whose IRIs are written as strings (``stg:s``, ``stg:p``,
``stg:oi``, and ``stg:add``/``stg:remove`` naming the target graph), so no data IRI appears in a
staging graph and no library query pattern (a fixed predicate between data terms) can match one;
blank nodes, which cannot be written as strings, stay blank nodes (``stg:sb``, ``stg:o``), all
in one request so that they keep one scope. The commit also writes ``stg:committed`` into the
staging graph, in the same operation: the writer reads it back to know that the commit took
place (a staging graph dropped by another client's clean-up in the meantime commits nothing,
and the write then fails as a whole).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pyoxigraph as ox

from lineagekg.errors import InputError

PREFIX = "urn:lineagekg:staging:"
STG = "urn:lineagekg:staging#"
_ADD, _REMOVE = ox.NamedNode(STG + "add"), ox.NamedNode(STG + "remove")
_S, _SB, _P = ox.NamedNode(STG + "s"), ox.NamedNode(STG + "sb"), ox.NamedNode(STG + "p")
_O, _OI = ox.NamedNode(STG + "o"), ox.NamedNode(STG + "oi")
_STARTED, _COMMITTED = ox.NamedNode(STG + "started"), ox.NamedNode(STG + "committed")
_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")


def is_staging(graph: str) -> bool:
    """Whether ``graph`` (an IRI) is a staging graph, not data."""
    return graph.startswith(PREFIX)


def new_staging_graph() -> ox.NamedNode:
    return ox.NamedNode(PREFIX + uuid.uuid4().hex)


def marker(stage: ox.NamedNode, *, now: float | None = None) -> ox.Quad:
    """The quad saying when ``stage`` was started: written by the first staging request (the
    commit needs it, so a staging graph dropped and started again by later requests commits
    nothing), and what the clean-up goes by."""
    started = ox.Literal(f"{time.time() if now is None else now:.3f}", datatype=_DECIMAL)
    return ox.Quad(stage, _STARTED, started, stage)


def encode(stage: ox.NamedNode, added: list[ox.Quad], removed: list[ox.Quad]) -> list[ox.Quad]:
    """The quads of ``stage`` that stand for adding ``added`` and removing ``removed``."""
    staged: list[ox.Quad] = []
    for kind, quads in ((_ADD, added), (_REMOVE, removed)):
        for n, q in enumerate(quads):
            node = ox.NamedNode(f"{stage.value}#{kind.value[len(STG):]}{n}")
            if not isinstance(q.graph_name, ox.NamedNode) or isinstance(q.subject, ox.Triple) or isinstance(
                    q.object, ox.Triple):
                raise InputError(f"cannot write {q} to a SPARQL server: it is not in a named graph, or it "
                                 "holds a quoted triple (RDF-star)")
            subject = ((_SB, q.subject) if isinstance(q.subject, ox.BlankNode)
                       else (_S, ox.Literal(q.subject.value)))
            obj = (_OI, ox.Literal(q.object.value)) if isinstance(q.object, ox.NamedNode) else (_O, q.object)
            staged += [ox.Quad(node, kind, ox.Literal(q.graph_name.value), stage),
                       ox.Quad(node, subject[0], subject[1], stage),
                       ox.Quad(node, _P, ox.Literal(q.predicate.value), stage),
                       ox.Quad(node, obj[0], obj[1], stage)]
    return staged


def commit_update(stage: ox.NamedNode) -> str:
    """ONE update operation that removes and adds every quad staged in ``stage`` and marks it
    committed: nothing if ``stage`` has lost its marker."""
    return f"""PREFIX stg: <{STG}>
DELETE {{ GRAPH ?dg {{ ?ds ?dp ?do }} }}
INSERT {{ GRAPH ?ag {{ ?as ?ap ?ao }} GRAPH {stage} {{ {stage} stg:committed ?started }} }}
WHERE {{ GRAPH {stage} {{
  {stage} stg:started ?started .
  {{ ?q stg:remove ?dgs ; stg:s ?dss ; stg:p ?dps .
     {{ ?q stg:oi ?dos BIND (IRI(?dos) AS ?do) }} UNION {{ ?q stg:o ?do }}
     BIND (IRI(?dgs) AS ?dg) BIND (IRI(?dss) AS ?ds) BIND (IRI(?dps) AS ?dp) }}
  UNION
  {{ ?q stg:add ?ags ; stg:p ?aps .
     {{ ?q stg:s ?ass BIND (IRI(?ass) AS ?as) }} UNION {{ ?q stg:sb ?as }}
     {{ ?q stg:oi ?aos BIND (IRI(?aos) AS ?ao) }} UNION {{ ?q stg:o ?ao }}
     BIND (IRI(?ags) AS ?ag) BIND (IRI(?aps) AS ?ap) }}
}} }}"""


def committed_query(stage: ox.NamedNode) -> str:
    return f"ASK {{ GRAPH {stage} {{ {stage} <{_COMMITTED.value}> ?t }} }}"


def stale_staging_query() -> str:
    """The staging graphs on the server and when each was started."""
    return f"SELECT ?g ?started WHERE {{ GRAPH ?g {{ ?g <{_STARTED.value}> ?started }} }}"


def stale(rows: Any, *, expiry: float, now: float | None = None) -> list[ox.NamedNode]:
    """The staging graphs of ``rows`` (``stale_staging_query``'s answer) started more than
    ``expiry`` seconds ago."""
    now = time.time() if now is None else now
    return [r["g"] for r in rows if isinstance(r["g"], ox.NamedNode) and is_staging(r["g"].value)
            and now - float(r["started"].value) >= expiry]
