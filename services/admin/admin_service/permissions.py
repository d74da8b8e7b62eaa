"""Who may do what in the admin service: internal staff read, internal admins change."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from wanzo_common.api.permissions import IsInternal, IsInternalAdmin


class InternalReadAdminWrite(BasePermission):
    """Reads for any internal user (admin or staff); writes for internal admins only."""

    message = "Only an internal administrator may change this; internal staff may read it."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return IsInternal().has_permission(request, view)
        return IsInternalAdmin().has_permission(request, view)
