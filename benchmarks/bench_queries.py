"""Lineage queries at scale: lineagekg's Oxigraph store against networkx and rdflib.

Builds a synthetic, seeded lineage DAG of N datasets as lineagekg model objects, turns it into
the project's PROV-O quads (plain, typed and qualified derivations) with
``lineagekg.provenance.batch_quads``, and times

* loading: ``OxigraphStore.bulk_load``; the SHACL-validated ``OxigraphStore.import_quads`` (at
  one size, on a closed slice); a networkx ``DiGraph`` from the same edges; rdflib parsing the
  same triples as N-Triples written by pyoxigraph;
* the lineage analyses of ``sparql/analyses`` (ancestors, descendants, roots, contamination,
  path, shared-roots): through ``store.select`` with the library query, the same SPARQL text in
  rdflib with ``initBindings``, and the equivalent networkx traversal;
* Oxigraph variants, to find what makes a slow query slow: the library query with its
  parameters written into the text as constants instead of pyoxigraph's ``substitutions``, and
  the rewritten queries in ``benchmarks/candidates/`` (both ways).

Every answer is checked against networkx (the in-process reference); any disagreement exits
non-zero. Times are medians in milliseconds; the ratios to networkx are what to compare across
machines. Nothing here is a timed assertion.

    python benchmarks/bench_queries.py [--sizes 10000 100000] [--repeat 5]
                                       [--out benchmarks/results/queries.md]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import multiprocessing as mp
import os
import platform
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import rdflib
from rdflib.plugins.sparql import prepareQuery

from lineagekg import __version__ as LINEAGEKG_VERSION
from lineagekg import iris, taxonomy
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.queries import SPARQLQuery, library
from lineagekg.store.oxigraph import OxigraphStore, open_store

HERE = Path(__file__).resolve().parent

# ----------------------------------------------------------------------------------------------
# The synthetic lineage graph
# ----------------------------------------------------------------------------------------------

DOMAINS = [("General", 30), ("Math", 15), ("Code", 15), ("Reasoning", 10), ("Science", 8),
           ("Multilingual", 8), ("Medical", 5), ("Safety", 5), ("ToolUse", 4)]
RELATION_WEIGHTS = {
    "includedFrom": 10, "filteredFrom": 15, "subsetOf": 6, "extractedFrom": 4,
    "deduplicatedFrom": 3, "decontaminatedFrom": 2, "annotatedFrom": 4,
    "preferenceLabelledFrom": 3, "fusedFrom": 8, "generatedFrom": 8, "seededFrom": 5,
    "evolvedFrom": 4, "translatedFrom": 5, "rewrittenFrom": 5, "augmentedFrom": 4,
    "distilledFrom": 10,
}
TEACHERS = ["gpt-4o", "llama-3-70b-instruct", "qwen2.5-72b-instruct", "deepseek-r1", "mixtral-8x22b"]
TERMINAL_REASONS = ["NoSourceFound", "BeforeCutoff", "NotOnHub"]


@dataclass
class Synthetic:
    """A generated lineage graph: the batch of model objects, and its plain structure (node
    indices) for the references. Datasets are nodes 0..n-1; benchmark splits follow."""

    n: int
    seed: int
    batch: LineageBatch
    documents: list[DocumentRef]
    iri: list[str]                      # node -> IRI
    sources: list[list[int]]            # node -> direct sources
    depth: list[int]                    # node -> longest chain of sources above it
    domain: list[str]
    benchmarks: list[int]
    split_of: dict[int, int]            # split node -> benchmark node
    splits_of: dict[int, list[int]] = field(default_factory=dict)

    def edges(self) -> list[tuple[str, str]]:
        """(target IRI, source IRI): the direction of prov:wasDerivedFrom."""
        return [(self.iri[t], self.iri[s]) for t, ss in enumerate(self.sources) for s in ss]

    def nodes(self) -> list[str]:
        return [self.iri[i] for i in range(len(self.iri)) if self.present(i)]

    def present(self, i: int) -> bool:
        return i < self.n or (i in self.split_of and self.split_of[i] < self.n)

    def prefix(self, m: int) -> Synthetic:
        """The first ``m`` datasets and their splits, as a batch of its own: sources are always
        earlier datasets, so the slice is closed under lineage."""
        keep = {i for i in range(len(self.iri)) if i < m or self.split_of.get(i, m) < m}
        index = {d.identifier: i for i, d in enumerate(self.batch.datasets)}
        datasets = tuple(d for d in self.batch.datasets if index[d.identifier] in keep)
        derivations = tuple(d for d in self.batch.derivations if index[d.target] in keep)
        targets = {d.target for d in derivations}
        batch = LineageBatch(graph=f"{self.batch.graph}-first-{m}", datasets=datasets,
                             derivations=derivations, run=self.batch.run)
        return Synthetic(n=m, seed=self.seed, batch=batch,
                         documents=[doc for doc in self.documents if doc.title in targets],
                         iri=self.iri,
                         sources=[s if i in keep else [] for i, s in enumerate(self.sources)],
                         depth=self.depth, domain=self.domain,
                         benchmarks=[b for b in self.benchmarks if b < m],
                         split_of={s: b for s, b in self.split_of.items() if b < m})


def generate(n: int, seed: int) -> Synthetic:
    """A lineage DAG of ``n`` datasets, deterministic for (n, seed).

    Datasets arrive in time order. A few hundred are roots (the first ones, then a trickle);
    every other dataset has 1-4 sources (2% have 5-12), all earlier: a primary source that is
    either a recent dataset of its domain (this makes chains deep) or a popular one
    (preferential attachment: benchmarks and big corpora get derived a lot), then extra sources
    that are ancestors of the primary (diamonds, as in real mixtures), popular datasets, or
    recent datasets of any domain. About 2.5 edges per dataset, maximum depth ~20-35. Root
    benchmarks get a ``test`` split, which some datasets derive from instead of the whole.
    """
    rng = random.Random(seed)
    names = [d for d, _ in DOMAINS]
    weights = [w for _, w in DOMAINS]
    by_domain: dict[str, list[int]] = {d: [] for d in names}
    popular_in: dict[str, list[int]] = {d: [] for d in names}   # preferential-attachment urns
    popular: list[int] = []
    n_early_roots = 150 + n // 500
    sources: list[list[int]] = []
    depth: list[int] = []
    domain: list[str] = []
    is_bench: list[bool] = []

    def recent(lst: list[int]) -> int:
        # scale-free recency: mostly among the latest ~15% of the list
        return lst[min(len(lst) - 1, int(len(lst) * (1 - rng.random() ** 6)))]

    for i in range(n):
        d = rng.choices(names, weights)[0]
        lst = by_domain[d]
        if i < n_early_roots or not lst or rng.random() < 0.003:
            srcs: list[int] = []
            bench = rng.random() < 0.25
            weight = 8 if bench else 2
        else:
            r = rng.random()
            k = 1 if r < .25 else 2 if r < .55 else 3 if r < .78 else 4
            if rng.random() < 0.02:
                k = rng.randint(5, 12)
            p = recent(lst) if rng.random() < 0.4 else rng.choice(popular_in[d])
            srcs = [p]
            tries = 0
            while len(srcs) < k and tries < 20:
                tries += 1
                x = rng.random()
                if x < 0.5:                       # an ancestor of the primary: a diamond
                    cand = p
                    for _ in range(rng.randint(1, 3)):
                        if not sources[cand]:
                            break
                        cand = rng.choice(sources[cand])
                elif x < 0.92:                    # a popular dataset, mostly of the same domain
                    cand = rng.choice(popular_in[d] if rng.random() < 0.7 else popular)
                else:                             # a recent dataset of any domain
                    other = by_domain[rng.choices(names, weights)[0]]
                    if not other:
                        continue
                    cand = recent(other)
                if cand not in srcs:
                    srcs.append(cand)
            bench = rng.random() < 0.004
            weight = 3 if bench else 0
        urn = srcs + [i] * weight
        popular.extend(urn)
        popular_in[d].extend(urn)
        sources.append(srcs)
        depth.append(1 + max((depth[s] for s in srcs), default=-1))
        domain.append(d)
        is_bench.append(bench)
        lst.append(i)

    ids: list[str] = []
    on_hub: list[bool] = []
    for i in range(n):
        if not sources[i] and rng.random() < 0.05:
            ids.append(f"Web corpus {i}")          # not on the Hub: a project IRI
            on_hub.append(False)
        else:
            ids.append(f"org-{rng.randrange(800):03d}/{domain[i].lower()}-{i:06d}")
            on_hub.append(True)
    benchmarks = [i for i in range(n) if is_bench[i]]
    split_of: dict[int, int] = {}
    for b in benchmarks:
        if not sources[b]:
            split_of[n + len(split_of)] = b
    split_index = {b: s for s, b in split_of.items()}
    for srcs in sources:  # some derive from the benchmark's test split rather than all of it
        for j, s in enumerate(srcs):
            if s in split_index and rng.random() < 0.3 and split_index[s] not in srcs:
                srcs[j] = split_index[s]
    sources.extend([] for _ in split_of)
    depth.extend(0 for _ in split_of)
    domain.extend(domain[b] for b in split_of.values())
    ids.extend(f"{ids[b]}::test" for b in split_of.values())

    datasets: list[Dataset] = []
    for i in range(n):
        root = not sources[i]
        doms: tuple[str, ...] = (domain[i],)
        if not root and rng.random() < 0.1:
            extra = rng.choices(names, weights)[0]
            doms = doms if extra == domain[i] else (domain[i], extra)
        datasets.append(Dataset(
            identifier=ids[i], label=f"{domain[i]} set {i}", on_hub=on_hub[i],
            is_benchmark=is_bench[i], domains=doms,
            origin=rng.choice(["Synthetic", "HumanMade", "Mixed"]),
            year=2016 + (9 * i) // n,            # sources are never later than what uses them
            downloads=int(rng.paretovariate(1.2) * 10), is_terminal=True if root else None,
            terminal_reason=rng.choice(TERMINAL_REASONS) if root and rng.random() < 0.9 else None,
            terminal_note="source paper not found" if root and rng.random() < 0.05 else None))
    for s, b in split_of.items():
        datasets.append(Dataset(identifier=ids[s], label=f"{datasets[b].label} (test)",
                                domains=datasets[b].domains, year=datasets[b].year,
                                split_of=ids[b], split_name="test"))
    rel_names = [r for r in taxonomy.relations() if r in RELATION_WEIGHTS]
    rel_weights = [RELATION_WEIGHTS[r] for r in rel_names]
    derivations: list[Derivation] = []
    documents: list[DocumentRef] = []
    for t in range(n):
        if not sources[t]:
            continue
        readme = f"https://huggingface.co/datasets/{ids[t]}/blob/main/README.md"
        documents.append(DocumentRef(iri=readme, title=ids[t], kind="HuggingFace README"))
        for s in sources[t]:
            rel = rng.choices(rel_names, rel_weights)[0]
            teacher = (rng.choice(TEACHERS) if rel in ("distilledFrom", "generatedFrom", "seededFrom")
                       and rng.random() < 0.6 else None)
            derivations.append(Derivation(
                target=ids[t], source=ids[s], relation=rel,
                confidence=round(rng.uniform(0.5, 1.0), 2),
                evidence=f"The dataset card of {ids[t]} says it was built from {ids[s]}.",
                documents=(readme,), source_kinds=("HuggingFace README",), teacher_model=teacher,
                review_status="Accepted" if rng.random() < 0.1 else "Unreviewed"))
    key = f"synthetic-{n}-{seed}"
    run = AgentRun(iri=iris.activity_iri("import", key), kind="ImportRun",
                   agent_iri=iris.agent_iri("lineagekg-bench", LINEAGEKG_VERSION),
                   agent_label=f"lineagekg benchmark generator {LINEAGEKG_VERSION}",
                   started_at="2025-01-01T00:00:00Z", ended_at="2025-01-01T00:01:00Z")
    batch = LineageBatch(graph=iris.graph_iri("import", key), datasets=tuple(datasets),
                         derivations=tuple(derivations), run=run)
    iri_of = batch.iri_map()
    syn = Synthetic(n=n, seed=seed, batch=batch, documents=documents,
                    iri=[iri_of[x] for x in ids], sources=sources, depth=depth, domain=domain,
                    benchmarks=benchmarks, split_of=split_of)
    for s, b in split_of.items():
        syn.splits_of.setdefault(b, []).append(s)
    return syn


def quads_of(syn: Synthetic) -> list[ox.Quad]:
    return batch_quads(syn.batch, extra_documents=syn.documents)


# ----------------------------------------------------------------------------------------------
# The analyses: parameters, the networkx reference, the canonical answer of each engine
# ----------------------------------------------------------------------------------------------

@dataclass
class Case:
    """One analysis on one graph: the library query, its parameters, the reference."""

    query: str                               # library name of the .rq
    params: dict[str, str]
    about: str                               # the parameters in words, for the table
    reference: Callable[[nx.DiGraph], Any]   # the networkx computation (timed)
    units: str


def _b(v: Any) -> bool:
    return v is True or str(v).lower() == "true"


# rows (dicts of plain values) -> an answer comparable with the networkx reference
CANON: dict[str, Callable[[list[dict[str, Any]]], Any]] = {
    "ancestors": lambda rows: {r["ancestor"]: _b(r["isRoot"]) for r in rows},
    "descendants": lambda rows: {r["descendant"]: _b(r["isLeaf"]) for r in rows},
    "roots": lambda rows: {r["root"] for r in rows},
    "shared-roots": lambda rows: {r["root"] for r in rows},
    "contamination": lambda rows: {(r["dataset"], r["next"]) for r in rows},
    "path": lambda rows: ({(r["target"], r["source"]) for r in rows},
                          {r["goal"] for r in rows if r.get("goal")}),
}


def size_of(query: str, answer: Any) -> int:
    if query == "contamination":
        return len({d for d, _ in answer})
    return len(answer[0]) if query == "path" else len(answer)


def _roots(g: nx.DiGraph, x: str) -> set[str]:
    up = nx.descendants(g, x)
    up.add(x)
    return {a for a in up if g.out_degree(a) == 0}


def ref_ancestors(x: str) -> Callable[[nx.DiGraph], Any]:
    # the graph's edges go target -> source: a dataset's lineage ancestors are its descendants
    return lambda g: {a: g.out_degree(a) == 0 for a in nx.descendants(g, x)}


def ref_descendants(x: str) -> Callable[[nx.DiGraph], Any]:
    return lambda g: {d: g.in_degree(d) == 0 for d in nx.ancestors(g, x)}


def ref_roots(x: str) -> Callable[[nx.DiGraph], Any]:
    return lambda g: _roots(g, x)


def ref_shared_roots(a: str, b: str) -> Callable[[nx.DiGraph], Any]:
    return lambda g: _roots(g, a) & _roots(g, b)


def ref_contamination(reached: list[str]) -> Callable[[nx.DiGraph], Any]:
    def run(g: nx.DiGraph) -> Any:
        hit: set[str] = set()
        for r in reached:
            hit |= nx.ancestors(g, r)
        ok = hit | set(reached)
        return {(d, nxt) for d in hit for nxt in g.successors(d) if nxt in ok}
    return run


def ref_path(a: str, goals: list[str]) -> Callable[[nx.DiGraph], Any]:
    """The corridor (every edge on some path from a up to the goal: the upstream dataset or one
    of its splits), and a shortest witness path through it, which must lie in the corridor."""
    def run(g: nx.DiGraph) -> Any:
        up = set(goals).union(*(nx.ancestors(g, x) for x in goals))
        between = (nx.descendants(g, a) | {a}) & up
        corridor = {(t, s) for t in between for s in g.successors(t) if s in up}
        reached = {x for x in goals if x in between}
        witness = min((nx.shortest_path(g, a, x) for x in reached), key=len)
        if not set(itertools.pairwise(witness)) <= corridor:
            raise Mismatch("networkx's shortest path leaves the corridor")
        return corridor, reached
    return run


def pick_cases(syn: Synthetic, g: nx.DiGraph) -> list[Case]:
    """Parameters chosen from the graph's shape, deterministically."""
    iri = syn.iri
    index = {x: i for i, x in enumerate(iri)}
    nodes = [i for i in range(len(iri)) if syn.present(i)]
    deep = max(nodes, key=lambda i: (syn.depth[i], -i))
    deep_iri = iri[deep]
    deep_up = nx.descendants(g, deep_iri)
    roots = [i for i in nodes if not syn.sources[i]]
    # preferential attachment makes the earliest roots and benchmarks the most used: past a
    # thousand candidates (the million run), only the first thousand are searched
    big_root = max(roots[:1000], key=lambda i: (len(nx.ancestors(g, iri[i])), -i))

    def reached_of(b: int) -> list[str]:
        return [iri[b]] + [iri[s] for s in syn.splits_of.get(b, [])]

    def contaminated(b: int) -> int:
        return len(set().union(*(nx.ancestors(g, r) for r in reached_of(b))))
    bench = max(syn.benchmarks[:1000], key=lambda b: (contaminated(b), -b))
    dist = nx.single_source_shortest_path_length(g, deep_iri)
    far = max(deep_up, key=lambda a: (dist[a], a))          # the furthest ancestor, in hops
    deep_roots = _roots(g, deep_iri)
    second = next(i for i in sorted(nodes, key=lambda i: (-syn.depth[i], i))
                  if i != deep and iri[i] not in deep_up and syn.domain[i] != syn.domain[deep]
                  and deep_iri not in nx.descendants(g, iri[i])
                  and _roots(g, iri[i]) & deep_roots)
    return [
        Case("ancestors", {"dataset": deep_iri}, f"deepest dataset (depth {syn.depth[deep]})",
             ref_ancestors(deep_iri), "ancestors"),
        Case("descendants", {"dataset": iri[big_root]}, "root with the most descendants",
             ref_descendants(iri[big_root]), "descendants"),
        Case("roots", {"dataset": deep_iri}, f"deepest dataset (depth {syn.depth[deep]})",
             ref_roots(deep_iri), "roots"),
        Case("contamination", {"benchmark": iri[bench]},
             f"most reached benchmark (and its {len(syn.splits_of.get(bench, []))} split)",
             ref_contamination(reached_of(bench)), "datasets"),
        Case("path", {"from": deep_iri, "to": far},
             f"deepest dataset to its furthest ancestor ({dist[far]} hops)",
             ref_path(deep_iri, [far] + [iri[s] for s in syn.splits_of.get(index[far], [])]),
             "corridor edges"),
        Case("shared-roots", {"a": deep_iri, "b": iri[second]},
             f"two unrelated deep datasets (depth {syn.depth[deep]} and {syn.depth[second]})",
             ref_shared_roots(deep_iri, iri[second]), "shared roots"),
    ]


