"""Hostile sentences: thousands of names, or a hundred names in half a megabyte. Each mention reads
a window around it and the clause facts of its sentence once, so the work grows with the text, not
with names x text; a sentence of more names than any statement makes is reported, not read.

The statement markers (negated, conditional, quoted) are checked against the plain per-mention scan
they replaced, on every sentence of the corpus and on sentences built to put a negation or a condition
far from the name."""

from __future__ import annotations

import re

import pytest

from lineagekg.documents import SourceDocument
from lineagekg.extract.backend import OfflineBackend
from lineagekg.extract.candidates import MAX_MENTIONS, _units, document_candidates
from lineagekg.extract.mentions import find_mentions
from lineagekg.extract.names import NameRegistry
from lineagekg.text import safety
from lineagekg.text.markdown import parse


def _plain_markers(sentence: str, start: int, end: int) -> frozenset[str]:
    """The markers as the scan before round 9 computed them, the whole sentence read per mention."""
    markers = set()
    lo, hi = 0, len(sentence)
    for m in safety._CLAUSE.finditer(sentence):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            hi = m.start()
            break
    clause = safety._NOT_NEGATION.sub(lambda m: " " * len(m.group()), sentence[lo:hi])
    at = start - lo
    if any(m.start() < at or not safety._EXCLUDES_WHAT_FOLLOWS.match(m.group())
           for m in safety._NEGATION.finditer(clause)):
        markers.add("negated")
    lead = safety._LEADING_IF.match(sentence, lo, hi)
    if safety._CONDITIONAL.search(sentence, lead.end() if lead and lead.end() <= start else lo, hi):
        markers.add("conditional")
    if safety._QUOTE_INTRO.search(sentence) or any(s < start and end <= e for s, e in safety._quotes(sentence)):
        markers.add("quoted")
    if safety.addresses_the_model(sentence):
        markers.add("instruction")
    return frozenset(markers)


@pytest.fixture(scope="module")
def registry(corpus) -> NameRegistry:
    return NameRegistry.build(corpus)


def test_markers_are_those_of_the_plain_scan_on_every_corpus_sentence(corpus, registry: NameRegistry) -> None:
    checked = 0
    for entry in corpus.entries():
        try:
            doc = corpus.read(entry)
        except Exception:       # metadata files are not documents
            continue
        for block in parse(doc.text).blocks:
            for unit, links in _units(block):
                for m in find_mentions(unit, links, registry):
                    assert safety.statement_markers(unit, m.start, m.end) == _plain_markers(unit, m.start, m.end)
                    checked += 1
    assert checked > 3000


@pytest.mark.parametrize("sentence", [
    "No data from " + ", ".join(f"Set{i}X" for i in range(300)) + " was used.",
    "We use " + "many words " * 2000 + "Alpaca, unlike " + "other words " * 500 + "ShareGPT and Dolly.",
    "If you want, " + "filler; " * 100 + "we took Alpaca, but we would have used ShareGPT if it were open.",
    "Except for Alpaca: " + "text, " * 800 + "we used ShareGPT — " + "and " * 50 + "not Dolly.",
    'The evidence sentence is: "we built it from Alpaca and ShareGPT" ' + "x " * 3000,
])
def test_markers_far_from_the_name_are_those_of_the_plain_scan(sentence: str) -> None:
    names = [m for m in re.finditer(r"Set\d+X|Alpaca|ShareGPT|Dolly", sentence)]
    assert names
    for m in names:
        assert safety.statement_markers(sentence, m.start(), m.end()) == _plain_markers(sentence, m.start(), m.end())


def _doc(body: str) -> SourceDocument:
    return SourceDocument(url="urn:test:acme-mix", kind="github_readme", about=("acme/mix",),
                          text=f"# Acme Mix\n\n## Data\n\n{body}\n")


def test_a_sentence_of_more_names_than_a_statement_makes_is_reported_not_read(corpus) -> None:
    body = "We collected data from " + ", ".join(f"Set{i}X from Corpus{i}Y" for i in range(2000)) + "."
    doc = _doc(body + "\n\nWe collected the prompts from UltraChat.")
    found = document_candidates(doc, NameRegistry.build(corpus), doc.text)
    assert len(found.crowded) == 1 and found.crowded[0].startswith("4000 names in 'We collected data from Set0X")
    assert {c.source for c in found.candidates} == {"stingning/ultrachat"}      # the next sentence is read
    answer = OfflineBackend(corpus).answer(doc, doc.text, corpus.aliases())
    assert any(p.startswith("sentence not read: 4000 names") and f"more than {MAX_MENTIONS}" in p
               for p in answer.problems)


def test_a_name_in_a_sentence_of_half_a_megabyte_is_still_read(corpus) -> None:
    # the names' context is read from a window around each; the sentence's words and length still count
    backend = OfflineBackend(corpus)
    short = "We collected the prompts from UltraChat and ShareGPT."
    long = "We collected the prompts from UltraChat and ShareGPT, " + "and more words here " * 25000 + "."
    for body in (short, long):
        doc = _doc(body)
        assert "stingning/ultrachat" in {c.source for c in backend.trace(doc, doc.text, corpus.aliases())}


@pytest.mark.parametrize("body", [
    "A" * 20_000, "Open American " * 1_500, "A-" * 10_000, "Alpaca (" * 2_500, '"' * 20_000,
    "Set1X (Corpus2Y) from, and the " * 700, "huggingface.co/datasets/" * 800,
])
def test_hostile_text_gives_no_claim_and_no_error(corpus, body: str) -> None:
    # benchmarks/bench_hostile_text.py measures what each shape costs per MB against the corpus
    doc = _doc(body)
    assert OfflineBackend(corpus).answer(doc, doc.text, corpus.aliases()).claims == []


def test_a_word_longer_than_any_name_is_not_read_as_one(registry: NameRegistry) -> None:
    # a capitalised word of thousands of letters made the bracketed-name pattern backtrack over every
    # start (quadratic); words of a name are bounded now, so such a word names nothing
    word = "A" + "b" * 5_000
    assert not [m for m in find_mentions(f"{word} (ABC) from {word} Corpus", (), registry) if m.kind == "paren"]
    assert [m.text for m in find_mentions("Open American National Corpus (OANC) is used", (), registry)] == \
        ["Open American National Corpus (OANC)"]
