"""The one exception hierarchy of lineagekg.

Every error carries a message that says what and where, and optionally a ``hint`` (what to do
next). Library code raises these; the CLI and the API translate them once, at their boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# errors is the lowest layer (docs/architecture.md): it imports nothing of lineagekg, so what an
# error carries from a higher layer is described by the little it needs of it.


class _Described(Protocol):
    def describe(self) -> str: ...


class ViolationReport(Protocol):
    """What :class:`ShapeValidationError` needs of a SHACL report (``validation.ShapeReport``)."""

    @property
    def violations(self) -> Sequence[_Described]: ...


class LineageKGError(Exception):
    """Base of every error lineagekg raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# --- configuration and resources ---------------------------------------------------------------

class ConfigError(LineageKGError, ValueError):
    """A setting (environment variable, option) has a value that cannot be used."""


class ResourceError(LineageKGError):
    """The ontology, shapes or SPARQL folders are missing or cannot be parsed."""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message, hint=hint)
        self.path = path


# --- queries -----------------------------------------------------------------------------------

class QueryError(LineageKGError):
    """A problem with a SPARQL query of the library or of a user."""


class QueryNotFoundError(QueryError, LookupError):
    """No query of that name in the library (``suggestions`` lists close names)."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f"did you mean: {', '.join(suggestions)}?" if suggestions else "run `lineagekg query --list`"
        super().__init__(f"no query named {name!r}", hint=hint)
        self.name = name
        self.suggestions = suggestions


class QueryParameterError(QueryError, ValueError):
    """A query was given a parameter it does not declare, lacks a required one, or a bad value."""

    def __init__(self, query: str, param: str, problem: str) -> None:
        super().__init__(f"query {query!r}, parameter {param!r}: {problem}")
        self.query = query
        self.param = param


class QuerySyntaxError(QueryError):
    """SPARQL text that does not parse (wraps the parser's message)."""


class QueryShapeError(QuerySyntaxError):
    """SPARQL text refused before parsing: nested too deep or chained too long for the parser
    (``sparql_text.check_shape``)."""


# --- store -------------------------------------------------------------------------------------

class StoreError(LineageKGError):
    """The store cannot be opened, read or written."""


class UnknownDatasetError(LineageKGError, LookupError):
    """A dataset identifier that is not in the store."""

    def __init__(self, identifier: str, suggestions: list[str] | None = None) -> None:
        hint = f"did you mean: {', '.join(suggestions)}?" if suggestions else (
            "import a lineage graph first, or check the id with `lineagekg stats`")
        super().__init__(f"no dataset {identifier!r} in the store", hint=hint)
        self.identifier = identifier


# --- input data --------------------------------------------------------------------------------

class InputError(LineageKGError, ValueError):
    """Input data that cannot be read: names the file, line and field."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None) -> None:
        where = ":".join(str(p) for p in (file, line) if p is not None)
        at = f" (field {field!r})" if field else ""
        super().__init__(f"{where}: {message}{at}" if where else f"{message}{at}", hint=hint)
        self.file = file
        self.line = line
        self.field = field


class LineageCycleError(InputError):
    """The edges given (with what the store holds) would make a derivation cycle."""

    def __init__(self, cycle: list[str], *, file: str | None = None) -> None:
        super().__init__("derivation cycle: " + " -> ".join(cycle), file=file,
                         hint="a dataset cannot (transitively) derive from itself; fix the edges")
        self.cycle = cycle


class UnreachableError(LineageKGError):
    """A remote service (the Hub, a linked page) could not be reached, or answered that it is
    overloaded or down (429, 5xx). It says nothing about the data: a document behind it is
    *unreachable*, never absent, and a later run may read it."""


class ShapeValidationError(LineageKGError):
    """A batch of triples violates the SHACL shapes; ``report`` says where and how."""

    def __init__(self, report: ViolationReport, *, what: str = "batch") -> None:
        first = "; ".join(r.describe() for r in report.violations[:3])
        more = len(report.violations) - 3
        tail = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"{what} rejected by SHACL: {len(report.violations)} violation(s): {first}{tail}",
                         hint="nothing was written; run `lineagekg validate FILE` for the full report")
        self.report = report


# --- tracing backends --------------------------------------------------------------------------

class ModelCallError(LineageKGError):
    """A model call that failed for good (retries exhausted, or refused): the document was not
    read. ``partial`` holds what the document's other chunks answered (an ``llm.protocol.BackendAnswer``)."""

    def __init__(self, message: str, *, document: str, status: int | None = None, attempts: int = 0,
                 hint: str | None = None, partial: object | None = None) -> None:
        super().__init__(message, hint=hint)
        self.document = document
        self.status = status
        self.attempts = attempts
        self.partial = partial


class CacheEntryError(InputError):
    """A model-call cache file that cannot be read, is not a model-call record, or belongs to
    another key."""


# --- review ------------------------------------------------------------------------------------

class ReviewError(LineageKGError):
    """A review decision that cannot be made; nothing was written."""


class UnknownClaimError(ReviewError, LookupError):
    """No claim with that IRI or short id in the store."""

    def __init__(self, edge: str) -> None:
        super().__init__(f"no claim {edge!r} in the store",
                         hint="run `lineagekg review` to list the claims waiting, with their ids")
        self.edge = edge


class AmbiguousClaimError(ReviewError, LookupError):
    """A short id that starts more than one claim's IRI."""

    def __init__(self, edge: str, matches: list[str]) -> None:
        shown = ", ".join(m.rsplit("/", 1)[-1] for m in matches[:5])
        super().__init__(f"short id {edge!r} matches {len(matches)} claims ({shown})",
                         hint="give more characters of the id, or the full IRI")
        self.edge = edge
        self.matches = matches


class ClaimNotPendingError(ReviewError):
    """The claim is not waiting for review (confident enough to be written as unreviewed)."""

    def __init__(self, edge: str, status: str) -> None:
        super().__init__(f"claim {edge} is not waiting for review (its status is {status})",
                         hint="only claims listed by `lineagekg review` (lk:PendingReview) can be decided")
        self.edge = edge
        self.status = status


class AlreadyDecidedError(ClaimNotPendingError):
    """The claim was accepted or rejected already."""

    def __init__(self, edge: str, status: str, reviewer: str | None, at: str | None) -> None:
        ReviewError.__init__(self, f"claim {edge} was already decided: {status}"
                             + (f" by {reviewer}" if reviewer else "") + (f" at {at}" if at else ""),
                             hint="a decision is final; its graph holds who decided and why")
        self.edge = edge
        self.status = status
        self.reviewer = reviewer
        self.at = at
