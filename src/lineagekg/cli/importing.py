"""``lineagekg import ...``: import published lineage graphs (paper JSONL, DPI, Hub cards,
OpenLineage, PROV), validated with SHACL, all or nothing, and report what was written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_NEGATIVE, EXIT_OK, Format, FormatOpt, QuietOpt, StoreOpt, app, command_store

if TYPE_CHECKING:
    from lineagekg.importing import ImportSummary  # imported lazily: it pulls the interop modules

import_app = typer.Typer(no_args_is_help=True, help="Import published lineage graphs.")
app.add_typer(import_app, name="import")

CommitEveryOpt = Annotated[int | None, typer.Option(
    "--commit-every", min=1, metavar="N",
    help="Write in chunks of about N datasets, each validated against the store and committed on its "
         "own (memory bounded by a chunk; parents always in an earlier chunk). Acyclicity is checked "
         "for the whole batch first. A chunk with violations stops the import: the chunks before it "
         "stay. A killed import leaves whole chunks only; running the same import again skips them and "
         "finishes it. Default: the whole batch in one all-or-nothing write.")]


@import_app.command("lineage-jsonl")
def import_lineage_jsonl(
    nodes: Annotated[Path, typer.Argument(help="Node file (JSON Lines, the paper's format).")],
    edges: Annotated[Path, typer.Argument(help="Edge file (JSON Lines, meta_info as a JSON string).")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
    commit_every: CommitEveryOpt = None,
) -> int:
    """Import a lineage graph in the paper's JSONL format (as published, with its quirks): validated
    with SHACL, all or nothing (or chunk by chunk with --commit-every; rerun to finish a killed one)."""
    from lineagekg.importing import import_lineage_jsonl as run_import

    return _run_import(run_import, store, fmt, quiet, nodes, edges, commit_every=commit_every)


@import_app.command("dpi")
def import_dpi(
    folder: Annotated[Path, typer.Argument(help="Folder of the DPI collection's data_summaries/*.json files.")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
    commit_every: CommitEveryOpt = None,
) -> int:
    """Import the Data Provenance Initiative collection from its own files: derived-from links,
    licences, languages, task categories, creators, DPI ids as skos:exactMatch."""
    from lineagekg.importing import import_dpi as run_import

    return _run_import(run_import, store, fmt, quiet, folder, commit_every=commit_every)


@import_app.command("hf-cards")
def import_hf_cards(
    folder: Annotated[Path, typer.Argument(
        help="Folder of dataset cards (*.md with YAML), or a Hugging Face cache folder.")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
    commit_every: CommitEveryOpt = None,
) -> int:
    """Import Hugging Face dataset cards in bulk: source_datasets as edges, licence, languages,
    task categories, pretty_name and size."""
    from lineagekg.importing import import_hf_cards as run_import

    return _run_import(run_import, store, fmt, quiet, folder, commit_every=commit_every)


@import_app.command("openlineage")
def import_openlineage(
    events: Annotated[Path, typer.Argument(
        help="OpenLineage run events: a JSON or JSON Lines file, or a folder of them.")],
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> int:
    """Import OpenLineage run events as PROV activities: each run used its input datasets and
    generated its outputs."""
    from lineagekg.importing import import_openlineage as run_import

    return _run_import(run_import, store, fmt, quiet, events)


@import_app.command("prov")
def import_prov(
    file: Annotated[Path, typer.Argument(help="A PROV document: PROV-N, PROV-JSON, PROV-XML or PROV-O.")],
    prov_format: Annotated[str | None, typer.Option(
        "--format", "-f", help="provn, provjson, provxml, or an RDF syntax for PROV-O (turtle, trig, nquads, "
                               "ntriples, jsonld, rdfxml); default: from the file name")] = None,
    store: StoreOpt = None, fmt: FormatOpt = Format.table, quiet: QuietOpt = False,
) -> int:
    """Import a PROV document: its bundles as named graphs, validated with SHACL, all or nothing."""
    from lineagekg.importing import import_prov as run_import

    return _run_import(run_import, store, fmt, quiet, file, fmt=prov_format)


def _run_import(run_import: Callable[..., Any], store: str | None, output: Format, quiet: bool,
                *args: Any, **kwargs: Any) -> int:
    """Run one importer with its phases shown on stderr (and, for a chunked import, a line per
    chunk written), then report what it did."""
    from lineagekg.importing import ChunkLine

    with out.phases("importing", quiet=quiet) as phase:
        def progress(message: str) -> None:
            phase(message)
            if not quiet and isinstance(message, ChunkLine):
                out.say(message, err=True)

        summary = run_import(command_store(store), *args, progress=progress, **kwargs)
    return _report_import(summary, output)


def _report_import(summary: ImportSummary, fmt: Format) -> int:
    """Print what an import did (or its JSON); exit 1 when SHACL rejected it."""
    outcome = summary.outcome
    report = outcome.report
    result = {
        "graph": outcome.graph, "accepted": outcome.accepted, "already_present": outcome.already_present,
        "datasets": summary.datasets, "edges": summary.edges, "quads_written": outcome.quads_written,
        "counts": summary.counts, "warnings": list(summary.warnings),
        "violations": [r.as_dict() for r in report.violations] if report else [],
        "shacl_warnings": [r.as_dict() for r in report.warnings] if report else [],
        "chunks": [{"chunk": c.chunk, "datasets": c.datasets, "state": c.state, "quads_written": c.quads_written}
                   for c in summary.chunks],
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
        committed = [c for c in summary.chunks if c.state != "rejected"]
        written = (f"; {len(committed)} chunk(s) before it ({sum(c.datasets for c in committed):,} datasets) "
                   f"are in the store, in {outcome.graph}" if committed else "")
        out.say(("rejected:", "bold red"), f" {len(report.violations) if report else 0} "
                f"SHACL violation(s) in the {outcome.what}; nothing of it was written{written}", err=True)
        for r in (report.violations if report else [])[:20]:
            out.say("  ", r.describe(), err=True)
    return EXIT_OK if outcome.accepted else EXIT_NEGATIVE
