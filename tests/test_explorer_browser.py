"""The explorer page at ``/``: in headless Debian Chromium (selenium, chromium-driver) against the
small graph served by a live gateway, and without a browser, its files and their licences.

The small graph (tests/data/lineage/README.md) has known answers: example/math-mix is built from
TIGER-Lab/MathInstruct, meta-math/MetaMathQA and tatsu-lab/alpaca (all "Direct Inclusion"), has
six ancestors and three roots, and openai/gsm8k reaches it in two hops.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from lineagekg.api.explorer import STATIC_DIR
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
VENDOR = STATIC_DIR / "vendor"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
PERMISSIVE = {"MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "0BSD"}
WAIT = 30  # seconds selenium waits for the page to reach a state (a limit, not an assertion)

MATH_MIX = "example/math-mix"
MATH_MIX_SOURCES = {"TIGER-Lab/MathInstruct", "meta-math/MetaMathQA", "tatsu-lab/alpaca"}
MATH_MIX_ANCESTORS = MATH_MIX_SOURCES | {"openai/gsm8k", "hendrycks/competition_math", "self-instruct seed tasks"}
MATH_MIX_ROOTS = {"openai/gsm8k", "hendrycks/competition_math", "self-instruct seed tasks"}
WIDE_CHILDREN = 40     # datasets derived from wide/bench in the star graph of the collapse test


# --- without a browser: the page's files, the vendored libraries and their licences -------------

def _notice_rows() -> list[dict[str, str]]:
    """The rows of vendor/NOTICE.md's table, keyed by its header."""
    lines = [ln for ln in (VENDOR / "NOTICE.md").read_text(encoding="utf-8").splitlines() if ln.startswith("|")]
    header = [c.strip().lower() for c in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def test_every_vendored_file_has_its_licence_in_the_notice() -> None:
    rows = _notice_rows()
    assert {r["package"] for r in rows} >= {"cytoscape", "cytoscape-dagre"}
    folders = {r["folder"].strip("`").rstrip("/"): r for r in rows}
    files = [p for p in VENDOR.rglob("*") if p.is_file() and p.name != "NOTICE.md"]
    assert len(files) >= 4, files
    for path in files:
        rel = path.relative_to(VENDOR)
        row = folders.get(rel.parts[0])
        assert row is not None, f"{rel} is in no package folder listed in vendor/NOTICE.md"
        assert len(rel.parts) == 2 and rel.name in row["files"], f"{rel} is not listed in vendor/NOTICE.md"
        assert row["licence"] in PERMISSIVE, f"{rel}: licence {row['licence']!r}"
        licence = path.parent / "LICENSE"
        assert licence.is_file(), f"{rel}: no LICENSE beside it"
        text = {"Apache-2.0": "Apache License"}.get(row["licence"], "Permission is hereby granted")
        assert text in licence.read_text(encoding="utf-8"), f"{licence} is not a {row['licence']} text"
        assert row["npm"] == f"https://www.npmjs.com/package/{row['package']}/v/{row['version']}"


def test_the_notice_matches_the_npm_manifest_and_lock() -> None:
    manifest = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    rows = {r["package"]: r for r in _notice_rows()}
    assert set(rows) == set(manifest["dependencies"])
    for name, version in manifest["dependencies"].items():
        assert rows[name]["version"] == version == lock["packages"][f"node_modules/{name}"]["version"]
        assert rows[name]["licence"] == lock["packages"][f"node_modules/{name}"]["license"]
    # the built files are the ones of those versions (each carries its version string)
    assert 'version="3.34.4"' in (VENDOR / "cytoscape" / "cytoscape.min.js").read_text(encoding="utf-8")
    assert 'PACKAGE_VERSION:"5.35.0"' in (VENDOR / "swagger-ui" / "swagger-ui-bundle.js").read_text(encoding="utf-8")
    assert manifest["dependencies"]["cytoscape"] == "3.34.4"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "script" and name == "src") or (tag == "link" and name == "href")):
                self.refs.append(value)


@pytest.mark.parametrize(("path", "script"), [("/", "/static/vendor/cytoscape/cytoscape.min.js"),
                                              ("/api/v1/docs", "/static/vendor/swagger-ui/swagger-ui-bundle.js")])
