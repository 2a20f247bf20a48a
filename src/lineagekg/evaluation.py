"""Score a tracing backend against hand-checked lineage labels.

A label says that, in one document, ``child`` was built from ``parent`` with a fine relation
(``filtering``, ``translation``, ...). A predicted claim (target, source) of the same document
matches a label when both sides name the same dataset after normalisation: lower-case,
punctuation dropped, trailing generic nouns ("dataset", "collection") dropped, possessives
dropped, and both sides mapped through the alias table (the corpus index's ids and aliases, the
legacy card aliases); a Hub id also stands for its name part ("tatsu-lab/alpaca" ~ "alpaca", and
"openai/openai_humaneval" ~ "humaneval"); the label's names as written count too, a card YAML
entry as written ("extended|other-aidayago") being its name ("aidayago"). Two spellings no alias
table joins match when one is the other's words, each whole or cut to its first letter, some left
out of a slug or a bracket ("SetFit/stsb" ~ "STS Benchmark", "image-flickr-8k" ~ "Flickr 8K"), or
a long word one letter off ("flicker-30k" ~ "Flickr 30k"): never across a version or a one-letter
qualifier, never when both names resolve to different datasets. Descriptive sources ("online exam
paper PDFs and math forums") match by word overlap.

Precision and recall are over (target, source) pairs per document and overall, with a bootstrap
interval over documents; relation agreement is on matched pairs, exact (taxonomy local name) and
at the level of the paper's five.
"""

from __future__ import annotations

import csv
import math
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from lineagekg import taxonomy
from lineagekg.corpus import Corpus
from lineagekg.documents import Claim, SourceDocument
from lineagekg.errors import InputError

_QUOTE_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Label:
    """One hand-checked edge: in ``source_file``, ``child`` was built from ``parent``."""

    child: str
    parent: str
    relation: str                 # fine label as written in the CSV ("filtering")
    evidence: str
    source_file: str              # relative to the corpus folder ("docs/...")
    parent_split: str | None = None
    strength: str | None = None
    child_as_written: str | None = None
    parent_as_written: str | None = None
    note: str | None = None
    shape: str | None = None          # prose, list, table, config, heading (when the labels file says)

    @property
    def relation_name(self) -> str | None:
        """The taxonomy local name of ``relation`` (``filteredFrom``), None if unknown."""
        rel = taxonomy.resolve(self.relation)
        return rel.name if rel else None

    @property
    def quote(self) -> str:
        """The evidence as quoted, without its ``-- repo@commit:path`` attribution, whitespace
        collapsed."""
        m = re.match(r'\s*"(.*)"\s*(?:--.*)?$', self.evidence or "", re.DOTALL)
        text = m.group(1) if m else self.evidence or ""
        return " ".join(text.replace('""', '"').split())

    def stated_in(self, sentence: str) -> bool:
        """True when ``sentence`` is the statement the evidence quotes: most of the quote's words
        are in it, or most of its words are in the quote."""
        quote = set(_QUOTE_WORD.findall(self.quote.lower()))
        words = set(_QUOTE_WORD.findall(sentence.lower()))
        shared = len(quote & words)
        return bool(quote and words) and (shared >= 0.6 * len(quote) or shared >= 0.6 * len(words))


@dataclass(frozen=True)
class Match:
    label: Label
    claim: Claim
    relation_agrees: bool
    top_agrees: bool


