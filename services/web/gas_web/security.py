"""Security plumbing: headers, CSRF, the signed-in user, safe redirects."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from gas_common.service import current_settings
from gas_common.settings import Settings
from gas_common.stores import UserStore

from gas_web import sessions

csrf = CSRFProtect()

def current_user() -> dict[str, Any] | None:
    """The signed-in user's item (cached on g), or None."""
    if "user" not in g:
        user_id = session.get("user_id")
        g.user = UserStore(current_settings()).get(user_id) if user_id else None
        if g.user is not None and not sessions.is_current(g.user):
            g.user = None  # signed out since this session began (maybe on another device)
        if user_id and g.user is None:
            session.clear()  # user deleted or signed out: the session means nothing now
    return g.user


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send signed-out visitors to the sign-in page (then back here)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            flash("Please sign in first.", "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("pages.home")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def s3_origins(s: Settings) -> list[str]:
    """Origins the browser uploads to (the emulator, or the bucket's S3 endpoints)."""
    if s.aws_endpoint_url:
        return [_origin(s.aws_endpoint_url)]
    bucket = s.inputs_bucket
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{s.aws_region}.amazonaws.com"]


def content_security_policy(s: Settings) -> str:
    """A CSP the pages satisfy: no inline scripts or styles, uploads only to S3."""
    uploads = " ".join(s3_origins(s))
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {uploads}",
        f"form-action 'self' {uploads}",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ])


def init_security(app: Flask, s: Settings) -> None:
    """CSRF on every form, hardened session cookie, security headers on every answer."""
    app.config.update(
        SECRET_KEY=s.secret_key or _local_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not s.local,
        SESSION_COOKIE_NAME="gas_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        MAX_CONTENT_LENGTH=1024 * 1024,  # forms and API bodies only; files go to S3
    )
    csrf.init_app(app)
    policy = content_security_policy(s)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not s.local:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if session.get("user_id"):
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _local_key() -> str:
    """A per-process key for local mode without GAS_SECRET_KEY (sessions end on restart)."""
    import secrets

    return secrets.token_urlsafe(32)
