"""``create_internal_admin``: the password from the environment or a prompt, never argv."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from identity.models import User
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import login
from wanzo_common.events.testing import assert_published

pytestmark = pytest.mark.django_db
SECRET = "Staff-only-pass-42"


def test_creates_an_internal_admin_who_can_log_in(monkeypatch, events_outbox, capsys):
    monkeypatch.setenv("WANZO_ADMIN_PASSWORD", SECRET)
    call_command("create_internal_admin", "--email", "Ops@Wanzo.example")
    user = User.objects.get(email="ops@wanzo.example")
    assert user.role == "INTERNAL_ADMIN" and user.organization_id is None
    assert SECRET not in capsys.readouterr().out
    [event] = assert_published("user.created", userId=str(user.id))
    assert event.data["userType"] == "INTERNAL_ADMIN" and "organization" not in event.data
    claims = AccessToken(login("ops@wanzo.example", SECRET).json()["access"])
    assert claims["role"] == "INTERNAL_ADMIN" and "org" not in claims


def test_rerun_resets_the_password(monkeypatch, events_outbox):
    monkeypatch.setenv("WANZO_ADMIN_PASSWORD", SECRET)
    call_command("create_internal_admin", "--email", "ops@wanzo.example")
    monkeypatch.setenv("WANZO_ADMIN_PASSWORD", SECRET + "-new")
    call_command("create_internal_admin", "--email", "ops@wanzo.example")
    assert login("ops@wanzo.example", SECRET + "-new").status_code == 200
    assert_published("user.created", count=1)


def test_prompts_when_the_variable_is_absent(monkeypatch):
    monkeypatch.delenv("WANZO_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": SECRET)
    call_command("create_internal_admin", "--email", "ops@wanzo.example")
    assert User.objects.get(email="ops@wanzo.example").check_password(SECRET)


def test_refuses_without_a_password_or_with_a_weak_one(monkeypatch):
    monkeypatch.delenv("WANZO_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="WANZO_ADMIN_PASSWORD"):
        call_command("create_internal_admin", "--email", "ops@wanzo.example", "--no-input")
    monkeypatch.setenv("WANZO_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="password"):
        call_command("create_internal_admin", "--email", "ops@wanzo.example")
    assert not User.objects.exists()


def test_refuses_an_organizations_user(owner, monkeypatch):
    monkeypatch.setenv("WANZO_ADMIN_PASSWORD", SECRET)
    with pytest.raises(CommandError, match="organisation"):
        call_command("create_internal_admin", "--email", owner["email"])
    assert User.objects.get(email=owner["email"]).role == "SME_OWNER"
