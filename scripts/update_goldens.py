"""Rewrite tests/data/golden/*.json: every library query's answer on the small graph.

Run after a deliberate change to a query or to the small graph, then read ``git diff
tests/data/golden`` before committing: the diff is the change in behaviour. The test
(tests/test_golden_answers.py) never writes these files.

    .venv/bin/python scripts/update_goldens.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from golden import GOLDEN, answer, dumps, golden_path, queries, small_store  # noqa: E402 -- needs the path above


def main() -> int:
    store = small_store()
    written = set()
    for query in queries():
        path = golden_path(query)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = dumps(answer(store, query))
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(GOLDEN.parent.parent.parent)}")
        written.add(path)
    for stale in sorted(set(GOLDEN.rglob("*.json")) - written):
        stale.unlink()
        print(f"removed {stale} (no such query)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
