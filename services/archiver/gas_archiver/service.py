"""The archiver's Service: schedules completed free jobs, archives what is due."""

from __future__ import annotations

import logging
import time
from concurrent.futures import wait

from gas_common.messages import JobCompleted
from gas_common.service import Service, Subscription
from gas_common.settings import Settings

from gas_archiver.archive import ARCHIVED_OUT, archive_job, due_job_ids
from gas_archiver.schedule import schedule_completed, sweep_unscheduled

log = logging.getLogger(__name__)


class Archiver(Service):
    """Schedule on job.completed; every GAS_ARCHIVE_POLL_SECONDS archive the due jobs."""

    name = "archiver"
    pool_size = 8
    subscriptions = (Subscription("/sns/job-results", "job_results_topic", "on_job_completed",
                                  frozenset({"job.completed"})),)

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._last_sweep = 0.0
        self.every("archive-scheduler", settings.archive_poll_seconds, self.scheduler_pass)

    def on_job_completed(self, message: JobCompleted) -> None:
        """Schedule the job's results for archive if its user is free (in the background)."""
        self.submit(schedule_completed, message.job_id, message.user_id,
                    message.complete_time, self.settings)

    def archive_due(self) -> int:
        """Archive every due job, several at a time; return how many were archived."""
        futures = [self.submit(archive_job, job_id, self.settings)
                   for job_id in due_job_ids(self.settings)]
        wait(futures)
        return sum(1 for f in futures if f.exception() is None and f.result() == ARCHIVED_OUT)

    def scheduler_pass(self) -> None:
        """Archive what is due, then (every GAS_RECONCILE_INTERVAL_SECONDS) sweep for jobs
        whose job.completed no one scheduled."""
        self.archive_due()
        if time.monotonic() - self._last_sweep >= self.settings.reconcile_interval_seconds:
            self._last_sweep = time.monotonic()
            sweep_unscheduled(self.settings)
