"""PROV documents through the ``prov`` package: the store's PROV-O as PROV-N, PROV-JSON or
PROV-XML, and any of those (or PROV-O) read back into quads.

The mapping is exact both ways, so a round trip loses nothing:

- each named graph is a PROV bundle of the same name (the default graph: the document itself);
- a node typed ``prov:Activity`` is an ``activity`` record (its one start and end time as the
  record's times), one typed ``prov:Agent`` (and not ``prov:Entity``) an ``agent``, any other
  subject an ``entity``; every ``rdf:type`` is a ``prov:type`` attribute, every other triple of
  the node an attribute (IRIs as qualified names, literals with their datatype or language);
- a qualified derivation or usage (``prov:qualifiedDerivation``/``prov:qualifiedUsage`` to a node
  with one ``prov:entity``) is a ``wasDerivedFrom``/``used`` record with that node's id, its
  activity (``prov:hadActivity``) and its other triples as attributes;
- the unqualified ``prov:wasDerivedFrom``, ``prov:hadPrimarySource`` (a derivation of
  ``prov:type`` ``prov:PrimarySource``), ``prov:used``, ``prov:wasGeneratedBy`` (with the
  entity's one ``prov:generatedAtTime``), ``prov:wasAssociatedWith`` and ``prov:wasAttributedTo``
  are the records of the same name without id;
- a blank node is a name in the ``urn:lineagekg:blank:`` namespace, and is a blank node again.

A PROV record this mapping cannot write as PROV-O (a relation lineagekg does not use, an
unqualified relation with attributes) is an ``InputError`` naming it: nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from prov.constants import (
    PROV_ACTIVITY,
    PROV_AGENT,
    PROV_ASSOCIATION,
    PROV_ATTR_ACTIVITY,
    PROV_ATTR_AGENT,
    PROV_ATTR_ENDTIME,
    PROV_ATTR_ENTITY,
    PROV_ATTR_GENERATED_ENTITY,
    PROV_ATTR_STARTTIME,
    PROV_ATTR_TIME,
    PROV_ATTR_USED_ENTITY,
    PROV_ATTRIBUTION,
    PROV_DERIVATION,
    PROV_ENTITY,
    PROV_GENERATION,
    PROV_TYPE,
    PROV_USAGE,
)
from prov.identifier import Identifier, QualifiedName
from prov.model import Literal as ProvLiteral
from prov.model import ProvBundle, ProvDocument, ProvRecord

from lineagekg import terms
from lineagekg.errors import InputError
from lineagekg.iris import ID_BASE
from lineagekg.namespaces import PREFIXES

PROV_NS = terms.PROV.NS
XSD = terms.XSD.NS
RDF_TYPE = terms.RDF.type.value
BLANK_NS = "urn:lineagekg:blank:"
#: our export format name -> the prov package's serializer name
PROV_FORMATS = {"provn": "provn", "provjson": "json", "provxml": "xml"}
MEDIA_TYPES = {"provn": "text/provenance-notation", "provjson": "application/json",
               "provxml": "application/xml"}
_P = {name: ox.NamedNode(PROV_NS + name) for name in (
    "Activity", "Agent", "Entity", "PrimarySource", "wasDerivedFrom", "hadPrimarySource", "used",
    "wasGeneratedBy", "generatedAtTime", "wasAssociatedWith", "wasAttributedTo", "startedAtTime",
    "endedAtTime", "qualifiedDerivation", "qualifiedUsage", "entity", "hadActivity")}
_TYPE = ox.NamedNode(RDF_TYPE)
_READABLE = {"blank": BLANK_NS,
             **{name: f"{ID_BASE}{path}/" for name, path in (
                 ("about", "graph/about"), ("trace", "graph/trace"), ("import", "graph/import"),
                 ("review", "graph/review"), ("terminal", "graph/terminal"), ("drv", "derivation"),
                 ("dataset", "dataset"), ("model", "model"), ("usage", "usage"), ("person", "person"),
                 ("traceRun", "activity/trace"), ("importRun", "activity/import"),
                 ("reviewRun", "activity/review"), ("terminalRun", "activity/terminal"),
                 ("construction", "activity/construction"))}}
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*$")
_UNQUALIFIED = {  # predicate -> (record kind, first formal attribute, second formal attribute)
    "wasDerivedFrom": (PROV_DERIVATION, PROV_ATTR_GENERATED_ENTITY, PROV_ATTR_USED_ENTITY),
    "hadPrimarySource": (PROV_DERIVATION, PROV_ATTR_GENERATED_ENTITY, PROV_ATTR_USED_ENTITY),
    "used": (PROV_USAGE, PROV_ATTR_ACTIVITY, PROV_ATTR_ENTITY),
    "wasGeneratedBy": (PROV_GENERATION, PROV_ATTR_ENTITY, PROV_ATTR_ACTIVITY),
    "wasAssociatedWith": (PROV_ASSOCIATION, PROV_ATTR_ACTIVITY, PROV_ATTR_AGENT),
    "wasAttributedTo": (PROV_ATTRIBUTION, PROV_ATTR_ENTITY, PROV_ATTR_AGENT),
}


# --- PROV-O quads -> PROV document ---------------------------------------------------------------

class _Names:
    """IRIs as PROV qualified names: the project's prefixes first, then one generated prefix per
    namespace (the IRI up to its last ``/`` or ``#``)."""

    def __init__(self, doc: ProvDocument) -> None:
        self.doc = doc
        self.known = sorted(({**PREFIXES, **_READABLE}).items(), key=lambda x: -len(x[1]))
        self.made: dict[str, str] = {}

    def __call__(self, term: Any) -> QualifiedName:
        iri = BLANK_NS + term.value if isinstance(term, ox.BlankNode) else term.value
        for prefix, ns in self.known:
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                return self.doc.add_namespace(prefix, ns)[iri[len(ns):]]
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        ns, local = iri[:cut], iri[cut:]
        if not _LOCAL.match(local):
            ns, local = iri, ""
        prefix = self.made.setdefault(ns, f"n{len(self.made) + 1}")
        return self.doc.add_namespace(prefix, ns)[local]


def _value(term: Any, name: _Names) -> Any:
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return name(term)
    if term.language:
        return ProvLiteral(term.value, langtag=term.language)
    if term.datatype.value == XSD + "string":
        return term.value
    return ProvLiteral(term.value, name(term.datatype))


def _time(term: Any) -> dt.datetime | None:
    if isinstance(term, ox.Literal) and term.datatype.value == XSD + "dateTime":
        try:
            return dt.datetime.fromisoformat(term.value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _fill(bundle: ProvBundle, triples: list[ox.Triple], types: dict[Any, set[Any]], name: _Names) -> None:
    """The records of one graph's triples (see the module docstring)."""
    by_subject: dict[Any, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    used: set[ox.Triple] = set()

    def one(subject: Any, predicate: ox.NamedNode) -> list[ox.Triple]:
        return [t for t in by_subject.get(subject, ()) if t.predicate == predicate]

    # qualified derivations and usages: the link, the node's one prov:entity, its activity
    for t in triples:
        kind = {_P["qualifiedDerivation"]: PROV_DERIVATION, _P["qualifiedUsage"]: PROV_USAGE}.get(t.predicate)
        entity = one(t.object, _P["entity"]) if kind else []
        if not kind or len(entity) != 1 or t in used:
            continue
        activity = one(t.object, _P["hadActivity"]) if kind == PROV_DERIVATION else []
        activity = activity if len(activity) == 1 else []
        used.update([t, *entity, *activity])
        attrs = [(PROV_TYPE if a.predicate == _TYPE else name(a.predicate), _value(a.object, name))
                 for a in by_subject[t.object] if a not in used]
        used.update(by_subject[t.object])
        if kind == PROV_DERIVATION:
            bundle.derivation(name(t.subject), name(entity[0].object),
                              name(activity[0].object) if activity else None, identifier=name(t.object),
                              other_attributes=attrs)
        else:
            bundle.usage(name(t.subject), name(entity[0].object), identifier=name(t.object),
                         other_attributes=attrs)
    # unqualified relations (a generation with the entity's one generation time)
    for t in triples:
        local = t.predicate.value[len(PROV_NS):] if t.predicate.value.startswith(PROV_NS) else ""
        if t in used or local not in _UNQUALIFIED or isinstance(t.object, ox.Literal):
            continue
        used.add(t)
        s, o = name(t.subject), name(t.object)
        if local == "wasGeneratedBy":
            times = one(t.subject, _P["generatedAtTime"])
            when = _time(times[0].object) if len(times) == 1 and times[0] not in used else None
            if when is not None:
                used.add(times[0])
            bundle.generation(s, o, when)
        elif local in ("wasDerivedFrom", "hadPrimarySource"):
            bundle.derivation(s, o, other_attributes=[(PROV_TYPE, name(_P["PrimarySource"]))]
                              if local == "hadPrimarySource" else None)
        else:
            getattr(bundle, {"used": "usage", "wasAssociatedWith": "association",
                             "wasAttributedTo": "attribution"}[local])(s, o)
    for subject in by_subject:
        times = one(subject, _P["generatedAtTime"])
        if len(times) == 1 and times[0] not in used and not one(subject, _P["wasGeneratedBy"]):
            when = _time(times[0].object)
            if when is not None:
                used.add(times[0])
                bundle.generation(name(subject), None, when)
    # the nodes themselves
    for subject, own in by_subject.items():
        rest = [t for t in own if t not in used]
        if not rest:
            continue
        kinds = types.get(subject, set())
        start, end = (one(subject, _P["startedAtTime"]), one(subject, _P["endedAtTime"]))
        is_activity = _P["Activity"] in kinds
        start_at = _time(start[0].object) if is_activity and len(start) == 1 else None
        end_at = _time(end[0].object) if is_activity and len(end) == 1 else None
        skip = {*(start if start_at else ()), *(end if end_at else ())}
        attrs = [(PROV_TYPE if t.predicate == _TYPE else name(t.predicate), _value(t.object, name))
                 for t in rest if t not in skip]
        if is_activity:
            bundle.activity(name(subject), start_at, end_at, attrs)
        elif _P["Agent"] in kinds and _P["Entity"] not in kinds:
            bundle.agent(name(subject), attrs)
        else:
            bundle.entity(name(subject), attrs)


def to_document(quads: Iterable[ox.Quad]) -> ProvDocument:
    """The quads (PROV-O, named graphs as bundles) as a ``prov`` document."""
    doc = ProvDocument()
    name = _Names(doc)
    by_graph: dict[Any, list[ox.Triple]] = defaultdict(list)
    types: dict[Any, set[Any]] = defaultdict(set)
    for q in quads:
        by_graph[q.graph_name].append(q.triple)
        if q.predicate == _TYPE:
            types[q.subject].add(q.object)
    for graph in sorted(by_graph, key=str):
        bundle = doc if isinstance(graph, ox.DefaultGraph) else doc.bundle(name(graph))
        _fill(bundle, by_graph[graph], types, name)
    return doc


# --- PROV document -> PROV-O quads ---------------------------------------------------------------

def _iri(q: Any) -> str:
    return q.uri if isinstance(q, (QualifiedName, Identifier)) else str(q)


def _node(q: Any) -> ox.NamedNode | ox.BlankNode:
    iri = _iri(q)
    if iri.startswith(BLANK_NS):
        return ox.BlankNode(iri[len(BLANK_NS):])
    return ox.NamedNode(iri)


def _xsd_time(value: dt.datetime) -> ox.Literal:
    text = value.isoformat()
    return ox.Literal(text[:-6] + "Z" if text.endswith("+00:00") else text, datatype=ox.NamedNode(XSD + "dateTime"))


def _term(value: Any) -> Any:
    if isinstance(value, QualifiedName):
        return _node(value)
    if isinstance(value, Identifier):
        return ox.Literal(value.uri, datatype=ox.NamedNode(XSD + "anyURI"))
    if isinstance(value, ProvLiteral):
        if value.langtag:
            return ox.Literal(value.value, language=value.langtag)
        return ox.Literal(value.value, datatype=ox.NamedNode(_iri(value.datatype)) if value.datatype else None)
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(XSD + "double"))
    if isinstance(value, dt.datetime):
        return _xsd_time(value)
    return ox.Literal(str(value))


def _record_quads(record: ProvRecord, graph: Any) -> list[ox.Quad]:
    formal = {k: v for k, v in record.formal_attributes if v is not None}
    extra = [(k, v) for k, v in record.attributes if k not in dict(record.formal_attributes)]
    q = lambda s, p, o: ox.Quad(s, p, o, graph)  # noqa: E731
    where = f"PROV record {record.get_type()} {record.identifier or ''}".rstrip()

    def attrs(subject: Any) -> list[ox.Quad]:
        return [q(subject, _TYPE if k == PROV_TYPE else _node(k), _term(v)) for k, v in extra]

    kind = record.get_type()
    if kind in (PROV_ENTITY, PROV_ACTIVITY, PROV_AGENT):
        s = _node(record.identifier)
        out = attrs(s)
        if PROV_ATTR_STARTTIME in formal:
            out.append(q(s, _P["startedAtTime"], _xsd_time(formal[PROV_ATTR_STARTTIME])))
        if PROV_ATTR_ENDTIME in formal:
            out.append(q(s, _P["endedAtTime"], _xsd_time(formal[PROV_ATTR_ENDTIME])))
        return out
    if kind == PROV_DERIVATION and set(formal) <= {PROV_ATTR_GENERATED_ENTITY, PROV_ATTR_USED_ENTITY,
                                                   PROV_ATTR_ACTIVITY}:
        target, source = _node(formal[PROV_ATTR_GENERATED_ENTITY]), _node(formal[PROV_ATTR_USED_ENTITY])
        if record.identifier is not None:
            d = _node(record.identifier)
            out = [q(target, _P["qualifiedDerivation"], d), q(d, _P["entity"], source), *attrs(d)]
            if PROV_ATTR_ACTIVITY in formal:
                out.append(q(d, _P["hadActivity"], _node(formal[PROV_ATTR_ACTIVITY])))
            return out
        primary = [v for k, v in extra if k == PROV_TYPE and _node(v) == _P["PrimarySource"]]
        if PROV_ATTR_ACTIVITY not in formal and len(extra) == len(primary) <= 1:
            return [q(target, _P["hadPrimarySource" if primary else "wasDerivedFrom"], source)]
    if kind == PROV_USAGE and set(formal) == {PROV_ATTR_ACTIVITY, PROV_ATTR_ENTITY}:
        activity, entity = _node(formal[PROV_ATTR_ACTIVITY]), _node(formal[PROV_ATTR_ENTITY])
        if record.identifier is not None:
            u = _node(record.identifier)
            return [q(activity, _P["qualifiedUsage"], u), q(u, _P["entity"], entity), *attrs(u)]
        if not extra:
            return [q(activity, _P["used"], entity)]
    if kind == PROV_GENERATION and record.identifier is None and not extra and PROV_ATTR_ENTITY in formal:
        entity = _node(formal[PROV_ATTR_ENTITY])
        out = []
        if PROV_ATTR_ACTIVITY in formal:
            out.append(q(entity, _P["wasGeneratedBy"], _node(formal[PROV_ATTR_ACTIVITY])))
        if PROV_ATTR_TIME in formal:
            out.append(q(entity, _P["generatedAtTime"], _xsd_time(formal[PROV_ATTR_TIME])))
        return out
    pairs = {PROV_ASSOCIATION: (PROV_ATTR_ACTIVITY, PROV_ATTR_AGENT, "wasAssociatedWith"),
             PROV_ATTRIBUTION: (PROV_ATTR_ENTITY, PROV_ATTR_AGENT, "wasAttributedTo")}
    if kind in pairs and record.identifier is None and not extra and set(formal) == set(pairs[kind][:2]):
        first, second, prop = pairs[kind]
        return [q(_node(formal[first]), _P[prop], _node(formal[second]))]
    raise InputError(f"{where}: lineagekg reads entities, activities, agents, derivations (qualified or "
                     "not, and primary sources), usages, generations, associations and attributions; "
                     "this record has a kind or arguments it cannot store as PROV-O", field=str(kind))


def to_quads(doc: ProvDocument) -> list[ox.Quad]:
    """The document's records as PROV-O quads (bundles as named graphs)."""
    quads: dict[ox.Quad, None] = {}
    for record in doc.get_records():
        quads.update(dict.fromkeys(_record_quads(record, ox.DefaultGraph())))
    for bundle in doc.bundles:
        graph = _node(bundle.identifier)
        if isinstance(graph, ox.BlankNode):
            raise InputError(f"bundle {bundle.identifier} has no IRI")
        for record in bundle.get_records():
            quads.update(dict.fromkeys(_record_quads(record, graph)))
    return list(quads)


# --- text ----------------------------------------------------------------------------------------

def serialize(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    """The quads as a PROV-N, PROV-JSON or PROV-XML document (``fmt``: provn, provjson, provxml)."""
    if fmt not in PROV_FORMATS:
        raise InputError(f"unknown PROV format {fmt!r}; use one of {', '.join(PROV_FORMATS)}", field="format")
    doc = to_document(quads)
    if fmt == "provn":
        return doc.get_provn().encode("utf-8")
    return document_text(doc, PROV_FORMATS[fmt]).encode("utf-8")


def document_text(doc: ProvDocument, fmt: str) -> str:
    """A prov document serialised in prov's format ``fmt`` (json, xml); JSON indented."""
    text = doc.serialize(format=fmt, indent=1) if fmt == "json" else doc.serialize(format=fmt)
    if not isinstance(text, str):       # prov returns None only when given a destination to write to
        raise TypeError(f"prov returned {type(text).__name__} for a {fmt} document")
    return text


def read(data: bytes, fmt: str, *, source: str = "PROV document") -> list[ox.Quad]:
    """A PROV-N, PROV-JSON or PROV-XML document as PROV-O quads.

    Raises:
        InputError: the text does not parse as ``fmt`` (the parser's message, with ``source``),
            or holds a record that cannot be stored as PROV-O.
    """
    if fmt not in PROV_FORMATS:
        raise InputError(f"unknown PROV format {fmt!r}; use one of {', '.join(PROV_FORMATS)}", field="format")
    try:
        if fmt == "provxml":
            doc = ProvDocument.deserialize(source=io.BytesIO(data), format="xml")
        else:
            doc = ProvDocument.deserialize(content=data.decode("utf-8"), format=PROV_FORMATS[fmt])
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc})", file=source) from exc
    except Exception as exc:  # prov's parsers raise many unrelated types for bad input
        raise InputError(f"not a {fmt} document: {exc}", file=source) from exc
    return to_quads(doc)