def test_page_and_its_files_are_served_from_the_gateway(small_gateway, path: str, script: str) -> None:
    page = httpx.get(small_gateway.base_url + path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    parser = _Refs()
    parser.feed(page.text)
    assert script in parser.refs
    assert "<script>" not in page.text, "no inline script: the policy would block it"
    for ref in parser.refs:
        assert ref.startswith("/static/"), f"the page loads {ref} from elsewhere than /static"
        served = httpx.get(small_gateway.base_url + ref)
        assert served.status_code == 200, ref
        assert served.content == (STATIC_DIR / ref.removeprefix("/static/")).read_bytes()
    missing = httpx.get(small_gateway.base_url + "/static/no-such-file.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_page_script_talks_only_to_this_gateway() -> None:
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    absolute = set(re.findall(r"https?://[^\s\"'`]+", script))
    assert absolute <= {"http://www.w3.org/2000/svg"}, f"app.js names other hosts: {absolute}"
    for path in ("/api/v1/lineage", "/api/v1/datasets", "/api/v1/evidence", "/api/v1/contamination",
                 "/api/v1/queries", "/sparql"):
        assert f'"{path}"' in script


# --- in headless Chromium -------------------------------------------------------------------------

def _missing_browser() -> str | None:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return "Debian chromium is not installed (/usr/bin/chromium)"
    if not CHROMEDRIVER.exists() and not shutil.which("chromedriver"):
        return "Debian chromium-driver is not installed (/usr/bin/chromedriver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium through chromedriver, with a fresh profile; fails under CI when missing."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{missing}: CI must install it (.ci/run installs chromium and chromium-driver)",
                        pytrace=False)
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="lineagekg-chromium-")
    options = Options()
    options.binary_location = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER if CHROMEDRIVER.exists() else shutil.which("chromedriver")))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser) -> Iterator[object]:
    """The browser with its logs drained before the test; after it, checks that every request
    went to loopback and that the console logged no error (nor a script's warning)."""
    browser.get_log("performance")
    browser.get_log("browser")
    yield browser
    urls = []
    for entry in browser.get_log("performance"):
        event = json.loads(entry["message"])["message"]
        if event.get("method") == "Network.requestWillBeSent":
            urls.append(event["params"]["request"]["url"])
    assert urls, "the performance log recorded no request"
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "chrome"):   # not network (chrome: the browser's own pages)
            continue
        assert parts.scheme in ("http", "https", "ws", "wss"), f"unexpected request {url}"
        assert parts.hostname in LOOPBACK, f"the page sent a request off the machine: {url}"
    # errors, and warnings the page's scripts log (cytoscape warns about bad selectors and styles)
    errors = [e for e in browser.get_log("browser")
              if e["level"] == "SEVERE" or (e["level"] == "WARNING" and e.get("source") == "console-api")]
    assert not errors, errors


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(condition, message=f"waiting for {what}")


def _wait_focus(driver, dataset_id: str) -> None:
    def ready(d):
        graph = d.find_element("id", "graph")
        return graph.get_attribute("data-state") == "ready" and graph.get_attribute("data-focus") == dataset_id
    _wait(driver, ready, f"the graph of {dataset_id}")


def _model(driver) -> dict:
    """The cytoscape model of the graph: nodes (id, classes) and edges (source, target, family)."""
    return driver.execute_script("""
        const cy = window.lineageExplorer.cy;
        return {
          nodes: cy.nodes().map(n => ({id: n.id(), classes: n.classes()})),
          edges: cy.edges().map(e => ({id: e.id(), source: e.data('source'), target: e.data('target'),
                                       family: e.data('family'), classes: e.classes()})),
        };""")


def _open(driver, base_url: str, fragment: str = "") -> None:
    driver.get(base_url + "/" + fragment)
    _wait(driver, lambda d: d.execute_script("return !!(window.lineageExplorer && window.lineageExplorer.cy)"),
          "the explorer to start")


