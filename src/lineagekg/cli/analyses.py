"""The lineage questions: ``ancestors``, ``descendants``, ``roots``, ``shared-roots``, ``path``,
``contamination``, ``redundancy``, ``structure``, ``stats``: each prints, with ``--format json``, the
answer the REST API gives for it (``analyses.answers``)."""

from __future__ import annotations

from typing import Annotated

import typer

from lineagekg.analyses import Lineage, answers
from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_NEGATIVE, EXIT_OK, Format, FormatOpt, IdArg, StoreOpt, app, command_store


@app.command()
def ancestors(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table,
              tree: Annotated[bool, typer.Option(help="Show the lineage as a tree.")] = True) -> int:
    """Every dataset DATASET was derived from, directly or transitively."""
    lineage = Lineage(command_store(store))
    found = answers.ancestors(lineage, dataset)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    if tree:
        out.lineage_tree(answers.tree(lineage, dataset, depth=6))
    out.related_table(out.line(f"{len(found.items)} ancestor(s) of ", out.name(found.dataset.id)), found.items,
                      extra="root")
    return EXIT_OK


@app.command()
def descendants(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Every dataset derived from DATASET, directly or transitively."""
    found = answers.descendants(Lineage(command_store(store)), dataset)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.related_table(out.line(f"{len(found.items)} descendant(s) of ", out.name(found.dataset.id)), found.items,
                      extra="leaf")
    return EXIT_OK


@app.command()
def roots(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """The upstream roots of DATASET (datasets with no known source), with why each is terminal."""
    found = answers.roots(Lineage(command_store(store)), dataset)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.table(out.line(f"{len(found.items)} root(s) of ", out.name(found.dataset.id)), ["root", "terminal reason"],
              [[out.name(r.id), r.terminal_reason or r.terminal_note or ""] for r in found.items])
    return EXIT_OK


@app.command("shared-roots")
def shared_roots(datasets: Annotated[list[str], typer.Argument(help="Two or more dataset ids.")],
                 store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Roots that all of the given datasets share."""
    found = answers.shared_roots(Lineage(command_store(store)), datasets)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    shared_by = [part for i, d in enumerate(found.datasets) for part in ((", ",) if i else ()) + (out.name(d.id),)]
    out.table(out.line(f"{len(found.items)} root(s) shared by ", *shared_by), ["root", "terminal reason"],
              [[out.name(r.id), r.terminal_reason or ""] for r in found.items])
    return EXIT_OK


@app.command()
def path(source: Annotated[str, typer.Argument(metavar="FROM")], target: Annotated[str, typer.Argument(metavar="TO")],
         store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """A shortest lineage path between two datasets (exit 1 when they are not related)."""
    found = answers.path(Lineage(command_store(store)), source, target)
    if fmt is Format.json:
        out.emit_answer(found)
    elif not found.found:
        out.say("no lineage path between ", out.name(source), " and ", out.name(target))
    else:
        what = "derives from" if found.direction == "upstream" else "is an ancestor of"
        out.say(out.name(source), f" {what} ", out.name(target), f" in {len(found.relations)} hop(s):")
        out.say("  ", out.path_text(found.nodes, found.relations))
    return EXIT_OK if found.found else EXIT_NEGATIVE


@app.command()
def contamination(
    benchmark: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table,
    verify: Annotated[bool, typer.Option("--verify", help="Look for the benchmark's registered records in "
                                         "every registered set, next to the predicted path.")] = False,
    threshold: Annotated[float, typer.Option(help="--verify: near-duplicate threshold (share of n-grams).")] = 0.5,
    ngram: Annotated[int, typer.Option(help="--verify: words per shingle.")] = 8,
    num_perm: Annotated[int, typer.Option("--num-perm", help="--verify: MinHash permutations.")] = 128,
    write: Annotated[bool, typer.Option("--write/--no-write", help="--verify: write measurements as PROV.")] = True,
) -> int:
    """Every dataset that reaches BENCHMARK (or one of its splits), each with a witness path;
    with --verify, the benchmark's items found at the record level in every registered set."""
    if verify:
        from lineagekg.cli.samples import verify_contamination

        return verify_contamination(benchmark, store, fmt, threshold=threshold, ngram=ngram,
                                    num_perm=num_perm, write=write)
    found = answers.contamination(Lineage(command_store(store)), benchmark)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.table(out.line(f"{len(found.hits)} dataset(s) reach ", out.name(found.benchmark.id)),
              ["dataset", "hops", "witness path"],
              [[out.name(h.dataset.id), h.distance, out.path_text(h.path.nodes, h.path.relations)]
               for h in found.hits])
    return EXIT_OK


@app.command()
def redundancy(store: StoreOpt = None, fmt: FormatOpt = Format.table,
               limit: Annotated[int, typer.Option(help="At most this many items.")] = 1000) -> int:
    """Implicit intersections: datasets built from X and from something already derived from X."""
    found = answers.redundancy(Lineage(command_store(store)), limit=limit)
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.table(f"{found.total} implicit intersection(s)", ["dataset", "takes", "and again via"],
              [[out.name(h.dataset.id), out.line(out.name(h.upstream.id), f" ({h.upstream_relation})"),
                out.line(out.name(h.via.id), f" ({h.via_relation})")] for h in found.items])
    return EXIT_OK


@app.command()
def structure(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Per domain: nodes, average depth, in-degree, out-degree and leaf share (the paper's Table 1)."""
    found = answers.structure(Lineage(command_store(store)))
    if fmt is Format.json:
        out.emit_answer(found)
        return EXIT_OK
    out.table("Domain structure", ["domain", "nodes", "avg depth", "in-degree", "out-degree", "leaf %"],
              [[r.domain, r.nodes, f"{r.avg_depth:.2f}", f"{r.avg_in_degree:.2f}",
                f"{r.avg_out_degree:.2f}", f"{r.leaf_share:.2f}"] for r in found.items])
    return EXIT_OK


@app.command()
def stats(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Size of the lineage graph: datasets, edges, derivations by relation, terminal reasons, graphs."""
    st = answers.stats(Lineage(command_store(store)))
    if fmt is Format.json:
        out.emit_answer(st)
        return EXIT_OK
    out.table("Lineage graph", ["what", "count"], [[k, v] for k, v in st.counts.model_dump().items()])
    out.table("Derivations by relation", ["relation", "count"], [[k, v] for k, v in st.relations.items()])
    if st.terminal_reasons:
        out.table("Terminal datasets by reason", ["reason", "count"],
                  [[k, v] for k, v in st.terminal_reasons.items()])
    return EXIT_OK
