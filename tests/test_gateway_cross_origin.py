"""What browsers and federating engines need from the gateway: CORS with a preflight, OPTIONS
and HEAD on every route, and the SERVICE pre-check on one-line queries with '#' inside an IRI."""

from __future__ import annotations

import httpx
from live_gateway import running_gateway

from lineagekg.api import GatewaySettings
from lineagekg.store import open_store

PAGE = "http://127.0.0.1:9999"         # the origin of a page served elsewhere


def test_a_preflight_from_another_origin_is_allowed(small_gateway) -> None:
    r = httpx.options(small_gateway.base_url + "/sparql", headers={
        "Origin": PAGE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "content-type" in r.headers["access-control-allow-headers"].lower()


def test_answers_carry_cors_headers(small_gateway) -> None:
    for path in ("/sparql?query=ASK%7B%7D", "/.well-known/void", "/api/v1/datasets"):
        r = httpx.get(small_gateway.base_url + path, headers={"Origin": PAGE})
        assert r.status_code == 200, path
        assert r.headers["access-control-allow-origin"] == "*", path


def test_plain_options_is_not_405(small_gateway) -> None:
    r = httpx.options(small_gateway.base_url + "/sparql")
    assert r.status_code == 204 and "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


def test_head_answers_on_every_get_route(small_gateway) -> None:
    from lineagekg.api import create_app

    app = create_app(open_store(memory=True), GatewaySettings())
    paths = sorted(path for path, ops in app.openapi()["paths"].items() if "get" in ops and "{" not in path)
    assert len(paths) >= 8
    for path in paths:
        get = httpx.get(small_gateway.base_url + path)
        head = httpx.head(small_gateway.base_url + path)
        assert head.status_code == get.status_code, path
        assert head.content == b"" and head.headers.get("content-type") == get.headers.get("content-type"), path


def test_configured_origins_only() -> None:
    settings = GatewaySettings(cors_origins=("https://catalog.example",))
    with running_gateway(open_store(memory=True), settings) as gw:
        allowed = httpx.get(gw.base_url + "/.well-known/void", headers={"Origin": "https://catalog.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://catalog.example"
        other = httpx.get(gw.base_url + "/.well-known/void", headers={"Origin": PAGE})
        assert "access-control-allow-origin" not in other.headers
    assert GatewaySettings.from_env({"LINEAGEKG_CORS_ORIGINS": ""}).cors_origins == ()
    assert GatewaySettings.from_env({"LINEAGEKG_CORS_ORIGINS": "https://a.example, https://b.example"}
                                    ).cors_origins == ("https://a.example", "https://b.example")


def test_service_precheck_reads_one_line_queries_with_hash_iris(small_gateway) -> None:
    (allowed,) = small_gateway.settings.service_allowlist
    one_line = ("PREFIX lk: <https://w3id.org/lineagekg/ns#> SELECT ?b WHERE { "
                f"SERVICE <{allowed}> {{ ?b a lk:Benchmark }} }}")
    r = httpx.get(small_gateway.base_url + "/sparql", params={"query": one_line})
    # checked and allowed: it runs, and fails only at the (unreachable) endpoint, not as 400
    assert r.status_code == 502 and allowed in r.json()["detail"]
    refused = one_line.replace(allowed, "http://127.0.0.1:9/other#x")
    r = httpx.get(small_gateway.base_url + "/sparql", params={"query": refused})
    assert r.status_code == 403 and "http://127.0.0.1:9/other#x" in r.json()["detail"]
