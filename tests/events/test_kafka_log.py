"""librdkafka's log lines and errors through Python logging, repeated failures summarised.

The last test stops a broker under a running ``consume_events`` process and reads what the
process logged: a broker of the test's own (a dev broker, or a real Apache Kafka on real-broker
runs, ``KAFKA_BROKERS`` set), since the session's broker must stay up.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid

import pytest

from tests.integration.conftest import child_env, free_port, scrape, spawn  # noqa: F401 (fixture)
from wanzo_common.events import metrics
from wanzo_common.events.devbroker import start_devbroker, stop_devbroker
from wanzo_common.events.kafka_log import (
    LOGGER_NAME,
    RepeatSummary,
    client_config,
    client_logger,
    record_error,
)
from wanzo_common.events.testing import is_dev_broker, kafka_env
from wanzo_common.events.transports.kafka import Transport as KafkaTransport
from wanzo_common.events.transports.kafka_config import (
    CLIENT_DEFAULTS,
    admin_config,
    consumer_config,
    producer_config,
)

pytest_plugins = ["wanzo_common.events.testing"]

FAIL = (
    "FAIL [wanzo-testsvc#consumer-1] [thrd:127.0.0.1:%d/bootstrap]: 127.0.0.1:%d/bootstrap: "
    "Connect to ipv4#127.0.0.1:%d failed: Connection refused (after %dms in state CONNECT)"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(message: str, *args, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(LOGGER_NAME, level, __file__, 1, message, args, None)


def passed(summary: RepeatSummary, *records: logging.LogRecord) -> list[str]:
    return [r.getMessage() for r in records if summary.filter(r)]


@pytest.fixture
def summary_off():
    """Let every line through (another test may have used the logger's summary already)."""
    [summary] = [f for f in client_logger.filters if isinstance(f, RepeatSummary)]
    client_logger.removeFilter(summary)
    yield
    client_logger.addFilter(summary)


def test_the_first_line_passes_and_identical_ones_wait_for_the_interval():
    clock = Clock()
    summary = RepeatSummary(interval=60, clock=clock)

    # Same failure, other port, other duration: identical once numbers are ignored.
    assert passed(summary, record(FAIL, 9092, 9092, 9092, 0)) == [FAIL % (9092, 9092, 9092, 0)]
    clock.now += 1
    assert passed(summary, record(FAIL, 9093, 9093, 9093, 3), record(FAIL, 9, 9, 9, 1)) == []
    clock.now += 60
    [line] = passed(summary, record(FAIL, 9092, 9092, 9092, 0))
    assert line.endswith("(repeated 2 more time(s) in the last 61 s)")


def test_different_lines_and_levels_are_not_merged():
    summary = RepeatSummary(interval=60, clock=Clock())
    lines = passed(
        summary,
        record("consumer client error _ALL_BROKERS_DOWN: 1/1 brokers are down"),
        record("consumer client error _ALL_BROKERS_DOWN: 1/1 brokers are down", level=30),
        record("consumer client error _TIMED_OUT: request timed out"),
    )
    assert len(lines) == 3


def test_librdkafkas_own_suppressed_count_does_not_make_a_line_new():
    summary = RepeatSummary(interval=60, clock=Clock())
    text = "Connect to ipv4#127.0.0.1:9 failed: Connection refused (after 0ms in state CONNECT"
    assert len(passed(summary, record(text + ")"))) == 1
    assert passed(summary, record(text + ", 5 identical error(s) suppressed)")) == []


def test_memory_is_bounded_by_max_keys():
    summary = RepeatSummary(interval=60, max_keys=3, clock=Clock())
    passed(summary, *(record(f"line {word}") for word in ("a", "b", "c", "d", "e")))
    assert len(summary._seen) == 3


def test_the_client_logger_has_the_summary_filter_once():
    assert client_logger is logging.getLogger(LOGGER_NAME)
    assert sum(isinstance(f, RepeatSummary) for f in client_logger.filters) == 1


class FakeError:
    def __init__(self, name: str, *, fatal: bool = False) -> None:
        self._name, self._fatal = name, fatal

    def name(self) -> str:
        return self._name

    def fatal(self) -> bool:
        return self._fatal

    def str(self) -> str:
        return f"{self._name} happened"


def errors(role: str, name: str) -> float:
    return metrics.KAFKA_CLIENT_ERRORS.labels(role=role, error=name)._value.get()


def test_errors_are_counted_and_logged_unless_librdkafka_logged_them(caplog, summary_off):
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    before = errors("consumer", "_TRANSPORT"), errors("consumer", "_ALL_BROKERS_DOWN")

    record_error(FakeError("_TRANSPORT"), role="consumer")  # its FAIL line is already logged
    record_error(FakeError("_ALL_BROKERS_DOWN"), role="consumer")
    record_error(FakeError("_FENCED", fatal=True), role="producer")

    assert errors("consumer", "_TRANSPORT") == before[0] + 1
    assert errors("consumer", "_ALL_BROKERS_DOWN") == before[1] + 1
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == LOGGER_NAME]
    assert ("WARNING", "consumer client error _ALL_BROKERS_DOWN: _ALL_BROKERS_DOWN happened") in logged
    assert ("ERROR", "producer client fatal error _FENCED: _FENCED happened") in logged
    assert not [message for _, message in logged if "_TRANSPORT" in message]


