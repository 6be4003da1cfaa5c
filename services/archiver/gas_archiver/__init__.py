"""The archiver: moves free users' results to cold storage after the retention window."""

from __future__ import annotations

from flask import Flask
from gas_common import cold_storage, sns
from gas_common.app import check_bucket, check_table, create_service_app
from gas_common.settings import Settings, get_settings
from gas_common.workers import Loop


def create_app(settings: Settings | None = None, loops: bool = True) -> Flask:
    """Build the archiver service and start its scheduler loop."""
    from gas_archiver import handlers

    s = settings or get_settings()
    s.require_sns_auth()
    checks = [check_table("jobs_table"), check_table("users_table"),
              check_bucket("results_bucket")]
    checks.append(cold_storage.ready_check)
    app = create_service_app("archiver", checks, s)
    sns.add_endpoint(app, "/sns/job-results", "job_results_topic",
                     handlers.on_job_completed, acts_on={"job.completed"})
    if loops:
        sweeper = handlers.Sweeper()
        Loop("archive-scheduler", s.archive_poll_seconds,
             lambda: handlers.scheduler_pass(sweeper)).start()
    return app
