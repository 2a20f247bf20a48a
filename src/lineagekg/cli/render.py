"""Output for people (rich tables and trees) and for scripts (JSON on stdout).

The one place where data meets the terminal. Every string that comes from data (a dataset name,
a quote, an error message) is turned into a rich ``Text`` here, never parsed as markup, with its
control, bidi and invisible characters made visible (:mod:`lineagekg.cli.terminal_text`); an
identifier that imitates another (a Cyrillic ``а`` for ``a``) or hides characters is shown with
``⚠`` and what it looks like. Styles come only from the code, as ``(text, style)`` pairs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from lineagekg.analyses import Answer, DatasetRef, TreeAnswer, TreeNode
from lineagekg.cli.terminal_text import hidden_characters, lookalike, visible

stdout = Console(soft_wrap=True, highlight=False)
stderr = Console(stderr=True, soft_wrap=True, highlight=False)

Part = Text | str | tuple[Any, str]


def text(value: Any, style: str = "") -> Text:
    """Free text from data (a quote, a message): shown as written, line breaks kept, nothing
    interpreted."""
    return Text(visible("" if value is None else str(value), newlines=True), style=style)


def name(value: Any, style: str = "") -> Text:
    """An identifier from data: on one line, with a visible warning when it hides characters
    or looks like another identifier."""
    raw = "" if value is None else str(value)
    shown = Text(visible(raw), style=style)
    hidden = hidden_characters(raw)
    imitates = lookalike(raw)
    if hidden or imitates:
        why = []
        if imitates is not None:
            why.append(f"looks like {visible(imitates)!r}")
        if hidden:
            why.append("hidden " + " ".join(hidden[:4]) + (" ..." if len(hidden) > 4 else ""))
        shown.append(f" ⚠ {'; '.join(why)}", style="bold yellow")
    return shown


def cell(value: Any) -> Text:
    """A value of unknown kind (a SPARQL result): an identifier when on one line, else free text."""
    raw = "" if value is None else str(value)
    return text(raw) if "\n" in raw else name(raw)


def markup(value: Any) -> str:
    """Data for a rich markup template (a progress bar's description): visible and escaped."""
    return escape(visible("" if value is None else str(value)))


def line(*parts: Part) -> Text:
    """One line of output: ``Text`` kept, ``(value, style)`` and plain values as free text."""
    out = Text()
    for part in parts:
        if isinstance(part, Text):
            out.append_text(part)
        elif isinstance(part, tuple):
            out.append_text(text(part[0], part[1]))
        else:
            out.append_text(text(part))
    return out


def say(*parts: Part, err: bool = False) -> None:
    """Print one line (see :func:`line`) on stdout, or stderr when ``err``."""
    (stderr if err else stdout).print(line(*parts))


@contextlib.contextmanager
def phases(what: str, *, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A progress display on stderr for a long task told its phases (``phase("validating")``):
    spinner, current phase, time elapsed. Nothing when ``quiet`` or stderr is not a terminal."""
    if quiet or not stderr.is_terminal:
        yield lambda phase: None
        return
    bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[what]}"), TextColumn("{task.description}"),
                   TimeElapsedColumn(), console=stderr, transient=True)
    task = bar.add_task("", what=escape(what))
    with bar:
        yield lambda phase: bar.update(task, description=markup(phase))


# JSON escapes C0 controls itself; C1 controls, bidi and line separators it leaves raw.
_JSON_UNSAFE = re.compile("[\u0080-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def as_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: as_jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): as_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_jsonable(v) for v in value]
    return value


def emit_json(value: Any) -> None:
    """``value`` as JSON on stdout: the same value for a parser, no raw control character for a
    terminal."""
    dumped = json.dumps(as_jsonable(value), indent=2, ensure_ascii=False)
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped) + "\n")


def emit_answer(answer: Answer) -> None:
    """An analysis's answer as JSON on stdout: what the REST API answers for it, field for field."""
    emit_json(answer.model_dump(mode="json"))


def table(title: Any, columns: list[str], rows: list[list[Any]]) -> Table:
    """Print a table; cells that are not ``Text`` already are free text."""
    t = Table(title=title if isinstance(title, Text) else text(title), title_justify="left", show_lines=False)
    for c in columns:
        t.add_column(text(c))
    for r in rows:
        t.add_row(*[v if isinstance(v, Text) else text("" if v is None else v) for v in r])
    stdout.print(t)
    return t


def related_table(title: Any, items: list[DatasetRef], *, extra: str | None = None) -> None:
    columns = ["dataset", "hops"] + ([extra] if extra else [])
    rows = []
    for it in items:
        row: list[Any] = [name(it.id), it.distance]
        if extra == "root":
            row.append("root" if it.is_root else "")
        elif extra == "leaf":
            row.append("leaf" if it.is_leaf else "")
        rows.append(row)
    table(title, columns, rows)


def _tree_label(n: TreeNode, *, down: bool) -> Text:
    parts: list[Part] = []
    if n.relations:
        parts += [(", ".join(n.relations), "dim"), " ", name(n.id)]
    else:
        parts.append(name(n.id, "bold"))
    if n.is_benchmark:
        parts += ["  ", ("benchmark", "bold magenta")]
    if n.is_root and not n.seen_above:
        parts += [" " if n.is_benchmark else "  ", ("root", "green")]
        if n.terminal_reason:
            parts += [" ", (f"({n.terminal_reason})", "dim")]
    if n.seen_above:
        parts.append((" (see above)", "dim"))
    if n.truncated:
        parts.append((f" ... (more {'below' if down else 'upstream'}; raise --depth)", "dim"))
    return line(*parts)


def _branches(n: TreeNode) -> int:
    return len(n.children) + sum(_branches(c) for c in n.children if not c.seen_above)


def lineage_tree(answer: TreeAnswer) -> None:
    """Print a lineage tree (the one tree printer): a relation on each branch, roots and
    benchmarks marked, a dataset reached again marked rather than repeated, then a count."""
    down = answer.direction == "down"

    def grow(branch: Tree, n: TreeNode) -> None:
        for child in n.children:
            grow(branch.add(_tree_label(child, down=down)), child)

    shown = Tree(_tree_label(answer.tree, down=down))
    grow(shown, answer.tree)
    stdout.print(shown)
    what = "derived dataset(s)" if down else "source(s)"
    say((f"{_branches(answer.tree)} branch(es); {what} of ", "dim"), name(answer.tree.id, "dim"))


def path_text(nodes: tuple[str, ...], relations: tuple[str | None, ...]) -> Text:
    parts: list[Part] = [name(nodes[0])]
    for rel, node in zip(relations, nodes[1:], strict=True):
        parts += [f" --{rel or 'derived'}--> ", name(node)]
    return line(*parts)
