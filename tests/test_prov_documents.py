"""PROV-N, PROV-JSON and PROV-XML through the `prov` package: export, read back, import.

The store of tests/test_prov_semantics.py (a trace of real READMEs, an import, a teacher-model
trace and a review) is written as each PROV serialisation, read back by `prov`'s own parser and
turned into PROV-O again: the same quads, graph by graph (isomorphic, and counted). The same
documents imported with `lineagekg import prov` into an empty store give the store back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from prov.model import ProvDocument
from rdflib.compare import isomorphic
from test_prov_semantics import build_store

from lineagekg import iris
from lineagekg.analyses import Lineage
from lineagekg.cli import main
from lineagekg.errors import InputError
from lineagekg.importing import import_prov
from lineagekg.interop import prov_documents
from lineagekg.store.oxigraph import OxigraphStore, open_store

FORMATS = ["provn", "provjson", "provxml"]
SUFFIX = {"provn": ".provn", "provjson": ".json", "provxml": ".xml"}


@pytest.fixture(scope="module")
def prov_store(corpus: object) -> OxigraphStore:
    return build_store(corpus)


def _data(store: OxigraphStore) -> list[ox.Quad]:
    return [q for q in store.quads() if q.graph_name != ox.NamedNode(iris.ONTOLOGY_GRAPH)]


def _graphs(quads: list[ox.Quad]) -> dict[str, rdflib.Graph]:
    """The quads as one rdflib graph per named graph (N-Triples written by pyoxigraph)."""
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        by_graph[str(q.graph_name)].append(q.triple)
    return {g: rdflib.Graph().parse(data=ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"),
                                    format="nt")
            for g, ts in by_graph.items()}


def assert_same_dataset(actual: list[ox.Quad], expected: list[ox.Quad]) -> None:
    assert len(set(actual)) == len(set(expected))
    mine, theirs = _graphs(actual), _graphs(expected)
    assert set(mine) == set(theirs)
    for g in theirs:
        assert len(mine[g]) == len(theirs[g]) and isomorphic(mine[g], theirs[g]), g


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_through_prov_loses_nothing(prov_store: OxigraphStore, fmt: str) -> None:
    """Store -> PROV-N/JSON/XML text -> prov's parser -> PROV-O: the same quads in the same
    graphs, bundles as bundles; every record kind the store uses is in the document."""
    quads = _data(prov_store)
    text = prov_store.export(fmt)
    doc = ProvDocument.deserialize(content=text.decode("utf-8"), format=prov_documents.PROV_FORMATS[fmt]) \
        if fmt != "provxml" else ProvDocument.deserialize(source=__import__("io").BytesIO(text), format="xml")
    bundles = {str(b.identifier.uri) for b in doc.bundles}
    assert bundles == {str(q.graph_name.value) for q in quads}
    kinds = {str(r.get_type()) for b in doc.bundles for r in b.get_records()}
    assert {"prov:Entity", "prov:Activity", "prov:Agent", "prov:Derivation", "prov:Usage", "prov:Generation",
            "prov:Association", "prov:Attribution"} <= kinds
    assert_same_dataset(prov_documents.to_quads(doc), quads)
    assert len(quads) > 700


def test_prov_n_reads_as_prov(prov_store: OxigraphStore) -> None:
    """The PROV-N of a trace bundle says, in PROV's terms, who said which edge: the bundle's
    generation by its run, its attribution, the run's association, and the qualified derivation
    with its relation, quote and the run that found it."""
    text = prov_store.export("provn").decode("utf-8")
    assert text.startswith("document") and text.rstrip().endswith("endDocument")
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith("bundle trace:") for line in lines)
    assert any(line.startswith("wasGeneratedBy(trace:") and "traceRun:" in line for line in lines)
    assert any(line.startswith("wasAttributedTo(trace:") for line in lines)
    assert any(line.startswith("wasAssociatedWith(traceRun:") for line in lines)
    claims = [line for line in lines if line.startswith("wasDerivedFrom(drv:")]
    assert len(claims) >= 15
    assert all("lk:foundBy=" in c and "lk:relation=" in c and "PrimarySource" not in c for c in claims)
    as_json = json.loads(prov_store.export("provjson"))
    trace = next(v for k, v in as_json["bundle"].items() if k.startswith("trace:"))
    assert trace["wasDerivedFrom"] and all("prov:generatedEntity" in d for d in trace["wasDerivedFrom"].values())


def test_one_datasets_lineage_as_prov(prov_store: OxigraphStore, tmp_path: Path) -> None:
    """A dataset's upstream lineage as PROV-N keeps each statement in the bundle that holds it:
    the claims in their trace bundle, the datasets' descriptions in their own graphs."""
    lineage = Lineage(prov_store)
    triples = set(lineage.subgraph("openbmb/UltraFeedback", direction="up"))
    text = lineage.export("openbmb/UltraFeedback", fmt="provn", direction="up")
    back = prov_documents.read(text, "provn")
    assert {q.triple for q in back} == triples
    assert set(back) <= set(_data(prov_store))
    assert any("/graph/trace/" in q.graph_name.value for q in back)
    with pytest.raises(Exception, match="format"):
        lineage.export("openbmb/UltraFeedback", fmt="provx")


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_prov_gives_the_store_back(prov_store: OxigraphStore, tmp_path: Path, fmt: str) -> None:
    """`import prov FILE` (SHACL-checked like every write) into an empty store writes every
    quad of the exported store, plus the import's own bundle; a second import writes nothing."""
    path = tmp_path / f"store{SUFFIX[fmt]}"
    path.write_bytes(prov_store.export(fmt))
    fresh = open_store(memory=True)
    summary = import_prov(fresh, path)
    assert summary.outcome.accepted, summary.outcome.report
    assert set(_data(prov_store)) <= set(_data(fresh))
    extra = {q for q in _data(fresh)} - set(_data(prov_store))
    assert {q.graph_name.value for q in extra} - {summary.outcome.graph} <= {
        iris.about_graph(q.subject.value) for q in extra}
    assert summary.edges >= 15 and summary.datasets >= 15
    assert import_prov(fresh, path).outcome.already_present


