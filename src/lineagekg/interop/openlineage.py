"""OpenLineage run events as PROV activities.

An OpenLineage ``RunEvent`` (``eventType``, ``eventTime``, ``run.runId``, ``job.namespace`` /
``job.name``, ``inputs`` / ``outputs`` datasets by ``namespace`` + ``name``, ``producer``) says a
job's run read some datasets and wrote others. The events of one run (START, COMPLETE, ...) become
one ``prov:Activity``: ``prov:startedAtTime`` / ``prov:endedAtTime`` from its events,
``prov:used`` each input, each output ``prov:wasGeneratedBy`` it, ``prov:wasAssociatedWith`` the
producer (a ``prov:SoftwareAgent``), its job as ``prov:hadPlan`` of the association, a parent run
as ``dcterms:isPartOf``. The datasets become ``lk:Dataset`` nodes. No derivation edge is written:
OpenLineage says which datasets a run read and wrote, not how one was derived from another.
Events come as a JSON object, a JSON array, or JSON Lines; one file or a folder of them.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from lineagekg import iris
from lineagekg.errors import InputError
from lineagekg.model import Dataset
from lineagekg.namespaces import DCTERMS, PROV, RDF, RDFS, XSD, ox

EVENT_TYPES = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}
ENDS = {"COMPLETE", "ABORT", "FAIL"}
MAX_FILE_BYTES = 50_000_000


@dataclass
class Run:
    """What the events of one run say."""

    run_id: str
    job: tuple[str, str]
    producer: str | None = None
    started: str | None = None
    ended: str | None = None
    state: str | None = None
    parent: str | None = None
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)    # identifier -> (ns, name)
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    events: int = 0


@dataclass
class RunGraph:
    """Runs and their datasets, ready to become a batch."""

    runs: list[Run]
    datasets: list[Dataset]
    files: list[Path]
    counts: dict[str, int] = field(default_factory=dict)


def dataset_identifier(namespace: str, name: str) -> str:
    """OpenLineage names a dataset by namespace and name; the identifier joins them.

    >>> dataset_identifier("postgres://workshop-db:None", "workshop.public.taxes")
    'postgres://workshop-db:None/workshop.public.taxes'
    """
    return f"{namespace.rstrip('/')}/{name}"


def run_iri(run_id: str) -> str:
    """The activity of an OpenLineage run, named by its runId."""
    return iris.activity_iri("openlineage", urllib.parse.quote(run_id, safe=""))


def job_iri(namespace: str, name: str) -> str:
    return f"{iris.ID_BASE}job/openlineage/{iris.digest(namespace, name)}"


def _events(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, event) for every event of a file: a JSON object, an array, or JSON Lines."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"file over {MAX_FILE_BYTES} bytes", file=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from exc
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        yield str(path), whole
        return
    if isinstance(whole, list):
        for i, event in enumerate(whole):
            yield f"{path} (event {i})", event
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield f"{path}:{number}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}", file=str(path),
                             line=number) from exc


def _text(obj: dict[str, Any], key: str, where: str, fld: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError("missing or not a string", file=where, field=fld)
    return value.strip()


def _time(value: str, where: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not an ISO 8601 date-time: {value!r}", file=where, field="eventTime") from None
    if moment.tzinfo is None:
        raise InputError(f"date-time without a time zone: {value!r}", file=where, field="eventTime")
    return moment.isoformat()


def _moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def _datasets(event: dict[str, Any], key: str, where: str) -> dict[str, tuple[str, str]]:
    items = event.get(key) or []
    if not isinstance(items, list):
        raise InputError("expected a list of datasets", file=where, field=key)
    out = {}
    for i, ds in enumerate(items):
        if not isinstance(ds, dict):
            raise InputError("a dataset is an object with namespace and name", file=where, field=f"{key}[{i}]")
        ns, name = _text(ds, "namespace", where, f"{key}[{i}].namespace"), _text(ds, "name", where, f"{key}[{i}].name")
        out[dataset_identifier(ns, name)] = (ns, name)
    return out


def read_events(path: Path) -> RunGraph:
    """Read every event under ``path`` (a file or a folder of ``*.json`` / ``*.jsonl``).

    Raises ``InputError`` naming the file (and line or event) and field of the first bad event.
    """
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl", ".ndjson"))
    elif path.is_file():
        files = [path]
    else:
        raise InputError("no such file or folder", file=str(path))
    if not files:
        raise InputError("no *.json or *.jsonl files", file=str(path))
    runs: dict[str, Run] = {}
    events = 0
    for file in files:
        for where, event in _events(file):
            if not isinstance(event, dict):
                raise InputError("an event is a JSON object", file=where)
            events += 1
            kind = event.get("eventType", "OTHER")
            if kind not in EVENT_TYPES:
                raise InputError(f"unknown eventType {kind!r} (one of {', '.join(sorted(EVENT_TYPES))})",
                                 file=where, field="eventType")
            when = _time(_text(event, "eventTime", where, "eventTime"), where)
            run_obj, job_obj = event.get("run"), event.get("job")
            if not isinstance(run_obj, dict) or not isinstance(job_obj, dict):
                raise InputError("an event needs a run and a job object", file=where,
                                 field="run" if not isinstance(run_obj, dict) else "job")
            run_id = _text(run_obj, "runId", where, "run.runId")
            job = (_text(job_obj, "namespace", where, "job.namespace"), _text(job_obj, "name", where, "job.name"))
            run = runs.setdefault(run_id, Run(run_id=run_id, job=job))
            if run.job != job:
                raise InputError(f"run {run_id} was reported for job {run.job[0]}/{run.job[1]} before",
                                 file=where, field="job")
            run.events += 1
            producer = event.get("producer")
            if isinstance(producer, str) and producer.startswith(("http://", "https://")):
                run.producer = producer
            if run.started is None or _moment(when) < _moment(run.started):
                run.started = when                   # the run started at its earliest event
            if kind in ENDS:
                run.ended, run.state = when, kind
            parent = ((run_obj.get("facets") or {}).get("parent") or {}).get("run") or {}
            if isinstance(parent, dict) and isinstance(parent.get("runId"), str):
                run.parent = parent["runId"]
            run.inputs.update(_datasets(event, "inputs", where))
            run.outputs.update(_datasets(event, "outputs", where))
    names = {i: d for r in runs.values() for i, d in (*r.inputs.items(), *r.outputs.items())}
    datasets = [Dataset(identifier=i, label=name, on_hub=False, data_type="OpenLineage dataset",
                        summary=f"{name} in {ns}") for i, (ns, name) in sorted(names.items())]
    counts = {"files": len(files), "events": events, "runs": len(runs), "datasets": len(datasets),
              "used": sum(len(r.inputs) for r in runs.values()),
              "generated": sum(len(r.outputs) for r in runs.values())}
    return RunGraph(runs=list(runs.values()), datasets=datasets, files=files, counts=counts)


def run_quads(run: Run, iri_of: dict[str, str], graph: NamedNode) -> Iterator[Quad]:
    """One run as a PROV activity in ``graph``."""
    a = NamedNode(run_iri(run.run_id))
    job = NamedNode(job_iri(*run.job))
    yield Quad(a, RDF.type, ox(PROV.Activity), graph)
    yield Quad(a, RDFS.label, Literal(f"OpenLineage run {run.run_id} of {run.job[0]}/{run.job[1]}"), graph)
    yield Quad(a, DCTERMS.identifier, Literal(run.run_id), graph)
    if run.started:
        yield Quad(a, ox(PROV.startedAtTime), Literal(run.started, datatype=XSD.dateTime), graph)
    if run.ended:
        yield Quad(a, ox(PROV.endedAtTime), Literal(run.ended, datatype=XSD.dateTime), graph)
    if run.state:
        yield Quad(a, RDFS.comment, Literal(f"OpenLineage eventType {run.state}"), graph)
    yield Quad(job, RDF.type, ox(PROV.Plan), graph)
    yield Quad(job, RDFS.label, Literal(f"{run.job[0]}/{run.job[1]}"), graph)
    if run.producer:
        agent = NamedNode(run.producer)
        association = NamedNode(f"{a.value}/association")
        yield Quad(agent, RDF.type, ox(PROV.SoftwareAgent), graph)
        yield Quad(agent, RDF.type, ox(PROV.Agent), graph)     # typed explicitly: the store does not reason
        yield Quad(a, ox(PROV.wasAssociatedWith), agent, graph)
        yield Quad(a, ox(PROV.qualifiedAssociation), association, graph)
        yield Quad(association, RDF.type, ox(PROV.Association), graph)
        yield Quad(association, ox(PROV.agent), agent, graph)
        yield Quad(association, ox(PROV.hadPlan), job, graph)
    if run.parent:
        yield Quad(a, DCTERMS.isPartOf, NamedNode(run_iri(run.parent)), graph)
    for identifier in run.inputs:
        yield Quad(a, ox(PROV.used), NamedNode(iri_of[identifier]), graph)
    for identifier in run.outputs:
        yield Quad(NamedNode(iri_of[identifier]), ox(PROV.wasGeneratedBy), a, graph)
