"""The workload: the demo's business flows at a steady rate, every request and answer recorded.

It is the demo (:class:`~wanzo_common.devserver.demo.Demo`: sales, sync batches, sessions,
pushes, postings, logins, plan changes, user deactivation and reactivation, configuration,
maintenance) over an :class:`~wanzo_common.devserver.clients.Api` that records each request.
Like Jepsen's histories, an answer has one of three kinds: ``ok`` (the expected status: the
operation happened), ``fail`` (an HTTP answer that refuses: it did not happen, or, for a 5xx,
may have) and ``info`` (no answer: the connection was reset or timed out, so the outcome is
unknown); a refused connection never reached the service (``refused``). The checker allows
``info`` operations either outcome, never two. A gate lets the nemesis pause the workload
between two requests (to read a service's counters before stopping it).
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import requests

from wanzo_common.devserver.clients import Api, ApiError, Member
from wanzo_common.devserver.demo import Demo


@dataclass
class Op:
    service: str
    method: str
    path: str
    body: Any
    kind: str  # ok | fail | info | refused
    status: int | None
    answer: Any
    at: float


def _refused(exc: Exception) -> bool:
    """A connection refused never reached a server: nothing was served or counted."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "Connection refused" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class RecordingApi(Api):
    """The demo's client; every call recorded as an :class:`Op`, behind a pausable gate."""

    def __init__(self, urls: dict[str, str], *, timeout: float = 20.0) -> None:
        super().__init__(urls, timeout=timeout)
        self.history: list[Op] = []
        self.gate = threading.Lock()
        # A fresh connection per request, as the sync gunicorn workers close theirs anyway:
        # a request never goes out on a connection a killed worker left half-open.
        self.http.headers["Connection"] = "close"
        self._status: int | None = None
        send = self.http.request

        def request(*args, **kwargs):
            self._status = None
            response = send(*args, **kwargs)
            self._status = response.status_code
            return response

        self.http.request = request

    def call(self, service, method, path, *, member=None, json=None, expect=(200, 201),
             params=None):  # fmt: skip
        if member is not None and member.refresh and time.monotonic() - member.issued > 240:
            self.refresh(member)  # outside the gate: a call of its own
        with self.gate:
            try:
                answer = super().call(service, method, path, member=None if member is None
                                      else _Bearer(member), json=json, expect=expect,
                                      params=params)  # fmt: skip
            except ApiError as exc:
                self._record(service, method, path, json, "fail", exc.status, None)
                raise
            except requests.RequestException as exc:
                kind = "refused" if _refused(exc) else "info"
                self._record(service, method, path, json, kind, None, type(exc).__name__)
                raise
            self._record(service, method, path, json, "ok", self._status, answer)
            return answer

    def _record(self, service, method, path, body, kind, status, answer) -> None:
        body, answer = _redacted(body), _redacted(answer)
        self.history.append(Op(service, method, path, body, kind, status, answer, time.time()))

    def counts(self) -> Counter:
        return Counter((op.service, op.kind) for op in self.history)


SECRETS = frozenset({"password", "access", "refresh", "new_password", "old_password"})


def _redacted(value: Any) -> Any:
    """The history keeps no password or token (it is written to disk with ``--keep``)."""
    if isinstance(value, dict):
        return {k: "<redacted>" if k in SECRETS else _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


class _Bearer(Member):
    """The member's current token, without the refresh check (done before the gate)."""

    def __init__(self, member: Member) -> None:
        super().__init__(member.email, member.password, access=member.access, refresh="")


class _LoadOver(Exception):
    """Ends the demo's loop (which otherwise runs for a fixed duration)."""


class Workload:
    """The demo's set-up (admin, organisations, subscriptions), then its steps at ``rate``/s."""

    def __init__(self, urls: dict[str, str], *, seed: int, make_admin) -> None:
        self.api = RecordingApi(urls)
        self.rng = random.Random(seed)
        self.admin = Member(f"chaos-admin-{seed}@chaos.wanzo.test", secrets.token_urlsafe(16))
        self.make_admin = make_admin
        self.demo: Demo | None = None
        self.stopping = threading.Event()
        self.started = time.monotonic()

    def setup(self, organizations: int) -> None:
        self.make_admin(self.admin.email, self.admin.password)
        self.api.login(self.admin)
        self.demo = Demo(self.api, self.admin, rng=self.rng)
        for index in range(organizations):
            self.demo.subscribe(self.demo.add_tenant(index))

    def run(self, *, rate: float, out, duration: float) -> None:
        """The demo's loop, until :attr:`stopping` is set (``duration``: shown in its lines)."""
        demo = self.demo
        original = demo.steps
        progress = demo.progress

        def shown(elapsed, _duration, out, *, final=False):
            progress(elapsed, duration, out, final=final)

        demo.progress = shown

        def steps():
            return [(weight, self._stoppable(step)) for weight, step in original()]

        demo.steps = steps
        try:
            demo.run(duration=float("inf"), rate=rate, out=out)
        except _LoadOver:
            demo.progress(time.monotonic() - self.started, duration, out, final=True)

    def _stoppable(self, step):
        def run(tenant):
            if self.stopping.is_set():
                raise _LoadOver
            return step(tenant)

        run.__name__ = step.__name__
        return run
