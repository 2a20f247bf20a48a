"""The lineage store: embedded Oxigraph (on disk or in memory), or a SPARQL server, behind one interface."""

from lineagekg.store.base import GraphStore, ImportOutcome, WriteOutcome
from lineagekg.store.delta import Delta
from lineagekg.store.opening import open_store
from lineagekg.store.oxigraph import OxigraphStore, default_store_path

__all__ = ["Delta", "GraphStore", "ImportOutcome", "OxigraphStore", "WriteOutcome", "default_store_path",
           "open_store"]
