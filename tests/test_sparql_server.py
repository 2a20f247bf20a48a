"""The SPARQL-server backend (``store.sparql_http``) against a real, throwaway Virtuoso: the same
graph and answers as the embedded store, validated writes that are all or nothing, the bulk
loader, clear errors, and each Virtuoso difference the backend or the library queries handle."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import LINEAGE
from helpers import write_jsonl
from virtuoso_server import free_port

from lineagekg.analyses import Lineage
from lineagekg.cli import main
from lineagekg.errors import ConfigError, InputError, QuerySyntaxError, StoreError, UnreachableError
from lineagekg.importing import import_lineage_jsonl
from lineagekg.iris import ONTOLOGY_GRAPH
from lineagekg.store import Delta, open_store
from lineagekg.store.sparql_http import BulkLoader, SparqlHttpStore, open_server_store

HF = "https://huggingface.co/datasets/"
META = json.dumps({"source": "Paper", "confidence": 0.9, "relationship": "Direct Inclusion/Subset",
                   "evidence": "we include it"})


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A server of this module's own: its rejected and undone writes are not the history of the
    session's server, on which the analysis suites run (docs/virtuoso.md, known broken: after a
    rejected import, Virtuoso 7.2 answered some closure queries wrong)."""
    from virtuoso_server import running_virtuoso

    with running_virtuoso(tmp_path_factory.mktemp("virtuoso-backend")) as server:
        yield server


@pytest.fixture
def server_store(virtuoso):
    store = open_server_store(virtuoso.location, graph_store_url=virtuoso.graph_store_url, chunk=50)
    store.clear()
    yield store
    store.close()


def _small(store) -> None:
    """The small graph, imported as of one fixed time (the run's start time is part of it)."""
    outcome = import_lineage_jsonl(store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl",
                                   started_at="2025-01-02T03:04:05Z").outcome
    assert outcome.accepted, outcome.report


def _plain(quads) -> set[ox.Quad]:
    """The quads without blank nodes (those of validation reports get new labels on a server)."""
    return {q for q in quads if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def test_the_server_holds_exactly_what_the_embedded_store_holds(server_store: SparqlHttpStore) -> None:
    """Every quad (literals' datatypes and languages included) arrives on the server as written."""
    embedded = open_store(memory=True)
    _small(embedded)
    _small(server_store)
    local = _plain(ox.parse(embedded.export("nquads", include_ontology=True), format=ox.RdfFormat.N_QUADS))
    remote = _plain(ox.parse(server_store.export("nquads", include_ontology=True), format=ox.RdfFormat.N_QUADS))
    assert len(local) > 500
    assert remote == local
    assert server_store.named_graphs() == embedded.named_graphs()
    assert len(server_store) == len(embedded)


def test_a_second_import_of_the_same_files_writes_nothing(server_store: SparqlHttpStore) -> None:
    _small(server_store)
    before = len(server_store)
    outcome = import_lineage_jsonl(server_store, LINEAGE / "small_nodes.jsonl", LINEAGE / "small_edges.jsonl").outcome
    assert outcome.already_present and len(server_store) == before


def test_ask_is_read_from_virtuosos_one_row_table(server_store: SparqlHttpStore) -> None:
    """Virtuoso answers ASK as a table with one row of 0 or 1; the backend reads it as a boolean."""
    _small(server_store)
    yes = server_store.query_text(f"ASK {{ <{HF}openai/gsm8k> ?p ?o }}")
    no = server_store.query_text(f"ASK {{ <{HF}nobody/nothing> ?p ?o }}")
    assert isinstance(yes, ox.QueryBoolean) and bool(yes) is True
    assert isinstance(no, ox.QueryBoolean) and bool(no) is False


def test_graph_listing_leaves_out_virtuosos_private_graph(server_store: SparqlHttpStore, virtuoso) -> None:
    """``SELECT DISTINCT ?g`` lists Virtuoso's private schema graph (it answers from its graph
    list); the backend lists graphs with GROUP BY, which keeps to what the user may read."""
    raw = httpx.post(virtuoso.location[len("sparql+"):], data={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"}).json()
    assert "http://www.openlinksw.com/schemas/virtrdf#" in {b["g"]["value"] for b in raw["results"]["bindings"]}
    assert server_store.named_graphs() == [ONTOLOGY_GRAPH]


def test_a_cycle_with_what_the_server_holds_is_rejected_whole(server_store: SparqlHttpStore, tmp_path: Path) -> None:
    """Validation reads the server: an import closing a cycle through stored edges writes nothing."""
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "o/a"}, {"name": "o/b"}, {"name": "o/c"}])
    first = write_jsonl(tmp_path / "e1.jsonl", [{"target": "o/a", "source": "o/b", "meta_info": META},
                                                {"target": "o/b", "source": "o/c", "meta_info": META}])
    assert import_lineage_jsonl(server_store, nodes, first).outcome.accepted
    before = _plain(server_store.quads())
    back = write_jsonl(tmp_path / "e2.jsonl", [{"target": "o/c", "source": "o/a", "meta_info": META}])
    outcome = import_lineage_jsonl(server_store, write_jsonl(tmp_path / "n2.jsonl", [{"name": "o/a"}, {"name": "o/c"}]),
                                   back).outcome
    assert not outcome.accepted
    assert any("noCycle" in v.source_shape or "cycle" in v.message.lower() for v in outcome.report.violations)
    assert _plain(server_store.quads()) == before


