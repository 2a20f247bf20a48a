"""``lineagekg query``: run a SPARQL query of the library or from a file, parameters bound."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lineagekg.analyses import Lineage, answers
from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_NEGATIVE, EXIT_OK, Format, StoreOpt, app, command_store
from lineagekg.errors import InputError, QueryParameterError
from lineagekg.queries import SPARQLQuery, library


def _parse_params(pairs: list[str], query: SPARQLQuery, lineage: Lineage) -> dict[str, object]:
    values: dict[str, object] = {}
    kinds = {p.name: p.type for p in query.params}
    for pair in pairs:
        if "=" not in pair:
            raise QueryParameterError(query.name, pair, "expected NAME=VALUE")
        key, value = pair.split("=", 1)
        if kinds.get(key) == "iri" and not (value.startswith(("http://", "https://", "urn:"))):
            value = lineage.resolve(value)   # a dataset id stands for its IRI
        values[key] = value
    return values


@app.command()
def query(
    name_or_file: Annotated[str, typer.Argument(
        metavar="NAME_OR_FILE.rq", help="A library query name (ancestors, analyses/roots) or a .rq file.")] = "",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE (repeatable).")] = None,
    results: Annotated[str, typer.Option(
        "--results", help="SELECT: table, json, csv, tsv, xml. CONSTRUCT: turtle, ntriples.")] = "table",
    list_queries: Annotated[bool, typer.Option("--list", help="List the library's queries.")] = False,
    store: StoreOpt = None, list_format: Annotated[Format, typer.Option(
        "--format", "-f", help="--list: table for people, json for scripts (as GET /api/v1/queries).")] = Format.table,
) -> int:
    """Run a SPARQL query of the library or from a file, parameters bound (never spliced).

    Caution: a query from a file may use SERVICE, which reaches the network.
    """
    if list_queries or not name_or_file:
        if list_format is Format.json:
            out.emit_answer(answers.queries())
            return EXIT_OK
        out.table("SPARQL library", ["name", "parameters", "summary"],
                  [[q.name, ", ".join(p.name for p in q.params), q.summary] for q in library()])
        return EXIT_OK
    if results not in ("table", "json", "csv", "tsv", "xml", "turtle", "ntriples"):     # usage, before any work
        raise QueryParameterError(name_or_file, "--results", f"unknown format {results!r}")
    path_ = Path(name_or_file)
    if name_or_file.endswith(".rq") or path_.is_file():
        if not path_.is_file():
            raise InputError("no such query file", file=name_or_file)
        q = SPARQLQuery.from_text(path_.stem, path_.read_text(encoding="utf-8"), path_)
    else:
        q = library().get(name_or_file)
    st = command_store(store)
    values = _parse_params(param or [], q, Lineage(st))
    result = st.raw_query(q, **values)
    import pyoxigraph as ox

    if q.kind == "ASK":
        answer = bool(result)
        typer.echo("true" if answer else "false")
        return EXIT_OK if answer else EXIT_NEGATIVE
    if q.kind in ("CONSTRUCT", "DESCRIBE"):
        fmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}.get(
            results if results != "table" else "turtle")
        if fmt is None:
            raise QueryParameterError(q.name, "--results", "use turtle or ntriples for a graph")
        sys.stdout.write((ox.serialize(list(result), format=fmt) or b"").decode("utf-8"))
        return EXIT_OK
    formats = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
               "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}
    if results in formats:
        sys.stdout.write(result.serialize(format=formats[results]).decode("utf-8"))
        return EXIT_OK
    if results != "table":
        raise QueryParameterError(q.name, "--results", f"unknown format {results!r}")
    names = [v.value for v in result.variables]
    rows = [[out.cell("" if s[n] is None else s[n].value) for n in names] for s in result]
    out.table(f"{q.name}: {len(rows)} row(s)", names, rows)
    return EXIT_OK
