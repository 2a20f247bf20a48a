"""``lineagekg extract`` (the claims in one document) and ``lineagekg trace`` (datasets traced
upstream from their documentation into the store)."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from lineagekg.cli import render as out
from lineagekg.cli.app import (
    EXIT_NEGATIVE,
    EXIT_OK,
    Format,
    FormatOpt,
    StoreOpt,
    app,
    check_backend,
    command_store,
)
from lineagekg.errors import InputError, QueryParameterError


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A dataset document (Hub card, README, markdown).")],
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", "-d", help="The dataset(s) the document describes (repeatable).")] = None,
    corpus: Annotated[Path | None, typer.Option(
        help="A corpus folder whose aliases name datasets; a document listed in its index is read as listed "
             "(its URL and the datasets it describes).")] = None,
    backend: Annotated[str, typer.Option(help="Tracing backend: offline, heuristic, anthropic or replay.")] = "offline",
    model: Annotated[str | None, typer.Option(help="The model the anthropic or replay backend uses.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="The model-call cache (anthropic, replay).")] = None,
    fmt: FormatOpt = Format.table,
) -> int:
    """The lineage claims found in one document, each with its verbatim evidence (claims whose
    evidence is not in the document are dropped, as when tracing)."""

    from lineagekg.corpus import Corpus, read_document
    from lineagekg.llm import make_backend
    from lineagekg.text.evidence import evidence_in

    check_backend("extract", backend)
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
    reader = make_backend(backend, model=model, cache_dir=cache_dir, corpus=docs)
    answer = reader.answer(document, document.text, aliases)
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



@app.command()
def trace(
    seeds: Annotated[list[str], typer.Argument(
        metavar="SEED...", help="Dataset ids (or aliases) to trace upstream from.")],
    corpus: Annotated[Path | None, typer.Option(
        help="A corpus folder of documents (index.json or plain cards), read instead of the Hub.")] = None,
    backend: Annotated[str, typer.Option(help="Tracing backend: offline, heuristic, anthropic or replay.")] = "offline",
    model: Annotated[str | None, typer.Option(help="The model the anthropic or replay backend uses.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="The model-call cache (anthropic, replay).")] = None,
    replay_dir: Annotated[Path | None, typer.Option(help="Recorded answers for --backend replay.")] = None,
    depth: Annotated[int, typer.Option(help="How many hops upstream to trace from the seeds.")] = 3,
    cutoff: Annotated[str, typer.Option(
        help="Datasets released before this date (YYYY-MM-DD) are not expanded; 'none' for no cut-off.",
    )] = "2020-01-01",
    online: Annotated[bool | None, typer.Option(
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

    check_backend("trace", backend)
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

    tracer = Tracer(command_store(store), docs, tracing, depth=depth, cutoff=cut, sourcing=sourcing, progress=progress)
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