def _click_graph(driver, element_id: str, *, edge: bool) -> None:
    """A real mouse click on a node or on the middle of an edge, where cytoscape drew it."""
    from selenium.webdriver.common.action_chains import ActionChains

    point = driver.execute_script("""
        const ele = window.lineageExplorer.cy.getElementById(arguments[0]);
        const p = arguments[1] ? ele.renderedMidpoint() : ele.renderedPosition();
        const box = document.getElementById('graph').getBoundingClientRect();
        return [p.x - box.width / 2, p.y - box.height / 2];""", element_id, edge)
    graph = driver.find_element("id", "graph")
    ActionChains(driver).move_to_element_with_offset(graph, int(point[0]), int(point[1])).click().perform()


def test_api_docs_render_from_the_vendored_swagger_ui(page, small_gateway) -> None:
    """Swagger UI draws every REST operation from the gateway's OpenAPI description, under the
    page's Content-Security-Policy (a blocked script or style would be a console error) and with
    no request off the machine (both checked by the ``page`` fixture)."""
    page.get(small_gateway.base_url + "/api/v1/docs")
    _wait(page, lambda d: len(d.find_elements("css selector", ".opblock")) >= 10, "the operations")
    paths = {e.text for e in page.find_elements("css selector", ".opblock-summary-path")}
    assert {"/api/v1/ancestors", "/api/v1/datasets", "/sparql"} <= paths


def test_search_by_keyboard_draws_the_sources(page, small_gateway) -> None:
    from selenium.webdriver.common.keys import Keys

    _open(page, small_gateway.base_url)
    box = page.find_element("id", "search-input")
    box.send_keys("math-mix")
    _wait(page, lambda d: any(o.get_attribute("data-id") == MATH_MIX
                              for o in d.find_elements("css selector", "#search-options [role=option]")),
          "math-mix among the suggestions")
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "search-options-0"
    box.send_keys(Keys.ENTER)
    _wait_focus(page, MATH_MIX)

    model = _model(page)
    nodes = {n["id"]: n["classes"] for n in model["nodes"]}
    sources = {e["source"] for e in model["edges"] if e["target"] == MATH_MIX}
    assert sources == MATH_MIX_SOURCES
    assert {e["family"] for e in model["edges"] if e["target"] == MATH_MIX} == {"includedFrom"}
    assert set(nodes) == MATH_MIX_ANCESTORS | {MATH_MIX}          # nothing is derived from math-mix
    assert "focus" in nodes[MATH_MIX]
    assert {n for n, c in nodes.items() if "root" in c} == MATH_MIX_ROOTS
    assert {n for n, c in nodes.items() if "benchmark" in c} == {"openai/gsm8k", "hendrycks/competition_math"}
    fused = [e for e in model["edges"] if e["source"] == "openai/gsm8k" and e["target"] == "TIGER-Lab/MathInstruct"]
    assert [e["family"] for e in fused] == ["fusedFrom"]
    assert "fusedFrom" in fused[0]["classes"]
    # the legend names the five families; the dataset panel lists the three sources as buttons
    legend = page.find_element("id", "legend").text
    for word in ("included", "fused", "generated", "evolved", "distilled", "benchmark", "root"):
        assert word in legend
    _wait(page, lambda d: "Sources (3)" in d.find_element("id", "dataset-body").text, "the dataset panel")
    buttons = {b.text for b in page.find_elements("css selector", "#dataset-body ul.relations button.link")}
    assert buttons == MATH_MIX_SOURCES
    assert "depth 3" in page.find_element("id", "graph-status").text


