"""The sourcing agent on real documents of the corpus (tests/data/shared/lineage_corpus) and on small
corpora made here: which links describe a dataset, release dates and the cut-off, the Hub rules, linked
documents read from the corpus or fetched over real HTTP (a local server), an unreachable link,
and the local Hugging Face cache."""

from __future__ import annotations

import doctest
import functools
import hashlib
import http.server
import json
import os
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from helpers import SHARED_CORPUS

from lineagekg.agents import aggregation, release_dates
from lineagekg.agents.describing_links import DescribingLink, describing_links, fetch_link
from lineagekg.agents.release_dates import PartialDate, ReleaseDate, paper_date_of
from lineagekg.agents.sourcing import SourcingAgent
from lineagekg.corpus import Corpus, read_document
from lineagekg.corpus import folder as corpus_module
from lineagekg.errors import InputError, LineageKGError
from lineagekg.hub import dataset_exists
from lineagekg.text.sections import links

CORPUS = SHARED_CORPUS


@pytest.fixture(scope="module")
def agent(corpus: Corpus) -> SourcingAgent:
    return SourcingAgent(corpus)


def test_the_doctests_of_release_dates_corpus_and_aggregation_pass() -> None:
    for module in (release_dates, corpus_module, aggregation):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# --- links that describe the dataset -----------------------------------------------------------

def _links(path: str) -> list[tuple[str, str]]:
    return [(link.kind, link.url) for link in describing_links(read_document(CORPUS / path))]


def test_the_links_of_a_card_header(corpus: Corpus) -> None:
    """A legacy Hub card lists homepage, repository and paper; its licence and contributor links
    are not descriptions."""
    assert _links("hf_legacy_cards/gsm8k.md") == [
        ("blog", "https://openai.com/blog/grade-school-math/"),
        ("github", "https://github.com/openai/grade-school-math"),
        ("arxiv", "https://arxiv.org/abs/2110.14168"),
    ]


def test_a_link_to_another_datasets_paper_is_not_taken(corpus: Corpus) -> None:
    """``Paper about original dataset:`` and ``Homepage (original dataset):`` lead elsewhere."""
    found = _links("hf_legacy_cards/stsb_multi_mt.md")
    assert found == [("github", "https://github.com/PhilipMay/stsb-multi-mt")]
    assert any("1708.00055" in link.url for link in links(read_document(CORPUS / "hf_legacy_cards/stsb_multi_mt.md")))


def test_badges_count_by_their_text_and_named_links_do_not() -> None:
    """A README's OpenReview and arXiv badges describe it; the arXiv links of the projects it
    inspired (``[RTLCoder](...)``) do not (the layout of Magicoder's README, rewritten)."""
    text = ("# Coder\n\n"
            "[![Paper](https://img.shields.io/badge/ICML'24-OpenReview-b31b1b)](https://openreview.net/forum?id=XUeoOBid3x)\n"
            "[![arXiv](https://img.shields.io/badge/arXiv-2312.02120-b31b1b)](https://arxiv.org/abs/2312.02120)\n\n"
            "## Projects built on it\n\n"
            "- [RTLCoder](https://arxiv.org/abs/2312.08617) adapts the method to Verilog.\n"
            "- [SemCoder](https://arxiv.org/abs/2403.09032) trains on its data.\n")
    found = [(link.kind, link.url) for link in describing_links(read_document_from_text(text))]
    assert ("openreview", "https://openreview.net/forum?id=XUeoOBid3x") in found
    assert ("arxiv", "https://arxiv.org/abs/2312.02120") in found
    assert not any("2312.08617" in url or "2403.09032" in url for _, url in found)


def test_at_most_two_papers_three_repositories_three_blogs() -> None:
    text = "# Set\n\n" + "".join(f"- [Paper](https://arxiv.org/abs/2301.0000{i})\n" for i in range(4)) \
        + "".join(f"- [Code](https://github.com/acme/set{i})\n" for i in range(5))
    doc = read_document_from_text(text)
    kinds = [link.kind for link in describing_links(doc)]
    assert kinds == ["arxiv", "arxiv", "github", "github", "github"]


def read_document_from_text(text: str, url: str = "https://example.org/README.md"):
    from lineagekg.documents import SourceDocument

    return SourceDocument(url=url, kind="github_readme", text=text, about=("acme/set",))


