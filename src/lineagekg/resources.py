"""Find the ontology, the SHACL shapes and the SPARQL queries, wherever lineagekg is installed.

Order: ``LINEAGEKG_RESOURCES_DIR``; the copy packaged in the wheel (``lineagekg/_resources``);
the repository checkout (editable installs). Parsed graphs are cached and must not be mutated.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from rdflib import Graph

from lineagekg.errors import ResourceError

_KINDS = ("ontology", "shapes", "sparql")


@functools.cache
def resources_root() -> Path:
    """The folder that holds ``ontology/``, ``shapes/`` and ``sparql/``."""
    override = os.environ.get("LINEAGEKG_RESOURCES_DIR")
    candidates = [Path(override)] if override else []
    candidates += [Path(__file__).resolve().parent / "_resources", Path(__file__).resolve().parents[2]]
    for root in candidates:
        if all((root / kind).is_dir() for kind in _KINDS):
            return root
    raise ResourceError("cannot find the ontology/, shapes/ and sparql/ folders",
                        path=str(candidates[0]),
                        hint="set LINEAGEKG_RESOURCES_DIR to the folder that holds them")


def ontology_dir() -> Path:
    return resources_root() / "ontology"


def shapes_dir() -> Path:
    return resources_root() / "shapes"


def sparql_dir() -> Path:
    return resources_root() / "sparql"


def ontology_path() -> Path:
    return ontology_dir() / "lineage.ttl"


def _parse_turtle_files(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise ResourceError(f"cannot parse: {exc}", path=str(path)) from exc
    return graph


@functools.cache
def ontology_graph() -> Graph:
    """The ontology as an rdflib graph (cached; read-only by convention)."""
    return _parse_turtle_files([ontology_path()])


@functools.cache
def shapes_graph() -> Graph:
    """Every ``shapes/*.shacl.ttl`` file as one rdflib graph (cached; read-only by convention)."""
    paths = sorted(shapes_dir().glob("*.shacl.ttl"))
    if not paths:
        raise ResourceError("no *.shacl.ttl files", path=str(shapes_dir()))
    return _parse_turtle_files(paths)
