"""What the thawer does with each message and on each poller pass."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any

from gas_common.messages import ThawRequested
from gas_common.settings import get_settings
from gas_common.workers import BackgroundPool
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

POOL_SIZE = 8
_pool: BackgroundPool | None = None
_busy: set[str] = set()  # jobs a task of this process is working on right now
_busy_lock = threading.Lock()


def pool() -> BackgroundPool:
    global _pool
    if _pool is None:
        _pool = BackgroundPool(POOL_SIZE, "thawer")
    return _pool


def on_thaw_requested(message: ThawRequested) -> None:
    """Start restoring the user's archived jobs (in the background)."""
    pool().submit(_thaw, message.user_id)


def _thaw(user_id: str) -> None:
    settings = get_settings()
    for job_id in jobs_to_thaw(user_id, settings):
        pool().submit(start_restore, job_id, settings)  # several retrievals at once


def on_restore_notice(notice: Any) -> None:
    """Check the restores an AWS completion notice is about (in the background)."""
    pool().submit(_check_noticed, notice)


def _check_noticed(notice: Any) -> None:
    settings = get_settings()
    jobs = jobs_for_notice(notice, settings)
    if not jobs:
        log.info("restore notice about nothing in progress: %.200s", notice)
    for job in jobs:
        _once(job["job_id"], lambda j=job: check_restore(j, settings))


def poll_restores() -> int:
    """One poller pass: take the next step for every job with restore work; return how many."""
    settings = get_settings()
    roles: dict[str, str | None] = {}
    futures: list[Future[Any]] = []
    for job in pending_work(settings):
        futures.append(pool().submit(_once, job["job_id"],
                                     lambda j=job: drive(j, settings, roles)))
    wait(futures)
    POLL_PASSES.inc()  # (tests wait for a pass instead of sleeping)
    return len(futures)


def _once(job_id: str, step: Callable[[], Any]) -> Any:
    """Run `step` unless this process is already working on the job."""
    with _busy_lock:
        if job_id in _busy:
            return "busy"
        _busy.add(job_id)
    try:
        return step()
    finally:
        with _busy_lock:
            _busy.discard(job_id)
