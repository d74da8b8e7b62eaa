"""Readiness between start-up stages: probes polled until they pass, a death reported."""

from __future__ import annotations

from wanzo_common.devserver.readiness import http_ok, wait_ready
from wanzo_common.devserver.supervisor import StopSignal, Supervisor

from .helpers import free_ports, python_spec


def test_ready_once_every_probe_passes(tmp_path):
    flag = tmp_path / "ready"
    code = f"import time, pathlib; time.sleep(0.5); pathlib.Path({str(flag)!r}).touch(); "
    spec = python_spec("slow", code + "time.sleep(60)", tmp_path)
    spec.ready = flag.exists
    supervisor = Supervisor(StopSignal())
    supervisor.start_all([spec])
    try:
        assert wait_ready(supervisor, [spec], timeout=60) is None
    finally:
        supervisor.stop()


def test_a_process_that_dies_before_it_is_ready_is_named(tmp_path):
    spec = python_spec("crasher", "raise SystemExit(5)", tmp_path)
    spec.ready = lambda: False
    supervisor = Supervisor(StopSignal())
    supervisor.start_all([spec])
    assert wait_ready(supervisor, [spec], timeout=60) == "crasher exited with code 5"
    supervisor.stop()


def test_not_ready_in_time_names_what_is_missing(tmp_path):
    spec = python_spec("sleeper", "import time; time.sleep(60)", tmp_path)
    spec.ready = lambda: False
    supervisor = Supervisor(StopSignal())
    supervisor.start_all([spec])
    try:
        assert wait_ready(supervisor, [spec], timeout=0.3) == "not ready after 0.3s: sleeper"
    finally:
        supervisor.stop()


def test_http_ok_is_false_when_nothing_listens():
    assert http_ok(f"http://127.0.0.1:{free_ports(1)[0]}/healthz") is False
