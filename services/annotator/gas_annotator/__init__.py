"""The annotator: takes job requests from SNS and runs the annotation engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the service's imports stay out of `gas annotate`'s start-up
    from flask import Flask
    from gas_common.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the annotator service: the job runner (with its SNS endpoint) and the reconciler."""
    from gas_common.app import check_bucket, check_table, create_service_app
    from gas_common.settings import get_settings

    from gas_annotator import lifecycle, reconciler
    from gas_annotator.refdata import check_reference
    from gas_annotator.runner import JobRunner

    runner = JobRunner(settings or get_settings())

    def accepting(_: Settings) -> None:
        if runner.stopping:
            raise RuntimeError("shutting down")

    app = create_service_app(
        runner,
        [check_table("jobs_table"), check_bucket("inputs_bucket"), check_bucket("results_bucket"),
         check_reference, accepting],
        start=False,  # the reconciler joins the loops first
    )
    runner.every("reconciler", runner.settings.reconcile_interval_seconds,
                 lambda: reconciler.reconcile_safely(runner))
    runner.start()
    lifecycle.stop_with_process(runner)
    return app
