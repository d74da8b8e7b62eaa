"""Organisations and users as the auth service announced them (``user.created``), and each
user's sign-in activity (``auth.login_succeeded`` / ``auth.login_failed``).

Ids are auth's ids, kept as the strings events carry (``organization.id``, ``userId``): the
primary keys themselves, so a replayed ``user.created`` cannot create a second row. A deleted
user keeps a tombstone row (personal data erased, ``deleted_at`` set) so that a late or replayed
``user.created`` does not bring them back.
"""

from __future__ import annotations

from django.db import models
from django_prometheus.models import ExportModelOperationsMixin

from wanzo_common.api.roles import Role

EXTERNAL_ID_LENGTH = 200  # the events' maxLength for ids


class Organization(ExportModelOperationsMixin("organization"), models.Model):
    id = models.CharField(primary_key=True, max_length=EXTERNAL_ID_LENGTH)
    name = models.CharField(max_length=255)
    country = models.CharField(max_length=100, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    initial_plan = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"Organization {self.id}"


class UserStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class UserRecord(ExportModelOperationsMixin("user_record"), models.Model):
    user_id = models.CharField(primary_key=True, max_length=EXTERNAL_ID_LENGTH)
    email = models.EmailField(max_length=254, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    status = models.CharField(max_length=16, choices=UserStatus.choices, default=UserStatus.ACTIVE)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "user_id"]
        indexes = [models.Index(fields=["role", "status"], name="directory_role_status")]

    def __str__(self) -> str:
        return f"UserRecord {self.user_id} ({self.role})"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class LoginActivity(ExportModelOperationsMixin("login_activity"), models.Model):
    """A user's sign-ins as auth's events told them: last login, failures since, the lock.

    Its own row, keyed by the user's id without a database constraint, because ``auth.*`` and
    ``user.*`` events travel on different topics: a login may be consumed before the
    ``user.created`` of its user. Every time here is an event's time (``ce_time``), never the
    time of consumption, and a field only moves forward in event time, so a late or replayed
    event cannot undo a newer one (``services.login_*_record``).
    """

    user = models.OneToOneField(
        UserRecord,
        primary_key=True,
        db_constraint=False,  # the user may not be known yet
        on_delete=models.DO_NOTHING,
        related_name="login_activity",
    )
    last_login_at = models.DateTimeField(null=True, blank=True)
    last_failed_login_at = models.DateTimeField(null=True, blank=True)
    # Failed logins later than last_login_at (a guesser at work, or a forgotten password).
    failed_logins = models.PositiveIntegerField(default=0)
    # The end of the lockout auth started (lockedUntil of a failure); past: no longer locked.
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"LoginActivity {self.user_id}"
