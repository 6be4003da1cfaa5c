"""The thawer's Service: starts restores on thaw requests, drives them to the end."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any

from gas_common.messages import ThawRequested
from gas_common.service import Service, Subscription
from gas_common.settings import Settings
from prometheus_client import Counter

from gas_thawer.restore import (
    check_restore,
    drive,
    jobs_for_notice,
    jobs_to_thaw,
    pending_work,
    start_restore,
)

log = logging.getLogger(__name__)
POLL_PASSES = Counter("gas_thawer_poll_passes_total", "Restore poller passes completed")


class Thawer(Service):
    """Restore on thaw.requested and AWS notices; every GAS_RESTORE_POLL_SECONDS poll."""

    name = "thawer"
    pool_size = 8
    subscriptions = (
        Subscription("/sns/thaw-requests", "thaw_requests_topic", "on_thaw_requested",
                     frozenset({"thaw.requested"})),
        # Restore-completed notices come from S3/Glacier, not from GAS: raw messages.
        Subscription("/sns/restore-results", "restore_results_topic", "on_restore_notice",
                     raw=True),
    )

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._busy: set[str] = set()  # jobs a task of this process is working on right now
        self._busy_lock = threading.Lock()
        self.every("restore-poller", settings.restore_poll_seconds, self.poll_restores)

    def on_thaw_requested(self, message: ThawRequested) -> None:
        """Start restoring the user's archived jobs (in the background)."""
        self.submit(self._thaw, message.user_id)

    def _thaw(self, user_id: str) -> None:
        for job_id in jobs_to_thaw(user_id, self.settings):
            self.submit(start_restore, job_id, self.settings)  # several retrievals at once

    def on_restore_notice(self, notice: Any) -> None:
        """Check the restores an AWS completion notice is about (in the background)."""
        self.submit(self._check_noticed, notice)

    def _check_noticed(self, notice: Any) -> None:
        jobs = jobs_for_notice(notice, self.settings)
        if not jobs:
            log.info("restore notice about nothing in progress: %.200s", notice)
        for job in jobs:
            self._once(job["job_id"], check_restore, job, self.settings)

    def poll_restores(self) -> int:
        """Take the next step for every job with restore work; return how many."""
        roles: dict[str, str | None] = {}
        futures: list[Future[Any]] = [
            self.submit(self._once, job["job_id"], drive, job, self.settings, roles)
            for job in pending_work(self.settings)]
        wait(futures)
        POLL_PASSES.inc()  # (tests wait for a pass instead of sleeping)
        return len(futures)

    def _once(self, job_id: str, step: Callable[..., Any], *args: Any) -> Any:
        """Run `step(*args)` unless this process is already working on the job."""
        with self._busy_lock:
            if job_id in self._busy:
                return "busy"
            self._busy.add(job_id)
        try:
            return step(*args)
        finally:
            with self._busy_lock:
                self._busy.discard(job_id)
