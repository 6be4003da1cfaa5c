"""The archiver: moves free users' results to cold storage after the retention window."""

from __future__ import annotations

from flask import Flask
from gas_common import sns
from gas_common.app import check_bucket, check_table, create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the archiver service."""
    from gas_archiver import handlers

    s = settings or get_settings()
    s.require_sns_auth()
    app = create_service_app(
        "archiver",
        [check_table("jobs_table"), check_table("users_table"), check_bucket("results_bucket")],
        s,
    )
    sns.add_endpoint(app, "/sns/job-results", "job_results_topic",
                     handlers.on_job_completed, acts_on={"job.completed"})
    return app
