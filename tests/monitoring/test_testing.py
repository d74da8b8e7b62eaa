"""The test helpers services use to assert that their metrics moved."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from wanzo_common.monitoring import counter
from wanzo_common.monitoring.testing import (
    assert_metric_delta,
    metric_value,
    parse_exposition,
    sample_sum,
)


@pytest.fixture
def registry():
    return CollectorRegistry()


@pytest.fixture
def logins(registry):
    return Counter("logins", "Logins.", ["status"], registry=registry)


def test_right_delta_passes(registry, logins):
    with assert_metric_delta("logins_total", 2, registry, status="success"):
        logins.labels("success").inc()
        logins.labels("success").inc()
        logins.labels("failure").inc()  # other label values do not count


def test_zero_delta_passes_when_nothing_moved(registry, logins):
    with assert_metric_delta("logins_total", 0, registry, status="success"):
        logins.labels("failure").inc()


def test_wrong_delta_raises_a_helpful_message(registry, logins):
    logins.labels("success").inc(5)
    with pytest.raises(AssertionError) as excinfo:
        with assert_metric_delta("logins_total", 1, registry, status="success"):
            logins.labels("success").inc(3)
    message = str(excinfo.value)
    assert "logins_total" in message and "status='success'" in message
    assert "moved by 3" in message and "expected 1" in message
    assert "before 5" in message and "after 8" in message


def test_no_move_when_one_was_expected_raises(registry, logins):
    with pytest.raises(AssertionError, match="moved by 0, expected 1"):
        with assert_metric_delta("logins_total", 1, registry, status="success"):
            pass


def test_works_on_the_default_registry_with_non_string_labels():
    declared = counter("wanzo_testing_helper_total", "Helper test counter.", labels=("code",))
    with assert_metric_delta("wanzo_testing_helper_total", 1, code=404):
        declared.labels("404").inc()


def test_histogram_samples(registry):
    timing = Histogram("t_seconds", "T.", buckets=(0.1, 1.0), registry=registry)
    with assert_metric_delta("t_seconds_count", 2, registry):
        with assert_metric_delta("t_seconds_bucket", 1, registry, le="0.1"):
            timing.observe(0.05)
            timing.observe(0.5)


def test_metric_value_of_an_unseen_sample_is_zero(registry, logins):
    assert metric_value("logins_total", registry, status="never") == 0.0
    assert metric_value("no_such_metric", registry) == 0.0


def test_parse_exposition_and_sample_sum(registry, logins):
    logins.labels("success").inc(2)
    logins.labels("failure").inc(3)
    samples = parse_exposition(generate_latest(registry).decode())
    assert samples[("logins_total", (("status", "success"),))] == 2
    assert sample_sum(samples, "logins_total") == 5
    assert sample_sum(samples, "logins_total", status="failure") == 3
    assert sample_sum(samples, "logins_total", status="other") == 0
