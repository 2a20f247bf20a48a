"""Import published lineage graphs into the store: parse, turn into PROV-O, validate, write."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lineagekg import __version__, iris
from lineagekg.interop import paper_jsonl
from lineagekg.model import AgentRun, DocumentRef
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.store.base import ImportOutcome
from lineagekg.store.oxigraph import OxigraphStore


@dataclass(frozen=True)
class ImportSummary:
    """What an import found in its input and what the store did with it."""

    outcome: ImportOutcome
    datasets: int
    edges: int
    warnings: tuple[str, ...]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _file_document(path: Path, data: bytes, retrieved_at: str) -> DocumentRef:
    return DocumentRef(iri=iris.content_document_iri(data), title=path.name,
                       sha256=hashlib.sha256(data).hexdigest(), retrieved_at=retrieved_at,
                       kind="lineage JSONL")


def import_lineage_jsonl(store: OxigraphStore, nodes: Path, edges: Path, *,
                         started_at: str | None = None,
                         progress: Callable[[str], None] | None = None) -> ImportSummary:
    """Import a paper-format lineage graph (node and edge JSONL files) as one named graph.

    The graph is named by the files' content, so importing the same files twice writes nothing
    the second time. Raises ``InputError`` for malformed input (nothing written); a batch that
    fails SHACL comes back with ``outcome.accepted == False`` and the report (nothing written).
    ``progress`` is told each phase as it starts (reading, building PROV, validating and
    writing), for a long import's progress display.
    """
    say = progress or (lambda phase: None)
    say(f"reading {nodes.name} and {edges.name}")
    parsed = paper_jsonl.read(nodes, edges)
    started = started_at or _now()
    node_bytes, edge_bytes = nodes.read_bytes(), edges.read_bytes()
    key = hashlib.sha256(node_bytes + b"\x1f" + edge_bytes).hexdigest()[:16]
    run = AgentRun(
        iri=iris.activity_iri("import", key), kind="ImportRun",
        agent_iri=iris.agent_iri("lineagekg-import-lineage-jsonl", __version__),
        agent_label=f"lineagekg import lineage-jsonl {__version__}", started_at=started,
        ended_at=_now(),
        used=(_file_document(nodes, node_bytes, started), _file_document(edges, edge_bytes, started)))
    batch = LineageBatch(graph=iris.graph_iri("import", key), datasets=tuple(parsed.datasets),
                         derivations=tuple(parsed.derivations), run=run)
    say(f"building PROV for {len(parsed.datasets)} datasets and {len(parsed.derivations)} edges")
    quads = batch_quads(batch, extra_documents=parsed.documents)
    say(f"validating {len(quads)} quads with SHACL, then writing")
    outcome = store.import_quads(quads, batch.graph)
    return ImportSummary(outcome=outcome, datasets=len(parsed.datasets), edges=len(parsed.derivations),
                         warnings=tuple(parsed.warnings))
