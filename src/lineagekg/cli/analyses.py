"""The lineage questions: ``ancestors``, ``descendants``, ``roots``, ``shared-roots``, ``path``,
``contamination``, ``redundancy``, ``structure``, ``stats`` (each a thin layer over ``Lineage``)."""

from __future__ import annotations

from typing import Annotated

import typer

from lineagekg.analyses import Lineage
from lineagekg.cli import render as out
from lineagekg.cli.app import EXIT_NEGATIVE, EXIT_OK, Format, FormatOpt, IdArg, StoreOpt, app, command_store


@app.command()
def ancestors(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table,
              tree: Annotated[bool, typer.Option(help="Show the lineage as a tree.")] = True) -> int:
    """Every dataset DATASET was derived from, directly or transitively."""
    lineage = Lineage(command_store(store))
    found = lineage.ancestors(dataset)
    if fmt is Format.json:
        out.emit_json({"dataset": dataset, "ancestors": [a.id for a in found],
                       "details": found})
        return EXIT_OK
    if tree:
        out.lineage_tree(dataset, lineage.upstream_edges(dataset))
    out.related_table(out.line(f"{len(found)} ancestor(s) of ", out.name(dataset)), found, extra="root")
    return EXIT_OK


@app.command()
def descendants(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Every dataset derived from DATASET, directly or transitively."""
    found = Lineage(command_store(store)).descendants(dataset)
    if fmt is Format.json:
        out.emit_json({"dataset": dataset, "descendants": [d.id for d in found], "details": found})
        return EXIT_OK
    out.related_table(out.line(f"{len(found)} descendant(s) of ", out.name(dataset)), found, extra="leaf")
    return EXIT_OK


@app.command()
def roots(dataset: IdArg, store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """The upstream roots of DATASET (datasets with no known source), with why each is terminal."""
    found = Lineage(command_store(store)).roots(dataset)
    if fmt is Format.json:
        out.emit_json({"dataset": dataset, "roots": [r.id for r in found], "details": found})
        return EXIT_OK
    out.table(out.line(f"{len(found)} root(s) of ", out.name(dataset)), ["root", "terminal reason"],
              [[out.name(r.id), r.terminal_reason or r.terminal_note or ""] for r in found])
    return EXIT_OK


@app.command("shared-roots")
def shared_roots(datasets: Annotated[list[str], typer.Argument(help="Two or more dataset ids.")],
                 store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Roots that all of the given datasets share."""
    found = Lineage(command_store(store)).shared_roots(datasets)
    if fmt is Format.json:
        out.emit_json({"datasets": datasets, "shared_roots": [r.id for r in found], "details": found})
        return EXIT_OK
    shared_by = [part for i, d in enumerate(datasets) for part in ((", ",) if i else ()) + (out.name(d),)]
    out.table(out.line(f"{len(found)} root(s) shared by ", *shared_by), ["root", "terminal reason"],
              [[out.name(r.id), r.terminal_reason or ""] for r in found])
    return EXIT_OK


@app.command()
def path(source: Annotated[str, typer.Argument(metavar="FROM")], target: Annotated[str, typer.Argument(metavar="TO")],
         store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """A shortest lineage path between two datasets (exit 1 when they are not related)."""
    found = Lineage(command_store(store)).path(source, target)
    if fmt is Format.json:
        out.emit_json({"from": source, "to": target,
                       "direction": found[0] if found else None,
                       "path": list(found[1].nodes) if found else None,
                       "relations": list(found[1].relations) if found else None})
    elif found is None:
        out.say("no lineage path between ", out.name(source), " and ", out.name(target))
    else:
        direction, witness = found
        what = "derives from" if direction == "upstream" else "is an ancestor of"
        out.say(out.name(source), f" {what} ", out.name(target), f" in {witness.length} hop(s):")
        out.say("  ", out.path_text(witness.nodes, witness.relations))
    return EXIT_OK if found else EXIT_NEGATIVE


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
    hits = Lineage(command_store(store)).contamination(benchmark)
    if fmt is Format.json:
        out.emit_json({"benchmark": benchmark, "datasets": [h.dataset for h in hits],
                       "hits": [{"dataset": h.dataset, "reached": h.reached, "hops": h.path.length,
                                 "path": list(h.path.nodes), "relations": list(h.path.relations)}
                                for h in hits]})
        return EXIT_OK
    out.table(out.line(f"{len(hits)} dataset(s) reach ", out.name(benchmark)), ["dataset", "hops", "witness path"],
              [[out.name(h.dataset), h.path.length, out.path_text(h.path.nodes, h.path.relations)] for h in hits])
    return EXIT_OK


@app.command()
def redundancy(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Implicit intersections: datasets built from X and from something already derived from X."""
    hits = Lineage(command_store(store)).redundancy()
    if fmt is Format.json:
        out.emit_json({"hits": hits})
        return EXIT_OK
    out.table(f"{len(hits)} implicit intersection(s)", ["dataset", "takes", "and again via"],
              [[out.name(h.dataset), out.line(out.name(h.upstream), f" ({h.upstream_relation})"),
                out.line(out.name(h.via), f" ({h.via_relation})")] for h in hits])
    return EXIT_OK


@app.command()
def structure(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Per domain: nodes, average depth, in-degree, out-degree and leaf share (the paper's Table 1)."""
    rows = Lineage(command_store(store)).structure()
    if fmt is Format.json:
        out.emit_json({"domains": rows})
        return EXIT_OK
    out.table("Domain structure", ["domain", "nodes", "avg depth", "in-degree", "out-degree", "leaf %"],
              [[r.domain, r.nodes, f"{r.avg_depth:.2f}", f"{r.avg_in_degree:.2f}",
                f"{r.avg_out_degree:.2f}", f"{r.leaf_share:.2f}"] for r in rows])
    return EXIT_OK


@app.command()
def stats(store: StoreOpt = None, fmt: FormatOpt = Format.table) -> int:
    """Size of the lineage graph: datasets, edges, derivations by relation, terminal reasons, graphs."""
    st = Lineage(command_store(store)).statistics()
    if fmt is Format.json:
        out.emit_json(st)
        return EXIT_OK
    out.table("Lineage graph", ["what", "count"], [[k, v] for k, v in st.counts.items()])
    out.table("Derivations by relation", ["relation", "count"], [[k, v] for k, v in st.relations.items()])
    if st.terminal_reasons:
        out.table("Terminal datasets by reason", ["reason", "count"],
                  [[k, v] for k, v in st.terminal_reasons.items()])
    return EXIT_OK
