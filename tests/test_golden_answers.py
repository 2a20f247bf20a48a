"""Every query of the library answers on the small graph exactly what its golden file says
(tests/data/golden/<name>.json, written by scripts/update_goldens.py, never by this test).

A difference is shown as a unified diff of the two JSON texts, so a changed row reads as one."""

from __future__ import annotations

import difflib

import pytest
from golden import GOLDEN, answer, dumps, golden_path, queries, small_store

from lineagekg.store import OxigraphStore

QUERIES = queries()
UPDATE = "run `.venv/bin/python scripts/update_goldens.py` after a deliberate change, and read its diff"


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return small_store()


def test_every_query_has_a_golden_file_and_every_file_a_query() -> None:
    assert len(QUERIES) >= 50, "the library lost queries, or the glob no longer finds them"
    wanted = {golden_path(q) for q in QUERIES}
    files = set(GOLDEN.rglob("*.json"))
    assert sorted(map(str, wanted - files)) == [], f"queries without a golden answer: {UPDATE}"
    assert sorted(map(str, files - wanted)) == [], f"golden files of no query: {UPDATE}"


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_the_answer_is_the_golden_one(query, store: OxigraphStore) -> None:
    expected = golden_path(query).read_text(encoding="utf-8")
    actual = dumps(answer(store, query))
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            f"golden/{query.name}.json", "answer now"))
        pytest.fail(f"{query.name} answers differently from its golden file ({UPDATE}):\n{diff}", pytrace=False)


def test_the_golden_answers_are_not_all_empty() -> None:
    """Most queries must answer something on the small graph, or the goldens prove little."""
    import json

    empty = [q.name for q in QUERIES
             if not any(json.loads(golden_path(q).read_text(encoding="utf-8")).get(k)
                        for k in ("rows", "triples", "boolean"))]
    # the three PROV checks find nothing on a valid graph; the rest need samples, reviews or splits
    assert len(empty) <= 12, empty
