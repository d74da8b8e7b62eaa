"""Role checks of the auth API (on the token's claims; services re-check against the database)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from wanzo_common.api.roles import Role


class IsSmeOwner(BasePermission):
    """The owner of an SME: manages the users of their own organisation, of no other."""

    message = "Only the owner of an organisation may manage its users."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return getattr(user, "role", None) == Role.SME_OWNER and bool(
            getattr(user, "organization_id", None)
        )
