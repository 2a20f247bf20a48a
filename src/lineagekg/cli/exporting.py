"""``lineagekg export``, ``catalog``, ``croissant``: the store (or one dataset's lineage) written
out as RDF, PROV, DCAT or Croissant."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lineagekg.analyses import Lineage
from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_OK, IdArg, StoreOpt, app, command_store
from lineagekg.errors import QueryParameterError
from lineagekg.store.rdf_text import EXPORT_FORMATS


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help=(
        "turtle, trig, nquads, jsonld (also ntriples, rdfxml); PROV-N, PROV-JSON, PROV-XML: provn, provjson, "
        "provxml."))] = "trig",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    include_ontology: Annotated[bool, typer.Option(help="Also export the ontology graph.")] = False,
    dataset: Annotated[str | None, typer.Option(
        "--dataset", "-d", help="Only this dataset's lineage (turtle, jsonld, provn, provjson, provxml).")] = None,
    direction: Annotated[str, typer.Option(help="With --dataset: up (ancestors), down or both.")] = "both",
    store: StoreOpt = None,
) -> int:
    """Export the store: TriG, N-Quads, JSON-LD and the PROV formats keep the named graphs (as
    PROV bundles); Turtle holds their union. With --dataset, that dataset's lineage subgraph."""
    from lineagekg.interop.prov_documents import PROV_FORMATS

    if dataset is not None:
        data = Lineage(command_store(store)).export(dataset, fmt=fmt, direction=direction)
    elif fmt not in EXPORT_FORMATS and fmt not in PROV_FORMATS:
        raise QueryParameterError("export", "--format",
                                  f"{fmt!r}; use one of {', '.join([*EXPORT_FORMATS, *PROV_FORMATS])}")
    else:
        data = command_store(store).export(fmt, include_ontology=include_ontology)
    _write(data, output)
    return EXIT_OK


@app.command()
def catalog(
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle, jsonld or ntriples.")] = "turtle",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    store: StoreOpt = None,
) -> int:
    """The store as a DCAT 3 catalog: datasets with distribution, landing page, licence IRIs and
    prov:wasDerivedFrom."""
    from lineagekg.interop import dcat

    if fmt not in dcat.FORMATS:
        raise QueryParameterError("catalog", "--format", f"{fmt!r}; use one of {', '.join(dcat.FORMATS)}")
    _write(dcat.catalog(command_store(store), fmt=fmt), output)
    return EXIT_OK


@app.command()
def croissant(
    dataset: IdArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Folder to write the Croissant file and the lineage file to.")] = Path("."),
    store: StoreOpt = None,
) -> int:
    """Croissant 1.1 JSON-LD for DATASET with its lineage (prov:wasDerivedFrom, and its upstream
    lineage graph as a Turtle file beside it)."""
    import json

    from lineagekg.interop.croissant import croissant as build

    made = build(Lineage(command_store(store)), dataset)
    output.mkdir(parents=True, exist_ok=True)
    _write(made.lineage, output / made.lineage_name)
    stem = made.lineage_name.removesuffix("-lineage.ttl")
    _write((json.dumps(made.metadata, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
           output / f"{stem}.croissant.json")
    return EXIT_OK


def _write(data: bytes, output: Path | None) -> None:
    """``data`` to stdout, or to ``output`` whole (written beside it first, then renamed)."""
    if output is None:
        sys.stdout.buffer.write(data)
        return
    tmp = output.with_name(output.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(output)    # no half-written file on failure
    out.say(f"wrote {len(data)} bytes to {output}", err=True)
