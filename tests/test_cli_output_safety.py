"""Data cannot hijack the terminal: every command's table, tree and text output, fuzzed with
dataset names that hold rich markup, terminal escapes, bidi overrides, invisible characters and
look-alike letters, on a real store, never raises and lets no control character through."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from helpers import write_jsonl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from lineagekg import iris
from lineagekg.cli import main, render
from lineagekg.cli.terminal_text import lookalike, visible
from lineagekg.model import AgentRun, Dataset, Derivation, DocumentRef
from lineagekg.provenance import LineageBatch, batch_quads
from lineagekg.store import open_store

# What must never reach a terminal raw: C0 but the line feed, DEL, C1, bidi controls, zero-width
# and other invisible characters, line and paragraph separators.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                         "\u2060-\u2069\ufeff\ufe00-\ufe0f]")
SGR = re.compile(r"\x1b\[[0-9;]*m")      # rich's own colours, on a terminal

FRAGMENTS = ["[/x]", "[red]", "[/red]", "[link=https://evil.example]", "[/link]", "[bold", "]", "[",
             "\\", "\x1b]8;;https://evil.example\x1b\\", "\x1b[2J", "\x1b[31m", "\x07", "\x9b31m", "\x85",
             "\u202e", "\u2066", "\u200b", "\u2028", "\ufeff", "\r", "\t", "\n", "ο", "а", "ｇ", "中文",
             "日本語", "gsm8k", "/", " "]
FIXED = ["[/x]", "[red]red[/red]", "[link=https://evil.example]click[/link]",
         "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "\x1b[2J\x1b[31mwiped", "\x9b31m c1",
         "evil\u202egnp.exe", "οpenai/gsm8k", "open\u200bai/gsm8k", "line\u2028sep\x85nel"]

names = st.lists(st.sampled_from(FRAGMENTS) | st.characters(codec="utf-8", exclude_categories=("Cs",)),
                 min_size=1, max_size=10).map("".join).filter(lambda s: s.strip() != "")


def _store_with(tmp: Path, parts: list[str]) -> tuple[Path, dict[str, str]]:
    """A store holding one lineage whose names are ``parts`` (prefixed so that they stay
    distinct and never start like an option), imported through the command: ``top`` derives
    from every ``mid`` and from the benchmark ``bench``, each ``mid`` from ``bench``; plus one
    claim waiting for review, with hostile evidence, agent and document title."""
    ids = {"bench": f"b-{parts[0].strip()}", "top": f"t-{parts[-1].strip()}",
           **{f"mid{i}": f"m{i}-{p.strip()}" for i, p in enumerate(parts[1:-1])}}
    mids = [v for k, v in ids.items() if k.startswith("mid")]
    meta = json.dumps({"relationship": "Direct Inclusion/Subset", "confidence": 0.9, "evidence": parts[0],
                       "source": "Paper"})
    nodes = write_jsonl(tmp / "nodes.jsonl", [{"name": ids["bench"], "is_benchmark": True, "categories": ["math"],
                                               "terminal_reason": parts[1]}, *[{"name": n} for n in mids],
                                              {"name": ids["top"]}])
    edges = write_jsonl(tmp / "edges.jsonl", [
        *[{"target": n, "source": ids["bench"], "meta_info": meta} for n in mids],
        *[{"target": ids["top"], "source": n, "meta_info": meta} for n in mids],
        {"target": ids["top"], "source": ids["bench"], "meta_info": meta}])
    store_dir = tmp / "store"
    assert main(["import", "lineage-jsonl", str(nodes), str(edges), "--store", str(store_dir)]) == 0
    graph = iris.graph_iri("trace", iris.digest(*parts))
    doc = "https://example.org/README.md"
    run = AgentRun(iri=iris.activity_iri("trace", iris.digest(*parts)), kind="TracingRun",
                   agent_iri=iris.agent_iri("test-tracer", "1"), agent_label=parts[2],
                   started_at="2025-01-02T03:04:05Z",
                   used=(DocumentRef(iri=doc, title=parts[3], sha256="0" * 64, kind="github_readme"),))
    claim = Derivation(mids[-1], mids[0], "includedFrom", 0.5, f"{parts[0]} {parts[3]}", documents=(doc,),
                       review_status="PendingReview")
    with open_store(store_dir) as store:
        batch = LineageBatch(graph=graph, datasets=(Dataset(mids[-1], on_hub=False), Dataset(mids[0], on_hub=False)),
                             derivations=(claim,), run=run)
        assert store.import_quads(batch_quads(batch), graph).accepted
    return store_dir, ids


def _commands(ids: dict[str, str]) -> list[list[str]]:
    b, m, t = ids["bench"], ids["mid0"], ids["top"]
    return [["ancestors", t], ["descendants", b], ["roots", t], ["shared-roots", t, m], ["path", t, b],
            ["contamination", b], ["redundancy"], ["structure"], ["stats"], ["tree", t], ["tree", b, "--down"],
            ["query", "ancestors", "--param", f"dataset={t}"], ["review"], ["roots", t + "?"]]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _check(shown: str, args: list[str]) -> None:
    assert "Traceback" not in shown and "MarkupError" not in shown, (args, shown)
    bad = RAW_CONTROL.search(SGR.sub("", shown))
    assert bad is None, (args, repr(bad.group()), shown)
    assert "\x1b]" not in shown, (args, shown)          # no OSC: no hyperlink, no title change


# a fixed seed keeps CI repeatable; LINEAGEKG_FUZZ_EXAMPLES=200 (and a random seed) for a longer hunt
@settings(max_examples=int(os.environ.get("LINEAGEKG_FUZZ_EXAMPLES", "3")), deadline=None,
          derandomize="LINEAGEKG_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(parts=st.lists(names, min_size=6, max_size=10))
@example(parts=FIXED)
def test_every_command_shows_hostile_names_as_text(parts: list[str], tmp_path_factory: pytest.TempPathFactory,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal console: rich's colour codes reach it, and nothing that the data holds."""
    store_dir, ids = _store_with(tmp_path_factory.mktemp("hostile"), parts)
    coloured = 0
    for args in _commands(ids):
        screen = io.StringIO()
        console = Console(file=screen, force_terminal=True, color_system="truecolor", width=160)
        monkeypatch.setattr(render, "stdout", console)
        monkeypatch.setattr(render, "stderr", console)
        code = main([*args, "--store", str(store_dir)])
        shown = screen.getvalue()
        _check(shown, args)
        expected = 3 if args[-1].endswith("?") else 0      # an unknown id: its error message is data too
        assert code == expected, (args, shown)
        coloured += bool(SGR.search(shown))
        if args[0] == "descendants":
            plain = SGR.sub("", shown)
            assert all(visible(ids[k])[:20] in plain for k in ids if k != "bench"), (args, shown)
    assert coloured >= 10                                    # it was a terminal


