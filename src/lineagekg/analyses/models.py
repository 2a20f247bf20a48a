"""The answers of the analyses: one set of pydantic models that the library returns, the REST API
serves (their field descriptions are the OpenAPI document's) and ``lineagekg ... --format json``
prints, so a script sees the same JSON whichever way it asks.

``Answer`` marks a whole answer (what one analysis returns); the other models are its parts. A
dataset is shown everywhere as a ``DatasetRef`` (or a model extending it), named by identifier.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Family = Literal["includedFrom", "fusedFrom", "generatedFrom", "evolvedFrom", "distilledFrom"]
Direction = Literal["up", "down", "both"]


class Model(BaseModel):
    """A part of an answer: immutable (answers share cached parts), unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


M = TypeVar("M", bound=Model)
_NEW = object.__new__
_SET = object.__setattr__


_FIELDS: dict[type, set[str]] = {}


def _all_fields(cls: type[Model]) -> set[str]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = set(cls.model_fields)
    return fields


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """A ``cls`` made of ``values`` without validation, for the items of long answers whose
    values come typed from the store's catalogue or lineage index, never from a caller: pydantic
    validation or ``model_copy`` costs 5-10 µs an item, more than the graph search per item.
    ``values`` must give every field (defaults are not filled in)."""
    item = _NEW(cls)
    _SET(item, "__dict__", values)
    _SET(item, "__pydantic_fields_set__", _FIELDS.get(cls) or _all_fields(cls))   # shared: frozen models keep it
    _SET(item, "__pydantic_extra__", None)
    _SET(item, "__pydantic_private__", None)
    return item


def trusted_each(cls: type[M], rows: list[dict[str, Any]]) -> list[M]:
    """``trusted(cls, values)`` of each of ``rows``, in one loop (no call per item: the items of
    a 10^4-item answer cost about as much as the graph search that found them)."""
    fields = _all_fields(cls)
    made: list[M] = []
    append = made.append
    for values in rows:
        item = _NEW(cls)
        _SET(item, "__dict__", values)
        _SET(item, "__pydantic_fields_set__", fields)
        _SET(item, "__pydantic_extra__", None)
        _SET(item, "__pydantic_private__", None)
        append(item)
    return made


class Answer(Model):
    """A whole answer of one analysis (every subclass is served by REST and printed by the CLI)."""


# --- datasets ----------------------------------------------------------------------------------

class DatasetRef(Model):
    """A dataset as every answer shows it."""

    id: str = Field(description="Identifier as imported or traced (openai/gsm8k)")
    iri: str = Field(description="IRI of the dataset (its Hub page for Hub datasets)")
    label: str | None = Field(default=None, description="Its name as written (rdfs:label)")
    is_benchmark: bool = Field(default=False, description="An evaluation benchmark (lk:Benchmark)")
    is_root: bool | None = Field(default=None, description="Has no sources in the store")
    is_leaf: bool | None = Field(default=None, description="Nothing in the store derives from it (descendants only)")
    distance: int | None = Field(default=None, description="Hops from the dataset the answer is about")
    terminal_reason: str | None = Field(default=None, description="Why tracing stopped here (lk:TerminalReason)")
    terminal_note: str | None = Field(default=None,
                                      description="The terminal reason as written, when it maps to no concept")


class DatasetPage(Answer):
    """Datasets whose name matches a text, a page of them."""

    items: list[DatasetRef]
    total: int = Field(description="How many datasets matched")
    limit: int = Field(description="Page size")
    offset: int = Field(description="Items skipped")


class DatasetMetadata(Model):
    """What the store says about a dataset beyond its name (from every source graph)."""

    domains: tuple[str, ...] = Field(default=(), description="lk:Domain local names (Math, Code, General ...)")
    origin: str | None = Field(default=None, description="Synthetic, HumanMade or Mixed")
    year: int | None = Field(default=None, description="Release year (earlier of Hub and paper)")
    hub_year: int | None = Field(default=None, description="Year of its Hub release")
    paper_year: int | None = Field(default=None, description="Year of its paper")
    license: str | None = Field(default=None, description="Licence (an IRI or a name)")
    summary: str | None = Field(default=None, description="What it is, in a sentence (dcterms:description)")
    paper_url: str | None = Field(default=None, description="Its paper")
    aliases: tuple[str, ...] = Field(default=(), description="Other names (skos:altLabel)")
    data_type: str | None = Field(default=None, description="The kind of data it holds")
    downloads: int | None = Field(default=None, description="Hub downloads when read")
    exists_on_hub: bool | None = Field(default=None, description="Found on the Hugging Face Hub")
    hub_id: str | None = Field(default=None, description="Its Hub identifier")
    is_terminal: bool | None = Field(default=None, description="Tracing stopped here")
    terminal_note: str | None = Field(default=None,
                                      description="The terminal reason as written, when it maps to no concept")
    split_of: str | None = Field(default=None, description="Identifier of the whole dataset, for a split")
    split_name: str | None = Field(default=None, description="Name of the split (test, train ...)")
    splits: tuple[str, ...] = Field(default=(), description="Identifiers of its named splits")
    same_as: tuple[str, ...] = Field(default=(), description="owl:sameAs and skos:exactMatch IRIs")
    types: tuple[str, ...] = Field(default=(),
                                   description="lk: classes of the dataset (Dataset, Benchmark, DatasetSplit)")
    graphs: tuple[str, ...] = Field(default=(), description="Named graphs (sources) that describe it")


