"""`gas up`'s data: where the emulator keeps it, starting fresh, and restoring it."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

from gas_common.settings import Settings

from gas_tools.emulator import RESTORED
from gas_tools.stack import Stack


def data_dir(settings: Settings) -> Path | None:
    """Where the emulator keeps its data (None: GAS_SNAPSHOT_SECONDS=0, nothing kept)."""
    if settings.snapshot_seconds <= 0:
        return None
    return (Path(settings.state_dir) / "data").resolve()


def forget(settings: Settings) -> None:
    """Delete the kept data (`gas up --fresh`)."""
    where = data_dir(settings) or Path(settings.state_dir) / "data"
    shutil.rmtree(where, ignore_errors=True)


def restore(stack: Stack, timeout: float = 600) -> None:
    """Ask the emulator to put its saved data back (after provisioning) and wait for it.

    The emulator starts saving only then, so a fresh one never overwrites the data.
    """
    if stack.keep_data is None:
        return
    marker = stack.keep_data / RESTORED
    marker.unlink(missing_ok=True)
    os.kill(stack.procs["emulator"].pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not marker.exists():
        stack.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"the emulator did not restore its data in {timeout:.0f} s")
        time.sleep(0.1)
