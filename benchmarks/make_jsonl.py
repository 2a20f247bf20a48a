"""Write a synthetic lineage graph in the paper's JSONL format (for timing `lineagekg import`).

    python benchmarks/make_jsonl.py --datasets 300 --edges 1000 --out /tmp/synthetic
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

RELATIONS = ["Direct Inclusion/Subset", "Structured Fusion", "Synthetic Generation",
             "Semantic Evolution", "CoT Distillation"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", type=int, default=300)
    ap.add_argument("--edges", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    names = [f"org{i % 37}/dataset-{i:05d}" for i in range(args.datasets)]
    edges: set[tuple[int, int]] = set()
    while len(edges) < args.edges:            # sources are earlier datasets: a DAG
        t = rng.randrange(1, args.datasets)
        edges.add((t, rng.randrange(max(0, t - 60), t)))
    with (args.out / "nodes.jsonl").open("w") as f:
        for i, name in enumerate(names):
            f.write(json.dumps({"name": name, "categories": [rng.choice(["Math", "Code", "General", "Science"])],
                                "year": 2020 + i * 5 // args.datasets, "exists_on_hf": True,
                                "summary": f"synthetic dataset {i}"}) + "\n")
    with (args.out / "edges.jsonl").open("w") as f:
        for t, s in sorted(edges):
            meta = {"source": "HuggingFace README", "confidence": round(rng.uniform(0.5, 1), 2),
                    "relationship": rng.choice(RELATIONS), "evidence": f"{names[t]} is built from {names[s]}.",
                    "exists": True}
            f.write(json.dumps({"target": names[t], "source": names[s], "meta_info": json.dumps(meta)}) + "\n")
    print(f"wrote {args.datasets} datasets and {len(edges)} edges to {args.out}")


if __name__ == "__main__":
    main()
