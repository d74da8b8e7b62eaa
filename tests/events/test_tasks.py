"""The events app's beat tasks: inbox pruning keeps recent rows, drops old ones."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from wanzo_common.events.conf import BEAT_SCHEDULE
from wanzo_common.events.models import InboxEvent
from wanzo_common.events.tasks import prune_inbox_task


@pytest.mark.django_db
def test_prune_inbox_deletes_only_rows_older_than_the_retention():
    InboxEvent.objects.claim(group="g", event_id="old", type_name="user.created")
    InboxEvent.objects.claim(group="g", event_id="new", type_name="user.created")
    InboxEvent.objects.filter(event_id="old").update(handled_at=timezone.now() - timedelta(days=3))
    with override_settings(WANZO_EVENTS={"INBOX_RETENTION_DAYS": 2}):
        assert prune_inbox_task() == 1
    assert list(InboxEvent.objects.values_list("event_id", flat=True)) == ["new"]


def test_inbox_pruning_is_scheduled():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"wanzo_events.relay_outbox", "wanzo_events.prune_inbox"} <= tasks
