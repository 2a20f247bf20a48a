"""The REST API's response schemas (pydantic, so the OpenAPI document is precise) and the
conversions from the analyses' value objects into them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from lineagekg.analyses import (
    DatasetLink,
    DatasetRef,
    EdgeEvidence,
    LineageEdge,
    NeighbourNode,
    Related,
)
from lineagekg.api.problems import PROBLEM_JSON

Family = Literal["includedFrom", "fusedFrom", "generatedFrom", "evolvedFrom", "distilledFrom"]


class Problem(BaseModel):
    """An error as RFC 9457 problem JSON."""

    type: str = Field(description="IRI naming the kind of problem")
    title: str = Field(description="The HTTP status in words")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong, and where")
    hint: str | None = Field(None, description="What to do next (close dataset names, for instance)")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the problem JSON answers of a route (400 and other 4xx always)."""
    words = {400: "A parameter is missing or invalid", 404: "No such dataset in the store",
             503: "The store cannot be read"}
    schema = {"content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}}}
    found: dict[int | str, dict[str, object]] = {
        s: {"description": words[s], **schema} for s in sorted({400, 503, *statuses})}
    found["4XX"] = {"description": "Another client error (method not allowed, not acceptable)", **schema}
    return found


class DatasetItem(BaseModel):
    """A dataset as every answer shows it."""

    id: str = Field(description="Identifier as imported or traced (openai/gsm8k)")
    iri: str = Field(description="IRI of the dataset (its Hub page for Hub datasets)")
    label: str | None = None
    is_benchmark: bool = Field(description="An evaluation benchmark (lk:Benchmark)")
    is_root: bool | None = Field(None, description="Has no sources in the store")
    distance: int | None = Field(None, description="Hops from the dataset the answer is about")
    terminal_reason: str | None = Field(None, description="Why tracing stopped here (lk:TerminalReason)")


def item(ref: DatasetRef, distance: int | None = None) -> DatasetItem:
    return DatasetItem(id=ref.id, iri=ref.iri, label=ref.label, is_benchmark=ref.is_benchmark,
                       is_root=ref.is_root, distance=distance, terminal_reason=ref.terminal_reason)


def related_item(ref: DatasetRef, related: Related) -> DatasetItem:
    """A dataset of an ancestors/descendants/roots answer: the catalogue's view plus the answer's
    distance (and the root flag and terminal reason the answer found)."""
    return DatasetItem(id=ref.id, iri=ref.iri, label=ref.label or related.label, is_benchmark=ref.is_benchmark,
                       is_root=related.is_root if related.is_root is not None else ref.is_root,
                       distance=related.distance,
                       terminal_reason=related.terminal_reason or ref.terminal_reason)


class DatasetPage(BaseModel):
    items: list[DatasetItem]
    total: int = Field(description="How many datasets matched")
    limit: int
    offset: int


class DatasetMetadata(BaseModel):
    domains: list[str] = Field(description="lk:Domain local names (Math, Code, General ...)")
    origin: str | None = Field(description="Synthetic, HumanMade or Mixed")
    year: int | None = Field(description="Release year (earlier of Hub and paper)")
    hub_year: int | None
    paper_year: int | None
    license: str | None
    summary: str | None
    paper_url: str | None
    aliases: list[str]
    data_type: str | None
    downloads: int | None
    exists_on_hub: bool | None
    hub_id: str | None
    is_terminal: bool | None
    terminal_note: str | None = Field(description="The terminal reason as written, when it maps to no concept")
    split_of: str | None = Field(description="Identifier of the whole dataset, for a split")
    split_name: str | None
    splits: list[str] = Field(description="Identifiers of its named splits")
    same_as: list[str] = Field(description="owl:sameAs and skos:exactMatch IRIs")
    types: list[str] = Field(description="lk: classes of the dataset")
    graphs: list[str] = Field(description="Named graphs (sources) that describe it")


class DatasetDetail(DatasetItem):
    metadata: DatasetMetadata


class LinkItem(BaseModel):
    """A direct source or child, with its most confident qualified derivation."""

    dataset: DatasetItem
    relation: str | None = Field(description="Local name of the relation (filteredFrom ...)")
    family: Family | None = Field(description="The paper's relation above it")
    confidence: float | None
    review_status: str | None
    edge: str | None = Field(description="IRI of the qualified derivation (prov:Derivation)")
    edges: list[str] = Field(description="Every qualified derivation of this link (one per source graph)")


def link_item(link: DatasetLink) -> LinkItem:
    return LinkItem(dataset=item(link.dataset, 1), relation=link.relation, family=link.family,  # type: ignore[arg-type]
                    confidence=link.confidence, review_status=link.review_status, edge=link.edge,
                    edges=list(link.edges))


class DatasetAnswer(BaseModel):
    dataset: DatasetDetail
    sources: list[LinkItem]
    children: list[LinkItem]


class RelatedAnswer(BaseModel):
    dataset: DatasetItem
    items: list[DatasetItem]


class LineageNode(DatasetItem):
    distance: int = Field(description="Hops from the focus")
    side: Literal["focus", "up", "down"] = Field(description="The focus, an ancestor (up) or a descendant (down)")
    expandable: bool = Field(description="Has lineage further out on its side that the view leaves out")


def lineage_node(node: NeighbourNode) -> LineageNode:
    ref = node.dataset
    return LineageNode(id=ref.id, iri=ref.iri, label=ref.label, is_benchmark=ref.is_benchmark,
                       is_root=ref.is_root, distance=node.distance, terminal_reason=ref.terminal_reason,
                       side=node.side, expandable=node.expandable)  # type: ignore[arg-type]


class LineageEdgeItem(BaseModel):
    edge: str | None = Field(description="IRI of the most confident qualified derivation")
    target: str = Field(description="Identifier of the derived dataset")
    source: str = Field(description="Identifier of the dataset it was derived from")
    relation: str | None
    family: Family | None
    confidence: float | None
    review_status: str | None
    edges: list[str]
    kind: Literal["derivation", "split"] = Field(
        "derivation", description="derivation, or split: the target is a split of the source (GSM8K test of GSM8K)")


def lineage_edge(e: LineageEdge) -> LineageEdgeItem:
    return LineageEdgeItem(edge=e.edge, target=e.target, source=e.source, relation=e.relation,
                           family=e.family, confidence=e.confidence,  # type: ignore[arg-type]
                           review_status=e.review_status, edges=list(e.edges), kind=e.kind)  # type: ignore[arg-type]


class LineageGraph(BaseModel):
    focus: DatasetItem
    direction: Literal["up", "down", "both"]
    depth: int
    max_nodes: int
    nodes: list[LineageNode]
    edges: list[LineageEdgeItem]
    truncated: bool = Field(description="More datasets within the depth than max_nodes")
    hidden: int = Field(description="Datasets of the lineage not shown (beyond the depth or the cap)")


class PathAnswer(BaseModel):
    found: bool
    direction: Literal["upstream", "downstream"] | None = Field(
        description="upstream: `from` derives from `to`; downstream: `to` derives from `from`")
    nodes: list[str] = Field(description="Identifiers along the path, the derived dataset first")
    relations: list[str | None] = Field(description="The relation of each hop")
    datasets: list[DatasetItem] = Field(description="The datasets along the path")


class SharedRootsAnswer(BaseModel):
    datasets: list[DatasetItem]
    items: list[DatasetItem]


class WitnessPathItem(BaseModel):
    nodes: list[str] = Field(description="Identifiers from the dataset down to the benchmark (or its split)")
    relations: list[str | None]


class ContaminationHitItem(BaseModel):
    dataset: DatasetItem
    distance: int
    reached: str = Field(description="The benchmark or the split of it that is reached")
    path: WitnessPathItem


class ContaminationAnswer(BaseModel):
    benchmark: DatasetItem
    hits: list[ContaminationHitItem]


class RedundancyItem(BaseModel):
    dataset: DatasetItem
    upstream: DatasetItem = Field(description="Taken directly ...")
    via: DatasetItem = Field(description="... and again through this source, which derives from it")
    upstream_relation: str | None
    via_relation: str | None


class RedundancyAnswer(BaseModel):
    items: list[RedundancyItem]
    total: int


class DomainItem(BaseModel):
    domain: str
    nodes: int
    avg_depth: float
    avg_in_degree: float
    avg_out_degree: float
    leaf_share: float = Field(description="Percentage of the domain's datasets with no sources")


class StructureAnswer(BaseModel):
    items: list[DomainItem]


class StatsCounts(BaseModel):
    datasets: int
    benchmarks: int
    splits: int
    edges: int
    derivations: int
    documents: int
    runs: int
    roots: int
    graphs: int


class StatsAnswer(BaseModel):
    counts: StatsCounts
    relations: dict[str, int] = Field(description="Qualified derivations per relation")
    terminal_reasons: dict[str, int]
    graphs: list[str]


class DocumentItem(BaseModel):
    iri: str
    title: str | None
    sha256: str | None
    retrieved_at: str | None
    kind: str | None


class AgentItem(BaseModel):
    iri: str
    label: str | None


class EvidenceItem(BaseModel):
    edge: str = Field(description="IRI of the qualified derivation")
    relation: str | None
    family: Family | None
    confidence: float | None
    review_status: str | None
    quote: str | None = Field(description="The sentence of the document that says so, verbatim")
    source_kinds: list[str]
    document: DocumentItem | None = Field(description="The (first) document it came from")
    documents: list[DocumentItem]
    activity: str | None = Field(description="IRI of the agent run that found it")
    started_at: str | None
    agent: AgentItem | None
    model: str | None = Field(description="The language model the agent used")
    prompt_version: str | None
    teacher_model: str | None
    graph: str = Field(description="The named graph (source) that holds it")
    reached: str | None = Field(None, description="The source, or the split of it the edge points at "
                                                  "(GSM8K test rather than GSM8K)")


def evidence_item(e: EdgeEvidence) -> EvidenceItem:
    docs = [DocumentItem(iri=d.iri, title=d.title, sha256=d.sha256, retrieved_at=d.retrieved_at, kind=d.kind)
            for d in e.documents]
    return EvidenceItem(edge=e.edge, relation=e.relation, family=e.family,  # type: ignore[arg-type]
                        confidence=e.confidence, review_status=e.review_status, quote=e.quote,
                        source_kinds=list(e.source_kinds), document=docs[0] if docs else None,
                        documents=docs, activity=e.activity, started_at=e.started_at,
                        agent=AgentItem(iri=e.agent, label=e.agent_label) if e.agent else None,
                        model=e.model, prompt_version=e.prompt_version, teacher_model=e.teacher_model,
                        graph=e.graph, reached=e.reached)


class EvidenceAnswer(BaseModel):
    target: DatasetItem
    source: DatasetItem
    items: list[EvidenceItem]


class QueryParam(BaseModel):
    type: str
    required: bool
    description: str


class QueryItem(BaseModel):
    name: str
    kind: str = Field(description="SELECT, CONSTRUCT, ASK or DESCRIBE")
    summary: str
    params: dict[str, QueryParam]
    returns: list[str]
    text: str


class QueriesAnswer(BaseModel):
    items: list[QueryItem]
