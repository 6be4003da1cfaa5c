"""The home page and the API reference page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from gas_web.security import current_user

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> Any:
    """Show the home page."""
    return render_template("home.html", user=current_user())


@bp.get("/api/docs")
def api_docs() -> Any:
    """The API, readable: Swagger UI (vendored) over this service's OpenAPI document."""
    return render_template("api_docs.html", user=current_user())
