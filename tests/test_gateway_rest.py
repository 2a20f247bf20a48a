"""The REST API of a live gateway (uvicorn on loopback), queried with httpx.

Answers on the small graph are the ones drawn in tests/data/lineage/README.md; answers on the demo
graph (examples/lineage) are worked out here from its JSONL files, independently of the store.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF

from lineagekg.api import GatewaySettings
from lineagekg.importing import import_lineage_jsonl
from lineagekg.store import open_store

HF = "https://huggingface.co/datasets/"
LK = rdflib.Namespace("https://w3id.org/lineagekg/ns#")
SEED = "https://w3id.org/lineagekg/id/dataset/self-instruct-seed-tasks"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "lineage"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def api(small_gateway):
    with httpx.Client(base_url=small_gateway.base_url + "/api/v1", timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def demo_api():
    """The demo graph (613 datasets) served by its own live gateway."""
    from live_gateway import running_gateway

    store = open_store(memory=True)
    summary = import_lineage_jsonl(store, EXAMPLES / "nodes.jsonl", EXAMPLES / "edges.jsonl")
    assert summary.outcome.accepted, summary.outcome.report
    with running_gateway(store, GatewaySettings()) as gateway, \
            httpx.Client(base_url=gateway.base_url + "/api/v1", timeout=30) as client:
        yield client


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def ids(items: list[dict]) -> list[str]:
    return [x["id"] for x in items]


# --- datasets -----------------------------------------------------------------------------------

def test_search_ranks_exact_then_prefix_then_substring(api) -> None:
    page = ok(api.get("/datasets", params={"q": "math"}))
    # every match is a substring; shorter identifiers first
    assert ids(page["items"]) == ["example/math-mix", "meta-math/MetaMathQA", "TIGER-Lab/MathInstruct",
                                  "hendrycks/competition_math"]
    assert page["total"] == 4
    assert ids(ok(api.get("/datasets", params={"q": "GSM8K"}))["items"]) == ["openai/gsm8k"]
    assert ids(ok(api.get("/datasets", params={"q": "alpaca"}))["items"]) == ["tatsu-lab/alpaca",
                                                                               "vicgalle/alpaca-gpt4"]
    assert ok(api.get("/datasets", params={"q": "no such thing"})) == {"items": [], "total": 0, "limit": 20,
                                                                        "offset": 0}


def test_search_pages_and_lists_everything_without_text(api) -> None:
    everything = ok(api.get("/datasets"))
    assert everything["total"] == 8
    assert ids(everything["items"])[:3] == ["example/math-mix", "hendrycks/competition_math", "meta-math/MetaMathQA"]
    page = ok(api.get("/datasets", params={"limit": 3, "offset": 6}))
    assert (ids(page["items"]), page["total"]) == (ids(everything["items"])[6:], 8)
    gsm8k = next(x for x in everything["items"] if x["id"] == "openai/gsm8k")
    assert gsm8k == {"id": "openai/gsm8k", "iri": HF + "openai/gsm8k", "label": "openai/gsm8k",
                     "is_benchmark": True, "is_root": True, "is_leaf": None, "distance": None,
                     "terminal_reason": "NoSourceFound", "terminal_note": None}


def test_dataset_with_metadata_sources_and_children(api) -> None:
    answer = ok(api.get("/dataset", params={"id": "openai/gsm8k"}))
    ds = answer["dataset"]
    assert (ds["id"], ds["iri"], ds["is_benchmark"], ds["is_root"]) == ("openai/gsm8k", HF + "openai/gsm8k", True, True)
    md = ds["metadata"]
    assert md["domains"] == ["Math"]
    assert (md["year"], md["hub_year"], md["paper_year"]) == (2021, 2022, 2021)
    assert (md["summary"], md["paper_url"]) == ("Grade school math word problems", "https://arxiv.org/abs/2110.14168")
    assert (md["data_type"], md["downloads"], md["exists_on_hub"], md["is_terminal"]) == ("benchmark", 500000,
                                                                                          True, True)
    assert "Benchmark" in md["types"] and len(md["graphs"]) == 1
    assert answer["sources"] == []
    children = {c["dataset"]["id"]: (c["relation"], c["family"], c["confidence"], c["review_status"])
                for c in answer["children"]}
    assert children == {"meta-math/MetaMathQA": ("evolvedFrom", "evolvedFrom", 0.95, "Unreviewed"),
                        "TIGER-Lab/MathInstruct": ("fusedFrom", "fusedFrom", 0.9, "Unreviewed")}
    assert all(c["edge"].startswith("https://w3id.org/lineagekg/id/derivation/") and c["edges"] == [c["edge"]]
               for c in answer["children"])

    mix = ok(api.get("/dataset", params={"id": HF + "example/math-mix"}))     # by IRI
    assert mix["dataset"]["metadata"]["domains"] == ["General", "Math"]
    assert {s["dataset"]["id"] for s in mix["sources"]} == {"TIGER-Lab/MathInstruct", "meta-math/MetaMathQA",
                                                            "tatsu-lab/alpaca"}
    assert mix["children"] == []


# --- lineage analyses -------------------------------------------------------------------------------

def test_ancestors_of_the_mix(api) -> None:
    answer = ok(api.get("/ancestors", params={"id": "example/math-mix"}))
    assert answer["dataset"]["id"] == "example/math-mix"
    assert {x["id"]: x["distance"] for x in answer["items"]} == {
        "TIGER-Lab/MathInstruct": 1, "meta-math/MetaMathQA": 1, "tatsu-lab/alpaca": 1,
        "openai/gsm8k": 2, "hendrycks/competition_math": 2, "self-instruct seed tasks": 2}
    assert [x["distance"] for x in answer["items"]] == [1, 1, 1, 2, 2, 2]       # nearest first
    assert {x["id"] for x in answer["items"] if x["is_root"]} == {"openai/gsm8k", "hendrycks/competition_math",
                                                                  "self-instruct seed tasks"}
    assert {x["id"] for x in answer["items"] if x["is_benchmark"]} == {"openai/gsm8k", "hendrycks/competition_math"}


def test_roots_and_descendants(api) -> None:
    roots = ok(api.get("/roots", params={"id": "example/math-mix"}))["items"]
    assert {(x["id"], x["iri"], x["terminal_reason"], x["distance"]) for x in roots} == {
        ("openai/gsm8k", HF + "openai/gsm8k", "NoSourceFound", 2),
        ("hendrycks/competition_math", HF + "hendrycks/competition_math", "NoSourceFound", 2),
        ("self-instruct seed tasks", SEED, "NotOnHub", 2)}
    down = ok(api.get("/descendants", params={"id": "openai/gsm8k"}))["items"]
    assert {x["id"]: x["distance"] for x in down} == {"meta-math/MetaMathQA": 1, "TIGER-Lab/MathInstruct": 1,
                                                      "example/math-mix": 2}
    assert ok(api.get("/descendants", params={"id": "vicgalle/alpaca-gpt4"}))["items"] == []


def test_contamination_of_gsm8k_with_witness_paths(api) -> None:
    answer = ok(api.get("/contamination", params={"id": "openai/gsm8k"}))
    assert answer["benchmark"]["id"] == "openai/gsm8k" and answer["benchmark"]["is_benchmark"]
    hits = {h["dataset"]["id"]: h for h in answer["hits"]}
    assert {k: h["distance"] for k, h in hits.items()} == {"TIGER-Lab/MathInstruct": 1, "meta-math/MetaMathQA": 1,
                                                           "example/math-mix": 2}
    assert hits["meta-math/MetaMathQA"]["path"] == {"nodes": ["meta-math/MetaMathQA", "openai/gsm8k"],
                                                    "relations": ["evolvedFrom"]}
    assert hits["TIGER-Lab/MathInstruct"]["path"] == {"nodes": ["TIGER-Lab/MathInstruct", "openai/gsm8k"],
                                                      "relations": ["fusedFrom"]}
    mix = hits["example/math-mix"]["path"]
    assert mix["nodes"][0] == "example/math-mix" and mix["nodes"][-1] == "openai/gsm8k"
    assert mix in ({"nodes": ["example/math-mix", "TIGER-Lab/MathInstruct", "openai/gsm8k"],
                    "relations": ["includedFrom", "fusedFrom"]},
                   {"nodes": ["example/math-mix", "meta-math/MetaMathQA", "openai/gsm8k"],
                    "relations": ["includedFrom", "evolvedFrom"]})
    assert all(h["reached"] == "openai/gsm8k" for h in answer["hits"])
    assert ok(api.get("/contamination", params={"id": "vicgalle/alpaca-gpt4"}))["hits"] == []


def test_path_in_both_directions_and_none(api) -> None:
    up = ok(api.get("/path", params={"from": "example/math-mix", "to": "hendrycks/competition_math"}))
    assert up["found"] and up["direction"] == "upstream"
    assert up["nodes"] == ["example/math-mix", "meta-math/MetaMathQA", "hendrycks/competition_math"]
    assert up["relations"] == ["includedFrom", "evolvedFrom"]
    assert [(d["id"], d["distance"]) for d in up["datasets"]] == [(n, i) for i, n in enumerate(up["nodes"])]
    down = ok(api.get("/path", params={"from": "self-instruct seed tasks", "to": "vicgalle/alpaca-gpt4"}))
    assert (down["found"], down["direction"]) == (True, "downstream")
    assert down["nodes"] == ["vicgalle/alpaca-gpt4", "tatsu-lab/alpaca", "self-instruct seed tasks"]
    assert down["relations"] == ["distilledFrom", "generatedFrom"]
    none = ok(api.get("/path", params={"from": "vicgalle/alpaca-gpt4", "to": "openai/gsm8k"}))
    assert none == {"found": False, "direction": None, "nodes": [], "relations": [], "datasets": []}


def test_shared_roots(api) -> None:
    answer = ok(api.get("/shared-roots", params=[("id", "example/math-mix"), ("id", "vicgalle/alpaca-gpt4")]))
    assert ids(answer["datasets"]) == ["example/math-mix", "vicgalle/alpaca-gpt4"]
    assert [(x["id"], x["is_root"], x["terminal_reason"]) for x in answer["items"]] == [
        ("self-instruct seed tasks", True, "NotOnHub")]
    three = [("id", "example/math-mix"), ("id", "TIGER-Lab/MathInstruct"), ("id", "vicgalle/alpaca-gpt4")]
    assert ok(api.get("/shared-roots", params=three))["items"] == []
    two_math = [("id", "example/math-mix"), ("id", "TIGER-Lab/MathInstruct")]
    assert ids(ok(api.get("/shared-roots", params=two_math))["items"]) == ["hendrycks/competition_math",
                                                                           "openai/gsm8k"]


def test_lineage_view_up_to_a_depth(api) -> None:
    one = ok(api.get("/lineage", params={"id": "example/math-mix", "direction": "up", "depth": 1}))
    assert one["focus"]["id"] == "example/math-mix"
    assert (one["direction"], one["depth"], one["truncated"], one["hidden"]) == ("up", 1, False, 3)
    nodes = {n["id"]: (n["side"], n["distance"], n["expandable"]) for n in one["nodes"]}
    assert nodes == {"example/math-mix": ("focus", 0, False), "TIGER-Lab/MathInstruct": ("up", 1, True),
                     "meta-math/MetaMathQA": ("up", 1, True), "tatsu-lab/alpaca": ("up", 1, True)}
    # every edge between shown datasets, MathInstruct's own source MetaMathQA included
    assert {(e["target"], e["source"], e["relation"], e["family"]) for e in one["edges"]} == {
        ("example/math-mix", "TIGER-Lab/MathInstruct", "includedFrom", "includedFrom"),
        ("example/math-mix", "meta-math/MetaMathQA", "includedFrom", "includedFrom"),
        ("example/math-mix", "tatsu-lab/alpaca", "includedFrom", "includedFrom"),
        ("TIGER-Lab/MathInstruct", "meta-math/MetaMathQA", "includedFrom", "includedFrom")}

    two = ok(api.get("/lineage", params={"id": "example/math-mix", "direction": "up", "depth": 2}))
    assert len(two["nodes"]) == 7 and two["hidden"] == 0
    assert not any(n["expandable"] for n in two["nodes"])
    edges = {(e["target"], e["source"]): e for e in two["edges"]}
    assert set(edges) == {("example/math-mix", "TIGER-Lab/MathInstruct"), ("example/math-mix", "meta-math/MetaMathQA"),
                          ("example/math-mix", "tatsu-lab/alpaca"), ("TIGER-Lab/MathInstruct", "meta-math/MetaMathQA"),
                          ("TIGER-Lab/MathInstruct", "openai/gsm8k"), ("meta-math/MetaMathQA", "openai/gsm8k"),
                          ("meta-math/MetaMathQA", "hendrycks/competition_math"),
                          ("tatsu-lab/alpaca", "self-instruct seed tasks")}
    fused = edges[("TIGER-Lab/MathInstruct", "openai/gsm8k")]
    assert (fused["relation"], fused["family"], fused["confidence"], fused["review_status"]) == (
        "fusedFrom", "fusedFrom", 0.9, "Unreviewed")
    # the edge IRI of the graph view is the one the evidence endpoint explains
    evidence = ok(api.get("/evidence", params={"target": "TIGER-Lab/MathInstruct", "source": "openai/gsm8k"}))
    assert [i["edge"] for i in evidence["items"]] == [fused["edge"]]


def test_lineage_view_both_ways(api) -> None:
    both = ok(api.get("/lineage", params={"id": "meta-math/MetaMathQA"}))      # direction both, depth 3
    sides = {n["id"]: (n["side"], n["distance"]) for n in both["nodes"]}
    assert sides == {"meta-math/MetaMathQA": ("focus", 0), "openai/gsm8k": ("up", 1),
                     "hendrycks/competition_math": ("up", 1), "TIGER-Lab/MathInstruct": ("down", 1),
                     "example/math-mix": ("down", 1)}
    assert len(both["edges"]) == 5 and not both["truncated"]
    down = ok(api.get("/lineage", params={"id": "tatsu-lab/alpaca", "direction": "down"}))
    assert {n["id"] for n in down["nodes"]} == {"tatsu-lab/alpaca", "vicgalle/alpaca-gpt4", "example/math-mix"}
    capped = ok(api.get("/lineage", params={"id": "openai/gsm8k", "direction": "down", "max_nodes": 2}))
    assert (len(capped["nodes"]), capped["truncated"], capped["hidden"]) == (2, True, 2)


def test_redundancy_structure_stats(api) -> None:
    red = ok(api.get("/redundancy"))
    assert red["total"] == 2
    assert {(r["dataset"]["id"], r["upstream"]["id"], r["via"]["id"]) for r in red["items"]} == {
        ("example/math-mix", "meta-math/MetaMathQA", "TIGER-Lab/MathInstruct"),
        ("TIGER-Lab/MathInstruct", "openai/gsm8k", "meta-math/MetaMathQA")}
    domains = {d["domain"]: d for d in ok(api.get("/structure"))["items"]}
    assert (domains["Math"]["nodes"], domains["General"]["nodes"]) == (5, 4)
    stats = ok(api.get("/stats"))
    assert (stats["counts"]["datasets"], stats["counts"]["edges"], stats["counts"]["roots"]) == (8, 9, 3)
    assert stats["relations"]["includedFrom"] == 4
    assert stats["terminal_reasons"] == {"NoSourceFound": 2, "NotOnHub": 1}


# --- evidence and export ----------------------------------------------------------------------------

def test_evidence_of_an_edge(api) -> None:
    answer = ok(api.get("/evidence", params={"target": "meta-math/MetaMathQA", "source": "hendrycks/competition_math"}))
    assert (answer["target"]["id"], answer["source"]["id"]) == ("meta-math/MetaMathQA", "hendrycks/competition_math")
    [item] = answer["items"]
    assert item["quote"] == "All MetaMathQA data are augmented from the training sets of GSM8K and MATH."
    assert (item["relation"], item["family"], item["confidence"], item["review_status"]) == (
        "evolvedFrom", "evolvedFrom", 0.95, "Unreviewed")
    assert item["source_kinds"] == ["HuggingFace README", "Paper"]
    assert [d["iri"] for d in item["documents"]] == [
        "https://arxiv.org/abs/2309.12284", HF + "meta-math/MetaMathQA/blob/main/README.md"]
    assert item["document"] == item["documents"][0]
    assert item["document"]["title"] == "Paper of meta-math/MetaMathQA"
    assert item["activity"].startswith("https://w3id.org/lineagekg/id/activity/import/")
    assert item["agent"]["label"].startswith("lineagekg import lineage-jsonl")
    assert item["graph"].startswith("https://w3id.org/lineagekg/id/graph/import/")
    assert item["model"] is None              # an import: no language model was involved
    # the other way round there is no derivation
    assert ok(api.get("/evidence", params={"target": "hendrycks/competition_math",
                                           "source": "meta-math/MetaMathQA"}))["items"] == []


def _edges_of(graph: rdflib.Graph) -> set[tuple[str, str]]:
    return {(str(t), str(s)) for t, s in graph.subject_objects(PROV.wasDerivedFrom)}


def test_export_turtle_and_jsonld_of_the_upstream_lineage(api) -> None:
    response = api.get("/export", params={"id": "example/math-mix", "direction": "up"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    turtle = rdflib.Graph().parse(data=response.text, format="turtle")
    mix, mi, mm, alpaca = (HF + x for x in ("example/math-mix", "TIGER-Lab/MathInstruct", "meta-math/MetaMathQA",
                                            "tatsu-lab/alpaca"))
    gsm8k, comp = HF + "openai/gsm8k", HF + "hendrycks/competition_math"
    assert _edges_of(turtle) == {(mix, mi), (mix, mm), (mix, alpaca), (mi, mm), (mi, gsm8k), (mm, gsm8k), (mm, comp),
                                 (alpaca, SEED)}
    assert (rdflib.URIRef(mi), LK.fusedFrom, rdflib.URIRef(gsm8k)) in turtle          # the typed relation
    derivations = set(turtle.subjects(RDF.type, PROV.Derivation))
    assert len(derivations) == 8
    quotes = {str(turtle.value(d, LK.evidence)) for d in derivations}
    assert "compiled from 13 math rationale datasets including GSM8K" in quotes
    assert all(turtle.value(d, LK.foundBy) is not None for d in derivations)
    assert all(turtle.value(d, PROV.hadPrimarySource) is None for d in derivations)
    # the bundle stating them, with its run and primary sources (the documents exported)
    bundles = set(turtle.subjects(RDF.type, PROV.Bundle))
    assert len(bundles) == 1 and turtle.value(next(iter(bundles)), PROV.wasGeneratedBy) is not None
    assert set(turtle.objects(None, PROV.hadPrimarySource)) <= set(turtle.subjects(RDF.type, LK.Document))
    assert turtle.value(rdflib.URIRef(gsm8k), DCTERMS.identifier) == rdflib.Literal("openai/gsm8k")
    assert (rdflib.URIRef(HF + "vicgalle/alpaca-gpt4"), None, None) not in turtle     # downstream of alpaca only

    as_jsonld = api.get("/export", params={"id": "example/math-mix", "direction": "up", "format": "jsonld"})
    assert as_jsonld.headers["content-type"].startswith("application/ld+json")
    jsonld = rdflib.Graph().parse(data=as_jsonld.text, format="json-ld")
    assert len(jsonld) == len(turtle) and _edges_of(jsonld) == _edges_of(turtle)


def test_export_downstream_keeps_only_edges_inside(api) -> None:
    response = api.get("/export", params={"id": "openai/gsm8k", "direction": "down"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    mix, mi, mm = (HF + x for x in ("example/math-mix", "TIGER-Lab/MathInstruct", "meta-math/MetaMathQA"))
    gsm8k = HF + "openai/gsm8k"
    assert _edges_of(graph) == {(mm, gsm8k), (mi, gsm8k), (mi, mm), (mix, mi), (mix, mm)}
    assert len(set(graph.subjects(RDF.type, PROV.Derivation))) == 5
    both = rdflib.Graph().parse(data=api.get("/export", params={"id": "meta-math/MetaMathQA"}).text, format="turtle")
    assert _edges_of(both) == {(mm, gsm8k), (mm, HF + "hendrycks/competition_math"), (mi, mm), (mix, mi), (mix, mm)}


def test_queries_lists_the_library(api) -> None:
    items = {q["name"]: q for q in ok(api.get("/queries"))["items"]}
    assert {"analyses/ancestors", "analyses/contamination", "analyses/edge-evidence",
            "analyses/export-upstream"} <= set(items)
    ancestors = items["analyses/ancestors"]
    assert ancestors["kind"] == "SELECT"
    assert ancestors["params"] == {"dataset": {"type": "iri", "required": True, "description": "IRI of the dataset"}}
    assert ancestors["returns"] == ["ancestor", "id", "label", "isRoot"]      # a parameter is not projected
    root = Path(__file__).resolve().parents[1] / "sparql"
    assert ancestors["text"] == (root / "analyses" / "ancestors.rq").read_text(encoding="utf-8")


# --- errors -----------------------------------------------------------------------------------------

def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("path", ["/dataset", "/ancestors", "/descendants", "/roots", "/lineage", "/contamination",
                                  "/export"])
def test_unknown_dataset_is_a_404_problem(api, path: str) -> None:
    body = _problem(api.get(path, params={"id": "openai/gsm8"}), 404)
    assert body["type"].endswith("/unknown-dataset")
    assert "openai/gsm8" in body["detail"]
    assert "openai/gsm8k" in body["hint"]            # close names are suggested


def test_unknown_dataset_in_two_dataset_routes(api) -> None:
    _problem(api.get("/path", params={"from": "example/math-mix", "to": "nowhere/none"}), 404)
    _problem(api.get("/evidence", params={"target": "nowhere/none", "source": "openai/gsm8k"}), 404)
    _problem(api.get("/shared-roots", params=[("id", "example/math-mix"), ("id", "nowhere/none")]), 404)


@pytest.mark.parametrize("params", [{"depth": 0}, {"depth": 11}, {"depth": "three"}, {"direction": "sideways"},
                                    {"max_nodes": 0}])
def test_bad_lineage_parameters_are_400_problems(api, params: dict) -> None:
    body = _problem(api.get("/lineage", params={"id": "openai/gsm8k", **params}), 400)
    assert next(iter(params)) in body["detail"]


def test_other_bad_parameters_are_400_problems(api) -> None:
    _problem(api.get("/ancestors"), 400)                                          # id missing
    _problem(api.get("/shared-roots", params={"id": "example/math-mix"}), 400)  # one dataset
    _problem(api.get("/export", params={"id": "openai/gsm8k", "format": "rdfxml"}), 400)
    _problem(api.get("/datasets", params={"limit": 0}), 400)


# --- the demo graph ---------------------------------------------------------------------------------

def _demo_lineage() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Sources and children of each dataset, read straight from the demo's edge file."""
    sources: dict[str, set[str]] = defaultdict(set)
    children: dict[str, set[str]] = defaultdict(set)
    for line in (EXAMPLES / "edges.jsonl").read_text(encoding="utf-8").splitlines():
        edge = json.loads(line)
        sources[edge["target"]].add(edge["source"])
        children[edge["source"]].add(edge["target"])
    return sources, children


