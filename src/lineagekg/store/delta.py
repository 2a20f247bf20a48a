"""What a write changes, as one value: every write path (import, trace, review, SPARQL Update,
Graph Store) computes one and hands it to ``OxigraphStore.write``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Delta:
    """Quads added and removed, named graphs created and dropped (pyoxigraph terms)."""

    added: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)
    created: set[Any] = field(default_factory=set)
    dropped: set[Any] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.created or self.dropped)
