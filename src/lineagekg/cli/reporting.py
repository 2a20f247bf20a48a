"""Commands that show one dataset or find one: ``tree``, ``lineage``, ``dataset``, ``evidence``
and ``datasets``. Each prints, with ``--format json``, the answer the REST API gives for it."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from lineagekg.analyses import Lineage, answers
from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_OK, Format, FormatOpt, IdArg, StoreOpt, app, command_store
from lineagekg.errors import QueryParameterError


@app.command()
def tree(datasets: Annotated[list[str], typer.Argument(metavar="DATASET...",
                                                       help="Dataset id(s) as imported, alias or IRI.")],
         depth: Annotated[int | None, typer.Option(help="Levels to show (default: all).")] = None,
         down: Annotated[bool, typer.Option("--down",
                                            help="Show what derives from DATASET instead of its sources.")] = False,
         store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """The lineage of DATASET as an indented tree: relation on each branch, roots and benchmarks
    marked (several datasets: one tree each; JSON: one answer, or {"trees": [...]})."""
    if depth is not None and depth < 1:
        raise QueryParameterError("tree", "--depth", f"must be 1 or more, not {depth}")
    lineage = Lineage(command_store(store))
    direction: Literal["up", "down"] = "down" if down else "up"
    found = [answers.tree(lineage, d, direction=direction, depth=depth) for d in datasets]
    if fmt is Format.json:
        if len(found) == 1:
            out.emit_answer(found[0])
        else:
            out.emit_json({"trees": found})
        return EXIT_OK
    for i, answer in enumerate(found):
        if i:
            out.stdout.print()
        out.lineage_tree(answer)
    return EXIT_OK


@app.command("lineage")
def lineage_view(
    dataset: IdArg,
    direction: Annotated[str, typer.Option(help="up (ancestors), down (descendants) or both.")] = "both",
    depth: Annotated[int, typer.Option(help="Hops from DATASET (1 to 10).")] = 3,
    max_nodes: Annotated[int, typer.Option("--max-nodes", help="At most this many datasets, nearest first.")] = 300,
    store: StoreOpt = None, fmt: FormatOpt = Format.table,
) -> int:
    """The lineage around DATASET as the explorer draws it: the datasets up to DEPTH hops and
    the edges between them, each with its most confident relation."""
    if direction not in ("up", "down", "both"):
        raise QueryParameterError("lineage", "--direction", f"{direction!r} is not up, down or both")
    found = answers.lineage_graph(Lineage(command_store(store)), dataset, direction=direction,  # type: ignore[arg-type]
                                  depth=depth, max_nodes=max_nodes)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.table(out.line(f"{len(found.nodes)} dataset(s) around ", out.name(found.focus.id),
                       f" ({found.hidden} not shown{', truncated' if found.truncated else ''})"),
              ["dataset", "side", "hops", "more"],
              [[out.name(n.id), n.side, n.distance, "yes" if n.expandable else ""] for n in found.nodes])
    out.table(f"{len(found.edges)} edge(s)", ["derived", "from", "relation", "conf."],
              [[out.name(e.target), out.name(e.source), e.relation or e.kind,
                "" if e.confidence is None else f"{e.confidence:.2f}"] for e in found.edges])
    return EXIT_OK


@app.command("dataset")
def dataset_description(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """One dataset: what the store says about it (from every source graph) and its direct
    sources and children, each with its relation and confidence."""
    found = answers.dataset(Lineage(command_store(store)), dataset)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    d, md = found.dataset, found.dataset.metadata
    facts = [(key, value) for key, value in md.model_dump().items() if value not in (None, (), [])]
    out.table(out.line(out.name(d.id, "bold"), f"  {d.iri}"), ["what", "value"],
              [[key.replace("_", " "), ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value]
               for key, value in facts])
    for title, links in (("source(s)", found.sources), ("derived dataset(s)", found.children)):
        out.table(f"{len(links)} {title}", ["dataset", "relation", "conf.", "review"],
                  [[out.name(x.dataset.id), x.relation or "", "" if x.confidence is None else f"{x.confidence:.2f}",
                    x.review_status or ""] for x in links])
    return EXIT_OK


@app.command()
def evidence(target: Annotated[str, typer.Argument(metavar="TARGET", help="The derived dataset (id, alias or IRI).")],
             source: Annotated[str, typer.Argument(metavar="SOURCE", help="The dataset it derives from.")],
             store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Who said that TARGET derives from SOURCE: every qualified derivation with its quote,
    document, agent, model, confidence and review."""
    found = answers.evidence(Lineage(command_store(store)), target, source)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.say(out.name(found.target.id), " <- ", out.name(found.source.id), f": {len(found.items)} derivation(s)")
    for e in found.items:
        conf = "" if e.confidence is None else f" {e.confidence:.2f}"
        out.say("  ", (e.relation or "derived", "bold"), conf, f" {e.review_status or ''}", " in ", out.name(e.graph))
        if e.quote:
            out.say("    \u201c", out.text(e.quote), "\u201d")
        for doc in e.documents:
            out.say("    document: ", out.name(doc.iri))
        if e.agent:
            model: list[out.Part] = [" with ", out.name(e.model)] if e.model else []
            out.say("    agent: ", out.name(e.agent.label or e.agent.iri), *model)
    return EXIT_OK


@app.command()
def datasets(text: Annotated[str, typer.Argument(help="Part of an identifier, label or alias (empty: all).")] = "",
             limit: Annotated[int, typer.Option(help="Page size.")] = 20,
             offset: Annotated[int, typer.Option(help="Datasets to skip.")] = 0,
             store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Datasets whose identifier, label or alias contains TEXT: exact matches first, then
    prefixes, then the rest."""
    found = answers.datasets(Lineage(command_store(store)), text, limit=limit, offset=offset)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.table(f"{len(found.items)} of {found.total} dataset(s)", ["dataset", "label", "benchmark"],
              [[out.name(r.id), r.label or "", "benchmark" if r.is_benchmark else ""] for r in found.items])
    return EXIT_OK
