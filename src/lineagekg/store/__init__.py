"""The lineage store: embedded Oxigraph (on disk or in memory) behind one interface."""

from lineagekg.store.base import GraphStore, ImportOutcome
from lineagekg.store.oxigraph import OxigraphStore, default_store_path, open_store

__all__ = ["GraphStore", "ImportOutcome", "OxigraphStore", "default_store_path", "open_store"]
