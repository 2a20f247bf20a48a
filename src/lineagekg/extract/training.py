"""Training examples for the decision model, and the training run itself.

Examples are candidate pairs (:mod:`lineagekg.extract.candidates`) of corpus documents, labelled

* by hand-checked labels (``dev_edges.csv`` and any other labels files): a pair that matches a
  label of its document is positive, the document's other pairs negative; when a label's evidence
  quote is one of the pair's sentences, the pair's mentions in other sentences (a citation, a
  results table) weigh nothing in the decision (they name the source without stating the edge)
  but still count for the relation;
* by distant supervision from what the corpus states in structured form: a card's YAML
  ``source_datasets`` (``extended|X`` is augmentation), the Data Provenance Initiative's
  "derived from" links of the dataset a document is about (both: matching pairs positive, the
  document's other pairs negative), and Hub links under a source-like heading (positive only).

Documents listed in the hold-out file are never read here: not for examples, not for distant
supervision. Pairs of negated, conditional or quoted statements are left out (they are never
claims). Everything is in a fixed order, so training is deterministic.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from lineagekg import taxonomy
from lineagekg.corpus import Corpus
from lineagekg.evaluation import Label, load_labels, same_dataset
from lineagekg.extract.candidates import Candidate, DocumentCandidates, document_candidates
from lineagekg.extract.decision import DecisionModel, Row, pooled
from lineagekg.extract.names import NameRegistry, dpi_derivations, name_key
from lineagekg.text.frontmatter import PLACEHOLDER_SOURCES

__all__ = ["Example", "build_examples", "holdout_documents", "label_aliases", "relation_rows", "train"]

LABEL_WEIGHT = 1.0
DISTANT_WEIGHT = 0.5
_SOURCE_HEADING = re.compile(r"(?i)\b(?:sources?|source\s+datasets?|data\s+sources?|datasets?\s+used|composition|"
                             r"constituents?|components?|mixture|upstream|built\s+from|derived\s+from|origin)\b")


@dataclass(frozen=True)
class Example:
    document: str            # corpus-relative file
    candidate: Candidate
    label: int
    relation: str | None
    weight: float
    origin: str              # label, yaml, dpi, heading


def holdout_documents(path: Path | None) -> set[str]:
    """The corpus-relative files of the hold-out list (comments and blank lines skipped)."""
    if path is None or not path.is_file():
        return set()
    return {ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")}


def _source_datasets(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    raw = metadata.get("source_datasets") if metadata else None
    entries = [raw] if isinstance(raw, str) else [str(x) for x in raw] if isinstance(raw, list) else []
    out = []
    for entry in entries:
        entry = entry.strip()
        name = entry.split("|", 1)[1] if "|" in entry else entry
        name = name[len("other-"):] if name.lower().startswith("other-") else name
        if name.lower() not in PLACEHOLDER_SOURCES:
            out.append((name, "augmentedFrom" if entry.lower().startswith("extended|") else "includedFrom"))
    return out


def _matches(candidate: Candidate, name: str, registry: NameRegistry) -> bool:
    key = name_key(name)
    if key and key in (name_key(candidate.mention.text), name_key(candidate.source)):
        return True
    resolved = registry.resolve(name)
    return bool(resolved and candidate.mention.ident and resolved.lower() == candidate.mention.ident.lower())


def label_aliases(aliases: dict[str, str], labels: list[Label], registry: NameRegistry) -> dict[str, str]:
    """The corpus alias table plus the registry's resolution of every name the labels write, so
    that a label's "ShareGPT" and a mention the registry resolved to its Hub id are the same
    dataset: the one table training labels examples with and the evaluation matches claims with."""
    table = dict(aliases)
    for lb in labels:
        for name in (lb.parent, lb.parent_as_written, lb.child, lb.child_as_written):
            if name and name.lower() not in table:
                resolved = registry.resolve(name)
                if resolved:
                    table[name.lower()] = resolved
    return table


def build_examples(corpus: Corpus, registry: NameRegistry, labels: list[Label], holdout: set[str],
                   distant: bool = True, extra_documents: Iterable[str] = (),
                   found: dict[str, DocumentCandidates] | None = None) -> list[Example]:
    """Every training example of the corpus (see the module docstring), in a fixed order.
    ``extra_documents`` were labelled and state no edge: all their pairs are negatives.
    ``found``, when given, receives each labelled document's candidates (leave-one-document-out
    scores them without reading the document again)."""
    aliases = label_aliases(corpus.aliases(), [lb for lb in labels if lb.source_file not in holdout], registry)
    by_doc: dict[str, list[Label]] = {d: [] for d in extra_documents if d not in holdout}
    for lb in labels:
        if lb.source_file not in holdout:
            by_doc.setdefault(lb.source_file, []).append(lb)
    examples: list[Example] = []
    for file in sorted(by_doc):
        doc_found = document_candidates(corpus.document(file), registry)
        if found is not None:
            found[file] = doc_found
        hits = [(cand, next((lb for lb in by_doc[file]
                             if same_dataset(cand.target, (lb.child, lb.child_as_written), aliases)
                             and same_dataset(cand.source, (lb.parent, lb.parent_as_written), aliases)), None))
                for cand in doc_found.candidates if not cand.blocked]
        stating = {id(lb) for cand, lb in hits if lb is not None and lb.stated_in(cand.evidence)}
        for cand, hit in hits:
            # another sentence states this label, this mention of the pair merely names it: weight 0, so
            # the decision does not learn from it, but the relation still reads it (pooled with the rest)
            named_only = hit is not None and id(hit) in stating and not hit.stated_in(cand.evidence)
            examples.append(Example(file, cand, int(hit is not None), hit.relation_name if hit else None,
                                    0.0 if named_only else LABEL_WEIGHT, "label"))
    if not distant:
        return examples
    derived: dict[str, list[str]] = {}
    dpi = Path(corpus.root) / "dpi" / "raw"
    if dpi.is_dir():
        for child, parent in dpi_derivations(dpi):
            derived.setdefault(child.lower(), []).append(parent)
    for entry in sorted(corpus.entries(), key=lambda e: e.file):
        if entry.file in holdout or entry.file in by_doc or entry.skipped:
            continue
        try:
            doc = corpus.read(entry)
        except Exception:        # an unreadable document gives no examples
            continue
        stated = _source_datasets(doc.metadata)
        parents = [p for a in doc.about for p in derived.get(a.lower(), [])]
        structured = bool(stated or parents or (doc.metadata and "source_datasets" in doc.metadata))
        for cand in document_candidates(doc, registry).candidates:
            if cand.blocked:
                continue
            yaml_hit = next((rel for name, rel in stated if _matches(cand, name, registry)), None)
            dpi_hit = any(_matches(cand, p, registry) for p in parents)
            heading_hit = cand.mention.kind == "link" and any(_SOURCE_HEADING.search(h)
                                                              for h in cand.block.headings[-2:])
            if yaml_hit or dpi_hit:
                examples.append(Example(entry.file, cand, 1, yaml_hit, DISTANT_WEIGHT, "yaml" if yaml_hit else "dpi"))
            elif heading_hit:
                examples.append(Example(entry.file, cand, 1, None, DISTANT_WEIGHT, "heading"))
            elif structured:
                examples.append(Example(entry.file, cand, 0, None, DISTANT_WEIGHT, "yaml" if stated else "dpi"))
    return examples


def relation_rows(examples: Iterable[Example]) -> list[Row]:
    """What the relation model learns from: each hand-labelled source pair of a document once,
    with the pooled features of all its mentions and the label's relation."""
    pairs: dict[tuple[str, str, str], list[Example]] = {}
    for e in examples:
        if e.label == 1 and e.relation and e.origin == "label":
            pairs.setdefault((e.document, *e.candidate.pair), []).append(e)
    return [(pooled(e.candidate.features for e in group), 1, group[0].relation, LABEL_WEIGHT)
            for _, group in sorted(pairs.items(), key=lambda kv: kv[0])]