def _within(start: str, step: dict[str, set[str]], depth: int) -> dict[str, int]:
    dist = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in step.get(node, ()):
            if nxt not in dist and dist[node] < depth:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist


def test_demo_search(demo_api) -> None:
    names = [json.loads(line)["name"] for line in (EXAMPLES / "nodes.jsonl").read_text(encoding="utf-8").splitlines()]
    page = ok(demo_api.get("/datasets", params={"q": "ultrachat"}))
    assert page["total"] == sum("ultrachat" in n.lower() for n in names) == 3
    assert ids(page["items"]) == ["UltraChat", "stingning/ultrachat", "HuggingFaceH4/ultrachat_200k"]   # exact first
    alpaca = ok(demo_api.get("/datasets", params={"q": "Alpaca", "limit": 50}))
    assert alpaca["total"] == sum("alpaca" in n.lower() for n in names)
    assert ids(alpaca["items"])[:2] == ["alpaca", "Alpaca instructions dataset"]                         # then prefix
    lengths = [len(i) for i in ids(alpaca["items"])[2:]]
    assert lengths == sorted(lengths)
    assert ok(demo_api.get("/datasets"))["total"] == len(names) == 613


@pytest.mark.parametrize("focus", ["openbmb/UltraFeedback", "AI-MO/NuminaMath-CoT", "rajpurkar/squad"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_demo_lineage_neighbourhood(demo_api, focus: str, depth: int) -> None:
    sources, children = _demo_lineage()
    up, down = _within(focus, sources, depth), _within(focus, children, depth)
    answer = ok(demo_api.get("/lineage", params={"id": focus, "depth": depth}))
    got = {n["id"]: (n["side"], n["distance"]) for n in answer["nodes"]}
    expected = {focus: ("focus", 0)} | {n: ("up", d) for n, d in up.items() if d} | {
        n: ("down", d) for n, d in down.items() if d}
    assert got == expected
    shown = set(expected)
    expected_edges = {(t, s) for t in shown for s in sources.get(t, ()) if s in shown
                      and ((t in up and s in up) or (t in down and s in down))}
    assert {(e["target"], e["source"]) for e in answer["edges"]} == expected_edges
    assert all(e["family"] in {"includedFrom", "fusedFrom", "generatedFrom", "evolvedFrom", "distilledFrom"}
               for e in answer["edges"])
    closure = len(_within(focus, sources, 99)) + len(_within(focus, children, 99)) - 1
    assert answer["hidden"] == closure - len(shown)
    further = {n["id"] for n in answer["nodes"] if n["expandable"]}
    assert further == {n for n in up if sources.get(n, set()) - shown} | {
        n for n in down if children.get(n, set()) - shown}


def test_demo_lineage_is_capped(demo_api) -> None:
    capped = ok(demo_api.get("/lineage", params={"id": "rajpurkar/squad", "max_nodes": 5}))
    assert (len(capped["nodes"]), capped["truncated"]) == (5, True)
    assert capped["hidden"] == 12
    shown = {n["id"] for n in capped["nodes"]}
    assert all(e["target"] in shown and e["source"] in shown for e in capped["edges"])


def test_demo_split_of_a_benchmark(demo_api) -> None:
    whole = ok(demo_api.get("/dataset", params={"id": "openai/openai_humaneval"}))["dataset"]
    assert whole["metadata"]["splits"] == ["openai/openai_humaneval:test"]
    split = ok(demo_api.get("/dataset", params={"id": "openai/openai_humaneval:test"}))
    assert (split["dataset"]["metadata"]["split_of"], split["dataset"]["metadata"]["split_name"]) == (
        "openai/openai_humaneval", "test")
    assert [c["dataset"]["id"] for c in split["children"]] == ["bigcode/humanevalpack"]
    hits = ok(demo_api.get("/contamination", params={"id": "openai/openai_humaneval"}))["hits"]
    assert [(h["dataset"]["id"], h["reached"]) for h in hits] == [("bigcode/humanevalpack",
                                                                   "openai/openai_humaneval:test")]


def test_evidence_reaches_the_split_an_edge_points_at(demo_api) -> None:
    """UltraFeedback takes TruthfulQA's validation split (the paper graph's edge points at the
    split): asking for the evidence against the benchmark itself finds it, and says which split."""
    answer = demo_api.get("/evidence", params={"target": "openbmb/UltraFeedback",
                                               "source": "truthfulqa/truthful_qa"}).json()
    assert [item["reached"] for item in answer["items"]] == ["truthfulqa/truthful_qa:validation"]
    assert answer["items"][0]["relation"] == "distilledFrom"
    assert "TruthfulQA" in answer["items"][0]["quote"]


def test_lineage_below_a_benchmark_goes_through_its_splits(demo_api) -> None:
    """The demo graph's edges point at TruthfulQA's validation split: downstream of the benchmark,
    the view shows the split (a split edge, not a derivation) and what derives from it."""
    answer = demo_api.get("/lineage", params={"id": "truthfulqa/truthful_qa", "direction": "down",
                                              "depth": 3}).json()
    nodes = {n["id"]: n["distance"] for n in answer["nodes"]}
    assert nodes["truthfulqa/truthful_qa:validation"] == 1
    assert nodes["openbmb/UltraFeedback"] == 2
    assert {"HuggingFaceH4/ultrafeedback_binarized", "berkeley-nest/Nectar"} <= set(nodes)
    kinds = {(e["source"], e["target"]): e["kind"] for e in answer["edges"]}
    assert kinds[("truthfulqa/truthful_qa", "truthfulqa/truthful_qa:validation")] == "split"
    assert kinds[("truthfulqa/truthful_qa:validation", "openbmb/UltraFeedback")] == "derivation"
