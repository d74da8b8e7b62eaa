"""auth's guarded flows, end to end (gunicorn, the consumers, the relay): ADR 0014.

The story: an owner signs up; the same address signs up again and gets the same answer, its
owner an e-mail; a guesser from one address is locked out of that account after five wrong
passwords (even the right one is refused from there) while the owner, from another address,
signs in; the owner resets the password from the e-mail's link, every older session ends, and
the guesser's address may try again. E-mails are read from the file backend's folder; no log
line holds the address, a password or a reset token.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import uuid

import pytest

from wanzo_common.devserver import sandbox as harness
from wanzo_common.devserver.clients import Api, Member
from wanzo_common.monitoring.testing import sample_sum

pytestmark = [pytest.mark.integration, pytest.mark.kafka]
OWNER_HOME = "127.0.0.2"  # another client address on the loopback: the owner's
# The lockout's counts shared by the gunicorn workers, as in production (CI sets the variable).
REDIS_URL = os.environ.get("WANZO_REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def system(tmp_path_factory, mail_dir):
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "AUTH_THROTTLE_REDIS_URL": REDIS_URL,
    }
    running = harness.start(tmp_path_factory.mktemp("e2e-auth"), env=env, label="e2e_auth")
    try:
        yield running
    finally:
        assert harness.stop(running) == 0, running.logs()[-4000:]


def post(system, path: str, body: dict, *, source: str = "127.0.0.1") -> tuple[int, dict, dict]:
    """POST to auth from ``source`` (a loopback address): status, JSON body, headers."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", system.app_ports["auth"], timeout=30, source_address=(source, 0)
    )
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else {}), dict(response.getheaders())
    finally:
        conn.close()


def mails(mail_dir) -> str:
    return "".join(path.read_text() for path in sorted(mail_dir.iterdir()))


def test_sign_up_lockout_and_reset(system, mail_dir):
    api = Api({service: system.url(service) for service in system.app_ports})
    owner = Member(f"neema-{uuid.uuid4().hex[:8]}@duka.wanzo.example.com", secrets.token_urlsafe(12))
    signup = {
        "email": owner.email, "password": owner.password, "first_name": "Neema",
        "last_name": "K", "organization": {"name": "Duka"},
    }  # fmt: skip
    first = post(system, "/api/auth/register/", signup)
    again = post(system, "/api/auth/register/", {**signup, "password": secrets.token_urlsafe(12)})
    assert first[0] == again[0] == 202 and first[1] == again[1]
    api.login(owner)
    assert "already has one" in mails(mail_dir)

    locked = sample_sum(system.scrape("auth"), "auth_failures_total", reason="account_locked")
    for _ in range(5):
        status, body, _ = post(system, "/api/auth/login/", {"email": owner.email, "password": "x"})
        assert status == 401 and body["code"] == "invalid_credentials"
    right = {"email": owner.email, "password": owner.password}
    status, body, headers = post(system, "/api/auth/login/", right)
    assert status == 429 and body["code"] == "too_many_attempts"
    assert 800 < int(headers["Retry-After"]) <= 900
    assert sample_sum(system.scrape("auth"), "auth_failures_total", reason="account_locked") > locked
    assert post(system, "/api/auth/login/", right, source=OWNER_HOME)[0] == 200

    assert post(system, "/api/auth/password/reset/", {"email": owner.email})[0] == 202
    text = mails(mail_dir)
    uid, token = re.search(r"uid: (\S+)", text).group(1), re.search(r"token: (\S+)", text).group(1)
    new = secrets.token_urlsafe(16)
    confirm = {"uid": uid, "token": token, "new_password": new}
    assert post(system, "/api/auth/password/reset/confirm/", confirm)[0] == 204
    assert post(system, "/api/auth/password/reset/confirm/", confirm)[0] == 400  # used once
    assert post(system, "/api/auth/token/refresh/", {"refresh": owner.refresh})[0] == 401
    assert post(system, "/api/auth/login/", {"email": owner.email, "password": new})[0] == 200
    assert sample_sum(system.scrape("auth"), "token_generation_total", token_type="reset") >= 1

    logs = system.logs()
    for secret in (owner.email, owner.password, new, token):
        assert secret not in logs
