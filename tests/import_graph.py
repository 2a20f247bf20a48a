"""The module import graph of a package, read from its source with ``ast`` (every import,
including those inside functions), its cycles, and imports that go against a layer order."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root`` (the package's folder), by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join([package, *parts])] = path
    return found


def _is_package(name: str, modules: Mapping[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def imports_of(name: str, source: str, modules: Mapping[str, Path]) -> set[str]:
    """The modules of ``modules`` that module ``name`` imports, anywhere in ``source``."""
    package = name if _is_package(name, modules) else name.rpartition(".")[0]
    targets: set[str] = set()

    def known(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (hit := known(alias.name)) is not None:
                    targets.add(hit)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                full = f"{origin}.{alias.name}"
                hit = full if full in modules else known(origin)
                if hit is not None:
                    targets.add(hit)
    targets.discard(name)
    return targets


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_names(root, package)
    return {name: imports_of(name, path.read_text(encoding="utf-8"), modules) for name, path in modules.items()}


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle (``a -> b -> ... -> a``) for every strongly connected group of modules, found
    with Tarjan's algorithm (iterative, so a deep graph cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return [_cycle_through(group, graph) for group in groups]


def _cycle_through(group: list[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """A shortest cycle from the group's first module back to itself, inside the group."""
    members = set(group)
    start = group[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph.get(node, ())):
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {group}")   # a strongly connected group always has one


@dataclass(frozen=True)
class Layer:
    """One layer: its rank (higher layers may import lower ones) and the module patterns it owns
    (``lineagekg.errors`` exactly, or ``lineagekg.api.*`` for a package and all its modules)."""

    rank: int
    name: str
    patterns: tuple[str, ...]


def layer_of(module: str, layers: Iterable[Layer]) -> Layer | None:
    """The layer whose most specific pattern matches ``module`` (None when none does)."""
    best: tuple[int, Layer] | None = None
    for layer in layers:
        for pattern in layer.patterns:
            if pattern.endswith(".*"):
                stem = pattern[:-2]
                hit = module == stem or module.startswith(stem + ".")
                weight = len(stem)
            else:
                hit = module == pattern
                weight = len(pattern) + 1          # an exact name beats a package pattern
            if hit and (best is None or weight > best[0]):
                best = (weight, layer)
    return best[1] if best else None


def upward_imports(graph: Mapping[str, Iterable[str]], layers: list[Layer]) -> list[str]:
    """Every import from a module to a module of a higher layer, as readable lines."""
    found = []
    for module, targets in sorted(graph.items()):
        own = layer_of(module, layers)
        for target in sorted(targets):
            theirs = layer_of(target, layers)
            if own is not None and theirs is not None and theirs.rank > own.rank:
                found.append(f"{module} ({own.name}) imports {target} ({theirs.name})")
    return found


def read_layers(markdown: str) -> list[Layer]:
    """The layer table in a ``layers`` fenced block: one line per layer, lowest first,
    ``name: pattern pattern ...``."""
    if "```layers\n" not in markdown:
        raise ValueError("no ```layers block")
    block = markdown.split("```layers\n", 1)[1].split("```", 1)[0]
    layers = []
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, patterns = line.partition(":")
        if not sep or not patterns.split():
            raise ValueError(f"layer line without 'name: patterns': {line!r}")
        layers.append(Layer(len(layers), name.strip(), tuple(patterns.split())))
    return layers
