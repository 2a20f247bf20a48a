"""Output for people (rich tables and trees) and for scripts (JSON on stdout)."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from lineagekg.analyses import Edge, Related

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


def as_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: as_jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): as_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_jsonable(v) for v in value]
    return value


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(as_jsonable(value), indent=2, ensure_ascii=False) + "\n")


def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    t = Table(title=title, title_justify="left", show_lines=False)
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    stdout.print(t)


def related_table(title: str, items: list[Related], *, extra: str | None = None) -> None:
    columns = ["dataset", "hops"] + ([extra] if extra else [])
    rows = []
    for it in items:
        row: list[Any] = [it.id, it.distance]
        if extra == "root":
            row.append("root" if it.is_root else "")
        elif extra == "leaf":
            row.append("leaf" if it.is_leaf else "")
        rows.append(row)
    table(title, columns, rows)


def lineage_tree(root: str, edges: list[Edge], *, max_depth: int = 6) -> None:
    """Print the upstream lineage of ``root`` as a tree (a node seen twice is marked, not repeated)."""
    sources: dict[str, list[Edge]] = {}
    for e in edges:
        sources.setdefault(e.target, []).append(e)
    tree = Tree(f"[bold]{root}[/bold]")
    seen: set[str] = {root}

    def grow(node: str, branch: Tree, depth: int) -> None:
        for e in sorted(sources.get(node, []), key=lambda x: x.source):
            label = f"[dim]{e.relation or 'derived'}[/dim] {e.source}"
            if e.source in seen:
                branch.add(label + " [dim](see above)[/dim]")
                continue
            seen.add(e.source)
            child = branch.add(label)
            if depth < max_depth:
                grow(e.source, child, depth + 1)
            elif sources.get(e.source):
                child.add("[dim]...[/dim]")

    grow(root, tree, 1)
    stdout.print(tree)


def path_text(nodes: tuple[str, ...], relations: tuple[str | None, ...]) -> str:
    parts = [nodes[0]]
    for rel, node in zip(relations, nodes[1:]):
        parts.append(f" --{rel or 'derived'}--> {node}")
    return "".join(parts)
