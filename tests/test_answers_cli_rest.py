"""One answer, two front ends: for every registered analysis (``analyses.answers.ANALYSES``),
``lineagekg <command> --format json`` prints exactly the JSON that the REST route answers, on the
same store (the small graph of tests/data/lineage). The CLI reads it with SPARQL, the gateway with
its lineage index, so this also holds the two ways of answering to one result.

The list of analyses is not written here: it is the registry, and the REST routes that answer
with a model must be exactly the registered ones; a case below says how to ask each one both ways,
and a registered analysis without a case (or a case without an analysis) fails.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from lineagekg.analyses import Answer
from lineagekg.analyses.answers import ANALYSES
from lineagekg.api import GatewaySettings, rest
from lineagekg.cli import main
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store

LINEAGE = Path(__file__).parent / "data" / "lineage"
Params = list[tuple[str, str | int | float | bool | None]]

# analysis -> [(CLI arguments, REST query parameters)]; the first of each is the plain question
CASES: dict[str, list[tuple[list[str], Params]]] = {
    "datasets": [(["datasets", "math"], [("q", "math")]),
                 (["datasets", "--limit", "3", "--offset", "2"], [("limit", 3), ("offset", 2)])],
    "dataset": [(["dataset", "meta-math/MetaMathQA"], [("id", "meta-math/MetaMathQA")]),
                (["dataset", "https://huggingface.co/datasets/openai/gsm8k"],
                 [("id", "https://huggingface.co/datasets/openai/gsm8k")])],
    "ancestors": [(["ancestors", "example/math-mix"], [("id", "example/math-mix")])],
    "descendants": [(["descendants", "openai/gsm8k"], [("id", "openai/gsm8k")])],
    "roots": [(["roots", "example/math-mix"], [("id", "example/math-mix")]),
              (["roots", "openai/gsm8k"], [("id", "openai/gsm8k")])],
    "shared-roots": [(["shared-roots", "example/math-mix", "vicgalle/alpaca-gpt4"],
                      [("id", "example/math-mix"), ("id", "vicgalle/alpaca-gpt4")])],
    "path": [(["path", "example/math-mix", "openai/gsm8k"], [("from", "example/math-mix"), ("to", "openai/gsm8k")]),
             (["path", "openai/gsm8k", "example/math-mix"], [("from", "openai/gsm8k"), ("to", "example/math-mix")]),
             (["path", "openai/gsm8k", "tatsu-lab/alpaca"], [("from", "openai/gsm8k"), ("to", "tatsu-lab/alpaca")])],
    "contamination": [(["contamination", "openai/gsm8k"], [("id", "openai/gsm8k")])],
    "redundancy": [(["redundancy"], []), (["redundancy", "--limit", "1"], [("limit", 1)])],
    "structure": [(["structure"], [])],
    "stats": [(["stats"], [])],
    "lineage": [(["lineage", "TIGER-Lab/MathInstruct"], [("id", "TIGER-Lab/MathInstruct")]),
                (["lineage", "example/math-mix", "--direction", "up", "--depth", "5", "--max-nodes", "4"],
                 [("id", "example/math-mix"), ("direction", "up"), ("depth", 5), ("max_nodes", 4)])],
    "tree": [(["tree", "example/math-mix"], [("id", "example/math-mix")]),
             (["tree", "openai/gsm8k", "--down", "--depth", "1"],
              [("id", "openai/gsm8k"), ("direction", "down"), ("depth", 1)])],
    "evidence": [(["evidence", "meta-math/MetaMathQA", "openai/gsm8k"],
                  [("target", "meta-math/MetaMathQA"), ("source", "openai/gsm8k")])],
    "queries": [(["query", "--list"], [])],
}


def _json_routes() -> dict[str, type[BaseModel]]:
    """REST path name -> the model its route answers with (routes that answer with bytes left out)."""
    return {r.path.removeprefix("/"): r.response_model for r in rest.router.routes  # type: ignore[attr-defined]
            if getattr(r, "response_model", None) is not None}


def _all_answers(cls: type[Answer] = Answer) -> set[type[Answer]]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_answers(sub)}
    return found


def test_the_rest_routes_with_a_model_are_the_registered_analyses() -> None:
    routes = _json_routes()
    assert set(routes) == set(ANALYSES)
    for name, function in ANALYSES.items():
        assert routes[name] is typing.get_type_hints(function)["return"], name


def test_every_analysis_has_a_case_and_every_case_an_analysis() -> None:
    assert set(CASES) == set(ANALYSES)


def test_every_answer_model_is_what_some_analysis_returns() -> None:
    returned = {typing.get_type_hints(f)["return"] for f in ANALYSES.values()}
    assert _all_answers() == returned


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("answers") / "store"
    store = open_store(path)
    try:
        assert import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl",
                                    LINEAGE / "small_edges.jsonl").outcome.accepted
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def cli_answers(store_dir: Path) -> dict[tuple[str, int], tuple[int, str]]:
    """Every case asked through the CLI first (exit code, stdout), before the gateway holds the store."""
    import contextlib
    import io

    found = {}
    for name, cases in CASES.items():
        for i, (args, _) in enumerate(cases):
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                code = main([*args, "--store", str(store_dir), "--format", "json"]
                            if name != "queries" else [*args, "--format", "json"])
            found[(name, i)] = (code, stdout.getvalue())
    return found


@pytest.fixture(scope="module")
def api(store_dir: Path, cli_answers: dict[tuple[str, int], tuple[int, str]]) -> Iterator[httpx.Client]:
    from live_gateway import running_gateway

    store = open_store(store_dir)
    try:
        with running_gateway(store, GatewaySettings()) as gateway, \
                httpx.Client(base_url=gateway.base_url + "/api/v1", timeout=30) as client:
            yield client
    finally:
        store.close()


@pytest.mark.parametrize(("name", "case"), [(name, i) for name, cases in CASES.items() for i in range(len(cases))])
def test_cli_json_is_the_rest_answer(name: str, case: int, cli_answers: dict[tuple[str, int], tuple[int, str]],
                                     api: httpx.Client) -> None:
    args, params = CASES[name][case]
    code, printed = cli_answers[(name, case)]
    assert code in (0, 1), printed          # 1: a negative answer (no path), still an answer
    response = api.get(f"/{name}", params=params)
    assert response.status_code == 200, response.text
    rest_answer = response.json()
    assert json.loads(printed) == rest_answer, args
    assert rest_answer, args


def test_the_new_commands_print_tables_for_people(store_dir: Path, cli_answers: dict[tuple[str, int], tuple[int, str]],
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    s = ["--store", str(store_dir)]
    assert main(["dataset", "meta-math/MetaMathQA", *s]) == 0
    shown = capsys.readouterr().out
    assert "Bootstrapped math questions" in shown and "2 source(s)" in shown and "2 derived dataset(s)" in shown
    assert main(["lineage", "TIGER-Lab/MathInstruct", "--depth", "1", *s]) == 0
    assert "4 dataset(s) around TIGER-Lab/MathInstruct (1 not shown)" in capsys.readouterr().out
    assert main(["evidence", "meta-math/MetaMathQA", "openai/gsm8k", *s]) == 0
    assert "augmented from the training sets of GSM8K and MATH" in capsys.readouterr().out
    assert main(["datasets", "math", *s]) == 0
    assert "4 of 4 dataset(s)" in capsys.readouterr().out
    assert main(["lineage", "openai/gsm8k", "--direction", "sideways", *s]) == 2     # usage
    assert main(["evidence", "no/such", "openai/gsm8k", *s]) == 3                   # unknown dataset