def fit(examples: Iterable[Example], trained: dict[str, Any] | None = None) -> DecisionModel:
    examples = list(examples)
    return DecisionModel.fit([(e.candidate.features, e.label, e.relation, e.weight) for e in examples], trained,
                             groups=[e.document for e in examples], relation_rows=relation_rows(examples),
                             pairs=[(e.document, *e.candidate.pair) for e in examples])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _commit(root: Path) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None


def train(corpus_dir: Path, label_files: list[Path], holdout_file: Path | None, out: Path,
          extra_documents: Sequence[str] = ()) -> DecisionModel:
    """Train on the corpus and labels (never the hold-out documents) and write the model file
    with a record of what it was trained on."""
    corpus = Corpus.from_directory(corpus_dir)
    registry = NameRegistry.build(corpus)
    labels = [lb for f in label_files for lb in load_labels(f)]
    holdout = holdout_documents(holdout_file)
    examples = build_examples(corpus, registry, labels, holdout, extra_documents=list(extra_documents))
    counts: dict[str, list[int]] = {}
    for e in examples:
        counts.setdefault(e.origin if e.weight else f"{e.origin}, weight 0", [0, 0])[e.label] += 1
    record = {
        "code_commit": _commit(Path(__file__).resolve().parent),
        "corpus": ({"index_sha256": _sha256(Path(corpus_dir) / "index.json")}
                   if (Path(corpus_dir) / "index.json").is_file() else {}),
        "labels": {f.name: _sha256(f) for f in label_files},
        "holdout_sha256": _sha256(holdout_file) if holdout_file and holdout_file.is_file() else None,
        "holdout_documents_excluded": len(holdout),
        "examples": {k: {"negative": v[0], "positive": v[1]} for k, v in sorted(counts.items())},
        "documents": len({e.document for e in examples}),
    }
    with threadpool_limits(limits=1):        # BLAS threads on a loaded machine make lbfgs crawl
        model = fit(examples, record)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    return model


def relation_of(label: Label) -> str | None:
    rel = taxonomy.resolve(label.relation)
    return rel.name if rel else None
