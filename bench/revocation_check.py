"""What the revocation check adds to a request (ADR 0013), beside what verifying a token costs.

    .venv/bin/python bench/revocation_check.py [--rows 1000] [--calls 20000]

Prints CPU time per call (``time.process_time_ns``, median of 7 rounds) of: verifying an access
token (signature, claims: what every request paid before), the revocation lookup in the
process's copy (what every request pays now), and reading the table into a new copy (what a
process pays at most once per ``REVOCATION_CACHE_SECONDS``), on in-memory SQLite with
``--rows`` live revocations. Nothing needs to run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def per_call_us(func, calls: int, rounds: int = 7) -> float:
    samples = []
    for _ in range(rounds):
        start = time.process_time_ns()
        for _ in range(calls):
            func()
        samples.append((time.process_time_ns() - start) / calls / 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="live revocations in the table")
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from wanzo_common.api import revocation
    from wanzo_common.api.models import Revocation
    from wanzo_common.api.testing import access_token
    from wanzo_common.api.tokens import AccessToken

    call_command("migrate", "wanzo_api", verbosity=0)
    now = timezone.now()
    Revocation.objects.bulk_create(
        Revocation(kind=("user", "session")[i % 2], subject=str(uuid.uuid4()), not_before=now)
        for i in range(args.rows)
    )
    raw = access_token(organization_id="org-1")
    payload = AccessToken(raw).payload
    revocation.forget()
    copy = revocation._read()

    from django.test import override_settings

    from wanzo_common.api.conf import DEFAULTS

    verify = per_call_us(lambda: AccessToken(raw), args.calls)
    with override_settings(WANZO_API={"REVOCATION_CACHE_SECONDS": 3600}):
        revocation._copy = copy  # a fresh copy: requests read nothing
        check = per_call_us(lambda: revocation.is_revoked(payload), args.calls)
    read = per_call_us(revocation._read, max(1, args.calls // 200))
    load = os.getloadavg()[0]
    print(f"revocation check, {args.rows} live revocations, load average {load:.1f}")
    print(f"  verify an access token (before):          {verify:8.1f} us per request")
    print(f"  lookup in the process's copy (added):     {check:8.1f} us per request "
          f"({check / verify:.1%} of the verification)")  # fmt: skip
    print(f"  read the table into a new copy (1 query): {read:8.1f} us, at most every "
          f"{DEFAULTS['REVOCATION_CACHE_SECONDS']} s per process")  # fmt: skip


if __name__ == "__main__":
    main()
