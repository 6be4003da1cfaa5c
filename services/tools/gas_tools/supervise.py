"""Keep `gas up`'s services running: restart one that dies, with backoff.

Only repeated crashes of one service in a short time stop the stack (something is
wrong that a restart will not fix). The emulator is not restarted: it holds the
data, which comes back from the last snapshot on the next `gas up`.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

from gas_tools.stack import ServiceDied, Stack


class GaveUp(ServiceDied):
    """A service crashed too often to keep restarting it."""


class Supervisor:
    """Watch a stack's children; restart dead services after 1, 2, 4... s (at most 30)."""

    def __init__(self, stack: Stack, echo: Callable[[str], object],
                 on_restart: Callable[[], object] = lambda: None, max_crashes: int = 5,
                 window_seconds: float = 60, first_delay: float = 1, max_delay: float = 30,
                 clock: Callable[[], float] = time.monotonic):
        self.stack, self.echo, self.on_restart = stack, echo, on_restart
        self.max_crashes, self.window = max_crashes, window_seconds
        self.first_delay, self.max_delay, self.clock = first_delay, max_delay, clock
        self.crashes: dict[str, deque[float]] = defaultdict(deque)
        self.due: dict[str, float] = {}  # service -> when to start it again

    def check(self) -> None:
        """One pass: note deaths, restart what is due; GaveUp/ServiceDied to stop the stack."""
        now = self.clock()
        for name, proc in list(self.stack.procs.items()):
            code = proc.poll()
            if code is None:
                continue
            if name == "emulator":
                raise ServiceDied(f"the emulator exited with code {code}; its data is kept "
                                  "in the last snapshot")
            self.stack.procs.pop(name)
            recent = self.crashes[name]
            recent.append(now)
            while recent and recent[0] < now - self.window:
                recent.popleft()
            if len(recent) >= self.max_crashes:
                raise GaveUp(f"{name} crashed {len(recent)} times in {self.window:.0f} s; "
                             f"stopping GAS (see {name}'s lines above for why)")
            delay = min(self.max_delay, self.first_delay * 2 ** (len(recent) - 1))
            self.echo(f"{name} exited with code {code}; restarting it in {delay:.0f} s")
            self.due[name] = now + delay
        for name, when in list(self.due.items()):
            if now >= when:
                del self.due[name]
                self.stack.start(name)
                self.echo(f"{name} restarted (pid {self.stack.procs[name].pid})")
                self.on_restart()
