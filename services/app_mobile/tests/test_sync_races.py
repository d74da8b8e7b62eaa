"""Two phones creating the same record at the same moment: one applied, the other ``conflict``.

PostgreSQL only (SQLite serialises writers before either reads): two threads, each with its
own connection, both pass the "does it exist?" check before either inserts, so the database's
unique constraint decides. ``WANZO_REQUIRE_POSTGRES=1`` makes the skip a failure.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.db import connection, connections
from sync import records
from sync.models import SyncRecord

from wanzo_common.api.testing import api_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        if os.environ.get("WANZO_REQUIRE_POSTGRES") == "1":
            pytest.fail("WANZO_REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
        pytest.skip("the race needs two concurrent writers: PostgreSQL")


def test_a_concurrent_create_of_one_record_answers_conflict_not_500(monkeypatch, org_id):
    record_id = str(uuid.uuid4())
    both_checked = threading.Barrier(2, timeout=5)
    validate = records._validate

    def validate_after_both_checked(*args):
        # Called after the existence check and before the insert: hold each thread here until
        # both have checked, so both inserts race. A design that serialises creators of one id
        # (a lock taken before the check) never lets the second thread get here: the first
        # then goes on alone after the timeout, and the second must still answer conflict.
        try:
            both_checked.wait()
        except threading.BrokenBarrierError:
            pass
        return validate(*args)

    monkeypatch.setattr(records, "_validate", validate_after_both_checked)
    answers: list = []

    def phone(name: str) -> None:
        try:
            client = api_client(role="SME_USER", organization_id=org_id)
            client.raise_request_exception = False  # a crash is a 500 answer here
            body = {"items": [{
                "id": str(uuid.uuid4()), "data_type": "customer", "operation": "create",
                "record_id": record_id, "payload": {"name": name},
            }]}  # fmt: skip
            response = client.post("/api/sync/", body, format="json")
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phone, args=(name,)) for name in ("Shop A", "Shop B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(status for status, _ in answers) == [200, 200], answers
    results = sorted((body["results"][0] for _, body in answers), key=lambda r: r["status"])
    assert [result["status"] for result in results] == ["applied", "conflict"]
    winner = SyncRecord.objects.get(record_id=record_id)
    assert results[1]["server"] == {
        "version": winner.version, "deleted": False, "payload": winner.payload,
    }  # fmt: skip
    assert results[1]["record_id"] == record_id
