"""Sign-in and sign-out: Globus Auth (code flow), and a local sign-in in local mode only."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from gas_common.service import current_settings
from gas_common.settings import Settings, SettingsError
from gas_common.stores import UserStore

from gas_web import globus, sessions
from gas_web.security import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Local users get stable ids from their email, in a namespace of their own.
LOCAL_NAMESPACE = uuid.UUID("6f6b1d0e-52c4-4f0e-9a5e-3d8c5a1c7a10")


def local_signin_enabled(s: Settings) -> bool:
    """Whether the passwordless local sign-in is offered."""
    return s.local and s.local_signin != "off"


def check_signin_config(s: Settings) -> None:
    """Refuse to start with a sign-in configuration that is unsafe or unusable."""
    if s.local_signin == "on" and not s.local:
        raise SettingsError("GAS_LOCAL_SIGNIN=on is only allowed with GAS_ENV=local")
    if not local_signin_enabled(s):
        s.require("globus_client_id", "globus_client_secret")


def local_user_id(email: str) -> str:
    """The same email always signs in as the same local user."""
    return str(uuid.uuid5(LOCAL_NAMESPACE, email.strip().lower()))


def _start_session(user: dict[str, Any], tokens: list[str] | None = None) -> None:
    session.clear()  # a new session id on every sign-in (no fixation)
    session["user_id"] = user["user_id"]
    sessions.stamp(user)
    session.permanent = True
    if tokens:
        session["tokens"] = tokens


def _after_signin(user: dict[str, Any], created: bool) -> Any:
    if created or not user.get("institution"):
        flash("Welcome to GAS! Please tell us your name and institution.", "info")
        return redirect(url_for("profile.edit", next=session.pop("next", None)))
    flash(f"Signed in as {user.get('name') or user.get('email')}.", "success")
    return redirect(safe_next(session.pop("next", None)))


@bp.get("/login")
def login() -> Any:
    """Show the sign-in choices."""
    s = current_settings()
    next_url = request.args.get("next")
    return render_template(
        "login.html", globus=globus.configured(s), local=local_signin_enabled(s),
        next=safe_next(next_url) if next_url else "",
    )


@bp.post("/globus")
def globus_start() -> Any:
    """Send the browser to Globus Auth, remembering a one-time state value."""
    s = current_settings()
    if not globus.configured(s):
        abort(404)
    state = secrets.token_urlsafe(24)
    next_url = request.form.get("next")
    session["oauth_state"] = state
    session["next"] = safe_next(next_url) if next_url else None
    return redirect(globus.authorize_url(s, state))


@bp.get("/callback")
def callback() -> Any:
    """Finish the Globus code flow: check state, exchange the code, sign the user in."""
    s = current_settings()
    if not globus.configured(s):
        abort(404)
    if request.args.get("error"):
        flash("Sign-in was cancelled or refused by Globus.", "warning")
        return redirect(url_for("auth.login"))
    expected = session.pop("oauth_state", None)
    state = request.args.get("state", "")
    if not expected or not secrets.compare_digest(expected, state):
        flash("That sign-in link expired. Please sign in again.", "warning")
        return redirect(url_for("auth.login"))
    code = request.args.get("code")
    if not code:
        abort(400)
    try:
        identity, tokens = globus.exchange_code(s, code)
    except globus.GlobusError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("auth.login"))
    next_url = session.get("next")
    users = UserStore(s)
    existing = users.get(identity["sub"])
    user = existing or users.create(identity["sub"], identity["name"], identity["email"])
    _start_session(user, tokens)
    session["next"] = next_url
    return _after_signin(user, created=existing is None)


@bp.post("/local")
def local() -> Any:
    """Sign in with a name and an email (local mode only, no password)."""
    s = current_settings()
    if not local_signin_enabled(s):
        abort(404)
    name = request.form.get("name", "").strip()[:100]
    try:
        email = validate_email(request.form.get("email", ""), check_deliverability=False).normalized
    except EmailNotValidError:
        flash("Please enter a valid email address.", "danger")
        return redirect(url_for("auth.login"))
    if not name:
        flash("Please enter your name.", "danger")
        return redirect(url_for("auth.login"))
    users = UserStore(s)
    user_id = local_user_id(email)
    existing = users.get(user_id)
    user = existing or users.create(user_id, name, email.lower())
    next_url = request.form.get("next")
    _start_session(user)
    session["next"] = safe_next(next_url) if next_url else None
    return _after_signin(user, created=existing is None)


@bp.post("/logout")
def logout() -> Any:
    """Sign out: revoke the Globus tokens and end the user's sessions everywhere."""
    s = current_settings()
    tokens = session.get("tokens") or []
    if tokens and globus.configured(s):
        globus.revoke(s, tokens)
    if session.get("user_id"):
        sessions.end_everywhere(s, session["user_id"])
    session.clear()
    flash("You are signed out of all your sessions, on every device.", "info")
    return redirect(url_for("pages.home"))