class _FailingTransport(httpx.BaseTransport):
    """The real transport, except that the ``fail_at``-th write request (an update or a Graph
    Store request) gets a 500 from the network side: a server failing in the middle of a write."""

    def __init__(self, fail_at: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.writes = 0
        self.fail_at = fail_at

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if b"update=" in body[:10] or "graph-uri" in str(request.url):
            self.writes += 1
            if self.writes == self.fail_at:
                return httpx.Response(500, text="injected failure", request=request)
        return self.inner.handle_request(request)


def test_a_write_failing_midway_is_undone(server_store: SparqlHttpStore, tmp_path: Path) -> None:
    """Virtuoso commits each request on its own; when the fifth request of an import fails, the
    four before it are undone and the server holds what it held before."""
    _small(server_store)
    before = _plain(server_store.quads())
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": f"o/d{i}"} for i in range(40)] + [{"name": "openai/gsm8k"}])
    edges = write_jsonl(tmp_path / "e.jsonl", [{"target": f"o/d{i}", "source": "openai/gsm8k", "meta_info": META}
                                               for i in range(40)])
    server_store._http.client = httpx.Client(transport=_FailingTransport(fail_at=5), timeout=30)
    with pytest.raises(StoreError, match="nothing was written"):
        import_lineage_jsonl(server_store, nodes, edges)
    assert server_store._http.client._transport.writes >= 5   # type: ignore[attr-defined]
    assert _plain(server_store.quads()) == before
    server_store._http.client = httpx.Client(timeout=30)
    assert import_lineage_jsonl(server_store, nodes, edges).outcome.accepted      # and it can be written after
    assert len(Lineage(server_store).descendants("openai/gsm8k")) > 40


def test_the_default_graph_and_blank_node_removals_are_refused(server_store: SparqlHttpStore) -> None:
    triple = (ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("o"))
    with pytest.raises(InputError, match="default graph"):
        server_store.write(Delta(added=[ox.Quad(*triple, ox.DefaultGraph())]))
    blank = ox.Quad(ox.BlankNode(), triple[1], triple[2], ox.NamedNode("https://example.org/g"))
    with pytest.raises(InputError, match="blank node"):
        server_store.write(Delta(removed=[blank]))


def test_an_unreachable_server_is_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(UnreachableError, match=f"cannot reach the SPARQL server at http://127.0.0.1:{port}/sparql"):
        open_server_store(f"sparql+http://127.0.0.1:{port}/sparql", timeout=5)


def test_a_query_the_server_refuses_names_the_query(server_store: SparqlHttpStore) -> None:
    with pytest.raises(QuerySyntaxError, match="my query: the SPARQL server answered 400"):
        server_store.query_text("SELECT WHERE nonsense", what="my query")


def test_bulk_import_through_virtuosos_loader_is_validated_and_answers_the_same(virtuoso, tmp_path: Path) -> None:
    """With the loader configured, the import's quads go through ld_dir/rdf_loader_run (the
    file is gone afterwards); a batch with violations never reaches the loader."""
    loader = BulkLoader(directory=virtuoso.loads, port=virtuoso.isql_port)
    store = open_server_store(virtuoso.location, loader=loader, loader_from=1)
    store.clear()
    _small(store)
    embedded = open_store(memory=True)
    _small(embedded)
    assert list(virtuoso.loads.iterdir()) == []
    assert Lineage(store).statistics() == Lineage(embedded).statistics()
    assert Lineage(store).ancestors("example/math-mix") == Lineage(embedded).ancestors("example/math-mix")
    before = len(store)
    back = write_jsonl(tmp_path / "e.jsonl",
                       [{"target": "openai/gsm8k", "source": "example/math-mix", "meta_info": META}])
    nodes = write_jsonl(tmp_path / "n.jsonl", [{"name": "openai/gsm8k"}, {"name": "example/math-mix"}])
    outcome = import_lineage_jsonl(store, nodes, back).outcome     # a cycle through what the server holds
    assert not outcome.accepted and len(store) == before
    store.close()


def test_the_cli_reads_and_writes_a_server_given_as_store(virtuoso, server_store: SparqlHttpStore,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "lineage-jsonl", str(LINEAGE / "small_nodes.jsonl"), str(LINEAGE / "small_edges.jsonl"),
                 "--store", virtuoso.location, "-q"]) == 0
    capsys.readouterr()
    assert main(["roots", "example/math-mix", "--store", virtuoso.location, "--format", "json"]) == 0
    assert '"openai/gsm8k"' in capsys.readouterr().out
    assert main(["roots", "example/math-mix", "--store", f"sparql+http://127.0.0.1:{free_port()}/sparql"]) != 0
    assert "cannot reach the SPARQL server" in capsys.readouterr().err


def test_the_settings_file_selects_the_server_and_its_options(virtuoso, server_store: SparqlHttpStore,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "settings.toml"
    settings.write_text(f'[store]\nlocation = "{virtuoso.location}"\n\n[store.sparql]\n'
                        f'graph_store_url = "{virtuoso.graph_store_url}"\ntimeout = 30\nchunk = 7\n', encoding="utf-8")
    monkeypatch.delenv("LINEAGEKG_STORE", raising=False)
    monkeypatch.setenv("LINEAGEKG_SETTINGS", str(settings))
    store = open_store()
    assert isinstance(store, SparqlHttpStore)
    assert (store.settings.graph_store_url, store.settings.timeout, store.settings.chunk) == (
        virtuoso.graph_store_url, 30.0, 7)
    settings.write_text('[store]\nlocation = "sparql+http://127.0.0.1:1/sparql"\n\n[store.sparql]\nchunks = 7\n',
                        encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'chunks' in \[store.sparql\]"):
        open_store()
