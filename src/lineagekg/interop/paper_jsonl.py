"""Read a lineage graph published in the format of 'Tracing the Roots' (ACL 2026).

Two JSON Lines files: nodes (``name``, ``categories``, ``hf_year``, ``paper_year``, ``year``,
``summary``, ``data_type``, ``exists_on_hf``, ``is_terminal_node``, ``terminal_reason``,
``paper_url``, ``downloads``; and, as lineagekg extensions, ``is_benchmark``, ``synthetic``, and
``split_of`` + ``split`` for a named split of a dataset) and edges (``target``, ``source``, ``meta_info``: a JSON *string*
holding ``source``, ``confidence``, ``relationship``, ``evidence``, ``exists``). Every problem is
reported with its file, line and field; nothing is returned half-read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagekg import iris, taxonomy
from lineagekg.errors import InputError, LineageCycleError
from lineagekg.model import Dataset, Derivation, DocumentRef

DOMAINS = {"math": "Math", "mathematics": "Math", "code": "Code", "coding": "Code",
           "general": "General", "science": "Science", "medical": "Medical", "medicine": "Medical",
           "multilingual": "Multilingual", "safety": "Safety", "reasoning": "Reasoning",
           "tool use": "ToolUse", "tool-use": "ToolUse", "agent": "ToolUse"}

MAX_LINE_BYTES = 1_000_000


@dataclass
class PaperGraph:
    """A parsed paper-format lineage graph, ready to become a batch."""

    datasets: list[Dataset]
    derivations: list[Derivation]
    documents: list[DocumentRef]
    warnings: list[str] = field(default_factory=list)


def _read_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise InputError("binary file, expected JSON Lines", file=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from exc
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_BYTES:
            raise InputError(f"line longer than {MAX_LINE_BYTES} characters", file=str(path), line=number)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}", file=str(path),
                             line=number) from exc
        if not isinstance(value, dict):
            raise InputError(f"expected a JSON object, got {type(value).__name__}", file=str(path),
                             line=number)
        rows.append((number, value))
    if not rows:
        raise InputError("empty file: no JSON objects", file=str(path))
    return rows


def _opt_int(value: Any, where: dict[str, Any], name: str, *, low: int | None = None,
             high: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"expected an integer, got {value!r}", field=name, **where)
    try:
        number = int(float(value)) if isinstance(value, (float, str)) else value
    except ValueError as exc:
        raise InputError(f"expected an integer, got {value!r}", field=name, **where) from exc
    if (low is not None and number < low) or (high is not None and number > high):
        raise InputError(f"{number} is out of range [{low}, {high}]", field=name, **where)
    return number


def _opt_bool(value: Any, where: dict[str, Any], name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise InputError(f"expected true or false, got {value!r}", field=name, **where)


def _opt_str(value: Any, where: dict[str, Any], name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {type(value).__name__}", field=name, **where)
    return value.strip() or None


def _terminal_reason(text: str | None) -> str | None:
    """Map a terminal reason as the paper writes it to a concept; None keeps only the text."""
    if not text:
        return None
    t = text.lower()
    if "depth" in t:
        return "DepthReached"
    if any(k in t for k in ("not on hf", "not on the hub", "not on hub", "not found on", "huggingface", "hugging face", "not exist")):
        return "NotOnHub"
    if any(k in t for k in ("2020", "before", "cutoff", "cut-off", "date", "older")):
        return "BeforeCutoff"
    if "source" in t or "no upstream" in t or "original" in t:
        return "NoSourceFound"
    return None


def _node(number: int, row: dict[str, Any], path: Path) -> Dataset:
    where = {"file": str(path), "line": number}
    name = _opt_str(row.get("name"), where, "name")
    if not name:
        raise InputError("missing dataset name", field="name", **where)
    categories = row.get("categories") or []
    if isinstance(categories, str):
        categories = [c for c in categories.replace(";", ",").split(",") if c.strip()]
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise InputError("expected a list of domain names", field="categories", **where)
    domains = []
    for category in categories:
        domain = DOMAINS.get(category.strip().lower())
        if domain is None:
            raise InputError(f"unknown domain {category!r}", field="categories",
                             hint="known domains: " + ", ".join(sorted(set(DOMAINS.values()))), **where)
        if domain not in domains:
            domains.append(domain)
    data_type = _opt_str(row.get("data_type"), where, "data_type")
    is_benchmark = _opt_bool(row.get("is_benchmark"), where, "is_benchmark")
    if is_benchmark is None:
        is_benchmark = bool(data_type and data_type.lower() in ("benchmark", "evaluation", "eval"))
    on_hub = _opt_bool(row.get("exists_on_hf"), where, "exists_on_hf")
    reason_text = _opt_str(row.get("terminal_reason"), where, "terminal_reason")
    reason = _terminal_reason(reason_text)
    paper_url = _opt_str(row.get("paper_url"), where, "paper_url")
    if paper_url and not paper_url.startswith(("http://", "https://")):
        raise InputError(f"not an http(s) URL: {paper_url!r}", field="paper_url", **where)
    split_of = _opt_str(row.get("split_of"), where, "split_of")
    split_name = _opt_str(row.get("split"), where, "split")
    if bool(split_of) != bool(split_name):
        raise InputError("a split node needs both split_of and split", field="split_of" if not split_of
                         else "split", **where)
    return Dataset(
        identifier=name, label=name, split_of=split_of, split_name=split_name,
        on_hub=on_hub if on_hub is not None else iris.looks_like_hub_id(name) and "/" in name,
        is_benchmark=is_benchmark, domains=tuple(domains),
        year=_opt_int(row.get("year"), where, "year", low=1900, high=2100),
        hub_year=_opt_int(row.get("hf_year"), where, "hf_year", low=1900, high=2100),
        paper_year=_opt_int(row.get("paper_year"), where, "paper_year", low=1900, high=2100),
        summary=_opt_str(row.get("summary"), where, "summary"), data_type=data_type,
        paper_url=paper_url,
        downloads=_opt_int(row.get("downloads"), where, "downloads", low=0),
        is_terminal=_opt_bool(row.get("is_terminal_node"), where, "is_terminal_node"),
        terminal_reason=reason, terminal_note=reason_text if reason is None else None,
        origin=_origin(_opt_bool(row.get("synthetic"), where, "synthetic")),
    )


def _origin(synthetic: bool | None) -> str | None:
    return None if synthetic is None else ("Synthetic" if synthetic else "HumanMade")


def _meta_info(value: Any, where: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise InputError("expected a JSON string (or object)", field="meta_info", **where)
    try:
        meta = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InputError(f"meta_info is not valid JSON: {exc.msg}", field="meta_info", **where) from exc
    if not isinstance(meta, dict):
        raise InputError("meta_info must hold a JSON object", field="meta_info", **where)
    return meta


def _documents_for(kinds: list[str], target: Dataset) -> list[DocumentRef]:
    docs = []
    for kind in kinds:
        k = kind.lower()
        if "readme" in k and "hugging" in k and target.on_hub:
            iri = iris.dataset_iri(target.identifier, on_hub=True) + "/blob/main/README.md"
            docs.append(DocumentRef(iri=iri, title=f"Hub card of {target.identifier}", kind=kind))
        elif k == "paper" and target.paper_url:
            docs.append(DocumentRef(iri=target.paper_url, title=f"Paper of {target.identifier}", kind=kind))
        else:
            docs.append(DocumentRef(iri=iris.document_iri(kind, target.identifier),
                                    title=f"{kind} about {target.identifier} (cited, no URL)", kind=kind))
    return docs


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``target -> sources``, as a list of nodes ending where it starts; or None."""
    white, grey, black = 0, 1, 2
    colour: dict[str, int] = {}
    for start in sorted(edges):
        if colour.get(start, white) != white:
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(edges.get(start, ())))]
        path = [start]
        colour[start] = grey
        while stack:
            node, todo = stack[-1]
            if not todo:
                colour[node] = black
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            state = colour.get(nxt, white)
            if state == grey:
                return path[path.index(nxt):] + [nxt]
            if state == white:
                colour[nxt] = grey
                path.append(nxt)
                stack.append((nxt, sorted(edges.get(nxt, ()))))
    return None


