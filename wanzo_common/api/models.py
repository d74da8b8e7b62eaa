"""What this service knows about revoked tokens: one row per revoked user or session.

A row says "tokens of this user (or of this session) issued before ``not_before`` are refused".
Rows are written by the revocation handlers (:mod:`wanzo_common.api.revocation`) from auth's
events, in each service's own database, and read by every request through a short per-process
cache. A row is useless once every token it can refuse has expired (``not_before`` older than
the access-token lifetime), so the table holds minutes of revocations, never history.
"""

from __future__ import annotations

from django.db import models


class Revocation(models.Model):
    class Kind(models.TextChoices):
        USER = "user", "every token of a user"
        SESSION = "session", "every token of a session"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A user id or a session id (the ``user_id`` or ``sid`` claim), as the token carries it.
    subject = models.CharField(max_length=200)
    not_before = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject"], name="wanzo_api_revocation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} before {self.not_before.isoformat()}"
