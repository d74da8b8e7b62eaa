import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wanzo_common.events.envelope import Event
from wanzo_common.events.models import OutboxEvent
from wanzo_common.events.testing import assert_published

pytest_plugins = ["wanzo_common.events.testing"]


def run(*args):
    out = StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_publish_example_goes_to_the_outbox(mock_transport):
    output = run("publish", "user.created", "--example")
    row = OutboxEvent.objects.get()
    assert row.type == "user.created" and row.event_id in output
    assert "outbox" in output and mock_transport.outbox == []


def test_publish_data_immediately(mock_transport):
    output = run("publish", "auth.logout", "--data", json.dumps({"userId": "u-3"}), "--immediate")
    [event] = assert_published("auth.logout", userId="u-3")
    assert event.id in output and "sent" in output


def test_publish_with_subject_and_correlation_id(mock_transport):
    run("publish", "auth.logout", "--example", "--immediate", "--subject", "s-1",
        "--correlation-id", "req-1")  # fmt: skip
    event = Event.from_message(mock_transport.outbox[0])
    assert (event.subject, event.correlation_id) == ("s-1", "req-1")


@pytest.mark.parametrize(
    "args,message",
    [
        (["publish", "auth.logout", "--data", "{not json"], "not valid JSON"),
        (["publish", "auth.logout", "--data", "[1]"], "JSON object"),
        (["publish", "auth.logout", "--data", '{"userId": 5}', "--immediate"], "invalid event"),
        (["publish", "auth.logut", "--example", "--immediate"], "auth.logout"),
    ],
)
def test_publish_errors_are_command_errors(mock_transport, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert mock_transport.outbox == []


def test_publish_requires_data_or_example(mock_transport):
    with pytest.raises(CommandError):
        run("publish", "auth.logout")


def test_immediate_publish_fails_loudly_when_the_broker_is_down(mock_transport):
    mock_transport.set_available(False)
    with pytest.raises(CommandError, match="not delivered"):
        run("publish", "auth.logout", "--example", "--immediate")


def test_types_lists_every_type_with_its_topic():
    output = run("types")
    assert "user.created v1 -> wanzo.users" in output
    assert len(output.strip().splitlines()) >= 19
