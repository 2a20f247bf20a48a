"""Record-level overlap of two record sets: exact (a hash of the normalised text) and near-duplicate
(MinHash over word n-gram shingles, candidates from LSH, each candidate checked on its shingles).

``overlap(a, b)`` counts the records of ``a`` found in ``b``:

- ``exact``: records of ``a`` whose normalised text is the text of some record of ``b``;
- ``near``: records of ``a`` (with at least ``ngram`` words) of which a share of at least
  ``threshold`` of their word n-grams is found in one record of ``b``. Candidates come from a
  MinHash LSH index of ``b`` (datasketch) tuned for recall at the Jaccard similarity that this
  containment implies; each candidate is then checked on its shingle hashes, and the MinHash
  estimate of its Jaccard similarity is reported next to the exact containment.

A ``RecordSet`` computes hashes, shingles and MinHashes once and keeps its LSH index, so one set
can be compared with many others at the cost of queries only.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from lineagekg.samples.records import Record

DEFAULT_NGRAM = 8
DEFAULT_THRESHOLD = 0.5
DEFAULT_NUM_PERM = 128
_WORD = re.compile(r"\w+")
SEED = 1                         # MinHash permutations: fixed, so a measurement is reproducible

Progress = Callable[[str, int, int], None]


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _hash32(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "little")


def shingles(text: str, ngram: int = DEFAULT_NGRAM) -> frozenset[int]:
    """32-bit hashes of the word ``ngram``-grams of a normalised text (empty when shorter). Words
    are runs of letters, digits and underscores, so ``$x^2+1$`` is three words, not one.

    >>> len(shingles("a b c d e f g h i", 8)), len(shingles("a b c", 8)), len(shingles("$x^2+1$", 3))
    (2, 0, 1)
    """
    words = _WORD.findall(text)
    if len(words) < ngram:
        return frozenset()
    return frozenset(_hash32(" ".join(words[i:i + ngram])) for i in range(len(words) - ngram + 1))


def lsh_threshold(containment: float) -> float:
    """The Jaccard threshold for LSH candidates that keeps pairs whose containment is at least
    ``containment``: for two records of equal size J = c / (2 - c); a record whose match is longer
    has a lower J, so the index is asked for a bit less (and candidates are checked exactly).

    >>> round(lsh_threshold(0.5), 3)
    0.2
    """
    return max(0.05, 0.6 * containment / (2.0 - containment))


@dataclass(frozen=True)
class MatchPair:
    """One record of ``a`` and its best match in ``b``: exact, or near with the containment of its
    shingles in the match and the MinHash estimate of their Jaccard similarity."""

    a_number: int
    b_number: int
    a_text: str
    b_text: str
    exact: bool
    containment: float
    jaccard_estimate: float


@dataclass
class Overlap:
    """Records of ``a`` found in ``b``."""

    a_records: int
    b_records: int
    exact: int
    near: int
    near_eligible: int             # records of a with at least ``ngram`` words
    candidates_checked: int        # record pairs compared after LSH (the work actually done)
    seconds: float
    threshold: float
    ngram: int
    num_perm: int
    mean_jaccard: float | None     # MinHash estimate, over the near pairs
    examples: list[MatchPair] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)   # positions in a of the records found (exact or near)

    def as_dict(self) -> dict[str, object]:
        return {"a_records": self.a_records, "b_records": self.b_records, "exact": self.exact,
                "near": self.near, "near_eligible": self.near_eligible,
                "candidates_checked": self.candidates_checked, "seconds": round(self.seconds, 3),
                "threshold": self.threshold, "ngram": self.ngram, "num_perm": self.num_perm,
                "mean_jaccard_estimate": None if self.mean_jaccard is None else round(self.mean_jaccard, 4),
                "method": method_text(self.ngram, self.threshold, self.num_perm),
                "examples": [vars(e) for e in self.examples]}


def method_text(ngram: int, threshold: float, num_perm: int) -> str:
    return (f"exact: blake2b of the normalised prompt; near: MinHash LSH ({num_perm} permutations) over "
            f"word {ngram}-gram shingles, candidates kept when at least {threshold:g} of the record's "
            f"shingles are in the match")


class RecordSet:
    """Records prepared for comparison: exact hashes, shingles, MinHashes and an LSH index."""

    def __init__(self, name: str, records: Sequence[Record], *, ngram: int = DEFAULT_NGRAM,
                 num_perm: int = DEFAULT_NUM_PERM, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.name = name
        self.records = list(records)
        self.ngram = ngram
        self.num_perm = num_perm
        self.threshold = threshold
        self.exact_hashes = [_hash64(r.text) for r in self.records]
        self.shingles = [shingles(r.text, ngram) for r in self.records]
        self._by_hash: dict[int, int] = {}
        for i, h in enumerate(self.exact_hashes):
            self._by_hash.setdefault(h, i)

    def __len__(self) -> int:
        return len(self.records)

    @cached_property
    def minhashes(self) -> list[object | None]:
        """A LeanMinHash per record with shingles (None for short records)."""
        from datasketch import LeanMinHash, MinHash

        empty = MinHash(num_perm=self.num_perm, seed=SEED, hashfunc=int)   # permutations drawn once
        out: list[object | None] = []
        for sh in self.shingles:
            if not sh:
                out.append(None)
                continue
            m = empty.copy()
            m.update_batch(np.fromiter(sh, dtype=np.uint64, count=len(sh)))
            out.append(LeanMinHash(m))
        return out

    @cached_property
    def lsh(self) -> object:
        """The LSH index over this set's records (keys are record positions)."""
        from datasketch import MinHashLSH

        index = MinHashLSH(threshold=lsh_threshold(self.threshold), num_perm=self.num_perm,
                           weights=(0.2, 0.8))     # recall first: candidates are checked exactly
        with index.insertion_session() as session:
            for i, m in enumerate(self.minhashes):
                if m is not None:
                    session.insert(i, m, check_duplication=False)
        return index

    def find_exact(self, h: int) -> int | None:
        return self._by_hash.get(h)


