"""``manage.py consume_events``: options, signals, exit codes and metrics (mock transport)."""

from __future__ import annotations

import io
import os
import signal
import socket
import urllib.request

import pytest
from django.core.management import CommandError, call_command

from tests.testapp.models import Effect
from wanzo_common.events.envelope import Event
from wanzo_common.events.registry import registry
from wanzo_common.events.transports import Message
from wanzo_common.events.types import get_type

pytestmark = pytest.mark.django_db

TOPIC = "wanzo.users"


@pytest.fixture
def events_settings():
    return {"CONSUMER_GROUP_ID": "cmd", "MAX_ATTEMPTS": 1}


def send_events(
    transport, count: int, *, subject: str = "usr_1", topic: str = TOPIC
) -> list[Event]:
    events = [
        Event.create(
            "user.created", {**get_type("user.created").example, "userId": subject}, source="t"
        )
        for _ in range(count)
    ]
    transport.send([e.to_message(topic) for e in events])
    return events


def consume(*args: str) -> str:
    out = io.StringIO()
    call_command("consume_events", *args, "--idle-timeout", "0.3", stdout=out)
    return out.getvalue()


def test_a_bounded_run_handles_and_reports(transport):
    events = send_events(transport, 3)

    output = consume("--max-messages", "2")

    assert "consumed 2 message(s): handled=2" in output and "stopped by max_messages" in output
    assert Effect.objects.filter(group="cmd").count() == 2
    assert "handled=1" in consume()
    assert set(Effect.objects.values_list("event_id", flat=True)) == {e.id for e in events}


def test_group_and_topics_options(transport):
    send_events(transport, 1, topic="custom.a")
    send_events(transport, 1, topic="custom.b")

    output = consume("--group", "other", "--topics", "custom.a,custom.b")

    assert "handled=2" in output
    assert set(Effect.objects.values_list("group", flat=True)) == {"other"}


def test_sigterm_finishes_the_message_in_hand_then_exits_cleanly(transport):
    events = send_events(transport, 3, subject="one-key")
    seen: list[str] = []

    def terminate_while_handling(event: Event) -> None:
        seen.append(event.id)
        os.kill(os.getpid(), signal.SIGTERM)

    registry.register("user.created", terminate_while_handling, group="cmd")
    previous = signal.getsignal(signal.SIGTERM)
    try:
        output = consume()
    finally:
        registry.unregister(terminate_while_handling)

    assert "handled=1" in output and "stopped by stop" in output
    assert seen == [events[0].id]
    assert signal.getsignal(signal.SIGTERM) is previous
    assert "handled=2" in consume()  # the first was committed; the others come next
    assert Effect.objects.count() == 3


def test_a_fatal_error_exits_non_zero(transport):
    transport.send([Message(topic=TOPIC, value=b"not json", headers=(("ce_type", b"x"),))])
    transport.set_available(False)  # the dead-letter topic cannot be written

    with pytest.raises(CommandError) as caught:
        consume()

    assert caught.value.returncode != 0
    transport.set_available(True)
    assert "dead_lettered=1" in consume()  # redelivered: the offset was not stored


def test_without_a_group_the_command_refuses(settings, transport):
    settings.WANZO_EVENTS = {"TRANSPORT": "mock"}

    with pytest.raises(CommandError, match="consumer group"):
        consume()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_metrics_are_served_on_the_metrics_port(transport):
    send_events(transport, 1)
    port = free_port()

    consume("--metrics-port", str(port))

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    assert (
        'kafka_events_consumed_total{outcome="handled",topic="wanzo.users",type="user.created"}'
        in body
    )
