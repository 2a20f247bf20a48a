"""Review: a person accepts or rejects a claim the tracer queued (``lk:PendingReview``).

A decision is PROV in its own named graph (``graph/review/<key>``): an ``lk:ReviewDecision``
``prov:wasAssociatedWith`` a ``prov:Person`` (who decided), ``prov:used`` the derivation, its
time and note. Every query must see exactly one status, so a decision *replaces* the status
triple: the ``lk:PendingReview`` triple is removed from the trace graph and the new status is
written in the decision graph, in one SHACL-checked transaction (``OxigraphStore.replace_quads``).

Rejecting also takes the claim out of the lineage. The analyses walk the plain
``prov:wasDerivedFrom`` edges with property paths (``wasDerivedFrom+``), which cannot skip a
rejected edge by filtering, so a rejection removes, from the trace graph, the plain and typed
edges of the claim (those another live claim of the same graph still asserts stay) and the
``prov:qualifiedDerivation`` link and derivation types: in PROV the qualified form asserts the
edge, and a rejected claim asserts nothing. The claim itself stays, as an unasserted
``rdf:Statement`` (``rdf:subject`` target, ``rdf:predicate`` relation, ``rdf:object`` source)
with its evidence, documents, activity and ``lk:reviewStatus lk:Rejected``: what was claimed, by
which run, from which sentence, and who rejected it, stays one query away. The same edge asserted
by another graph (another document, an import) is another claim and stays until it is rejected.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad, Triple

from lineagekg import iris, taxonomy
from lineagekg.analyses import local_name
from lineagekg.errors import (
    AlreadyDecidedError,
    AmbiguousClaimError,
    ClaimNotPendingError,
    ConfigError,
    ReviewError,
    ShapeValidationError,
    UnknownClaimError,
)
from lineagekg.namespaces import PROV, RDF, RDFS, XSD, ox
from lineagekg.queries import library
from lineagekg.store.oxigraph import OxigraphStore
from lineagekg.vocab import LK

__all__ = ["AlreadyDecidedError", "AmbiguousClaimError", "ClaimNotPendingError", "Decision",
           "DecisionOutcome", "PendingClaim", "ReviewError", "UnknownClaimError", "decide",
           "default_reviewer", "pending_claims", "resolve_edge", "short_id"]

DERIVATION_BASE = f"{iris.ID_BASE}derivation/"
PENDING, ACCEPTED, REJECTED = "PendingReview", "Accepted", "Rejected"


@dataclass(frozen=True)
class PendingClaim:
    """A claim waiting for a person: ``target`` derived from ``source`` by ``relation``."""

    edge: str                       # the qualified derivation's IRI
    short_id: str
    target: str                     # identifiers (IRIs where a dataset has none)
    source: str
    relation: str
    confidence: float
    evidence: str | None
    documents: tuple[str, ...]
    graph: str                      # the trace graph that holds the claim


@dataclass(frozen=True)
class Decision:
    """What a person decided about one claim."""

    edge: str
    accept: bool
    reviewer: str
    note: str | None = None
    at: str | None = None           # xsd:dateTime; now when not given

    @property
    def status(self) -> str:
        return ACCEPTED if self.accept else REJECTED


@dataclass(frozen=True)
class DecisionOutcome:
    """What a decision wrote: its graph and activity, the quads removed and written."""

    edge: str
    status: str
    reviewer: str
    person: str
    graph: str
    activity: str
    decided_at: str
    quads_removed: int
    quads_written: int
    edges_removed: tuple[str, ...]  # typed and plain edge predicates taken out (rejection)


def short_id(edge: str) -> str:
    """The short id of a derivation IRI (its digest; other IRIs are their own id).

    >>> short_id("https://w3id.org/lineagekg/id/derivation/0123456789abcdef")
    '0123456789abcdef'
    """
    return edge.removeprefix(DERIVATION_BASE)


def default_reviewer() -> str:
    """``$USER`` (or the login name): who decides when ``--by`` is not given."""
    name = os.environ.get("USER") or os.environ.get("USERNAME")
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):   # no passwd entry for the uid (containers)
            name = ""
    if not name.strip():
        raise ConfigError("no reviewer name: $USER is not set", hint="say who decides with --by NAME")
    return name.strip()


def person_iri(name: str) -> str:
    return f"{iris.ID_BASE}person/{iris.slug(name)}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def pending_claims(store: OxigraphStore) -> list[PendingClaim]:
    """Every claim waiting for review, least confident first."""
    rows = store.select(library().get("internal/review-pending"))
    return [PendingClaim(edge=r["edge"], short_id=short_id(r["edge"]), target=r["targetId"] or r["target"],
                         source=r["sourceId"] or r["source"], relation=local_name(r["relation"]) or "",
                         confidence=float(r["confidence"]), evidence=r["evidence"],
                         documents=tuple(sorted((r["documents"] or "").split())), graph=r["graph"])
            for r in rows]


def resolve_edge(store: OxigraphStore, edge: str) -> str:
    """The derivation IRI of ``edge``: a full IRI, or a short id (a unique start of one).

    Raises:
        UnknownClaimError: nothing matches.
        AmbiguousClaimError: a short id matches several claims.
    """
    text = edge.strip()
    if not text:
        raise UnknownClaimError(edge)
    prefix = text if "://" in text else DERIVATION_BASE + text
    matches = [r["edge"] for r in store.select(library().get("internal/review-find"), prefix=prefix)]
    exact = [m for m in matches if m == prefix]
    if exact:
        return exact[0]
    if len(matches) == 1 and "://" not in text:
        return matches[0]
    if len(matches) > 1 and "://" not in text:
        raise AmbiguousClaimError(edge, matches)
    raise UnknownClaimError(edge)


def _decision_quads(decision: Decision, edge: NamedNode, graph: NamedNode, activity: NamedNode,
                    person: NamedNode, at: str) -> list[Quad]:
    q = lambda s, p, o: Quad(s, p, o, graph)
    quads = [q(activity, RDF.type, ox(LK.ReviewDecision)), q(activity, RDF.type, ox(PROV.Activity)),
             q(activity, ox(PROV.wasAssociatedWith), person), q(activity, ox(PROV.used), edge),
             q(activity, ox(PROV.startedAtTime), Literal(at, datatype=XSD.dateTime)),
             q(activity, ox(PROV.endedAtTime), Literal(at, datatype=XSD.dateTime)),
             q(activity, RDFS.label, Literal(f"{decision.status.lower()} by {decision.reviewer}")),
             q(person, RDF.type, ox(PROV.Person)), q(person, RDF.type, ox(PROV.Agent)),
             q(person, RDFS.label, Literal(decision.reviewer)),
             q(edge, ox(LK.reviewStatus), ox(LK[decision.status]))]
    if decision.note and decision.note.strip():
        quads.append(q(activity, RDFS.comment, Literal(decision.note.strip())))
    return quads


def decide(store: OxigraphStore, decision: Decision) -> DecisionOutcome:
    """Record ``decision`` about a pending claim (see the module docstring for what changes).

    Raises:
        UnknownClaimError, AmbiguousClaimError: ``decision.edge`` names no claim, or several.
        AlreadyDecidedError: the claim was accepted or rejected before.
        ClaimNotPendingError: the claim is not waiting for review.
        ShapeValidationError: the store after the decision would violate the shapes.
        ConfigError: no reviewer name.
    Nothing is written when any of these is raised.
    """
    if not decision.reviewer or not decision.reviewer.strip():
        raise ConfigError("no reviewer name", hint="say who decides with --by NAME")
    reviewer = decision.reviewer.strip()
    edge_iri = resolve_edge(store, decision.edge)
    rows = store.select(library().get("internal/review-claim"), edge=edge_iri)
    if not rows:
        raise UnknownClaimError(decision.edge)
    statuses = {local_name(r["status"]) for r in rows}
    if statuses & {ACCEPTED, REJECTED}:
        decided = next(r for r in rows if local_name(r["status"]) in (ACCEPTED, REJECTED))
        raise AlreadyDecidedError(edge_iri, local_name(decided["status"]) or "", decided["reviewer"],
                                  decided["decidedAt"])
    if statuses != {PENDING} or len({r["statusGraph"] for r in rows}) != 1:
        raise ClaimNotPendingError(edge_iri, ", ".join(sorted(s or "none" for s in statuses)))
    status_graph = NamedNode(rows[0]["statusGraph"])

    edge = NamedNode(edge_iri)
    at = decision.at or _now()
    key = iris.digest(edge_iri, decision.status, reviewer, at)
    graph = NamedNode(iris.graph_iri("review", key))
    activity = NamedNode(iris.activity_iri("review", key))
    person = NamedNode(person_iri(reviewer))
    decision = Decision(edge_iri, decision.accept, reviewer, decision.note, at)
    add = _decision_quads(decision, edge, graph, activity, person, at)

    asserted = [Quad(s["s"], s["p"], s["o"], s["g"])
                for s in store.raw_query(library().get("internal/review-edge-quads"), edge=edge_iri)]
    if not asserted:
        raise ClaimNotPendingError(edge_iri, "not asserted by any graph")
    pending = Quad(edge, ox(LK.reviewStatus), ox(LK[PENDING]), status_graph)
    remove = [pending]
    edges_removed: list[str] = []
    if not decision.accept:
        remove, edges_removed, statement = _rejection(store, edge, asserted, pending, graph)
        add += statement
    outcome = store.replace_quads(graph.value, add, remove)
    if not outcome.accepted and outcome.report is not None:
        raise ShapeValidationError(outcome.report, what=f"review decision on {edge_iri}")
    return DecisionOutcome(edge=edge_iri, status=decision.status, reviewer=reviewer, person=person.value,
                           graph=graph.value, activity=activity.value, decided_at=at,
                           quads_removed=len(remove), quads_written=outcome.quads_written,
                           edges_removed=tuple(edges_removed))


def _rejection(store: OxigraphStore, edge: NamedNode, asserted: list[Quad], pending: Quad,
               graph: NamedNode) -> tuple[list[Quad], list[str], list[Quad]]:
    """What a rejection removes (the claim's edges no live sibling claim needs, its link and
    derivation types, the pending status) and the unasserted statement that records it."""
    link = next(q for q in asserted if q.predicate == ox(PROV.qualifiedDerivation))
    target, trace_graph = link.subject, link.graph_name
    source = next(q.object for q in asserted if q.subject == edge and q.predicate == ox(PROV.entity))
    relation = next(q.object for q in asserted if q.subject == edge and q.predicate == ox(LK.relation))
    needed: set[str] = set()
    for row in store.select(library().get("internal/review-sibling-relations"), edge=edge.value):
        needed.add(str(PROV.wasDerivedFrom))
        sibling = taxonomy.relations().get(local_name(row["relation"]) or "")
        if sibling is not None:
            needed.update((sibling.iri, *sibling.supers))
    edge_quads = [q for q in asserted if q.subject == target and q.object == source
                  and q.predicate.value not in needed]
    derivation_types = [Quad(edge, RDF.type, ox(t), trace_graph) for t in (LK.LineageDerivation, PROV.Derivation)]
    remove = [pending, link, *edge_quads, *(q for q in derivation_types if q in set(asserted))]
    statement = [Quad(edge, RDF.type, RDF.Statement, graph), Quad(edge, RDF.type, ox(LK.LineageClaim), graph),
                 Quad(edge, RDF.subject, target, graph),
                 Quad(edge, RDF.predicate, relation, graph), Quad(edge, RDF.object, source, graph)]
    return remove, sorted(q.predicate.value for q in edge_quads), statement

