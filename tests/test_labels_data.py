"""The new hand labels (tests/data/labels/new_edges.csv) are usable for honest scoring: every
evidence quote is in its document verbatim, no held-out or dev document is among them, and every
relation is in the labels' vocabulary and resolves in the project's taxonomy."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from helpers import SHARED_CORPUS, SHARED_LABELS

from lineagekg import taxonomy
from lineagekg.evaluation import load_labels

LABELS = Path(__file__).parent / "data" / "labels"
NEW_EDGES = LABELS / "new_edges.csv"

#: the fine relation vocabulary of tests/data/shared/labels/README.md
VOCABULARY = {"distillation", "filtering", "aggregation", "rewriting", "seed", "augmentation",
              "subset", "translation", "extraction", "annotation"}
SHAPES = {"prose", "list", "table", "config", "heading"}
# evidence is written as the dev labels write it: "quote" -- repo@commit:path
EVIDENCE = re.compile(r'^"(?P<quote>.+)" -- (?P<repo>[^@\s]+)@(?P<commit>[0-9a-f]{12}):(?P<path>\S+)$', re.S)


def _rows() -> list[dict[str, str]]:
    with NEW_EDGES.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _labelled_documents() -> list[str]:
    lines = (LABELS / "new_documents.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_project_loader_reads_every_row_with_its_relation_in_the_vocabulary():
    labels = load_labels(NEW_EDGES)
    rows = _rows()
    assert len(labels) == len(rows) >= 300
    assert {lb.relation for lb in labels} <= VOCABULARY
    assert all(taxonomy.resolve(lb.relation) is not None for lb in labels)
    assert {lb.strength for lb in labels} <= {"explicit", "implicit"}
    assert {r["shape"] for r in rows} <= SHAPES
    assert all(lb.child != lb.parent for lb in labels)
    pairs = [(lb.source_file, lb.child, lb.parent) for lb in labels]
    assert len(pairs) == len(set(pairs)), "one row per (document, child, parent)"


def test_every_labelled_document_is_listed_and_the_list_names_each_once():
    documents = _labelled_documents()
    assert len(documents) == len(set(documents))
    assert {r["source_file"] for r in _rows()} <= set(documents)


def test_no_held_out_or_dev_document_is_labelled():
    holdout = {line.strip() for line in
               (SHARED_LABELS / "holdout_documents.txt").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    dev = {lb.source_file for lb in load_labels(SHARED_LABELS / "dev_edges.csv")}
    assert holdout and dev
    assert not set(_labelled_documents()) & (holdout | dev)


def test_every_evidence_quote_is_verbatim_in_its_document_and_names_it():
    import json

    documents = {d["file"]: d for d in json.loads((SHARED_CORPUS / "index.json").read_text())["documents"]}
    texts: dict[str, str] = {}
    for n, row in enumerate(_rows(), start=2):
        source = row["source_file"]
        assert (SHARED_CORPUS / source).is_file(), f"line {n}: no document {source}"
        text = texts.setdefault(source, (SHARED_CORPUS / source).read_text(encoding="utf-8"))
        evidence = EVIDENCE.match(row["evidence"])
        assert evidence, f"line {n}: evidence is not '\"quote\" -- repo@commit:path'"
        assert evidence["quote"] in text, f"line {n}: quote not in {source}: {evidence['quote']!r}"
        where = documents[source]
        assert (evidence["repo"], evidence["path"]) == (where["repo"], where["path"]), f"line {n}"
        assert where["commit"].startswith(evidence["commit"]), f"line {n}"