def read(nodes_path: Path, edges_path: Path) -> PaperGraph:
    """Parse both files; raise ``InputError`` naming file, line and field at the first problem."""
    datasets: dict[str, Dataset] = {}
    first_line: dict[str, int] = {}
    for number, row in _read_lines(nodes_path):
        ds = _node(number, row, nodes_path)
        if ds.identifier in datasets:
            raise InputError(f"duplicate dataset {ds.identifier!r} (first at line {first_line[ds.identifier]})",
                             file=str(nodes_path), line=number, field="name")
        datasets[ds.identifier] = ds
        first_line[ds.identifier] = number

    for ds in list(datasets.values()):
        if ds.split_of and ds.split_of not in datasets:
            datasets[ds.split_of] = Dataset(identifier=ds.split_of, label=ds.split_of,
                                            on_hub=ds.on_hub, is_benchmark=ds.is_benchmark)

    derivations: list[Derivation] = []
    documents: dict[str, DocumentRef] = {}
    added: list[str] = []
    graph: dict[str, set[str]] = {}
    edge_line: dict[tuple[str, str], int] = {}
    for number, row in _read_lines(edges_path):
        where = {"file": str(edges_path), "line": number}
        target = _opt_str(row.get("target"), where, "target")
        source = _opt_str(row.get("source"), where, "source")
        if not target:
            raise InputError("missing target", field="target", **where)
        if not source:
            raise InputError("missing source", field="source", **where)
        if target == source:
            raise InputError(f"{target!r} cannot derive from itself", field="source", **where)
        meta = _meta_info(row.get("meta_info"), where)
        rel_label = meta.get("relationship")
        if not isinstance(rel_label, str) or not rel_label.strip():
            raise InputError("missing relationship", field="meta_info.relationship", **where)
        relation = taxonomy.resolve(rel_label)
        if relation is None:
            raise InputError(f"unknown relationship {rel_label!r}", field="meta_info.relationship",
                             hint="known: " + ", ".join(taxonomy.known_labels()), **where)
        confidence = meta.get("confidence")
        if isinstance(confidence, str):
            try:
                confidence = float(confidence)
            except ValueError:
                pass
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            raise InputError(f"confidence must be a number, got {confidence!r}",
                             field="meta_info.confidence", **where)
        if not 0.0 <= float(confidence) <= 1.0:
            raise InputError(f"confidence {confidence} is outside [0, 1]", field="meta_info.confidence", **where)
        evidence = meta.get("evidence") or ""
        if not isinstance(evidence, str):
            raise InputError("evidence must be a string", field="meta_info.evidence", **where)
        kinds_text = meta.get("source") or ""
        if not isinstance(kinds_text, str):
            raise InputError("source must be a string", field="meta_info.source", **where)
        kinds = [k.strip() for k in kinds_text.split(";") if k.strip()] or ["Unspecified"]
        exists = _opt_bool(meta.get("exists"), where, "meta_info.exists")
        for name, on_hub in ((target, None), (source, exists)):
            if name not in datasets:
                guess = iris.looks_like_hub_id(name) and "/" in name
                datasets[name] = Dataset(identifier=name, label=name,
                                         on_hub=on_hub if on_hub is not None else guess)
                added.append(name)
        docs = _documents_for(kinds, datasets[target])
        for doc in docs:
            documents.setdefault(doc.iri, doc)
        derivations.append(Derivation(
            target=target, source=source, relation=relation.name, confidence=float(confidence),
            evidence=evidence.strip(), documents=tuple(d.iri for d in docs), source_kinds=tuple(kinds)))
        graph.setdefault(target, set()).add(source)
        edge_line.setdefault((target, source), number)

    cycle = find_cycle(graph)
    if cycle:
        lines = [str(edge_line[(a, b)]) for a, b in zip(cycle, cycle[1:])]
        raise LineageCycleError(cycle, file=f"{edges_path} (lines {', '.join(lines)})")

    warnings = []
    if added:
        shown = ", ".join(added[:5]) + (" ..." if len(added) > 5 else "")
        warnings.append(f"{len(added)} dataset(s) named by edges but not in {nodes_path.name}: {shown}")
    empty = sum(1 for d in derivations if not d.evidence)
    if empty:
        warnings.append(f"{empty} edge(s) without evidence")
    return PaperGraph(datasets=list(datasets.values()), derivations=derivations,
                      documents=list(documents.values()), warnings=warnings)
