"""The API load bench's data: an internal admin and a few organisations, each subscribed.

Made through the services' own APIs (``wanzo_common.devserver.clients``), as the demo does:
the admin with auth's ``create_internal_admin``, then per organisation an owner (register),
a clerk (added by the owner), an app session each (app_mobile learns its users), the chart of
accounts looked up, and a subscription. The admin service learns organisations from
``user.created``; without events (the baseline system) nothing delivers it, so the bench
records them through the admin's own ``user_register`` service function, as its handler would.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass, field

from wanzo_common.devserver.clients import Api, Member

PLAN = "basic"


@dataclass
class Tenant:
    owner: Member
    clerk: Member
    accounts: dict[str, str] = field(default_factory=dict)  # account id by code


@dataclass
class Seeded:
    api: Api
    admin: Member
    tenants: list[Tenant]

    def refresh_tokens(self) -> None:
        """New access tokens (they live five minutes) before a phase of load."""
        for member in [self.admin, *(m for t in self.tenants for m in (t.owner, t.clerk))]:
            self.api.refresh(member)


def seed(system, *, organizations: int, events: bool) -> Seeded:
    api = Api({service: system.url(service) for service in system.app_ports})
    admin = Member(f"bench-admin-{uuid.uuid4().hex[:6]}@ops.wanzo.test", secrets.token_urlsafe(16))
    system.manage(
        "auth", "create_internal_admin", "--email", admin.email, "--no-input",
        env={"WANZO_ADMIN_PASSWORD": admin.password},
    )  # fmt: skip
    api.login(admin)
    tenants = [_tenant(api, index) for index in range(organizations)]
    if events:
        _wait_directory(api, admin, tenants)
    else:
        _record_directory(system, tenants)
    for tenant in tenants:
        api.subscribe(admin, tenant.owner.organization_id, PLAN)
    return Seeded(api=api, admin=admin, tenants=tenants)


def _tenant(api: Api, index: int) -> Tenant:
    tag = f"{uuid.uuid4().hex[:6]}-{index}"
    owner = api.register(
        Member(f"owner-{tag}@bench.wanzo.example.com", secrets.token_urlsafe(12)),
        organization=f"Bench shop {tag}", first="Bench", last=f"Owner {index}",
    )  # fmt: skip
    clerk = api.add_user(
        owner, Member(f"clerk-{tag}@bench.wanzo.example.com", secrets.token_urlsafe(12)),
        first="Bench", last=f"Clerk {index}",
    )  # fmt: skip
    for member in (owner, clerk):
        api.start_session(member)
    return Tenant(owner=owner, clerk=clerk, accounts=api.accounts(owner))


def _wait_directory(api: Api, admin: Member, tenants: list[Tenant], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for tenant in tenants:
        while api.directory_user(admin, tenant.owner.user_id) is None:
            if time.monotonic() > deadline:
                raise SystemExit("the admin service never saw the new users (consumers up?)")
            time.sleep(0.3)


def _record_directory(system, tenants: list[Tenant]) -> None:
    """What admin's ``user.created`` handler does, for a system that delivers no event."""
    users = [
        {"user_id": t.owner.user_id, "email": t.owner.email, "role": t.owner.role,
         "organization": {"id": t.owner.organization_id, "name": "Bench shop"}}
        for t in tenants
    ]  # fmt: skip
    code = (
        "import json\nfrom directory.services import user_register\n"
        f"for user in json.loads({json.dumps(json.dumps(users))}):\n    user_register(**user)\n"
    )
    system.manage("admin", "shell", "-c", code)
