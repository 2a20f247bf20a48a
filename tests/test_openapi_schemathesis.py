"""Schemathesis against the REST API of a live gateway: every ``/api/v1`` operation of its OpenAPI
document, with generated requests (valid and invalid), must answer without a 5xx and as the
document says (status codes, content types, response schemas, problem JSON for errors).

The operations are collected from the document the gateway's app builds (one test per operation),
and every request goes over loopback HTTP to the gateway serving the small graph; a test checks
that the live gateway serves that same document.
"""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, settings

from lineagekg.api import GatewaySettings, create_app
from lineagekg.store import open_store

OPENAPI = "/api/v1/openapi.json"
DOCUMENT = create_app(open_store(memory=True), GatewaySettings()).openapi()

schema = schemathesis.openapi.from_dict(DOCUMENT).include(path_regex=r"^/api/v1/")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_rest_api_conforms_to_its_openapi_document(case, small_gateway) -> None:
    case.call_and_validate(base_url=small_gateway.base_url)


def test_the_gateway_serves_the_document_the_tests_were_made_from(small_gateway) -> None:
    assert httpx.get(small_gateway.base_url + OPENAPI).json() == DOCUMENT


def test_the_document_lists_every_rest_operation(small_gateway) -> None:
    """The generated tests above cover what the document lists; this pins what it must list."""
    spec = httpx.get(small_gateway.base_url + OPENAPI).json()
    expected = {"datasets", "dataset", "ancestors", "descendants", "roots", "lineage", "tree", "path", "shared-roots",
                "contamination", "redundancy", "structure", "stats", "evidence", "export", "catalog", "croissant",
                "queries"}
    assert {p.removeprefix("/api/v1/") for p in spec["paths"] if p.startswith("/api/v1/")} == expected
    for name in ("lineage", "dataset", "evidence", "tree"):
        responses = spec["paths"][f"/api/v1/{name}"]["get"]["responses"]
        assert "application/problem+json" in responses["404"]["content"]
        assert "application/problem+json" in responses["400"]["content"]
        assert "422" not in responses    # invalid parameters are answered 400, as documented
    depth = next(p for p in spec["paths"]["/api/v1/lineage"]["get"]["parameters"] if p["name"] == "depth")
    assert (depth["schema"]["minimum"], depth["schema"]["maximum"], depth["schema"]["default"]) == (1, 10, 3)
