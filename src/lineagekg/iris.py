"""Minting IRIs: Hub datasets get their Hub URL, everything else a deterministic project IRI.

Deterministic IRIs make imports and traces idempotent: the same edge from the same document
always gets the same derivation IRI, so a re-run adds nothing.

>>> dataset_iri("openai/gsm8k", on_hub=True)
'https://huggingface.co/datasets/openai/gsm8k'
>>> dataset_iri("OPUS collection", on_hub=False)
'https://w3id.org/lineagekg/id/dataset/opus-collection'
>>> split_iri("https://huggingface.co/datasets/openai/gsm8k", "test")
'https://w3id.org/lineagekg/id/split/hf/openai/gsm8k/test'
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse

HUB_DATASET_BASE = "https://huggingface.co/datasets/"
ID_BASE = "https://w3id.org/lineagekg/id/"
ONTOLOGY_GRAPH = "urn:lineagekg:graph:ontology"

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")


def looks_like_hub_id(identifier: str) -> bool:
    """True for ``org/name`` (and legacy ``name``) ids that the Hub could hold.

    >>> looks_like_hub_id("openai/gsm8k"), looks_like_hub_id("OPUS collection")
    (True, False)
    """
    return bool(_HUB_ID.match(identifier))


def slug(text: str) -> str:
    """A readable, IRI-safe token for ``text`` (lower case, dashes).

    >>> slug("Big-Math (RL)")
    'big-math-rl'
    """
    token = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return token or digest(text)


def digest(*parts: str, length: int = 16) -> str:
    """A short stable hash of ``parts`` (joined with a separator no part can forge)."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return h[:length]


def _spelling(text: str) -> str:
    """What two spellings of one name share: case and runs of spaces, ``_`` and ``-`` aside."""
    return re.sub(r"[\s_\-]+", "-", text.casefold()).strip("-")


def dataset_iri(identifier: str, *, on_hub: bool) -> str:
    """The IRI of a dataset: its Hub page when on the Hub, else a project IRI.

    The project IRI is the name's slug, with a short digest of the name when the slug drops
    anything but case and separators, so distinct names never share an IRI while two
    spellings of one name (``Evol-Instruct``, ``evol instruct``) do:

    >>> dataset_iri("C++ code", on_hub=False) != dataset_iri("C code", on_hub=False)
    True
    >>> dataset_iri("COIG 中文", on_hub=False)
    'https://w3id.org/lineagekg/id/dataset/coig-247028f6'
    >>> dataset_iri("Evol-Instruct", on_hub=False) == dataset_iri("evol instruct", on_hub=False)
    True
    """
    if on_hub and looks_like_hub_id(identifier):
        return HUB_DATASET_BASE + urllib.parse.quote(identifier, safe="/._-")
    readable, spelling = re.sub(r"[^a-z0-9]+", "-", identifier.lower()).strip("-"), _spelling(identifier)
    token = readable if readable and readable == spelling else "-".join(
        filter(None, (readable, digest(spelling or identifier, length=8))))
    return f"{ID_BASE}dataset/{token}"


def split_iri(dataset: str, split: str) -> str:
    """The IRI of a named split of a dataset (``dataset`` is the dataset's IRI), in the project
    namespace so that it dereferences (a fragment of a Hub page would name a part of that page);
    the split is linked to its dataset's Hub page by ``rdfs:seeAlso``.

    >>> split_iri("https://w3id.org/lineagekg/id/dataset/self-instruct", "Seed Tasks")
    'https://w3id.org/lineagekg/id/split/dataset/self-instruct/seed-tasks'
    """
    if dataset.startswith(HUB_DATASET_BASE):
        whole = "hf/" + dataset[len(HUB_DATASET_BASE):]
    elif dataset.startswith(ID_BASE):
        whole = dataset[len(ID_BASE):]
    else:
        whole = "other/" + digest(dataset)
    return f"{ID_BASE}split/{whole}/{slug(split)}"


def derivation_iri(target: str, source: str, relation: str, graph: str) -> str:
    """One qualified derivation per (target, source, relation) in one named graph."""
    return f"{ID_BASE}derivation/{digest(target, source, relation, graph)}"


def document_iri(kind: str, about: str) -> str:
    """A project IRI for a document known only by its kind (a cited 'Blog' with no URL)."""
    return f"{ID_BASE}document/{slug(kind)}/{digest(kind, about)}"


def content_document_iri(data: bytes) -> str:
    """The IRI of a local file known only by its content (never its ``file://`` path, which would
    publish a local directory and differ between machines).

    >>> content_document_iri(b"")
    'https://w3id.org/lineagekg/id/document/sha256/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    return f"{ID_BASE}document/sha256/{hashlib.sha256(data).hexdigest()}"


def named_document_iri(name: str) -> str:
    """The IRI of a local file that could not be read, by its relative name (no directory)."""
    return f"{ID_BASE}document/file/{urllib.parse.quote(name, safe='._-')}"


def graph_iri(kind: str, key: str) -> str:
    """A named graph per source: ``kind`` (import, trace, review) and a content key."""
    return f"{ID_BASE}graph/{slug(kind)}/{key}"


def about_graph(iri: str) -> str:
    """The one named graph that holds what the store knows of ``iri`` itself (a dataset's type,
    identifier, label and upstream edges; a document's, an agent's or a model's description):
    every write merges into it, so the union default graph holds each of those triples once.

    >>> about_graph("https://huggingface.co/datasets/openai/gsm8k")
    'https://w3id.org/lineagekg/id/graph/about/ebb86821959a3d2c'
    """
    return f"{ID_BASE}graph/about/{digest(iri)}"


def activity_iri(kind: str, key: str) -> str:
    return f"{ID_BASE}activity/{slug(kind)}/{key}"


def agent_iri(name: str, version: str) -> str:
    return f"{ID_BASE}agent/{slug(name)}/{slug(version)}"


def model_iri(name: str) -> str:
    return f"{ID_BASE}model/{slug(name)}"
