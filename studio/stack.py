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


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log_path: Path | None = None

    def describe_exit(self) -> str:
        where = f"; its log is {self.log_path}" if self.log_path else ""
        return f"{self.name} exited with code {self.process.returncode}{where}"


@dataclass
class Stack:
    log: Callable[[str], None] = print
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None,
              log_path: Path | None = None) -> subprocess.Popen:
        """Start a child; its output goes to log_path when given, else to this terminal."""
        log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child holds it; closed below
        try:
            # Its own session, so that we choose the order of shutdown rather than the terminal's Ctrl-C.
            process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT if log else None,
                                       start_new_session=True, preexec_fn=die_with_parent)
        finally:
            if log:
                log.close()
        self.children.append(Child(name, process, log_path))
        return process

    def exited(self) -> Child | None:
        return next((child for child in self.children if child.process.poll() is not None), None)

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
    def _signal_group(child: Child, sig: int) -> None:
        try:
            os.killpg(child.process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def python() -> str:
    return sys.executable