def inlined(query: SPARQLQuery, params: dict[str, str]) -> SPARQLQuery:
    """The same query with its parameters written into the text as constants (the optimiser
    sees them), instead of pyoxigraph ``substitutions`` (applied after planning): ``$name``
    becomes ``(<iri> AS ?name)`` in a projection (of the query or a subquery), leaves GROUP BY,
    and is ``<iri>`` everywhere else. Terms are serialised by pyoxigraph, which validated them."""
    terms = {v.value: str(t) for v, t in query.bind(params).items()}
    if not terms:
        return query
    text = "\n".join(line for line in query.text.splitlines() if not line.startswith("#+"))
    var = re.compile(r"\$(" + "|".join(map(re.escape, terms)) + r")\b")
    text = re.sub(r"\bSELECT\b.*?\bWHERE\b",
                  lambda m: var.sub(lambda v: f"({terms[v.group(1)]} AS ?{v.group(1)})", m.group(0)),
                  text, flags=re.IGNORECASE | re.DOTALL)
    text = re.sub(r"\bGROUP\s+BY\b[^\n}]*", lambda m: var.sub("", m.group(0)), text,
                  flags=re.IGNORECASE)
    return SPARQLQuery.from_text(query.name + " (inlined)", var.sub(lambda v: terms[v.group(1)], text))


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------

