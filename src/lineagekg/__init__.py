"""lineagekg: the lineage of LLM post-training datasets as a W3C PROV-O knowledge graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("lineagekg")
except PackageNotFoundError:  # pragma: no cover -- running from a checkout without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
