"""The archiver: moves free users' results to cold storage after the retention window."""

from __future__ import annotations

from flask import Flask
from gas_common import cold_storage, sns
from gas_common.app import create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None, loops: bool = True) -> Flask:
    """Build the archiver service and start its scheduler loop."""
    from gas_archiver.service import Archiver

    archiver = Archiver(settings or get_settings())
    archiver.settings.require_sns_auth()
    app = create_service_app(archiver, cold_storage.ready_checks())
    sns.add_endpoint(app, "/sns/job-results", "job_results_topic",
                     archiver.on_job_completed, acts_on={"job.completed"})
    if loops:
        archiver.start()
    return app
