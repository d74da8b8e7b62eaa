"""Role checks and organisation scoping for the services' views.

Organisation isolation answers 404, not 403, for another organisation's object: a view's
queryset goes through :func:`scoped`, so the object is simply not found, and nobody learns
that an id exists elsewhere.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission

from wanzo_common.api.roles import INTERNAL_ROLES, Role


class IsInternalAdmin(BasePermission):
    message = "Only an internal administrator may do this."

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "role", None) == Role.INTERNAL_ADMIN


class IsInternal(BasePermission):
    message = "Only Wanzo staff may do this."

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "role", None) in INTERNAL_ROLES


class IsOrganizationMember(BasePermission):
    """A user of an organisation (an SME or an institution): their token names one."""

    message = "This needs a user of an organisation."

    def has_permission(self, request, view) -> bool:
        return bool(getattr(request.user, "organization_id", None))


class IsOrganizationOwner(BasePermission):
    message = "Only the organisation's owner or admin may do this."

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "role", None) in (Role.SME_OWNER, Role.INSTITUTION_ADMIN)


def scoped(queryset: QuerySet, user, *, field: str = "organization_id") -> QuerySet:
    """``queryset`` limited to ``user``'s organisation (nothing when the user has none)."""
    organization_id = getattr(user, "organization_id", None)
    if not organization_id:
        return queryset.none()
    return queryset.filter(**{field: organization_id})
