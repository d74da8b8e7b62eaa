"""Chaos soak: the four services under steady business load while processes, Kafka and
PostgreSQL fail at random; then every invariant is checked (tests/chaos, ADR 0020).

    python bench/chaos.py [--duration 600] [--seed N] [--rate 3] [--keep]

Prints the seed first (``--seed`` replays the same faults), one line per fault, and each
invariant with its counts; exits 1 if any invariant is violated. Needs PostgreSQL 15's binaries
(PG_BIN) and a JDK; it runs its own PostgreSQL (port CHAOS_PG_PORT, 19896) and Kafka
(CHAOS_KAFKA_PORT, 19892), never the machine's.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.chaos.infra import have_tools  # noqa: E402
from tests.chaos.soak import soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--seed", type=int, default=None, help="replay a run (default: random)")
    parser.add_argument("--rate", type=float, default=3.0, help="workload actions a second")
    parser.add_argument("--organizations", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the run's directory and logs")
    args = parser.parse_args()
    if why := have_tools():
        print(f"chaos: cannot run: {why}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    report = soak(duration=args.duration, seed=seed, rate=args.rate,
                  organizations=args.organizations, keep=args.keep)  # fmt: skip
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
