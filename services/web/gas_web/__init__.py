"""The web service: the UI and JSON API researchers use."""

from __future__ import annotations

from flask import Flask, jsonify
from gas_common.app import check_bucket, check_table, check_topic, create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web service."""
    s = settings or get_settings()
    s.require("secret_key")
    app = create_service_app(
        "web",
        [check_table("jobs_table"), check_table("users_table"), check_bucket("inputs_bucket"),
         check_topic("job_requests_topic")],
        s,
    )

    @app.get("/")
    def home():  # type: ignore[no-untyped-def]
        """Show the home page."""
        return jsonify(service="GAS")

    return app