def test_clicking_an_edge_shows_its_evidence_and_a_node_refocuses(page, small_gateway) -> None:
    _open(page, small_gateway.base_url, "#dataset=example/math-mix&direction=both&depth=3")
    _wait_focus(page, MATH_MIX)
    edge = next(e for e in _model(page)["edges"]
                if e["source"] == "TIGER-Lab/MathInstruct" and e["target"] == MATH_MIX)
    _click_graph(page, edge["id"], edge=True)
    _wait(page, lambda d: d.find_element("id", "evidence-body").get_attribute("data-state") == "ready",
          "the evidence panel")
    panel = page.find_element("id", "evidence-body")
    assert panel.find_element("css selector", "blockquote.quote").text == "We include MathInstruct in full."
    assert "TIGER-Lab/MathInstruct" in panel.text and MATH_MIX in panel.text
    assert "0.90" in panel.text                                   # the edge's confidence
    link = panel.find_element("css selector", "dl.meta a")           # the document it came from
    assert link.text == "Hub card of example/math-mix"
    assert link.get_attribute("href") == "https://huggingface.co/datasets/example/math-mix/blob/main/README.md"
    assert "lineagekg import lineage-jsonl" in panel.text          # the agent that recorded it
    assert "Unreviewed" in panel.text

    _click_graph(page, "meta-math/MetaMathQA", edge=False)
    _wait_focus(page, "meta-math/MetaMathQA")
    model = _model(page)
    upstream = {e["source"] for e in model["edges"] if e["target"] == "meta-math/MetaMathQA"}
    downstream = {e["target"] for e in model["edges"] if e["source"] == "meta-math/MetaMathQA"}
    assert upstream == {"openai/gsm8k", "hendrycks/competition_math"}
    assert downstream == {"TIGER-Lab/MathInstruct", MATH_MIX}
    assert page.current_url.endswith("#dataset=meta-math%2FMetaMathQA&direction=both&depth=3")


def test_contamination_view_highlights_the_witness_path(page, small_gateway) -> None:
    _open(page, small_gateway.base_url)
    box = page.find_element("id", "benchmark-input")
    box.send_keys("gsm8k")
    _wait(page, lambda d: any(o.get_attribute("data-id") == "openai/gsm8k"
                              for o in d.find_elements("css selector", "#benchmark-options [role=option]")),
          "gsm8k among the benchmark suggestions")
    page.find_element("css selector", "#benchmark-options [data-id='openai/gsm8k']").click()
    _wait(page, lambda d: len(d.find_elements("css selector", "#contamination-body .hits li")) > 0, "the hits")
    hits = {li.get_attribute("data-id"): li.text
            for li in page.find_elements("css selector", "#contamination-body .hits li")}
    assert set(hits) == {"TIGER-Lab/MathInstruct", "meta-math/MetaMathQA", MATH_MIX}
    assert hits[MATH_MIX].endswith("2 hops")
    _wait_focus(page, "openai/gsm8k")

    page.find_element("css selector", f"#contamination-body .hits li[data-id='{MATH_MIX}'] button").click()
    _wait(page, lambda d: d.find_element("id", "graph").get_attribute("data-witness") == MATH_MIX, "the witness path")
    path = page.execute_script("return window.lineageExplorer.state.witness.nodes")
    assert path[0] == MATH_MIX and path[-1] == "openai/gsm8k" and len(path) == 3
    model = _model(page)
    lit_nodes = [n["id"] for n in model["nodes"] if "witness" in n["classes"]]
    lit_edges = [(e["source"], e["target"]) for e in model["edges"] if "witness" in e["classes"]]
    assert sorted(lit_nodes) == sorted(path)
    assert sorted(lit_edges) == sorted(zip(path[1:], path[:-1], strict=True))
    assert all("faded" in n["classes"] for n in model["nodes"] if n["id"] not in path)
    assert "Witness path" in page.find_element("id", "contamination-body").text


def test_sparql_example_runs_and_shows_a_table(page, small_gateway) -> None:
    from selenium.webdriver.support.ui import Select

    _open(page, small_gateway.base_url, "#dataset=example/math-mix")
    _wait_focus(page, MATH_MIX)
    _wait(page, lambda d: d.find_element("id", "sparql-example").get_attribute("data-state") == "ready",
          "the query library")
    Select(page.find_element("id", "sparql-example")).select_by_value("analyses/ancestors")
    text = page.find_element("id", "sparql-query").get_attribute("value")
    assert "VALUES $dataset { <https://huggingface.co/datasets/example/math-mix> }" in text
    page.find_element("id", "sparql-run").click()
    _wait(page, lambda d: d.find_element("id", "sparql-results").get_attribute("data-state") in ("ready", "error"),
          "the SPARQL results")
    results = page.find_element("id", "sparql-results")
    assert results.get_attribute("data-state") == "ready", results.text
    headers = [th.text for th in results.find_elements("css selector", "thead th")]
    assert "ancestor" in headers and "id" in headers
    column = headers.index("id")
    ids = {row.find_elements("css selector", "td")[column].text
           for row in results.find_elements("css selector", "tbody tr")}
    assert ids == MATH_MIX_ANCESTORS
    assert results.find_element("css selector", "caption").text == "6 rows"


