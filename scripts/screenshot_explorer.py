"""Take the README's screenshot of the explorer page: import the shipped demo graph
(examples/lineage) into an in-memory store, serve it on loopback, open the page in headless
Debian Chromium on one real lineage, click one of its edges so the evidence panel shows, and save
docs/explorer.png.

    .venv/bin/python scripts/screenshot_explorer.py [--dataset ID] [--direction both] [--depth 3]
        [--edge SOURCE TARGET] [--out docs/explorer.png]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import uvicorn

from lineagekg.api import GatewaySettings, create_app
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "lineage"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(store) -> tuple[uvicorn.Server, threading.Thread, str]:
    """The gateway over ``store`` on a free loopback port, in a background thread."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store, GatewaySettings()), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="explorer-gateway", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/", timeout=2)
            return server, thread, base
        except httpx.TransportError:
            if time.monotonic() > deadline or not thread.is_alive():
                raise SystemExit(f"the gateway did not start on {base}") from None
            time.sleep(0.1)


def _browser(profile: str, width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--hide-scrollbars",
                f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def _wait(driver, condition, what: str, timeout: float = 60) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, message=f"waiting for {what}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="berkeley-nest/Nectar")
    parser.add_argument("--direction", default="both", choices=("up", "down", "both"))
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--edge", nargs=2, metavar=("SOURCE", "TARGET"),
                        help="the edge whose evidence to show (default: the focus's first source)")
    parser.add_argument("--width", type=int, default=1500)
    parser.add_argument("--height", type=int, default=1250)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "explorer.png")
    args = parser.parse_args(argv)

    for tool in (CHROMIUM, CHROMEDRIVER):
        if not Path(tool).exists():
            print(f"{tool} is missing: apt-get install chromium chromium-driver", file=sys.stderr)
            return 1

    store = open_store(memory=True)
    summary = import_lineage_jsonl(store, EXAMPLES / "nodes.jsonl", EXAMPLES / "edges.jsonl")
    if not summary.outcome.accepted:
        print(f"the demo graph did not import: {summary.outcome.report}", file=sys.stderr)
        return 1
    print(f"imported {summary.datasets} datasets and {summary.edges} edges from {EXAMPLES}")

    server, thread, base = _serve(store)
    profile = tempfile.mkdtemp(prefix="lineagekg-screenshot-")
    driver = _browser(profile, args.width, args.height)
    try:
        fragment = urlencode({"dataset": args.dataset, "direction": args.direction, "depth": args.depth})
        driver.get(f"{base}/#{fragment}")
        _wait(driver, lambda d: d.find_element("id", "graph").get_attribute("data-state") in ("ready", "error"),
              f"the lineage of {args.dataset}")
        graph = driver.find_element("id", "graph")
        if graph.get_attribute("data-state") != "ready":
            print(f"the page could not show {args.dataset}: {driver.find_element('id', 'graph-status').text}",
                  file=sys.stderr)
            return 1
        focus = graph.get_attribute("data-focus")
        source, target = args.edge or driver.execute_script(
            "const e = window.lineageExplorer.cy.edges().not('.summary-edge')"
            ".filter(x => x.data('target') === arguments[0])[0];"
            "return e ? [e.data('source'), e.data('target')] : [null, null];", focus)
        if source:
            driver.execute_script(
                "const cy = window.lineageExplorer.cy;"
                "const e = cy.edges().filter(x => x.data('source') === arguments[0]"
                " && x.data('target') === arguments[1])[0];"
                "if (e) { e.emit('tap'); }", source, target)
            _wait(driver, lambda d: d.find_element("id", "evidence-body").get_attribute("data-state")
                  in ("ready", "error"), "the evidence panel")
        _wait(driver, lambda d: "Sources" in d.find_element("id", "dataset-body").text, "the dataset panel")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.out))
        status = driver.find_element("id", "graph-status").text
        print(f"saved {args.out} ({status})")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        server.should_exit = True
        thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
