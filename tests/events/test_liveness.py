"""The liveness probe of consumers and relays (wanzo_common/events/liveness.py) against a real
exporter on a free port."""

from __future__ import annotations

import time

import pytest
from prometheus_client import CollectorRegistry, Gauge

from wanzo_common.events import liveness
from wanzo_common.monitoring.exporter import start_exporter


@pytest.fixture
def exporter():
    registry = CollectorRegistry()
    gauge = Gauge("kafka_consumer_last_progress_timestamp_seconds", "test", registry=registry)
    server = start_exporter(port=0, address="127.0.0.1", registry=registry)
    try:
        yield server.server_port, gauge
    finally:
        server.shutdown()
        server.server_close()


def test_fresh_progress_passes_and_stale_fails(exporter):
    port, gauge = exporter
    gauge.set(time.time() - 10)
    assert liveness.main(["consumer", "--port", str(port), "--max-age", "60"]) == 0
    gauge.set(time.time() - 61)
    status, line = liveness.check("consumer", port=port, max_age=60)
    assert status == 1 and "no progress for 61s" in line


def test_a_gauge_never_set_fails(exporter):
    port, _ = exporter
    status, line = liveness.check("relay", port=port, max_age=60)
    assert status == 1 and "not set yet" in line


def test_no_answer_is_exit_status_2():
    from wanzo_common.devserver.sandbox import free_ports

    (port,) = free_ports(1)
    assert liveness.check("consumer", port=port, max_age=60)[0] == 2


def test_the_port_comes_from_the_kinds_variable(exporter, monkeypatch, capsys):
    port, gauge = exporter
    gauge.set(time.time())
    monkeypatch.setenv("CELERY_PROMETHEUS_PORT", str(port))
    assert liveness.main(["worker"]) == 0
    assert "last progress" in capsys.readouterr().out


def test_beat_is_alive_while_its_schedule_file_is_written(tmp_path, monkeypatch):
    schedule = tmp_path / "celerybeat-schedule"
    assert liveness.check_beat(schedule=str(schedule), max_age=300)[0] == 1  # none yet
    (tmp_path / "celerybeat-schedule.db").write_bytes(b"")  # the dbm backend's suffix
    assert liveness.check_beat(schedule=str(schedule), max_age=300)[0] == 0
    status, line = liveness.check_beat(schedule=str(schedule), max_age=300, now=time.time() + 301)
    assert status == 1 and "not written for 301s" in line
    monkeypatch.setenv("CELERY_BEAT_SCHEDULE_FILE", str(schedule))
    assert liveness.main(["beat"]) == 0
