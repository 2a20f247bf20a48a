"""The Data Provenance Initiative (DPI) collection, read from its own files.

DPI's ``data_summaries/*.json`` files each map a record id to a record: "Dataset Name", "Hugging
Face URL", "Derived from Datasets", "Licenses", "Languages", "Task Categories", "Creators",
"Model Generated", "Human Annotation", "ArXiv URL", ... :func:`read_collection` turns a folder of
them into datasets and derivations; :class:`Names` is the entity resolution shared with
``scripts/build_example_lineage.py``: a record is named by the Hub id of its Hugging Face URL, else
its DPI id; spellings that differ only in case, that the corpus index lists as aliases, or that
would get the same project IRI are one dataset. Every record keeps its DPI id as
``skos:exactMatch`` (the record's place in DPI's repository). Problems name the file and record.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagekg import iris
from lineagekg.errors import InputError
from lineagekg.model import Dataset, Derivation

DPI_KIND = "DPI metadata"         # evidence source kind of a DPI edge
DPI_CONFIDENCE = 0.7              # DPI links are curated metadata, but untyped and unquoted
DPI_DEFAULT_RELATION = "includedFrom"     # the paper's default for a vague statement
DPI_SYNTHETIC_RELATION = "generatedFrom"  # when the record says a model generated it
DPI_REPOSITORY = "https://github.com/Data-Provenance-Initiative/Data-Provenance-Collection"
MAX_FILE_BYTES = 50_000_000

# a Hub dataset URL: huggingface.co (or its short form hf.co) /datasets/<org>/<name>[/anything]
_HUB_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/datasets/"
                      r"([A-Za-z0-9][\w.\-]*)/([\w.\-]+)(?:[/?#].*)?$")
_ORG_NAME = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def hub_id_from_url(text: str) -> str | None:
    """``org/name`` from a huggingface.co/datasets/<org>/<name> URL (suffixes such as
    /viewer/..., /tree/main, /blob/main/file ignored); None for anything else.

    >>> hub_id_from_url("https://huggingface.co/datasets/tatsu-lab/alpaca/viewer/default")
    'tatsu-lab/alpaca'
    >>> hub_id_from_url("https://github.com/tatsu-lab/stanford_alpaca") is None
    True
    """
    m = _HUB_URL.match(text.strip())
    return f"{m.group(1)}/{m.group(2)}" if m else None


def dpi_node_name(record: dict[str, Any]) -> str:
    """The name of a DPI record's dataset: its Hub id when it has a Hub URL, else its DPI id."""
    return hub_id_from_url(record.get("Hugging Face URL") or "") or record["Unique Dataset Identifier"].strip()


def domains_of(task_categories: list[str]) -> set[str]:
    """DPI task categories -> our domains, only when clear: Math, Code, else General."""
    found = set()
    for cat in task_categories:
        if "Math" in cat:
            found.add("Math")
        if "Code" in cat or "Program" in cat:
            found.add("Code")
    if not found and task_categories:
        found.add("General")
    return found


def synthetic_of(record: dict[str, Any]) -> bool | None:
    """True when a model generated the data, False when people annotated it, else None."""
    if record.get("Model Generated"):
        return True
    if record.get("Human Annotation") == "Yes":
        return False
    return None


