"""`lineagekg import openlineage`: the OpenLineage documentation's own example run events
(tests/data/openlineage, Apache-2.0, see its NOTICE.md) become one PROV activity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lineagekg.cli import main
from lineagekg.errors import InputError
from lineagekg.importing import import_openlineage
from lineagekg.queries import SPARQLQuery
from lineagekg.store import open_store

EVENTS = Path(__file__).parent / "data" / "openlineage"
PG = "postgres://workshop-db:None/workshop.public."
PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def test_the_documented_events_become_one_prov_activity() -> None:
    store = open_store(memory=True)
    summary = import_openlineage(store, EVENTS)
    assert summary.outcome.accepted, summary.outcome.report
    assert summary.counts == {"files": 2, "events": 2, "runs": 1, "datasets": 3, "used": 1, "generated": 2}
    rows = store.select(SPARQLQuery.from_text("t", PREFIXES + """
        SELECT ?start ?end ?plan ?agent ?parent WHERE {
          ?run a prov:Activity ; dcterms:identifier "d46e465b-d358-4d32-83d4-df660ff614dd" ;
               prov:startedAtTime ?start ; prov:endedAtTime ?end ; dcterms:isPartOf ?parent ;
               prov:qualifiedAssociation [ prov:agent ?agent ; prov:hadPlan [ rdfs:label ?plan ] ] }"""))
    assert len(rows) == 1
    row = rows[0]
    assert str(row["start"]).startswith("2020-12-28 19:52:00.001") or "2020-12-28T19:52" in str(row["start"])
    assert row["plan"] == "workshop/process_taxes"
    assert row["agent"] == "https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client"
    assert row["parent"].endswith("/activity/openlineage/f99310b4-3c3c-1a1a-2b2b-c1b95c24ff11")
    used = store.select(SPARQLQuery.from_text("t", PREFIXES + """
        SELECT ?id WHERE { ?run dcterms:identifier "d46e465b-d358-4d32-83d4-df660ff614dd" ; prov:used ?d .
                           ?d dcterms:identifier ?id }"""))
    made = store.select(SPARQLQuery.from_text("t", PREFIXES + """
        SELECT ?id WHERE { ?d prov:wasGeneratedBy ?run ; dcterms:identifier ?id .
                           ?run dcterms:identifier "d46e465b-d358-4d32-83d4-df660ff614dd" } ORDER BY ?id"""))
    assert [r["id"] for r in used] == [PG + "taxes-in"]
    assert [r["id"] for r in made] == [PG + "taxes-out", PG + "unpaid_taxes"]


def test_the_cli_imports_events_once(tmp_path: Path, capsys) -> None:
    store = str(tmp_path / "s")
    assert main(["import", "openlineage", str(EVENTS), "--store", store]) == 0
    assert "runs 1" in capsys.readouterr().out
    assert main(["import", "openlineage", str(EVENTS), "--store", store]) == 0
    assert "already imported" in capsys.readouterr().out


@pytest.mark.parametrize(("change", "field"), [
    ({"eventTime": "yesterday"}, "eventTime"),
    ({"eventType": "DONE"}, "eventType"),
    ({"run": {}}, "run.runId"),
    ({"outputs": [{"namespace": "pg"}]}, "outputs[0].name"),
])
def test_a_bad_event_names_file_line_and_field(tmp_path: Path, change: dict, field: str) -> None:
    good = json.loads((EVENTS / "examples_complete_event.json").read_text())
    lines = [json.dumps(good), json.dumps({**good, **change})]
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    store = open_store(memory=True)
    before = len(store)
    with pytest.raises(InputError) as err:
        import_openlineage(store, tmp_path / "events.jsonl")
    assert err.value.field == field and "events.jsonl:2" in str(err.value)
    assert len(store) == before
