"""The layer rules of docs/architecture.md hold: the import graph of ``src/lineagekg`` (every
import, function-level ones included) has no cycle, and no module imports a higher layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_graph import Layer, cycles, import_graph, layer_of, module_names, read_layers, upward_imports

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "lineagekg"
ARCHITECTURE = REPO / "docs" / "architecture.md"


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(PACKAGE, "lineagekg")


@pytest.fixture(scope="module")
def layers() -> list[Layer]:
    return read_layers(ARCHITECTURE.read_text(encoding="utf-8"))


def test_the_package_has_no_import_cycle(graph: dict[str, set[str]]) -> None:
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_module_imports_a_higher_layer(graph: dict[str, set[str]], layers: list[Layer]) -> None:
    found = upward_imports(graph, layers)
    assert not found, ("imports against the layer order of docs/architecture.md:\n" + "\n".join(found))


def test_every_module_has_a_layer(graph: dict[str, set[str]], layers: list[Layer]) -> None:
    missing = sorted(m for m in graph if layer_of(m, layers) is None)
    assert not missing, ("modules in no layer of docs/architecture.md (add them to its ```layers block): "
                         + ", ".join(missing))


def test_every_layer_pattern_names_a_module(graph: dict[str, set[str]], layers: list[Layer]) -> None:
    """A pattern left behind by a move or a rename is caught, so the table stays current."""
    stale = [f"{layer.name}: {pattern}" for layer in layers for pattern in layer.patterns
             if not any(layer_of(m, [Layer(0, layer.name, (pattern,))]) for m in graph)]
    assert not stale, "layer patterns that match no module: " + ", ".join(stale)


# --- the checker itself, on packages whose answer is known -------------------------------------

def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_through_a_function_level_and_a_relative_import_is_found(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from pkg import b\n",
        "b.py": "def later():\n    from .sub import c\n",
        "sub/__init__.py": "",
        "sub/c.py": "import pkg.a as again\n",
        "d.py": "from pkg.a import something\n",      # into the cycle, not part of it
    })
    graph = import_graph(pkg, "pkg")
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert graph["pkg.d"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]


def test_two_separate_cycles_are_both_reported(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"__init__.py": "", "a.py": "from . import b\n", "b.py": "from . import a\n",
                              "c.py": "import pkg.d\n", "d.py": "from pkg.c import x\n", "e.py": "import pkg.a\n"})
    assert cycles(import_graph(pkg, "pkg")) == [["pkg.a", "pkg.b", "pkg.a"], ["pkg.c", "pkg.d", "pkg.c"]]


def test_a_package_without_cycles_passes(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"__init__.py": "from pkg import a\n", "a.py": "import os\nfrom pkg import b\n",
                              "b.py": "import json\n"})
    graph = import_graph(pkg, "pkg")
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": set()}
    assert cycles(graph) == []


def test_an_import_from_a_lower_layer_to_a_higher_one_is_found(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"__init__.py": "", "errors.py": "", "store.py": "from pkg.errors import E\n",
                              "api/__init__.py": "", "api/app.py": "from pkg import store\n",
                              "api/special.py": "",
                              "low.py": "def f():\n    from pkg.api.app import app\n    import pkg.api.special\n"})
    layers = read_layers("intro\n```layers\n# lowest first\nbase: pkg.errors pkg.low pkg.api.special\n"
                         "middle: pkg pkg.store\ntop: pkg.api.*\n```\n")
    assert [(layer.name, layer.rank) for layer in layers] == [("base", 0), ("middle", 1), ("top", 2)]
    assert layer_of("pkg.api.special", layers).name == "base"      # an exact name beats a package pattern
    assert upward_imports(import_graph(pkg, "pkg"), layers) == [
        "pkg.low (base) imports pkg.api.app (top)"]


def test_a_layer_table_without_patterns_is_refused() -> None:
    with pytest.raises(ValueError, match="name: patterns"):
        read_layers("```layers\nbase pkg.errors\n```\n")
    with pytest.raises(ValueError, match="no ```layers block"):
        read_layers("# no table here\n")


def test_module_names_cover_packages_and_modules(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"__init__.py": "", "a.py": "", "sub/__init__.py": "", "sub/b.py": ""})
    assert sorted(module_names(pkg, "pkg")) == ["pkg", "pkg.a", "pkg.sub", "pkg.sub.b"]
