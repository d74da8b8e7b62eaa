"""``manage_all.py demo``: drive every business flow of the running services for a while.

Against a running ``make up``: an internal admin (made with auth's ``create_internal_admin``,
a fresh password each run), ``--organizations`` organisations each with an owner and a user,
their subscriptions, and then, at ``--rate`` actions a second for ``--duration`` seconds, a
weighted mix of the steps users take: sales and offline sync batches on the phone, sessions,
test notifications, journal postings (and a refused unbalanced one), trial balances, logins
(and refused ones), token refreshes, plan changes, user deactivation and reactivation,
configuration changes and maintenance announcements. Every domain metric, the Kafka metrics and
``active_users`` get data. A progress line a second; the e-mails are made-up ones under
``example.com`` (the admin's under ``.test``, which sign-up refuses).
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wanzo_common.devserver.cli import Options
from wanzo_common.devserver.clients import Api, ApiError, Member
from wanzo_common.devserver.portcheck import resolve_ports
from wanzo_common.devserver.topology import MOCK_OPT_IN, child_env
from wanzo_common.env import Env
from wanzo_common.ports import SERVICES

PLANS = ("basic", "professional", "premium")


@dataclass
class Tenant:
    owner: Member
    user: Member
    subscription_id: str = ""
    plan: str = "basic"
    accounts: dict[str, str] = field(default_factory=dict)
    device_id: str = ""
    last_batch: list[dict] = field(default_factory=list)


class Demo:
    def __init__(self, api: Api, admin: Member, *, rng: random.Random) -> None:
        self.api, self.admin, self.rng = api, admin, rng
        self.tenants: list[Tenant] = []
        self.done: Counter[str] = Counter()
        self.errors: list[str] = []
        self.run_id = uuid.uuid4().hex[:6]

    # --- set-up ---------------------------------------------------------------------------

    def add_tenant(self, index: int) -> Tenant:
        api, tag = self.api, f"{self.run_id}-{index}"
        owner = api.register(
            Member(f"owner-{tag}@demo.wanzo.example.com", secrets.token_urlsafe(12)),
            organization=f"Demo shop {tag}", first="Demo", last=f"Owner {index}",
        )  # fmt: skip
        user = api.add_user(
            owner, Member(f"clerk-{tag}@demo.wanzo.example.com", secrets.token_urlsafe(12)),
            first="Demo", last=f"Clerk {index}",
        )  # fmt: skip
        tenant = Tenant(owner=owner, user=user)
        for member in (owner, user):  # app_mobile learns the organisation's users
            api.start_session(member)
        tenant.device_id = api.register_device(owner)["id"]
        tenant.accounts = api.accounts(owner)
        self.tenants.append(tenant)
        return tenant

    def subscribe(self, tenant: Tenant, *, timeout: float = 60.0) -> None:
        """Once the admin's directory has the organisation (``user.created`` consumed)."""
        deadline = time.monotonic() + timeout
        while self.api.directory_user(self.admin, tenant.owner.user_id) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the admin service never saw the new user (consumers up?)")
            time.sleep(0.5)
        body = self.api.subscribe(self.admin, tenant.owner.organization_id, tenant.plan)
        tenant.subscription_id = body["id"]

    # --- the steps ------------------------------------------------------------------------

    def steps(self) -> list[tuple[int, Callable[[Tenant], object]]]:
        return [
            (6, self.sale), (3, self.sync), (2, self.session), (1, self.test_push),
            (3, self.posting), (1, self.unbalanced), (1, self.reports), (2, self.logins),
            (1, self.refresh), (1, self.change_plan), (1, self.user_lifecycle),
            (1, self.configure), (1, self.maintenance),
        ]  # fmt: skip

    def sale(self, tenant: Tenant) -> None:
        amount = f"{self.rng.randint(5, 900)}.{self.rng.randint(0, 99):02d}"
        self.api.record_sale(self.rng.choice([tenant.owner, tenant.user]), amount)

    def sync(self, tenant: Tenant) -> None:
        if tenant.last_batch and self.rng.random() < 0.3:  # the phone sends a batch again
            self.api.sync(tenant.user, tenant.last_batch)
            return
        record = str(uuid.uuid4())
        batch = [
            {"id": str(uuid.uuid4()), "data_type": "customer", "operation": "create",
             "record_id": record, "payload": {"name": "Walk-in customer"}},
            {"id": str(uuid.uuid4()), "data_type": "product", "operation": "create",
             "payload": {"name": "Bag of rice", "price": "12.50", "currency": "USD"}},
            {"id": str(uuid.uuid4()), "data_type": "customer", "operation": "update",
             "record_id": record, "version": 1, "payload": {"name": "Regular customer"}},
            # edited offline on a second phone from the same version: a conflict
            {"id": str(uuid.uuid4()), "data_type": "customer", "operation": "update",
             "record_id": record, "version": 1, "payload": {"name": "Stale edit"}},
        ]  # fmt: skip
        tenant.last_batch = batch
        self.api.sync(tenant.user, batch)

    def session(self, tenant: Tenant) -> None:
        os_name, version = self.rng.choice([("android", "2.3.1"), ("ios", "2.4.0"), ("web", "x")])
        session = self.api.start_session(tenant.user, os=os_name, version=version)
        self.api.end_session(tenant.user, session["id"])

    def test_push(self, tenant: Tenant) -> None:
        self.api.test_push(tenant.owner, tenant.device_id)

    def posting(self, tenant: Tenant) -> None:
        amount = f"{self.rng.randint(10, 5000)}.00"
        cash, equity = tenant.accounts["1000"], tenant.accounts["3000"]
        self.api.post_entry(tenant.owner, debit=cash, credit=equity, amount=amount)

    def unbalanced(self, tenant: Tenant) -> None:
        cash, equity = tenant.accounts["1000"], tenant.accounts["3000"]
        self.api.post_entry(tenant.owner, debit=cash, credit=equity, amount="100.00",
                            credit_amount="90.00", expect=(400,))  # fmt: skip

    def reports(self, tenant: Tenant) -> None:
        self.api.trial_balance(tenant.owner)

    def logins(self, tenant: Tenant) -> None:
        self.api.failed_login(f"nobody-{self.run_id}@demo.wanzo.example.com", "not-a-password")
        self.api.login(tenant.owner)

    def refresh(self, tenant: Tenant) -> None:
        self.api.refresh(tenant.user)

    def change_plan(self, tenant: Tenant) -> None:
        tenant.plan = self.rng.choice([plan for plan in PLANS if plan != tenant.plan])
        self.api.change_plan(self.admin, tenant.subscription_id, tenant.plan)

    def user_lifecycle(self, tenant: Tenant) -> None:
        """The clerk is deactivated (tokens revoked everywhere, a last notification) and comes
        back once auth has applied it: a session auth opened between the admin's decision and
        its applying it would be ended (ADR 0013), as an admin's second click should wait."""
        self.api.deactivate(self.admin, tenant.user.user_id)
        self._until_refused(tenant.user)
        self.api.reactivate(self.admin, tenant.user.user_id)
        deadline = time.monotonic() + 15
        while True:  # auth applies the reactivation when its consumer gets to it
            try:
                self.api.login(tenant.user)
                return
            except ApiError as exc:
                # 401 or 403 until auth's consumer has applied the reactivation
                if exc.status not in (401, 403) or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def _until_refused(self, member: Member, *, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.api.call("auth", "GET", "/api/auth/me/", member=member)
            except ApiError as exc:
                if exc.status in (401, 403):
                    return
                raise
            time.sleep(0.5)  # auth applies it within a second; fewer polls while it cannot
        raise ApiError("GET", "/api/auth/me/", 200, "the deactivation never reached auth")

    def configure(self, tenant: Tenant) -> None:
        hour = self.rng.randint(0, 23)
        self.api.configure(self.admin, "notifications", {"daily_digest_hour": hour})

    def maintenance(self, tenant: Tenant) -> None:
        starts = datetime.now(UTC) + timedelta(days=self.rng.randint(1, 30))
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        service = self.rng.choice(list(SERVICES))
        ends = starts + timedelta(hours=1)
        self.api.schedule_maintenance(
            self.admin, service, starts.strftime(stamp), ends.strftime(stamp)
        )

    # --- the loop -------------------------------------------------------------------------

    def run(self, *, duration: float, rate: float, out) -> None:
        weighted = self.steps()
        population = [step for weight, step in weighted for _ in range(weight)]
        # Every step once first, so a short run still moves every metric.
        queue = [step for _, step in weighted]
        start = time.monotonic()
        next_at, last_line = start, 0.0
        while (now := time.monotonic()) - start < duration:
            if now < next_at:
                time.sleep(min(next_at - now, 0.2))
                continue
            next_at += 1.0 / rate
            step = queue.pop(0) if queue else self.rng.choice(population)
            tenant = self.rng.choice(self.tenants)
            try:
                step(tenant)
                self.done[step.__name__] += 1
            except (ApiError, OSError, AssertionError, TimeoutError) as exc:
                self.errors.append(f"{step.__name__}: {exc}")
            if now - last_line >= 1.0:
                last_line = now
                self.progress(now - start, duration, out)
        self.progress(time.monotonic() - start, duration, out, final=True)

    def progress(self, elapsed: float, duration: float, out, *, final: bool = False) -> None:
        steps = sum(self.done.values())
        line = (
            f"demo: {elapsed:5.0f}/{duration:.0f} s  {steps} steps  {self.api.requests} requests"
            f"  {len(self.errors)} errors  (sales {self.done['sale']}, sync {self.done['sync']},"
            f" postings {self.done['posting']}, plan changes {self.done['change_plan']})"
        )
        print(line if final else line + "\r", end="\n" if final else "", file=out, flush=True)


def create_admin(root: Path, email: str, password: str) -> None:
    # Its user.created goes through the outbox, which the running relay sends: MOCK_OPT_IN.
    env = child_env(root, "auth", {"WANZO_ADMIN_PASSWORD": password, **MOCK_OPT_IN})
    subprocess.run(
        [sys.executable, "manage.py", "create_internal_admin", "--email", email, "--no-input"],
        cwd=root / "services" / "auth", env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def service_urls(root: Path) -> dict[str, str]:
    ports = {s: resolve_ports(s, env=Env(root / "services" / s / ".env")) for s in SERVICES}
    return {service: f"http://127.0.0.1:{p.app}" for service, p in ports.items()}


def demo(opts: Options, *, root: Path, out=sys.stdout) -> int:
    api = Api(service_urls(root))
    for service, url in api.urls.items():
        try:
            api.http.get(url + "/readyz", timeout=5).raise_for_status()
        except Exception as exc:  # noqa: BLE001  (any failure means: not running)
            print(f"demo: {service} does not answer at {url} ({exc}); run `make up` first",
                  file=sys.stderr)  # fmt: skip
            return 1
    admin = Member(f"demo-admin@{os.uname().nodename}.wanzo.test", secrets.token_urlsafe(16))
    create_admin(root, admin.email, admin.password)
    api.login(admin)
    runner = Demo(api, admin, rng=random.Random())
    print(f"demo: {opts.organizations} organisations with an owner and a clerk each", file=out)
    for index in range(opts.organizations):
        runner.subscribe(runner.add_tenant(index))
    runner.run(duration=opts.duration, rate=opts.rate, out=out)
    for error in runner.errors[:10]:
        print(f"demo: error: {error}", file=out)
    return 1 if len(runner.errors) > max(3, sum(runner.done.values()) // 20) else 0