class Names:
    """Canonical names: an index.json id for an alias (case-insensitive), else one spelling per
    lower-cased name, else one name per project IRI slug for names that are not Hub ids."""

    def __init__(self, index: dict[str, Any] | None = None):
        self.alias: dict[str, str] = {}
        for ds in (index or {}).get("datasets", []):
            for name in [ds["id"], *ds.get("aliases", [])]:
                self.alias.setdefault(name.strip().lower(), ds["id"])
        self.seen: Counter[str] = Counter()
        self.from_labels: set[str] = set()
        self.hub: set[str] = set()       # raw names known to be Hub ids
        self.canon: dict[str, str] = {}
        self.merges: list[tuple[str, str, str]] = []   # (raw, canonical, why)

    def note(self, raw: str, *, labels: bool = False, hub: bool = False) -> None:
        self.seen[raw] += 1
        if labels:
            self.from_labels.add(raw)
        if hub:
            self.hub.add(raw)

    def resolve_all(self) -> None:
        groups: dict[str, list[str]] = defaultdict(list)
        for raw in self.seen:
            key = raw.lower()
            if key in self.alias:
                self.canon[raw] = self.alias[key]
                if raw != self.alias[key]:
                    self.merges.append((raw, self.alias[key], "alias in index.json"))
            else:
                groups[key].append(raw)
        for spellings in groups.values():
            best = min(spellings, key=lambda s: (s not in self.from_labels, s not in self.hub,
                                                 -self.seen[s], s))
            for s in spellings:
                self.canon[s] = best
                if s != best:
                    self.merges.append((s, best, "same name up to case"))
        # names that are not Hub ids get a project IRI from a slug: one name per slug
        by_slug: dict[str, list[str]] = defaultdict(list)
        for name in sorted(set(self.canon.values())):
            if not self.is_hub(name):
                by_slug[iris.slug(name)].append(name)
        for names in by_slug.values():
            if len(names) > 1:
                best = min(names, key=lambda s: (not self._any_label(s), -self._count(s), s))
                for raw, c in list(self.canon.items()):
                    if c in names and c != best:
                        self.canon[raw] = best
                        self.merges.append((raw, best, "same project IRI slug"))

    def _variants(self, name: str) -> list[str]:
        return [r for r, c in self.canon.items() if c == name]

    def _any_label(self, name: str) -> bool:
        return any(r in self.from_labels for r in self._variants(name))

    def _count(self, name: str) -> int:
        return sum(self.seen[r] for r in self._variants(name))

    def __call__(self, raw: str) -> str:
        return self.canon[raw]

    def spellings(self, name: str) -> list[str]:
        """Every raw spelling resolved to the canonical ``name`` (itself first)."""
        return [name, *sorted(r for r in self._variants(name) if r != name)]

    def is_hub(self, name: str) -> bool:
        """A canonical name is a Hub id when it is org/name and some spelling of it came from a
        Hub URL, from the labels file, or from the corpus index."""
        if not _ORG_NAME.match(name):
            return False
        if name.lower() in self.alias and self.alias[name.lower()] == name:
            return True
        return any(r in self.hub or r in self.from_labels for r, c in self.canon.items() if c == name)


class Graph:
    """target -> sources, adding edges in order and refusing any that would close a cycle."""

    def __init__(self) -> None:
        self.sources: dict[str, set[str]] = defaultdict(set)

    def path(self, start: str, goal: str) -> list[str] | None:
        """A derivation path start -> ... -> goal (following 'derived from'), by DFS."""
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen = {start}
        while stack:
            node, trail = stack.pop()
            if node == goal:
                return trail
            for nxt in sorted(self.sources.get(node, ()), reverse=True):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
        return None

    def add(self, target: str, source: str) -> list[str] | None:
        """Add target <- source; return the cycle it would close instead (and add nothing)."""
        back = self.path(source, target)
        if back is not None:
            return [target, *back]
        self.sources[target].add(source)
        return None


# ------------------------------------------------------------------------------------ reading

@dataclass(frozen=True)
class DpiRecord:
    """One DPI record and where it was read."""

    file: Path
    key: str
    record: dict[str, Any]

    def where(self) -> dict[str, Any]:
        return {"file": f"{self.file} (record {self.key!r})"}


@dataclass
class DpiGraph:
    """What a DPI folder holds, ready to become a batch."""

    datasets: list[Dataset]
    derivations: list[Derivation]
    files: list[Path]
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


_LISTS = ("Languages", "Task Categories", "Creators", "Derived from Datasets", "Licenses",
          "Model Generated", "Text Sources")


def _check(rec: DpiRecord) -> None:
    r = rec.record
    uid = r.get("Unique Dataset Identifier")
    if not isinstance(uid, str) or not uid.strip():
        raise InputError("record without a 'Unique Dataset Identifier'", field="Unique Dataset Identifier",
                         **rec.where())
    for name in _LISTS:
        value = r.get(name)
        if value is not None and not isinstance(value, list):
            raise InputError(f"expected a list, got {type(value).__name__}", field=name, **rec.where())
    for name in ("Dataset Name", "Collection", "Hugging Face URL", "ArXiv URL", "Dataset URL"):
        value = r.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError(f"expected a string, got {type(value).__name__}", field=name, **rec.where())
    for lic in r.get("Licenses") or []:
        if not isinstance(lic, dict) or not isinstance(lic.get("License", ""), str):
            raise InputError("a licence is an object with a 'License' name", field="Licenses", **rec.where())


