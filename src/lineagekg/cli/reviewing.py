"""``lineagekg review``: list the claims waiting for a person; accept or reject one, as PROV."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_OK, Format, FormatOpt, StoreOpt, app, command_store

review_app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                         help="Claims waiting for review: list them; accept or reject one (recorded as PROV).")
app.add_typer(review_app, name="review")

EdgeArg = Annotated[str, typer.Argument(metavar="EDGE",
                                        help="The claim: its short id (as listed) or its derivation IRI.")]
ByOpt = Annotated[str | None, typer.Option("--by", show_default=False,
                                              help="Who decides (default: $USER).")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision).")]


@review_app.callback()
def review(ctx: typer.Context, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """List the claims waiting for review (low confidence), least confident first."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"store": store}   # `review --store S accept ID` decides in S too
        return EXIT_OK
    from lineagekg.reviewing import pending_claims

    claims = pending_claims(command_store(store))
    if fmt is Format.json:
        out.emit_json({"pending": claims})
        return EXIT_OK
    table = Table(title=out.text(f"{len(claims)} claim(s) waiting for review"), title_justify="left")
    table.add_column("id", no_wrap=True, min_width=16)
    table.add_column("target <- relation - source")
    table.add_column("conf.", no_wrap=True)
    table.add_column("evidence (document)", ratio=1)
    for c in claims:
        table.add_row(out.name(c.short_id), out.line(out.name(c.target), f"\n  <- {c.relation} - ", out.name(c.source)),
                      f"{c.confidence:.2f}", out.line(out.text(c.evidence or ""), "\n", (" ".join(c.documents), "dim")))
    out.stdout.print(table)
    if claims:
        out.say("decide with: lineagekg review accept ID --by NAME (or reject)", err=True)
    return EXIT_OK


def _decide(edge: str, accept: bool, by: str | None, note: str | None, store: str | None, fmt: Format) -> int:
    from lineagekg.reviewing import Decision, decide, default_reviewer

    outcome = decide(command_store(store), Decision(edge, accept, by if by is not None else default_reviewer(), note))
    if fmt is Format.json:
        out.emit_json(outcome)
        return EXIT_OK
    out.say(f"{outcome.status.lower()}: {outcome.edge} by ", out.name(outcome.reviewer), f" at {outcome.decided_at}")
    out.say(f"  recorded in {outcome.graph} ({outcome.quads_written} quads written, {outcome.quads_removed} removed)")
    if outcome.edges_removed:
        out.say(f"  no longer lineage: {len(outcome.edges_removed)} edge triple(s) removed")
    return EXIT_OK


@review_app.command()
def accept(ctx: typer.Context, edge: EdgeArg, by: ByOpt = None, note: NoteOpt = None, store: StoreOpt = None,
           fmt: FormatOpt = Format.table) -> int:
    """Accept a claim: its status becomes lk:Accepted, recorded as an lk:ReviewDecision by a prov:Person."""
    return _decide(edge, True, by, note, store or (ctx.obj or {}).get("store"), fmt)


@review_app.command()
def reject(ctx: typer.Context, edge: EdgeArg, by: ByOpt = None, note: NoteOpt = None, store: StoreOpt = None,
           fmt: FormatOpt = Format.table) -> int:
    """Reject a claim: it leaves the lineage (its edges are removed) and is kept as a rejected statement."""
    return _decide(edge, False, by, note, store or (ctx.obj or {}).get("store"), fmt)
