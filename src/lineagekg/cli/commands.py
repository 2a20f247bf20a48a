"""The commands of ``lineagekg``: parse arguments, call the library, render the answer."""

from __future__ import annotations

import datetime
import enum
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from lineagekg import __version__
from lineagekg.analyses import Lineage
from lineagekg.cli import EXIT_NEGATIVE, EXIT_OK
from lineagekg.cli import render as out
from lineagekg.errors import InputError, QueryParameterError, StoreError
from lineagekg.queries import SPARQLQuery, library
from lineagekg.store import OxigraphStore, default_store_path, open_store
from lineagekg.store.oxigraph import EXPORT_FORMATS, held_by_another_process

app = typer.Typer(name="lineagekg", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="Trace, store and query the lineage of LLM post-training datasets (W3C PROV-O).")
import_app = typer.Typer(no_args_is_help=True, help="Import published lineage graphs.")
app.add_typer(import_app, name="import")


class Format(str, enum.Enum):
    table = "table"
    json = "json"


StoreOpt = Annotated[Optional[Path], typer.Option(
    "--store", envvar="LINEAGEKG_STORE", show_default=False,
    help=f"Store directory (default: LINEAGEKG_STORE or {default_store_path()}).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table for people, json for scripts.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display (none either when stderr is not a terminal).")]
IdArg = Annotated[str, typer.Argument(help="Dataset id as imported (a Hub id such as openai/gsm8k), alias or IRI.")]


_opened: list[OxigraphStore] = []


def _store(path: Path | None) -> OxigraphStore:
    """Open the store for this command; ``close_stores`` releases it when the command ends.

    A store that another process holds (a running gateway) is opened read-only: reading
    commands answer from a snapshot taken now, and a write is refused with a clear error."""
    try:
        store = open_store(path)
    except StoreError as exc:
        if not held_by_another_process(exc):
            raise
        store = open_store(path, read_only=True)
        out.stderr.print("note: another process (a running gateway?) holds the store; opened it "
                         "read-only, as it is now", markup=False)
    _opened.append(store)
    return store


def close_stores() -> None:
    """Release every store a command opened (its on-disk lock), so the next command can open it."""
    while _opened:
        _opened.pop().close()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lineagekg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """lineagekg: where did this training data come from?"""


# --- import ------------------------------------------------------------------------------------

