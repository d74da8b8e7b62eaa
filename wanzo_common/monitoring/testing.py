"""Test helpers: assert that a metric moved by exactly N.

    from wanzo_common.monitoring.testing import assert_metric_delta

    with assert_metric_delta("login_attempts_total", 1, status="success"):
        client.post("/api/login/", ...)

Differences, not absolute values, so tests stay independent of what ran before them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families


def metric_value(name: str, registry=REGISTRY, **labels: str) -> float:
    """The current value of one sample (0.0 if it has never been observed)."""
    value = registry.get_sample_value(name, {k: str(v) for k, v in labels.items()})
    return 0.0 if value is None else value


@contextmanager
def assert_metric_delta(name: str, delta: float, registry=REGISTRY, **labels: str) -> Iterator[None]:
    before = metric_value(name, registry, **labels)
    yield
    after = metric_value(name, registry, **labels)
    if after - before != delta:
        shown = ", ".join(f"{k}={v!r}" for k, v in labels.items())
        raise AssertionError(
            f"{name}{{{shown}}} moved by {after - before:g}, expected {delta:g} "
            f"(before {before:g}, after {after:g})."
        )


def parse_exposition(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples of a scraped exposition, keyed by (sample name, sorted labels)."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def sample_sum(samples: dict, name: str, **labels: str) -> float:
    """Sum of every sample called ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, lbl), v in samples.items() if n == name and wanted <= set(lbl))