@pytest.fixture(scope="module")
def wide_gateway(tmp_path_factory):
    """A star: the benchmark wide/bench and 40 datasets derived from it, each with one child."""
    from live_gateway import running_gateway

    folder = tmp_path_factory.mktemp("wide")
    def node(name: str, kind: str) -> str:
        return json.dumps({"name": name, "categories": ["Math"], "year": 2023, "hf_year": 2023, "paper_year": None,
                           "summary": name, "data_type": kind, "exists_on_hf": True, "is_terminal_node": False,
                           "terminal_reason": None, "paper_url": None, "downloads": 1})
    def edge(target: str, source: str) -> str:
        meta = {"source": "HuggingFace README", "confidence": 0.9, "relationship": "Direct Inclusion/Subset",
                "evidence": f"{target} includes {source}", "exists": True}
        return json.dumps({"target": target, "source": source, "meta_info": json.dumps(meta)})
    children = [f"wide/child-{i:02d}" for i in range(WIDE_CHILDREN)]
    nodes = [node("wide/bench", "benchmark")] + [node(c, "SFT") for c in children] + \
            [node(c + "-mix", "SFT") for c in children]
    edges = [edge(c, "wide/bench") for c in children] + [edge(c + "-mix", c) for c in children]
    (folder / "nodes.jsonl").write_text("\n".join(nodes) + "\n", encoding="utf-8")
    (folder / "edges.jsonl").write_text("\n".join(edges) + "\n", encoding="utf-8")
    store = open_store(memory=True)
    summary = import_lineage_jsonl(store, folder / "nodes.jsonl", folder / "edges.jsonl")
    assert summary.outcome.accepted, summary.outcome.report
    with running_gateway(store) as gateway:
        yield gateway


def test_crowded_levels_collapse_and_expand_on_click(page, wide_gateway) -> None:
    browser = page
    _open(browser, wide_gateway.base_url, "#dataset=wide/bench&direction=down&depth=2")
    _wait_focus(browser, "wide/bench")
    model = _model(browser)
    summaries = [n for n in model["nodes"] if "summary" in n["classes"]]
    datasets = {n["id"] for n in model["nodes"] if "summary" not in n["classes"]}
    children = {d for d in datasets if d.startswith("wide/child-") and not d.endswith("-mix")}
    mixes = {d for d in datasets if d.endswith("-mix")}
    # each level shows at most 16 datasets; the rest are one "+N more" node per level
    assert len(children) == 16 and len(mixes) == 16
    assert sorted(n["id"] for n in summaries) == ["collapsed:down:1", "collapsed:down:2"]
    labels = browser.execute_script(
        "return window.lineageExplorer.cy.nodes('.summary').map(n => n.data('label'))")
    assert sorted(labels) == [f"+{WIDE_CHILDREN - 16} more\n(downstream, 1 hop)",
                              f"+{WIDE_CHILDREN - 16} more\n(downstream, 2 hops)"]
    assert all(m.removesuffix("-mix") in children for m in mixes)   # shown mixes hang on shown children
    assert "48 far datasets collapsed" in browser.find_element("id", "graph-status").text

    _click_graph(browser, "collapsed:down:1", edge=False)
    _wait(browser, lambda d: d.execute_script(
        "return window.lineageExplorer.cy.getElementById('collapsed:down:1').empty()"), "the level to expand")
    model = _model(browser)
    datasets = {n["id"] for n in model["nodes"] if "summary" not in n["classes"]}
    assert {d for d in datasets if d.startswith("wide/child-") and not d.endswith("-mix")} == \
        {f"wide/child-{i:02d}" for i in range(WIDE_CHILDREN)}
    assert {e["source"] for e in model["edges"] if e["target"] == "wide/child-39"} == {"wide/bench"}
