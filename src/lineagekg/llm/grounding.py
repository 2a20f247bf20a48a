"""A model's claims read the way the offline extractor reads a document: dataset names through
the one name registry (``extract.names.NameRegistry``: the corpus index and aliases, Hub card
``pretty_name``, the Data Provenance Initiative collection, and the names the tracer passes,
which include those already in the store), and evidence by the one verbatim rule
(``text.evidence.evidence_in``).

A name the registry resolves to one id becomes that id (the model wrote "UltraChat", the store
knows ``stingning/ultrachat``); a name it knows for several ids, or not at all, stays as
written, never a guess between candidates. A claim whose evidence is not in the document, or
whose source and target turn out to be one dataset, is dropped with a problem message; of two
claims of one (target, source) pair the more confident stays.
"""

from __future__ import annotations

from collections.abc import Mapping

from lineagekg.documents import Claim
from lineagekg.extract.names import NameRegistry
from lineagekg.llm.protocol import BackendAnswer
from lineagekg.text.evidence import evidence_in
from lineagekg.text.markdown import hub_id

__all__ = ["Grounding", "ground_claims"]


class Grounding:
    """What a model-backed backend grounds its answers with: the name registry of ``corpus``
    (when it has one) and of the alias table it is called with, built once per table."""

    def __init__(self, corpus: object | None = None) -> None:
        self.corpus = corpus
        self._registry: NameRegistry | None = None
        self._for: dict[str, str] | None = None

    def registry(self, aliases: Mapping[str, str]) -> NameRegistry:
        """The corpus's names plus ``aliases`` (the tracer's table: the corpus aliases and the
        names already in the store)."""
        if self._registry is None or self._for != aliases:
            extra = [*aliases.items(), *((i, i) for i in set(aliases.values()))]
            self._registry = NameRegistry.build(self.corpus, extra=extra)
            self._for = dict(aliases)
        return self._registry

    def answer(self, answer: BackendAnswer, aliases: Mapping[str, str], document_text: str,
               where: str) -> BackendAnswer:
        """``answer`` with its claims grounded (``ground_claims``) and the problems added."""
        claims, problems = ground_claims(answer.claims, self.registry(aliases), document_text, where)
        return BackendAnswer(claims=claims, problems=[*answer.problems, *problems], usage=answer.usage)


def _resolved(name: str, registry: NameRegistry, where: str, problems: list[str]) -> str:
    linked = hub_id(name)
    if linked:
        return linked
    found = registry.candidates(name)
    if len(found) == 1:
        return next(iter(found))
    if len(found) > 1:
        problems.append(f"{where}: {name!r} may be any of {', '.join(sorted(found))}; kept as written")
    return name


def ground_claims(claims: list[Claim], registry: NameRegistry, document_text: str,
                  where: str) -> tuple[list[Claim], list[str]]:
    """``claims`` with names resolved and the evidence rule applied; the problems met."""
    problems: list[str] = []
    best: dict[tuple[str, str], Claim] = {}
    for claim in claims:
        label = f"{where}: claim {claim.target} <- {claim.source}"
        if not evidence_in(document_text, claim.evidence):
            problems.append(f"{label}: its evidence is not a verbatim quote of the document; dropped")
            continue
        target = _resolved(claim.target, registry, label, problems)
        source = _resolved(claim.source, registry, label, problems)
        if target.lower() == source.lower():
            problems.append(f"{label}: source and target are both {target}; dropped")
            continue
        grounded = Claim(target=target, source=source, relation=claim.relation, confidence=claim.confidence,
                         evidence=claim.evidence, document=claim.document, source_split=claim.source_split)
        key = (target.lower(), source.lower())
        if key not in best or grounded.confidence > best[key].confidence:
            best[key] = grounded
    return list(best.values()), problems
