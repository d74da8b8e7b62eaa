"""Password logins, measured apart: their cost is the password hasher's, on purpose.

Two figures. **check_password** in this process, with the services' ``PASSWORD_HASHERS`` (the
first one hashes, Argon2id with Django's defaults): CPU and wall time per check, so logins/s per
core is 1 / CPU seconds. argon2-cffi may run the lanes (``parallelism``) on threads, so one
check can take less wall time than CPU time. **HTTP logins**, one client after another against
auth's ``/api/auth/login/`` in the running system (gunicorn, PostgreSQL): what a user waits,
hasher plus token issue, lockout bookkeeping and the outbox row.
"""

from __future__ import annotations

import time

import requests

WHY = (
    "Django's recommended hasher (OWASP's first choice: memory-hard, resists GPU and ASIC "
    "guessing), at Django's own cost so that Django's upgrades raise it; a login costs "
    "one check, a brute-force guess the same, and the lockout after repeated failures bounds "
    "online guessing (see wanzo_common/settings.py)."
)


def hasher_figures(*, checks: int) -> dict:
    """Time ``checks`` successful ``check_password`` calls; hasher name and parameters."""
    from django.conf import settings

    if not settings.configured:
        from wanzo_common.settings import PASSWORD_HASHERS

        settings.configure(PASSWORD_HASHERS=PASSWORD_HASHERS, USE_TZ=True)
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    hasher = get_hasher("default")
    encoded = make_password("correct horse battery staple")
    check_password("correct horse battery staple", encoded)  # warm
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(checks):
        if not check_password("correct horse battery staple", encoded):
            raise SystemExit("check_password refused the right password")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    params = encoded.split("$")[3] if hasher.algorithm == "argon2" else ""
    return {
        "hasher": f"{type(hasher).__name__} ({hasher.algorithm}, {_variant(encoded)})",
        "params": (
            f"time_cost={hasher.time_cost}, memory_cost={hasher.memory_cost} KiB, "
            f"parallelism={hasher.parallelism} [{params}]"
        ),  # fmt: skip
        "cpu_ms": cpu / checks * 1e3,
        "wall_ms": wall / checks * 1e3,
    }


def _variant(encoded: str) -> str:
    parts = encoded.split("$")
    return parts[1] if len(parts) > 1 and parts[0] == "argon2" else parts[0]


def http_logins(url: str, members: list, *, count: int) -> dict:
    """``count`` sequential logins at ``url`` (auth's base URL), round-robin over ``members``."""
    http = requests.Session()
    http.trust_env = False
    times = []
    for index in range(count):
        member = members[index % len(members)]
        started = time.perf_counter()
        response = http.post(f"{url}/api/auth/login/", timeout=30,
                             json={"email": member.email, "password": member.password})  # fmt: skip
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"login refused: {response.status_code} {response.text[:200]}")
    times.sort()
    return {"count": count, "rate": count / sum(times), "p50_ms": times[len(times) // 2] * 1e3}
