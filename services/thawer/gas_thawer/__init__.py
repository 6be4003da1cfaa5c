"""The thawer: restores archived results when a user upgrades to premium."""

from __future__ import annotations

from flask import Flask
from gas_common import cold_storage, sns
from gas_common.app import create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None, loops: bool = True) -> Flask:
    """Build the thawer service and start its restore poller."""
    from gas_thawer.service import Thawer

    thawer = Thawer(settings or get_settings())
    thawer.settings.require_sns_auth()
    app = create_service_app(thawer, cold_storage.ready_checks())
    sns.add_endpoint(app, "/sns/thaw-requests", "thaw_requests_topic",
                     thawer.on_thaw_requested, acts_on={"thaw.requested"})
    sns.add_endpoint(app, "/sns/restore-results", "restore_results_topic",
                     thawer.on_restore_notice, raw=True)
    if loops:
        thawer.start()
    return app
