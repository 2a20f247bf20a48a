"""Small helpers for writing test input files."""

from __future__ import annotations

from pathlib import Path


def write_jsonl(path: Path, rows: list[object]) -> Path:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


#: the real documentation corpus beside the checkout (CI has it; a bare clone may not)
SHARED_CORPUS = (Path(__file__).resolve().parents[2] / "shared" / "lineage_corpus").resolve()
