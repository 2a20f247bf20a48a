"""Text that crashes pyoxigraph's parser (a native stack overflow, SIGSEGV) is refused before
any parser sees it, with what and where; ordinary large queries and data still pass. And a
query's own FROM / FROM NAMED chooses its dataset (the union only without one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PARSER_HOSTILE

from lineagekg.errors import QueryShapeError
from lineagekg.sparql_text import MAX_CHAIN, MAX_DEPTH, check_shape
from lineagekg.store import open_store

HOSTILE = PARSER_HOSTILE


@pytest.mark.parametrize("name", list(HOSTILE))
def test_parser_hostile_text_is_refused_with_its_place(name: str) -> None:
    with pytest.raises(QueryShapeError) as caught:
        check_shape(HOSTILE[name])
    message = caught.value.message
    assert "line 1, column" in message
    assert f"{MAX_DEPTH} levels" in message or f"{MAX_CHAIN} operators" in message


def test_place_is_line_and_column_of_the_first_level_too_deep() -> None:
    text = "SELECT * WHERE {\n  FILTER(" + "(" * 200 + "1" + ")" * 200 + ")\n}"
    with pytest.raises(QueryShapeError, match=r"line 2, column 136"):
        check_shape(text)


def test_large_ordinary_text_passes() -> None:
    check_shape("SELECT * WHERE { VALUES ?x { " + " ".join(f"<http://x/{i}>" for i in range(20_000)) + " } }")
    check_shape("INSERT DATA { " + " . ".join(f"<http://x/{i}> <http://x/p> {i}.5" for i in range(20_000)) + " }",
                what="update")
    check_shape("SELECT * WHERE { FILTER(" + "(" * 100 + "true" + ")" * 100 + ") }")
    # brackets and operators inside strings, IRIs and comments are not structure
    check_shape('SELECT * WHERE { BIND("' + "(" * 5_000 + '" AS ?s) } # ' + "{" * 5_000)


def test_every_store_entry_point_refuses_before_parsing() -> None:
    store = open_store(memory=True)
    with pytest.raises(QueryShapeError):
        store.user_query(HOSTILE["10,000 negations"])
    with pytest.raises(QueryShapeError, match="the update nests"):
        store.update("INSERT { <http://x/a> <http://x/p> 1 } WHERE { FILTER(" + "!" * 10_000 + "true) }")


def test_cli_query_file_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    hostile = tmp_path / "deep.rq"
    hostile.write_text(HOSTILE["10,000 nested braces"], encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "lineagekg", "query", str(hostile),
                          "--store", str(tmp_path / "store")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 3, run.stderr          # a known error (documented exit code), not 139
    assert "nests deeper than" in run.stderr and "line 1, column" in run.stderr


def test_from_and_from_named_choose_the_dataset() -> None:
    store = open_store(memory=True)
    store.update("INSERT DATA { GRAPH <http://x/g1> { <http://x/a> <http://x/p> 'in g1' } "
                 "GRAPH <http://x/g2> { <http://x/a> <http://x/p> 'in g2' } }")

    def objects(text: str) -> list[str]:
        return sorted(str(row[0].value) for row in store.user_query(text))

    assert objects("SELECT ?o WHERE { <http://x/a> <http://x/p> ?o }") == ["in g1", "in g2"]   # the union
    assert objects("SELECT ?o FROM <http://x/g1> WHERE { ?s <http://x/p> ?o }") == ["in g1"]
    assert objects("SELECT ?o FROM NAMED <http://x/g2> WHERE { GRAPH ?g { ?s <http://x/p> ?o } }") == ["in g2"]
    assert objects("SELECT ?o FROM NAMED <http://x/g2> WHERE { ?s <http://x/p> ?o }") == []   # empty default
    # the protocol's default-graph-uri still overrides FROM
    answer = store.user_query("SELECT ?o FROM <http://x/g1> WHERE { ?s <http://x/p> ?o }",
                              default_graphs=["http://x/g2"])
    assert [str(row[0].value) for row in answer] == ["in g2"]
