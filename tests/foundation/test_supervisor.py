"""The supervisor behind `make run`: a crashed child is restarted with backoff, the others keep running, and a child
that keeps crashing stops the stack with a message that names it."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from studio.stack import MAX_CRASHES, ChildKeepsCrashing, Stack

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stack():
    lines: list[str] = []
    clock = FakeClock()
    stack = Stack(log=lines.append, clock=clock)
    stack.lines, stack.fake_clock = lines, clock
    yield stack
    stack.stop(timeout=2)


def test_a_killed_child_is_restarted_and_the_others_keep_running(stack, tmp_path):
    stack.start("redis", SLEEPER)
    worker = stack.start("worker", SLEEPER, log_path=tmp_path / "worker.log")
    redis_pid = stack.child("redis").process.pid

    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    stack.supervise()
    assert stack.lines == [f"worker exited with code -9; its log is {tmp_path / 'worker.log'}; restarting it in "
                           f"0.5 s (crash 1 of {MAX_CRASHES} allowed within 60 s)"]
    stack.fake_clock.now += 0.5
    stack.supervise()

    restarted = stack.child("worker").process
    assert restarted.pid != worker.pid and restarted.poll() is None
    assert stack.child("redis").process.pid == redis_pid and stack.child("redis").process.poll() is None
    assert len(stack.lines) == 1  # one line per restart


def test_the_backoff_doubles_with_each_crash_in_the_window(stack):
    stack.start("engine", CRASHER)
    delays = []
    for _ in range(MAX_CRASHES - 1):
        stack.child("engine").process.wait()
        stack.supervise()
        delays.append(stack.child("engine").restart_at - stack.fake_clock.now)
        stack.fake_clock.now = stack.child("engine").restart_at
        stack.supervise()
    assert delays == [0.5, 1.0, 2.0, 4.0]


def test_a_child_that_keeps_crashing_is_given_up_with_a_clear_message(stack, tmp_path):
    stack.start("beat", CRASHER, log_path=tmp_path / "beat.log")
    with pytest.raises(ChildKeepsCrashing) as raised:
        for _ in range(MAX_CRASHES):
            stack.child("beat").process.wait()
            stack.supervise()
            stack.fake_clock.now += 10
            stack.supervise()
    assert str(raised.value) == (f"beat crashed {MAX_CRASHES} times within 60 s and was not restarted again "
                                 f"(last exit code 3); its log is {tmp_path / 'beat.log'}")


def test_crashes_spread_over_more_than_a_minute_never_give_up(stack):
    stack.start("worker", CRASHER)
    for _ in range(MAX_CRASHES * 2):
        stack.child("worker").process.wait()
        stack.supervise()
        stack.fake_clock.now += 30  # two crashes a minute: under the limit
        stack.supervise()
    assert len(stack.lines) == MAX_CRASHES * 2
