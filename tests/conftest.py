"""Marks every test that reaches a Kafka-protocol broker ``kafka``.

A test reaches one through the ``devbroker`` fixture (the dev broker, or ``KAFKA_BROKERS``), so
the mark follows from the fixture: ``pytest -m kafka`` is the suite CI runs a second time against
a real Apache Kafka, and no test can join or leave it by forgetting a decorator.
"""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "devbroker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kafka)
