"""``lineagekg tree`` on the small graph of tests/data/lineage (drawn in its README): branches with
their relations, roots and benchmarks marked, a dataset reached twice shown once, depth limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lineagekg.analyses import Lineage, TreeNode
from lineagekg.cli import main
from lineagekg.errors import UnknownDatasetError

LINEAGE = Path(__file__).parent / "data" / "lineage"


def shape(node: TreeNode) -> tuple:
    """A tree as nested tuples: (id, relations, marks, children). Breadth-first: a dataset is
    expanded where it is nearest the top, and marked ``seen`` where it comes again."""
    marks = tuple(m for m, on in (("benchmark", node.is_benchmark), ("root", node.is_root),
                                  ("seen", node.seen_above), ("more", node.truncated)) if on)
    return (node.id, tuple(node.relations), marks, tuple(shape(c) for c in node.children))


def lineage_tree(lineage: Lineage, dataset: str, *, depth: int | None = None, down: bool = False) -> TreeNode:
    return lineage.tree(dataset, direction="down" if down else "up", depth=depth).tree


def test_upstream_tree_of_math_mix(small: Lineage) -> None:
    top = lineage_tree(small, "example/math-mix")
    assert shape(top) == (
        "example/math-mix", (), (), (
            ("meta-math/MetaMathQA", ("includedFrom",), (), (
                ("hendrycks/competition_math", ("evolvedFrom",), ("benchmark", "root"), ()),
                ("openai/gsm8k", ("evolvedFrom",), ("benchmark", "root"), ()))),
            ("tatsu-lab/alpaca", ("includedFrom",), (), (
                ("self-instruct seed tasks", ("generatedFrom",), ("root",), ()),)),
            ("TIGER-Lab/MathInstruct", ("includedFrom",), (), (
                ("meta-math/MetaMathQA", ("includedFrom",), ("seen",), ()),
                ("openai/gsm8k", ("fusedFrom",), ("benchmark", "root", "seen"), ()))),
        ))
    seeds = top.children[1].children[0]
    assert seeds.terminal_reason == "NotOnHub"


def test_downstream_tree_of_gsm8k(small: Lineage) -> None:
    top = lineage_tree(small, "openai/gsm8k", down=True)
    assert shape(top) == (
        "openai/gsm8k", (), ("benchmark", "root"), (
            ("meta-math/MetaMathQA", ("evolvedFrom",), (), (
                ("example/math-mix", ("includedFrom",), (), ()),
                ("TIGER-Lab/MathInstruct", ("includedFrom",), ("seen",), ()))),
            ("TIGER-Lab/MathInstruct", ("fusedFrom",), (), (
                ("example/math-mix", ("includedFrom",), ("seen",), ()),)),
        ))


def test_depth_cuts_the_tree_and_says_so(small: Lineage) -> None:
    top = lineage_tree(small, "example/math-mix", depth=1)
    assert [(c.id, c.truncated, c.children) for c in top.children] == [
        ("meta-math/MetaMathQA", True, []), ("tatsu-lab/alpaca", True, []), ("TIGER-Lab/MathInstruct", True, [])]
    leaf = lineage_tree(small, "vicgalle/alpaca-gpt4", depth=1)
    assert [(c.id, c.relations, c.truncated) for c in leaf.children] == [("tatsu-lab/alpaca", ["distilledFrom"], True)]
    assert lineage_tree(small, "vicgalle/alpaca-gpt4", depth=2).children[0].truncated is False


def test_unknown_dataset(small: Lineage) -> None:
    with pytest.raises(UnknownDatasetError):
        lineage_tree(small, "no/such-dataset")


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "store"
    assert main(["import", "lineage-jsonl", str(LINEAGE / "small_nodes.jsonl"), str(LINEAGE / "small_edges.jsonl"),
                 "--store", str(path)]) == 0
    return str(path)


def test_tree_command_text_and_json(store_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["tree", "example/math-mix", "--store", store_dir]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "example/math-mix"
    assert "├── includedFrom meta-math/MetaMathQA" in lines[1]
    assert lines[2].endswith("evolvedFrom hendrycks/competition_math  benchmark root (NoSourceFound)")
    assert any(line.endswith("generatedFrom self-instruct seed tasks  root (NotOnHub)") for line in lines)
    assert any(line.endswith("includedFrom meta-math/MetaMathQA (see above)") for line in lines)
    assert lines[-1] == "8 branch(es); source(s) of example/math-mix"

    assert main(["tree", "tatsu-lab/alpaca", "--down", "--store", store_dir, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["dataset"], data["direction"]) == ("tatsu-lab/alpaca", "down")
    assert sorted((c["id"], c["relations"][0]) for c in data["tree"]["children"]) == [
        ("example/math-mix", "includedFrom"), ("vicgalle/alpaca-gpt4", "distilledFrom")]

    assert main(["tree", "openai/gsm8k", "vicgalle/alpaca-gpt4", "--store", store_dir, "--format", "json"]) == 0
    trees = json.loads(capsys.readouterr().out)["trees"]
    assert [(t["dataset"], [c["id"] for c in t["tree"]["children"]]) for t in trees] == [
        ("openai/gsm8k", []), ("vicgalle/alpaca-gpt4", ["tatsu-lab/alpaca"])]
    assert trees[0]["tree"]["is_benchmark"] and trees[0]["tree"]["is_root"]

    assert main(["tree", "example/math-mix", "--depth", "0", "--store", store_dir]) == 2   # usage
    assert main(["tree", "no/such", "--store", store_dir]) == 3
