"""The thawer: restores archived results when a user upgrades to premium."""

from __future__ import annotations

from flask import Flask
from gas_common import cold_storage, sns
from gas_common.app import check_bucket, check_table, create_service_app
from gas_common.settings import Settings, get_settings
from gas_common.workers import Loop


def create_app(settings: Settings | None = None, loops: bool = True) -> Flask:
    """Build the thawer service and start its restore poller."""
    from gas_thawer import handlers

    s = settings or get_settings()
    s.require_sns_auth()
    checks = [check_table("jobs_table"), check_table("users_table"),
              check_bucket("results_bucket")]
    checks.append(cold_storage.ready_check)
    app = create_service_app("thawer", checks, s)
    sns.add_endpoint(app, "/sns/thaw-requests", "thaw_requests_topic",
                     handlers.on_thaw_requested, acts_on={"thaw.requested"})
    sns.add_endpoint(app, "/sns/restore-results", "restore_results_topic",
                     handlers.on_restore_notice, raw=True)
    if loops:
        Loop("restore-poller", s.restore_poll_seconds, handlers.poll_restores).start()
    return app
