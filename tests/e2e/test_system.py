"""The four services as separate processes, end to end: one business story, the demo, privacy.

The story: register and log in at auth; the admin sees the user; the admin subscribes the
organisation; accounting books the charge; the phone records a sale; accounting posts it; the
phone's user gets the notification — and each step moved its metric on the right service's
metrics port. Then auth's sign-in events reach their consumers: the directory's last login and
failed logins, and a logout ending the phone's app session. Then ``manage_all.py demo`` runs and every domain metric has data. Last, no log
line of any process holds an e-mail, a password or a token.
"""

from __future__ import annotations

import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from wanzo_common.devserver import sandbox as harness
from wanzo_common.devserver.clients import Api, Member
from wanzo_common.monitoring.testing import sample_sum

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

DOMAIN_METRICS = {
    "admin": ["user_management_operations_total", "configuration_changes_total"],
    "accounting": [
        "journal_entries_created_total", "transaction_value_count", "account_balance",
    ],
    "auth": ["login_attempts_total", "token_generation_total", "auth_failures_total"],
    "app_mobile": [
        "app_sessions_total", "push_notifications_sent_total", "sync_operations_total",
    ],
}  # fmt: skip
SECRETS_SEEN: list[str] = []  # every e-mail, password and token the tests used


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    running = harness.start(tmp_path_factory.mktemp("e2e"))
    try:
        yield running
    finally:
        assert harness.stop(running) == 0, running.logs()[-4000:]


@pytest.fixture(scope="module")
def api(system):
    return Api({service: system.url(service) for service in system.app_ports})


@pytest.fixture(scope="module")
def admin(system, api):
    member = Member("e2e-admin@ops.wanzo.test", secrets.token_urlsafe(16))
    SECRETS_SEEN.extend([member.email, member.password])
    system.manage(
        "auth", "create_internal_admin", "--email", member.email, "--no-input",
        env={"WANZO_ADMIN_PASSWORD": member.password},
    )  # fmt: skip
    return api.login(member)


class Metric:
    """``name{labels}`` summed on one port of one service, before and after a step."""

    def __init__(self, system, service: str, name: str, *, events: bool = False, **labels):
        self.read = lambda: sample_sum(system.scrape(service, events=events), name, **labels)
        self.where = f"{service}{' consumer' if events else ''} {name}{labels}"
        self.before = self.read()

    def moved(self) -> bool:
        return self.read() > self.before


