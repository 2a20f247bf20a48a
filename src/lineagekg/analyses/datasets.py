"""Finding and describing datasets: search by name, and one dataset's metadata with its direct
sources and children (the explorer's side panel)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lineagekg.analyses.catalogue import Catalogue
from lineagekg.analyses.models import (
    DatasetDescription,
    DatasetDetail,
    DatasetLink,
    DatasetMetadata,
    DatasetRef,
)
from lineagekg.analyses.naming import LK_NS, local_name, relation_family, year
from lineagekg.errors import QueryParameterError
from lineagekg.namespaces import PREFIXES
from lineagekg.queries import library


def links_by_pair(rows: list[dict[str, Any]], near: str, far: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Rows of derivations grouped by the (near, far) pair of datasets they link."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[(r[near], r[far])].append(r)
    return grouped


def best_derivation(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The most confident derivation of one pair (then by relation and IRI, to be stable), and
    the IRIs of all of them."""
    best = max(rows, key=lambda r: (r["confidence"] if r["confidence"] is not None else -1.0,
                                    r["edge"] is not None, r["relation"] or "", r["edge"] or ""))
    return best, tuple(sorted({r["edge"] for r in rows if r["edge"]}))


class Datasets(Catalogue):
    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> tuple[list[DatasetRef], int]:
        """Datasets whose identifier, label or alias contains ``text`` (case-insensitive), exact
        matches first, then prefixes, then the rest (shorter names first); a page of them and
        how many matched. An empty text lists every dataset by identifier."""
        if limit < 1 or offset < 0:
            raise QueryParameterError("dataset-search", "limit" if limit < 1 else "offset",
                                      "limit must be at least 1 and offset at least 0")
        wanted = text.strip()
        if not wanted:
            found = sorted(self._current_catalog().by_iri.values(), key=lambda r: (r.id.lower(), r.id))
        else:
            rows = self.store.select(library().get("analyses/dataset-search"), text=wanted)
            found = [self.ref(r["dataset"]) for r in rows]
        return found[offset:offset + limit], len(found)

    def _links(self, query: str, iri: str, far: str) -> list[DatasetLink]:
        rows = self.store.select(library().get(query), dataset=iri)
        links = []
        for (other, _), group in links_by_pair(rows, far, far).items():      # the near end is iri
            best, edges = best_derivation(group)
            relation = local_name(best["relation"])
            links.append(DatasetLink(dataset=self.ref(other, distance=1), edge=best["edge"], relation=relation,
                                     family=relation_family(relation), confidence=best["confidence"],
                                     review_status=local_name(best["reviewStatus"]), edges=edges))
        return sorted(links, key=lambda x: (x.dataset.id.lower(), x.dataset.id))

    def describe(self, identifier: str) -> DatasetDescription:
        """One dataset: how answers show it, its metadata from every source graph, and its direct
        sources and children (with the relation and confidence of each link)."""
        iri = self.resolve(identifier)
        values: dict[str, list[Any]] = defaultdict(list)
        for r in self.store.select(library().get("analyses/dataset-description"), dataset=iri):
            if r["value"] not in values[r["property"]]:
                values[r["property"]].append(r["value"])
        graphs = {r["graph"] for r in self.store.select(library().get("analyses/dataset-sources"), dataset=iri)}

        def one(prefix: str, name: str) -> Any:
            found = values.get(PREFIXES[prefix] + name)
            return found[0] if found else None

        def many(prefix: str, name: str) -> tuple[Any, ...]:
            return tuple(sorted(values.get(PREFIXES[prefix] + name, ()), key=str))

        downloads, split_of = one("lk", "downloads"), one("dcterms", "isPartOf")
        metadata = DatasetMetadata(
            domains=tuple(local_name(d) or d for d in many("lk", "domain")),
            origin=local_name(one("lk", "origin")),
            year=year(one("dcterms", "issued")), hub_year=year(one("lk", "hubYear")),
            paper_year=year(one("lk", "paperYear")), license=one("dcterms", "license"),
            summary=one("dcterms", "description"), paper_url=one("lk", "paperUrl"),
            aliases=many("skos", "altLabel"), data_type=one("lk", "dataType"),
            downloads=int(downloads) if downloads is not None else None,
            exists_on_hub=one("lk", "existsOnHub"), hub_id=one("lk", "hubId"),
            is_terminal=one("lk", "isTerminal"), terminal_note=one("lk", "terminalNote"),
            split_of=self.name(split_of) if split_of else None, split_name=one("lk", "splitName"),
            splits=tuple(sorted(self.name(s) for s in many("dcterms", "hasPart"))),
            same_as=tuple(sorted(set(many("owl", "sameAs")) | set(many("skos", "exactMatch")))),
            types=tuple(sorted(x[len(LK_NS):] for x in many("rdf", "type") if x.startswith(LK_NS))),
            graphs=tuple(sorted(graphs)))
        detail = DatasetDetail(**self.ref(iri).model_dump(), metadata=metadata)
        return DatasetDescription(dataset=detail,
                                  sources=self._links("analyses/direct-sources", iri, "source"),
                                  children=self._links("analyses/direct-children", iri, "child"))
