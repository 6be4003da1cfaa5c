"""One error helper: JSON for the API and JSON clients, a friendly page otherwise."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

FRIENDLY = {
    400: "That request could not be understood.",
    401: "Please sign in to continue.",
    403: "You are not allowed to do that.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    409: "That cannot be done right now.",
    413: "That is too large.",
    500: "Something went wrong on our side. Please try again in a moment.",
}


def wants_json() -> bool:
    """Say whether the client should get JSON (API paths or an Accept preferring it)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def error_response(status: int, message: str | None = None) -> Any:
    """Answer an error as JSON or as the friendly HTML page, never a traceback."""
    text = message or FRIENDLY.get(status, "Something went wrong.")
    if wants_json():
        return jsonify(error=text, status=status), status
    return render_template("error.html", status=status, message=text), status


def register_errors(app: Flask) -> None:
    """Route every HTTP error and every unexpected exception through error_response."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        # Werkzeug's default descriptions are generic; keep ours unless a view set one.
        message = exc.description if getattr(exc, "gas_message", False) else None
        if code == 400 and exc.description and "CSRF" in exc.description:
            message = "Your form expired or was not sent from GAS. Please try again."
        return error_response(code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error")
        return error_response(500)


def fail(status: int, message: str) -> HTTPException:
    """An HTTPException whose message is shown to the user as is."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[status](message)
    exc.gas_message = True  # type: ignore[attr-defined]
    return exc