# --- dates -------------------------------------------------------------------------------------

def test_partial_dates_and_the_cut_off() -> None:
    assert paper_date_of("https://arxiv.org/abs/1910.10683v3") == PartialDate(2019, 10)
    assert paper_date_of("https://aclanthology.org/P19-1472.pdf") == PartialDate(2019)
    assert PartialDate.parse("2019-13") is None and PartialDate.parse("soon") is None
    cutoff = date(2020, 1, 1)
    assert ReleaseDate(paper=PartialDate(2019, 12)).before(cutoff)
    assert not ReleaseDate(paper=PartialDate(2020)).before(cutoff)
    assert not ReleaseDate().before(cutoff)                     # unknown: expanded
    # the release is the earlier of the Hub and the paper dates
    legacy = ReleaseDate(hub=PartialDate(2022, 3, 2), paper=PartialDate(2018, 11))
    assert legacy.released == PartialDate(2018, 11) and legacy.before(cutoff)
    # "after" only when surely after: same year at year precision is not after
    assert ReleaseDate(paper=PartialDate(2023, 6)).after(ReleaseDate(paper=PartialDate(2021, 3)))
    assert not ReleaseDate(paper=PartialDate(2021, 6)).after(ReleaseDate(paper=PartialDate(2021)))


@pytest.mark.parametrize(("dataset", "paper", "before"), [
    ("openai/gsm8k", "2021-10", False),             # **Paper:** arXiv 2110.14168
    ("truthfulqa/truthful_qa", "2021-09", False),
    ("cais/mmlu", "2020-09", False),
    ("tau/commonsense_qa", "2018-11", True),
    ("EdinburghNLP/xsum", "2018-08", True),
    ("Rowan/hellaswag", "2019", True),              # ACL Anthology P19-1472
    ("tatsu-lab/alpaca", None, False),              # a blog post, no paper: unknown, expanded
])
def test_release_dates_of_real_datasets(agent: SourcingAgent, dataset: str, paper: str | None, before: bool) -> None:
    release = agent.release(dataset)
    assert (str(release.paper) if release.paper else None) == paper
    assert release.before(date(2020, 1, 1)) is before


def test_the_corpus_index_can_give_dates_and_hub_status(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nA is a set of questions.\n", encoding="utf-8")
    (tmp_path / "index.json").write_text(json.dumps({
        "documents": [{"file": "a.md", "kind": "github_readme", "url": "https://example.org/a",
                       "datasets": ["acme/a"]}],
        "datasets": [{"id": "acme/a", "files": ["a.md"], "hub_created_at": "2023-03-02T10:00:00Z",
                      "paper_date": "2019-05"},
                     {"id": "acme/private", "on_hub": False}]}), encoding="utf-8")
    agent = SourcingAgent(Corpus.from_directory(tmp_path))
    release = agent.release("acme/a")
    assert release.hub == PartialDate(2023, 3, 2) and release.paper == PartialDate(2019, 5)
    assert release.released == PartialDate(2019, 5)
    assert agent.on_hub("acme/private") is False and agent.on_hub("acme/a") is True

    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    index["datasets"][0]["paper_date"] = "last spring"
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(InputError, match=r"datasets\[0\]\.paper_date"):
        Corpus.from_directory(tmp_path)


# --- the Hub -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("dataset", "expected"), [
    ("Flan 2021", False),                        # a space: never a Hub id
    ("GPT-4-LLM:alpaca_gpt4_data", False),       # a colon
    ("lukaemon/bbh (BIG-Bench Hard)", False),
    ("openai/gsm8k", True),                      # an org/name id of the corpus index
    ("ShareGPT", None),                          # offline, nothing tells: unknown, not "not on the Hub"
    ("someone/never-heard-of", None),
])
def test_offline_hub_rules(agent: SourcingAgent, dataset: str, expected: bool | None) -> None:
    assert agent.on_hub(dataset) is expected


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_hub_check_without_a_reachable_hub_says_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    assert dataset_exists("openai/gsm8k", endpoint=endpoint, timeout=2) is None
    assert dataset_exists("not a valid id!", endpoint=endpoint, timeout=2) is False
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert dataset_exists("openai/gsm8k", endpoint=endpoint, timeout=2) is None


COMMIT = "3f2b6c1d0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"