@dataclass
class DocScore:
    source_file: str
    labels: int
    predicted: int
    matched: int
    extras: list[Claim] = field(default_factory=list)
    misses: list[Label] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else (1.0 if not self.labels else 0.0)

    @property
    def recall(self) -> float:
        return self.matched / self.labels if self.labels else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    documents: dict[str, DocScore]
    matches: list[Match]

    @property
    def labels(self) -> int:
        return sum(d.labels for d in self.documents.values())

    @property
    def predicted(self) -> int:
        return sum(d.predicted for d in self.documents.values())

    @property
    def matched(self) -> int:
        return sum(d.matched for d in self.documents.values())

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.labels if self.labels else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def relation_agreement(self) -> float:
        """Share of matched pairs whose predicted relation equals the label's (fine level)."""
        return sum(m.relation_agrees for m in self.matches) / len(self.matches) if self.matches else 0.0

    @property
    def top_relation_agreement(self) -> float:
        """Share of matched pairs whose relation agrees at the level of the paper's five."""
        return sum(m.top_agrees for m in self.matches) / len(self.matches) if self.matches else 0.0

    @property
    def misses(self) -> list[Label]:
        return [lb for d in self.documents.values() for lb in d.misses]

    @property
    def extras(self) -> list[Claim]:
        return [c for d in self.documents.values() for c in d.extras]

    def interval(self, resamples: int = 1000, seed: int = 0, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Percentile bootstrap intervals of precision, recall and F1 over documents: the labelled
        documents drawn with replacement ``resamples`` times (a fixed seed: the same report gives
        the same interval). A document is the unit because its labels are not independent: one
        card's ten subsets stand or fall together. Two figures whose intervals overlap widely say
        little about which backend is better: :func:`paired_difference` does."""
        return _bootstrap([self], lambda sums: _figures(*sums[0]), resamples, seed, level)

    def table(self) -> str:
        """A plain-text per-document table, the overall figures, misses and extras."""
        rows = [f"{'document':<72} {'lab':>3} {'pred':>4} {'ok':>3} {'P':>5} {'R':>5} {'F1':>5}"]
        for name, d in sorted(self.documents.items()):
            rows.append(f"{name[:72]:<72} {d.labels:>3} {d.predicted:>4} {d.matched:>3} "
                        f"{d.precision:>5.2f} {d.recall:>5.2f} {d.f1:>5.2f}")
        rows.append(f"{'OVERALL':<72} {self.labels:>3} {self.predicted:>4} {self.matched:>3} "
                    f"{self.precision:>5.2f} {self.recall:>5.2f} {self.f1:>5.2f}")
        ci = self.interval()
        rows.append("95% interval over documents (1,000 resamples): " +
                    ", ".join(f"{k} {ci[k][0]:.2f}-{ci[k][1]:.2f}" for k in ("precision", "recall", "f1")))
        rows.append(f"relation agreement: {self.relation_agreement:.2f} (fine), "
                    f"{self.top_relation_agreement:.2f} (paper's five) on {len(self.matches)} matched pairs")
        for lb in self.misses:
            rows.append(f"MISS  {lb.source_file.split('/')[-1]}: {lb.child} <- {lb.parent} ({lb.relation})")
        for c in self.extras:
            rows.append(f"EXTRA {c.document.split('/')[-1]}: {c.target} <- {c.source} ({c.relation}, "
                        f"{c.confidence}) \"{c.evidence[:100]}\"")
        for m in self.matches:
            if not m.relation_agrees:
                rows.append(f"REL   {m.label.child} <- {m.label.parent}: predicted {m.claim.relation}, "
                            f"label {m.label.relation}")
        return "\n".join(rows)


def paired_difference(base: EvalReport, other: EvalReport, resamples: int = 1000, seed: int = 0,
                      level: float = 0.95) -> dict[str, tuple[float, float]]:
    """Bootstrap intervals of ``other`` minus ``base`` (precision, recall, F1) over the documents
    both scored, each draw taking the same documents for both: what a change did, apart from
    which documents happened to be labelled. An interval that holds 0 does not tell the two apart."""
    if set(base.documents) != set(other.documents):
        raise InputError("the two reports score different documents: a paired difference needs the same ones")

    def difference(sums: list[tuple[int, ...]]) -> dict[str, float]:
        a, b = _figures(*sums[0]), _figures(*sums[1])
        return {k: b[k] - a[k] for k in a}

    return _bootstrap([base, other], difference, resamples, seed, level)


def report_from_json(data: object, source: str) -> EvalReport:
    """The per-document counts of an earlier ``lineagekg eval --format json`` output, checked (a
    baseline file is outside input): ``documents`` maps each document to whole ``labels``,
    ``predicted`` and ``matched`` counts, matched no more than either. Claims and misses are not
    kept: a paired difference needs only the counts."""
    documents = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(documents, dict) or not documents:
        raise InputError("not the JSON of `lineagekg eval --format json`: no documents", file=source,
                         field="documents")
    scores: dict[str, DocScore] = {}
    for name, row in documents.items():
        counts = [row.get(k) if isinstance(row, dict) else None for k in ("labels", "predicted", "matched")]
        if not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 1_000_000 for c in counts):
            raise InputError("labels, predicted and matched must be whole numbers from 0", file=source,
                             field=f"documents.{str(name)[:80]!r}")
        labels, predicted, matched = cast(list[int], counts)
        if matched > min(labels, predicted):
            raise InputError("more matched than labelled or predicted", file=source,
                             field=f"documents.{str(name)[:80]!r}")
        scores[str(name)] = DocScore(str(name), labels, predicted, matched)
    return EvalReport(scores, [])


def _figures(labels: int, predicted: int, matched: int) -> dict[str, float]:
    p = matched / predicted if predicted else 0.0
    r = matched / labels if labels else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _bootstrap(reports: list[EvalReport], figures: Callable[[list[tuple[int, ...]]], dict[str, float]],
               resamples: int, seed: int, level: float) -> dict[str, tuple[float, float]]:
    """Draw the documents (sorted, so a seed means one sequence) with replacement; for each draw,
    ``figures`` of every report's summed (labels, predicted, matched); the percentile interval."""
    names = sorted(reports[0].documents)
    counts = [[(r.documents[n].labels, r.documents[n].predicted, r.documents[n].matched) for n in names]
              for r in reports]
    if not names:
        return {"precision": (0.0, 0.0), "recall": (0.0, 0.0), "f1": (0.0, 0.0)}
    draw = random.Random(seed)
    seen: dict[str, list[float]] = {}
    for _ in range(resamples):
        picks = [draw.randrange(len(names)) for _ in names]
        sums = [tuple(sum(c[i][j] for i in picks) for j in range(3)) for c in counts]
        for k, v in figures(sums).items():
            seen.setdefault(k, []).append(v)
    low, high = int((1 - level) / 2 * resamples), int(math.ceil((1 + level) / 2 * resamples)) - 1
    ordered = {k: sorted(v) for k, v in seen.items()}
    return {k: (v[low], v[high]) for k, v in ordered.items()}


class TracingBackend(Protocol):
    kind: str
    model: str
    prompt_version: str

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]: ...


