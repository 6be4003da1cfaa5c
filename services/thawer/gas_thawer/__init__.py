"""The thawer: restores archived results when a user upgrades to premium."""

from __future__ import annotations

from flask import Flask
from gas_common import sns
from gas_common.app import check_bucket, check_table, create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the thawer service."""
    from gas_thawer import handlers

    s = settings or get_settings()
    s.require_sns_auth()
    app = create_service_app(
        "thawer", [check_table("jobs_table"), check_bucket("results_bucket")], s
    )
    sns.add_endpoint(app, "/sns/thaw-requests", "thaw_requests_topic",
                     handlers.on_thaw_requested, acts_on={"thaw.requested"})
    sns.add_endpoint(app, "/sns/restore-results", "restore_results_topic",
                     handlers.on_restore_notice, raw=True)
    return app
