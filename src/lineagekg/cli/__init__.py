"""The ``lineagekg`` command: a thin layer over the library, with documented exit codes.

0 ok; 1 a negative answer (non-conformant, rejected, no path); 2 usage (an unknown option, or an
option or parameter value that cannot be used); 3 a known error (message and hint, no
traceback: bad input data, an unknown dataset, a store that cannot be opened); 4 an unexpected
error (a bug: traceback shown).
"""

from __future__ import annotations

import os
import sys

import typer

from lineagekg.errors import LineageKGError, QueryParameterError


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a console script, exit with) its exit code.

    The one place where errors become exit codes: the command modules raise, this translates."""
    # Each command module registers its commands on ``app`` when imported; this order is the
    # order of ``lineagekg --help``.
    # isort: off
    from lineagekg.cli import analyses, querying, validating, exporting, tracing, evaluating  # noqa: F401
    from lineagekg.cli import reporting, importing, reviewing, samples, serving  # noqa: F401
    # isort: on
    from lineagekg.cli.app import EXIT_BUG, EXIT_KNOWN_ERROR, EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE, app, close_stores
    from lineagekg.cli.render import say

    try:
        result = app(args=argv, prog_name="lineagekg", standalone_mode=False)
        code = result if isinstance(result, int) else EXIT_OK
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        say("aborted", err=True)
        code = EXIT_NEGATIVE
    except typer.TyperException as exc:   # usage errors (typer's click): message and exit code 2
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            say(exc.format_message(), err=True)
        code = exc.exit_code if exc.exit_code != 1 else EXIT_USAGE
    except LineageKGError as exc:
        say(("error:", "bold red"), " ", exc.message, err=True)
        if exc.hint:
            say(("hint:", "bold"), " ", exc.hint, err=True)
        if os.environ.get("LINEAGEKG_DEBUG"):
            raise
        say(("(set LINEAGEKG_DEBUG=1 for a traceback)", "dim"), err=True)
        code = EXIT_USAGE if isinstance(exc, QueryParameterError) else EXIT_KNOWN_ERROR
    except Exception:  # noqa: BLE001 -- the last resort: say it is a bug, show where
        import traceback

        say(traceback.format_exc(), err=True)      # data in the message is shown, never run
        say(("This is a bug in lineagekg", "bold red"), "; please report it with the traceback above.", err=True)
        code = EXIT_BUG
    finally:
        close_stores()
    if argv is None:
        sys.exit(code)
    return code
