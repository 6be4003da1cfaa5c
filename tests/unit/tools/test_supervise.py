"""`gas up`'s supervisor: restart a dead service with backoff, give up on repeated crashes."""

from __future__ import annotations

import pytest
from gas_tools.stack import ServiceDied
from gas_tools.supervise import GaveUp, Supervisor


class Proc:
    """A child process stand-in: alive until `die` is called."""

    count = 0

    def __init__(self) -> None:
        Proc.count += 1
        self.pid = Proc.count
        self.code: int | None = None

    def poll(self) -> int | None:
        return self.code


class FakeStack:
    def __init__(self, *names: str) -> None:
        self.procs = {name: Proc() for name in names}
        self.started: list[str] = []

    def start(self, name: str) -> None:
        self.started.append(name)
        self.procs[name] = Proc()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def parts():
    stack, clock, lines = FakeStack("emulator", "web", "annotator"), Clock(), []
    restarts = []
    supervisor = Supervisor(stack, lines.append, on_restart=lambda: restarts.append(1),
                            clock=clock)
    return stack, clock, lines, restarts, supervisor


def test_a_dead_service_is_restarted_after_a_backoff(parts):
    stack, clock, lines, restarts, supervisor = parts
    stack.procs["web"].code = -9
    supervisor.check()
    assert "web" not in stack.procs and stack.started == []  # waiting out the backoff
    assert lines == ["web exited with code -9; restarting it in 1 s"]
    clock.now = 1.0
    supervisor.check()
    assert stack.started == ["web"] and stack.procs["web"].poll() is None
    assert restarts == [1] and "web restarted" in lines[-1]
    assert stack.procs["annotator"].pid and stack.procs["emulator"].poll() is None


def test_the_backoff_doubles_with_each_recent_crash(parts):
    stack, clock, lines, _, supervisor = parts
    delays = []
    for _ in range(4):
        stack.procs["annotator"].code = 1
        supervisor.check()
        delays.append(supervisor.due["annotator"] - clock.now)
        clock.now = supervisor.due["annotator"]
        supervisor.check()
    assert delays == [1, 2, 4, 8]


def test_repeated_crashes_in_a_short_time_stop_the_stack(parts):
    stack, clock, _, _, supervisor = parts
    with pytest.raises(GaveUp, match=r"annotator crashed 5 times in 60 s"):
        for _ in range(5):
            stack.procs["annotator"].code = 1
            supervisor.check()
            clock.now = supervisor.due.get("annotator", clock.now)
            supervisor.check()


def test_crashes_far_apart_never_stop_it(parts):
    stack, clock, _, _, supervisor = parts
    for _ in range(10):
        stack.procs["web"].code = 1
        supervisor.check()
        clock.now += 61
        supervisor.check()
    assert stack.started == ["web"] * 10


def test_the_emulator_dying_stops_the_stack(parts):
    stack, _, _, _, supervisor = parts
    stack.procs["emulator"].code = 1
    with pytest.raises(ServiceDied, match="the emulator exited"):
        supervisor.check()
