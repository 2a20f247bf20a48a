"""A large import cut into chunks that are each validated against the store and committed on
their own, so that memory is bounded by a chunk, not by the batch.

Datasets are put in topological order so that every chunk's parents are in the store or in an
earlier chunk, and each chunk validates against the store alone: the unit of ordering is a
dataset with its splits (a split goes with its whole) and the derivations whose target it is;
units that need each other (a split derived from a dataset derived from the split's whole) are
one unit. Chunks hold whole units, about ``size`` datasets each, in a deterministic order: the
same batch cut at the same size gives the same chunks, which is what lets a rerun skip the
chunks a killed run committed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from lineagekg.errors import ConfigError
from lineagekg.model import Dataset, Derivation
from lineagekg.validation import strongly_connected


@dataclass(frozen=True)
class Chunk:
    """One all-or-nothing write of a chunked import: its datasets (splits with their whole) and
    the derivations whose target is one of them."""

    number: int                      # 1-based
    of: int                          # how many chunks the batch has
    datasets: tuple[Dataset, ...]
    derivations: tuple[Derivation, ...]

    def describe(self) -> str:
        """``chunk 3 of 20 (50,000 datasets, a/b ... c/d)``: how messages name it."""
        span = f"{self.datasets[0].identifier} ... {self.datasets[-1].identifier}" if self.datasets else "no datasets"
        return f"chunk {self.number} of {self.of} ({len(self.datasets):,} datasets, {span})"


def plan(datasets: Sequence[Dataset], derivations: Sequence[Derivation], size: int) -> list[Chunk]:
    """``datasets`` and ``derivations`` cut into chunks of about ``size`` datasets (whole units,
    so a chunk may hold a few more), each after the chunks holding its parents.

    Raises:
        ConfigError: ``size`` is not a positive number.
    """
    if size < 1:
        raise ConfigError(f"a chunk must hold at least one dataset, not {size}",
                          hint="give --commit-every N with N >= 1")
    index = {d.identifier: i for i, d in enumerate(datasets)}

    def whole_of(i: int) -> int:
        seen = {i}
        while (whole := datasets[i].split_of) is not None and whole in index and index[whole] not in seen:
            i = index[whole]
            seen.add(i)
        return i

    unit = [whole_of(i) for i in range(len(datasets))]

    def needs_of(unit: list[int]) -> dict[int, set[int]]:
        needs: dict[int, set[int]] = {}
        for dv in derivations:
            if dv.target in index and dv.source in index:
                t, s = unit[index[dv.target]], unit[index[dv.source]]
                if t != s:
                    needs.setdefault(t, set()).add(s)
        return needs

    needs = needs_of(unit)
    # units that need each other are one unit (their first member's)
    merged = {m: min(c) for c in strongly_connected(needs) for m in c}
    if merged:
        unit = [merged.get(u, u) for u in unit]
        needs = needs_of(unit)
    members: dict[int, list[int]] = {}
    for i, u in enumerate(unit):
        members.setdefault(u, []).append(i)
    waiting = {u: len(needs.get(u, ())) for u in members}
    needed_by: dict[int, list[int]] = {}
    for u, sources in needs.items():
        for s in sources:
            needed_by.setdefault(s, []).append(u)
    ready = deque(u for u in members if waiting[u] == 0)   # in the batch's own order
    order: list[int] = []
    while ready:
        u = ready.popleft()
        order.append(u)
        for v in needed_by.get(u, ()):
            waiting[v] -= 1
            if waiting[v] == 0:
                ready.append(v)
    order += [u for u in members if waiting[u] > 0]        # none: the merged units make a DAG
    edges_of: dict[int, list[Derivation]] = {}
    for dv in derivations:
        # an edge whose target is not in the batch goes last (after every source it may need)
        edges_of.setdefault(unit[index[dv.target]] if dv.target in index else -1, []).append(dv)
    parts: list[tuple[list[Dataset], list[Derivation]]] = []
    current: tuple[list[Dataset], list[Derivation]] = ([], [])
    for u in order:
        current[0].extend(datasets[i] for i in members[u])
        current[1].extend(edges_of.get(u, ()))
        if len(current[0]) >= size:
            parts.append(current)
            current = ([], [])
    if current[0] or not parts:
        parts.append(current)
    parts[-1][1].extend(edges_of.get(-1, ()))
    return [Chunk(number=n, of=len(parts), datasets=tuple(ds), derivations=tuple(dv))
            for n, (ds, dv) in enumerate(parts, 1)]