def read_records(folder: Path) -> list[DpiRecord]:
    """Every record of every ``*.json`` file in ``folder`` (sorted by file name), checked."""
    if not folder.is_dir():
        raise InputError("not a folder of DPI data_summaries JSON files", file=str(folder))
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InputError("no *.json files", file=str(folder),
                         hint="point at the DPI collection's data_summaries folder")
    records = []
    for path in files:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"file over {MAX_FILE_BYTES} bytes", file=str(path))
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from exc
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}", file=str(path),
                             line=exc.lineno) from exc
        if not isinstance(data, dict):
            raise InputError("expected a JSON object of DPI records by id", file=str(path))
        for key, record in data.items():
            if not isinstance(record, dict):
                raise InputError(f"record {key!r} is not a JSON object", file=str(path))
            rec = DpiRecord(path, key, record)
            _check(rec)
            records.append(rec)
    return records


def note_record(names: Names, record: dict[str, Any]) -> tuple[str, list[tuple[str, str]], int]:
    """Note a record's name and its parents' names in ``names``: (its raw name, (raw parent name,
    entry as written) per "Derived from Datasets" entry, number of empty entries)."""
    target = dpi_node_name(record)
    names.note(target, hub=hub_id_from_url(record.get("Hugging Face URL") or "") is not None)
    parents, empty = [], 0
    for entry in record.get("Derived from Datasets") or []:
        if not isinstance(entry, str) or not entry.strip():
            empty += 1
            continue
        hub = hub_id_from_url(entry)
        parent = hub or entry.strip()
        names.note(parent, hub=hub is not None)
        parents.append((parent, entry))
    return target, parents, empty


def record_iri(record: dict[str, Any]) -> str:
    """Where a record lives in DPI's repository: its collection's summary file, the id as fragment."""
    collection = (record.get("Collection") or "").strip() or "unknown"
    return (f"{DPI_REPOSITORY}/blob/main/data_summaries/{urllib.parse.quote(collection)}.json"
            f"#{urllib.parse.quote(record['Unique Dataset Identifier'].strip(), safe='')}")


def _strings(value: Any) -> list[str]:
    return [v.strip() for v in value or [] if isinstance(v, str) and v.strip()]


def _url(text: Any) -> str | None:
    return text.strip() if isinstance(text, str) and _URL.match(text.strip()) else None