def eventually(condition, what: str, *, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out: {what}")
        time.sleep(0.3)


def test_a_customer_story_across_the_four_services(system, api, admin):
    owner = Member("amani@kivu-shop.wanzo.example.com", secrets.token_urlsafe(12))
    SECRETS_SEEN.extend([owner.email, owner.password, "+243 810 000 111"])

    logins = Metric(system, "auth", "login_attempts_total", status="success")
    tokens = Metric(system, "auth", "token_generation_total", token_type="access")
    api.register(owner, organization="Kivu Shop", first="Amani", last="Kabila",
                 phone="+243 810 000 111")  # fmt: skip
    api.login(owner)
    SECRETS_SEEN.extend([owner.access, owner.refresh])
    assert logins.moved() and tokens.moved(), (logins.where, tokens.where)

    sessions = Metric(system, "app_mobile", "app_sessions_total", os="android")
    app_session = api.start_session(owner)  # the phone: app_mobile now knows the user
    device = api.register_device(owner)
    assert sessions.moved(), sessions.where

    seen = eventually(lambda: api.directory_user(admin, owner.user_id), "admin sees the user")
    assert seen["role"] == "SME_OWNER" and owner.organization_id in str(seen)

    charges = Metric(system, "accounting", "journal_entries_created_total", events=True,
                     journal_type="subscription", status="posted")  # fmt: skip
    subscription = api.subscribe(admin, owner.organization_id, "basic")
    assert subscription["plan"] == "basic"
    booked = eventually(lambda: api.entries(owner, "subscription"), "accounting books the charge")
    assert booked[0]["currency"] == "USD" and float(booked[0]["total"]) > 0
    assert charges.moved(), charges.where
    eventually(lambda: api.notifications(owner, "subscription"), "the phone hears of the plan")

    sales = Metric(system, "accounting", "journal_entries_created_total", events=True,
                   journal_type="sales", status="posted")  # fmt: skip
    pushes = Metric(system, "app_mobile", "push_notifications_sent_total", events=True,
                    notification_type="transaction")  # fmt: skip
    sale = api.record_sale(owner, "1500.50")
    assert sale["status"] == "pending"
    done = eventually(
        lambda: api.sale(owner, sale["transaction_id"])["status"] == "completed",
        "accounting posts the sale and the phone hears of it",
    )
    assert done
    posted = api.entries(owner, "sales")
    assert [entry["total"] for entry in posted] == ["1500.5000"]
    assert sales.moved(), sales.where
    notes = eventually(lambda: api.notifications(owner, "transaction"), "the sale's notification")
    assert notes[0]["result"] == "sent" and notes[0]["devices_reached"] >= 1
    assert pushes.moved(), pushes.where
    assert device["id"]

    balance = api.trial_balance(owner)
    for currency in balance["currencies"]:
        assert currency["balanced"] and currency["total_debit"] == currency["total_credit"]

    # Every auth event has a consumer. auth.login_succeeded → the directory's last login.
    first_login = eventually(
        lambda: api.directory_user(admin, owner.user_id)["last_login_at"],
        "the directory shows the last login (auth.login_succeeded)",
    )
    assert api.directory_user(admin, owner.user_id)["failed_logins"] == 0
    # auth.login_failed → failed logins since the last login.
    api.failed_login(owner.email, "not-" + owner.password)
    eventually(
        lambda: api.directory_user(admin, owner.user_id)["failed_logins"] == 1,
        "the directory counts the failed login (auth.login_failed)",
    )
    # auth.logout → the phone's app session of that auth session ends.
    api.call("auth", "POST", "/api/auth/logout/", json={"refresh": owner.refresh}, expect=(204,))
    api.login(owner)  # a new session, to look
    SECRETS_SEEN.extend([owner.access, owner.refresh])

    def app_session_ended():
        rows = api.call("app_mobile", "GET", "/api/sessions/", member=owner)["results"]
        return [row for row in rows if row["id"] == app_session["id"] and row["ended_at"]]

    eventually(app_session_ended, "the logout ends the phone's app session (auth.logout)")
    again = eventually(
        lambda: (user := api.directory_user(admin, owner.user_id))["last_login_at"] != first_login
        and user,
        "the directory moves the last login to the new one",
    )
    assert again["failed_logins"] == 0


def test_the_demo_gives_every_domain_metric_data(system):
    result = harness.run_demo(system)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    empty = [
        f"{service}:{name}"
        for service, names in DOMAIN_METRICS.items()
        for name in names
        if not any(value and sample[0] == name for sample, value in system.scrape(service).items())
    ]
    assert empty == [], "domain metrics with no non-zero sample on their metrics port"

    families = set()
    for service in DOMAIN_METRICS:
        for (name, labels), value in system.scrape(service, events=True).items():
            if name == "kafka_events_consumed_total" and value and ("outcome", "handled") in labels:
                families.add(dict(labels)["type"].split(".")[0])
    assert len(families) >= 4, families
    assert any(
        value for (name, _), value in system.scrape("auth").items() if name == "active_users"
    )


REVOCATION_PROBES = {  # an authenticated GET per service: any answer but 401 until revoked
    "auth": "/api/auth/me/",
    "admin": "/api/users/",
    "accounting": "/api/accounts/",
    "app_mobile": "/api/sales/",
}


def test_a_deactivation_reaches_every_service_and_the_delay_is_printed(system, api, admin):
    victim = Member("kiza@revoked-shop.wanzo.example.com", secrets.token_urlsafe(12))
    SECRETS_SEEN.extend([victim.email, victim.password])
    api.register(victim, organization="Revoked Shop", first="Kiza", last="M")
    SECRETS_SEEN.extend([victim.access, victim.refresh])
    eventually(lambda: api.directory_user(admin, victim.user_id), "admin knows the user")

    def status(service: str, http: requests.Session) -> int:
        url = system.url(service, REVOCATION_PROBES[service])
        headers = {"Authorization": f"Bearer {victim.access}"}
        return http.get(url, headers=headers, timeout=10).status_code

    assert all(status(service, api.http) != 401 for service in REVOCATION_PROBES)

    def first_401(service: str) -> float | None:
        """Seconds from ``started`` to this service's first 401 (one thread per service, so
        a slow answer of one service does not delay the others' figures)."""
        http = requests.Session()  # one per thread
        http.trust_env = False
        while time.monotonic() - started < 60:
            if status(service, http) == 401:
                return time.monotonic() - started
            time.sleep(0.01)
        return None

    started = time.monotonic()  # from the admin's request (its commit publishes the event)
    with ThreadPoolExecutor(len(REVOCATION_PROBES)) as pool:
        futures = {service: pool.submit(first_401, service) for service in REVOCATION_PROBES}
        answered = time.monotonic()
        api.deactivate(admin, victim.user_id)
        answered = time.monotonic() - answered
        delays = {service: future.result() for service, future in futures.items()}
    transport = "Apache Kafka" if system.env.get("KAFKA_BROKERS") else "dev broker"
    print(f"\nrevocation delay ({transport}), admin's deactivation to the first 401 "
          f"(the admin's request took {answered * 1000:.0f} ms):")  # fmt: skip
    for service in REVOCATION_PROBES:
        shown = "no 401 in 60 s" if delays[service] is None else f"{delays[service] * 1000:.0f} ms"
        print(f"  {service:<11} {shown}")
    assert None not in delays.values(), "a service kept accepting the token"


def test_no_personal_data_or_secret_in_any_log_line(system):
    logs = system.logs()
    leaks = [secret for secret in SECRETS_SEEN if secret and secret in logs]
    assert leaks == [], "found in the logs: " + ", ".join(s[:6] + "..." for s in leaks)
    assert not re.search(r"[\w.+-]+@[\w.-]+\.wanzo\.(test|example\.com)", logs), (
        "an e-mail is logged"
    )
    assert not re.search(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.", logs), "a token is logged"
