"""Test helpers shipped with the events app, as Django ships ``mail.outbox``.

In a test module (the fixtures come with the plugin, no import needed)::

    from wanzo_common.events.testing import assert_published

    @pytest.mark.django_db
    def test_signup(events_outbox):
        signup(email="a@example.com")
        assert_published("user.created", userId="42")

This module is a pytest plugin, registered by the package (the ``pytest11`` entry point in
``pyproject.toml``, as pytest-django registers its own), so its fixtures need no import. As
Django empties ``mail.outbox`` before every test, an autouse fixture empties the mock transport's
outbox before every test. The fixtures opt in to the mock (``ALLOW_MOCK``): in a test, the relay
sends rows to the mock and the mock delivers them to consumers in the same process.

``events_outbox`` sees events published in both modes: sent through the mock transport, or
waiting in the outbox table (committed, so certain to be sent). A rolled-back transaction leaves
nothing there. ``devbroker`` (session-scoped) yields Kafka bootstrap servers: ``KAFKA_BROKERS``
from the environment when set, so the same tests run against a real cluster, else a dev broker
subprocess started for the session.

(PYTEST_DONT_REWRITE: this module raises its own AssertionErrors. It is loaded before Django is
set up, so it imports the event modules only inside its functions.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from wanzo_common.events.envelope import Event

__all__ = [
    "EventsOutbox",
    "assert_published",
    "devbroker",
    "events_outbox",
    "is_dev_broker",
    "kafka_env",
    "kafka_settings",
    "mock_transport",
]


def _mock():
    from wanzo_common.events.transports import get_transport
    from wanzo_common.events.transports.mock import Transport

    transport = get_transport()
    if not isinstance(transport, Transport):
        raise AssertionError(
            f"the events transport is {type(transport).__name__}, not the mock: use the "
            "mock_transport or events_outbox fixture"
        )
    return transport


class EventsOutbox:
    """Every event published in the test, oldest first, decoded and validated."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport

    @property
    def sent(self) -> list[Event]:
        from wanzo_common.events.envelope import Event

        return [Event.from_message(message) for message in self.transport.outbox]

    @property
    def pending(self) -> list[Event]:
        """Events committed to the outbox table and not relayed yet."""
        from wanzo_common.events.envelope import Event

        try:
            from wanzo_common.events.models import OutboxEvent

            rows = list(OutboxEvent.objects.filter(sent_at__isnull=True).order_by("id"))
        except Exception:  # no database access in this test: nothing can be pending
            return []
        return [Event.from_message(row.to_message()) for row in rows]

    @property
    def events(self) -> list[Event]:
        seen: dict[str, Event] = {}
        for event in self.sent + self.pending:
            seen.setdefault(event.id, event)
        return list(seen.values())

    def of_type(self, type_name: str) -> list[Event]:
        return [event for event in self.events if event.type == type_name]

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def clear(self) -> None:
        self.transport.clear()

    def relay(self) -> int:
        """Send the pending outbox rows through the mock transport (as the relay would)."""
        from wanzo_common.events.relay import relay_pending

        return relay_pending(transport=self.transport)

    def deliver(self, *, group: str | None = None, topics: list[str] | None = None) -> Any:
        """Relay, then run this service's handlers over everything sent; returns run stats."""
        from wanzo_common.events.consumer import ConsumerEngine

        self.relay()
        engine = ConsumerEngine(group=group, topics=topics, transport=self.transport)
        return engine.run(idle_timeout=0, poll_interval=0.01)


def _describe(events: list[Event]) -> str:
    return ", ".join(event.describe() for event in events) or "nothing"


def assert_published(type_name: str, count: int = 1, **data_subset: Any) -> list[Event]:
    """Assert exactly ``count`` events of ``type_name`` whose data contains ``data_subset``."""
    outbox = EventsOutbox(_mock())
    found = [
        event
        for event in outbox.of_type(type_name)
        if all(event.data.get(key, _MISSING) == value for key, value in data_subset.items())
    ]
    if len(found) != count:
        wanted = f"{count} {type_name} event(s)" + (f" with {data_subset}" if data_subset else "")
        raise AssertionError(
            f"expected {wanted}, found {len(found)}; published: {_describe(outbox.events)}"
        )
    return found


