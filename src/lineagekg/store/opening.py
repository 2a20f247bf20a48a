"""Opening the store a command names: an embedded Oxigraph store (a directory, or in memory) or
the store on a SPARQL server (``sparql+http://host:port/sparql``), from ``--store``,
``LINEAGEKG_STORE`` or the settings file (``store.settings``)."""

from __future__ import annotations

import os
from pathlib import Path

from lineagekg.store import oxigraph, settings
from lineagekg.store.oxigraph import OxigraphStore
from lineagekg.store.sparql_http import is_server_location, open_server_store


def open_store(path: Path | str | None = None, *, memory: bool = False,
               read_only: bool = False) -> OxigraphStore:
    """Open (creating if needed) the store at ``path`` (default: ``[store] location`` of the
    settings file when ``LINEAGEKG_STORE`` is not set, else ``default_store_path()``);
    ``read_only``: open a snapshot of an on-disk store for reading, even while another process
    holds it.

    A ``path`` of the form ``sparql+http://host:port/sparql`` opens the store on that SPARQL
    server (``SparqlHttpStore``; it offers what the analyses, importers, reviews and the CLI use
    of ``OxigraphStore``, hence the return type)."""
    if path is None and not memory and not os.environ.get("LINEAGEKG_STORE"):
        path = settings.store_location()
    if is_server_location(path):
        return open_server_store(str(path), **settings.server_options())  # type: ignore[return-value]
    return oxigraph.open_store(path, memory=memory, read_only=read_only)
