"""Small helpers shared by the devserver tests."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from wanzo_common.devserver.sandbox import free_ports
from wanzo_common.devserver.supervisor import ProcessSpec

__all__ = ["free_ports", "python_spec", "wait_for"]


def python_spec(name: str, code: str, tmp_path: Path) -> ProcessSpec:
    return ProcessSpec(name, [sys.executable, "-c", code], tmp_path, dict(os.environ))


def wait_for(condition, what: str, *, proc=None, log: Path | None = None, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"exited ({proc.returncode}) before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}" + (f":\n{log.read_text()}" if log else ""))
        time.sleep(0.2)
