"""Implicit intersections: a dataset built from X and again from something already derived from X
(the same records, likely, counted twice)."""

from __future__ import annotations

from lineagekg.analyses.catalogue import Catalogue
from lineagekg.analyses.models import RedundancyHit
from lineagekg.analyses.naming import local_name
from lineagekg.queries import library


class Redundancy(Catalogue):
    def redundancy(self) -> list[RedundancyHit]:
        """Every (dataset, upstream, via) where the dataset takes ``upstream`` directly and again
        through ``via``, which derives from it."""
        rows = self.store.select(library().get("redundancy"))
        return [RedundancyHit(dataset=self.ref(r["dataset"]), upstream=self.ref(r["upstream"]),
                              via=self.ref(r["via"]), upstream_relation=local_name(r["upstreamRelation"]),
                              via_relation=local_name(r["viaRelation"]))
                for r in rows]