def read_collection(folder: Path, *, index: dict[str, Any] | None = None) -> DpiGraph:
    """Read a DPI folder into datasets (one per resolved name) and derived-from edges.

    Raises ``InputError`` naming file and record for malformed input (then nothing is returned).
    Self-derivations after name resolution and edges that would close a cycle are left out and
    reported; the same edge stated by several records is one edge.
    """
    records = read_records(folder)
    names = Names(index)
    raw_edges: list[tuple[str, str, str, str]] = []   # target, source, relation, evidence
    empty_entries = 0
    for rec in records:
        target, parents, empty = note_record(names, rec.record)
        empty_entries += empty
        relation = DPI_SYNTHETIC_RELATION if rec.record.get("Model Generated") else DPI_DEFAULT_RELATION
        raw_edges.extend((target, parent, relation, f"Derived from Datasets: {entry.strip()}")
                         for parent, entry in parents)
    names.resolve_all()

    graph = Graph()
    kept: dict[tuple[str, str], Derivation] = {}
    self_loops, cycles, repeats = [], [], 0
    for t_raw, s_raw, relation, evidence in raw_edges:
        target, source = names(t_raw), names(s_raw)
        if target == source:
            self_loops.append(f"{t_raw} <- {s_raw}")
            continue
        if (target, source) in kept:
            repeats += 1
            continue
        cycle = graph.add(target, source)
        if cycle is not None:
            cycles.append(" <- ".join(cycle))
            continue
        kept[(target, source)] = Derivation(
            target=target, source=source, relation=relation, confidence=DPI_CONFIDENCE,
            evidence=evidence, source_kinds=(DPI_KIND,))

    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        by_name[names(dpi_node_name(rec.record))].append(rec.record)
    used = set(by_name) | {d.source for d in kept.values()}
    datasets = [_dataset(name, by_name.get(name, []), names) for name in sorted(used)]

    warnings = []
    if names.merges:
        warnings.append(f"{len(names.merges)} name spelling(s) merged: " + ", ".join(
            f"{raw!r} -> {canon!r} ({why})" for raw, canon, why in sorted(names.merges)[:5])
            + (" ..." if len(names.merges) > 5 else ""))
    if self_loops:
        warnings.append(f"{len(self_loops)} self-derivation(s) left out (a record derived from a "
                        f"spelling of itself): {', '.join(self_loops[:3])}")
    if cycles:
        warnings.append(f"{len(cycles)} edge(s) left out that would close a cycle: {'; '.join(cycles[:3])}")
    if repeats:
        warnings.append(f"{repeats} repeated (target, source) pair(s) kept once")
    if empty_entries:
        warnings.append(f"{empty_entries} empty 'Derived from Datasets' entr(y/ies) skipped")
    created = sorted(used - set(by_name))
    if created:
        warnings.append(f"{len(created)} parent dataset(s) with no DPI record of their own, created "
                        f"from their name: {', '.join(created[:5])}" + (" ..." if len(created) > 5 else ""))
    counts = {"files": len({r.file for r in records}), "records": len(records),
              "derived_from_entries": len(raw_edges) + empty_entries, "datasets": len(datasets),
              "edges": len(kept), "merged_names": len(names.merges), "self_loops": len(self_loops),
              "cycles": len(cycles), "repeats": repeats, "created": len(created)}
    return DpiGraph(datasets=datasets, derivations=list(kept.values()),
                    files=sorted({r.file for r in records}), warnings=warnings, counts=counts)


def _dataset(name: str, records: list[dict[str, Any]], names: Names) -> Dataset:
    """One dataset from the DPI records resolved to ``name`` (none for a parent named only)."""
    domains: set[str] = set()
    synthetic: set[bool] = set()
    licences: dict[tuple[str, str | None], None] = {}
    languages: dict[str, None] = {}
    keywords: dict[str, None] = {}
    creators: dict[str, None] = {}
    papers: set[str] = set()
    matches, pages, labels = [], [], []
    for r in records:
        domains |= domains_of(_strings(r.get("Task Categories")))
        syn = synthetic_of(r)
        if syn is not None:
            synthetic.add(syn)
        for lic in r.get("Licenses") or []:
            lname = (lic.get("License") or "").strip()
            if lname:
                licences[(lname, _url(lic.get("License URL")))] = None
        languages.update(dict.fromkeys(_strings(r.get("Languages"))))
        keywords.update(dict.fromkeys(_strings(r.get("Task Categories"))))
        creators.update(dict.fromkeys(_strings(r.get("Creators"))))
        arxiv = _url(r.get("ArXiv URL"))
        if arxiv:
            papers.add(arxiv)
        matches.append(record_iri(r))
        page = _url(r.get("Dataset URL")) or _url(r.get("GitHub URL"))
        if page:
            pages.append(page)
        if isinstance(r.get("Dataset Name"), str) and r["Dataset Name"].strip():
            labels.append(r["Dataset Name"].strip())
    if len(domains) > 1:
        domains.discard("General")
    on_hub = names.is_hub(name)
    return Dataset(
        identifier=name, label=labels[0] if len(set(labels)) == 1 and not on_hub else name,
        on_hub=on_hub, domains=tuple(sorted(domains)),
        origin=("Synthetic" if synthetic == {True} else "HumanMade" if synthetic == {False}
                else "Mixed" if synthetic else None),
        paper_url=next(iter(papers)) if len(papers) == 1 else None,
        aliases=tuple(s for s in names.spellings(name) if s != name),
        licenses=tuple(licences), languages=tuple(languages), keywords=tuple(keywords),
        creators=tuple(creators), exact_matches=tuple(dict.fromkeys(matches)),
        landing_page=(iris.dataset_iri(name, on_hub=True) if on_hub else pages[0] if pages else None))
