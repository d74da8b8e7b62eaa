"""Schemathesis over the whole API, as the SME owner of an organisation: no 5xx, no response
that breaks the schema."""

import pytest
from django.core import signals
from django.db import close_old_connections

from wanzo_common.api.fuzzing import fuzz_api


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Keep the test's database connection across the fuzzer's WSGI calls.

    The fuzzer calls the WSGI app, whose request signals close "old" connections; inside the
    test's transaction (autocommit off) that closes PostgreSQL's connection under the test.
    Django's own test client disconnects the same handler; so do we, for these calls.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


test_fuzz_as_sme_owner = fuzz_api(role="SME_OWNER", organization_id="org-fuzz")
