"""``lineagekg eval`` (score a tracing backend against hand-checked labels) and ``lineagekg train``
(the offline extractor's decision model)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_OK, Format, FormatOpt, app, check_backend
from lineagekg.errors import InputError

if TYPE_CHECKING:
    from lineagekg.evaluation import EvalReport


def _checked_inputs(labels: list[Path], corpus: Path, holdout: Path | None) -> Path | None:
    """Refuse missing label files or corpus folder; return the hold-out list to honour (the one
    given, else ``labels/holdout_documents.txt`` beside the corpus when it exists)."""
    for f in labels:
        if not f.is_file():
            raise InputError("no such labels file", file=str(f))
    if not corpus.is_dir():
        raise InputError("no such corpus folder", file=str(corpus))
    if holdout is not None and not holdout.is_file():   # never train or score on it unnoticed
        raise InputError("no such hold-out file", file=str(holdout))
    held = holdout if holdout is not None else corpus.parent / "labels" / "holdout_documents.txt"
    return held if held.is_file() else None


#: an eval's JSON of thousands of documents is a few MB; a larger file is refused before it is read
_BASELINE_BYTES = 64_000_000


def _baseline(path: Path) -> EvalReport:
    """An earlier eval's JSON, read and checked (a missing, unreadable or malformed file is an
    input error that names it)."""
    import json

    from lineagekg.evaluation import report_from_json

    try:
        if path.stat().st_size > _BASELINE_BYTES:
            raise InputError(f"the baseline is larger than {_BASELINE_BYTES // 1_000_000} MB: not an eval's JSON",
                             file=str(path))
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the baseline: {exc.strerror}", file=str(path)) from exc
    except ValueError as exc:
        raise InputError(f"the baseline is not JSON: {exc}", file=str(path)) from exc
    return report_from_json(data, str(path))


@app.command("eval")
def evaluate_backend(
    labels: Annotated[list[Path], typer.Option(help="Hand-checked edges (CSV: child, parent, relation, source_file, "
                                                    "...); repeatable. A NAME_documents.txt beside NAME_edges.csv "
                                                    "lists documents labelled as stating no edge.")],
    corpus: Annotated[Path, typer.Option(help="The corpus folder the labels' source_file paths are relative to.")],
    backend: Annotated[str, typer.Option(help="Backend scored: offline, heuristic, anthropic or replay.")] = "offline",
    model: Annotated[str | None, typer.Option(help="The model the anthropic or replay backend uses.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="The model-call cache (anthropic, replay).")] = None,
    replay_dir: Annotated[Path | None, typer.Option(help="Recorded answers for --backend replay.")] = None,
    holdout: Annotated[Path | None, typer.Option(
        help="Documents kept out of training and scoring "
             "(default: labels/holdout_documents.txt beside the corpus).")] = None,
    loo: Annotated[bool, typer.Option(
        "--loo/--committed-model",
        help="offline backend: retrain leaving each labelled document out and score it (the honest figure); "
             "--committed-model scores the committed model, which has seen every labelled document.")] = True,
    baseline: Annotated[Path | None, typer.Option(
        help="An earlier `lineagekg eval --format json` of the same documents: print this run minus that one, "
             "as 95% intervals over documents drawn the same for both.")] = None,
    fmt: FormatOpt = Format.table,
) -> int:
    """Precision, recall and F1 of (target, source) pairs per document and overall, relation
    agreement, misses and extras; for the offline backend leave-one-document-out, with recall by
    statement shape, figures by kind of document and misses split into name, target, blocked and decision failures."""
    from lineagekg.evaluation import paired_difference, run_eval

    check_backend("eval", backend)
    held = _checked_inputs(labels, corpus, holdout)
    before = _baseline(baseline) if baseline is not None else None
    extra: dict[str, object] = {}
    if backend == "offline" and loo:
        from lineagekg.extract.assessment import leave_one_document_out

        assessment = leave_one_document_out(corpus, list(labels), held)
        report: EvalReport = assessment.report
        table: Callable[[], str] = assessment.table        # built only for table output (it bootstraps)
        extra = {"method": "leave-one-document-out",
                 "recall_by_shape": {k: {"labels": n, "matched": ok, "recall": ok / n if n else 0.0}
                                     for k, (n, ok) in sorted(assessment.shapes.items())},
                 "by_document_kind": {k: {"documents": d, "labels": n, "predicted": said, "matched": ok}
                                      for k, (d, n, said, ok) in sorted(assessment.kinds.items())},
                 "misses_by_cause": dict(sorted(assessment.failures.items()))}
    else:
        from lineagekg.corpus import Corpus
        from lineagekg.llm import make_backend

        docs = Corpus.from_directory(corpus)
        scored = make_backend(backend, model=model, cache_dir=cache_dir, replay_dir=replay_dir, corpus=docs)
        report = run_eval(labels, corpus, scored, holdout=held)
        table = report.table
        extra = {"method": "committed model" if backend == "offline" else f"{backend} backend"}
    compared = ""
    if before is not None:
        if set(before.documents) != set(report.documents):
            raise InputError("the baseline scored other documents than this run", file=str(baseline),
                             hint="compare runs of the same labels and corpus")
        difference = paired_difference(before, report)
        extra["minus_baseline_95"] = {k: list(v) for k, v in difference.items()}
        compared = "\nthis run minus the baseline, 95% over documents (the same draws for both): " + \
            ", ".join(f"{k} {lo:+.3f} to {hi:+.3f}" for k, (lo, hi) in difference.items())
    if fmt is Format.json:
        interval = report.interval()
        out.emit_json({"precision": report.precision, "recall": report.recall, "f1": report.f1,
                       "interval_95": {k: list(v) for k, v in interval.items()},
                       "relation_agreement": report.relation_agreement,
                       "top_relation_agreement": report.top_relation_agreement,
                       "labels": report.labels, "predicted": report.predicted, "matched": report.matched,
                       "documents": {name: {"labels": d.labels, "predicted": d.predicted, "matched": d.matched,
                                            "precision": d.precision, "recall": d.recall, "f1": d.f1}
                                     for name, d in sorted(report.documents.items())},
                       "misses": [f"{m.child} <- {m.parent}" for m in report.misses],
                       "extras": [f"{c.target} <- {c.source}" for c in report.extras], **extra})
    else:
        out.say(table() + compared)
    return EXIT_OK


@app.command("train")
def train_extractor(
    corpus: Annotated[Path, typer.Option(help="The corpus folder (index.json, docs, cards, dpi/raw).")],
    labels: Annotated[list[Path], typer.Option(help="Hand-checked edges to train on (repeatable).")],
    holdout: Annotated[Path | None, typer.Option(
        help="Documents never read for training (default: labels/holdout_documents.txt beside the corpus).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--out", help="Where the model file goes (default: the one the offline backend reads).")] = None,
    fmt: FormatOpt = Format.table,
) -> int:
    """Train the offline extractor's decision model (deterministic) on the labels and the corpus's
    structured statements, never on a hold-out document, and write it with a record of its data."""
    from lineagekg.extract.assessment import labelled_documents
    from lineagekg.extract.decision import DEFAULT_MODEL_PATH
    from lineagekg.extract.training import train

    held = _checked_inputs(labels, corpus, holdout)
    target = output or DEFAULT_MODEL_PATH
    model = train(corpus, list(labels), held, target, extra_documents=labelled_documents(list(labels)))
    if fmt is Format.json:
        out.emit_json({"model": str(target), "trained": model.trained})
    else:
        out.say(f"wrote {target}: {len(model.weights)} weights, relations {', '.join(model.relation_classes)}; "
                f"examples {model.trained.get('examples')}")
    return EXIT_OK
