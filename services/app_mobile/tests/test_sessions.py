"""App sessions: start and end; app_sessions_total with a bounded app_version label."""

from __future__ import annotations

import pytest
from app_sessions.versions import app_version_label
from devices.models import Member

from wanzo_common.api.testing import api_client
from wanzo_common.monitoring.testing import assert_metric_delta


@pytest.mark.parametrize(
    ("sent", "label"),
    [
        ("2.3.1", "2.3"),
        ("v2.3", "2.3"),
        ("2.03.0-beta+45", "2.3"),
        ("10.0 (build 7)", "10.0"),
        ("2", "other"),
        ("latest", "other"),
        ("100.1.0", "other"),
        ("", "other"),
        ("2.3; drop table", "other"),
    ],
)
def test_app_version_label_is_major_minor_or_other(sent, label):
    assert app_version_label(sent) == label


@pytest.mark.django_db
def test_starting_a_session_counts_it(client, org_id, user_id):
    body = {"device_os": "android", "app_version": "2.3.1-rc1", "device_id": "install-1"}
    with assert_metric_delta(
        "app_sessions_total", 1, os="android", app_version="2.3", user_type="sme_owner"
    ):
        response = client.post("/api/sessions/", body, format="json")
    assert response.status_code == 201
    assert response.json()["ended_at"] is None
    assert Member.objects.filter(organization_id=org_id, user_id=user_id).exists()


@pytest.mark.django_db
def test_an_unparsable_version_is_other():
    sme_user = api_client(role="SME_USER", organization_id="org-1")
    with assert_metric_delta(
        "app_sessions_total", 1, os="web", app_version="other", user_type="sme_user"
    ):
        sme_user.post(
            "/api/sessions/", {"device_os": "web", "app_version": "nightly"}, format="json"
        )


@pytest.mark.django_db
def test_ending_a_session_twice_is_harmless_and_others_cannot(client, other_client):
    session = client.post(
        "/api/sessions/", {"device_os": "ios", "app_version": "1.0"}, format="json"
    ).json()
    assert other_client.post(f"/api/sessions/{session['id']}/end/").status_code == 404
    ended = client.post(f"/api/sessions/{session['id']}/end/").json()
    assert ended["ended_at"] is not None and ended["duration_seconds"] >= 0
    assert (
        client.post(f"/api/sessions/{session['id']}/end/").json()["ended_at"] == ended["ended_at"]
    )
    assert client.get("/api/sessions/").json()["count"] == 1
    assert other_client.get("/api/sessions/").json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{"device_os": "symbian", "app_version": "1.0"}, {"device_os": "ios"}, {"app_version": "1"}],
)
def test_invalid_session_start_is_a_field_error(client, body):
    response = client.post("/api/sessions/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"device_os", "app_version"}
