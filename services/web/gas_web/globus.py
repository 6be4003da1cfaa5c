"""Globus Auth: the code flow for sign-in, token introspection for API bearer tokens."""

from __future__ import annotations

import threading
import time
from typing import Any

import globus_sdk
from gas_common.settings import Settings

SCOPES = "openid email profile"
_CACHE_SECONDS = 60

_lock = threading.Lock()
_introspected: dict[str, tuple[float, dict[str, Any] | None]] = {}


class GlobusError(Exception):
    """Globus said no, or could not be reached; the message is safe to show."""


def configured(s: Settings) -> bool:
    return bool(s.globus_client_id and s.globus_client_secret)


def auth_client(s: Settings) -> globus_sdk.ConfidentialAppAuthClient:
    """A confidential client for this app (cheap to build; holds per-flow state)."""
    return globus_sdk.ConfidentialAppAuthClient(s.globus_client_id, s.globus_client_secret)


def redirect_uri(s: Settings) -> str:
    """Where Globus sends the browser back: register exactly this in the Globus app."""
    return s.public_url.rstrip("/") + "/auth/callback"


def authorize_url(s: Settings, state: str) -> str:
    """The Globus page the browser is sent to for sign-in."""
    client = auth_client(s)
    client.oauth2_start_flow(redirect_uri(s), SCOPES, state=state)
    return str(client.oauth2_get_authorize_url())


def exchange_code(s: Settings, code: str) -> tuple[dict[str, Any], list[str]]:
    """Trade the callback's code for tokens; return the identity and every token to revoke."""
    client = auth_client(s)
    client.oauth2_start_flow(redirect_uri(s), SCOPES)
    try:
        tokens = client.oauth2_exchange_code_for_tokens(code)
    except globus_sdk.GlobusAPIError as exc:
        raise GlobusError("Globus did not accept the sign-in; please try again.") from exc
    strings = [
        t[kind] for t in tokens.by_resource_server.values()
        for kind in ("access_token", "refresh_token") if t.get(kind)
    ]
    auth = tokens.by_resource_server.get("auth.globus.org")
    if not auth:
        raise GlobusError("Globus returned no sign-in token.")
    identity = introspect(s, auth["access_token"], cache=False)
    if identity is None:
        raise GlobusError("Globus says the sign-in token is not valid.")
    return identity, strings


def revoke(s: Settings, tokens: list[str]) -> None:
    """Revoke tokens at sign-out (best effort: sign-out must not fail because of Globus)."""
    client = auth_client(s)
    for token in tokens:
        try:
            client.oauth2_revoke_token(token)
        except globus_sdk.GlobusError:
            pass
        with _lock:
            _introspected.pop(token, None)


def introspect(s: Settings, token: str, cache: bool = True) -> dict[str, Any] | None:
    """The identity behind an active token issued to this app: {sub, email, name}, or None."""
    now = time.monotonic()
    if cache:
        with _lock:
            hit = _introspected.get(token)
        if hit and hit[0] > now:
            return hit[1]
    try:
        data = auth_client(s).oauth2_token_introspect(token).data
    except globus_sdk.GlobusAPIError as exc:
        if exc.http_status in (400, 401):
            data = {"active": False}
        else:
            raise GlobusError("Globus could not check the token.") from exc
    except globus_sdk.GlobusError as exc:
        raise GlobusError("Globus could not be reached.") from exc
    identity = _identity(s, data)
    with _lock:
        if len(_introspected) > 10_000:
            _introspected.clear()
        _introspected[token] = (now + _CACHE_SECONDS, identity)
    return identity


def _identity(s: Settings, data: dict[str, Any]) -> dict[str, Any] | None:
    audience = data.get("aud") or []
    if not data.get("active") or not data.get("sub"):
        return None
    if s.globus_client_id not in audience:
        return None  # a token minted for another app is not a GAS credential
    return {
        "sub": str(data["sub"]),
        "email": str(data.get("email") or data.get("username") or ""),
        "name": str(data.get("name") or ""),
    }


def forget_cache() -> None:
    """Drop cached introspections (tests)."""
    with _lock:
        _introspected.clear()
