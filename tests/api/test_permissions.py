"""Organisation scoping and role permissions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from wanzo_common.api.permissions import IsInternalAdmin, IsOrganizationMember, scoped

pytestmark = pytest.mark.django_db


def request_of(**claims):
    return SimpleNamespace(user=SimpleNamespace(**claims))


def test_scoped_keeps_the_users_organisation_and_nothing_for_none():
    users = get_user_model().objects
    mine, theirs = users.create(username="mine"), users.create(username="theirs")
    member = SimpleNamespace(organization_id=str(mine.pk))
    assert list(scoped(users.all(), member, field="pk")) == [mine]
    assert theirs not in scoped(users.all(), member, field="pk")
    assert list(scoped(users.all(), SimpleNamespace(organization_id=None))) == []


def test_roles():
    assert IsInternalAdmin().has_permission(request_of(role="INTERNAL_ADMIN"), None)
    assert not IsInternalAdmin().has_permission(request_of(role="INTERNAL_STAFF"), None)
    assert IsOrganizationMember().has_permission(request_of(organization_id="o"), None)
    assert not IsOrganizationMember().has_permission(request_of(organization_id=None), None)