# ------------------------------------------------------------------------------------------------
# labels and the alias table
# ------------------------------------------------------------------------------------------------

_COLUMNS = ("child", "parent", "relation", "evidence", "source_file")


def load_labels(csv_path: str | Path) -> list[Label]:
    """The labelled edges of a ``dev_edges.csv``-style file."""
    path = Path(csv_path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read labels: {exc.strerror}", file=str(path)) from exc
    labels = []
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}", file=str(path), line=1,
                             hint=f"a labels file has the columns {', '.join(_COLUMNS)}, ...")
        for n, row in enumerate(reader, start=2):
            if not (row.get("child") or "").strip() or not (row.get("parent") or "").strip():
                raise InputError("empty child or parent", file=str(path), line=n)
            labels.append(Label(
                child=row["child"].strip(), parent=row["parent"].strip(),
                relation=(row.get("relation") or "").strip(), evidence=row.get("evidence") or "",
                source_file=row["source_file"].strip(),
                parent_split=(row.get("parent_split") or "").strip() or None,
                strength=(row.get("strength") or "").strip() or None,
                child_as_written=(row.get("child_as_written") or "").strip() or None,
                parent_as_written=(row.get("parent_as_written") or "").strip() or None,
                note=(row.get("note") or "").strip() or None,
                shape=(row.get("shape") or "").strip() or None))
    return labels


# ------------------------------------------------------------------------------------------------
# matching
# ------------------------------------------------------------------------------------------------

_GENERIC_TAIL = re.compile(r"(?i)(?:\s+(?:dataset|datasets|data|collection|corpus|benchmark))+\s*$")
_STOPWORDS = {"the", "a", "an", "and", "of", "from", "in", "on", "for", "with", "to"}


# a card's YAML ``source_datasets`` entry as a label writes it ("extended|other-aidayago") names
# the same dataset as the claim the extractor makes of it ("aidayago")
_YAML_PREFIX = re.compile(r"(?i)^\s*(?:extended\|)?(?:other-)?")


def _key(name: str) -> str:
    name = _YAML_PREFIX.sub("", name)
    name = re.sub(r"(?:'s|’s|'|’)(?=\s|$)", "", name)
    name = _GENERIC_TAIL.sub("", name.strip())
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def _forms(name: str, aliases: dict[str, str]) -> set[str]:
    """Normalised keys a name stands for."""
    names = {name}
    resolved = aliases.get(name.lower())
    if resolved:
        names.add(resolved)
    keys = set()
    for n in names:
        keys.add(_key(n))
        if "/" in n or ":" in n:
            org, local = re.split(r"[/:]", n, maxsplit=1)
            keys.add(_key(local))
            # "openai/openai_humaneval" ~ "humaneval", "databricks/databricks-dolly-15k" ~ "dolly 15k"
            if local.lower().startswith(org.lower()) and len(local) > len(org) + 2:
                keys.add(_key(local[len(org):]))
    return {k for k in keys if k}


def _words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in _STOPWORDS}


def _id_like(name: str) -> bool:
    """An identifier (``org/name``, ``org:name``), not a descriptive name."""
    return bool(re.search(r"\S[/:]\S", name))