def test_bad_prov_files_write_nothing(tmp_path: Path) -> None:
    """Bad syntax names the file; a record lineagekg cannot store names the record; a document
    that breaks the shapes is rejected whole."""
    store = open_store(memory=True)
    size = len(store)
    broken = tmp_path / "broken.provn"
    broken.write_text("document\n  entity(ex:a\nendDocument\n", encoding="utf-8")
    with pytest.raises(InputError, match="broken.provn"):
        import_prov(store, broken)
    informed = tmp_path / "informed.json"
    informed.write_text(json.dumps({"prefix": {"ex": "https://example.org/"},
                                    "wasInformedBy": {"_:i": {"prov:informed": "ex:b", "prov:informant": "ex:a"}}}),
                        encoding="utf-8")
    with pytest.raises(InputError, match="prov:Communication"):
        import_prov(store, informed)
    no_relation = tmp_path / "claim.provn"
    no_relation.write_text("""document
  prefix ex <https://example.org/>
  prefix lk <https://w3id.org/lineagekg/ns#>
  entity(ex:a, [prov:type='lk:Dataset', prov:type='prov:Entity'])
  wasDerivedFrom(ex:d; ex:a, ex:a, -, -, -, [prov:type='lk:LineageDerivation', lk:confidence="2" %% xsd:decimal])
endDocument
""", encoding="utf-8")
    rejected = import_prov(store, no_relation)
    assert not rejected.outcome.accepted and rejected.outcome.report is not None
    assert {r.source_shape.rsplit("-", 1)[-1] for r in rejected.outcome.report.violations} >= {
        "relation", "confidence", "identifier"}
    assert len(store) == size
    unknown = tmp_path / "x.dat"
    unknown.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell the PROV format of x.dat") as err:
        import_prov(store, unknown)
    assert "--format" in (err.value.hint or "")


def test_cli_and_rest_speak_prov(prov_store: OxigraphStore, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`export --format provn` of a store and of one dataset's lineage, `import prov` back, and
    the REST export in each PROV format."""
    from fastapi.testclient import TestClient

    from lineagekg.api import GatewaySettings, create_app

    store_dir = tmp_path / "store"
    with open_store(store_dir) as st:
        st.bulk_load(_data(prov_store))
    out = tmp_path / "all.provn"
    assert main(["export", "--format", "provn", "--output", str(out), "--store", str(store_dir)]) == 0
    assert out.read_text(encoding="utf-8").startswith("document")
    capsys.readouterr()
    assert main(["export", "--format", "provjson", "--dataset", "openbmb/UltraFeedback", "--direction", "up",
                 "--store", str(store_dir)]) == 0
    assert "bundle" in json.loads(capsys.readouterr().out)
    assert main(["import", "prov", str(out), "--store", str(tmp_path / "fresh")]) == 0
    assert main(["import", "prov", str(tmp_path / "missing.provn"), "--store", str(tmp_path / "fresh")]) == 3
    with open_store(tmp_path / "fresh") as fresh:
        assert set(_data(prov_store)) <= set(_data(fresh))
    client = TestClient(create_app(prov_store, GatewaySettings()))
    for fmt, media in prov_documents.MEDIA_TYPES.items():
        reply = client.get("/api/v1/export", params={"id": "openbmb/UltraFeedback", "format": fmt, "direction": "up"})
        assert reply.status_code == 200 and reply.headers["content-type"].startswith(media)
        assert {q.triple for q in prov_documents.read(reply.content, fmt)} == set(
            Lineage(prov_store).subgraph("openbmb/UltraFeedback", direction="up"))
    whole = client.get("/api/v1/export", params={"format": "provn"})
    assert whole.status_code == 200
    assert set(prov_documents.read(whole.content, "provn")) == set(_data(prov_store))
