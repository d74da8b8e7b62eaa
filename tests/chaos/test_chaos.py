"""The chaos soak, in CI: two minutes of faults under load, every invariant held; and a relay
broken on purpose (fire and forget), which the checker must catch.

Run with ``pytest -m chaos tests/chaos`` (each test prints the seed; CHAOS_SEED replays one).
"""

import io
import os
import random
import sys

import pytest

from tests.chaos.nemesis import KINDS
from tests.chaos.soak import soak

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(1500)]


def _seed() -> int:
    return int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(10**6))


class Tee(io.StringIO):
    """The soak's lines on the terminal (``-s``) and kept for the assertion message."""

    def write(self, text):
        sys.__stdout__.write(text)
        return super().write(text)


def test_two_minutes_of_faults_break_no_invariant():
    out = Tee()
    report = soak(duration=float(os.environ.get("CHAOS_DURATION", 120)), seed=_seed(), out=out)
    assert set(report.faults) == set(KINDS), f"kinds not injected (seed {report.seed})"
    assert report.ok, f"seed {report.seed}: {report.violated()}\n{out.getvalue()[-5000:]}"


def test_checker_catches_a_relay_that_does_not_wait_for_the_broker():
    """Rows marked sent without the broker's acknowledgement: what was relayed while Kafka was
    down is lost, and the checker says which sales were never posted."""
    out = Tee()
    report = soak(duration=40, seed=_seed(), broken=True, out=out, min_each=1,
                  kinds=("kafka_outage", "kill_relay"))  # fmt: skip
    assert report.faults.get("kafka_outage"), out.getvalue()[-3000:]
    violated = " | ".join(report.violated())
    # The relay marked the lost rows sent: the outbox looks fine, the effects do not.
    assert "every accepted sale posted exactly once" in violated, f"seed {report.seed}: {violated}"
    assert "every published event handled" in violated, f"seed {report.seed}: {violated}"
