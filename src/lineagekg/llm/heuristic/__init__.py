"""The offline, deterministic tracing backend: general rules about how dataset documentation
phrases construction ("a filtered version of X", "we sample 10k instructions from X",
"collected from various sources, including X, Y and Z", "X is a superset of Y", ...).

No rule is keyed to a dataset, document or organisation name. The document text is data, never
instructions: a sentence only yields a claim when it states a construction step, and sentences
that address the reader as a model ("ignore your instructions ...") are skipped outright.

Pipeline per document:

1. :mod:`.blocks` (``clean_blocks``): drop fenced code, HTML comments, images and badges; turn HTML tables into rows;
   split the rest into blocks (paragraphs, list items, table rows) under their heading path,
   keeping every link (text, URL) with its position. Link syntax and emphasis are reduced to
   their text, so each sentence is verbatim in the cleaned text and, after the same markup
   normalisation (:func:`normalise_markup`), in the original document.
2. :mod:`.reading` (``SentenceReader``, with :mod:`.cues` and :mod:`.names`): per sentence, find
   construction cues, read the sources named after the cue
   (Hub links, alias-table names, dataset-like names), decide the target (a Hub link in the
   sentence, a dataset the document is about named before the cue, the row / list item / lead-in
   / heading the sentence sits under, or the document's single dataset), and score it with the
   paper's rubric (explicit 0.9+, indirect 0.7-0.9, ambiguous 0.5-0.7).
"""

from __future__ import annotations

from lineagekg.documents import Claim, SourceDocument
from lineagekg.llm.heuristic.blocks import clean_blocks
from lineagekg.llm.heuristic.reading import SentenceReader
from lineagekg.llm.protocol import BackendAnswer
from lineagekg.text.evidence import evidence_in
from lineagekg.text.markup import normalise_markup
from lineagekg.text.safety import addresses_the_model

PROMPT_VERSION = "heuristic-rules/2"

__all__ = ["PROMPT_VERSION", "HeuristicBackend", "addresses_the_model", "evidence_in", "normalise_markup"]


class HeuristicBackend:
    """Rule-based tracing: offline, deterministic, no model."""

    kind = "heuristic"
    model = "heuristic-rules"
    prompt_version = PROMPT_VERSION

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]:
        """Lineage claims stated in ``text`` (the text of ``document``)."""
        return SentenceReader(document, text, aliases).run()

    def answer(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> BackendAnswer:
        """The claims; no model is called, so no problems of a model answer and no cost."""
        return BackendAnswer(claims=self.trace(document, text, aliases))

    @staticmethod
    def clean(text: str) -> str:
        """The text as the backend reads it (code, HTML, badges and link syntax removed)."""
        return clean_blocks(text)[0]
