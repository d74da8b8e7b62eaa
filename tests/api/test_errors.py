"""Errors Django handles itself answer JSON: 404, 413 (a body over the limit), 500, 400, 403."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.test import Client, RequestFactory

from wanzo_common.api import errors


def test_an_unknown_url_is_json():
    response = Client().get("/nowhere/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_crash_is_json_without_details():
    response = Client(raise_request_exception=False).get("/api/boom/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error.", "code": "server_error"}


def test_request_data_too_big_is_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    response = errors.bad_request(RequestFactory().get("/"), RequestDataTooBig("big"))
    assert response.status_code == 413
    assert b'"max_bytes": 10' in response.content


@pytest.mark.parametrize(
    ("view", "exception", "status"),
    [
        (errors.bad_request, SuspiciousOperation("odd"), 400),
        (errors.permission_denied, PermissionDenied(), 403),
    ],
)
def test_other_refusals_are_json(view, exception, status):
    response = view(RequestFactory().get("/"), exception)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
