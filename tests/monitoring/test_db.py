"""DatabaseMetricsInterceptor: every statement timed, on every connection, once."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from wanzo_common.monitoring import db
from wanzo_common.monitoring.testing import assert_metric_delta, metric_value

OPERATIONS = ("select", "insert", "update", "delete", "other")


def query_count(operation: str, alias: str = "default") -> float:
    return metric_value("database_query_duration_seconds_count", alias=alias, operation=operation)


def counts(alias: str = "default") -> dict[str, float]:
    return {op: query_count(op, alias) for op in OPERATIONS}


def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {op: after[op] - before[op] for op in OPERATIONS if after[op] != before[op]}


@pytest.mark.django_db
def test_each_operation_observed_with_the_alias_label():
    before = counts()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO auth_group (name) VALUES (%s)", ["wanzo-db-test"])
        cursor.execute("  select name FROM auth_group WHERE name = %s", ["wanzo-db-test"])
        cursor.execute(
            "UPDATE auth_group SET name = %s WHERE name = %s", ["renamed", "wanzo-db-test"]
        )
        cursor.execute("DELETE FROM auth_group WHERE name = %s", ["renamed"])
        cursor.execute("SAVEPOINT wanzo_sp")
        cursor.execute("RELEASE SAVEPOINT wanzo_sp")
    assert delta(before, counts()) == {
        "insert": 1, "select": 1, "update": 1, "delete": 1, "other": 2,
    }  # fmt: skip


@pytest.mark.django_db
def test_orm_queries_all_observed():
    """Every statement Django sends is observed exactly once, whatever the ORM generates."""
    before = counts()
    with CaptureQueriesContext(connection) as captured:
        group = Group.objects.create(name="orm")
        Group.objects.filter(pk=group.pk).update(name="orm2")
        list(Group.objects.filter(name__startswith="orm"))
        group.delete()
    observed = delta(before, counts())
    assert sum(observed.values()) == len(captured.captured_queries)
    assert observed["insert"] >= 1 and observed["update"] >= 1 and observed["select"] >= 1
    assert observed["delete"] >= 1


@pytest.mark.django_db
def test_durations_land_in_the_histogram():
    before = metric_value(
        "database_query_duration_seconds_sum", alias="default", operation="select"
    )
    with assert_metric_delta(
        "database_query_duration_seconds_bucket", 1, alias="default", operation="select", le="+Inf"
    ):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    after = metric_value("database_query_duration_seconds_sum", alias="default", operation="select")
    assert after > before


@pytest.mark.django_db
def test_failing_query_is_still_observed():
    with assert_metric_delta(
        "database_query_duration_seconds_count", 1, alias="default", operation="select"
    ):
        with pytest.raises(DatabaseError):
            with transaction.atomic(), connection.cursor() as cursor:  # PostgreSQL: roll back
                cursor.execute("SELECT * FROM wanzo_no_such_table")


@pytest.mark.django_db(transaction=True)
def test_queries_outside_requests_on_a_new_threads_connection():
    """A thread gets its own connection; it is instrumented when it is created."""
    result = {}

    def work():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
            result["wrappers"] = list(connections["default"].execute_wrappers)
        finally:
            connections["default"].close()

    with assert_metric_delta(
        "database_query_duration_seconds_count", 1, alias="default", operation="select"
    ):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert result["wrappers"].count(db.INTERCEPTOR) == 1


@pytest.fixture
def extra_connection(tmp_path, django_db_blocker):
    """A connection under another alias, to a SQLite file (so that closing really closes)."""
    settings_dict = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "extra.sqlite3"),
        "OPTIONS": {},
        "TEST": {},
    }
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="replica")
    with django_db_blocker.unblock():  # not the test database: a throwaway file
        yield wrapper
        wrapper.close()


def run_select(wrapper) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_any_alias_is_instrumented_when_it_connects(extra_connection):
    assert db.INTERCEPTOR not in extra_connection.execute_wrappers  # not connected yet
    with assert_metric_delta(
        "database_query_duration_seconds_count", 1, alias="replica", operation="select"
    ):
        run_select(extra_connection)


def test_installed_once_per_connection_across_reconnects(extra_connection):
    run_select(extra_connection)
    for _ in range(3):
        extra_connection.close()
        assert extra_connection.connection is None
        run_select(extra_connection)  # reconnects: connection_created fires again
        assert extra_connection.execute_wrappers.count(db.INTERCEPTOR) == 1
    with assert_metric_delta(
        "database_query_duration_seconds_count", 1, alias="replica", operation="select"
    ):
        run_select(extra_connection)


def test_install_is_idempotent(extra_connection):
    run_select(extra_connection)
    db.install()
    db.install()
    db.attach(extra_connection)
    assert extra_connection.execute_wrappers.count(db.INTERCEPTOR) == 1


@pytest.mark.parametrize(
    ("sql", "operation"),
    [
        ("SELECT 1", "select"),
        ("select * from t", "select"),
        ("\n\t  SELECT x", "select"),
        ("INSERT INTO t VALUES (1)", "insert"),
        ("insert into t values (1)", "insert"),
        ("UPDATE t SET a = 1", "update"),
        ("DELETE FROM t", "delete"),
        ("delete from t", "delete"),
        ("SAVEPOINT s1", "other"),
        ("RELEASE SAVEPOINT s1", "other"),
        ("CREATE TABLE t (a int)", "other"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "other"),
        ("BEGIN", "other"),
        ("", "other"),
        ("SEL", "other"),
    ],
)
def test_operation_of(sql, operation):
    assert db.operation_of(sql) == operation
