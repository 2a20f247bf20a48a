"""The lineage relation taxonomy, read from the ontology (never restated in code).

The paper's five relations are the direct sub-properties of ``prov:wasDerivedFrom``; the finer
ones sit under them. Each carries ``lk:paperLabel`` (the paper's JSONL names) or
``lk:fineLabel`` (the names of the hand-checked labels).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rdflib import RDFS, Literal, URIRef
from rdflib.namespace import PROV

from lineagekg.resources import ontology_graph
from lineagekg.vocab import LK


@dataclass(frozen=True)
class Relation:
    """One relation of the taxonomy."""

    iri: str
    name: str                 # local name, e.g. "filteredFrom"
    label: str                # "filtered from"
    top: str                  # local name of the paper-level relation above (itself for the five)
    paper_label: str | None   # "Direct Inclusion/Subset" on the five
    fine_label: str | None    # "filtering" on the finer ones
    supers: tuple[str, ...]   # IRIs of every relation above it, up to the paper's five


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


@functools.cache
def relations() -> dict[str, Relation]:
    """Every relation under ``prov:wasDerivedFrom``, by local name."""
    g = ontology_graph()
    base = str(LK).rstrip("#") + "#" if not str(LK).endswith("#") else str(LK)
    parent: dict[URIRef, URIRef] = {}
    for prop, sup in g.subject_objects(RDFS.subPropertyOf):
        if isinstance(prop, URIRef) and str(prop).startswith(base) and isinstance(sup, URIRef):
            parent[prop] = sup

    def chain_of(prop: URIRef) -> list[URIRef] | None:
        """prop and the relations above it, ending at a direct sub-property of wasDerivedFrom."""
        chain = [prop]
        while prop in parent and len(chain) < 32:
            if parent[prop] == PROV.wasDerivedFrom:
                return chain
            prop = parent[prop]
            chain.append(prop)
        return None

    found: dict[str, Relation] = {}
    for prop in parent:
        chain = chain_of(prop)
        if chain is None:
            continue
        top = chain[-1]
        paper = g.value(prop, LK.paperLabel)
        fine = g.value(prop, LK.fineLabel)
        label = g.value(prop, RDFS.label)
        name = str(prop)[len(base):]
        found[name] = Relation(
            iri=str(prop), name=name, label=str(label) if label else name,
            top=str(top)[len(base):],
            paper_label=str(paper) if isinstance(paper, Literal) else None,
            fine_label=str(fine) if isinstance(fine, Literal) else None,
            supers=tuple(str(p) for p in chain[1:]))
    return found


def paper_relations() -> dict[str, Relation]:
    """The paper's five, by local name."""
    return {n: r for n, r in relations().items() if r.top == n}


@functools.cache
def _by_label() -> dict[str, Relation]:
    index: dict[str, Relation] = {}
    for rel in relations().values():
        for key in (rel.name, rel.label, rel.paper_label, rel.fine_label):
            if key:
                index[_normal(key)] = rel
    # the paper writes "Direct Inclusion / Subset" and "Direct Inclusion/Subset" alike, and
    # its parts on their own
    for rel in paper_relations().values():
        if rel.paper_label:
            for part in rel.paper_label.split("/"):
                index.setdefault(_normal(part), rel)
    return index


def resolve(label: str) -> Relation | None:
    """The relation a paper label, fine label or local name stands for; None if unknown.

    >>> resolve("Direct Inclusion / Subset").name, resolve("translation").name
    ('includedFrom', 'translatedFrom')
    >>> resolve("teleportation") is None
    True
    """
    return _by_label().get(_normal(label))


def known_labels() -> list[str]:
    """The labels an importer accepts, for error messages."""
    return sorted({r.paper_label for r in relations().values() if r.paper_label}
                  | {r.fine_label for r in relations().values() if r.fine_label})