class DatasetDetail(DatasetRef):
    """A dataset with its metadata."""

    metadata: DatasetMetadata


class DatasetLink(Model):
    """One direct lineage link of a dataset: the dataset at the other end and the most confident
    qualified derivation between them (``edges`` lists them all: one per source graph)."""

    dataset: DatasetRef
    edge: str | None = Field(description="IRI of the qualified derivation (prov:Derivation)")
    relation: str | None = Field(description="Local name of the relation (filteredFrom ...)")
    family: Family | None = Field(description="The paper's relation above it")
    confidence: float | None = Field(description="Confidence of the most confident derivation")
    review_status: str | None = Field(description="Accepted, Rejected or Pending, when reviewed")
    edges: tuple[str, ...] = Field(default=(),
                                   description="Every qualified derivation of this link (one per source graph)")


class DatasetDescription(Answer):
    """One dataset: its metadata and its direct sources and children."""

    dataset: DatasetDetail
    sources: list[DatasetLink] = Field(description="Datasets it derives from directly")
    children: list[DatasetLink] = Field(description="Datasets derived from it directly")


# --- lineage -------------------------------------------------------------------------------------

class RelatedAnswer(Answer):
    """The datasets related to one (its ancestors, descendants or roots), nearest first."""

    dataset: DatasetRef = Field(description="The dataset asked about")
    items: list[DatasetRef]


class SharedRootsAnswer(Answer):
    """The roots every one of the datasets has."""

    datasets: list[DatasetRef] = Field(description="The datasets asked about")
    items: list[DatasetRef] = Field(description="Their shared roots")


class WitnessPath(Model):
    """One path of lineage edges: ``nodes[0]`` derives (through ``relations``) from ``nodes[-1]``."""

    nodes: tuple[str, ...] = Field(description="Identifiers along the path, the derived dataset first")
    relations: tuple[str | None, ...] = Field(description="The relation of each hop")

    @property
    def length(self) -> int:
        return len(self.nodes) - 1


class PathAnswer(Answer):
    """A shortest lineage path between two datasets, in whichever direction exists."""

    found: bool
    direction: Literal["upstream", "downstream"] | None = Field(
        description="upstream: `from` derives from `to`; downstream: `to` derives from `from`")
    nodes: tuple[str, ...] = Field(description="Identifiers along the path, the derived dataset first")
    relations: tuple[str | None, ...] = Field(description="The relation of each hop")
    datasets: list[DatasetRef] = Field(description="The datasets along the path")


class ContaminationHit(Model):
    """A dataset that reaches the benchmark, and how."""

    dataset: DatasetRef
    distance: int = Field(description="Hops to the benchmark (or its split)")
    reached: str = Field(description="The benchmark or the split of it that is reached")
    path: WitnessPath = Field(description="A shortest witness path from the dataset to what it reaches")

    @property
    def direct(self) -> bool:
        return self.path.length == 1


class ContaminationAnswer(Answer):
    """Every dataset that reaches a benchmark (or one of its splits), with a shortest witness path."""

    benchmark: DatasetRef
    hits: list[ContaminationHit]


class RedundancyHit(Model):
    """``dataset`` takes ``upstream`` directly and again through ``via`` (derived from it)."""

    dataset: DatasetRef
    upstream: DatasetRef = Field(description="Taken directly ...")
    via: DatasetRef = Field(description="... and again through this source, which derives from it")
    upstream_relation: str | None
    via_relation: str | None


class RedundancyAnswer(Answer):
    """Implicit intersections: datasets built from X and from something derived from X."""

    items: list[RedundancyHit]
    total: int = Field(description="How many there are (items holds at most the limit asked for)")


class DomainStructure(Model):
    """One domain's row of the paper's Table 1."""

    domain: str
    nodes: int = Field(description="Datasets of the domain")
    avg_depth: float = Field(description="Average longest upstream path to a dataset with no sources")
    avg_in_degree: float = Field(description="Average number of direct sources")
    avg_out_degree: float = Field(description="Average number of datasets derived directly")
    leaf_share: float = Field(description="Percentage of the domain's datasets with no sources")


