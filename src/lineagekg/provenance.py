"""Turn lineage value objects into W3C PROV-O quads: a bundle per source, a graph per thing.

What a source *said* goes into its bundle (the named graph ``batch.graph``, a ``prov:Bundle``
``prov:wasGeneratedBy`` its run, ``prov:wasAttributedTo`` its agent, ``prov:generatedAtTime``,
``prov:hadPrimarySource`` the documents it was read from, ``lk:describes`` each dataset it
described): the qualified
``lk:LineageDerivation`` of each edge (own IRI; relation, confidence, evidence, the documents
that state it, the run that found it, review status), the run and how it used each document.

What the store knows of a thing *itself* goes, once, into that thing's own graph
(``iris.about_graph``), merged by every write: a dataset's types, identifier, label and its
plain upstream edges (``prov:wasDerivedFrom`` with the typed relation and every relation above
it, materialised: Oxigraph does not reason); a document's, an agent's and a model's description.
So the union default graph holds each triple once, and ``COUNT(*)`` counts what it says.

PROV-O's axioms are taken literally: a derivation carries no ``prov:hadPrimarySource`` (whose
domain is ``prov:Entity``) and names with ``prov:hadActivity`` only the activity that built the
dataset (a generation with a teacher model), never the run that found the claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad

from lineagekg import iris, taxonomy
from lineagekg.cataloguing import description_quads
from lineagekg.errors import InputError
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef, DocumentUsage
from lineagekg.namespaces import DCAT, DCTERMS, PROV, RDF, RDFS, SKOS, XSD, ox
from lineagekg.vocab import LK


@dataclass(frozen=True)
class LineageBatch:
    """What one import or trace adds to the store: datasets, edges, and the run that found them."""

    graph: str
    datasets: tuple[Dataset, ...]
    derivations: tuple[Derivation, ...]
    run: AgentRun

    def iri_map(self) -> dict[str, str]:
        """Dataset identifier -> IRI for every dataset of the batch (splits included)."""
        mapping: dict[str, str] = {}
        for ds in self.datasets:
            if ds.split_of is None:
                mapping[ds.identifier] = iris.dataset_iri(ds.identifier, on_hub=ds.on_hub)
        for ds in self.datasets:
            if ds.split_of is not None:
                parent = mapping.get(ds.split_of) or iris.dataset_iri(ds.split_of, on_hub=True)
                mapping[ds.identifier] = iris.split_iri(parent, ds.split_name or ds.identifier)
        return mapping


def _lit(value: object, datatype: NamedNode | None = None) -> Literal:
    if datatype is not None:
        return Literal(str(value), datatype=datatype)
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(str(value), datatype=XSD.integer)
    return Literal(str(value))


def _decimal(value: float) -> Literal:
    """An xsd:decimal with at most four places (``0.9``, ``1``)."""
    return Literal(f"{value:.4f}".rstrip("0").rstrip(".") or "0", datatype=XSD.decimal)


def _year(year: int) -> Literal:
    return Literal(f"{year:04d}", datatype=XSD.gYear)


def _about(iri: str) -> NamedNode:
    return NamedNode(iris.about_graph(iri))


def dataset_quads(ds: Dataset, iri: str, graph: NamedNode, iri_of: dict[str, str]) -> Iterator[Quad]:
    """The dataset's description, in its own graph; what one run found out about it (that it
    is terminal, and why) in that run's bundle ``graph``."""
    s = NamedNode(iri)
    about = _about(iri)
    q = lambda p, o: Quad(s, p, o, about)  # noqa: E731 -- a local shorthand keeps the list readable
    yield q(RDF.type, ox(LK.Dataset))
    yield q(RDF.type, ox(PROV.Entity))
    yield q(RDF.type, DCAT.Dataset)
    if ds.is_benchmark:
        yield q(RDF.type, ox(LK.Benchmark))
    yield q(DCTERMS.identifier, _lit(ds.identifier))
    yield q(RDFS.label, _lit(ds.label or ds.identifier))
    if ds.on_hub and ds.split_of is None and iris.looks_like_hub_id(ds.identifier):
        yield q(ox(LK.hubId), _lit(ds.identifier))
    yield q(ox(LK.existsOnHub), _lit(bool(ds.on_hub)))
    for alias in ds.aliases:
        if alias != ds.identifier:
            yield q(SKOS.altLabel, _lit(alias))
    for domain in ds.domains:
        yield q(ox(LK.domain), ox(LK[domain]))
    if ds.origin:
        yield q(ox(LK.origin), ox(LK[ds.origin]))
    if ds.year is not None:
        yield q(DCTERMS.issued, _year(ds.year))
    if ds.hub_year is not None:
        yield q(ox(LK.hubYear), _year(ds.hub_year))
    if ds.paper_year is not None:
        yield q(ox(LK.paperYear), _year(ds.paper_year))
    if ds.summary:
        yield q(DCTERMS.description, _lit(ds.summary))
    if ds.data_type:
        yield q(ox(LK.dataType), _lit(ds.data_type))
    if ds.paper_url:
        yield q(ox(LK.paperUrl), _lit(ds.paper_url, XSD.anyURI))
    yield from description_quads(ds, s, graph)
    if ds.downloads is not None:
        yield q(ox(LK.downloads), _lit(int(ds.downloads)))
    if ds.is_terminal is not None:
        yield Quad(s, ox(LK.isTerminal), _lit(bool(ds.is_terminal)), graph)
    if ds.terminal_reason:
        yield Quad(s, ox(LK.terminalReason), ox(LK[ds.terminal_reason]), graph)
    if ds.terminal_note:
        yield Quad(s, ox(LK.terminalNote), _lit(ds.terminal_note), graph)
    if ds.split_of is not None:
        yield q(RDF.type, ox(LK.DatasetSplit))
        yield q(DCTERMS.isPartOf, NamedNode(iri_of[ds.split_of]))
        if iri_of[ds.split_of].startswith(iris.HUB_DATASET_BASE):
            yield q(RDFS.seeAlso, NamedNode(iri_of[ds.split_of]))     # the Hub page of its dataset
        yield q(ox(LK.splitName), _lit(ds.split_name or ds.identifier))


