"""``lineagekg validate``: check an RDF file against the lineagekg SHACL shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_NEGATIVE, EXIT_OK, Format, FormatOpt, app
from lineagekg.errors import InputError

_RDF_FORMATS = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads", ".jsonld": "json-ld",
                ".json": "json-ld", ".rdf": "xml", ".owl": "xml", ".xml": "xml"}


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="An RDF file (.ttl, .trig, .nt, .nq, .jsonld, .rdf).")],
             fmt: FormatOpt = Format.table) -> int:
    """Check an RDF file against the lineagekg SHACL shapes (exit 1 when it does not conform)."""
    from rdflib import Dataset, Graph

    from lineagekg.validation import validate as shacl_validate

    if not file.is_file():
        raise InputError("no such file", file=str(file))
    rdf_format = _RDF_FORMATS.get(file.suffix.lower())
    if rdf_format is None:
        raise InputError(f"unknown RDF file extension {file.suffix!r}", file=str(file),
                         hint="use one of: " + ", ".join(sorted(_RDF_FORMATS)))
    data = Dataset()
    try:
        data.parse(file, format=rdf_format)
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise InputError(f"cannot parse as {rdf_format}: {exc}", file=str(file)) from exc
    union = Graph()
    for triple in data.triples((None, None, None)):
        union.add(triple)
    report = shacl_validate(union)
    if fmt is Format.json:
        out.emit_json({"file": str(file), "conforms": report.conforms,
                       "results": [r.as_dict() for r in report.results]})
    else:
        verdict = ("conforms", "green") if report.conforms else ("does not conform", "red")
        out.say(str(file), ": ", verdict, f" ({len(report.violations)} violation(s), "
                f"{len(report.warnings)} warning(s))")
        for r in report.results:
            out.say(f"  {r.severity.value}: ", r.describe())
    return EXIT_OK if report.conforms else EXIT_NEGATIVE