class StructureAnswer(Answer):
    """Per domain: datasets, average depth, in- and out-degree, share of leaves."""

    items: list[DomainStructure]


class StatsCounts(Model):
    datasets: int
    benchmarks: int
    splits: int
    edges: int = Field(description="Plain derivation edges (prov:wasDerivedFrom)")
    derivations: int = Field(description="Qualified derivations (prov:Derivation)")
    documents: int
    runs: int = Field(description="Agent runs (prov:Activity)")
    roots: int
    graphs: int


class Statistics(Answer):
    """Size of the lineage graph."""

    counts: StatsCounts
    relations: dict[str, int] = Field(description="Qualified derivations per relation")
    terminal_reasons: dict[str, int] = Field(description="Terminal datasets per reason")
    graphs: list[str] = Field(description="The named graphs (sources) of the store")


# --- views for the explorer ----------------------------------------------------------------------

class LineageNode(DatasetRef):
    """A dataset of a lineage view."""

    distance: int = Field(description="Hops from the focus")
    side: Literal["focus", "up", "down"] = Field(description="The focus, an ancestor (up) or a descendant (down)")
    expandable: bool = Field(default=False, description="Has lineage further out on its side that the view leaves out")


class LineageEdge(Model):
    """An edge of a lineage view, named by identifiers, with its most confident derivation."""

    target: str = Field(description="Identifier of the derived dataset")
    source: str = Field(description="Identifier of the dataset it was derived from")
    edge: str | None = Field(description="IRI of the most confident qualified derivation")
    relation: str | None
    family: Family | None
    confidence: float | None
    review_status: str | None
    edges: tuple[str, ...] = Field(default=(), description="Every qualified derivation of this edge")
    kind: Literal["derivation", "split"] = Field(
        default="derivation",
        description="derivation, or split: the target is a split of the source (GSM8K test of GSM8K)")


class LineageGraph(Answer):
    """The lineage around one dataset up to a depth, capped at a number of datasets."""

    focus: DatasetRef
    direction: Direction
    depth: int
    max_nodes: int
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = Field(description="More datasets within the depth than max_nodes")
    hidden: int = Field(description="Datasets of the lineage not shown (beyond the depth or the cap)")


class TreeNode(DatasetRef):
    """One dataset in a lineage tree; ``relations`` name the branch from its parent."""

    model_config = ConfigDict(frozen=False)   # grown breadth-first, a level at a time

    relations: list[str] = Field(default_factory=list, description="Relations of the branch from its parent")
    seen_above: bool = Field(default=False, description="Reached again: its subtree is shown once, nearer the top")
    truncated: bool = Field(default=False, description="It has more lineage beyond the depth asked for")
    children: list[TreeNode] = Field(default_factory=list)


class TreeAnswer(Answer):
    """A dataset's lineage as a tree: its sources (up) or what derives from it (down)."""

    dataset: str = Field(description="Identifier of the dataset at the top")
    direction: Literal["up", "down"]
    depth: int | None = Field(description="Levels shown (null: all)")
    tree: TreeNode


# --- evidence ------------------------------------------------------------------------------------

class DocumentInfo(Model):
    iri: str
    title: str | None = None
    sha256: str | None = None
    retrieved_at: str | None = None
    kind: str | None = None


class AgentInfo(Model):
    iri: str
    label: str | None = None


class EdgeEvidence(Model):
    """One qualified derivation between two datasets and where it came from."""

    edge: str = Field(description="IRI of the qualified derivation")
    graph: str = Field(description="The named graph (source) that holds it")
    relation: str | None
    family: Family | None
    confidence: float | None
    review_status: str | None
    quote: str | None = Field(description="The sentence of the document that says so, verbatim")
    source_kinds: tuple[str, ...]
    document: DocumentInfo | None = Field(description="The (first) document it came from")
    documents: tuple[DocumentInfo, ...]
    activity: str | None = Field(description="IRI of the agent run that found it")
    started_at: str | None
    agent: AgentInfo | None
    model: str | None = Field(description="The language model the agent used")
    prompt_version: str | None
    teacher_model: str | None = Field(description="The model the data was distilled from, when known")
    reached: str | None = Field(default=None, description="The source, or the split of it the edge points at "
                                                  "(GSM8K test rather than GSM8K)")


class EvidenceReport(Answer):
    """Who said that target derives from source."""

    target: DatasetRef
    source: DatasetRef
    items: list[EdgeEvidence]


# --- the query library ---------------------------------------------------------------------------

class QueryParam(Model):
    type: str
    required: bool
    description: str


class QueryItem(Model):
    name: str
    kind: str = Field(description="SELECT, CONSTRUCT, ASK or DESCRIBE")
    summary: str
    params: dict[str, QueryParam]
    returns: list[str]
    text: str


class QueriesAnswer(Answer):
    """The library's SPARQL queries."""

    items: list[QueryItem]
