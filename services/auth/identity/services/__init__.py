"""Writes of the identity app (HackSoft style: keyword-only ``<entity>_<action>`` functions)."""

from .accounts import (
    internal_admin_ensure,
    organization_register,
    organization_user_create,
    user_password_change,
)
from .lifecycle import RoleChangeRefused, user_delete_apply, user_role_apply, user_status_apply
from .password_reset import password_reset_confirm, password_reset_request
from .sessions import session_login, session_logout, session_refresh, session_user

__all__ = [
    "RoleChangeRefused",
    "internal_admin_ensure",
    "organization_register",
    "organization_user_create",
    "password_reset_confirm",
    "password_reset_request",
    "session_login",
    "session_logout",
    "session_refresh",
    "session_user",
    "user_delete_apply",
    "user_password_change",
    "user_role_apply",
    "user_status_apply",
]
