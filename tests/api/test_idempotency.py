"""Idempotency fingerprints: the same request hashes alike, a different one does not."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest

from wanzo_common.idempotency import KeyReused, fingerprint, matches


def test_the_same_request_written_differently_has_one_fingerprint():
    key = uuid.uuid4()
    first = {"amount": Decimal("1500.50"), "date": datetime.date(2026, 1, 15), "id": key}
    again = {"id": key, "date": datetime.date(2026, 1, 15), "amount": Decimal("1500.5")}
    assert fingerprint(first) == fingerprint(again)
    assert len(fingerprint(first)) == 64


@pytest.mark.parametrize(
    "change", [{"amount": Decimal("1500.51")}, {"date": datetime.date(2026, 1, 16)}, {"x": None}]
)
def test_a_different_request_has_another_fingerprint(change):
    base = {"amount": Decimal("1500.50"), "date": datetime.date(2026, 1, 15)}
    assert fingerprint(base) != fingerprint({**base, **change})


def test_rows_from_before_fingerprints_match_any_replay():
    assert matches("", fingerprint({"a": 1}))
    assert not matches(fingerprint({"a": 1}), fingerprint({"a": 2}))


def test_key_reused_is_a_422_with_its_code_and_field():
    error = KeyReused("used for another sale", field="transaction_id")
    assert error.status_code == 422
    assert error.detail["code"] == "idempotency_key_reused"
    assert error.detail["field"] == "transaction_id"


def test_what_has_no_canonical_form_is_refused():
    with pytest.raises(TypeError):
        fingerprint({"x": object()})