def test_the_local_hf_cache_is_read_when_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = (CORPUS / "hf_legacy_cards" / "gsm8k.md").read_bytes()
    repo = tmp_path / "hub" / "datasets--openai--gsm8k"
    etag = hashlib.sha256(content).hexdigest()
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs" / etag).write_bytes(content)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    (repo / "snapshots" / COMMIT).mkdir(parents=True)
    os.symlink(Path("..") / ".." / "blobs" / etag, repo / "snapshots" / COMMIT / "README.md")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))

    agent = SourcingAgent(None)                       # no corpus: the cache only
    found = agent.sources("openai/gsm8k")
    assert [d.url for d in found.documents] == [
        f"https://huggingface.co/datasets/openai/gsm8k/blob/{COMMIT}/README.md"]
    assert agent.on_hub("openai/gsm8k") is True
    assert agent.release("openai/gsm8k").paper == PartialDate(2021, 10)
    # offline, the card's links are listed, not fetched
    assert [link.kind for link in found.links_not_fetched] == ["blog", "github", "arxiv"]
    assert agent.sources("openai/other").attempts == []


# --- linked documents --------------------------------------------------------------------------

def _corpus_with_link(root: Path, link: str, label: str = "Repository") -> Corpus:
    (root / "card.md").write_text(
        "---\npretty_name: Mix\n---\n\n# Mix\n\n"
        f"- **{label}:** {link}\n\n## Dataset Summary\n\nMix is a set of math problems.\n", encoding="utf-8")
    (root / "repo.md").write_text("# Mix code\n\nWe sample 5k problems from GSM8K to build Mix.\n", encoding="utf-8")
    (root / "index.json").write_text(json.dumps({
        "documents": [
            {"file": "card.md", "kind": "hf_card", "url": "https://huggingface.co/datasets/acme/mix/blob/main/README.md",
             "datasets": ["acme/mix"]},
            {"file": "repo.md", "kind": "github_readme",
             "url": "https://github.com/acme-research/mix/blob/0123abc/README.md", "datasets": []}],
        "datasets": [{"id": "acme/mix", "files": ["card.md"]}, {"id": "openai/gsm8k", "aliases": ["GSM8K"]}],
    }), encoding="utf-8")
    return Corpus.from_directory(root)


def test_a_linked_document_in_the_corpus_is_read_from_there(tmp_path: Path) -> None:
    """The card links its repository; the corpus lists that repository's README (at a commit):
    it is read from the corpus, offline."""
    agent = SourcingAgent(_corpus_with_link(tmp_path, "https://github.com/acme-research/mix"))
    found = agent.sources("acme/mix")
    assert [(a.iri, a.via) for a in found.attempts] == [
        ("https://huggingface.co/datasets/acme/mix/blob/main/README.md", None),
        ("https://github.com/acme-research/mix/blob/0123abc/README.md", "https://github.com/acme-research/mix")]
    assert all(a.outcome is None for a in found.attempts) and found.links_not_fetched == []


