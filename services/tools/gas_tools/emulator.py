"""`gas up`'s AWS emulator: a moto server that keeps its data under a directory.

Run as `python -m gas_tools.emulator HOST PORT DATA_DIR SECONDS`. It serves
moto at once; SIGUSR1 (sent by `gas up` after provisioning) puts the saved
snapshot back and then writes `DATA_DIR/restored` with its pid; from then on it saves a
snapshot every SECONDS (or, when a snapshot takes long, every four times as long
as it took) and once more on SIGTERM or SIGINT (also when `gas up` is killed:
the emulator gets SIGTERM as its parent dies).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from gas_tools import snapshot

log = logging.getLogger("gas_tools.emulator")
RESTORED = "restored"


def main(argv: list[str]) -> int:
    host, port, data, every = argv[0], int(argv[1]), Path(argv[2]), float(argv[3])
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    stop, restore = threading.Event(), threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def on_restore(signum: int, frame: FrameType | None) -> None:
        restore.set()
        stop.set()  # wake the loop; it tells the two apart

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGUSR1, on_restore)
    data.mkdir(parents=True, exist_ok=True)
    snapshots = snapshot.Snapshots(data)
    log.info("emulator serving on %s:%d; data kept in %s", host, port, data)
    pause = every
    armed = False  # no saving before the restore: an empty emulator would overwrite the data
    while True:
        stop.wait(pause)
        if restore.is_set():
            restore.clear()
            stop.clear()
            done = snapshot.restore(data)
            log.info("restored %d items and %d objects in %.2f s", done.items, done.objects,
                     done.seconds)
            (data / RESTORED).write_text(str(os.getpid()))
            armed = True
            continue
        if not armed:
            if stop.is_set():
                server.stop()
                return 0
            continue
        try:
            saved = snapshots.save()
        except Exception:  # noqa: BLE001 - keep serving; the next pass tries again
            log.exception("snapshot failed")
        else:
            # Saving must not take more than a fifth of the emulator's time.
            pause = max(every, 4 * saved.seconds)
            if saved.new_bodies or stop.is_set():
                log.info("saved %d items and %d objects (%d new) in %.2f s", saved.items,
                         saved.objects, saved.new_bodies, saved.seconds)
        if stop.is_set():
            server.stop()
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