_GENERIC_WORDS = {"dataset", "datasets", "data", "corpus", "collection"}


def _name_tokens(name: str) -> list[tuple[str, bool]]:
    """The words of a name (its local part for an id), each with whether it is in brackets:
    lower case, a YAML entry's ``other-`` and generic nouns dropped, a plural ``s`` dropped from
    words of five letters or more, a word split where letters meet digits ("semeval2012")."""
    name = _local_name(name)
    out: list[tuple[str, bool]] = []
    depth = 0
    for part in re.findall(r"[()\[\]]|[A-Za-z0-9]+", name):
        if part in "([":
            depth += 1
            continue
        if part in ")]":
            depth = max(0, depth - 1)
            continue
        for word in re.findall(r"[a-z]{3,}(?=\d)|\d+[a-z]?(?![a-z])|[a-z0-9]+", part.lower()):
            if word in _STOPWORDS or word in _GENERIC_WORDS:
                continue
            if len(word) >= 5 and word.endswith("s") and not word.endswith("ss"):
                word = word[:-1]
            out.append((word, depth > 0))
    return out


def _abbreviates(short: str, words: list[tuple[str, bool]], slug: bool, typos: bool = False) -> bool:
    """True when ``short`` (a name's words run together) is ``words`` each whole or cut to its
    first letter: "stsb" of "STS Benchmark", "wsc" of "Winograd Schema Challenge", "aidayago" of
    the slug "aida_conll_yago" (a word left out). A word with a digit is never cut (versions tell
    datasets apart). A word of three letters or more is left out entirely only when it is in
    brackets or one of the two names is written as a slug ("hindi_discourse" of "Hindi Discourse
    Analysis"; never "X" of "PAWS-X"), and the first word only when two whole words follow
    ("image-flickr-8k" and "Flickr 8K"). A one-word name is never cut ("Math" is not "MathQA").
    With ``typos``, words are not cut but may be one letter off (see :func:`_one_letter_off`)."""
    n = len(words)

    def skippable(j: int) -> bool:
        word, bracketed = words[j]
        return len(word) >= 3 and not any(ch.isdigit() for ch in word) and (slug or bracketed)

    def walk(i: int, j: int, first_used: bool, whole: int) -> bool:
        if i == len(short):
            return all(skippable(r) for r in range(j, n)) and (first_used or whole >= 2)
        if j == n:
            return False
        word = words[j][0]
        whole_only = typos or n == 1 or any(ch.isdigit() for ch in word)
        # a word gives all its letters or, acronym-like, its first ("stsb": STS B(enchmark))
        for k in [len(word)] if whole_only else (len(word), 1):
            if short.startswith(word[:k], i) and walk(i + k, j + 1, first_used or j == 0, whole + (k == len(word))):
                return True
        for typo in _one_letter_off(word) if typos else ():
            if short.startswith(typo, i) and walk(i + len(typo), j + 1, first_used or j == 0, whole + 1):
                return True
        return skippable(j) and walk(i, j + 1, first_used, whole)

    return len(short) >= 3 and n > 0 and walk(0, 0, False, 0)


def _one_letter_off(word: str) -> set[str]:
    """A long word with one letter dropped or doubled (a card's "flicker-30k" is "Flickr 30k"):
    never a word with digits or of fewer than six letters, where one letter tells names apart."""
    if len(word) < 6 or not word.isalpha():
        return set()
    return {word[:p] + word[p + 1:] for p in range(len(word))} | \
        {word[:p] + c + word[p:] for p in range(1, len(word)) for c in "aeiou"}


def _local_name(name: str) -> str:
    """The name part of a Hub id, or a YAML entry without its ``extended|other-`` prefix."""
    return re.split(r"[/:]", name, maxsplit=1)[1] if _id_like(name) else _YAML_PREFIX.sub("", name)


def _is_slug(name: str) -> bool:
    local = _local_name(name)
    return " " not in local.strip() and bool(re.search(r"[-_]", local))


def _spelled_alike(a: str, b: str, aliases: dict[str, str]) -> bool:
    """Two spellings of one name that no alias table joins: one is the other's words cut to
    prefixes (see :func:`_abbreviates`). Never when both resolve, to different datasets."""
    ra = aliases.get(a.lower(), a if _id_like(a) else None)
    rb = aliases.get(b.lower(), b if _id_like(b) else None)
    if ra and rb and ra.lower() != rb.lower():
        return False
    ta, tb = _name_tokens(a), _name_tokens(b)
    slug = _is_slug(a) or _is_slug(b)
    # a Hub id's words are all meant: "ShareGPT" is not "anon8231489123/ShareGPT_Vicuna_unfiltered"
    return any(_abbreviates("".join(w for w, _ in ta), tb, slug and not _id_like(b), typos) or
               _abbreviates("".join(w for w, _ in tb), ta, slug and not _id_like(a), typos) for typos in (False, True))


