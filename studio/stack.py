"""A small supervisor for `make run`: starts Studio's processes as children and stops every one of them."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Run in a child before exec (Popen's preexec_fn): the kernel sends it SIGTERM when its parent dies, so a
    supervisor, test run or bench that is killed outright never leaves the child behind as an orphan."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


# A child that crashes this many times within CRASH_WINDOW seconds is given up on: restarting it again would only
# hide a fault the user must fix (a bad setting, a port taken).
MAX_CRASHES = 5
CRASH_WINDOW = 60.0
MAX_BACKOFF = 8.0


class ChildKeepsCrashing(RuntimeError):
    """A child crashed MAX_CRASHES times within CRASH_WINDOW seconds; the message says which and where its log is."""


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] | None
    log_path: Path | None
    process: subprocess.Popen
    crashes: list[float] = field(default_factory=list)  # monotonic times of recent crashes
    restart_at: float | None = None  # when a crashed child is due to start again

    def describe_exit(self) -> str:
        return f"{self.name} exited with code {self.process.returncode}{self.log_hint()}"

    def log_hint(self) -> str:
        return f"; its log is {self.log_path}" if self.log_path else ""


@dataclass
class Stack:
    """Starts children, restarts the ones that crash (with backoff) and stops them all, in reverse order."""

    log: Callable[[str], None] = print
    children: list[Child] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None,
              log_path: Path | None = None) -> subprocess.Popen:
        """Start a child; its output goes to log_path when given, else to this terminal."""
        child = Child(name, argv, env, log_path, self._spawn(argv, env, log_path))
        self.children.append(child)
        return child.process

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)

    def exited(self) -> Child | None:
        return next((child for child in self.children if child.process.poll() is not None), None)

    def supervise(self) -> None:
        """One round of supervision: schedule crashed children for a restart, restart those that are due.

        Raises ChildKeepsCrashing when a child has crashed too often; the caller stops the stack.
        """
        now = self.clock()
        for child in self.children:
            if child.restart_at is None and child.process.poll() is not None:
                child.crashes = [t for t in child.crashes if now - t < CRASH_WINDOW] + [now]
                if len(child.crashes) >= MAX_CRASHES:
                    raise ChildKeepsCrashing(
                        f"{child.name} crashed {len(child.crashes)} times within {CRASH_WINDOW:.0f} s and was not "
                        f"restarted again (last exit code {child.process.returncode}){child.log_hint()}")
                delay = min(MAX_BACKOFF, 0.5 * 2 ** (len(child.crashes) - 1))
                child.restart_at = now + delay
                self.log(f"{child.describe_exit()}; restarting it in {delay:g} s "
                         f"(crash {len(child.crashes)} of {MAX_CRASHES} allowed within {CRASH_WINDOW:.0f} s)")
            elif child.restart_at is not None and now >= child.restart_at:
                # Whatever the crashed child left in its group (a Celery pool process, say) goes first.
                self._signal_group(child, signal.SIGKILL)
                child.process = self._spawn(child.argv, child.env, child.log_path)
                child.restart_at = None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop children in reverse start order: web first, Redis last; kill what does not stop in time."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                self._signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                self.log(f"{child.name} did not stop in {timeout:.0f} s; killing it")
            # Whatever the child left in its group (a Celery pool process, say) goes with it.
            self._signal_group(child, signal.SIGKILL)
            child.process.wait()
        self.children.clear()

    @staticmethod
    def _spawn(argv: list[str], env: dict[str, str] | None, log_path: Path | None) -> subprocess.Popen:
        log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child holds it; closed below
        try:
            # Its own session, so that we choose the order of shutdown rather than the terminal's Ctrl-C.
            return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT if log else None,
                                    start_new_session=True, preexec_fn=die_with_parent)
        finally:
            if log:
                log.close()

    @staticmethod
    def _signal_group(child: Child, sig: int) -> None:
        try:
            os.killpg(child.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def python() -> str:
    return sys.executable
