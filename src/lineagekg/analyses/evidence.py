"""Who said that one dataset derives from another: every qualified derivation between them, with
its quote, documents, run, agent, model, confidence and review."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lineagekg.analyses.catalogue import Catalogue
from lineagekg.analyses.models import (
    AgentInfo,
    DocumentInfo,
    EdgeEvidence,
    EvidenceReport,
)
from lineagekg.analyses.naming import local_name, relation_family
from lineagekg.queries import library


class Evidence(Catalogue):
    def evidence(self, target_id: str, source_id: str) -> EvidenceReport:
        """Every qualified derivation saying that ``target`` derives from ``source`` (from any
        source graph), most confident first."""
        target, source = self.resolve(target_id), self.resolve(source_id)
        rows = self.store.select(library().get("analyses/edge-evidence"), target=target, source=source)
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            grouped[r["edge"]].append(r)
        items = []
        for edge, group in grouped.items():
            first = group[0]
            documents: dict[str, DocumentInfo] = {}
            for r in group:
                if r["document"] and r["document"] not in documents:
                    documents[r["document"]] = DocumentInfo(iri=r["document"], title=r["title"], sha256=r["sha256"],
                                                            retrieved_at=r["retrievedAt"], kind=r["documentKind"])
            docs = tuple(sorted(documents.values(), key=lambda d: d.iri))
            relation = local_name(first["relation"])
            items.append(EdgeEvidence(
                edge=edge, graph=first["graph"], relation=relation, family=relation_family(relation),
                reached=self.name(first["reached"]),
                confidence=first["confidence"], review_status=local_name(first["reviewStatus"]),
                quote=first["quote"],
                source_kinds=tuple(sorted({k for r in group for k in (r["sourceKind"] or "").split("; ") if k})),
                document=docs[0] if docs else None, documents=docs,
                activity=first["activity"], started_at=first["startedAt"],
                agent=AgentInfo(iri=first["agent"], label=first["agentLabel"]) if first["agent"] else None,
                model=first["model"], prompt_version=first["promptVersion"], teacher_model=first["teacherModel"]))
        items.sort(key=lambda e: (-(e.confidence or 0.0), e.graph, e.edge))
        return EvidenceReport(target=self.ref(target), source=self.ref(source), items=items)
