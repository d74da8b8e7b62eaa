"""Schemathesis over the auth API: no server error, no response breaking its own schema.

The tokens name users that do not exist in this database: the views answer 401/404, not 500.
"""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from wanzo_common.api.fuzzing import fuzz_api

ORGANIZATION = "5f6d2c1e-8a8b-4f49-9a51-0d2b6f3b7c10"


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Keep the test's database connection across the fuzzer's WSGI calls.

    schemathesis calls the WSGI app directly, so Django's ``close_old_connections`` runs around
    each request and, seeing the test's open transaction, closes the connection: on PostgreSQL
    every later query fails (SQLite's in-memory database ignores the close). Django's own test
    client disconnects it the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


test_fuzz_as_owner = fuzz_api(role="SME_OWNER", organization_id=ORGANIZATION)
test_fuzz_as_sme_user = fuzz_api(role="SME_USER", organization_id=ORGANIZATION)
test_fuzz_as_internal_admin = fuzz_api(role="INTERNAL_ADMIN")
