"""What an online password guesser gets from the auth service, with its current settings.

Reads auth's own settings (``services/auth/auth_service/settings.py``, so ``AUTH_*`` variables in
the environment apply), times one Argon2id check in this process (``_load_logins``), and prints
the bounds the throttles and the lockout put on guessing (ADR 0014): per account from one
client, per account from any number of clients, per client, and the CPU one client can keep
busy with password checks.

    .venv/bin/python bench/auth_guessing.py [--checks 20]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def per_hour(rate: str) -> float:
    number, _, period = rate.partition("/")
    return int(number) * 3600 / SECONDS[period[0]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=20, help="Argon2 checks to time")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "services" / "auth"), str(ROOT / "bench")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "auth_service.settings"
    import django

    django.setup()
    import _load_logins
    from django.conf import settings
    from identity import conf

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    threshold, minutes = conf.lockout_threshold(), conf.lockout_duration().total_seconds() / 60
    budget = conf.account_failures_per_hour()
    pair = threshold * 60 / minutes  # a run of `threshold` guesses, then the lock
    pair = min(pair, per_hour(rates["login_account"]), per_hour(rates["login_ip"]))
    client = per_hour(rates["login_ip"])
    cost = _load_logins.hasher_figures(checks=args.checks)
    busy = client / 3600 * cost["cpu_ms"] / 1000  # cores kept busy by one client's checks
    print(f"settings: lockout {threshold} wrong in a row -> {minutes:.0f} min per (address, "
          f"client); account budget {budget}/hour; login_ip {rates['login_ip']}, "
          f"login_account {rates['login_account']}, register_ip {rates['register_ip']}")  # fmt: skip
    print(f"password check: {cost['hasher']}, {cost['cpu_ms']:.0f} ms CPU, "
          f"{cost['wall_ms']:.0f} ms wall ({args.checks} checks)")  # fmt: skip
    print(f"guesses/hour on one account from one client:   {pair:8.0f}")
    print(f"guesses/hour on one account from any clients:  {budget:8.0f}  "
          f"(+{pair:.0f} per client the owner signed in from)")  # fmt: skip
    print(f"login attempts/hour from one client:           {client:8.0f}  "
          f"(spread over >= {client / pair:.0f} addresses to use them all)")  # fmt: skip
    print(f"CPU one client keeps busy with password checks: {busy:7.1%} of a core")
    print(f"sign-ups/hour from one client:                 {per_hour(rates['register_ip']):8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
