"""Read a lineage graph published in the format of 'Tracing the Roots' (ACL 2026).

Two JSON Lines files: nodes (``name``, ``categories``, ``hf_year``, ``paper_year``, ``year``,
``summary``, ``data_type``, ``exists_on_hf``, ``is_terminal_node``, ``terminal_reason``,
``paper_url``, ``downloads``; and, as lineagekg extensions, ``is_benchmark``, ``synthetic``, and
``split_of`` + ``split`` for a named split of a dataset) and edges (``target``, ``source``,
``meta_info``: a JSON *string* holding ``source``, ``confidence``, ``relationship``, ``evidence``,
``exists``). Every problem is reported with its file, line and field; nothing is returned half-read.

The files the paper actually published differ from that description, and are read as they are:
``exists_on_hf`` / ``exists`` is the string ``"exists"`` (``"not_found"``, ``"uncertain"``) rather
than a boolean; ``hf_year``, ``paper_year`` and ``year`` are ``"YYYY-MM"`` strings; two node names
can differ only in case (``AddSub`` / ``addsub``: one dataset, both spellings kept as aliases); one
(target, source, relationship) edge can appear more than once (one edge, every evidence quote, the
highest confidence); edges name datasets that have no node record (created); sources dated after
their target and edges without evidence are let in with a warning.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict

from lineagekg import iris, taxonomy
from lineagekg.errors import InputError, LineageCycleError
from lineagekg.model import Dataset, Derivation, DocumentRef

DOMAINS = {"math": "Math", "mathematics": "Math", "code": "Code", "coding": "Code",
           "general": "General", "science": "Science", "medical": "Medical", "medicine": "Medical",
           "multilingual": "Multilingual", "safety": "Safety", "reasoning": "Reasoning",
           "tool use": "ToolUse", "tool-use": "ToolUse", "agent": "ToolUse"}

MAX_LINE_BYTES = 1_000_000


class _Where(TypedDict):
    """Where a problem is, as :class:`InputError` takes it."""
    file: str
    line: int


@dataclass
class PaperGraph:
    """A parsed paper-format lineage graph, ready to become a batch."""

    datasets: list[Dataset]
    derivations: list[Derivation]
    documents: list[DocumentRef]
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)   # what was read, merged, created


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
    # JSON Lines ends a record at "\n" only: U+2028, U+0085 or a form feed inside a string are
    # data (str.splitlines would cut the record there)
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        if len(line) > MAX_LINE_BYTES:
            raise InputError(f"line longer than {MAX_LINE_BYTES} characters", file=str(path), line=number)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}", file=str(path),
                             line=number) from exc
        except (ValueError, RecursionError) as exc:   # an integer of over 4,300 digits; nesting too deep
            raise InputError(f"not usable JSON: {type(exc).__name__}: {str(exc)[:120]}", file=str(path),
                             line=number) from None
        if not isinstance(value, dict):
            raise InputError(f"expected a JSON object, got {type(value).__name__}", file=str(path),
                             line=number)
        rows.append((number, value))
    if not rows:
        raise InputError("empty file: no JSON objects", file=str(path))
    return rows


def _opt_int(value: Any, where: _Where, name: str, *, low: int | None = None,
             high: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"expected an integer, got {value!r}", field=name, **where)
    try:
        number = int(float(value)) if isinstance(value, (float, str)) else value
    except (ValueError, OverflowError) as exc:     # "abc"; 1e999 is inf, which no int holds
        raise InputError(f"expected an integer, got {value!r}", field=name, **where) from exc
    if (low is not None and number < low) or (high is not None and number > high):
        raise InputError(f"{number} is out of range [{low}, {high}]", field=name, **where)
    return number


_YEAR = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\s*$")


def _opt_year(value: Any, where: _Where, name: str) -> int | None:
    """A year given as a number, ``"2023"``, or (as the paper published it) ``"2023-05"``.

    >>> _opt_year("2023-05", {}, "hf_year"), _opt_year(2021, {}, "year"), _opt_year("", {}, "year")
    (2023, 2021, None)
    """
    if isinstance(value, str) and value.strip():
        match = _YEAR.match(value)
        if match is None:
            raise InputError(f"expected a year (YYYY or YYYY-MM), got {value!r}", field=name, **where)
        if match.group(2) and not 1 <= int(match.group(2)) <= 12:
            raise InputError(f"month {match.group(2)} of {value!r} is not 01-12", field=name, **where)
        value = match.group(1)
    return _opt_int(value, where, name, low=1900, high=2100)


_EXISTS = {"exists": True, "not_found": False, "not found": False, "not_exists": False,
           "missing": False, "uncertain": None, "unknown": None}


def _existence(value: Any, where: _Where, name: str) -> bool | None:
    """Whether a dataset is on the Hub: a boolean, or the paper's ``"exists"`` / ``"not_found"``
    / ``"uncertain"`` (None: not known).

    >>> _existence("exists", {}, "exists_on_hf"), _existence("not_found", {}, "exists")
    (True, False)
    """
    if isinstance(value, str) and value.strip().lower() in _EXISTS:
        return _EXISTS[value.strip().lower()]
    return _opt_bool(value, where, name)


def _opt_bool(value: Any, where: _Where, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise InputError(f"expected true or false, got {value!r}", field=name, **where)


def _opt_str(value: Any, where: _Where, name: str) -> str | None:
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
    if any(k in t for k in ("not on hf", "not on the hub", "not on hub", "not found on", "huggingface", "hugging face",
                            "not exist")):
        return "NotOnHub"
    if any(k in t for k in ("2020", "before", "cutoff", "cut-off", "date", "older")):
        return "BeforeCutoff"
    if "source" in t or "no upstream" in t or "original" in t:
        return "NoSourceFound"
    return None


def _node(number: int, row: dict[str, Any], path: Path) -> Dataset:
    where: _Where = {"file": str(path), "line": number}
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
    on_hub = _existence(row.get("exists_on_hf"), where, "exists_on_hf")
    reason_text = _opt_str(row.get("terminal_reason"), where, "terminal_reason")
    reason = _terminal_reason(reason_text)
    paper_url = _opt_str(row.get("paper_url"), where, "paper_url")
    if paper_url and (not paper_url.startswith(("http://", "https://"))
                      or re.search(r"[\s<>\"{}|\\^`]", paper_url)):
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
        year=_opt_year(row.get("year"), where, "year"),
        hub_year=_opt_year(row.get("hf_year"), where, "hf_year"),
        paper_year=_opt_year(row.get("paper_year"), where, "paper_year"),
        summary=_opt_str(row.get("summary"), where, "summary")
        or _opt_str(row.get("description"), where, "description"), data_type=data_type,
        paper_url=paper_url,
        downloads=_opt_int(row.get("downloads"), where, "downloads", low=0),
        is_terminal=_opt_bool(row.get("is_terminal_node"), where, "is_terminal_node"),
        terminal_reason=reason, terminal_note=reason_text if reason is None else None,
        origin=_origin(_opt_bool(row.get("synthetic"), where, "synthetic")),
    )


def _origin(synthetic: bool | None) -> str | None:
    return None if synthetic is None else ("Synthetic" if synthetic else "HumanMade")


def _meta_info(value: Any, where: _Where) -> dict[str, Any]:
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


def _merge_nodes(first: Dataset, other: Dataset) -> Dataset:
    """One dataset from two records whose names differ only in case: the first record's values,
    gaps filled from the other, both spellings kept as aliases."""
    filled = {name: getattr(other, name) for name in ("year", "hub_year", "paper_year", "summary",
                                                      "data_type", "paper_url", "license", "downloads",
                                                      "is_terminal", "terminal_reason", "terminal_note",
                                                      "origin", "split_of", "split_name")
              if getattr(first, name) is None and getattr(other, name) is not None}
    aliases = tuple(dict.fromkeys((*first.aliases, first.identifier, other.identifier, *other.aliases)))
    return replace(first, aliases=aliases, on_hub=first.on_hub or other.on_hub,
                   is_benchmark=first.is_benchmark or other.is_benchmark,
                   domains=tuple(dict.fromkeys((*first.domains, *other.domains))), **filled)


@dataclass
class _Edge:
    target: str
    source: str
    relation: str
    confidence: float
    evidence: list[str]
    documents: dict[str, None]
    kinds: dict[str, None]
    lines: list[int]


def _merge_edges(edges: list[_Edge]) -> tuple[list[Derivation], list[str]]:
    """One derivation per (target, source, relation): every distinct evidence quote, the highest
    confidence; and a note per merge naming its lines."""
    merged: dict[tuple[str, str, str], _Edge] = {}
    for e in edges:
        key = (e.target, e.source, e.relation)
        if key not in merged:
            merged[key] = e
            continue
        kept = merged[key]
        kept.confidence = max(kept.confidence, e.confidence)
        kept.evidence.extend(q for q in e.evidence if q not in kept.evidence)
        kept.documents.update(e.documents)
        kept.kinds.update(e.kinds)
        kept.lines.extend(e.lines)
    derivations, notes = [], []
    for e in merged.values():
        quotes = [q for q in e.evidence if q]
        derivations.append(Derivation(
            target=e.target, source=e.source, relation=e.relation, confidence=e.confidence,
            evidence=quotes[0] if quotes else "", more_evidence=tuple(quotes[1:]),
            documents=tuple(e.documents), source_kinds=tuple(e.kinds)))
        if len(e.lines) > 1:
            notes.append(f"{e.target} <- {e.source} ({e.relation}): lines "
                         f"{', '.join(map(str, e.lines))} merged (confidence {e.confidence:g}, "
                         f"{len(quotes)} evidence quote(s))")
    return derivations, notes


def _shown(items: list[str], limit: int = 5) -> str:
    return ", ".join(items[:limit]) + (" ..." if len(items) > limit else "")


def _check_distinct_iris(datasets: dict[str, Dataset], where: dict[str, str], taken: dict[str, str]) -> None:
    """Two names that would be one dataset IRI (spellings that differ in separators only,
    ``OPUS collection`` and ``OPUS_collection``, or a spelling the store already gives that IRI:
    ``taken`` maps IRIs to identifiers) are refused, naming both and where each is."""
    owner = dict(taken)
    for ds in datasets.values():
        if ds.split_of:
            continue
        iri = iris.dataset_iri(ds.identifier, on_hub=ds.on_hub)
        first = owner.setdefault(iri, ds.identifier)
        if first != ds.identifier:
            file, _, line = where.get(ds.identifier, "").rpartition(":")
            raise InputError(f"names {first!r} ({where.get(first, 'in the store')}) and {ds.identifier!r} are one "
                             f"dataset IRI <{iri}>", file=file or None, line=int(line) if line.isdigit() else None,
                             field="name", hint="spell both names the same if they are one dataset, or rename one")


def read(nodes_path: Path, edges_path: Path, *, known_ids: dict[str, str] | None = None) -> PaperGraph:
    """Parse both files; raise ``InputError`` naming file, line and field at the first problem.

    Names that differ only in case are one dataset (the first spelling is its identifier, every
    spelling an alias); duplicate edges are merged. ``PaperGraph.warnings`` says what was merged,
    created or is suspicious (late sources, missing evidence). Distinct names never share a
    dataset IRI, with each other or with ``known_ids`` (IRI -> identifier, what the store holds).
    """
    datasets: dict[str, Dataset] = {}
    canonical: dict[str, str] = {}            # casefolded name -> identifier of its dataset
    first_line: dict[str, int] = {}
    case_merges: list[str] = []
    for number, row in _read_lines(nodes_path):
        ds = _node(number, row, nodes_path)
        if ds.identifier in datasets:
            raise InputError(f"duplicate dataset {ds.identifier!r} (first at line {first_line[ds.identifier]})",
                             file=str(nodes_path), line=number, field="name")
        known = canonical.get(ds.identifier.casefold())
        if known is not None:
            datasets[known] = _merge_nodes(datasets[known], ds)
            case_merges.append(f"{ds.identifier!r} (line {number}) into {known!r} "
                               f"(line {first_line[known]})")
            first_line[ds.identifier] = number
            continue
        datasets[ds.identifier] = ds
        canonical[ds.identifier.casefold()] = ds.identifier
        first_line[ds.identifier] = number

    def resolve(name: str) -> str:
        return canonical.get(name.casefold(), name)

    for ds in list(datasets.values()):
        if ds.split_of and resolve(ds.split_of) not in datasets:
            datasets[ds.split_of] = Dataset(identifier=ds.split_of, label=ds.split_of,
                                            on_hub=ds.on_hub, is_benchmark=ds.is_benchmark)
            canonical[ds.split_of.casefold()] = ds.split_of
        elif ds.split_of and resolve(ds.split_of) != ds.split_of:
            datasets[ds.identifier] = replace(ds, split_of=resolve(ds.split_of))

    documents: dict[str, DocumentRef] = {}
    added: list[str] = []
    added_at: dict[str, int] = {}
    edges: list[_Edge] = []
    graph: dict[str, set[str]] = {}
    edge_line: dict[tuple[str, str], int] = {}
    for number, row in _read_lines(edges_path):
        where: _Where = {"file": str(edges_path), "line": number}
        target = _opt_str(row.get("target"), where, "target")
        source = _opt_str(row.get("source"), where, "source")
        if not target:
            raise InputError("missing target", field="target", **where)
        if not source:
            raise InputError("missing source", field="source", **where)
        if target.casefold() == source.casefold():
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
        exists = _existence(meta.get("exists"), where, "meta_info.exists")
        target, source = resolve(target), resolve(source)
        for name, on_hub in ((target, None), (source, exists)):
            if name not in datasets:
                guess = iris.looks_like_hub_id(name) and "/" in name
                datasets[name] = Dataset(identifier=name, label=name,
                                         on_hub=on_hub if on_hub is not None else guess)
                canonical[name.casefold()] = name
                added.append(name)
                added_at[name] = number
        docs = _documents_for(kinds, datasets[target])
        for doc in docs:
            documents.setdefault(doc.iri, doc)
        edges.append(_Edge(target=target, source=source, relation=relation.name,
                           confidence=float(confidence), evidence=[evidence.strip()],
                           documents=dict.fromkeys(d.iri for d in docs), kinds=dict.fromkeys(kinds),
                           lines=[number]))
        graph.setdefault(target, set()).add(source)
        edge_line.setdefault((target, source), number)

    _check_distinct_iris(datasets, {**{n: f"{nodes_path}:{ln}" for n, ln in first_line.items()},
                                    **{n: f"{edges_path}:{ln}" for n, ln in added_at.items()}}, known_ids or {})
    cycle = find_cycle(graph)
    if cycle:
        lines = [str(edge_line[(a, b)]) for a, b in itertools.pairwise(cycle)]
        raise LineageCycleError(cycle, file=f"{edges_path} (lines {', '.join(lines)})")

    derivations, edge_merges = _merge_edges(edges)
    warnings = []
    if case_merges:
        warnings.append(f"{len(case_merges)} name(s) differing only in case merged, both spellings "
                        f"kept as aliases: {_shown(case_merges)}")
    if edge_merges:
        warnings.append(f"{len(edge_merges)} duplicate edge(s) merged (every evidence quote kept, the "
                        f"highest confidence): {_shown(edge_merges, 3)}")
    if added:
        warnings.append(f"{len(added)} dataset(s) named by edges but not in {nodes_path.name}: {_shown(added)}")
    late = [f"{d.source} ({_year_of(datasets[d.source])}) -> {d.target} ({_year_of(datasets[d.target])})"
            for d in derivations if _later(datasets[d.source], datasets[d.target])]
    if late:
        warnings.append(f"{len(late)} edge(s) whose source is dated after its target: {_shown(late, 3)}")
    empty = sum(1 for d in derivations if not d.evidence)
    if empty:
        warnings.append(f"{empty} edge(s) without evidence")
    return PaperGraph(datasets=list(datasets.values()), derivations=derivations,
                      documents=list(documents.values()), warnings=warnings,
                      counts={"node_records": sum(1 for _ in first_line), "edge_lines": len(edges),
                              "case_merges": len(case_merges), "edge_merges": len(edge_merges),
                              "created": len(added), "late_sources": len(late),
                              "without_evidence": empty})


def _year_of(ds: Dataset) -> int | None:
    return ds.year if ds.year is not None else min(
        (y for y in (ds.hub_year, ds.paper_year) if y is not None), default=None)


def _later(source: Dataset, target: Dataset) -> bool:
    s, t = _year_of(source), _year_of(target)
    return s is not None and t is not None and s > t
