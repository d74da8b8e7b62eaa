"""HTTP clients of the four services' APIs, for the demo and the end-to-end tests.

One small method per business step, named as the step, over ``requests``. A user is a
:class:`Member` holding its tokens; an access token older than four minutes is refreshed
first (access tokens live five). Unexpected answers raise :class:`ApiError` with the status
and the body: the body of a refusal names a field or a rule, never personal data.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests

REFRESH_AFTER = 240.0  # seconds


class ApiError(Exception):
    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} -> {status}: {body[:300]}")
        self.status = status


@dataclass
class Member:
    email: str
    password: str
    access: str = ""
    refresh: str = ""
    user_id: str = ""
    organization_id: str | None = None
    role: str = ""
    issued: float = field(default=0.0)


class Api:
    """The four services at ``urls`` (service name -> base URL)."""

    def __init__(self, urls: dict[str, str], *, timeout: float = 30.0) -> None:
        self.urls = urls
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # loopback: no proxy
        self.requests = 0
        self.last_status: int | None = None  # of the latest answered request

    # --- plumbing -------------------------------------------------------------------------

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        member: Member | None = None,
        json: Any = None,
        expect: tuple[int, ...] = (200, 201),
        params: dict | None = None,
    ) -> Any:
        headers = {}
        if member is not None:
            if member.refresh and time.monotonic() - member.issued > REFRESH_AFTER:
                self.refresh(member)
            headers["Authorization"] = f"Bearer {member.access}"
        url = self.urls[service] + path
        response = self.http.request(
            method, url, json=json, params=params, headers=headers, timeout=self.timeout
        )
        self.requests += 1
        self.last_status = response.status_code
        if response.status_code not in expect:
            raise ApiError(method, url, response.status_code, response.text)
        return response.json() if response.content else None

    def _signed_in(self, member: Member, body: dict) -> Member:
        member.access, member.refresh = body["access"], body["refresh"]
        member.issued = time.monotonic()
        user = body.get("user")
        if user:
            member.user_id = user["id"]
            member.role = user["role"]
            member.organization_id = (user.get("organization") or {}).get("id")
        return member

    # --- auth -----------------------------------------------------------------------------

    def register(
        self, member: Member, *, organization: str, first: str, last: str, phone: str = ""
    ) -> Member:
        """Sign up, then sign in: auth answers a sign-up alike for every address (202, no
        tokens), so only the login tells that the account is there."""
        self.call("auth", "POST", "/api/auth/register/", json={
            "email": member.email, "password": member.password,
            "first_name": first, "last_name": last, "phone": phone,
            "organization": {"name": organization, "country": "CD", "industry": "retail"},
        }, expect=(202,))  # fmt: skip
        return self.login(member)

    def login(self, member: Member) -> Member:
        body = self.call("auth", "POST", "/api/auth/login/",
                         json={"email": member.email, "password": member.password})  # fmt: skip
        return self._signed_in(member, body)

    def failed_login(self, email: str, password: str) -> int:
        """A refused login: 401 (wrong password, unknown e-mail, disabled account) or 429 (too
        many wrong passwords for this address from here, or a rate); the status."""
        try:
            self.call("auth", "POST", "/api/auth/login/",
                      json={"email": email, "password": password}, expect=(401, 429))  # fmt: skip
        except ApiError as exc:
            raise AssertionError(f"a wrong password was accepted or failed: {exc}") from exc
        return self.last_status

    def refresh(self, member: Member) -> Member:
        """A new pair for the refresh token; a revoked one (a deactivation, a password change
        elsewhere) means signing in again, as an app does."""
        member.issued = time.monotonic()  # no recursion through call()'s refresh check
        try:
            body = self.call("auth", "POST", "/api/auth/token/refresh/",
                             json={"refresh": member.refresh})  # fmt: skip
        except ApiError as exc:
            if exc.status != 401:
                raise
            return self.login(member)
        return self._signed_in(member, body)

    def add_user(self, owner: Member, member: Member, *, first: str, last: str) -> Member:
        body = self.call("auth", "POST", "/api/auth/users/", member=owner, json={
            "email": member.email, "password": member.password,
            "first_name": first, "last_name": last,
        }, expect=(201,))  # fmt: skip
        member.user_id = body["id"]
        return self.login(member)

    # --- admin ----------------------------------------------------------------------------

    def directory_user(self, admin: Member, user_id: str) -> dict | None:
        try:
            return self.call("admin", "GET", f"/api/users/{user_id}/", member=admin)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def subscribe(self, admin: Member, organization_id: str, plan: str) -> dict:
        return self.call("admin", "POST", "/api/subscriptions/", member=admin,
                         json={"organization_id": organization_id, "plan": plan},
                         expect=(201,))  # fmt: skip

    def change_plan(self, admin: Member, subscription_id: str, plan: str) -> dict:
        return self.call("admin", "POST", f"/api/subscriptions/{subscription_id}/change-plan/",
                         member=admin, json={"plan": plan})  # fmt: skip

    def deactivate(self, admin: Member, user_id: str) -> dict:
        return self.call("admin", "POST", f"/api/users/{user_id}/deactivate/", member=admin,
                         json={"reason": "demo"})  # fmt: skip

    def reactivate(self, admin: Member, user_id: str) -> dict:
        return self.call("admin", "POST", f"/api/users/{user_id}/reactivate/", member=admin,
                         json={})  # fmt: skip

    def configure(self, admin: Member, section: str, values: dict) -> dict:
        return self.call("admin", "PATCH", f"/api/configuration/{section}/", member=admin,
                         json=values)  # fmt: skip

    def schedule_maintenance(self, admin: Member, service: str, starts: str, ends: str) -> dict:
        return self.call("admin", "POST", "/api/maintenance-windows/", member=admin, json={
            "service": service, "starts_at": starts, "ends_at": ends,
            "description": "demo maintenance",
        }, expect=(201,))  # fmt: skip

    # --- accounting -----------------------------------------------------------------------

    def accounts(self, member: Member) -> dict[str, str]:
        """The organisation's account ids by code (the default chart is made on first use)."""
        body = self.call("accounting", "GET", "/api/accounts/", member=member,
                         params={"page_size": 200})  # fmt: skip
        return {account["code"]: account["id"] for account in body["results"]}

    def post_entry(
        self, member: Member, *, debit: str, credit: str, amount: str, currency: str = "USD",
        expect: tuple[int, ...] = (201,), credit_amount: str | None = None,
    ) -> dict:  # fmt: skip
        lines = [
            {"account": debit, "debit": amount},
            {"account": credit, "credit": credit_amount or amount},
        ]
        return self.call("accounting", "POST", "/api/journal-entries/", member=member, json={
            "journal_type": "general", "currency": currency, "description": "demo posting",
            "lines": lines,
        }, expect=expect)  # fmt: skip

    def entries(self, member: Member, journal_type: str) -> list[dict]:
        return self.call("accounting", "GET", "/api/journal-entries/", member=member,
                         params={"journal_type": journal_type})["results"]  # fmt: skip

    def trial_balance(self, member: Member) -> dict:
        return self.call("accounting", "GET", "/api/trial-balance/", member=member)

    # --- app_mobile -----------------------------------------------------------------------

    def start_session(self, member: Member, *, os: str = "android", version: str = "2.3.1") -> dict:
        return self.call("app_mobile", "POST", "/api/sessions/", member=member,
                         json={"device_os": os, "app_version": version}, expect=(201,))  # fmt: skip

    def end_session(self, member: Member, session_id: str) -> dict:
        return self.call("app_mobile", "POST", f"/api/sessions/{session_id}/end/", member=member)

    def register_device(self, member: Member) -> dict:
        return self.call("app_mobile", "POST", "/api/devices/", member=member, json={
            "platform": "android", "push_token": f"demo-{uuid.uuid4().hex}",
        })  # fmt: skip

    def test_push(self, member: Member, device_id: str) -> dict:
        return self.call("app_mobile", "POST", f"/api/devices/{device_id}/test/", member=member,
                         expect=(201,))  # fmt: skip

    def record_sale(self, member: Member, amount: str, currency: str = "USD") -> dict:
        return self.call("app_mobile", "POST", "/api/sales/", member=member, json={
            "transaction_id": str(uuid.uuid4()), "amount": amount, "currency": currency,
            "category": "retail", "date": date.today().isoformat(),
        }, expect=(201,))  # fmt: skip

    def sale(self, member: Member, transaction_id: str) -> dict:
        return self.call("app_mobile", "GET", f"/api/sales/{transaction_id}/", member=member)

    def sync(self, member: Member, items: list[dict]) -> dict:
        return self.call("app_mobile", "POST", "/api/sync/", member=member, json={"items": items})

    def notifications(self, member: Member, kind: str | None = None) -> list[dict]:
        params = {"type": kind} if kind else None
        return self.call("app_mobile", "GET", "/api/notifications/", member=member,
                         params=params)["results"]  # fmt: skip
