"""Benchmark contamination predicted from lineage: every dataset that reaches a benchmark (or one
of its splits), each with a shortest witness path (a breadth-first search over the edges the
``contamination`` query returned, or the lineage index's one multi-source search)."""

from __future__ import annotations

from lineagekg.analyses.catalogue import Catalogue
from lineagekg.analyses.models import ContaminationHit, WitnessPath
from lineagekg.analyses.naming import local_name
from lineagekg.lineage_index import search_graph, witness_paths
from lineagekg.queries import library


class Contamination(Catalogue):
    def _hit(self, nodes: tuple[str, ...], relations: tuple[str | None, ...]) -> ContaminationHit:
        """A hit from a path of IRIs: the dataset at its start reaches the one at its end."""
        path = self._named(WitnessPath(nodes=nodes, relations=relations))
        return ContaminationHit(dataset=self.ref(nodes[0], distance=path.length), distance=path.length,
                                reached=path.nodes[-1], path=path)

    def contamination(self, identifier: str) -> list[ContaminationHit]:
        """Every dataset that reaches the benchmark (or a split of it), with a shortest witness
        path, nearest first."""
        iri = self.resolve(identifier)
        if self._use_index:
            found = self.index().contamination(iri)
        else:
            rows = self.store.select(library().get("contamination"), benchmark=iri)
            up, down, relation = search_graph((r["dataset"], r["next"], r["relation"]) for r in rows)
            found = witness_paths(up, down, relation, {r["reached"] for r in rows})
        hits = [self._hit(nodes, tuple(local_name(r) for r in relations)) for nodes, relations in found.values()]
        return sorted(hits, key=lambda h: (h.distance, h.dataset.id))
