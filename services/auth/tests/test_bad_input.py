"""Unauthenticated endpoints refuse malformed bodies with 400 JSON, before any account work."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

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