def derivation_quads(d: Derivation, iri_of: dict[str, str], graph: NamedNode,
                     run: NamedNode) -> Iterator[Quad]:
    """The plain and typed edge (in the target's own graph) and the qualified derivation (in the
    bundle ``graph``); ``run`` found it."""
    relation = taxonomy.relations().get(d.relation)
    if relation is None:
        raise InputError(f"unknown relation {d.relation!r}", field="relation")
    target, source = NamedNode(iri_of[d.target]), NamedNode(iri_of[d.source])
    about = _about(target.value)
    yield Quad(target, ox(PROV.wasDerivedFrom), source, about)
    for prop in (relation.iri, *relation.supers):
        yield Quad(target, NamedNode(prop), source, about)
    qd = NamedNode(iris.derivation_iri(target.value, source.value, relation.name, graph.value))
    yield Quad(target, ox(PROV.qualifiedDerivation), qd, graph)
    yield Quad(qd, RDF.type, ox(LK.LineageDerivation), graph)
    yield Quad(qd, RDF.type, ox(PROV.Derivation), graph)
    yield Quad(qd, ox(PROV.entity), source, graph)
    yield Quad(qd, ox(LK.relation), NamedNode(relation.iri), graph)
    yield Quad(qd, ox(LK.confidence), _decimal(d.confidence), graph)
    for quote in (d.evidence, *d.more_evidence):
        if quote:
            yield Quad(qd, ox(LK.evidence), Literal(quote), graph)
    for kind in d.source_kinds:
        yield Quad(qd, ox(LK.evidenceSourceKind), Literal(kind), graph)
    for doc in d.documents:
        yield Quad(qd, ox(LK.evidenceDocument), NamedNode(doc), graph)
    yield Quad(qd, ox(LK.foundBy), run, graph)
    yield Quad(qd, ox(LK.reviewStatus), ox(LK[d.review_status]), graph)
    if d.teacher_model:
        model = NamedNode(iris.model_iri(d.teacher_model))
        yield Quad(qd, ox(LK.teacherModel), model, graph)
        yield from model_quads(d.teacher_model)
        # The construction itself is known: the teacher model generated the target's records.
        built = NamedNode(iris.activity_iri("construction", iris.digest(target.value, model.value)))
        yield Quad(qd, ox(PROV.hadActivity), built, graph)
        yield Quad(built, RDF.type, ox(LK.ConstructionActivity), _about(built.value))
        yield Quad(built, RDF.type, ox(PROV.Activity), _about(built.value))
        yield Quad(built, ox(PROV.wasAssociatedWith), model, _about(built.value))


