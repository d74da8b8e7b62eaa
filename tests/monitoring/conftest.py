"""Shared helpers of the monitoring tests."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, generate_latest

from wanzo_common.api.keys import throwaway_key_env
from wanzo_common.monitoring.active_users import ACTIVE_USERS
from wanzo_common.monitoring.testing import metric_value, parse_exposition

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def in_progress() -> float:
    return metric_value("http_requests_in_progress")


def requests_total(method: str, route: str, status: int | str) -> float:
    return metric_value("http_requests_total", method=method, route=route, status=status)


def scrape_samples(registry=REGISTRY) -> dict:
    """The registry's exposition, parsed by prometheus_client's parser."""
    return parse_exposition(generate_latest(registry).decode())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child process, without this test run's Django/metrics settings.

    The child runs a service without a broker: on the mock transport, opted in as a test run
    (``EVENTS_ALLOW_MOCK``; else ``DEBUG=false`` makes it a system check error).
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR", "RUN_MAIN")
    }
    env["EVENTS_ALLOW_MOCK"] = "true"
    env.update(throwaway_key_env())  # the services' token checks (wanzo_api.E001) need a key
    env.update(extra)
    return env


@pytest.fixture
def fresh_active_users():
    """``ACTIVE_USERS`` is process-wide: start and leave each test with an empty one."""
    ACTIVE_USERS.reset()
    yield ACTIVE_USERS
    ACTIVE_USERS.reset()