def same_dataset(pred: str, names: Iterable[str | None], aliases: dict[str, str]) -> bool:
    """True when the predicted name ``pred`` names the same dataset as one of ``names``."""
    pf = _forms(pred, aliases)
    for n in names:
        if not n:
            continue
        if pf & _forms(n, aliases):
            return True
        if _spelled_alike(pred, n, aliases):
            return True
        # descriptive names ("online exam paper PDFs and math forums"): word overlap, never for ids
        a, b = _words(pred), _words(n)
        if len(a) >= 3 and len(b) >= 3 and not _id_like(pred) and not _id_like(n) and len(a & b) / len(a | b) >= 0.5:
            return True
    return False


def evaluate(predicted: dict[str, list[Claim]], labels: list[Label],
             aliases: dict[str, str] | None = None, documents: Iterable[str] = ()) -> EvalReport:
    """Score predictions (keyed by the labels' ``source_file``) against the labels of the same
    documents. Only documents that have labels count, and ``documents``: documents read and
    found to state no edge (every claim on them is a false positive)."""
    aliases = {k.lower(): v for k, v in (aliases or {}).items()}
    by_doc: dict[str, list[Label]] = {d: [] for d in documents}
    for lb in labels:
        by_doc.setdefault(lb.source_file, []).append(lb)
    docs: dict[str, DocScore] = {}
    matches: list[Match] = []
    for doc, doc_labels in by_doc.items():
        claims = sorted(predicted.get(doc, []), key=lambda c: -c.confidence)
        matched: dict[int, Claim] = {}
        extras: dict[tuple[str, str], Claim] = {}
        for claim in claims:
            hit = None
            for i, lb in enumerate(doc_labels):
                if same_dataset(claim.target, (lb.child, lb.child_as_written), aliases) and \
                        same_dataset(claim.source, (lb.parent, lb.parent_as_written), aliases):
                    hit = i
                    if i not in matched:
                        break
            if hit is None:
                extras.setdefault((_key(claim.target), _key(claim.source)), claim)
            elif hit not in matched:
                matched[hit] = claim
        for i, claim in matched.items():
            lb = doc_labels[i]
            want = taxonomy.resolve(lb.relation)
            got = taxonomy.relations().get(claim.relation)
            matches.append(Match(lb, claim, bool(want and got and want.name == got.name),
                                 bool(want and got and want.top == got.top)))
        docs[doc] = DocScore(doc, len(doc_labels), len(matched) + len(extras), len(matched),
                             extras=list(extras.values()),
                             misses=[lb for i, lb in enumerate(doc_labels) if i not in matched])
    return EvalReport(docs, matches)


def documents_listed_with(labels_csv: Path) -> list[str]:
    """The documents listed in ``NAME_documents.txt`` beside ``NAME_edges.csv`` (read in full by
    the labellers: a listed document without labelled edges states none)."""
    listing = labels_csv.with_name(labels_csv.name.replace("_edges.csv", "_documents.txt"))
    if listing == labels_csv or not listing.is_file():
        return []
    return [ln.strip() for ln in listing.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def run_eval(labels_csv: str | Path | list[Path], corpus_dir: str | Path, backend: TracingBackend,
             holdout: Path | None = None) -> EvalReport:
    """Trace every labelled document of the corpus with ``backend`` and score the claims
    (documents of the ``holdout`` list are left out; documents labelled as stating no edge
    count, every claim on them a false positive)."""
    files = [Path(f) for f in labels_csv] if isinstance(labels_csv, list) else [Path(labels_csv)]
    held: set[str] = set()
    if holdout is not None and holdout.is_file():
        held = {ln.strip() for ln in holdout.read_text(encoding="utf-8").splitlines()
                if ln.strip() and not ln.startswith("#")}
    labels = [lb for f in files for lb in load_labels(f) if lb.source_file not in held]
    empty = [d for f in files for d in documents_listed_with(f) if d not in held]
    corpus = Corpus.from_directory(corpus_dir)
    aliases = corpus.aliases()
    predicted: dict[str, list[Claim]] = {}
    for source_file in dict.fromkeys([lb.source_file for lb in labels] + empty):
        doc = corpus.document(source_file)
        predicted[source_file] = backend.trace(doc, doc.text, aliases)
    return evaluate(predicted, labels, aliases, documents=empty)