_MISSING = object()


@pytest.fixture(autouse=True)
def _empty_mock_outbox() -> None:
    """Empty the mock transport's outbox before every test, as Django empties ``mail.outbox``.

    Only the outbox (what assertions read): topics and committed offsets stay, as a broker's
    would. Nothing to do in a run that never imported the mock.
    """
    mock = sys.modules.get("wanzo_common.events.transports.mock")
    if mock is not None:
        with mock.BROKER.cond:
            mock.BROKER.sent.clear()


@pytest.fixture
def mock_transport(settings: Any) -> Iterator[Any]:
    """The in-memory transport, empty at the start and the end of the test (``ALLOW_MOCK``)."""
    current = dict(getattr(settings, "WANZO_EVENTS", None) or {})
    settings.WANZO_EVENTS = {**current, "TRANSPORT": "mock", "ALLOW_MOCK": True}
    transport = _mock()
    transport.reset()
    yield transport
    transport.reset()


@pytest.fixture
def events_outbox(mock_transport: Any) -> EventsOutbox:
    return EventsOutbox(mock_transport)


def is_dev_broker(brokers: str) -> bool:
    """Whether ``brokers`` (from :func:`devbroker`) is a dev broker rather than a real cluster.

    A dev broker started for the tests is one; ``KAFKA_BROKERS`` from the environment is taken
    for a real cluster, unless ``KAFKA_DEV_BROKER`` says it is a dev broker too.
    """
    from wanzo_common.env import Env

    env = Env()
    return brokers != env.str("KAFKA_BROKERS") or bool(env.bool("KAFKA_DEV_BROKER", False))


def kafka_settings(brokers: str, *, dev_broker: bool | None = None, **extra: Any) -> dict[str, Any]:
    """``WANZO_EVENTS`` for the Kafka transport on ``brokers`` (from :func:`devbroker`).

    A dev broker gets the dev-broker settings (``DEV_BROKER``, and the client options of
    :func:`~wanzo_common.events.conf.client_options`: KIP-848 groups, short fetch waits), the
    same as a service started with ``KAFKA_DEV_BROKER=true``; a real cluster keeps librdkafka's
    defaults. ``KAFKA_GROUP_PROTOCOL`` from the environment wins over both. ``dev_broker``
    says which it is when :func:`is_dev_broker` cannot tell (a broker the test started itself).
    """
    from wanzo_common.env import Env
    from wanzo_common.events.conf import client_options

    if dev_broker is None:
        dev_broker = is_dev_broker(brokers)
    options = client_options(dev_broker=dev_broker, group_protocol=Env().str("KAFKA_GROUP_PROTOCOL"))
    return {
        "TRANSPORT": "kafka",
        "BROKERS": [item for item in brokers.split(",") if item],
        "OPTIONS": options,
        "DEV_BROKER": dev_broker,
        **extra,
    }


def kafka_env(brokers: str, *, dev_broker: bool | None = None) -> dict[str, str]:
    """The environment variables of a service process on ``brokers``, as :func:`kafka_settings`."""
    if dev_broker is None:
        dev_broker = is_dev_broker(brokers)
    return {
        "USE_KAFKA": "true",
        "KAFKA_BROKERS": brokers,
        "KAFKA_DEV_BROKER": "true" if dev_broker else "false",
    }


@pytest.fixture(scope="session")
def devbroker() -> Iterator[str]:
    """Bootstrap servers of a Kafka-protocol broker: ``KAFKA_BROKERS`` or a dev broker."""
    configured = os.environ.get("KAFKA_BROKERS")
    if configured:
        yield configured
        return
    from wanzo_common.events.devbroker import start_devbroker, stop_devbroker

    process, address = start_devbroker()
    try:
        yield address
    finally:
        stop_devbroker(process)
