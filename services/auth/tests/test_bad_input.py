"""Unauthenticated endpoints refuse malformed bodies with 400 JSON, before any account work."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["login/", "register/", "token/refresh/", "logout/"])
@pytest.mark.parametrize("depth", [40, 50_000])
def test_deeply_nested_json_is_400_not_500(path, depth):
    body = '{"email": ' + "[" * depth + "]" * depth + "}"
    response = APIClient().generic(
        "POST", f"/api/auth/{path}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), [("POST", "password/change/"), ("POST", "users/")])
def test_a_signed_in_owners_deeply_nested_body_is_400(owner, method, path):
    """The endpoints that load the caller from the database, with a caller that exists."""
    body = '{"old_password": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = bearer(owner["access"]).generic(
        method, f"/api/auth/{path}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]


def test_a_signed_in_owners_invalid_page_is_a_json_404(owner):
    response = bearer(owner["access"]).get("/api/auth/users/?page=999")
    assert response.status_code == 404 and response.json()["detail"] == "Invalid page."
