"""The settings file: which store to open when ``--store`` is not given, and how to talk to a
SPARQL server. TOML, at ``LINEAGEKG_SETTINGS`` or ``$XDG_CONFIG_HOME/lineagekg/settings.toml``
(``~/.config/...``); a missing file means the defaults. Example::

    [store]
    location = "sparql+http://127.0.0.1:8890/sparql"     # or a store directory

    [store.sparql]                                        # only for a server location
    graph_store_url = "http://127.0.0.1:8890/sparql-graph-crud"
    update_url = "http://127.0.0.1:8890/sparql-auth"      # with user and password (digest)
    user = "dba"
    password = "dba"
    timeout = 120
    chunk = 10000
    staging_expiry = 3600                                 # s: staging graphs of killed writes go then

    [store.sparql.loader]                                 # Virtuoso's bulk loader, for big writes
    directory = "/data/loads"                             # in the server's DirsAllowed
    port = 1111
    from_quads = 50000
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from lineagekg.errors import ConfigError

_SPARQL_KEYS = {"graph_store_url": str, "update_url": str, "user": str, "password": str,
                "timeout": (int, float), "chunk": int, "staging_expiry": (int, float)}
_LOADER_KEYS = {"directory": str, "port": int, "user": str, "password": str, "isql": str, "host": str,
                "from_quads": int}


def settings_path() -> Path:
    env = os.environ.get("LINEAGEKG_SETTINGS")
    if env:
        return Path(env)
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "lineagekg" / "settings.toml"


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        if os.environ.get("LINEAGEKG_SETTINGS"):
            raise ConfigError(f"settings file {path} (LINEAGEKG_SETTINGS) does not exist")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {path}: {exc}") from exc


def _checked(table: Any, keys: dict[str, Any], where: str, path: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"settings file {path}: [{where}] must be a table")
    for key, value in table.items():
        if key not in keys and not isinstance(value, dict):
            raise ConfigError(f"settings file {path}: unknown key {key!r} in [{where}]",
                              hint=f"known keys: {', '.join(keys)}")
        if key in keys and not isinstance(value, keys[key]):
            raise ConfigError(f"settings file {path}: [{where}] {key} = {value!r} has the wrong type")
    return {k: v for k, v in table.items() if k in keys}


def store_location() -> str | None:
    """``[store] location`` of the settings file, if it sets one."""
    path = settings_path()
    store = _read(path).get("store", {})
    location = _checked(store, {"location": str, "sparql": dict}, "store", path).get("location")
    return str(location) if location else None


def server_options() -> dict[str, Any]:
    """The keyword arguments ``ServerSettings`` takes from ``[store.sparql]`` (and its loader)."""
    from lineagekg.store.sparql_http import BulkLoader

    path = settings_path()
    sparql = _read(path).get("store", {}).get("sparql", {})
    options = _checked(sparql, {**_SPARQL_KEYS, "loader": dict}, "store.sparql", path)
    for key in ("timeout", "staging_expiry"):
        if key in options:
            options[key] = float(options[key])
    if "loader" in sparql:
        loader = _checked(sparql["loader"], _LOADER_KEYS, "store.sparql.loader", path)
        if "directory" not in loader:
            raise ConfigError(f"settings file {path}: [store.sparql.loader] needs a directory")
        start = loader.pop("from_quads", None)
        options["loader"] = BulkLoader(directory=Path(loader.pop("directory")), **loader)
        if start is not None:
            options["loader_from"] = start
    return options
