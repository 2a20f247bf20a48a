"""A dataset's lineage as a tree: its sources (up) or what derives from it (down), breadth-first,
each branch labelled with its relations; a dataset reached twice is shown once, nearest the top."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from lineagekg.analyses.catalogue import Catalogue
from lineagekg.analyses.models import TreeAnswer, TreeNode
from lineagekg.analyses.naming import local_name
from lineagekg.errors import QueryParameterError
from lineagekg.queries import library


class Trees(Catalogue):
    def tree(self, identifier: str, *, direction: Literal["up", "down"] = "up",
             depth: int | None = None) -> TreeAnswer:
        """The tree of a dataset's sources (or, ``down``, of what derives from it), ``depth``
        levels deep (all when None). A dataset reached twice is marked ``seen_above`` and not
        expanded again; two relations between the same pair are one branch."""
        if direction not in ("up", "down"):
            raise QueryParameterError("tree", "direction", f"{direction!r} is not up or down")
        if depth is not None and depth < 1:
            raise QueryParameterError("tree", "depth", f"must be 1 or more, not {depth}")
        down = direction == "down"
        iri = self.resolve(identifier)
        rows = self.store.select(library().get("downstream-edges" if down else "upstream-edges"), dataset=iri)
        branches: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for r in rows:
            parent, child = (r["source"], r["target"]) if down else (r["target"], r["source"])
            branches[parent][child].add(local_name(r["relation"]) or "derived")
        info = {r["node"]: r for r in self.store.select(library().get("lineage-tree-nodes"), dataset=iri)}

        def node(node_iri: str, relations: list[str]) -> TreeNode:
            r = info.get(node_iri, {})
            known = self.ref(node_iri).model_dump(exclude={"is_benchmark", "is_root", "terminal_reason"})
            return TreeNode(**{**known, "id": r.get("id") or known["id"]}, relations=relations,
                            is_benchmark=bool(r.get("isBenchmark")), is_root=bool(r.get("isRoot")),
                            terminal_reason=local_name(r.get("terminalReason")))

        top = node(iri, [])
        seen = {iri}
        frontier = [(iri, top)]
        level = 0
        while frontier and (depth is None or level < depth):      # breadth-first: nearest first
            level += 1
            following = []
            for parent_iri, parent in frontier:
                for child_iri, relations in sorted(branches.get(parent_iri, {}).items(),
                                                   key=lambda kv: self.name(kv[0]).lower()):
                    child = node(child_iri, sorted(relations))
                    parent.children.append(child)
                    if child_iri in seen:
                        child.seen_above = True
                        continue
                    seen.add(child_iri)
                    following.append((child_iri, child))
            frontier = following
        for child_iri, child in frontier:
            child.truncated = bool(branches.get(child_iri))
        return TreeAnswer(dataset=top.id, direction=direction, depth=depth, tree=top)
