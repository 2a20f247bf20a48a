"""Commands for record-level checks: ``samples add``, ``overlap``, ``agreement``, ``diverse``
(and the ``--verify`` of ``contamination``): parse, call ``lineagekg.samples``, render."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_OK, Format, FormatOpt, StoreOpt, app, command_store
from lineagekg.errors import InputError, QueryParameterError
from lineagekg.samples.overlap import DEFAULT_NGRAM, DEFAULT_NUM_PERM, DEFAULT_THRESHOLD

samples_app = typer.Typer(no_args_is_help=True, help="Register files of dataset records.")
app.add_typer(samples_app, name="samples")

ThresholdOpt = Annotated[float, typer.Option(
    help="Near duplicate: share of a record's word n-grams found in one record of the other side.")]
NgramOpt = Annotated[int, typer.Option(help="Words per shingle.")]
PermOpt = Annotated[int, typer.Option("--num-perm", help="MinHash permutations.")]
WriteOpt = Annotated[bool, typer.Option("--write/--no-write", help="Write the measurements to the store as PROV.")]


def check_options(command: str, threshold: float, ngram: int, num_perm: int) -> None:
    if not 0.0 < threshold <= 1.0:
        raise QueryParameterError(command, "--threshold", f"must be in (0, 1], not {threshold}")
    if not 1 <= ngram <= 50:
        raise QueryParameterError(command, "--ngram", f"must be 1 to 50, not {ngram}")
    if not 16 <= num_perm <= 1024:
        raise QueryParameterError(command, "--num-perm", f"must be 16 to 1024, not {num_perm}")


@contextlib.contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback (step, done, total) drawing one bar per step on stderr."""
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=out.stderr, transient=True, disable=quiet)
    tasks: dict[str, object] = {}

    def update(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(out.markup(step), total=total)
        bar.update(tasks[step], completed=done, total=total)   # type: ignore[arg-type]

    with bar:
        yield update


# --- samples add ---------------------------------------------------------------------------------

@samples_app.command("add")
def samples_add(
    dataset: Annotated[str, typer.Argument(metavar="ID",
                                           help="Dataset id (openai/gsm8k) or split (openai/gsm8k:test).")],
    path: Annotated[Path, typer.Argument(help="A record file: .json, .jsonl, .csv, .tsv, .parquet (optionally .gz).")],
    split: Annotated[str | None, typer.Option(help="The split the records belong to (then ID:split).")] = None,
    field: Annotated[str | None, typer.Option(help="The field(s) holding the prompt, comma-separated.")] = None,
    store: StoreOpt = None, fmt: FormatOpt = Format.table,
) -> int:
    """Register the records of PATH as records of dataset ID (added to the store if missing)."""
    from lineagekg.samples.registry import register

    done = register(command_store(store), dataset, path, split=split, field=field)
    reg = done.registration
    if fmt is Format.json:
        out.emit_json({"dataset": reg.dataset, "file": reg.file, "sha256": reg.sha256, "records": reg.records,
                       "field": reg.field, "graph": done.graph, "added_datasets": list(done.added_datasets),
                       "already_present": done.already_present})
        return EXIT_OK
    what = "already registered" if done.already_present else "registered"
    out.say(f"{what}: {reg.records} records of ", out.name(reg.dataset), " from ", out.name(path.name),
            " (prompt field ", out.name(reg.field or "?"), f", sha256 {reg.sha256[:12]}…)")
    for added in done.added_datasets:
        out.say(("added to the store:", "yellow"), " ", out.name(added), err=True)
    return EXIT_OK


@samples_app.command("add-manifest")
def samples_add_manifest(
    manifest: Annotated[Path, typer.Argument(help="A manifest (examples/samples/manifest.json).")],
    root: Annotated[Path, typer.Option(help="The folder the manifest's file paths are relative to.")],
    lineage: Annotated[bool, typer.Option("--lineage/--no-lineage",
                                          help="Import the manifest's lineage first.")] = True,
    store: StoreOpt = None, fmt: FormatOpt = Format.table,
) -> int:
    """Import a manifest's lineage and register every record file it lists."""
    from lineagekg.importing import import_lineage_jsonl
    from lineagekg.samples.registry import SampleSource, register_files

    if not manifest.is_file():
        raise InputError("no such manifest", file=str(manifest))
    if not root.is_dir():
        raise InputError("no such folder", file=str(root))
    try:
        spec = json.loads(manifest.read_text(encoding="utf-8"))
        entries = [(e["dataset"], e["file"]) for e in spec["records"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"not a manifest (records: [{{dataset, file}}]): {exc}", file=str(manifest)) from exc
    st = command_store(store)
    imported = None
    if lineage and spec.get("lineage"):
        base = manifest.parent
        imported = import_lineage_jsonl(st, base / spec["lineage"]["nodes"], base / spec["lineage"]["edges"])
    with progress_bar() as progress:
        done = register_files(st, [SampleSource(dataset, root / file) for dataset, file in entries], progress=progress)
    if fmt is Format.json:
        out.emit_json({"lineage_graph": imported.outcome.graph if imported else None,
                       "registered": [{"dataset": d.registration.dataset, "records": d.registration.records,
                                       "file": Path(d.registration.path).name} for d in done]})
        return EXIT_OK
    if imported:
        out.say(f"lineage: {imported.datasets} datasets, {imported.edges} edges "
                f"({'already there' if imported.outcome.already_present else 'imported'})")
    out.say(f"registered {len(done)} files, {sum(d.registration.records for d in done)} records")
    return EXIT_OK


@samples_app.command("list")
def samples_list(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """The registered sample files, by dataset or split."""
    from lineagekg.samples.registry import registered_sets

    sets = registered_sets(command_store(store))
    if fmt is Format.json:
        out.emit_json({k: [{"file": Path(r.path).name, "records": r.records, "sha256": r.sha256, "field": r.field}
                           for r in v] for k, v in sets.items()})
        return EXIT_OK
    out.table(f"{len(sets)} registered set(s)", ["dataset or split", "files", "records"],
              [[k, len(v), sum(r.records for r in v)] for k, v in sets.items()])
    return EXIT_OK


# --- overlap -------------------------------------------------------------------------------------

@app.command("overlap")
def overlap_command(
    a: Annotated[str, typer.Argument(metavar="A", help="Registered dataset or split whose records are looked for.")],
    b: Annotated[str, typer.Argument(metavar="B", help="Registered dataset or split to look in.")],
    threshold: ThresholdOpt = DEFAULT_THRESHOLD, ngram: NgramOpt = DEFAULT_NGRAM, num_perm: PermOpt = DEFAULT_NUM_PERM,
    examples: Annotated[int, typer.Option(help="Matching record pairs to show.")] = 5,
    write: WriteOpt = True, store: StoreOpt = None, fmt: FormatOpt = Format.table,
) -> int:
    """Records of A found in B: exact (normalised text) and near duplicates (MinHash LSH)."""
    from lineagekg.samples.overlap import overlap
    from lineagekg.samples.registry import PreparedSets, record_measurement

    check_options("overlap", threshold, ngram, num_perm)
    st = command_store(store)
    sets = PreparedSets(st, ngram=ngram, threshold=threshold, num_perm=num_perm)
    with progress_bar() as progress:
        progress("reading records", 0, 2)
        ra = sets.get(a)
        progress("reading records", 1, 2)
        rb = sets.get(b)
        progress("reading records", 2, 2)
        result = overlap(ra, rb, examples=examples, progress=progress)
    graph = record_measurement(st, sets.regs(a), sets.regs(b), result) if write else None
    if fmt is Format.json:
        out.emit_json({"a": a, "b": b, **result.as_dict(), "graph": graph})
        return EXIT_OK
    jac = "" if result.mean_jaccard is None else f", mean Jaccard estimate {result.mean_jaccard:.3f}"
    out.say("records of ", out.name(a), f" ({result.a_records}) found in ", out.name(b), f" ({result.b_records}):")
    out.say(f"  exact {result.exact}; near {result.near} of {result.near_eligible} long enough "
            f"(threshold {threshold:g}, {ngram}-grams{jac}); {result.candidates_checked} LSH candidates "
            f"checked in {result.seconds:.2f} s")
    if result.examples:
        out.table("examples", ["A record", "B record", "match", "A text", "B text"],
                  [[e.a_number, e.b_number,
                    "exact" if e.exact else f"near (c={e.containment:.2f}, J≈{e.jaccard_estimate:.2f})",
                    e.a_text[:80], e.b_text[:80]] for e in result.examples])
    return EXIT_OK


# --- agreement -----------------------------------------------------------------------------------

@app.command("agreement")
def agreement_command(
    threshold: ThresholdOpt = DEFAULT_THRESHOLD, ngram: NgramOpt = DEFAULT_NGRAM, num_perm: PermOpt = DEFAULT_NUM_PERM,
    min_share: Annotated[float,
                         typer.Option(help="A pair overlaps when this share of one side's records is found.")] = 0.01,
    min_records: Annotated[int, typer.Option(help="... and at least this many records.")] = 2,
    write: WriteOpt = True, store: StoreOpt = None, fmt: FormatOpt = Format.table,
) -> int:
    """Lineage-predicted against measured overlap for every pair of registered sets: confusion
    table, disagreements with their reason, and the cost of graph-guided against all-pairs checking."""
    from lineagekg.samples.agreement import agreement

    check_options("agreement", threshold, ngram, num_perm)
    with progress_bar() as progress:
        report = agreement(command_store(store), ngram=ngram, threshold=threshold, num_perm=num_perm,
                           min_share=min_share, min_records=min_records, write=write, progress=progress)
    if fmt is Format.json:
        out.emit_json(report.as_dict())
        return EXIT_OK
    c = report.confusion()
    out.table(f"Lineage against records: {len(report.pairs)} pairs of {len(report.sets)} registered sets",
              ["", "records overlap", "records do not overlap"],
              [["lineage predicts overlap", c["predicted_and_measured"], c["predicted_not_measured"]],
               ["lineage predicts none", c["measured_not_predicted"], c["neither"]]])
    g, a = report.guided, report.all_pairs
    out.table("Cost", ["run", "pairs", "record pairs (naive)", "LSH candidates checked", "seconds"],
              [["graph-guided", g.pairs, f"{g.naive_record_pairs:,}", g.candidates_checked, g.seconds],
               ["all pairs", a.pairs, f"{a.naive_record_pairs:,}", a.candidates_checked, a.seconds]])
    out.say(f"all pairs / graph-guided: {report.record_pair_ratio}x the record pairs, "
            f"{report.time_ratio}x the time; overlapping pairs the guided run finds: "
            f"{report.found_by_guided_run}")
    rows = [p for p in report.pairs if p.prediction.predicted or p.measured]
    out.table("Pairs predicted or measured", ["A", "B", "lineage", "A in B exact/near", "B in A exact/near", "agree"],
              [[p.a, p.b, p.prediction.how or "-", f"{p.a_in_b.exact}/{p.a_in_b.near} of {p.a_records}",
                f"{p.b_in_a.exact}/{p.b_in_a.near} of {p.b_records}", "yes" if p.agree else "NO"] for p in rows])
    for p in report.disagreements:
        out.say(("disagree:", "bold"), " ", out.name(p.a), " / ", out.name(p.b), ": ", p.reason)
    return EXIT_OK


# --- contamination --verify ----------------------------------------------------------------------

def verify_contamination(benchmark: str, store: str | None, fmt: Format, *, threshold: float, ngram: int,
                         num_perm: int, write: bool) -> int:
    """The record-level check behind ``lineagekg contamination BENCHMARK --verify``."""
    from lineagekg.samples.contamination import verify

    check_options("contamination", threshold, ngram, num_perm)
    with progress_bar() as progress:
        found = verify(command_store(store), benchmark, ngram=ngram, threshold=threshold, num_perm=num_perm,
                       write=write, progress=progress)
    if fmt is Format.json:
        out.emit_json(found.as_dict())
        return EXIT_OK
    out.table(f"{benchmark} ({', '.join(found.benchmark_sets)}, {found.benchmark_items} items) in the registered sets",
              ["dataset", "items found exact/near", "its records matching exact/near", "predicted path", "verdict"],
              [[v.dataset, f"{v.items_found.exact}/{v.items_found.near}",
                f"{v.records_matching.exact}/{v.records_matching.near} of {v.records_matching.a_records}",
                out.path_text(v.path.path.nodes, v.path.path.relations) if v.path else "-", v.verdict]
               for v in found.sets if v.contaminated or v.path is not None])
    clean = sum(1 for v in found.sets if not v.contaminated and v.path is None)
    out.say(f"{clean} other registered set(s) hold none of its items")
    return EXIT_OK


# --- diverse -------------------------------------------------------------------------------------

@app.command("diverse")
def diverse_command(
    budget: Annotated[int, typer.Option(help="How many records to sample.")],
    sources: Annotated[list[str] | None, typer.Option("--from", help="Sample from the roots upstream of these "
                                                         "registered sets (repeatable; default: all).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The sample (JSONL); its provenance goes "
                                         "beside it as .prov.json.")] = Path("diverse-sample.jsonl"),
    seed: Annotated[int, typer.Option(help="Random seed (recorded in the provenance).")] = 0,
    baselines: Annotated[bool, typer.Option("--baselines/--no-baselines",
                                            help="Also measure same-size baselines.")] = True,
    measure_diversity: Annotated[bool, typer.Option(
        "--measure/--no-measure", help="Vendi Score and Centroid Distance (embeds the records).")] = True,
    threshold: ThresholdOpt = DEFAULT_THRESHOLD, ngram: NgramOpt = DEFAULT_NGRAM, num_perm: PermOpt = DEFAULT_NUM_PERM,
    store: StoreOpt = None, fmt: FormatOpt = Format.table,
) -> int:
    """A lineage-aware diverse sample: records from the roots of the graph, in proportion, near
    duplicates removed; its diversity next to same-size baselines."""
    from lineagekg.samples.diverse import build_sample, measure, write_sample

    check_options("diverse", threshold, ngram, num_perm)
    with progress_bar() as progress:
        sample, sets = build_sample(command_store(store), budget, sources=sources or None, seed=seed, ngram=ngram,
                                    threshold=threshold, num_perm=num_perm, progress=progress)
        prov_path = write_sample(sample, sets, output, budget=budget)
        if measure_diversity:
            sample.table = measure(sample, sets, baselines=baselines, progress=progress)
    if fmt is Format.json:
        out.emit_json({**sample.as_dict(), "output": str(output), "provenance": str(prov_path)})
        return EXIT_OK
    out.say(f"wrote {len(sample.picked)} records to ", out.name(str(output)), " (provenance: ",
            out.name(prov_path.name), f"); {sample.dropped_near_duplicates} near duplicate(s) dropped")
    out.table("Roots sampled", ["root", "records"], [[k, v] for k, v in sample.roots.items()])
    if sample.table:
        out.table("Diversity (all-MiniLM-L6-v2)", ["sample", "records", "Vendi Score", "Centroid Distance"],
                  [[r.name, r.records, f"{r.vendi:.2f}", f"{r.centroid_distance:.4f}"] for r in sample.table])
    return EXIT_OK