def model_quads(name: str) -> Iterator[Quad]:
    """A language model, a ``prov:SoftwareAgent``, in its own graph."""
    model = NamedNode(iris.model_iri(name))
    about = _about(model.value)
    for cls in (LK.LanguageModel, PROV.SoftwareAgent, PROV.Agent):
        yield Quad(model, RDF.type, ox(cls), about)
    yield Quad(model, RDFS.label, Literal(name), about)


def bundle_quads(graph: NamedNode, activity: NamedNode, agent: NamedNode, generated_at: str,
                 documents: Iterable[str] = ()) -> Iterator[Quad]:
    """The named graph ``graph`` as a ``prov:Bundle``: generated by ``activity`` at
    ``generated_at``, attributed to ``agent``, read from ``documents`` (its primary sources).
    The bundle describes itself (these quads are in ``graph``)."""
    yield Quad(graph, RDF.type, ox(PROV.Bundle), graph)
    yield Quad(graph, RDF.type, ox(PROV.Entity), graph)
    yield Quad(graph, ox(PROV.wasGeneratedBy), activity, graph)
    yield Quad(graph, ox(PROV.wasAttributedTo), agent, graph)
    yield Quad(graph, ox(PROV.generatedAtTime), Literal(generated_at, datatype=XSD.dateTime), graph)
    for doc in dict.fromkeys(documents):
        yield Quad(graph, ox(PROV.hadPrimarySource), NamedNode(doc), graph)


def document_quads(doc: DocumentRef) -> Iterator[Quad]:
    """A document's description, in its own graph."""
    s = NamedNode(doc.iri)
    graph = _about(doc.iri)
    yield Quad(s, RDF.type, ox(LK.Document), graph)
    yield Quad(s, RDF.type, ox(PROV.Entity), graph)
    if doc.title:
        yield Quad(s, DCTERMS.title, Literal(doc.title), graph)
    if doc.sha256:
        yield Quad(s, ox(LK.sha256), Literal(doc.sha256), graph)
    if doc.retrieved_at:
        yield Quad(s, ox(LK.retrievedAt), Literal(doc.retrieved_at, datatype=XSD.dateTime), graph)
    if doc.kind:
        yield Quad(s, DCTERMS.type, Literal(doc.kind), graph)