def overlap(a: RecordSet, b: RecordSet, *, examples: int = 5, progress: Progress | None = None) -> Overlap:
    """Count the records of ``a`` found in ``b`` (see the module docstring)."""
    if (a.ngram, a.num_perm, a.threshold) != (b.ngram, b.num_perm, b.threshold):
        raise ValueError("both record sets must be prepared with the same ngram, num_perm and threshold")
    started = time.perf_counter()
    exact = near = eligible = checked = 0
    jaccards: list[float] = []
    exact_examples: list[MatchPair] = []
    near_examples: list[MatchPair] = []
    matched: list[int] = []
    a_minhashes = a.minhashes
    index = b.lsh
    b_minhashes = b.minhashes
    total = len(a)
    for i, record in enumerate(a.records):
        if progress is not None and i % 500 == 0:
            progress(f"{a.name} in {b.name}", i, total)
        j = b.find_exact(a.exact_hashes[i])
        if j is not None:
            exact += 1
            matched.append(i)
            if len(exact_examples) < examples:
                exact_examples.append(MatchPair(record.number, b.records[j].number, record.raw[:300],
                                                b.records[j].raw[:300], True, 1.0, 1.0))
        sh = a.shingles[i]
        if not sh:
            continue
        eligible += 1
        if j is not None and b.shingles[j]:
            near += 1                      # an exact match is a near match too
            jaccards.append(1.0)
            continue
        best: tuple[float, int] | None = None
        for key in index.query(a_minhashes[i]):   # type: ignore[attr-defined]
            checked += 1
            contained = len(sh & b.shingles[key]) / len(sh)
            if best is None or contained > best[0]:
                best = (contained, key)
        if best is not None and best[0] >= a.threshold:
            near += 1
            matched.append(i)
            jac = float(a_minhashes[i].jaccard(b_minhashes[best[1]]))  # type: ignore[union-attr]
            jaccards.append(jac)
            if len(near_examples) < examples:
                match = b.records[best[1]]
                near_examples.append(MatchPair(record.number, match.number, record.raw[:300], match.raw[:300],
                                               False, round(best[0], 4), round(jac, 4)))
    if progress is not None:
        progress(f"{a.name} in {b.name}", total, total)
    return Overlap(a_records=len(a), b_records=len(b), exact=exact, near=near, near_eligible=eligible,
                   candidates_checked=checked, seconds=time.perf_counter() - started,
                   threshold=a.threshold, ngram=a.ngram, num_perm=a.num_perm,
                   mean_jaccard=(sum(jaccards) / len(jaccards)) if jaccards else None,
                   examples=(near_examples + exact_examples)[:examples], matched=matched)
