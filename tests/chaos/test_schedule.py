"""The nemesis' schedule and the counter check, without a soak (these run in ``make test``)."""

from collections import Counter

from tests.chaos.checker import Checker
from tests.chaos.nemesis import KINDS, schedule
from tests.chaos.scraper import Epoch
from tests.chaos.workload import Op, _redacted


def test_a_seed_replays_the_same_faults():
    first = schedule(42, duration=600, min_each=2)
    assert first == schedule(42, duration=600, min_each=2)
    assert first != schedule(43, duration=600, min_each=2)


def test_ten_minutes_make_fifty_faults_every_kind_twice():
    faults = schedule(7, duration=600, min_each=2)
    kinds = Counter(fault.kind for fault in faults)
    assert len(faults) >= 50
    assert set(kinds) == set(KINDS) and min(kinds.values()) >= 2
    assert all(10 <= fault.outage <= 30 for fault in faults)
    assert [f.at for f in faults] == sorted(f.at for f in faults)


class _Scraper:
    def __init__(self, epochs):
        self.epochs = {"admin": epochs, "accounting": {}, "app_mobile": {}, "auth": {}}


def _op(kind):
    return Op("admin", "GET", "/api/users/", None, kind, 200 if kind == "ok" else None, None, 0)


def _counters(epochs, kinds):
    checker = Checker(db_urls={}, history=[_op(k) for k in kinds], poison={}, dlq={},
                      scraper=_Scraper(epochs), handled_types={})  # fmt: skip
    return checker.request_counters()


def _epoch(*readings, final=None):
    epoch = Epoch()
    for value in readings:
        epoch.add(value)
    epoch.final = readings[-1] if final is None else final
    return epoch


def test_counted_requests_sum_the_epochs_and_allow_the_unanswered():
    epochs = {1: _epoch(1, 2), 2: _epoch(0, 1)}
    assert _counters(epochs, ["ok", "ok", "ok"]).ok
    assert _counters(epochs, ["ok", "ok", "info", "refused"]).ok  # a cut request may count
    assert not _counters(epochs, ["ok", "ok"]).ok  # more counted than made
    assert not _counters(epochs, ["ok", "ok", "ok", "ok"]).ok  # a request not counted


def test_a_counter_that_went_back_within_an_epoch_is_a_violation():
    result = _counters({1: _epoch(3, 2, 3)}, ["ok", "ok", "ok"])
    assert not result.ok and "3 -> 2" in result.violations[0]


def test_the_history_keeps_no_secret():
    body = {"email": "a@b.test", "password": "p", "user": {"access": "t"}, "x": [{"refresh": "r"}]}
    assert "p" not in str(_redacted(body).values()) and "'t'" not in str(_redacted(body))
    assert _redacted(body)["x"] == [{"refresh": "<redacted>"}]
