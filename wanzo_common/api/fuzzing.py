"""Fuzzing a service's OpenAPI schema with schemathesis, as its own pytest test.

Each service's suite declares one test per role it serves::

    # services/<name>/tests/test_openapi_fuzz.py
    from wanzo_common.api.fuzzing import fuzz_api

    test_fuzz_as_owner = fuzz_api(role="SME_OWNER", organization_id="org-fuzz")

Every operation of the schema the service serves at ``/api/schema/`` is called in process
(through the WSGI app, in the test's database transaction) with generated valid and invalid
input and a token of that role. A case fails on a server error or a response that breaks the
service's own schema: the two promises an API makes to its clients.
"""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from wanzo_common.api.testing import access_token

CHECKS = [not_a_server_error, response_schema_conformance]
MAX_EXAMPLES = 20


def fuzz_api(
    *, role: str, organization_id: str | None = None, max_examples: int = MAX_EXAMPLES
) -> Callable:
    """A pytest test fuzzing every operation with a token of ``role``."""
    from django.core.wsgi import get_wsgi_application

    # Loaded when the test module is collected (pytest-django has set Django up by then);
    # generating the schema needs no database.
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

    @schema.parametrize()
    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def test(case, db):
        token = access_token(role=role, organization_id=organization_id)
        # schemathesis calls the WSGI app, whose request signals close "old" connections: the
        # test's connection is in its transaction, and on PostgreSQL the next query would fail.
        # Django's test client disconnects the same receiver for the same reason.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return test
