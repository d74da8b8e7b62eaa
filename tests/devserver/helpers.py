"""Small helpers shared by the devserver tests."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from wanzo_common.devserver.supervisor import ProcessSpec


def free_ports(count: int) -> list[int]:
    """Distinct free ports: all probes stay bound until every port is chosen."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


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
