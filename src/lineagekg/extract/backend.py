"""The offline tracing backend: mentions found in the parsed document, each (target, mention)
pair scored by the trained decision model; no network, no randomness.

A pair becomes a claim when the model's probability is at least the model's threshold (chosen
on its training data, see :mod:`lineagekg.extract.decision`; a card's YAML ``source_datasets``
entry needs only :data:`STRUCTURED_THRESHOLD`); its confidence is that probability (so the
paper's rubric applies: under 0.7 the claim is queued for review). Negated, conditional and
quoted statements and text that addresses a model never become claims. The evidence is the
sentence (list item, table row, config line) the mention sits in, verbatim as a reader sees it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from lineagekg.documents import Claim, SourceDocument
from lineagekg.extract import candidates as _candidates
from lineagekg.extract import mentions as _mentions
from lineagekg.extract.candidates import Candidate, document_candidates
from lineagekg.extract.decision import DEFAULT_MODEL_PATH, STRUCTURED_THRESHOLD, DecisionModel, needed, pooled
from lineagekg.extract.names import NameRegistry, name_key
from lineagekg.llm.protocol import BackendAnswer
from lineagekg.text import markdown as _markdown
from lineagekg.text import safety as _safety

__all__ = ["STRUCTURED_THRESHOLD", "OfflineBackend", "claims_from", "forget_texts"]



def forget_texts() -> None:
    """Empty every cache keyed by text (parses, name keys, word keys, cue classes, statement
    markers): a benchmark that reads the same documents again must not find them remembered."""
    for cached in (_markdown.parse, name_key, _mentions._token_key, _candidates._cue_classes,
                   _safety.addresses_the_model, _safety._quotes, _safety._boundaries, _safety._clause_facts,
                   _safety._introduces_a_quote, _candidates._word_count):
        cached.cache_clear()


def claims_from(candidates: list[Candidate], model: DecisionModel, document_url: str,
                threshold: float | None = None) -> list[Claim]:
    """The claims the model accepts, one per (target, source): the most probable mention wins
    (ties: the first in the document) and gives the evidence; the relation is chosen from the
    pooled features of every mention of the pair. Of two claims that point at each other (A from B, B from
    A), only the more probable one stays: one document does not state a cycle."""
    threshold = model.threshold if threshold is None else threshold
    best: dict[tuple[str, str], tuple[float, Candidate]] = {}
    said: dict[tuple[str, str], list[dict[str, float]]] = {}
    for cand in candidates:
        if cand.blocked:
            continue
        said.setdefault(cand.pair, []).append(cand.features)
        p = model.probability(cand.features)
        if p < needed(threshold, cand.mention.kind == "yaml"):
            continue
        key = cand.pair
        if key not in best or p > best[key][0]:
            best[key] = (p, cand)
    for key in list(best):
        back = (key[1], key[0])
        if key in best and back in best:
            del best[key if best[key][0] < best[back][0] else back]
    return [Claim(target=c.target, source=c.source, relation=model.relation(pooled(said[key])),
                  confidence=round(min(p, 0.99), 2), evidence=c.evidence, document=document_url)
            for key, (p, c) in best.items()]


class OfflineBackend:
    """Mentions + a trained decision model: offline, deterministic."""

    kind = "offline"
    model = "lineagekg-extractor"

    def __init__(self, corpus: object | None = None, model_path: Path = DEFAULT_MODEL_PATH,
                 decision: DecisionModel | None = None) -> None:
        self.decision = decision or DecisionModel.load(model_path)
        digest = hashlib.sha256(self.decision.as_json().encode()).hexdigest()[:12]
        self.prompt_version = f"extractor/1+{digest}"
        self._corpus = corpus
        self._registry: NameRegistry | None = None
        self._registry_for: object | None = None

    def registry(self, aliases: dict[str, str]) -> NameRegistry:
        """The name registry: of the corpus when the backend was given one, else of ``aliases``."""
        if self._corpus is not None:
            if self._registry is None:
                self._registry = NameRegistry.build(self._corpus)
            return self._registry
        if self._registry is None or self._registry_for is not aliases:
            self._registry = NameRegistry.build(extra=[(n, i) for n, i in aliases.items()] +
                                                [(i, i) for i in set(aliases.values())])
            self._registry_for = aliases
        return self._registry

    def know_names(self, names: Iterable[str], aliases: dict[str, str]) -> int:
        """Add the datasets already in the store to the registry (the tracer calls this once per
        trace): a source named in an earlier trace resolves to the same node when a later
        document names it. A name the registry already knows, in any spelling, is left alone
        (a store name never makes a known name ambiguous). Returns how many were added."""
        registry = self.registry(aliases)
        added = 0
        for name in names:
            if name and not registry.knows(name):
                registry.add(name, name, "store")
                added += registry.knows(name)
        return added

    def answer(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> BackendAnswer:
        found = document_candidates(document, self.registry(aliases), text)
        problems = []
        for crowded in found.crowded:
            problems.append(f"sentence not read: {crowded} (more than {_candidates.MAX_MENTIONS} dataset names)")
        if found.no_target:
            problems.append(f"{found.no_target} mention(s) dropped: the document is about several datasets "
                            f"and neither the sentence, its list, table or heading, nor the file name says which")
        return BackendAnswer(claims=claims_from(found.candidates, self.decision, document.url), problems=problems)

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]:
        return self.answer(document, text, aliases).claims
