"""Every operation of the admin API, fuzzed as each role it serves: no 5xx, responses in schema."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from wanzo_common.api.fuzzing import fuzz_api


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the WSGI app, whose request signals close the database connection
    (it is in the test's transaction, so not in autocommit): on PostgreSQL the next query would
    fail. Django's test client disconnects the same receiver; so do we, for these tests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


test_fuzz_as_internal_admin = fuzz_api(role="INTERNAL_ADMIN")
test_fuzz_as_internal_staff = fuzz_api(role="INTERNAL_STAFF")
test_fuzz_as_sme_owner = fuzz_api(
    role="SME_OWNER", organization_id="5b0c3e8e-4a8f-4d4e-9b7a-6f1f2d3c4b5a"
)
