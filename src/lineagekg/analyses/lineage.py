"""``Lineage``: every analysis over one store, each defined in the module of its noun."""

from __future__ import annotations

from lineagekg.analyses.ancestry import Ancestry
from lineagekg.analyses.contamination import Contamination
from lineagekg.analyses.datasets import Datasets
from lineagekg.analyses.evidence import Evidence
from lineagekg.analyses.export import Export
from lineagekg.analyses.neighbourhood import Neighbourhood
from lineagekg.analyses.redundancy import Redundancy
from lineagekg.analyses.structure import Structure
from lineagekg.analyses.tree import Trees


class Lineage(Ancestry, Contamination, Redundancy, Structure, Datasets, Neighbourhood, Evidence, Trees, Export):
    """The analyses over one store (``Lineage(store, index=True)`` for a long-lived caller)."""
