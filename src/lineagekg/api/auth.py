"""Who may write: SPARQL Update and Graph Store Protocol writes need the bearer token set by
``LINEAGEKG_UPDATE_TOKEN``; without one configured the gateway is read-only."""

from __future__ import annotations

import hmac

from fastapi import Request

from lineagekg.api.problems import GatewayError
from lineagekg.api.settings import GatewaySettings

__all__ = ["authorize_write"]


def authorize_write(request: Request, settings: GatewaySettings) -> None:
    """Let the request write, or refuse it.

    Raises:
        GatewayError: 403 when no token is configured (read-only), 401 when the request has no
            bearer token or a wrong one.
    """
    if not settings.update_token:
        raise GatewayError(403, "read-only", "this gateway is read-only: writes are disabled",
                           hint="the operator enables SPARQL Update and Graph Store writes by setting "
                                "LINEAGEKG_UPDATE_TOKEN")
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode("utf-8"),
                                                             settings.update_token.encode("utf-8")):
        raise GatewayError(401, "unauthorized",
                           "writing needs the gateway's update token as 'Authorization: Bearer <token>'"
                           + (" (the token given is wrong)" if token else ""),
                           headers={"WWW-Authenticate": 'Bearer realm="lineagekg"'})
