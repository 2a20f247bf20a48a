"""The lineage analyses: each runs library queries on a store and shapes the rows into answers
named by dataset identifiers (``openai/gsm8k``), the way people and scripts ask for them.

``Lineage`` holds them all (one module per noun: ``ancestry``, ``contamination``, ``redundancy``,
``structure``, ``datasets``, ``neighbourhood``, ``evidence``, ``tree``, ``export``); ``models``
is the one set of answer models, and ``answers`` the whole answers that REST and the CLI give.
"""

from lineagekg.analyses.catalogue import Edge
from lineagekg.analyses.export import SUBGRAPH_FORMATS
from lineagekg.analyses.lineage import Lineage
from lineagekg.analyses.models import (
    AgentInfo,
    Answer,
    ContaminationAnswer,
    ContaminationHit,
    DatasetDescription,
    DatasetDetail,
    DatasetLink,
    DatasetMetadata,
    DatasetPage,
    DatasetRef,
    DocumentInfo,
    DomainStructure,
    EdgeEvidence,
    EvidenceReport,
    LineageEdge,
    LineageGraph,
    LineageNode,
    PathAnswer,
    RedundancyAnswer,
    RedundancyHit,
    RelatedAnswer,
    SharedRootsAnswer,
    Statistics,
    StructureAnswer,
    TreeAnswer,
    TreeNode,
    WitnessPath,
)
from lineagekg.analyses.naming import local_name, relation_family
from lineagekg.analyses.neighbourhood import LINEAGE_DIRECTIONS, MAX_LINEAGE_DEPTH

__all__ = [
    "LINEAGE_DIRECTIONS", "MAX_LINEAGE_DEPTH", "SUBGRAPH_FORMATS", "AgentInfo", "Answer", "ContaminationAnswer",
    "ContaminationHit", "DatasetDescription", "DatasetDetail", "DatasetLink", "DatasetMetadata", "DatasetPage",
    "DatasetRef", "DocumentInfo", "DomainStructure", "Edge", "EdgeEvidence", "EvidenceReport", "Lineage",
    "LineageEdge", "LineageGraph", "LineageNode", "PathAnswer", "RedundancyAnswer", "RedundancyHit",
    "RelatedAnswer", "SharedRootsAnswer", "Statistics", "StructureAnswer", "TreeAnswer", "TreeNode",
    "WitnessPath", "local_name", "relation_family",
]
