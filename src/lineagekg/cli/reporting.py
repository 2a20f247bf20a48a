"""``lineagekg tree``: a dataset's lineage as an indented tree (upstream, or ``--down``stream),
each branch labelled with its relation, roots and benchmarks marked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.text import Text
from rich.tree import Tree

from lineagekg.analyses import Lineage
from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_OK, Format, FormatOpt, StoreOpt, app, command_store
from lineagekg.errors import QueryParameterError
from lineagekg.queries import library


@dataclass
class TreeNode:
    """One dataset in a lineage tree; ``relations`` name the branch from its parent."""

    id: str
    relations: list[str] = field(default_factory=list)
    benchmark: bool = False
    root: bool = False                  # no known source
    terminal_reason: str | None = None
    seen_above: bool = False            # reached again: its subtree is printed once, above
    truncated: bool = False             # it has more lineage below the depth limit
    children: list[TreeNode] = field(default_factory=list)


def lineage_tree(lineage: Lineage, dataset: str, *, depth: int | None = None, down: bool = False) -> TreeNode:
    """The tree of ``dataset``'s sources (or, ``down``, of what derives from it), ``depth`` levels
    deep (all when None). A dataset reached twice is marked ``seen_above`` and not expanded again;
    two relations between the same pair are one branch."""
    iri = lineage.resolve(dataset)
    query = "downstream-edges" if down else "upstream-edges"
    rows = lineage.store.select(library().get(query), dataset=iri)
    branches: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        parent, child = (r["source"], r["target"]) if down else (r["target"], r["source"])
        rel = r["relation"]
        branches[parent][child].add(rel.rsplit("#", 1)[-1] if rel else "derived")
    info = {r["node"]: r for r in lineage.store.select(library().get("lineage-tree-nodes"), dataset=iri)}

    def node(node_iri: str, relations: list[str]) -> TreeNode:
        r = info.get(node_iri, {})
        reason = r.get("terminalReason")
        return TreeNode(id=r.get("id") or lineage.name(node_iri), relations=relations,
                        benchmark=bool(r.get("isBenchmark")), root=bool(r.get("isRoot")),
                        terminal_reason=reason.rsplit("#", 1)[-1] if reason else None)

    top = node(iri, [])
    seen = {iri}
    frontier = [(iri, top)]
    level = 0
    while frontier and (depth is None or level < depth):      # breadth-first: nearest first
        level += 1
        following = []
        for parent_iri, parent in frontier:
            for child_iri, relations in sorted(branches.get(parent_iri, {}).items(),
                                               key=lambda kv: lineage.name(kv[0]).lower()):
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
    return top


def _label(n: TreeNode, *, down: bool) -> Text:
    parts: list[out.Part] = []
    if n.relations:
        parts += [(", ".join(n.relations), "dim"), " ", out.name(n.id)]
    else:
        parts.append(out.name(n.id, "bold"))
    if n.benchmark:
        parts += ["  ", ("benchmark", "bold magenta")]
    if n.root and not n.seen_above:
        parts += [" " if n.benchmark else "  ", ("root", "green")]
        if n.terminal_reason:
            parts += [" ", (f"({n.terminal_reason})", "dim")]
    if n.seen_above:
        parts.append((" (see above)", "dim"))
    if n.truncated:
        parts.append((f" ... (more {'below' if down else 'upstream'}; raise --depth)", "dim"))
    return out.line(*parts)


def _grow(branch: Tree, n: TreeNode, *, down: bool) -> None:
    for child in n.children:
        _grow(branch.add(_label(child, down=down)), child, down=down)


def _count(n: TreeNode) -> int:
    return len(n.children) + sum(_count(c) for c in n.children if not c.seen_above)


@app.command()
def tree(datasets: Annotated[list[str], typer.Argument(metavar="DATASET...", help="Dataset id(s) as imported, alias or IRI.")],
         depth: Annotated[int | None, typer.Option(help="Levels to show (default: all).")] = None,
         down: Annotated[bool, typer.Option("--down", help="Show what derives from DATASET instead of its sources.")] = False,
         store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """The lineage of DATASET as an indented tree: relation on each branch, roots and benchmarks
    marked (several datasets: one tree each)."""
    if depth is not None and depth < 1:
        raise QueryParameterError("tree", "--depth", f"must be 1 or more, not {depth}")
    lineage = Lineage(command_store(store))
    tops = [lineage_tree(lineage, d, depth=depth, down=down) for d in datasets]
    if fmt is Format.json:
        answers = [{"dataset": t.id, "direction": "down" if down else "up", "depth": depth, "tree": t} for t in tops]
        out.emit_json(answers[0] if len(answers) == 1 else {"trees": answers})
        return EXIT_OK
    what = "derived dataset(s)" if down else "source(s)"
    for i, top in enumerate(tops):
        if i:
            out.stdout.print()
        shown = Tree(_label(top, down=down))
        _grow(shown, top, down=down)
        out.stdout.print(shown)
        out.say((f"{_count(top)} branch(es); {what} of ", "dim"), out.name(top.id, "dim"))
    return EXIT_OK
