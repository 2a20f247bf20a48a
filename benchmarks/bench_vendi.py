"""Vendi Score on 100k embeddings: the d×d covariance route against the n×n definition.

The definition needs the eigenvalues of an n×n matrix (O(n³) time, O(n²) memory: 80 GB for
100k), so it is timed on a subsample and its cost extrapolated by n³; the covariance route is
timed on all 100k (and checked against the definition on the subsample). Prints JSON.

    .venv/bin/python benchmarks/bench_vendi.py [--n 100000] [--reference 2000]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from lineagekg.samples.diversity import centroid_distance, vendi_score, vendi_score_direct


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=384)
    parser.add_argument("--reference", type=int, default=2000)
    args = parser.parse_args()
    x = np.random.default_rng(0).normal(size=(args.n, args.d)).astype(np.float32)

    t0 = time.perf_counter()
    score = vendi_score(x)
    cd = centroid_distance(x)
    covariance = time.perf_counter() - t0

    sub = x[: args.reference]
    t0 = time.perf_counter()
    direct = vendi_score_direct(sub)
    reference = time.perf_counter() - t0
    t0 = time.perf_counter()
    via_cov = vendi_score(sub)
    reference_cov = time.perf_counter() - t0
    extrapolated = reference * (args.n / args.reference) ** 3
    print(json.dumps({
        "n": args.n, "d": args.d, "vendi": round(score, 3), "centroid_distance": round(cd, 5),
        "covariance_seconds": round(covariance, 3),
        "reference_n": args.reference, "direct_seconds_on_reference": round(reference, 3),
        "covariance_seconds_on_reference": round(reference_cov, 4),
        "reference_agreement": abs(direct - via_cov),
        "direct_seconds_extrapolated_to_n": round(extrapolated, 1),
        "speedup_vs_direct_extrapolated": round(extrapolated / covariance, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
