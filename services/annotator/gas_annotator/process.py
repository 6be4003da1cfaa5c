"""Run one job's engine in its own process and watch it: progress, wall time, death."""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from gas_annotator.files import JobFailure

# spawn: a fresh interpreter, no inherited threads or locks from the service process.
_CONTEXT = multiprocessing.get_context("spawn")
POLL_SECONDS = 0.5


class Stopped(Exception):
    """The service asked the job to stop (shutdown, or the claim was lost)."""


@dataclass
class Outcome:
    """What the engine process reported: a result, or an error and maybe its log."""

    ok: bool
    result: dict[str, Any] | None = None
    error: str = ""
    log_path: str | None = None


def death_reason(exitcode: int | None) -> str:
    """One line saying why the engine process ended without a result."""
    if exitcode is None:
        return "the annotation process did not report a result"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return f"the annotation process was killed ({name}), most likely out of memory"
        return f"the annotation process died ({name})"
    return f"the annotation process stopped unexpectedly (exit code {exitcode})"


def run_in_process(target: Callable[..., None], args: tuple[Any, ...],
                   on_progress: Callable[[int], None], should_stop: Callable[[], bool],
                   deadline: float, timeout_seconds: int) -> Outcome:
    """Start target(conn, *args) in a new process and wait for its outcome.

    Raises Stopped when should_stop() turns true and JobFailure past the deadline;
    either way the process is killed first.
    """
    recv, send = _CONTEXT.Pipe(duplex=False)
    proc = _CONTEXT.Process(target=target, args=(send, *args), daemon=True, name="gas-job")
    proc.start()
    send.close()  # ours: EOF on recv then means the child is gone
    finished = False
    try:
        while True:
            if should_stop():
                raise Stopped
            if time.monotonic() > deadline:
                raise JobFailure(f"the job ran longer than its {timeout_seconds} s limit "
                                 "and was stopped")
            ready = wait([recv, proc.sentinel], timeout=POLL_SECONDS)
            if recv in ready or (ready and recv.poll()):
                try:
                    message = recv.recv()
                except EOFError:
                    break
                if message[0] == "progress":
                    on_progress(int(message[1]))
                    continue
                finished = True
                if message[0] == "done":
                    return Outcome(True, result=message[1])
                return Outcome(False, error=str(message[1]), log_path=message[2])
            if ready:  # the process ended and left nothing to read
                break
        proc.join(5)
        return Outcome(False, error=death_reason(proc.exitcode))
    finally:
        proc.join(2 if finished else 0)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        recv.close()
