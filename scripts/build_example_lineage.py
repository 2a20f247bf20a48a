#!/usr/bin/env python3
"""Build the example lineage graph shipped in ``examples/lineage`` from two real sources.

1. ``labels/dev_edges.csv``: hand-checked lineage edges, each quoting a GitHub README verbatim.
2. ``lineage_corpus/dpi/dpi_compact.jsonl``: Data Provenance Initiative metadata (Apache-2.0);
   every entry of a record's "Derived from Datasets" becomes an edge. Names are resolved by the
   library's DPI entity resolution (``lineagekg.interop.dpi.Names``), the one ``lineagekg import
   dpi`` uses.

Output, in the JSON Lines format of 'Tracing the Roots' (plus lineagekg's extensions):
``nodes.jsonl``, ``edges.jsonl`` (``meta_info`` a JSON *string*) and ``NOTICE.md``.
The output is deterministic: the same inputs give byte-identical files.

    .venv/bin/python scripts/build_example_lineage.py --shared ../shared --out examples/lineage
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagekg import taxonomy
from lineagekg.interop.dpi import Graph, Names, domains_of, note_record, synthetic_of

LABELS_KIND = "GitHub"            # meta_info.source of the hand-checked edges (GitHub READMEs)
DPI_KIND = "DPI metadata"         # meta_info.source of the DPI edges
CONFIDENCE = {"explicit": 0.95, "implicit": 0.75}
DPI_CONFIDENCE = 0.7
DPI_DEFAULT_RELATION = "Direct Inclusion/Subset"   # the paper's default for a vague statement
DPI_SYNTHETIC_RELATION = "Synthetic Generation"

@dataclass
class Edge:
    target: str
    source: str
    kind: str
    relationship: str
    confidence: float
    evidence: str
    order: int


@dataclass
class NodeInfo:
    categories: set[str] = field(default_factory=set)
    synthetic: set[bool] = field(default_factory=set)
    paper_urls: set[str] = field(default_factory=set)
    is_benchmark: bool = False
    split_of: str | None = None
    split: str | None = None


# ------------------------------------------------------------------------------------ reading

def read_labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        sys.exit(f"error: {path}: no rows")
    return rows


def split_evidence(text: str, where: str) -> tuple[str, str]:
    """``"quote" -- repo@commit:path`` -> (quote without its surrounding quotes, reference)."""
    quote, sep, ref = text.rpartition(" -- ")
    if not sep or "@" not in ref or ":" not in ref:
        sys.exit(f"error: {where}: evidence does not end with ' -- repo@commit:path': {text!r}")
    quote = quote.strip()
    if len(quote) >= 2 and quote[0] == '"' and quote[-1] == '"':
        quote = quote[1:-1]
    if not quote.strip():
        sys.exit(f"error: {where}: empty evidence quote")
    return quote, ref.strip()


def split_word(parent_split: str) -> str | None:
    """'validation (only split)' -> 'validation'; '' -> None."""
    m = re.match(r"\s*([A-Za-z][\w\-]*)", parent_split or "")
    return m.group(1).lower() if m else None


# ------------------------------------------------------------------------------------ build

def build(shared: Path, out: Path) -> None:
    labels_path = shared / "labels" / "dev_edges.csv"
    index_path = shared / "lineage_corpus" / "index.json"
    dpi_path = shared / "lineage_corpus" / "dpi" / "dpi_compact.jsonl"
    for p in (labels_path, index_path, dpi_path):
        if not p.is_file():
            sys.exit(f"error: missing input {p}")
    index = json.loads(index_path.read_text(encoding="utf-8"))
    labels = read_labels(labels_path)
    dpi = [json.loads(line) for line in dpi_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    names = Names(index)
    raw_edges: list[tuple[str, str, str, str, float, str, dict[str, Any]]] = []
    benchmarks: set[str] = set()
    label_refs: Counter[tuple[str, str]] = Counter()   # (reference, source_file) -> edges

    # a) the hand-checked edges
    for number, row in enumerate(labels, start=2):
        where = f"{labels_path}:{number}"
        child, parent = row["child"].strip(), row["parent"].strip()
        relation = row["relation"].strip()
        if taxonomy.resolve(relation) is None:
            sys.exit(f"error: {where}: relation {relation!r} is not in the taxonomy")
        strength = row["strength"].strip()
        if strength not in CONFIDENCE:
            sys.exit(f"error: {where}: strength {strength!r} is neither explicit nor implicit")
        quote, ref = split_evidence(row["evidence"], where)
        label_refs[(ref, row["source_file"].strip())] += 1
        names.note(child, labels=True)
        names.note(parent, labels=True)
        split = split_word(row.get("parent_split", ""))
        raw_edges.append((child, parent, LABELS_KIND, relation, CONFIDENCE[strength], quote,
                          {"split": split}))
        if split:
            benchmarks.add(parent)

    # b) the DPI "Derived from Datasets" entries
    dpi_by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    empty_entries = 0
    for record in dpi:
        target, parents, empty = note_record(names, record)
        empty_entries += empty
        dpi_by_name[target].append(record)
        relation = DPI_SYNTHETIC_RELATION if record.get("Model Generated") else DPI_DEFAULT_RELATION
        for parent, entry in parents:
            raw_edges.append((target, parent, DPI_KIND, relation, DPI_CONFIDENCE,
                              f"Derived from Datasets: {entry}", {"record": record["Unique Dataset Identifier"]}))

    # c) merge names, then add edges in input order: labels first, then DPI in file order
    names.resolve_all()
    graph = Graph()
    kept: list[Edge] = []
    seen_pairs: dict[tuple[str, str, str], str] = {}   # -> relationship of the kept edge
    conflicting = 0
    dropped: dict[str, list[str]] = {"self-loop": [], "cycle": [], "duplicate": []}
    info: dict[str, NodeInfo] = defaultdict(NodeInfo)
    for order, (t_raw, s_raw, kind, rel, conf, evidence, extra) in enumerate(raw_edges):
        target, source = names(t_raw), names(s_raw)
        if extra.get("split"):
            info[source].is_benchmark = True
            split_node = f"{source}:{extra['split']}"
            info[split_node].split_of, info[split_node].split = source, extra["split"]
            info[split_node].is_benchmark = True
            source = split_node
        where = f"{kind} {t_raw!r} <- {s_raw!r}" + (f" (DPI record {extra['record']!r})" if "record" in extra else "")
        if target == source or (info[source].split_of == target):
            dropped["self-loop"].append(where)
            continue
        if (target, source, kind) in seen_pairs:
            dropped["duplicate"].append(where)
            conflicting += seen_pairs[(target, source, kind)] != rel
            continue
        cycle = graph.add(target, source)
        if cycle is not None:
            dropped["cycle"].append(f"{where}: would close {' <- '.join(cycle)}")
            continue
        seen_pairs[(target, source, kind)] = rel
        kept.append(Edge(target, source, kind, rel, conf, evidence, order))

    # d) nodes
    used = sorted({e.target for e in kept} | {e.source for e in kept})
    for name in list(used):
        parent = info[name].split_of if name in info else None
        if parent and parent not in used:
            used.append(parent)
    used = sorted(set(used))
    for raw, records in dpi_by_name.items():
        name = names(raw)
        if name not in used:
            continue
        for record in records:
            info[name].categories |= domains_of(record.get("Task Categories") or [])
            if len(info[name].categories) > 1:   # General only when no record is clearly Math/Code
                info[name].categories.discard("General")
            syn = synthetic_of(record)
            if syn is not None:
                info[name].synthetic.add(syn)
            url = (record.get("ArXiv URL") or "").strip()
            if url.startswith(("http://", "https://")):
                info[name].paper_urls.add(url)
    has_sources = {e.target for e in kept}
    nodes = []
    for name in used:
        ni = info.get(name, NodeInfo())
        on_hub = names.is_hub(ni.split_of) if ni.split_of else names.is_hub(name)
        terminal = name not in has_sources
        nodes.append({
            "name": name,
            "categories": sorted(ni.categories) or None,
            "hf_year": None, "paper_year": None, "year": None, "summary": None, "data_type": None,
            "exists_on_hf": on_hub,
            "is_terminal_node": terminal,
            "terminal_reason": (("No source found" if on_hub else "not on HF") if terminal else None),
            "paper_url": next(iter(ni.paper_urls)) if len(ni.paper_urls) == 1 else None,
            "downloads": None,
            "is_benchmark": ni.is_benchmark,
            "synthetic": next(iter(ni.synthetic)) if len(ni.synthetic) == 1 else None,
            "split_of": ni.split_of, "split": ni.split,
        })
    on_hub_of = {n["name"]: n["exists_on_hf"] for n in nodes}
    edges = []
    for e in sorted(kept, key=lambda e: (e.target, e.source, e.kind)):
        meta = {"source": e.kind, "confidence": e.confidence, "relationship": e.relationship,
                "evidence": e.evidence, "exists": on_hub_of[e.source]}
        edges.append({"target": e.target, "source": e.source,
                      "meta_info": json.dumps(meta, ensure_ascii=False)})

    # e) write
    out.mkdir(parents=True, exist_ok=True)
    for fname, rows in (("nodes.jsonl", nodes), ("edges.jsonl", edges)):
        with (out / fname).open("w", encoding="utf-8", newline="\n") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    stats = {
        "nodes": len(nodes), "edges": len(edges),
        "labels_edges": sum(1 for e in kept if e.kind == LABELS_KIND),
        "dpi_edges": sum(1 for e in kept if e.kind == DPI_KIND),
        "labels_rows": len(labels), "dpi_records": len(dpi),
        "dpi_records_with_parents": sum(1 for r in dpi if r.get("Derived from Datasets")),
        "dpi_entries": sum(len(r.get("Derived from Datasets") or []) for r in dpi),
        "empty_entries": empty_entries,
        "dropped": {k: len(v) for k, v in dropped.items()},
        "merged_names": len(names.merges),
        "on_hub": sum(1 for n in nodes if n["exists_on_hf"] and not n["split_of"]),
        "conflicting": conflicting,
        "benchmarks": sorted(n["name"] for n in nodes if n["is_benchmark"]),
        "splits": sum(1 for n in nodes if n["split_of"]),
        "terminal": sum(1 for n in nodes if n["is_terminal_node"]),
        "relations": Counter(json.loads(e["meta_info"])["relationship"] for e in edges),
    }
    (out / "NOTICE.md").write_text(notice(stats, label_refs, index, dpi), encoding="utf-8", newline="\n")

    print(f"wrote {out}/nodes.jsonl ({len(nodes)} nodes), {out}/edges.jsonl ({len(edges)} edges: "
          f"{stats['labels_edges']} from the labels file, {stats['dpi_edges']} from DPI), {out}/NOTICE.md")
    print(f"merged {len(names.merges)} name spelling(s) into canonical names")
    for (raw, canon, why) in sorted(names.merges, key=lambda m: (m[2], m[1], m[0])):
        print(f"  {raw!r} -> {canon!r} ({why})")
    if empty_entries:
        print(f"skipped {empty_entries} empty DPI 'Derived from Datasets' entr(y/ies)")
    total = sum(len(v) for v in dropped.values())
    print(f"dropped {total} edge(s): " + ", ".join(f"{len(v)} {k}" for k, v in dropped.items()))
    for why in ("self-loop", "cycle"):
        for item in dropped[why]:
            print(f"  {why}: {item}")
    if dropped["duplicate"]:
        print(f"  duplicate: {len(dropped['duplicate'])} repeated (target, source) pair(s) of the same "
              "source kind (e.g. several DPI records of one Hub dataset naming the same parent); "
              f"{conflicting} of them with another relationship than the edge kept (the first)")


def notice(stats: dict[str, Any], label_refs: Counter[tuple[str, str]], index: dict[str, Any],
           dpi: list[dict[str, Any]]) -> str:
    docs = {d["file"]: d for d in index.get("documents", [])}
    lines = [
        "# Example lineage graph: sources and licences",
        "",
        "`nodes.jsonl` and `edges.jsonl` are a real dataset-lineage graph in the JSON Lines format of",
        "*Tracing the Roots* (node fields `name`, `categories`, `hf_year`, `paper_year`, `year`, `summary`,",
        "`data_type`, `exists_on_hf`, `is_terminal_node`, `terminal_reason`, `paper_url`, `downloads`, plus",
        "lineagekg's `is_benchmark`, `synthetic`, `split_of`, `split`; edge fields `target`, `source`,",
        "`meta_info`, a JSON string of `source`, `confidence`, `relationship`, `evidence`, `exists`).",
        "It was generated by `scripts/build_example_lineage.py` from the two sources below; nobody on",
        "this project wrote the quoted evidence or the metadata it was built from.",
        "",
        "## Counts",
        "",
        f"- {stats['nodes']} nodes ({stats['on_hub']} Hugging Face Hub ids, {stats['splits']} benchmark "
        f"split node(s), {stats['terminal']} terminal), {stats['edges']} edges.",
        f"- {stats['labels_edges']} edges from the hand-checked labels ({stats['labels_rows']} rows), "
        f"{stats['dpi_edges']} edges from DPI ({stats['dpi_entries']} \"Derived from Datasets\" entries in "
        f"{stats['dpi_records_with_parents']} of {stats['dpi_records']} records).",
        f"- Dropped while building: {stats['dropped']['self-loop']} self-loops, "
        f"{stats['dropped']['cycle']} edges that would close a cycle, {stats['dropped']['duplicate']} "
        f"duplicate (target, source) pairs of the same source (the first kept; {stats['conflicting']} "
        f"of them had another relationship); {stats['merged_names']} name spellings merged (case, "
        "corpus aliases, same project IRI).",
        "- Benchmarks (marked because a labelled edge names an evaluation split of them): "
        + ", ".join(f"`{b}`" for b in stats["benchmarks"]) + ".",
        "- Relations: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["relations"].items())) + ".",
        "",
        "## 1. Hand-checked lineage edges quoting GitHub READMEs",
        "",
        "Every row of the project's development labels (`labels/dev_edges.csv`) is an edge with",
        "`meta_info.source` = `GitHub`; `evidence` is a short verbatim quote from the document below",
        "(confidence 0.95 when the document names both sides plainly, 0.75 when one side is implicit).",
        "The quoted documents are third-party; each keeps its own licence:",
        "",
        "| document (repo@commit:path) | URL | licence | edges |",
        "|---|---|---|---|",
    ]
    for (ref, source_file), count in sorted(label_refs.items()):
        doc = docs.get(source_file, {})
        lines.append(f"| `{ref}` | {doc.get('url', '(not in index.json)')} | "
                     f"{doc.get('license', 'unknown')} | {count} |")
    dpi_docs = [d for d in index.get("documents", []) if d.get("kind") == "dpi_metadata_json"]
    repos = sorted({(d["repo"], d["commit"]) for d in dpi_docs})
    lines += [
        "",
        "## 2. Data Provenance Initiative metadata (Apache-2.0)",
        "",
        "Every entry of a record's \"Derived from Datasets\" field in the Data Provenance Initiative's",
        "Data-Provenance-Collection (" + "; ".join(f"https://github.com/{r} at commit `{c}`" for r, c in repos)
        + ", `data_summaries/*.json`, licensed Apache-2.0) is an edge with `meta_info.source` =",
        "`DPI metadata`, confidence 0.7, and `evidence` the field as written (e.g.",
        "`Derived from Datasets: SNLI`). DPI does not type these links: the relation is the paper's",
        "default `Direct Inclusion/Subset`, or `Synthetic Generation` when the record's \"Model Generated\"",
        "is non-empty. The derived dataset is named by the Hub id of its \"Hugging Face URL\" when that is",
        "a huggingface.co/datasets/<org>/<name> URL, else by its \"Unique Dataset Identifier\"; so one",
        "node can stand for several DPI records (e.g. the language subsets of one Hub dataset).",
        "`categories` (Math, Code, else General, from \"Task Categories\"), `synthetic` (from \"Model",
        "Generated\" and \"Human Annotation\") and `paper_url` (from \"ArXiv URL\") also come from DPI.",
        "",
        "Attribution: Data Provenance Initiative, S. Longpre et al., \"The Data Provenance Initiative:",
        "A Large Scale Audit of Dataset Licensing & Attribution in AI\" (2023), https://www.dataprovenance.org/.",
        "Licensed under the Apache License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0);",
        "this derived file keeps that notice. The DPI metadata describes the licences of the",
        "datasets themselves; this graph does not, and it grants no rights to those datasets.",
        "",
        "## Not checked",
        "",
        "DPI parent names are free text: apart from merging spellings that differ only in case or",
        "that the corpus index lists as aliases of a Hub id, they are kept as written, so one dataset can",
        "appear under two names (e.g. `xP3` and `bigscience/xP3`). DPI edges are metadata, not quotes.",
        "For the records of a collection (Flan, xP3x, Tasksource, ...), DPI's \"Hugging Face URL\" often",
        "names the component's original Hub dataset, not the collection's copy of it; such an edge then",
        "states, as DPI does, where that dataset came from.",
        "",
        "## Rebuild",
        "",
        "From the repository root, with the shared corpus checked out next to it:",
        "",
        "```",
        ".venv/bin/python scripts/build_example_lineage.py --shared ../shared --out examples/lineage",
        "lineagekg import lineage-jsonl examples/lineage/nodes.jsonl examples/lineage/edges.jsonl",
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=repo.parent / "shared",
                    help="folder holding labels/ and lineage_corpus/ (default: ../shared)")
    ap.add_argument("--out", type=Path, default=repo / "examples" / "lineage",
                    help="output folder (default: examples/lineage)")
    args = ap.parse_args(argv)
    build(args.shared, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
