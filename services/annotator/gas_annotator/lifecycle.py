"""Start the job runner with the app and stop it cleanly with the process."""

from __future__ import annotations

import atexit
import logging
import signal
import threading
from types import FrameType

from gas_annotator.runner import JobRunner

log = logging.getLogger(__name__)


def stop_with_process(runner: JobRunner) -> None:
    """On SIGTERM stop taking work at once; at exit wait until held jobs are finished or released.

    The server's own SIGTERM handler (gunicorn's graceful exit) still runs after ours.
    """
    atexit.register(runner.stop)
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return  # no server handler to chain to: atexit alone covers a normal exit

    def on_term(signum: int, frame: FrameType | None) -> None:
        runner.request_stop()
        previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)
