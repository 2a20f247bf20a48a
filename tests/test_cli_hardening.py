"""The smaller ways hostile or unlucky input went wrong, each through the real command on a real
store: JSON Lines split on "\\n" only, numbers and URLs that cannot be used as located input
errors, distinct names on distinct IRIs, a dead network reported as unreachable (never as
absence), usage errors exiting 2, import progress only on a terminal, RocksDB logs capped."""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import write_jsonl
from rich.console import Console

from lineagekg import iris
from lineagekg.agents.describing_links import DescribingLink, fetch_link
from lineagekg.agents.sourcing import SourcingAgent
from lineagekg.cli import main, render
from lineagekg.errors import LineageKGError, UnreachableError
from lineagekg.store import open_store
from lineagekg.store.oxigraph import INFO_LOGS_KEPT

META = json.dumps({"relationship": "Direct Inclusion/Subset", "confidence": 0.9, "evidence": "q", "source": "Paper"})


def _edges(tmp_path: Path, *pairs: tuple[str, str]) -> Path:
    return write_jsonl(tmp_path / "edges.jsonl", [{"target": t, "source": s, "meta_info": META} for t, s in pairs])


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- JSON Lines: a record ends at "\n", nothing else --------------------------------------------

def test_separators_inside_json_strings_are_data_not_line_breaks(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    summary = "first\u2028second\u0085third\u2029fourth\x0c"     # raw, as JSON allows in a string
    nodes = tmp_path / "nodes.jsonl"
    nodes.write_text(json.dumps({"name": "acme/mix", "summary": summary}, ensure_ascii=False) + "\r\n"
                     + json.dumps({"name": "acme/base"}) + "\n", encoding="utf-8")
    assert "\u2028" in nodes.read_text(encoding="utf-8")             # not escaped by the writer
    store = str(tmp_path / "s")
    code, out, err = _run(capsys, "import", "lineage-jsonl", str(nodes), str(_edges(tmp_path, ("acme/mix",
                                                                                               "acme/base"))),
                          "--store", store, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["datasets"] == 2
    with open_store(store) as st:
        rows = st.user_query('SELECT ?s WHERE { ?d <http://purl.org/dc/terms/description> ?s }')
        assert [r["s"].value for r in rows] == [summary.strip()]


# --- numbers and URLs no dataset can have: located input errors, exit 3 -------------------------

@pytest.mark.parametrize(("line", "field", "message"), [
    ('{"name": "acme/base", "hf_year": 1e999}', "hf_year", "expected an integer"),
    ('{"name": "acme/base", "downloads": -1e999}', "downloads", "expected an integer"),
    ('{"name": "acme/base", "year": NaN}', "year", "expected an integer"),
    ('{"name": "acme/base", "paper_url": "https://arxiv.org/abs/2309 12284"}', "paper_url", "not an http(s) URL"),
    ('{"name": "acme/base", "downloads": ' + "9" * 5000 + "}", None, "not usable JSON"),
    ('{"name": ' + "[" * 100_000 + "}", None, "not usable JSON"),
])
def test_unusable_values_are_located_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  line: str, field: str | None, message: str) -> None:
    nodes = tmp_path / "nodes.jsonl"
    nodes.write_text('{"name": "acme/mix"}\n' + line + "\n", encoding="utf-8")
    store = tmp_path / "s"
    code, _, err = _run(capsys, "import", "lineage-jsonl", str(nodes), str(_edges(tmp_path, ("acme/mix", "acme/base"))),
                        "--store", str(store))
    assert code == 3, err
    assert f"{nodes}:2" in err and message in err and "Traceback" not in err
    if field:
        assert f"(field '{field}')" in err
    with open_store(store) as st:                                    # nothing written
        ask = "ASK { GRAPH ?g { ?s ?p ?o } FILTER(?g != <urn:lineagekg:graph:ontology>) }"
        assert st.user_query(ask).boolean is False


# --- distinct names, distinct IRIs -------------------------------------------------------------

def test_names_that_slug_alike_get_distinct_iris(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["C++ code", "C code", "COIG 中文", "COIG 日本語", "OPUS collection"]
    nodes = write_jsonl(tmp_path / "nodes.jsonl", [{"name": n} for n in names])
    edges = _edges(tmp_path, ("C++ code", "C code"), ("COIG 中文", "COIG 日本語"), ("OPUS collection", "C code"))
    store = str(tmp_path / "s")
    code, out, err = _run(capsys, "import", "lineage-jsonl", str(nodes), str(edges), "--store", store, "--format",
                          "json")
    assert code == 0, out + err
    assert len({iris.dataset_iri(n, on_hub=False) for n in names}) == 5
    assert iris.dataset_iri("OPUS collection",
                            on_hub=False).endswith("/dataset/opus-collection")   # readable when it can be
    code, out, _ = _run(capsys, "ancestors", "COIG 中文", "--store", store, "--format", "json")
    assert [a["id"] for a in json.loads(out)["items"]] == ["COIG 日本語"]
    code, out, _ = _run(capsys, "descendants", "C code", "--store", store, "--format", "json")
    assert sorted(d["id"] for d in json.loads(out)["items"]) == ["C++ code", "OPUS collection"]


def test_two_spellings_of_one_iri_name_both_names_and_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nodes = write_jsonl(tmp_path / "nodes.jsonl", [{"name": "OPUS collection"}, {"name": "acme/base"}])
    edges = _edges(tmp_path, ("acme/base", "C code"), ("OPUS_collection", "acme/base"))
    code, _, err = _run(capsys, "import", "lineage-jsonl", str(nodes), str(edges), "--store", str(tmp_path / "s"))
    assert code == 3
    assert "'OPUS collection'" in err and f"{nodes}:1" in err and "'OPUS_collection'" in err and f"{edges}:2" in err


def test_a_spelling_the_store_gives_another_name_is_refused_with_both(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s")
    first = write_jsonl(tmp_path / "first.jsonl", [{"name": "OPUS collection"}, {"name": "acme/base"}])
    assert main(["import", "lineage-jsonl", str(first), str(_edges(tmp_path, ("OPUS collection", "acme/base"))),
                 "--store", store]) == 0
    second = write_jsonl(tmp_path / "second.jsonl", [{"name": "acme/other"}, {"name": "OPUS_collection"}])
    code, _, err = _run(capsys, "import", "lineage-jsonl", str(second),
                        str(_edges(tmp_path, ("OPUS_collection", "acme/other"))), "--store", store)
    assert code == 3 and "Traceback" not in err
    assert f"{second}:2" in err and "'OPUS collection' (in the store)" in err and "'OPUS_collection'" in err


# --- a dead network is "unreachable", never "no source" ----------------------------------------

class _HubDown(http.server.BaseHTTPRequestHandler):
    """A Hub (and a web site) that answers every request 503, counting them."""

    requests: list[str] = []

    def _down(self) -> None:
        type(self).requests.append(f"{self.command} {self.path}")
        body = b'{"error": "Service Unavailable"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = _down

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from huggingface_hub import constants

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HubDown)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", url)
    _HubDown.requests = []
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def test_a_trace_without_the_hub_records_no_absence_and_asks_once(tmp_path: Path, hub_down: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s")
    code, out, err = _run(capsys, "trace", "acme/one", "acme/two", "acme/three", "--online", "--store", store,
                          "--format", "json")
    summary = json.loads(out)
    assert code == 1                                       # not a clean run: a re-run has work left
    assert summary["datasets_unreachable"] == 3 and summary["terminal_reasons"] == {}
    assert summary["quads_written"] == 0 and summary["datasets_traced"] == 0
    asked = [r for r in _HubDown.requests if "/datasets/" in r]   # (huggingface_hub asks other things of its own)
    assert asked == ["GET /api/datasets/acme/one"]         # the Hub asked once, not once (and retried) per dataset
    code, out, _ = _run(capsys, "stats", "--store", store, "--format", "json")
    assert json.loads(out)["terminal_reasons"] == {}       # no "no source found", no terminal mark at all
    code, _, err = _run(capsys, "trace", "acme/one", "--online", "--store", store)
    assert code == 1 and "unreachable" in err


def test_a_page_that_is_down_is_unreachable_and_one_that_is_gone_is_not(hub_down: str) -> None:
    down = DescribingLink(url=f"{hub_down}/paper", kind="blog", label="Blog", document="urn:x")
    with pytest.raises(UnreachableError, match="HTTP 503"):
        fetch_link(down)
    agent = SourcingAgent(None, online=True)
    assert agent.on_hub("acme/one") is None and agent.hub_down      # unknown, and not asked again
    assert agent.sources("acme/one").unreachable and not agent.sources("acme/one").documents


def test_a_404_page_is_a_plain_failure(tmp_path: Path) -> None:
    import functools

    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        gone = DescribingLink(url=f"http://127.0.0.1:{server.server_address[1]}/gone", kind="blog", label="Blog",
                              document="urn:x")
        with pytest.raises(LineageKGError, match="HTTP 404") as info:
            fetch_link(gone)
        assert not isinstance(info.value, UnreachableError)
    finally:
        server.shutdown()
        server.server_close()


# --- usage errors exit 2, as documented --------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["tree", "x", "--depth", "0"], ["trace", "x", "--depth", "-1"], ["trace", "x", "--cutoff", "soon"],
    ["export", "--format", "csv"], ["query", "ancestors"], ["query", "ancestors", "-p", "nonsense"],
    ["query", "ancestors", "-p", "dataset=x", "--results", "yaml"], ["stats", "--format", "yaml"], ["no-such-command"],
    ["trace", "x", "--backend", "oracle"], ["extract", "no-such-file.md", "--backend", "oracle"],
])
def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, _, err = _run(capsys, *args, "--store", str(tmp_path / "s"))
    assert code == 2, err
    assert "Traceback" not in err


# --- import progress: on a terminal only, never with --quiet -----------------------------------

def test_import_progress_shows_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    nodes = write_jsonl(tmp_path / "nodes.jsonl", [{"name": "acme/mix"}, {"name": "acme/base"}])
    edges = _edges(tmp_path, ("acme/mix", "acme/base"))
    code, _, err = _run(capsys, "import", "lineage-jsonl", str(nodes), str(edges), "--store", str(tmp_path / "a"))
    assert code == 0 and "validating" not in err                  # stderr is not a terminal here

    for quiet, store in ((False, "b"), (True, "c")):
        screen = io.StringIO()
        monkeypatch.setattr(render, "stderr", Console(file=screen, force_terminal=True, width=120))
        args = ["import", "lineage-jsonl", str(nodes), str(edges), "--store", str(tmp_path / store)]
        assert main(args + (["--quiet"] if quiet else [])) == 0
        shown = screen.getvalue()
        assert ("validating" in shown and "quads with SHACL" in shown) is not quiet, shown


# --- RocksDB info logs do not pile up ----------------------------------------------------------

def test_repeated_commands_do_not_accumulate_rocksdb_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    counts = []
    for _ in range(6):
        assert main(["stats", "--store", str(store)]) == 0
        counts.append(len(list(store.glob("LOG.old.*"))))
    assert counts[-1] == counts[-2] == INFO_LOGS_KEPT, counts
    assert (store / "LOG").exists()
