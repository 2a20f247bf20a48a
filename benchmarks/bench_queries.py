"""Lineage queries at scale: lineagekg's Oxigraph store against networkx and rdflib.

Builds a synthetic, seeded lineage DAG of N datasets as lineagekg model objects, turns it into
the project's PROV-O quads (plain, typed and qualified derivations) with
``lineagekg.provenance.batch_quads``, and times

* loading: ``OxigraphStore.bulk_load``; the SHACL-validated ``OxigraphStore.import_quads`` (at
  one size, on a slice); a networkx ``DiGraph`` from the same edges; rdflib parsing the same
  triples as N-Triples;
* the lineage analyses of ``sparql/analyses`` (ancestors, descendants, roots, contamination,
  path, shared-roots), run through ``store.select`` with the library query, the same SPARQL text
  in rdflib with ``initBindings``, and the equivalent networkx graph traversal.

Every answer is checked against networkx (the in-process reference); any disagreement exits
non-zero. Times are medians in milliseconds, and the ratios to networkx are what to compare
across machines; nothing here is a timed assertion.

    python benchmarks/bench_queries.py [--sizes 10000 100000] [--repeat 5]
                                       [--out benchmarks/results/queries.md]
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
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
from lineagekg.store.oxigraph import open_store

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
    """A generated lineage graph: model objects, and the plain structure for the references."""

    n: int
    seed: int
    batch: LineageBatch
    documents: list[DocumentRef]
    iri: list[str]                      # node index -> IRI (datasets 0..n-1, then splits)
    sources: list[list[int]]            # node index -> direct sources
    depth: list[int]                    # longest chain of sources above a node
    domain: list[str]
    benchmarks: list[int]               # benchmark node indices
    split_of: dict[int, int]            # split node index -> benchmark node index
    splits_of: dict[int, list[int]] = field(default_factory=dict)

    @property
    def edges(self) -> list[tuple[str, str]]:
        """(target IRI, source IRI): the direction of prov:wasDerivedFrom."""
        return [(self.iri[t], self.iri[s]) for t, ss in enumerate(self.sources) for s in ss]

    def prefix(self, m: int) -> Synthetic:
        """The first ``m`` datasets (their sources are all earlier, so the slice is closed) and
        their splits, as a batch of its own named graph."""
        keep = set(range(m)) | {s for s, b in self.split_of.items() if b < m}
        datasets = tuple(d for d in self.batch.datasets if self._index[d.identifier] in keep)
        derivations = tuple(d for d in self.batch.derivations
                            if self._index[d.target] in keep)
        targets = {d.target for d in derivations}
        docs = [doc for doc in self.documents if doc.title in targets]
        batch = LineageBatch(graph=self.batch.graph + f"-prefix-{m}", datasets=datasets,
                             derivations=derivations, run=self.batch.run)
        return Synthetic(n=m, seed=self.seed, batch=batch, documents=docs, iri=self.iri,
                         sources=[self.sources[i] if i in keep else [] for i in range(len(self.iri))],
                         depth=self.depth, domain=self.domain,
                         benchmarks=[b for b in self.benchmarks if b < m],
                         split_of={s: b for s, b in self.split_of.items() if b < m})

    @property
    def _index(self) -> dict[str, int]:
        if not hasattr(self, "_index_cache"):
            self._index_cache = {d.identifier: i for i, d in enumerate(self.batch.datasets)}
        return self._index_cache


def generate(n: int, seed: int) -> Synthetic:
    """A lineage DAG of ``n`` datasets, deterministic for (n, seed).

    Datasets arrive in time order. A few hundred are roots (the first ones, and a trickle later);
    every other dataset has 1-4 sources (rarely up to 12), all earlier: a primary source, either
    a recent dataset of its domain (which makes chains deep) or a popular one (preferential
    attachment: benchmarks and big corpora get derived a lot), then extra sources that are
    ancestors of the primary (diamonds, as in real mixtures) or popular datasets. About 2.5
    edges per dataset, maximum depth ~25-35. Root benchmarks get a ``test`` split that some
    datasets derive from instead of the whole benchmark.
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
        # scale-free recency: mostly among the last ~15% of the domain's datasets
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
                    c = p
                    for _ in range(rng.randint(1, 3)):
                        if not sources[c]:
                            break
                        c = rng.choice(sources[c])
                    cand = c
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

    # identifiers, IRIs, splits
    ids: list[str] = []
    on_hub: list[bool] = []
    for i in range(n):
        if not sources[i] and rng.random() < 0.05:
            ids.append(f"Web corpus {i}")
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
    for t in range(n):  # some derive from the benchmark's test split rather than all of it
        srcs = sources[t]
        for j, s in enumerate(srcs):
            if s in split_index and rng.random() < 0.3 and split_index[s] not in srcs:
                srcs[j] = split_index[s]
    sources.extend([] for _ in split_of)
    depth.extend(0 for _ in split_of)
    domain.extend(domain[b] for b in split_of.values())
    ids.extend(f"{ids[b]}::test" for b in split_of.values())

    # model objects
    datasets: list[Dataset] = []
    for i in range(n):
        year = 2016 + (9 * i) // n
        root = not sources[i]
        doms = (domain[i],)
        if not root and rng.random() < 0.1:
            extra = rng.choices(names, weights)[0]
            doms = doms if extra == domain[i] else (domain[i], extra)
        reason = rng.choice(TERMINAL_REASONS) if root else None
        datasets.append(Dataset(
            identifier=ids[i], label=f"{domain[i]} set {i}", on_hub=on_hub[i],
            is_benchmark=is_bench[i], domains=doms,
            origin=rng.choice(["Synthetic", "HumanMade", "Mixed"]), year=year,
            downloads=int(rng.paretovariate(1.2) * 10), is_terminal=root or None,
            terminal_reason=reason if root and rng.random() < 0.9 else None,
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
# The analyses: parameters, the networkx reference, and the canonical answer of each engine
# ----------------------------------------------------------------------------------------------

@dataclass
class Case:
    """One analysis on one graph: the library query, its parameters, and how to compare."""

    name: str
    query: str                               # library name of the .rq
    params: dict[str, str]
    about: str                               # what the parameters are, for the table
    reference: Callable[[nx.DiGraph], Any]   # the networkx computation (timed)
    canon: Callable[[list[dict[str, Any]]], Any]  # rows (as dicts of str) -> canonical answer
    size: Callable[[Any], int]
    text: str | None = None                  # a candidate .rq text instead of the library's


def _str_rows_ox(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows


def _ancestors_ref(x: str) -> Callable[[nx.DiGraph], Any]:
    def run(g: nx.DiGraph) -> Any:
        return {a: g.out_degree(a) == 0 for a in nx.descendants(g, x)}
    return run


def _descendants_ref(x: str) -> Callable[[nx.DiGraph], Any]:
    def run(g: nx.DiGraph) -> Any:
        return {d: g.in_degree(d) == 0 for d in nx.ancestors(g, x)}
    return run


def _roots(g: nx.DiGraph, x: str) -> set[str]:
    up = nx.descendants(g, x)
    up.add(x)
    return {a for a in up if g.out_degree(a) == 0}


def _roots_ref(x: str) -> Callable[[nx.DiGraph], Any]:
    return lambda g: _roots(g, x)


def _shared_ref(a: str, b: str) -> Callable[[nx.DiGraph], Any]:
    return lambda g: _roots(g, a) & _roots(g, b)


def _contamination_ref(reached: list[str]) -> Callable[[nx.DiGraph], Any]:
    def run(g: nx.DiGraph) -> Any:
        hit: set[str] = set()
        for r in reached:
            hit |= nx.ancestors(g, r)
        ok = hit | set(reached)
        return {(d, nxt) for d in hit for nxt in g.successors(d) if nxt in ok}
    return run


def _path_ref(a: str, b: str) -> Callable[[nx.DiGraph], Any]:
    def run(g: nx.DiGraph) -> Any:
        down = nx.descendants(g, a) | {a}
        up = nx.ancestors(g, b) | {b}
        between = down & up
        corridor = {(t, s) for t in between for s in g.successors(t) if s in up}
        witness = nx.shortest_path(g, a, b)
        return corridor, witness
    return run


def _b(v: Any) -> bool:
    return v is True or str(v).lower() == "true"


CANON = {
    "ancestors": lambda rows: {r["ancestor"]: _b(r["isRoot"]) for r in rows},
    "descendants": lambda rows: {r["descendant"]: _b(r["isLeaf"]) for r in rows},
    "roots": lambda rows: {r["root"] for r in rows},
    "shared-roots": lambda rows: {r["root"] for r in rows},
    "contamination": lambda rows: {(r["dataset"], r["next"]) for r in rows},
    "path": lambda rows: {(r["target"], r["source"]) for r in rows},
}


def pick_cases(syn: Synthetic, g: nx.DiGraph) -> list[Case]:
    """Parameters chosen from the graph's shape, deterministically."""
    iri = syn.iri
    n_all = len(iri)
    deep = max(range(n_all), key=lambda i: (syn.depth[i], -i))
    deep_iri = iri[deep]
    deep_up = nx.descendants(g, deep_iri)
    roots_all = [i for i in range(n_all) if not syn.sources[i]]
    root_desc = {i: len(nx.ancestors(g, iri[i])) for i in roots_all}
    big_root = max(roots_all, key=lambda i: (root_desc[i], -i))

    def reached_of(b: int) -> list[str]:
        return [iri[b]] + [iri[s] for s in syn.splits_of.get(b, [])]

    def contaminated(b: int) -> int:
        hit: set[str] = set()
        for r in reached_of(b):
            hit |= nx.ancestors(g, r)
        return len(hit)
    bench = max(syn.benchmarks, key=lambda b: (contaminated(b), -b))
    # the far end of the path: the ancestor furthest (in hops) from the deep node
    dist = nx.single_source_shortest_path_length(g, deep_iri)
    far = max((a for a in deep_up), key=lambda a: (dist[a], a))
    # a second deep node, neither above nor below the first, that shares a root with it
    deep_roots = _roots(g, deep_iri)
    second = None
    for i in sorted(range(n_all), key=lambda i: (-syn.depth[i], i)):
        x = iri[i]
        if i == deep or x in deep_up or deep_iri in nx.descendants(g, x):
            continue
        if syn.domain[i] != syn.domain[deep] and _roots(g, x) & deep_roots:
            second = i
            break
    assert second is not None, "no second deep node with a shared root"

    def d(i: int) -> str:
        return f"depth {syn.depth[i]}"
    cases = [
        Case("ancestors", "ancestors", {"dataset": deep_iri},
             f"deepest dataset ({d(deep)})", _ancestors_ref(deep_iri), CANON["ancestors"], len),
        Case("descendants", "descendants", {"dataset": iri[big_root]},
             "root with the most descendants", _descendants_ref(iri[big_root]),
             CANON["descendants"], len),
        Case("roots", "roots", {"dataset": deep_iri}, f"deepest dataset ({d(deep)})",
             _roots_ref(deep_iri), CANON["roots"], len),
        Case("contamination", "contamination", {"benchmark": iri[bench]},
             f"most reached benchmark (+{len(syn.splits_of.get(bench, []))} split)",
             _contamination_ref(reached_of(bench)), CANON["contamination"],
             lambda ans: len({dd for dd, _ in ans})),
        Case("path", "path", {"from": deep_iri, "to": far},
             f"deepest dataset to its furthest ancestor ({dist[far]} hops)",
             _path_ref(deep_iri, far), CANON["path"], len),
        Case("shared-roots", "shared-roots", {"a": deep_iri, "b": iri[second]},
             f"two deep datasets ({d(deep)}, {d(second)})", _shared_ref(deep_iri, iri[second]),
             CANON["shared-roots"], len),
    ]
    return cases


def answer_units(case: Case) -> str:
    return {"ancestors": "ancestors", "descendants": "descendants", "roots": "roots",
            "contamination": "datasets", "path": "corridor edges",
            "shared-roots": "shared roots"}.get(case.query.rsplit("/", 1)[-1], "rows")


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------

def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Run once for the answer (untimed warm-up), then ``repeat`` timed runs (ms)."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def _rdflib_child(conn: Any, graph: rdflib.Graph, text: str, bindings: dict[str, str],
                  canon_name: str, repeat: int, budget_s: float) -> None:
    try:
        prepared = prepareQuery(text)
        init = {rdflib.Variable(k): rdflib.URIRef(v) for k, v in bindings.items()}

        def run() -> list[dict[str, Any]]:
            res = graph.query(prepared, initBindings=init)
            names = [str(v) for v in res.vars]
            return [{k: (None if row[k] is None else
                         (row[k].toPython() if isinstance(row[k], rdflib.Literal) else str(row[k])))
                     for k in names} for row in res]
        t0 = time.perf_counter()
        rows = run()
        times = [(time.perf_counter() - t0) * 1000]
        spent = times[0] / 1000
        while len(times) < repeat and spent + times[0] / 1000 < budget_s:
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1000)
            spent += times[-1] / 1000
        conn.send(("ok", times, CANON[canon_name](rows)))
    except Exception:  # noqa: BLE001 -- reported to the parent
        conn.send(("error", traceback.format_exc(), None))
    finally:
        conn.close()


def rdflib_timed(graph: rdflib.Graph, case: Case, text: str, repeat: int, timeout_s: float,
                 budget_s: float) -> tuple[str, list[float], Any]:
    """Run an rdflib query in a forked child (it inherits the parsed graph) so a slow one can be
    stopped: ('ok', times, answer), ('timeout', [], None) or ('error', [], message)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_rdflib_child,
                       args=(child, graph, text, case.params, case.query.rsplit("/", 1)[-1],
                             repeat, budget_s))
    proc.start()
    child.close()
    # the first run must end within timeout_s; the further ones within the budget
    if parent.poll(timeout_s + budget_s + 5):
        status, times, answer = parent.recv()
        proc.join()
        if status == "error":
            return "error", [], times
        if times[0] / 1000 > timeout_s:
            return "timeout", times[:1], None
        return "ok", times, answer
    proc.kill()
    proc.join()
    return "timeout", [], None


# ----------------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------------

def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms >= 10_000:
        return f"{ms / 1000:,.1f} s"
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 1:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


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


def machine() -> list[str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                      if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return [
        f"- machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}){mem}",
        f"- Python {platform.python_version()}, pyoxigraph {ox.__version__}, rdflib {rdflib.__version__}, "
        f"networkx {nx.__version__}, lineagekg {LINEAGEKG_VERSION}",
    ]


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


# ----------------------------------------------------------------------------------------------
# One size
# ----------------------------------------------------------------------------------------------

class Mismatch(Exception):
    pass


def compare(what: str, got: Any, want: Any) -> None:
    if got == want:
        return
    if isinstance(got, dict) and isinstance(want, dict):
        missing = set(want) - set(got)
        extra = set(got) - set(want)
        flags = {k for k in set(got) & set(want) if got[k] != want[k]}
        detail = f"missing {len(missing)} {sorted(missing)[:3]}, extra {len(extra)} {sorted(extra)[:3]}, " \
                 f"different flags {len(flags)} {sorted(flags)[:3]}"
    elif isinstance(got, set) and isinstance(want, set):
        detail = f"missing {len(want - got)} {sorted(want - got)[:3]}, extra {len(got - want)} {sorted(got - want)[:3]}"
    else:
        detail = f"{got!r} != {want!r}"
    raise Mismatch(f"{what}: {detail}")


def run_size(n: int, args: argparse.Namespace, log: Callable[[str], None]) -> list[str]:
    out: list[str] = []
    t_size = time.perf_counter()
    t0 = time.perf_counter()
    syn = generate(n, args.seed)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    quads = quads_of(syn)
    t_quads = time.perf_counter() - t0
    edges = syn.edges
    n_all = len(syn.iri)
    roots = sum(1 for s in syn.sources if not s)
    log(f"[{n}] generated {n_all} nodes, {len(edges)} edges in {t_gen:.1f} s; "
        f"{len(quads)} quads in {t_quads:.1f} s")

    # --- load ---------------------------------------------------------------------------------
    load_repeat = args.load_repeat if args.load_repeat else (3 if n <= 20_000 else 1)
    ox_times = []
    store = None
    for _ in range(load_repeat):
        store = None
        gc.collect()
        store = open_store(memory=True)
        t0 = time.perf_counter()
        store.bulk_load(quads)
        ox_times.append((time.perf_counter() - t0) * 1000)
    assert store is not None
    log(f"[{n}] oxigraph bulk_load {fmt_ms(median(ox_times))} ms")

    def build_nx(es: list[tuple[str, str]], nodes: list[str]) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from(es)
        return g
    nx_times, g = timed(lambda: build_nx(edges, syn.iri), max(load_repeat, 3))
    log(f"[{n}] networkx build {fmt_ms(median(nx_times))} ms")

    validated = None
    if n == args.validated_at:
        m = min(args.validated_size, n)
        sub = syn.prefix(m) if m < n else syn
        sub_quads = quads_of(sub)
        sub_edges = sub.edges
        sub_nodes = [syn.iri[i] for i in range(len(syn.iri))
                     if i < m or syn.split_of.get(i, n) < m]
        vstore = open_store(memory=True)
        t0 = time.perf_counter()
        outcome = vstore.import_quads(sub_quads, sub.batch.graph)
        t_val = (time.perf_counter() - t0) * 1000
        if not outcome.accepted:
            raise Mismatch(f"validated import rejected the synthetic batch: "
                           f"{[r.describe() for r in outcome.report.violations[:5]]}")
        warnings = len(outcome.report.warnings) if outcome.report else 0
        bstore = open_store(memory=True)
        t0 = time.perf_counter()
        bstore.bulk_load(sub_quads)
        t_bulk_sub = (time.perf_counter() - t0) * 1000
        sub_nx, _ = timed(lambda: build_nx(sub_edges, sub_nodes), 3)
        validated = (m, len(sub_quads), len(sub_edges), t_val, t_bulk_sub, median(sub_nx), warnings)
        del vstore, bstore
        log(f"[{n}] validated import of {m} datasets: {t_val / 1000:.1f} s ({warnings} warnings)")

    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    n_triples = len(triples)
    del triples, quads
    gc.collect()
    rdf_times = []
    rg = None
    rdf_repeat = args.rdflib_load_repeat if args.rdflib_load_repeat else (3 if n <= 20_000 else 1)
    for _ in range(rdf_repeat):
        rg = None
        gc.collect()
        t0 = time.perf_counter()
        rg = rdflib.Graph()
        rg.parse(data=nt, format="nt")
        rdf_times.append((time.perf_counter() - t0) * 1000)
    del nt
    assert rg is not None
    log(f"[{n}] rdflib parse {fmt_ms(median(rdf_times))} ms ({len(rg)} triples)")

    # --- queries ------------------------------------------------------------------------------
    cases = pick_cases(syn, g)
    for extra in args.candidate:
        path = Path(extra)
        name = path.stem
        base = next(c for c in cases if c.query == name.split(".")[0])
        cases.append(Case(f"{base.name} (candidate {path.name})", base.query, base.params,
                          base.about, base.reference, base.canon, base.size,
                          text=path.read_text(encoding="utf-8")))
    rdflib_ok = set(args.rdflib_queries_large) if n > args.rdflib_full_max else None
    rows_md = []
    notes = []
    for case in cases:
        q = library().get(case.query)
        if case.text is not None:
            q = SPARQLQuery.from_text(case.query, case.text)
        nx_t, want = timed(lambda: case.reference(g), args.repeat)
        want_answer = want[0] if case.query == "path" else want
        if case.query == "path":
            corridor, witness = want
            hops = set(zip(witness, witness[1:]))
            if not hops <= corridor:
                raise Mismatch("path: networkx's shortest path leaves the corridor")
        ox_t, rows = timed(lambda: store.select(q, **case.params), args.repeat)
        got = case.canon(rows)
        compare(f"[{n}] {case.name}: Oxigraph vs networkx", got, want_answer)
        rd_status, rd_t, rd_ans = "skipped", [], None
        if rdflib_ok is None or case.query in rdflib_ok:
            rd_status, rd_t, rd_ans = rdflib_timed(rg, case, q.text, args.repeat,
                                                   args.rdflib_timeout, args.rdflib_budget)
            if rd_status == "ok":
                compare(f"[{n}] {case.name}: rdflib vs networkx", rd_ans, want_answer)
            elif rd_status == "error":
                raise Mismatch(f"[{n}] {case.name}: rdflib failed:\n{rd_t}")
        ox_ms, nx_ms = median(ox_t), median(nx_t)
        rd_ms = median(rd_t) if rd_status == "ok" else None
        if rd_status == "ok":
            rd_cell = fmt_ms(rd_ms) + (f" (n={len(rd_t)})" if len(rd_t) < args.repeat else "")
        elif rd_status == "timeout":
            rd_cell = f"> {args.rdflib_timeout:.0f} s"
            notes.append(f"rdflib `{case.name}` was stopped after {args.rdflib_timeout:.0f} s.")
        else:
            rd_cell = "not run"
        rows_md.append(f"| {case.name} | {case.about} | {fmt_n(case.size(want_answer))} "
                       f"{answer_units(case)} | {fmt_ms(ox_ms)} | {fmt_ms(nx_ms)} | {rd_cell} | "
                       f"{fmt_ratio(ox_ms, nx_ms)} | {fmt_ratio(rd_ms, nx_ms)} |")
        log(f"[{n}] {case.name}: oxigraph {fmt_ms(ox_ms)} ms, networkx {fmt_ms(nx_ms)} ms, "
            f"rdflib {rd_cell}")
    if rdflib_ok is not None:
        notes.append(f"At this size rdflib runs only {', '.join(sorted(rdflib_ok))} "
                     f"(`--rdflib-queries-large`); the others take minutes.")

    # --- the report -----------------------------------------------------------------------------
    benchmarks = len(syn.benchmarks)
    out.append(f"### {n:,} datasets\n")
    out.append(f"Synthetic graph (seed {args.seed}): {n:,} datasets + {len(syn.split_of)} benchmark "
               f"splits, {len(edges):,} lineage edges ({len(edges) / n:.2f} per dataset), "
               f"{roots} roots, {benchmarks} benchmarks, maximum depth {max(syn.depth)}; "
               f"{fmt_n(len(store))} quads in the store (ontology included), {fmt_n(n_triples)} "
               f"distinct data triples. Generating the model objects took {t_gen:.1f} s and "
               f"`batch_quads` {t_quads:.1f} s.\n")
    out.append("| load | what | median | runs | ÷ networkx build |")
    out.append("|---|---|---:|---:|---:|")
    nx_ms = median(nx_times)
    out.append(f"| Oxigraph `bulk_load` (in memory) | {fmt_n(sum(1 for _ in store.quads(syn.batch.graph)))} quads "
               f"| {fmt_ms(median(ox_times))} ms | {len(ox_times)} | {fmt_ratio(median(ox_times), nx_ms)} |")
    if validated:
        m, vq, ve, t_val, t_bulk_sub, sub_nx_ms, warnings = validated
        scope = "all datasets" if m >= n else f"first {m:,} datasets only"
        out.append(f"| Oxigraph `import_quads` (SHACL, then write) | {scope}: {fmt_n(vq)} quads, "
                   f"{fmt_n(ve)} edges | {fmt_ms(t_val)} ms | 1 | {fmt_ratio(t_val, sub_nx_ms)} |")
        out.append(f"| Oxigraph `bulk_load` of the same slice | {fmt_n(vq)} quads | "
                   f"{fmt_ms(t_bulk_sub)} ms | 1 | {fmt_ratio(t_bulk_sub, sub_nx_ms)} |")
    out.append(f"| networkx `DiGraph` build | {fmt_n(len(edges))} edges | {fmt_ms(nx_ms)} ms | "
               f"{len(nx_times)} | 1.0× |")
    out.append(f"| rdflib `Graph.parse` (N-Triples from pyoxigraph) | {fmt_n(len(rg))} triples | "
               f"{fmt_ms(median(rdf_times))} ms | {len(rdf_times)} | {fmt_ratio(median(rdf_times), nx_ms)} |")
    out.append("")
    out.append(f"| query | parameters | answer | Oxigraph (lineagekg) ms | networkx ms | rdflib ms "
               f"| Oxigraph ÷ networkx | rdflib ÷ networkx |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|")
    out.extend(rows_md)
    out.append("")
    if validated and validated[0] < n:
        notes.insert(0, f"The SHACL-validated import is measured on the first {validated[0]:,} "
                        f"datasets (a closed slice), not all {n:,}: pySHACL over the full batch "
                        f"takes far longer than a few minutes (`--validated-size`).")
    for note in notes:
        out.append(f"- {note}")
    out.append(f"- Total time for this size: {time.perf_counter() - t_size:.0f} s.")
    out.append("")
    del store, rg, g
    gc.collect()
    return out


# ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per query (median reported)")
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "queries.md")
    ap.add_argument("--load-repeat", type=int, default=0,
                    help="runs of each load (default 3 up to 20k datasets, else 1)")
    ap.add_argument("--rdflib-load-repeat", type=int, default=0,
                    help="runs of the rdflib parse (default 3 up to 20k datasets, else 1)")
    ap.add_argument("--validated-at", type=int, default=10_000,
                    help="the size at which the SHACL-validated import is measured")
    ap.add_argument("--validated-size", type=int, default=2_000,
                    help="datasets in the validated-import slice")
    ap.add_argument("--rdflib-timeout", type=float, default=60.0,
                    help="stop an rdflib query whose first run takes longer (seconds)")
    ap.add_argument("--rdflib-budget", type=float, default=20.0,
                    help="seconds of further rdflib runs per query after the first")
    ap.add_argument("--rdflib-full-max", type=int, default=20_000,
                    help="above this size rdflib runs only --rdflib-queries-large")
    ap.add_argument("--rdflib-queries-large", nargs="*", default=["ancestors", "roots"])
    ap.add_argument("--candidate", action="append", default=[],
                    help="also time a rewritten .rq (named like the query it replaces, e.g. "
                         "benchmarks/candidates/contamination.rq) and check its answers")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    t_all = time.perf_counter()
    lines = ["## Lineage queries: lineagekg (Oxigraph) vs networkx vs rdflib", ""]
    lines += machine()
    lines += [f"- `python benchmarks/bench_queries.py --sizes {' '.join(map(str, args.sizes))} "
              f"--repeat {args.repeat}`; medians of {args.repeat} runs after a warm-up run; every "
              f"answer checked against networkx.", ""]
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
    sys.exit(main())
