"""Honest figures for the extractor: leave-one-document-out over the labelled documents.

For each labelled document, the decision model is trained on every other example (the other
labelled documents and all distant supervision, never a hold-out document) and scores that
document's pairs. The report adds recall by statement shape (prose, list, table, config,
heading: the block the label's evidence quote sits in), precision and recall by kind of document
(a GitHub README is not a Hub card: one overall figure hides which the extractor reads well) and
splits misses into name failures
(no candidate pair names the parent), target failures (the parent is found, but not for this
target), blocked statements, and decision failures (the pair was there and the model said no).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from threadpoolctl import threadpool_limits

from lineagekg.corpus import Corpus
from lineagekg.documents import Claim
from lineagekg.evaluation import DocScore, EvalReport, Label, documents_listed_with, evaluate, load_labels, same_dataset
from lineagekg.extract.backend import claims_from
from lineagekg.extract.candidates import Candidate, DocumentCandidates
from lineagekg.extract.decision import DecisionModel
from lineagekg.extract.names import NameRegistry
from lineagekg.extract.training import Example, build_examples, holdout_documents, label_aliases, relation_rows
from lineagekg.text.markdown import parse

__all__ = ["Assessment", "LabelledExamples", "Scored", "label_shape", "labelled_examples", "leave_one_document_out"]


@dataclass(frozen=True)
class Scored:
    """A candidate pair of a labelled document as its fold's model scored it (for reading misses)."""

    document: str
    candidate: Candidate
    label: int
    probability: float
    threshold: float
    weights: tuple[tuple[float, str], ...]      # each feature's weight x value, largest first