@import_app.command("lineage-jsonl")
def import_lineage_jsonl(
    nodes: Annotated[Path, typer.Argument(help="Node file (JSON Lines, the paper's format).")],
    edges: Annotated[Path, typer.Argument(help="Edge file (JSON Lines, meta_info as a JSON string).")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> int:
    """Import a lineage graph in the paper's JSONL format (as published, with its quirks): validated
    with SHACL, all or nothing."""
    from lineagekg.importing import import_lineage_jsonl as run_import

    return _run_import(run_import, store, fmt, quiet, nodes, edges)


@import_app.command("dpi")
def import_dpi(
    folder: Annotated[Path, typer.Argument(help="Folder of the DPI collection's data_summaries/*.json files.")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> int:
    """Import the Data Provenance Initiative collection from its own files: derived-from links,
    licences, languages, task categories, creators, DPI ids as skos:exactMatch."""
    from lineagekg.importing import import_dpi as run_import

    return _run_import(run_import, store, fmt, quiet, folder)


@import_app.command("hf-cards")
def import_hf_cards(
    folder: Annotated[Path, typer.Argument(help="Folder of dataset cards (*.md with YAML), or a Hugging Face cache folder.")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> int:
    """Import Hugging Face dataset cards in bulk: source_datasets as edges, licence, languages,
    task categories, pretty_name and size."""
    from lineagekg.importing import import_hf_cards as run_import

    return _run_import(run_import, store, fmt, quiet, folder)


@import_app.command("openlineage")
def import_openlineage(
    events: Annotated[Path, typer.Argument(help="OpenLineage run events: a JSON or JSON Lines file, or a folder of them.")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> int:
    """Import OpenLineage run events as PROV activities: each run used its input datasets and
    generated its outputs."""
    from lineagekg.importing import import_openlineage as run_import

    return _run_import(run_import, store, fmt, quiet, events)


@import_app.command("prov")
def import_prov(
    file: Annotated[Path, typer.Argument(help="A PROV document: PROV-N, PROV-JSON, PROV-XML or PROV-O.")],
    prov_format: Annotated[Optional[str], typer.Option(
        "--format", "-f", help="provn, provjson, provxml, or an RDF syntax for PROV-O (turtle, trig, nquads, "
                               "ntriples, jsonld, rdfxml); default: from the file name")] = None,
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> int:
    """Import a PROV document: its bundles as named graphs, validated with SHACL, all or nothing."""
    from lineagekg.importing import import_prov as run_import

    return _run_import(run_import, store, fmt, quiet, file, fmt=prov_format)


def _run_import(run_import, store: Path | None, output: Format, quiet: bool,  # type: ignore[no-untyped-def]
                *args, **kwargs) -> int:
    """Run one importer with its phases shown on stderr, then report what it did."""
    with out.phases("importing", quiet=quiet) as phase:
        summary = run_import(_store(store), *args, progress=phase, **kwargs)
    return _report_import(summary, output)


def _report_import(summary, fmt: Format) -> int:  # type: ignore[no-untyped-def]  # ImportSummary, imported lazily
    """Print what an import did (or its JSON); exit 1 when SHACL rejected it."""
    outcome = summary.outcome
    report = outcome.report
    result = {
        "graph": outcome.graph, "accepted": outcome.accepted, "already_present": outcome.already_present,
        "datasets": summary.datasets, "edges": summary.edges, "quads_written": outcome.quads_written,
        "counts": summary.counts, "warnings": list(summary.warnings),
        "violations": [r.as_dict() for r in report.violations] if report else [],
        "shacl_warnings": [r.as_dict() for r in report.warnings] if report else [],
    }
    if fmt is Format.json:
        out.emit_json(result)
    elif outcome.already_present:
        out.say(f"already imported as {outcome.graph}: nothing written")
    elif outcome.accepted:
        out.say(f"imported {summary.datasets} datasets and {summary.edges} edges "
                f"({outcome.quads_written} quads) into {outcome.graph}")
        if summary.counts:
            out.say("read: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.counts.items()))
        for w in summary.warnings:
            out.say(("warning:", "yellow"), " ", w, err=True)
        if report and report.warnings:
            out.say((f"{len(report.warnings)} SHACL warning(s)", "yellow"),
                    f" kept in {outcome.graph}/validation, for example:", err=True)
            for r in report.warnings[:5]:
                out.say("  ", r.describe(), err=True)
    else:
        out.say(("rejected:", "bold red"), f" {len(report.violations) if report else 0} "
                "SHACL violation(s); nothing was written", err=True)
        for r in (report.violations if report else [])[:20]:
            out.say("  ", r.describe(), err=True)
    return EXIT_OK if outcome.accepted else EXIT_NEGATIVE


# --- lineage questions -------------------------------------------------------------------------

@app.command()
def ancestors(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table,
              tree: Annotated[bool, typer.Option(help="Show the lineage as a tree.")] = True) -> int:
    """Every dataset DATASET was derived from, directly or transitively."""
    lineage = Lineage(_store(store))
    found = lineage.ancestors(dataset)
    if fmt is Format.json:
        out.emit_json({"dataset": dataset, "ancestors": [a.id for a in found],
                       "details": found})
        return EXIT_OK
    if tree:
        out.lineage_tree(dataset, lineage.upstream_edges(dataset))
    out.related_table(out.line(f"{len(found)} ancestor(s) of ", out.name(dataset)), found, extra="root")
    return EXIT_OK


@app.command()
def descendants(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Every dataset derived from DATASET, directly or transitively."""
    found = Lineage(_store(store)).descendants(dataset)
    if fmt is Format.json:
        out.emit_json({"dataset": dataset, "descendants": [d.id for d in found], "details": found})
        return EXIT_OK
    out.related_table(out.line(f"{len(found)} descendant(s) of ", out.name(dataset)), found, extra="leaf")
    return EXIT_OK


@app.command()
def roots(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """The upstream roots of DATASET (datasets with no known source), with why each is terminal."""
    found = Lineage(_store(store)).roots(dataset)
    if fmt is Format.json:
        out.emit_json({"dataset": dataset, "roots": [r.id for r in found], "details": found})
        return EXIT_OK
    out.table(out.line(f"{len(found)} root(s) of ", out.name(dataset)), ["root", "terminal reason"],
              [[out.name(r.id), r.terminal_reason or r.terminal_note or ""] for r in found])
    return EXIT_OK


@app.command("shared-roots")
def shared_roots(datasets: Annotated[list[str], typer.Argument(help="Two or more dataset ids.")],
                 store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Roots that all of the given datasets share."""
    found = Lineage(_store(store)).shared_roots(datasets)
    if fmt is Format.json:
        out.emit_json({"datasets": datasets, "shared_roots": [r.id for r in found], "details": found})
        return EXIT_OK
    shared_by = [part for i, d in enumerate(datasets) for part in ((", ",) if i else ()) + (out.name(d),)]
    out.table(out.line(f"{len(found)} root(s) shared by ", *shared_by), ["root", "terminal reason"],
              [[out.name(r.id), r.terminal_reason or ""] for r in found])
    return EXIT_OK


@app.command()
def path(source: Annotated[str, typer.Argument(metavar="FROM")], target: Annotated[str, typer.Argument(metavar="TO")],
         store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """A shortest lineage path between two datasets (exit 1 when they are not related)."""
    found = Lineage(_store(store)).path(source, target)
    if fmt is Format.json:
        out.emit_json({"from": source, "to": target,
                       "direction": found[0] if found else None,
                       "path": list(found[1].nodes) if found else None,
                       "relations": list(found[1].relations) if found else None})
    elif found is None:
        out.say("no lineage path between ", out.name(source), " and ", out.name(target))
    else:
        direction, witness = found
        what = "derives from" if direction == "upstream" else "is an ancestor of"
        out.say(out.name(source), f" {what} ", out.name(target), f" in {witness.length} hop(s):")
        out.say("  ", out.path_text(witness.nodes, witness.relations))
    return EXIT_OK if found else EXIT_NEGATIVE


@app.command()
def contamination(
    benchmark: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table,
    verify: Annotated[bool, typer.Option("--verify", help="Look for the benchmark's registered records in "
                                         "every registered set, next to the predicted path.")] = False,
    threshold: Annotated[float, typer.Option(help="--verify: near-duplicate threshold (share of n-grams).")] = 0.5,
    ngram: Annotated[int, typer.Option(help="--verify: words per shingle.")] = 8,
    num_perm: Annotated[int, typer.Option("--num-perm", help="--verify: MinHash permutations.")] = 128,
    write: Annotated[bool, typer.Option("--write/--no-write", help="--verify: write measurements as PROV.")] = True,
) -> int:
    """Every dataset that reaches BENCHMARK (or one of its splits), each with a witness path;
    with --verify, the benchmark's items found at the record level in every registered set."""
    if verify:
        from lineagekg.cli.samples import verify_contamination

        return verify_contamination(benchmark, store, fmt, threshold=threshold, ngram=ngram,
                                    num_perm=num_perm, write=write)
    hits = Lineage(_store(store)).contamination(benchmark)
    if fmt is Format.json:
        out.emit_json({"benchmark": benchmark, "datasets": [h.dataset for h in hits],
                       "hits": [{"dataset": h.dataset, "reached": h.reached, "hops": h.path.length,
                                 "path": list(h.path.nodes), "relations": list(h.path.relations)}
                                for h in hits]})
        return EXIT_OK
    out.table(out.line(f"{len(hits)} dataset(s) reach ", out.name(benchmark)), ["dataset", "hops", "witness path"],
              [[out.name(h.dataset), h.path.length, out.path_text(h.path.nodes, h.path.relations)] for h in hits])
    return EXIT_OK


@app.command()
def redundancy(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Implicit intersections: datasets built from X and from something already derived from X."""
    hits = Lineage(_store(store)).redundancy()
    if fmt is Format.json:
        out.emit_json({"hits": hits})
        return EXIT_OK
    out.table(f"{len(hits)} implicit intersection(s)", ["dataset", "takes", "and again via"],
              [[out.name(h.dataset), out.line(out.name(h.upstream), f" ({h.upstream_relation})"),
                out.line(out.name(h.via), f" ({h.via_relation})")] for h in hits])
    return EXIT_OK


@app.command()
def structure(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Per domain: nodes, average depth, in-degree, out-degree and leaf share (the paper's Table 1)."""
    rows = Lineage(_store(store)).structure()
    if fmt is Format.json:
        out.emit_json({"domains": rows})
        return EXIT_OK
    out.table("Domain structure", ["domain", "nodes", "avg depth", "in-degree", "out-degree", "leaf %"],
              [[r.domain, r.nodes, f"{r.avg_depth:.2f}", f"{r.avg_in_degree:.2f}",
                f"{r.avg_out_degree:.2f}", f"{r.leaf_share:.2f}"] for r in rows])
    return EXIT_OK


@app.command()
def stats(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Size of the lineage graph: datasets, edges, derivations by relation, terminal reasons, graphs."""
    st = Lineage(_store(store)).statistics()
    if fmt is Format.json:
        out.emit_json(st)
        return EXIT_OK
    out.table("Lineage graph", ["what", "count"], [[k, v] for k, v in st.counts.items()])
    out.table("Derivations by relation", ["relation", "count"], [[k, v] for k, v in st.relations.items()])
    if st.terminal_reasons:
        out.table("Terminal datasets by reason", ["reason", "count"],
                  [[k, v] for k, v in st.terminal_reasons.items()])
    return EXIT_OK


# --- SPARQL, validation, export ----------------------------------------------------------------

def _check_backend(command: str, backend: str) -> None:
    """``--backend`` names a tracing backend (a usage error otherwise, before any work)."""
    from lineagekg.llm import BACKENDS

    if backend not in BACKENDS:
        raise QueryParameterError(command, "--backend", f"unknown tracing backend {backend!r}; use one of "
                                  + ", ".join(BACKENDS))


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
    name_or_file: Annotated[str, typer.Argument(metavar="NAME_OR_FILE.rq",
                                                help="A library query name (ancestors, analyses/roots) or a .rq file.")] = "",
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="NAME=VALUE (repeatable).")] = None,
    results: Annotated[str, typer.Option("--results", help="SELECT: table, json, csv, tsv, xml. CONSTRUCT: turtle, ntriples.")] = "table",
    list_queries: Annotated[bool, typer.Option("--list", help="List the library's queries.")] = False,
    store: StoreOpt = None,
) -> int:
    """Run a SPARQL query of the library or from a file, parameters bound (never spliced).

    Caution: a query from a file may use SERVICE, which reaches the network.
    """
    if list_queries or not name_or_file:
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
    st = _store(store)
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


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help=(
        "turtle, trig, nquads, jsonld (also ntriples, rdfxml); PROV-N, PROV-JSON, PROV-XML: provn, provjson, "
        "provxml."))] = "trig",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    include_ontology: Annotated[bool, typer.Option(help="Also export the ontology graph.")] = False,
    dataset: Annotated[Optional[str], typer.Option(
        "--dataset", "-d", help="Only this dataset's lineage (turtle, jsonld, provn, provjson, provxml).")] = None,
    direction: Annotated[str, typer.Option(help="With --dataset: up (ancestors), down or both.")] = "both",
    store: StoreOpt = None,
) -> int:
    """Export the store: TriG, N-Quads, JSON-LD and the PROV formats keep the named graphs (as
    PROV bundles); Turtle holds their union. With --dataset, that dataset's lineage subgraph."""
    from lineagekg.interop.prov_documents import PROV_FORMATS

    if dataset is not None:
        data = Lineage(_store(store)).export(dataset, fmt=fmt, direction=direction)
    elif fmt not in EXPORT_FORMATS and fmt not in PROV_FORMATS:
        raise QueryParameterError("export", "--format",
                                  f"{fmt!r}; use one of {', '.join([*EXPORT_FORMATS, *PROV_FORMATS])}")
    else:
        data = _store(store).export(fmt, include_ontology=include_ontology)
    _write(data, output)
    return EXIT_OK


@app.command()
def catalog(
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle, jsonld or ntriples.")] = "turtle",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    store: StoreOpt = None,
) -> int:
    """The store as a DCAT 3 catalog: datasets with distribution, landing page, licence IRIs and
    prov:wasDerivedFrom."""
    from lineagekg.interop import dcat

    if fmt not in dcat.FORMATS:
        raise QueryParameterError("catalog", "--format", f"{fmt!r}; use one of {', '.join(dcat.FORMATS)}")
    _write(dcat.catalog(_store(store), fmt=fmt), output)
    return EXIT_OK


@app.command()
def croissant(
    dataset: IdArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the Croissant file and the lineage file to.")] = Path("."),
    store: StoreOpt = None,
) -> int:
    """Croissant 1.1 JSON-LD for DATASET with its lineage (prov:wasDerivedFrom, and its upstream
    lineage graph as a Turtle file beside it)."""
    import json

    from lineagekg.interop.croissant import croissant as build

    made = build(Lineage(_store(store)), dataset)
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


# --- tracing -----------------------------------------------------------------------------------

@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A dataset document (Hub card, README, markdown).")],
    dataset: Annotated[Optional[list[str]], typer.Option("--dataset", "-d",
                                                         help="The dataset(s) the document describes (repeatable).")] = None,
    corpus: Annotated[Optional[Path], typer.Option(
        help="A corpus folder whose aliases name datasets; a document listed in its index is read as listed "
             "(its URL and the datasets it describes).")] = None,
    backend: Annotated[str, typer.Option(help="Tracing backend: offline, heuristic, anthropic or replay.")] = "offline",
    model: Annotated[Optional[str], typer.Option(help="The model the anthropic or replay backend uses.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(help="The model-call cache (anthropic, replay).")] = None,
    fmt: FormatOpt = Format.table,
) -> int:
    """The lineage claims found in one document, each with its verbatim evidence (claims whose
    evidence is not in the document are dropped, as when tracing)."""

    from lineagekg.corpus import Corpus, read_document
    from lineagekg.llm import make_backend
    from lineagekg.text.evidence import evidence_in

    _check_backend("extract", backend)
    docs = Corpus.from_directory(corpus) if corpus else None
    aliases = docs.aliases() if docs else {}
    document = None
    if docs is not None:
        try:
            relative = file.resolve().relative_to(docs.root).as_posix()
        except ValueError:
            relative = None
        if relative is not None and any(e.file == relative for e in docs.entries()):
            document = docs.document(relative)
            if dataset:
                document = replace(document, about=tuple(dataset))
    if document is None:
        document = read_document(file, about=tuple(dataset or ()))
    answer = make_backend(backend, model=model, cache_dir=cache_dir, corpus=docs).answer(document, document.text, aliases)
    claims = [c for c in answer.claims if c.evidence.strip() and evidence_in(document.text, c.evidence)]
    for problem in answer.problems:
        out.say(("answer problem:", "yellow"), " ", problem, err=True)
    if len(claims) < len(answer.claims):
        out.say((f"{len(answer.claims) - len(claims)} claim(s) dropped: evidence not in the document", "yellow"),
                err=True)
    if fmt is Format.json:
        out.emit_json({"file": str(file), "document": document.url, "about": list(document.about), "claims": [
            {"target": c.target, "source": c.source, "relation": c.relation, "confidence": c.confidence,
             "evidence": c.evidence, "source_split": c.source_split} for c in claims]})
        return EXIT_OK
    out.table(f"{len(claims)} claim(s) in {file}", ["target", "source", "relation", "conf.", "evidence"],
              [[out.name(c.target), out.line(out.name(c.source), f" ({c.source_split})" if c.source_split else ""),
                c.relation, f"{c.confidence:.2f}", c.evidence[:120]] for c in claims])
    return EXIT_OK


@app.command("eval")
def evaluate_backend(
    labels: Annotated[list[Path], typer.Option(help="Hand-checked edges (CSV: child, parent, relation, source_file, "
                                                    "...); repeatable. A NAME_documents.txt beside NAME_edges.csv "
                                                    "lists documents labelled as stating no edge.")],
    corpus: Annotated[Path, typer.Option(help="The corpus folder the labels' source_file paths are relative to.")],
    backend: Annotated[str, typer.Option(help="Backend scored: offline, heuristic, anthropic or replay.")] = "offline",
    model: Annotated[Optional[str], typer.Option(help="The model the anthropic or replay backend uses.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(help="The model-call cache (anthropic, replay).")] = None,
    replay_dir: Annotated[Optional[Path], typer.Option(help="Recorded answers for --backend replay.")] = None,
    holdout: Annotated[Optional[Path], typer.Option(
        help="Documents kept out of training and scoring (default: labels/holdout_documents.txt beside the corpus).")] = None,
    loo: Annotated[bool, typer.Option(
        "--loo/--committed-model",
        help="offline backend: retrain leaving each labelled document out and score it (the honest figure); "
             "--committed-model scores the committed model, which has seen every labelled document.")] = True,
    fmt: FormatOpt = Format.table,
) -> int:
    """Precision, recall and F1 of (target, source) pairs per document and overall, relation
    agreement, misses and extras; for the offline backend leave-one-document-out, with recall by
    statement shape and misses split into name, target, blocked and decision failures."""
    from lineagekg.evaluation import EvalReport, run_eval

    _check_backend("eval", backend)
    for f in labels:
        if not f.is_file():
            raise InputError("no such labels file", file=str(f))
    if not corpus.is_dir():
        raise InputError("no such corpus folder", file=str(corpus))
    held = holdout if holdout is not None else corpus.parent / "labels" / "holdout_documents.txt"
    if holdout is not None and not holdout.is_file():
        raise InputError("no such hold-out file", file=str(holdout))
    extra: dict[str, object] = {}
    if backend == "offline" and loo:
        from lineagekg.extract.assessment import leave_one_document_out

        assessment = leave_one_document_out(corpus, list(labels), held if held.is_file() else None)
        report: EvalReport = assessment.report
        text = assessment.table()
        extra = {"method": "leave-one-document-out",
                 "recall_by_shape": {k: {"labels": n, "matched": ok, "recall": ok / n if n else 0.0}
                                     for k, (n, ok) in sorted(assessment.shapes.items())},
                 "misses_by_cause": dict(sorted(assessment.failures.items()))}
    else:
        from lineagekg.corpus import Corpus
        from lineagekg.llm import make_backend

        docs = Corpus.from_directory(corpus)
        scored = make_backend(backend, model=model, cache_dir=cache_dir, replay_dir=replay_dir, corpus=docs)
        report = run_eval(labels, corpus, scored, holdout=held if held.is_file() else None)
        text = report.table()
        extra = {"method": "committed model" if backend == "offline" else f"{backend} backend"}
    if fmt is Format.json:
        out.emit_json({"precision": report.precision, "recall": report.recall, "f1": report.f1,
                       "relation_agreement": report.relation_agreement,
                       "top_relation_agreement": report.top_relation_agreement,
                       "labels": report.labels, "predicted": report.predicted, "matched": report.matched,
                       "documents": {name: {"labels": d.labels, "predicted": d.predicted, "matched": d.matched,
                                            "precision": d.precision, "recall": d.recall, "f1": d.f1}
                                     for name, d in sorted(report.documents.items())},
                       "misses": [f"{m.child} <- {m.parent}" for m in report.misses],
                       "extras": [f"{c.target} <- {c.source}" for c in report.extras], **extra})
    else:
        out.say(text)
    return EXIT_OK


@app.command("train")
def train_extractor(
    corpus: Annotated[Path, typer.Option(help="The corpus folder (index.json, docs, cards, dpi/raw).")],
    labels: Annotated[list[Path], typer.Option(help="Hand-checked edges to train on (repeatable).")],
    holdout: Annotated[Optional[Path], typer.Option(
        help="Documents never read for training (default: labels/holdout_documents.txt beside the corpus).")] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--out", help="Where the model file goes (default: the one the offline backend reads).")] = None,
    fmt: FormatOpt = Format.table,
) -> int:
    """Train the offline extractor's decision model (deterministic) on the labels and the corpus's
    structured statements, never on a hold-out document, and write it with a record of its data."""
    from lineagekg.extract.assessment import labelled_documents
    from lineagekg.extract.decision import DEFAULT_MODEL_PATH
    from lineagekg.extract.training import train

    for f in labels:
        if not f.is_file():
            raise InputError("no such labels file", file=str(f))
    if not corpus.is_dir():
        raise InputError("no such corpus folder", file=str(corpus))
    held = holdout if holdout is not None else corpus.parent / "labels" / "holdout_documents.txt"
    target = output or DEFAULT_MODEL_PATH
    model = train(corpus, list(labels), held if held.is_file() else None, target,
                  extra_documents=labelled_documents(list(labels)))
    if fmt is Format.json:
        out.emit_json({"model": str(target), "trained": model.trained})
    else:
        out.say(f"wrote {target}: {len(model.weights)} weights, relations {', '.join(model.relation_classes)}; "
                f"examples {model.trained.get('examples')}")
    return EXIT_OK


@app.command()
def trace(
    seeds: Annotated[list[str], typer.Argument(metavar="SEED...", help="Dataset ids (or aliases) to trace upstream from.")],
    corpus: Annotated[Optional[Path], typer.Option(
        help="A corpus folder of documents (index.json or plain cards), read instead of the Hub.")] = None,
    backend: Annotated[str, typer.Option(help="Tracing backend: offline, heuristic, anthropic or replay.")] = "offline",
    model: Annotated[Optional[str], typer.Option(help="The model the anthropic or replay backend uses.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(help="The model-call cache (anthropic, replay).")] = None,
    replay_dir: Annotated[Optional[Path], typer.Option(help="Recorded answers for --backend replay.")] = None,
    depth: Annotated[int, typer.Option(help="How many hops upstream to trace from the seeds.")] = 3,
    cutoff: Annotated[str, typer.Option(
        help="Datasets released before this date (YYYY-MM-DD) are not expanded; 'none' for no cut-off.")] = "2020-01-01",
    online: Annotated[Optional[bool], typer.Option(
        "--online/--offline", show_default=False,
        help="Read Hub cards and fetch linked papers and READMEs over the network (default: online "
             "without --corpus unless HF_HUB_OFFLINE=1; offline with --corpus).")] = None,
    store: StoreOpt = None, fmt: FormatOpt = Format.table,
) -> int:
    """Trace SEED datasets upstream from their documentation and write the lineage, one validated
    named graph per dataset, as PROV (re-runs write nothing twice; a killed run resumes)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from lineagekg.agents.sourcing import SourcingAgent
    from lineagekg.agents.tracer import DatasetProgress, Tracer
    from lineagekg.corpus import Corpus
    from lineagekg.hub import hub_offline
    from lineagekg.llm import make_backend

    _check_backend("trace", backend)
    if depth < 0:
        raise QueryParameterError("trace", "--depth", f"must be 0 or more, not {depth}")
    cut: datetime.date | None = None
    if cutoff.strip().lower() not in ("none", "off"):
        try:
            cut = datetime.date.fromisoformat(cutoff.strip())
        except ValueError:
            raise QueryParameterError("trace", "--cutoff",
                                      f"must be a date YYYY-MM-DD or 'none', not {cutoff!r}") from None
    if corpus is not None and not corpus.is_dir():
        raise InputError("no such corpus folder", file=str(corpus))
    docs = Corpus.from_directory(corpus) if corpus is not None else None
    tracing = make_backend(backend, model=model, cache_dir=cache_dir, replay_dir=replay_dir, corpus=docs)
    go_online = (docs is None and not hub_offline()) if online is None else online
    sourcing = SourcingAgent(docs, online=go_online)

    bar = Progress(TextColumn("[bold]tracing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                   TimeElapsedColumn(), console=out.stderr, transient=True)
    task = bar.add_task("", total=len(seeds))

    def progress(event: DatasetProgress) -> None:
        detail = {"traced": f"{event.edges} edge(s), {event.sources} source(s)",
                  "already traced": f"{event.sources} source(s), nothing written",
                  "terminal": event.reason or "", "rejected": event.reason or "",
                  "failed": event.reason or "", "unreachable": event.reason or ""}[event.status]
        if event.status == "traced" and event.reason:
            detail += f", terminal: {event.reason}"
        colour = {"traced": "green", "already traced": "cyan", "terminal": "yellow", "rejected": "red",
                  "failed": "red", "unreachable": "red"}[event.status]
        bar.console.print(out.line((f"{event.status:>14}", colour), f" depth {event.depth} ", out.name(event.dataset),
                                   f" ({event.documents} document(s)): ", detail))
        done = bar.tasks[0].completed + 1
        bar.update(task, completed=done, total=done + event.pending, description=out.markup(event.dataset))

    tracer = Tracer(_store(store), docs, tracing, depth=depth, cutoff=cut, sourcing=sourcing, progress=progress)
    with bar:
        summary = tracer.run(seeds)
    if fmt is Format.json:
        out.emit_json(summary.as_dict())
    else:
        usage = summary.usage
        out.table(f"Trace ({summary.seconds:.1f} s)", ["what", "count"], [
            ["datasets traced", summary.datasets_traced], ["of which already in the store", summary.already_traced],
            ["edges written", summary.edges_written], ["quads written", summary.quads_written],
            *[[f"terminal: {k}", v] for k, v in sorted(summary.terminal.items())],
            ["claims dropped (never stored)", summary.claims_dropped],
            *[[f"  dropped: {k}", v] for k, v in sorted(summary.drop_reasons.items())],
            ["sources rejected (released after their target)", summary.sources_rejected],
            ["bad documents (not traced)", summary.documents_failed],
            *[[f"  {k}", v] for k, v in sorted(summary.document_outcomes.items())],
            ["model-answer problems", summary.answer_problems],
            ["links listed / not fetched (offline)", f"{summary.links_listed} / {summary.links_not_fetched}"],
            ["model calls / cache hits", f"{usage.model_calls} / {usage.cache_hits}"],
            ["tokens in / out", f"{usage.input_tokens} / {usage.output_tokens}"],
            ["batches rejected by SHACL", summary.batches_rejected],
            ["datasets not traced: the model call failed (a re-run retries)", summary.datasets_failed],
            ["datasets not traced: unreachable, the network failed (a re-run retries)",
             summary.datasets_unreachable]])
        for label, lines in (("bad document", summary.document_errors), ("answer problem", summary.problem_messages),
                             ("source rejected", summary.rejected_sources)):
            for message in lines[:20]:
                out.say((f"{label}:", "yellow"), " ", message, err=True)
        if summary.first_violation:
            out.say(("first SHACL violation:", "bold red"), " ", summary.first_violation, err=True)
    clean = summary.batches_rejected == 0 and summary.datasets_failed == 0 and summary.datasets_unreachable == 0
    return EXIT_OK if clean else EXIT_NEGATIVE


# Commands in their own modules register themselves on ``app`` when imported.
from lineagekg.cli import reporting, reviewing, samples, serving  # noqa: E402,F401