class Mismatch(Exception):
    pass


@dataclass
class Timing:
    status: str                  # ok | timeout | error | skipped
    times: list[float] = field(default_factory=list)   # ms
    answer: Any = None
    detail: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.status == "ok" and self.times else None


def _child(conn: Any, run: Callable[[], Any], canon: Callable[[Any], Any]) -> None:
    try:
        t0 = time.perf_counter()
        rows = run()
        elapsed = (time.perf_counter() - t0) * 1000
        conn.send(("ok", elapsed, canon(rows)))
    except BaseException:  # noqa: BLE001 -- reported to the parent
        conn.send(("error", 0.0, traceback.format_exc()))
    finally:
        conn.close()


def measure(run: Callable[[], Any], canon: Callable[[Any], Any], *, repeat: int,
            timeout_s: float, budget_s: float) -> Timing:
    """The first run in a forked child (it shares the loaded store or graph), stopped after
    ``timeout_s``; then up to ``repeat`` timed runs in this process while they fit in
    ``budget_s`` (a run slower than the budget is reported from its single first run)."""
    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, run, canon))
    proc.start()
    sender.close()
    if not receiver.poll(timeout_s):
        proc.kill()
        proc.join()
        return Timing("timeout")
    try:
        status, first, answer = receiver.recv()
    except EOFError:
        proc.join()
        return Timing("error", detail=f"the child process died (exit code {proc.exitcode})")
    proc.join()
    if status == "error":
        return Timing("error", detail=answer)
    times: list[float] = []
    spent = first / 1000
    while len(times) < repeat and spent + first / 1000 <= budget_s:
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
        spent += times[-1] / 1000
    return Timing("ok", times or [first], answer)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """An untimed warm-up run (its result is returned), then ``repeat`` timed runs (ms)."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def rdflib_runner(graph: rdflib.Graph, text: str, params: dict[str, str]) -> Callable[[], Any]:
    prepared = prepareQuery(text)          # parsed once, like a prepared statement
    init = {rdflib.Variable(k): rdflib.URIRef(v) for k, v in params.items()}

    def run() -> list[dict[str, Any]]:
        res = graph.query(prepared, initBindings=init)
        names = [str(v) for v in res.vars]
        return [{k: (None if row[k] is None else row[k].toPython()
                     if isinstance(row[k], rdflib.Literal) else str(row[k])) for k in names}
                for row in res]
    return run


def compare(what: str, got: Any, want: Any) -> None:
    if got == want:
        return
    if isinstance(got, dict) and isinstance(want, dict):
        flags = sorted(k for k in set(got) & set(want) if got[k] != want[k])
        detail = (f"missing {len(set(want) - set(got))} {sorted(set(want) - set(got))[:3]}, "
                  f"extra {len(set(got) - set(want))} {sorted(set(got) - set(want))[:3]}, "
                  f"different flags {len(flags)} {flags[:3]}")
    elif isinstance(got, set) and isinstance(want, set):
        detail = (f"missing {len(want - got)} {sorted(want - got)[:3]}, "
                  f"extra {len(got - want)} {sorted(got - want)[:3]}")
    else:
        detail = f"{got!r} != {want!r}"
    raise Mismatch(f"{what}: {detail}")


# ----------------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------------

def fmt_ms(ms: float | None) -> str:
    """A duration for a column headed 'ms' (seconds spelled out from 10 s)."""
    if ms is None:
        return "-"
    if ms >= 10_000:
        return f"{ms / 1000:,.1f} s"
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 1:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_time(ms: float) -> str:
    return f"{ms / 1000:,.1f} s" if ms >= 10_000 else f"{fmt_ms(ms)} ms"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    r = a / b
    return f"{r:,.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 1 else f"{r:.2f}×"


def fmt_n(x: int) -> str:
    if x >= 1_000_000:
        return f"{x / 1e6:.2f}M"
    if x >= 10_000:
        return f"{x / 1e3:.0f}k"
    return f"{x:,}"


def cell(t: Timing, repeat: int, timeout_s: float) -> str:
    if t.status == "ok":
        runs = f" (n={len(t.times)})" if len(t.times) < repeat else ""
        return fmt_ms(t.median) + runs
    if t.status == "timeout":
        return f"> {timeout_s:.0f} s"
    return t.status


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return [
        f"- Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}){mem}.",
        f"- Python {platform.python_version()}, pyoxigraph {ox.__version__}, rdflib "
        f"{rdflib.__version__}, networkx {nx.__version__}, lineagekg {LINEAGEKG_VERSION}.",
    ]


def library_version() -> str:
    """The commit of sparql/ the library queries come from (and whether they were edited since)."""
    import subprocess
    root = HERE.parent
    try:
        rev = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h", "--", "sparql"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "sparql"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "sparql/ (not a git checkout)"
    return f"`sparql/` at {rev}" + (" with uncommitted changes" if dirty else "")


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


# ----------------------------------------------------------------------------------------------
# One size
# ----------------------------------------------------------------------------------------------

def _normal(text: str) -> str:
    lines = (line.split("#", 1)[0] if not line.startswith("#") else "" for line in text.splitlines())
    return " ".join(" ".join(lines).split())


def candidates(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, list[tuple[str, SPARQLQuery]]]:
    """Rewritten queries to compare, by the library query they replace (file stem); a candidate
    the library has already adopted (same text but for comments) is skipped."""
    found: dict[str, list[tuple[str, SPARQLQuery]]] = {}
    if args.no_variants:
        return found
    for path in sorted(args.candidates.glob("*.rq")) if args.candidates.is_dir() else []:
        name = path.stem
        if _normal(path.read_text(encoding="utf-8")) == _normal(library().get(name).text):
            log(f"candidate {path.name} is the library's {name}.rq now: skipped")
            continue
        found.setdefault(name, []).append(
            (str(path.relative_to(HERE.parent)) if path.is_relative_to(HERE.parent) else str(path),
             SPARQLQuery.from_text(name, path.read_text(encoding="utf-8"), path)))
    return found


def run_size(n: int, args: argparse.Namespace, log: Callable[[str], None]) -> list[str]:
    t_size = time.perf_counter()
    t0 = time.perf_counter()
    syn = generate(n, args.seed)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    quads = quads_of(syn)
    t_quads = time.perf_counter() - t0
    n_quads = len(quads)
    edges = syn.edges()
    nodes = syn.nodes()
    roots = sum(1 for i in range(len(syn.iri)) if syn.present(i) and not syn.sources[i])
    log(f"[{n}] {len(nodes)} nodes, {len(edges)} edges in {t_gen:.1f} s; "
        f"{len(quads)} quads (batch_quads) in {t_quads:.1f} s")
    repeat = args.repeat
    small = n <= args.small_max

    # --- loading --------------------------------------------------------------------------------
    load_repeat = args.load_repeat or (3 if small else 1)
    ox_load: list[float] = []
    store: OxigraphStore | None = None
    for _ in range(load_repeat):
        store = None
        gc.collect()
        store = open_store(memory=True)          # the ontology graph is loaded here, untimed
        t0 = time.perf_counter()
        store.bulk_load(quads)
        ox_load.append((time.perf_counter() - t0) * 1000)
    assert store is not None
    n_store = len(store)
    log(f"[{n}] Oxigraph bulk_load {fmt_time(statistics.median(ox_load))}")

    def build_nx(es: list[tuple[str, str]], ns: list[str]) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(ns)
        g.add_edges_from(es)
        return g
    nx_load, g = timed(lambda: build_nx(edges, nodes), max(load_repeat, 3))
    nx_load_ms = statistics.median(nx_load)
    log(f"[{n}] networkx DiGraph {fmt_time(nx_load_ms)}")

    validated = None
    if n == args.validated_at:
        m = min(args.validated_size, n)
        sub = syn.prefix(m) if m < n else syn
        sub_quads = quads_of(sub)
        sub_edges, sub_nodes = sub.edges(), sub.nodes()
        vstore = open_store(memory=True)
        t0 = time.perf_counter()
        outcome = vstore.import_quads(sub_quads, sub.batch.graph)
        t_val = (time.perf_counter() - t0) * 1000
        if not outcome.accepted:
            raise Mismatch("the validated import rejected the synthetic batch: "
                           + "; ".join(r.describe() for r in outcome.report.violations[:5]))
        bstore = open_store(memory=True)
        t0 = time.perf_counter()
        bstore.bulk_load(sub_quads)
        t_bulk = (time.perf_counter() - t0) * 1000
        sub_nx, _ = timed(lambda: build_nx(sub_edges, sub_nodes), 3)
        warnings = len(outcome.report.warnings) if outcome.report else 0
        validated = (m, len(sub.batch.datasets), len(sub_quads), len(sub_edges), t_val, t_bulk,
                     statistics.median(sub_nx), warnings)
        del vstore, bstore, sub_quads
        log(f"[{n}] validated import_quads of the first {m} datasets: {fmt_time(t_val)}")

    nt_path = Path(tempfile.mkstemp(suffix=".nt", prefix="lineagekg-bench-")[1])
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    n_triples = len(triples)
    ox.serialize(triples, output=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
    del triples, quads
    gc.collect()

    # --- Oxigraph and networkx queries (before rdflib's graph makes forking heavier) ------------
    cases = pick_cases(syn, g)
    cands = candidates(args, log)
    timeout = args.oxigraph_timeout
    budget = args.budget
    results: dict[str, dict[str, Any]] = {}
    for case in cases:
        lib = library().get(case.query)
        nx_times, want = timed(lambda: case.reference(g), repeat)
        res: dict[str, Any] = {"nx": statistics.median(nx_times), "want": want}
        canon = CANON[case.query]

        def oxi(q: SPARQLQuery, params: dict[str, str], label: str) -> Timing:
            t = measure(lambda: store.select(q, **params), canon, repeat=repeat,
                        timeout_s=timeout, budget_s=budget)
            if t.status == "error":
                raise Mismatch(f"[{n}] {case.query}, Oxigraph {label}: failed\n{t.detail}")
            if t.status == "ok":
                compare(f"[{n}] {case.query}, Oxigraph {label} vs networkx", t.answer, want)
            log(f"[{n}] {case.query:13} Oxigraph {label}: {cell(t, repeat, timeout)} ms "
                f"(networkx {fmt_ms(res['nx'])} ms)")
            return t
        res["ox"] = oxi(lib, case.params, "library .rq, store.select")
        if not args.no_variants:
            res["ox_inlined"] = oxi(inlined(lib, case.params), {}, "library .rq, inlined")
            for name, cq in cands.get(case.query, []):
                res.setdefault("cands", []).append(
                    (name, oxi(cq, case.params, f"{name}, store.select"),
                     oxi(inlined(cq, case.params), {}, f"{name}, inlined")))
        results[case.query] = res

    # --- rdflib -----------------------------------------------------------------------------------
    rdf_repeat = args.rdflib_load_repeat
    rdf_load: list[float] = []
    rg: rdflib.Graph | None = None
    for _ in range(rdf_repeat):
        rg = None
        gc.collect()
        t0 = time.perf_counter()
        rg = rdflib.Graph()
        rg.parse(source=str(nt_path), format="nt")
        rdf_load.append((time.perf_counter() - t0) * 1000)
    nt_path.unlink()
    assert rg is not None
    n_rdflib = len(rg)
    log(f"[{n}] rdflib parse {fmt_time(statistics.median(rdf_load))} ({n_rdflib} triples)")
    rdflib_queries = None if small else set(args.rdflib_queries_large)
    for case in cases:
        res = results[case.query]
        if rdflib_queries is not None and case.query not in rdflib_queries:
            res["rdf"] = Timing("skipped")
            continue
        run = rdflib_runner(rg, library().get(case.query).text, case.params)
        t = measure(run, CANON[case.query], repeat=repeat, timeout_s=args.rdflib_timeout,
                    budget_s=budget)
        if t.status == "error":
            raise Mismatch(f"[{n}] {case.query}, rdflib: failed\n{t.detail}")
        if t.status == "ok":
            compare(f"[{n}] {case.query}, rdflib vs networkx", t.answer, res["want"])
        res["rdf"] = t
        log(f"[{n}] {case.query:13} rdflib: {cell(t, repeat, args.rdflib_timeout)} ms")
    del rg
    gc.collect()

    # --- the report -------------------------------------------------------------------------------
    out = [f"### {n:,} datasets", ""]
    out.append(
        f"Synthetic graph (seed {args.seed}): {n:,} datasets + {len(syn.split_of)} benchmark "
        f"splits, {len(edges):,} lineage edges ({len(edges) / n:.2f} per dataset), {roots} roots, "
        f"{len(syn.benchmarks)} benchmarks, maximum depth {max(syn.depth)}; {fmt_n(n_store)} "
        f"quads in the store (ontology included), {fmt_n(n_triples)} distinct data triples. "
        f"Building the model objects took {t_gen:.1f} s, `batch_quads` {t_quads:.1f} s.")
    out.append("")
    out.append("| load | what | time | runs | ÷ networkx build |")
    out.append("|---|---|---:|---:|---:|")
    ox_ms = statistics.median(ox_load)
    out.append(f"| Oxigraph `bulk_load` (in memory) | {fmt_n(n_quads)} quads | "
               f"{fmt_time(ox_ms)} | {len(ox_load)} | {fmt_ratio(ox_ms, nx_load_ms)} |")
    if validated:
        m, m_ds, vq, ve, t_val, t_bulk, sub_nx_ms, warnings = validated
        scope = f"all {m:,} datasets" if m >= n else f"first {m:,} datasets only ({m_ds} with splits)"
        out.append(f"| Oxigraph `import_quads` (SHACL, then write) | {scope}: {fmt_n(vq)} quads, "
                   f"{fmt_n(ve)} edges | {fmt_time(t_val)} | 1 | {fmt_ratio(t_val, sub_nx_ms)} "
                   f"(of that slice) |")
        out.append(f"| Oxigraph `bulk_load` of the same slice | {fmt_n(vq)} quads | "
                   f"{fmt_time(t_bulk)} | 1 | {fmt_ratio(t_bulk, sub_nx_ms)} (of that slice) |")
    out.append(f"| networkx `DiGraph` build | {fmt_n(len(edges))} edges | {fmt_time(nx_load_ms)} | "
               f"{len(nx_load)} | 1.0× |")
    rdf_ms = statistics.median(rdf_load)
    out.append(f"| rdflib `Graph.parse` (N-Triples written by pyoxigraph) | {fmt_n(n_rdflib)} "
               f"triples | {fmt_time(rdf_ms)} | {len(rdf_load)} | {fmt_ratio(rdf_ms, nx_load_ms)} |")
    out.append("")
    out.append("| query | parameters | answer | lineagekg (Oxigraph) ms | networkx ms | rdflib ms "
               "| lineagekg ÷ networkx | rdflib ÷ networkx |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        res = results[case.query]
        nx_ms = res["nx"]
        out.append(
            f"| {case.query} | {case.about} | {fmt_n(size_of(case.query, res['want']))} {case.units} "
            f"| {cell(res['ox'], repeat, timeout)} | {fmt_ms(nx_ms)} "
            f"| {cell(res['rdf'], repeat, args.rdflib_timeout) if res['rdf'].status != 'skipped' else 'not run'} "
            f"| {fmt_ratio(res['ox'].median, nx_ms)} | {fmt_ratio(res['rdf'].median, nx_ms)} |")
    out.append("")
    if not args.no_variants:
        out.append("Oxigraph variants (ms, and ÷ networkx): the library query through `store.select` "
                   "(parameters bound with pyoxigraph `substitutions`), the same text with the "
                   "parameters written in as constants, and the rewritten candidates in "
                   "`benchmarks/candidates/` both ways.")
        out.append("")
        out.append("| query | library, store.select | library, inlined | candidate | "
                   "candidate, store.select | candidate, inlined |")
        out.append("|---|---:|---:|---|---:|---:|")

        def vc(t: Timing, nx_ms: float) -> str:
            c = cell(t, repeat, timeout)
            return c if t.median is None else f"{c} ({fmt_ratio(t.median, nx_ms)})"
        for case in cases:
            res = results[case.query]
            base = f"| {case.query} | {vc(res['ox'], res['nx'])} | {vc(res['ox_inlined'], res['nx'])} |"
            cands_of = res.get("cands") or [("-", None, None)]
            for name, t_sub, t_val in cands_of:
                if t_sub is None:
                    out.append(f"{base} - | - | - |")
                else:
                    out.append(f"{base} `{name}` | {vc(t_sub, res['nx'])} | {vc(t_val, res['nx'])} |")
        out.append("")
    notes = []
    if validated and validated[0] < n:
        notes.append(f"The SHACL-validated import is measured on the first {validated[0]:,} datasets "
                     f"(a slice closed under lineage), not all {n:,}: pySHACL's time grows much "
                     f"faster than the batch (`--validated-size`).")
    if rdflib_queries is not None:
        notes.append(f"At this size rdflib runs only {', '.join(sorted(rdflib_queries))} "
                     f"(`--rdflib-queries-large`).")
    notes.append(f"A run is stopped after {timeout:.0f} s (Oxigraph) or {args.rdflib_timeout:.0f} s "
                 f"(rdflib); `n=` marks medians of fewer than {repeat} runs (slow runs are repeated "
                 f"only within a {budget:.0f} s budget).")
    notes.append(f"Time for this size: {time.perf_counter() - t_size:.0f} s; peak memory so far "
                 f"{peak_rss_gib():.1f} GiB.")
    out += [f"- {note}" for note in notes]
    out.append("")
    return out


# ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000],
                    help="numbers of datasets (default: 10000 100000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per query (median reported)")
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "queries.md")
    ap.add_argument("--small-max", type=int, default=20_000,
                    help="sizes up to this get 3 load runs and every rdflib query")
    ap.add_argument("--load-repeat", type=int, default=0, help="runs of each Oxigraph/networkx load")
    ap.add_argument("--rdflib-load-repeat", type=int, default=1, help="runs of the rdflib parse")
    ap.add_argument("--validated-at", type=int, default=10_000,
                    help="the size at which the SHACL-validated import_quads is measured")
    ap.add_argument("--validated-size", type=int, default=400,
                    help="datasets in the validated-import slice (pySHACL is superlinear)")
    ap.add_argument("--oxigraph-timeout", type=float, default=30.0,
                    help="stop an Oxigraph query whose first run takes longer (seconds)")
    ap.add_argument("--rdflib-timeout", type=float, default=60.0,
                    help="stop an rdflib query whose first run takes longer (seconds)")
    ap.add_argument("--budget", type=float, default=15.0,
                    help="seconds per measurement for the repeated runs after the first")
    ap.add_argument("--rdflib-queries-large", nargs="*", default=["ancestors", "roots"],
                    help="the only queries rdflib runs above --small-max")
    ap.add_argument("--candidates", type=Path, default=HERE / "candidates",
                    help="folder of rewritten queries, each named like the query it replaces")
    ap.add_argument("--no-variants", action="store_true",
                    help="skip the inlined-parameter and candidate Oxigraph variants")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    t_all = time.perf_counter()
    lines = ["## Lineage queries: lineagekg (Oxigraph) vs networkx vs rdflib", ""]
    lines += machine()
    lines.append(f"- Library queries: {library_version()}.")
    lines.append(f"- `python benchmarks/bench_queries.py --sizes {' '.join(map(str, args.sizes))} "
                 f"--repeat {args.repeat}`: medians of {args.repeat} runs after a first run; every "
                 f"answer checked against networkx.")
    lines.append("")
    try:
        for n in args.sizes:
            lines += run_size(n, args, log)
    except Mismatch as exc:
        print(f"ANSWERS DISAGREE: {exc}", file=sys.stderr)
        return 1
    lines.append(f"Whole run: {time.perf_counter() - t_all:.0f} s.")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip tearing down gigabytes of graphs object by object (minutes at 100k)
