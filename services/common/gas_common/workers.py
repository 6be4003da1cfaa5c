"""Background work for SNS endpoints: a bounded pool and periodic loops."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class BackgroundPool:
    """A bounded thread pool whose task failures are logged, never raised."""

    def __init__(self, size: int, name: str):
        self._executor = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix=name)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self._executor.submit(fn, *args)
        future.add_done_callback(_log_failure)
        return future

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("background task failed: %s", exc, exc_info=exc)


class Loop:
    """Run `fn` every `interval` seconds in a daemon thread until stopped."""

    def __init__(self, name: str, interval: float, fn: Callable[[], Any]):
        self.name, self.interval, self.fn = name, interval, fn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Loop:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.fn()
            except Exception:  # noqa: BLE001 - a loop must outlive one bad pass
                log.exception("%s pass failed", self.name)
