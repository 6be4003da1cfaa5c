"""What the archiver does with each message and on each scheduler pass."""

from __future__ import annotations

import logging
import time
from concurrent.futures import wait

from gas_common.messages import JobCompleted
from gas_common.settings import get_settings
from gas_common.workers import BackgroundPool

from gas_archiver.archive import archive_job, due_job_ids
from gas_archiver.schedule import schedule_completed, sweep_unscheduled

log = logging.getLogger(__name__)

POOL_SIZE = 8
_pool: BackgroundPool | None = None


def pool() -> BackgroundPool:
    global _pool
    if _pool is None:
        _pool = BackgroundPool(POOL_SIZE, "archiver")
    return _pool


def on_job_completed(message: JobCompleted) -> None:
    """Schedule the job's results for archive if its user is free (in the background)."""
    pool().submit(schedule_completed, message.job_id, message.user_id,
                  message.complete_time, get_settings())


def archive_due() -> int:
    """One scheduler pass: archive every due job, several at a time; return how many."""
    settings = get_settings()
    futures = [pool().submit(archive_job, job_id, settings) for job_id in due_job_ids(settings)]
    wait(futures)
    return sum(1 for f in futures if f.exception() is None and f.result() == "archived")


class Sweeper:
    """Run the unscheduled-jobs sweep at most every GAS_RECONCILE_INTERVAL_SECONDS."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self) -> None:
        settings = get_settings()
        if time.monotonic() - self._last >= settings.reconcile_interval_seconds:
            self._last = time.monotonic()
            sweep_unscheduled(settings)


def scheduler_pass(sweeper: Sweeper) -> None:
    """Archive what is due, then (now and then) sweep for jobs no one scheduled."""
    archive_due()
    sweeper()
