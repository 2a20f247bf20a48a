#!/usr/bin/env python3
"""Rewrite the module table of docs/architecture.md ("which module answers which question") from
the source: every module of src/lineagekg, its layer (the ```layers block of the same page) and
the first paragraph of its docstring. Run it after adding, moving or renaming a module.

    .venv/bin/python scripts/architecture_table.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from import_graph import layer_of, module_names, read_layers  # noqa: E402 -- the checker the layer test uses

PAGE = REPO / "docs" / "architecture.md"
START, END = "<!-- modules:start -->", "<!-- modules:end -->"


def table(page: str) -> str:
    """The table's rows, lowest layer first, then by path."""
    layers = read_layers(page)
    rows = []
    for name, path in module_names(REPO / "src" / "lineagekg", "lineagekg").items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")
        layer = layer_of(name, layers)
        rank, layer_name = (layer.rank, layer.name) if layer else (len(layers), "(no layer)")
        rows.append((rank, str(path.relative_to(REPO / "src")), layer_name, first))
    lines = ["| module | layer | the question it answers |", "|---|---|---|"]
    lines += [f"| `{path}` | {layer} | {first} |" for _, path, layer, first in sorted(rows)]
    return "\n".join(lines)


def main() -> int:
    page = PAGE.read_text(encoding="utf-8")
    if START not in page or END not in page:
        print(f"{PAGE}: no {START} ... {END} markers", file=sys.stderr)
        return 1
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    PAGE.write_text(f"{head}{START}\n{table(page)}\n{END}{tail}", encoding="utf-8")
    print(f"wrote the module table of {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
