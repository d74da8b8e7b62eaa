"""Who a user is to the platform: the roles a token carries, and their metric label values."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """The user types of the system we replace (the ``userType`` of ``user.*`` events)."""

    SME_OWNER = "SME_OWNER", "SME owner"
    SME_USER = "SME_USER", "SME user"
    INSTITUTION_ADMIN = "INSTITUTION_ADMIN", "Institution admin"
    INSTITUTION_USER = "INSTITUTION_USER", "Institution user"
    INTERNAL_ADMIN = "INTERNAL_ADMIN", "Internal admin"
    INTERNAL_STAFF = "INTERNAL_STAFF", "Internal staff"


INTERNAL_ROLES = frozenset({Role.INTERNAL_ADMIN, Role.INTERNAL_STAFF})


def user_type_label(role: str | None) -> str:
    """The bounded ``user_type`` label of a role: ``sme_owner``...; ``unknown`` for anything else."""
    return role.lower() if role in Role.values else "unknown"
