"""The annotator: takes job requests from SNS and runs the annotation engine."""

from __future__ import annotations

from flask import Flask
from gas_common import sns
from gas_common.app import check_bucket, check_table, create_service_app
from gas_common.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the annotator service."""
    from gas_annotator import handlers

    s = settings or get_settings()
    s.require_sns_auth()
    app = create_service_app(
        "annotator",
        [check_table("jobs_table"), check_bucket("inputs_bucket"), check_bucket("results_bucket")],
        s,
    )
    sns.add_endpoint(app, "/sns/job-requests", "job_requests_topic",
                     handlers.on_job_requested, acts_on={"job.requested"})
    return app
