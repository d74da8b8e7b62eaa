"""The consumers' connection check: a connection the server dropped is replaced before use.

The services run without ``CONN_HEALTH_CHECKS`` (no ``SELECT 1`` per request), so the
consumers' check (``wanzo_common.events.connections``) runs its own ``SELECT 1``.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db import connection

from wanzo_common.events.connections import close_old_connections

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("WANZO_REQUIRE_POSTGRES") == "1":
            pytest.fail("WANZO_REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
        pytest.skip("needs PostgreSQL (a server that can drop a connection)")


def _drop_server_side() -> None:
    """Terminate the test connection's backend from another connection, as a restart would."""
    params = connection.get_connection_params()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_health_checks_are_off_by_default():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is False


def test_a_dropped_connection_is_replaced_before_the_next_message():
    _require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    _drop_server_side()
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