def run_quads(run: AgentRun, graph: NamedNode) -> Iterator[Quad]:
    """The run (in its bundle ``graph``) and its agent and documents (each in its own graph)."""
    a, agent = NamedNode(run.iri), NamedNode(run.agent_iri)
    yield Quad(a, RDF.type, ox(LK[run.kind]), graph)
    yield Quad(a, RDF.type, ox(PROV.Activity), graph)
    yield Quad(a, ox(PROV.wasAssociatedWith), agent, graph)
    yield Quad(a, ox(PROV.startedAtTime), Literal(run.started_at, datatype=XSD.dateTime), graph)
    if run.ended_at:
        yield Quad(a, ox(PROV.endedAtTime), Literal(run.ended_at, datatype=XSD.dateTime), graph)
    about = _about(agent.value)
    for cls in (LK.LineageAgent, PROV.SoftwareAgent, PROV.Agent):
        yield Quad(agent, RDF.type, ox(cls), about)
    yield Quad(agent, RDFS.label, Literal(run.agent_label), about)
    if run.prompt_version:
        yield Quad(agent, ox(LK.promptVersion), Literal(run.prompt_version), about)
    if run.model:
        yield Quad(agent, ox(LK.usedModel), NamedNode(iris.model_iri(run.model)), about)
        yield from model_quads(run.model)
    if run.input_tokens is not None:
        yield Quad(a, ox(LK.inputTokens), _lit(run.input_tokens), graph)
    if run.output_tokens is not None:
        yield Quad(a, ox(LK.outputTokens), _lit(run.output_tokens), graph)
    for doc in run.used:
        yield Quad(a, ox(PROV.used), NamedNode(doc.iri), graph)
        yield from document_quads(doc)
    for usage in run.usages:
        yield from usage_quads(run.iri, usage, graph)


def usage_quads(run_iri: str, usage: DocumentUsage, graph: NamedNode) -> Iterator[Quad]:
    """The qualified usage of one document by a run: ``lk:DocumentUsage`` with its outcome,
    the counts of answer problems and dropped claims, and the notes as ``rdfs:comment``."""
    u = NamedNode(f"{iris.ID_BASE}usage/{iris.digest(run_iri, usage.document)}")
    yield Quad(NamedNode(run_iri), ox(PROV.qualifiedUsage), u, graph)
    yield Quad(u, RDF.type, ox(LK.DocumentUsage), graph)
    yield Quad(u, RDF.type, ox(PROV.Usage), graph)
    yield Quad(u, ox(PROV.entity), NamedNode(usage.document), graph)
    yield Quad(u, ox(LK.documentOutcome), ox(LK[usage.outcome]), graph)
    if usage.answer_problems is not None:
        yield Quad(u, ox(LK.answerProblems), _lit(usage.answer_problems), graph)
    if usage.claims_dropped is not None:
        yield Quad(u, ox(LK.claimsDropped), _lit(usage.claims_dropped), graph)
    for note in usage.notes:
        yield Quad(u, RDFS.comment, Literal(note), graph)


def batch_quads(batch: LineageBatch, extra_documents: Iterable[DocumentRef] = (),
                iri_of: dict[str, str] | None = None) -> list[Quad]:
    """Every quad of a batch, deduplicated, in a stable order: the bundle ``batch.graph`` and
    the own graphs of what it describes (merged into what the store holds). ``iri_of``: the
    IRIs of a larger batch this one is a chunk of (default: ``batch.iri_map()``)."""
    graph = NamedNode(batch.graph)
    activity = NamedNode(batch.run.iri)
    iri_of = batch.iri_map() if iri_of is None else iri_of
    quads: dict[Quad, None] = {}
    run = batch.run
    sources = [doc for d in batch.derivations for doc in d.documents] + [doc.iri for doc in run.used]
    quads.update(dict.fromkeys(bundle_quads(graph, activity, NamedNode(run.agent_iri),
                                            run.ended_at or run.started_at, sources)))
    for ds in batch.datasets:
        quads[Quad(graph, ox(LK.describes), NamedNode(iri_of[ds.identifier]), graph)] = None
        quads.update(dict.fromkeys(dataset_quads(ds, iri_of[ds.identifier], graph, iri_of)))
    for d in batch.derivations:
        quads.update(dict.fromkeys(derivation_quads(d, iri_of, graph, activity)))
    quads.update(dict.fromkeys(run_quads(run, graph)))
    for doc in extra_documents:
        quads.update(dict.fromkeys(document_quads(doc)))
    return list(quads)
