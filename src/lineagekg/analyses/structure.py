"""The shape and size of the lineage graph: per-domain depth and degrees (the paper's Table 1) and
counts of what the store holds."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lineagekg.analyses.catalogue import Catalogue
from lineagekg.analyses.models import DomainStructure, Statistics, StatsCounts
from lineagekg.analyses.naming import local_name
from lineagekg.queries import library


class Structure(Catalogue):
    def structure(self) -> list[DomainStructure]:
        """Per domain (paper's Table 1): nodes, average depth (longest upstream path to a node
        with no sources), average in-degree (direct sources), out-degree (direct children), and
        the share of leaves (nodes with no sources), averaged over the domain's nodes."""
        sources: dict[str, set[str]] = defaultdict(set)
        for r in self.store.select(library().get("edges")):
            sources[r["target"]].add(r["source"])
        depth: dict[str, int] = {}

        def depth_of(node: str) -> int:
            stack = [(node, iter(sorted(sources.get(node, ()))))]
            while stack:
                current, children = stack[-1]
                pending = next((c for c in children if c not in depth), None)
                if pending is not None:
                    stack.append((pending, iter(sorted(sources.get(pending, ())))))
                    continue
                stack.pop()
                depth[current] = 1 + max((depth[c] for c in sources.get(current, ())), default=-1)
            return depth[node]

        per_domain: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.store.select(library().get("domain-degrees")):
            per_domain[local_name(r["domain"]) or r["domain"]].append(r)
        result = []
        for domain, rows in sorted(per_domain.items()):
            n = len(rows)
            result.append(DomainStructure(
                domain=domain, nodes=n,
                avg_depth=sum(depth_of(r["dataset"]) for r in rows) / n,
                avg_in_degree=sum(r["inDegree"] for r in rows) / n,
                avg_out_degree=sum(r["outDegree"] for r in rows) / n,
                leaf_share=100.0 * sum(1 for r in rows if r["inDegree"] == 0) / n))
        return result

    def statistics(self) -> Statistics:
        """Datasets, benchmarks, splits, edges, derivations, documents, runs, roots and graphs;
        derivations per relation, terminal datasets per reason, and the named graphs."""
        counts = self.store.select(library().get("stats"))[0]
        relations = {local_name(r["relation"]) or "": r["count"]
                     for r in self.store.select(library().get("relation-counts"))}
        reasons = {local_name(r["reason"]) or "": r["count"]
                   for r in self.store.select(library().get("terminal-reasons"))}
        return Statistics(counts=StatsCounts(**{k: int(v) for k, v in counts.items()}), relations=relations,
                          terminal_reasons=reasons, graphs=self.store.named_graphs())
