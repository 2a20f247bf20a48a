"""The ``lineagekg`` command: a thin layer over the library, with documented exit codes.

0 ok; 1 a negative answer (non-conformant, rejected, no path); 2 usage; 3 a known error (message
and hint, no traceback); 4 an unexpected error (a bug: traceback shown).
"""

from __future__ import annotations

import os
import sys

import typer

from lineagekg.errors import LineageKGError

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE, EXIT_KNOWN_ERROR, EXIT_BUG = 0, 1, 2, 3, 4


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a console script, exit with) its exit code."""
    from lineagekg.cli.commands import app, close_stores
    from lineagekg.cli.render import stderr

    try:
        result = app(args=argv, prog_name="lineagekg", standalone_mode=False)
        code = result if isinstance(result, int) else EXIT_OK
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        stderr.print("aborted")
        code = EXIT_NEGATIVE
    except typer.TyperException as exc:   # usage errors (typer's click): message and exit code 2
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            stderr.print(exc.format_message())
        code = exc.exit_code if exc.exit_code != 1 else EXIT_USAGE
    except LineageKGError as exc:
        stderr.print(f"[bold red]error:[/bold red] {exc.message}", highlight=False)
        if exc.hint:
            stderr.print(f"[bold]hint:[/bold] {exc.hint}", highlight=False)
        if os.environ.get("LINEAGEKG_DEBUG"):
            raise
        stderr.print("[dim](set LINEAGEKG_DEBUG=1 for a traceback)[/dim]")
        code = EXIT_KNOWN_ERROR
    except Exception:  # noqa: BLE001 -- the last resort: say it is a bug, show where
        import traceback

        traceback.print_exc()
        stderr.print("[bold red]This is a bug in lineagekg[/bold red]; please report it with the traceback above.")
        code = EXIT_BUG
    finally:
        close_stores()
    if argv is None:
        sys.exit(code)
    return code
