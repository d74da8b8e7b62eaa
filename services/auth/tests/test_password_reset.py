"""Password reset: the same answer for any address, a single-use short-lived token by e-mail,
every session ended, events and metrics, nothing secret in the logs."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from unittest import mock

import pytest
from identity.models import User
from rest_framework.test import APIClient

from tests.conftest import committed, login
from wanzo_common.events import publish
from wanzo_common.events.testing import assert_published
from wanzo_common.monitoring.testing import assert_metric_delta

pytestmark = pytest.mark.django_db
NEW = "Ruzizi-river-2027"


def ask(email: str, ip: str = "127.0.0.1"):
    with committed():
        return APIClient(REMOTE_ADDR=ip).post(
            "/api/auth/password/reset/", {"email": email}, format="json"
        )


def confirm(uid: str, token: str, new: str = NEW, ip: str = "127.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": new},
        format="json",
    )


def link(mail) -> tuple[str, str]:
    return (
        re.search(r"uid: (\S+)", mail.body).group(1),
        re.search(r"token: (\S+)", mail.body).group(1),
    )


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def test_any_address_gets_the_same_answer(owner, mailoutbox, events_outbox):
    known, unknown = ask(owner["email"].upper()), ask("nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    [mail] = mailoutbox
    assert mail.to == [owner["email"]]
    [event] = events_outbox.of_type("auth.password_reset_requested")
    assert event.data["userId"] == owner["user"]["id"] and "email" not in event.data


def test_a_reset_sets_the_password_and_ends_every_session(owner, mailoutbox, events_outbox):
    other = login(owner["email"]).json()
    with assert_metric_delta("token_generation_total", 1, token_type="reset"):
        ask(owner["email"])
    uid, token = link(mailoutbox[0])
    assert confirm(uid, token).status_code == 204
    assert refresh(owner["refresh"]).status_code == 401
    assert refresh(other["refresh"]).status_code == 401
    assert login(owner["email"]).status_code == 401
    assert login(owner["email"], NEW).status_code == 200
    [event] = assert_published("auth.password_changed", userId=owner["user"]["id"])
    assert event.data["method"] == "reset"


def test_the_token_works_once(owner, mailoutbox):
    ask(owner["email"])
    uid, token = link(mailoutbox[0])
    assert confirm(uid, token).status_code == 204
    with assert_metric_delta("auth_failures_total", 1, reason="token_invalid",
                             auth_method="reset_token"):  # fmt: skip
        response = confirm(uid, token, "Yet-another-one-2028")
    assert response.status_code == 400 and list(response.json()) == ["token"]
    assert login(owner["email"], NEW).status_code == 200


def test_the_token_expires(owner, mailoutbox, settings):
    ask(owner["email"])
    uid, token = link(mailoutbox[0])
    later = settings.PASSWORD_RESET_TIMEOUT + 1
    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now",
        return_value=__import__("datetime").datetime.now() + timedelta(seconds=later),
    ):
        assert confirm(uid, token).status_code == 400
    assert settings.PASSWORD_RESET_TIMEOUT == 1800


@pytest.mark.parametrize(
    ("uid", "token"), [("bm90LWEtdXVpZA", "abc-def"), ("", ""), ("%%%", "x" * 128)]
)
def test_bad_links_are_field_errors(db, uid, token):
    response = confirm(uid, token)
    assert response.status_code == 400


def test_the_new_password_is_validated(owner, mailoutbox):
    ask(owner["email"])
    uid, token = link(mailoutbox[0])
    response = confirm(uid, token, "short-pw")
    assert response.status_code == 400 and list(response.json()) == ["new_password"]
    assert confirm(uid, token).status_code == 204  # the token was not spent


def test_a_disabled_or_deleted_account_gets_no_email(owner, mailoutbox, events_outbox):
    User.objects.filter(pk=owner["user"]["id"]).update(is_active=False)
    assert ask(owner["email"]).status_code == 202
    publish("user.deleted", {"userId": owner["user"]["id"]})
    events_outbox.deliver()
    assert ask(owner["email"]).status_code == 202
    assert mailoutbox == []
    assert_published("auth.password_reset_requested", count=0)


def test_a_reset_lifts_the_lockout_of_its_client(owner, mailoutbox):
    for _ in range(5):
        login(owner["email"], "wrong-password")
    assert login(owner["email"]).status_code == 429
    ask(owner["email"])
    uid, token = link(mailoutbox[0])
    assert confirm(uid, token).status_code == 204
    assert login(owner["email"], NEW).status_code == 200


def test_a_link_url_setting_puts_uid_and_token_in_it(owner, mailoutbox, settings):
    settings.WANZO_AUTH = {
        "PASSWORD_RESET_URL": "https://app.wanzo.example.com/reset/{uid}/{token}"
    }
    ask(owner["email"])
    assert re.search(r"https://app\.wanzo\.example\.com/reset/\S+/\S+", mailoutbox[0].body)


def test_neither_token_nor_address_is_logged(owner, mailoutbox, caplog):
    caplog.set_level(logging.DEBUG)
    ask(owner["email"])
    uid, token = link(mailoutbox[0])
    confirm(uid, token)
    assert token not in caplog.text and owner["email"] not in caplog.text


def test_the_request_is_throttled_per_address(owner, settings, mailoutbox):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "password_reset_account": "2/hour"
        },
    }  # fmt: skip
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert ask(owner["email"], ip).status_code == 202
    assert ask(owner["email"]).status_code == 429
    assert len(mailoutbox) == 2


def test_a_mail_server_down_changes_no_answer(owner, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard: nothing listens
    with mock.patch("identity.tasks.send_account_email.max_retries", 0):
        assert ask(owner["email"]).json() == ask("nobody@example.com").json()
    assert owner["email"] not in caplog.text