@dataclass
class Assessment:
    report: EvalReport
    shapes: dict[str, list[int]] = field(default_factory=dict)      # shape -> [labels, matched]
    #: document kind -> [documents, labels, predicted, matched]
    kinds: dict[str, list[int]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    miss_reasons: list[tuple[Label, str, str]] = field(default_factory=list)
    by_shape: Counter[tuple[str, str]] = field(default_factory=Counter)   # (cause, shape) -> misses
    scored: list[Scored] = field(default_factory=list)     # filled when asked for (``explain=True``)

    def table(self) -> str:
        rows = [self.report.table(), "", "recall by statement shape (labels, matched, recall):"]
        for shape, (n, ok) in sorted(self.shapes.items()):
            rows.append(f"  {shape:<9} {n:>4} {ok:>4} {ok / n if n else 0:.2f}")
        rows.append("by kind of document (documents, labels, predicted, matched, P, R, F1):")
        for kind, (n_docs, n, said, ok) in sorted(self.kinds.items()):
            d = DocScore(kind, n, said, ok)
            rows.append(f"  {kind:<24} {n_docs:>4} {n:>4} {said:>4} {ok:>4}  "
                        f"{d.precision:.2f} {d.recall:.2f} {d.f1:.2f}")
        rows.append("misses by cause: " + ", ".join(f"{k} {v}" for k, v in sorted(self.failures.items())))
        shapes = sorted({s for _, s in self.by_shape})
        rows.append("misses by cause and shape: " + "".join(f" {s:>8}" for s in shapes))
        for cause in sorted(self.failures):
            rows.append(f"  {cause:<9}" + "".join(f" {self.by_shape[(cause, s)]:>8}" for s in shapes))
        for lb, why, shape in self.miss_reasons:
            rows.append(f"WHY   {lb.child} <- {lb.parent}: {why} [{shape}]")
        return "\n".join(rows)


def label_shape(text: str, label: Label) -> str:
    """The shape of the block a label's evidence quote sits in (``unknown`` if not found)."""
    quote = label.quote
    if not quote:
        return "unknown"
    words = set(re.findall(r"\w+", quote.lower()))
    best, best_score = "unknown", 0.0
    for block in parse(text).blocks:
        if quote[:50] and quote[:50] in block.text:
            return block.shape
        bw = set(re.findall(r"\w+", block.text.lower()))
        if words and bw:
            score = len(words & bw) / len(words)
            if score > best_score:
                best, best_score = block.shape, score
    return best if best_score >= 0.6 else "unknown"


def labelled_documents(label_files: list[Path]) -> list[str]:
    """Documents the labellers read in full (``NAME_documents.txt`` beside ``NAME_edges.csv``):
    one with no labelled edge states none."""
    out: list[str] = []
    for f in label_files:
        out += documents_listed_with(f)
    return out


def _scored(document: str, example_rows: list[tuple[Candidate, int]], model: DecisionModel) -> list[Scored]:
    out = []
    for cand, label in example_rows:
        weights = sorted(((model.weights.get(k, 0.0) * v, k) for k, v in cand.features.items()), reverse=True)
        out.append(Scored(document, cand, label, model.probability(cand.features), model.threshold, tuple(weights)))
    return out


@dataclass
class LabelledExamples:
    """What every fold shares: the corpus and its registry, the labels (hold-out documents left
    out), the training examples, each labelled document's candidates, and the labelled documents
    (those read in full and found to state no edge too)."""

    corpus: Corpus
    registry: NameRegistry
    labels: list[Label]
    examples: list[Example]
    found: dict[str, DocumentCandidates]
    documents: list[str]


def labelled_examples(corpus_dir: Path, label_files: list[Path], holdout_file: Path | None) -> LabelledExamples:
    """The examples and candidates of the labelled documents (candidates and features are computed
    once per document: each fold only refits)."""
    corpus = Corpus.from_directory(corpus_dir)
    registry = NameRegistry.build(corpus)
    holdout = holdout_documents(holdout_file)
    labels = [lb for f in label_files for lb in load_labels(f) if lb.source_file not in holdout]
    empty = [d for d in labelled_documents(label_files) if d not in holdout]
    found: dict[str, DocumentCandidates] = {}
    examples = build_examples(corpus, registry, labels, holdout, extra_documents=empty, found=found)
    return LabelledExamples(corpus, registry, labels, examples, found,
                            sorted({lb.source_file for lb in labels} | set(empty)))


def leave_one_document_out(corpus_dir: Path, label_files: list[Path], holdout_file: Path | None,
                           explain: bool = False) -> Assessment:
    """Each labelled document scored by a model trained on every other example (see the module
    docstring); with ``explain``, every candidate pair of the labelled documents is kept with its
    fold's probability, threshold and feature weights (:attr:`Assessment.scored`)."""
    shared = labelled_examples(corpus_dir, label_files, holdout_file)
    corpus, registry, labels, examples, found = (shared.corpus, shared.registry, shared.labels, shared.examples,
                                                 shared.found)
    aliases = label_aliases(corpus.aliases(), labels, registry)
    docs = shared.documents
    # candidates and features are computed once per document (above); each fold only refits
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform([e.candidate.features for e in examples]).tocsr()
    names = [str(n) for n in vec.get_feature_names_out()]
    rows = [(e.candidate.features, e.label, e.relation, e.weight) for e in examples]
    in_doc: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        in_doc.setdefault(e.document, []).append(i)
    predicted: dict[str, list[Claim]] = {}
    scored: list[Scored] = []
    with threadpool_limits(limits=1):        # BLAS threads on a shared machine: 50x slower fits
        for file in docs:
            held = set(in_doc.get(file, ()))
            keep = [i for i in range(len(examples)) if i not in held]
            model = DecisionModel.fit_matrix(x[keep], names, [rows[i] for i in keep],
                                             groups=[examples[i].document for i in keep],
                                             pairs=[(examples[i].document, *examples[i].candidate.pair) for i in keep],
                                             relation_rows=relation_rows(examples[i] for i in keep))
            predicted[file] = claims_from(found[file].candidates, model, file)
            if explain:
                scored += _scored(file, [(examples[i].candidate, examples[i].label) for i in in_doc.get(file, ())],
                                  model)
    report = evaluate(predicted, labels, aliases, documents=docs)
    out = Assessment(report, scored=scored)
    kind_of = {e.file: e.kind for e in corpus.entries()}
    for file, score in sorted(report.documents.items()):
        row = out.kinds.setdefault(kind_of.get(file, "unknown"), [0, 0, 0, 0])
        row[0] += 1
        row[1] += score.labels
        row[2] += score.predicted
        row[3] += score.matched
    missed = {id(lb) for lb in report.misses}
    for lb in labels:
        cands, mentioned = found[lb.source_file].candidates, found[lb.source_file].mentioned
        shape = lb.shape or label_shape(corpus.document(lb.source_file).text, lb)
        n_ok = out.shapes.setdefault(shape, [0, 0])
        n_ok[0] += 1
        if id(lb) not in missed:
            n_ok[1] += 1
            continue
        pair = [c for c in cands if same_dataset(c.target, (lb.child, lb.child_as_written), aliases)
                and same_dataset(c.source, (lb.parent, lb.parent_as_written), aliases)]
        if pair and all(c.blocked for c in pair):
            why = f"blocked ({pair[0].blocked})"
        elif pair:
            why = "decision"
        elif any(same_dataset(c.source, (lb.parent, lb.parent_as_written), aliases) for c in cands) or any(
                same_dataset(n, (lb.parent, lb.parent_as_written), aliases) for n in set(mentioned)):
            why = "target"
        else:
            why = "name"
        out.failures[why.split(" ")[0]] += 1
        out.by_shape[(why.split(" ")[0], shape)] += 1
        out.miss_reasons.append((lb, why, shape))
    return out
