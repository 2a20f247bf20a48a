"""The gateway: SPARQL 1.1 Protocol, Graph Store Protocol, REST API and the explorer page,
served by FastAPI over one store (the library does the work; these modules translate HTTP)."""

from lineagekg.api.app import create_app
from lineagekg.api.settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app"]