def test_every_client_logs_here_and_backs_off_unless_the_options_say_otherwise():
    own = logging.getLogger("tests.own")
    options = {"config": {}}
    for config, role in (
        (producer_config({}, options), "producer"),
        (consumer_config({}, options, group_id="g", from_beginning=True), "consumer"),
        (admin_config({}), "admin"),
    ):
        assert config["logger"] is client_logger
        assert config["error_cb"].keywords == {"role": role}
        assert config["reconnect.backoff.ms"] == CLIENT_DEFAULTS["reconnect.backoff.ms"]
    assert client_config(role="x")["logger"] is client_logger
    explicit = producer_config({}, {"config": {"logger": own, "reconnect.backoff.ms": 5}})
    assert explicit["logger"] is own and explicit["reconnect.backoff.ms"] == 5


def test_librdkafka_lines_are_python_log_records_with_python_levels(caplog, summary_off):
    """A producer whose broker refuses connections: its FAIL lines arrive as ERROR records."""
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    transport = KafkaTransport(options={"brokers": ["127.0.0.1:9"], "client_id": "t"})
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not [
            r for r in caplog.records if r.name == LOGGER_NAME and "FAIL" in r.getMessage()
        ]:
            transport.producer.poll(0.2)
    finally:
        transport._producer = None  # nothing to flush: its broker does not exist
    [fail, *_] = [r for r in caplog.records if r.name == LOGGER_NAME and "FAIL" in r.getMessage()]
    assert fail.levelno == logging.ERROR
    assert "Connection refused" in fail.getMessage() and "[t#producer-" in fail.getMessage()


# --- a broker outage under a running consume_events process ---------------------------------

OUTAGE_SECONDS = 15
# Before: one raw librdkafka line per reconnection attempt, ~20 a second (about 300 here).
MAX_OUTAGE_LINES = 30


class OwnBroker:
    """A broker this test can stop: a dev broker, or on real-broker runs a real Apache Kafka."""

    def __init__(self, *, real: bool, spawn, tmp_path) -> None:  # noqa: F811
        self.real = real
        if real:
            from tests.events.test_reliability import KafkaServer

            self.server = KafkaServer(spawn, tmp_path / "kafka-data")
            self.server.start()
            self.address = self.server.address
        else:
            self.process, self.address = start_devbroker()

    def stop(self) -> None:
        if self.real:
            self.server.stop()
        else:
            stop_devbroker(self.process)


def metric(port: int, name: str, **labels: str) -> float:
    try:
        samples = scrape(port)
    except OSError:  # not serving yet
        return -1.0
    return sum(
        value
        for (sample, found), value in samples.items()
        if sample == name and labels.items() <= dict(found).items()
    )


def test_a_broker_outage_under_a_consumer_logs_a_few_python_formatted_lines(
    devbroker, spawn, tmp_path  # noqa: F811
):
    broker = OwnBroker(real=not is_dev_broker(devbroker), spawn=spawn, tmp_path=tmp_path)
    port = free_port()
    env = child_env(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"sqlite:///{tmp_path}/consumer.sqlite3",
        LOG_FORMAT="json",
        KAFKA_STATISTICS_INTERVAL_MS="1000",
        KAFKA_CONSUMER_GROUP_ID=f"outage-{uuid.uuid4().hex[:8]}",
        **kafka_env(broker.address, dev_broker=not broker.real),
    )
    consumer = spawn(
        "consumer",
        [sys.executable, "-m", "django", "consume_events", "--topics", "outage.events",
         "--metrics-port", str(port)],
        env=env,
    )  # fmt: skip
    wait_until(lambda: metric(port, "kafka_broker_connected", role="consumer") >= 1, consumer)
    before = len(consumer.log().splitlines())

    broker.stop()
    time.sleep(OUTAGE_SECONDS)

    consumer.check_running()
    lines = [line for line in consumer.log().splitlines()[before:] if line.strip()]
    records = [json.loads(line) for line in lines]  # every line: Python logging, LOG_FORMAT=json
    assert len(records) < MAX_OUTAGE_LINES, "\n".join(lines)
    client = [r for r in records if r["name"] == LOGGER_NAME]
    assert any("Connection refused" in r["message"] for r in client), lines
    assert {r["levelname"] for r in client} <= {"INFO", "WARNING", "ERROR"}
    assert metric(port, "kafka_client_errors_total", role="consumer") > 0
    wait_until(lambda: metric(port, "kafka_broker_connected", role="consumer") == 0, consumer)


def wait_until(predicate, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        process.check_running()
        assert time.monotonic() < deadline, process.log()[-4000:]
        time.sleep(0.2)
