"""Evidence lookups as a store fills with trace bundles (issue 13, item 3).

    python benchmarks/bench_evidence.py                         # 100, 400, 1600 and 6400 bundles
    python benchmarks/bench_evidence.py --sizes 100 400

Each size is a store of N trace bundles written by one tracer agent (one model, one prompt
version), each reading a shared paper, as a corpus-wide trace writes them
(``tests/helpers.many_traced_bundles``); three of them claim the same edge. For each size it
times ``analyses/edge-evidence`` for that edge and, as the reference in the same run,
``analyses/direct-sources`` of the same dataset (a one-pattern lookup). The ratio should stay
flat as N grows: the evidence answer is six rows whatever N is. The script exits non-zero if an
answer is wrong (rows, derivations); it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers import many_traced_bundles  # noqa: E402

from lineagekg.iris import HUB_DATASET_BASE  # noqa: E402
from lineagekg.provenance import batch_quads  # noqa: E402
from lineagekg.queries import library  # noqa: E402
from lineagekg.store.oxigraph import open_store  # noqa: E402


def _median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400, 1600, 6400])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    mix, gsm8k = HUB_DATASET_BASE + "bench/mix", HUB_DATASET_BASE + "openai/gsm8k"
    evidence, reference = library().get("analyses/edge-evidence"), library().get("analyses/direct-sources")
    print(f"# evidence lookups ({platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, "
          f"{platform.machine()})\n")
    print("| bundles | quads | evidence rows | evidence ms | direct-sources ms | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    wrong = False
    for size in args.sizes:
        store = open_store(memory=True)
        store.bulk_load([q for b in many_traced_bundles(size) for q in batch_quads(b)])
        rows = store.select(evidence, target=mix, source=gsm8k)
        if len(rows) != 6 or len({r["edge"] for r in rows}) != 3:
            print(f"wrong answer at {size}: {len(rows)} rows", file=sys.stderr)
            wrong = True
        ev = _median_ms(lambda: store.select(evidence, target=mix, source=gsm8k), args.repeat)
        ref = _median_ms(lambda: store.select(reference, dataset=mix), args.repeat)
        print(f"| {size} | {len(store)} | {len(rows)} | {ev:.1f} | {ref:.1f} | {ev / ref:.1f} |", flush=True)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
