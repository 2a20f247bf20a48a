"""The Typer app of ``lineagekg`` and what its commands share: exit codes, the common options,
the output format, and the store each command opens and ``main`` closes.

Command modules (one per noun: ``analyses``, ``importing``, ``querying``, ...) import this module
and register on ``app``; none imports another command module's privates.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from lineagekg import __version__
from lineagekg.cli import render as out
from lineagekg.errors import QueryParameterError, StoreError
from lineagekg.store import OxigraphStore, default_store_path, open_store
from lineagekg.store.oxigraph import held_by_another_process
from lineagekg.store.sparql_http import is_server_location

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE, EXIT_KNOWN_ERROR, EXIT_BUG = 0, 1, 2, 3, 4

app = typer.Typer(name="lineagekg", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="Trace, store and query the lineage of LLM post-training datasets (W3C PROV-O).")


class Format(enum.StrEnum):
    """``--format``: a table for people or JSON for scripts."""

    table = "table"
    json = "json"


StoreOpt = Annotated[str | None, typer.Option(
    "--store", envvar="LINEAGEKG_STORE", show_default=False,
    help=f"Store directory (default: LINEAGEKG_STORE or {default_store_path()}), or a SPARQL server: "
         "sparql+http://host:port/sparql.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table for people, json for scripts.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q",
                                        help="No progress display (none either when stderr is not a terminal).")]
IdArg = Annotated[str, typer.Argument(help="Dataset id as imported (a Hub id such as openai/gsm8k), alias or IRI.")]

_opened: list[OxigraphStore] = []


def command_store(path: str | Path | None) -> OxigraphStore:
    """Open the store for this command; ``close_stores`` releases it when the command ends.

    A store that another process holds (a running gateway) is opened read-only: reading
    commands answer from a snapshot taken now, and a write is refused with a clear error.
    ``sparql+http://host:port/sparql`` opens the store on that SPARQL server."""
    if isinstance(path, str) and not is_server_location(path):
        path = Path(path)
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



def check_backend(command: str, backend: str) -> None:
    """``--backend`` names a tracing backend (a usage error otherwise, before any work)."""
    from lineagekg.llm import BACKENDS

    if backend not in BACKENDS:
        raise QueryParameterError(command, "--backend", f"unknown tracing backend {backend!r}; use one of "
                                  + ", ".join(BACKENDS))

