"""Fixtures of the admin service's tests: clients of each role, and directory entries."""

from __future__ import annotations

import uuid

import pytest
from directory import services as directory

from wanzo_common.api.testing import api_client

ADMIN_ID = str(uuid.uuid4())


def new_id() -> str:
    return str(uuid.uuid4())


def register(*, role: str = "SME_OWNER", organization_id: str | None = None, **extra):
    """A user (and their organisation) as a ``user.created`` would record them."""
    organization = None
    if role not in ("INTERNAL_ADMIN", "INTERNAL_STAFF"):
        organization = {"id": organization_id or new_id(), "name": "Kinshasa Traders"}
    record, _ = directory.user_register(
        user_id=extra.pop("user_id", new_id()),
        email=extra.pop("email", f"{uuid.uuid4().hex[:8]}@example.com"),
        role=role,
        first_name="Amani",
        last_name="Mbuyi",
        organization=organization,
    )
    return record


@pytest.fixture
def admin():
    return api_client(user_id=ADMIN_ID, role="INTERNAL_ADMIN")


@pytest.fixture
def staff():
    return api_client(role="INTERNAL_STAFF")


@pytest.fixture
def owner_of():
    """``owner_of(organization_id)``: a client of that organisation's SME owner."""
    return lambda organization_id: api_client(role="SME_OWNER", organization_id=organization_id)


@pytest.fixture
def sme_user(db):
    return register(role="SME_USER")