def test_markup_prints_literally_and_lookalikes_are_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    store_dir, ids = _store_with(tmp_path, ["[red]red[/red]", "[/x]", "[link=https://evil.example]click[/link]",
                                            "οpenai/gsm8k"])
    code, shown = _run(["descendants", ids["bench"], "--store", str(store_dir)], capsys)
    assert code == 0
    assert "b-[red]red[/red]" in shown and "m0-[/x]" in shown and "m1-[link=https://evil.example]click[/link]" in shown
    assert "t-οpenai/gsm8k ⚠ looks like 't-openai/gsm8k'" in shown
    assert lookalike("t-openai/gsm8k") is None


def test_trace_and_extract_show_hostile_document_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Names a traced document gives (YAML and prose) go through the same output: the trace's
    progress lines and summary, and extract's claims table."""
    card = tmp_path / "corpus" / "hostile" / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text('---\nsource_datasets:\n- "[/x]"\n- "[red]red[/red]"\n- "evil\u202egnp"\n'
                    '- "οpenai/gsm8k"\n---\n# hostile\n\nBuilt from [/x] data.\n', encoding="utf-8")
    for args in (["extract", str(card), "--dataset", "hostile"],
                 ["trace", "hostile", "--corpus", str(card.parent.parent), "--depth", "2", "--store",
                  str(tmp_path / "s")],
                 ["tree", "hostile", "--store", str(tmp_path / "s")],
                 ["ancestors", "hostile", "--store", str(tmp_path / "s")]):
        code, shown = _run(args, capsys)
        _check(shown, args)
        assert code == 0, (args, shown)
        assert "[red]red[/red]" in shown and "[/x]" in shown, (args, shown)
        assert "evil\\u202egnp" in shown, (args, shown)


def test_json_output_keeps_the_value_and_escapes_what_a_terminal_would_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store_dir, ids = _store_with(tmp_path, ["evil\u202egnp", "\x9b31m c1", "line\u2028sep", "\x1b]0;title\x07"])
    code, shown = _run(["descendants", ids["bench"], "--store", str(store_dir), "--format", "json"], capsys)
    assert code == 0 and RAW_CONTROL.search(shown) is None
    assert sorted(d["id"] for d in json.loads(shown)["items"]) == sorted(v for k, v in ids.items() if k != "bench")


def test_an_error_message_holding_markup_is_shown_not_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, shown = _run(["roots", "[/x]\x1b]8;;https://evil.example\x1b\\", "--store", str(tmp_path / "s")], capsys)
    assert code == 3 and "no dataset '[/x]\\x1b]8;;https://evil.example\\x1b\\\\'" in shown
    _check(shown, ["roots"])
