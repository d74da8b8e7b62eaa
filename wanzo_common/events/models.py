"""Tables of the events app: the transactional outbox and the consumers' inbox.

An :class:`OutboxEvent` row is written by ``publish()`` in the caller's transaction, so an event
exists exactly when the business change it describes was committed; the relay sends pending rows
and marks them sent only after the broker acknowledged them. The row holds the message exactly
as it will be sent (topic, key, CloudEvents headers, JSON body), so the relay only copies bytes.
An :class:`InboxEvent` row is written in the transaction of the consumed batch that applied the
event, so a redelivered event finds it and has no second effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from wanzo_common.events.transports.base import Message


class OutboxEvent(models.Model):
    event_id = models.CharField(max_length=64)
    type = models.CharField(max_length=100)
    topic = models.CharField(max_length=249)
    key = models.CharField(max_length=255, null=True, blank=True)
    # A list of [name, value] pairs: Kafka headers are ordered and PostgreSQL's jsonb is not.
    headers = models.JSONField(default=list)
    payload = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        app_label = "wanzo_events"
        db_table = "wanzo_events_outbox"
        ordering = ["id"]
        indexes = [
            # Partial indexes: the relay only ever reads pending rows, which stay few.
            models.Index(
                fields=["id"], condition=Q(sent_at__isnull=True), name="wanzo_outbox_pending"
            ),
            models.Index(
                fields=["key", "id"],
                condition=Q(sent_at__isnull=True),
                name="wanzo_outbox_pending_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} id={self.event_id} subject={self.key}"

    @classmethod
    def from_message(cls, message: Message, **fields: Any) -> OutboxEvent:
        return cls(
            topic=message.topic,
            key=message.key.decode() if message.key is not None else None,
            headers=[[name, value.decode()] for name, value in message.headers],
            payload=(message.value or b"").decode(),
            **fields,
        )

    def to_message(self) -> Message:
        return Message(
            topic=self.topic,
            value=self.payload.encode(),
            key=self.key.encode() if self.key is not None else None,
            headers=tuple((name, value.encode()) for name, value in self.headers),
        )


class InboxQuerySet(models.QuerySet):
    def claim_many(
        self, *, group: str, events: Sequence[tuple[str, str]], using: str = "default"
    ) -> set[str]:
        """Insert the rows for (group, event id) that do not exist; return the ids inserted.

        ``events`` are (event id, type) pairs: a consumed batch's, claimed in one
        ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite) rather than a
        query per event. Under a concurrent redelivery the second INSERT waits for the first
        transaction and then inserts nothing, so exactly one of them runs the handlers; ids are
        inserted in sorted order so two batches claiming overlapping ids cannot deadlock.
        """
        rows = sorted(dict(events).items())
        if not rows:
            return set()
        from django.db import connections

        connection = connections[using]
        quote = connection.ops.quote_name
        meta = self.model._meta

        def columns(*names: str) -> str:
            return ", ".join(quote(meta.get_field(name).column) for name in names)

        values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns('group', 'event_id', 'type', 'handled_at')})"
            f" VALUES {values} ON CONFLICT ({columns('group', 'event_id')}) DO NOTHING"
            f" RETURNING {columns('event_id')}"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = [value for event_id, kind in rows for value in (group, event_id, kind, now)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}

    def claim(self, *, group: str, event_id: str, type_name: str, using: str = "default") -> bool:
        """Claim one event (see :meth:`claim_many`); True if this call inserted its row."""
        return bool(self.claim_many(group=group, events=[(event_id, type_name)], using=using))

    def release(self, *, group: str, event_ids: Iterable[str], using: str = "default") -> None:
        """Delete claimed rows whose events were not applied after all (in the claim's transaction)."""
        ids = list(event_ids)
        if ids:
            self.using(using).filter(group=group, event_id__in=ids).delete()

    def prune(self, *, days: float) -> int:
        """Delete rows older than any redelivery can be (choose more than the topics' retention)."""
        from datetime import timedelta

        deleted, _ = self.filter(handled_at__lt=timezone.now() - timedelta(days=days)).delete()
        return deleted


class InboxEvent(models.Model):
    """An event a consumer group handled, committed in the same transaction as its effects.

    The unique (group, event id) key turns at-least-once delivery into exactly-once effects: a
    redelivered event finds its row and its handlers do not run again.
    """

    group = models.CharField(max_length=255)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    handled_at = models.DateTimeField(db_index=True)

    objects = InboxQuerySet.as_manager()

    class Meta:
        app_label = "wanzo_events"
        db_table = "wanzo_events_inbox"
        constraints = [
            models.UniqueConstraint(fields=["group", "event_id"], name="wanzo_events_inbox_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.type} id={self.event_id}"
