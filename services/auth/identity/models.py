"""Users and organisations: the only place in Wanzo that keeps passwords.

Other services know a user by the claims of an access token (``user_id``, ``role``, ``org``)
and by the ``user.created`` event; this app holds the credentials, the lockout state and the
account's status that decide whether a token may be issued at all.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_prometheus.models import ExportModelOperationsMixin

from wanzo_common.api.roles import INTERNAL_ROLES, Role


class Organization(ExportModelOperationsMixin("organization"), models.Model):
    """An SME (or an institution) whose users share its data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    industry = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"Organization {self.id}"


class UserManager(BaseUserManager):
    """Users are created by :mod:`identity.services`; this is what Django's tooling needs."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


def normalize_email(email: str) -> str:
    """E-mail addresses compare case-insensitively: stored lower-cased, unique on ``Lower``."""
    return BaseUserManager.normalize_email(email.strip()).lower()


class User(ExportModelOperationsMixin("user"), AbstractBaseUser):
    """A person who signs in with an e-mail address and a password.

    ``organization`` is null for Wanzo's own staff (internal roles). ``status_changed_at`` /
    ``role_changed_at`` keep the time of the last event applied, so an older event arriving
    late changes nothing. A deleted user keeps its row (its id is known to other services) with
    ``email`` NULL: a tombstone no sign-up can collide with (the unique index ignores NULLs).
    The lockout state is not here but in the throttle cache, per address and client
    (:mod:`identity.throttling`).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    role_changed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="identity_user_email_ci_unique"),
            # Staff belong to no organisation; everybody else belongs to exactly one.
            models.CheckConstraint(
                condition=models.Q(role__in=sorted(INTERNAL_ROLES), organization__isnull=True)
                | (
                    ~models.Q(role__in=sorted(INTERNAL_ROLES))
                    & models.Q(organization__isnull=False)
                ),
                name="identity_user_organization_matches_role",
            ),
        ]

    def __str__(self) -> str:  # never the e-mail: this may end up in a log line
        return f"User {self.id}"

    @property
    def is_internal(self) -> bool:
        return self.role in INTERNAL_ROLES