class _Pages(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:      # keep the test output clean
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "mix.md").write_text("# Mix, the blog post\n\nWe sample 5k problems from GSM8K to build Mix.\n",
                                 encoding="utf-8")
    (root / "figure.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Pages, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_links_are_fetched_online_and_only_online(tmp_path: Path, web: str) -> None:
    corpus = _corpus_with_link(tmp_path, f"{web}/mix.md", label="Blog")
    offline = SourcingAgent(corpus).sources("acme/mix")
    assert [link.url for link in offline.links_not_fetched] == [f"{web}/mix.md"]
    assert len(offline.attempts) == 1

    online = SourcingAgent(corpus, online=True, hub=False).sources("acme/mix")
    fetched = [a for a in online.attempts if a.via]
    assert len(fetched) == 1 and fetched[0].outcome is None and fetched[0].kind == "blog"
    doc = fetched[0].document
    assert doc is not None and doc.url == f"{web}/mix.md" and doc.about == ("acme/mix",)
    assert "We sample 5k problems from GSM8K" in doc.text and doc.retrieved_at


def test_a_binary_page_and_an_unreachable_link_are_outcomes_not_crashes(tmp_path: Path, web: str) -> None:
    binary = DescribingLink(url=f"{web}/figure.md", kind="blog", label="Blog", document="urn:x")
    with pytest.raises(InputError, match="binary"):
        fetch_link(binary)
    gone = DescribingLink(url=f"http://127.0.0.1:{_closed_port()}/paper", kind="paper", label="Paper", document="urn:x")
    with pytest.raises(LineageKGError, match="unreachable link"):
        fetch_link(gone, timeout=2)
    missing = DescribingLink(url=f"{web}/no-such-page", kind="blog", label="Blog", document="urn:x")
    with pytest.raises(LineageKGError, match="HTTP 404"):
        fetch_link(missing)

    corpus = _corpus_with_link(tmp_path, gone.url, label="Paper")
    found = SourcingAgent(corpus, online=True, hub=False, timeout=2).sources("acme/mix")
    assert [(a.iri, a.outcome) for a in found.failed] == [(gone.url, "DocumentUnreachable")]
    assert gone.url in (found.failed[0].message or "")
    assert len(found.documents) == 1                  # the card is still there to trace


# --- Hub search for names the alias table does not know ------------------------------------------

class _JSONReplies(http.server.BaseHTTPRequestHandler):
    """A local HTTP server's handler that answers JSON, quietly."""

    def reply(self, status: int, value: object) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _HubSearch(_JSONReplies):
    """A Hub API that answers ``GET /api/datasets?search=`` from a fixed list of dataset ids."""

    ids = ["openbmb/UltraFeedback", "argilla/ultrafeedback-binarized-preferences",
           "HuggingFaceH4/ultrafeedback_binarized",
           "someone/ShareGPT", "other/sharegpt", "TIGER-Lab/MathInstruct"]
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 -- the http.server convention
        from urllib.parse import parse_qs, urlparse

        url = urlparse(self.path)
        type(self).seen.append(self.path)
        term = parse_qs(url.query).get("search", [""])[0].lower()
        self.reply(200 if url.path == "/api/datasets" else 404,
                   [{"id": i, "_id": i} for i in self.ids if term in i.lower()])


def _hub_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Online for this test: the environment, and huggingface_hub's flag read at its import (an
    earlier test may have imported it with HF_HUB_OFFLINE=1)."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def hub_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _hub_online(monkeypatch)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HubSearch)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _HubSearch.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_hub_search_resolves_a_name_to_the_one_dataset_spelt_the_same(hub_api: str) -> None:
    from lineagekg.hub import search_dataset

    assert search_dataset("UltraFeedback", endpoint=hub_api) == "openbmb/UltraFeedback"
    assert search_dataset("Math Instruct", endpoint=hub_api) is None        # the search finds nothing
    assert search_dataset("MathInstruct", endpoint=hub_api) == "TIGER-Lab/MathInstruct"
    assert search_dataset("ShareGPT", endpoint=hub_api) is None             # two spelt the same: no guess
    assert search_dataset("nothing-like-it", endpoint=hub_api) is None
    assert all(p.startswith("/api/datasets?") for p in _HubSearch.seen)


def test_hub_search_needs_the_network(hub_api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from lineagekg.hub import search_dataset

    offline_agent = SourcingAgent(None, online=False, endpoint=hub_api)
    assert offline_agent.find_on_hub("UltraFeedback") is None
    online_agent = SourcingAgent(None, online=True, endpoint=hub_api)
    assert online_agent.find_on_hub("UltraFeedback") == "openbmb/UltraFeedback"
    assert online_agent.find_on_hub("UltraFeedback") == "openbmb/UltraFeedback"    # asked once
    assert len(_HubSearch.seen) == 1
    assert search_dataset("UltraFeedback", endpoint=f"http://127.0.0.1:{_closed_port()}") is None
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert search_dataset("UltraFeedback", endpoint=hub_api) is None
    assert len(_HubSearch.seen) == 1


class _HubDown(_JSONReplies):
    def do_GET(self) -> None:  # noqa: N802
        self.reply(503, {"error": "Service Unavailable"})


def test_a_hub_that_answers_503_is_unknown_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from lineagekg.hub import search_dataset

    _hub_online(monkeypatch)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HubDown)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert search_dataset("UltraFeedback", endpoint=endpoint) is None
        assert dataset_exists("openbmb/UltraFeedback", endpoint=endpoint, timeout=2) is None
    finally:
        server.shutdown()
