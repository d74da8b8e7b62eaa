import copy
import itertools

import pytest
from jsonschema import Draft202012Validator

from wanzo_common.events.exceptions import InvalidEvent
from wanzo_common.events.types import REGISTRY, EventType, get_type, register, topic_for, type_names

EXPECTED = {
    "user.created", "user.updated", "user.status_changed", "user.role_changed", "user.deleted",
    "auth.login_succeeded", "auth.login_failed", "auth.logout", "auth.password_changed",
    "subscription.created", "subscription.changed", "subscription.cancelled",
    "subscription.expired", "transaction.created", "transaction.completed", "transaction.failed",
    "system.service_started", "system.service_stopping", "system.maintenance_scheduled",
}  # fmt: skip
MONEY_TYPES = ["transaction.created", "transaction.completed", "transaction.failed"]


def test_every_issue_type_is_registered():
    assert EXPECTED <= set(type_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_is_valid_and_has_its_subject(name):
    event_type = get_type(name)
    event_type.validate(event_type.example)
    assert event_type.version >= 1
    assert event_type.family == name.split(".")[0]
    if event_type.subject_field is not None:
        assert (
            event_type.subject_of(event_type.example)
            == event_type.example[event_type.subject_field]
        )


def test_families_map_to_the_five_topics():
    assert {topic_for(name) for name in EXPECTED} == {
        "wanzo.users", "wanzo.auth", "wanzo.subscriptions", "wanzo.transactions", "wanzo.system",
    }  # fmt: skip


def test_topic_names_follow_settings(settings):
    settings.WANZO_EVENTS = {"TOPIC_PREFIX": "dev.", "TOPICS": {"auth": "security"}}
    assert topic_for("auth.logout") == "dev.security"
    assert topic_for(get_type("user.deleted")) == "dev.wanzo.users"


@pytest.mark.parametrize("name", MONEY_TYPES)
@pytest.mark.parametrize(
    "field,value",
    [("amount", 12.5), ("amount", "12,50"), ("amount", "1e3"), ("currency", "usd"),
     ("currency", "US"), ("currency", "USDT")],
)  # fmt: skip
def test_money_is_a_decimal_string_and_an_iso_currency(name, field, value):
    data = {**get_type(name).example, field: value}
    with pytest.raises(InvalidEvent) as caught:
        get_type(name).validate(data)
    assert caught.value.reason == "schema"
    assert field in str(caught.value)


def test_ids_must_be_strings_and_timestamps_utc_with_z():
    example = get_type("user.deleted").example
    for bad in ({**example, "userId": 42}, {**example, "timestamp": "2025-01-15T09:30:00+01:00"}):
        with pytest.raises(InvalidEvent):
            get_type("user.deleted").validate(bad)


def test_schema_errors_never_quote_the_value():
    data = {**get_type("user.created").example, "email": "secret-address-without-at"}
    with pytest.raises(InvalidEvent) as caught:
        get_type("user.created").validate(data)
    assert "secret-address" not in str(caught.value)
    assert "email" in str(caught.value)


def test_missing_required_field_is_named():
    data = copy.deepcopy(get_type("subscription.changed").example)
    del data["newPlan"]
    with pytest.raises(InvalidEvent, match="newPlan"):
        get_type("subscription.changed").validate(data)


def test_extra_fields_are_accepted_for_forward_compatibility():
    get_type("auth.logout").validate({**get_type("auth.logout").example, "device": "android"})


def test_unknown_type_suggests_a_name():
    with pytest.raises(InvalidEvent) as caught:
        get_type("user.craeted")
    assert caught.value.reason == "unknown_type"
    assert "user.created" in str(caught.value)


def test_register_refuses_a_conflicting_redefinition():
    existing = get_type("auth.logout")
    assert register(existing) is existing
    changed = EventType(
        name="auth.logout", family="auth", schema={"type": "object"}, example={},
        subject_field=None,
    )  # fmt: skip
    with pytest.raises(ValueError):
        register(changed)
    assert REGISTRY["auth.logout"] is existing


def test_an_invalid_schema_is_refused_at_definition():
    with pytest.raises(ValueError, match="type"):
        EventType(name="x.y", family="x", schema={"type": 5}, example={}, subject_field=None)


# Validation runs on jsonschema-rs; the reference implementation (python-jsonschema, a test
# dependency only) referees it on every catalogue schema, so a change of library or version
# that would let through what the published schema refuses (or refuse what it allows) fails.
ODD_VALUES = [None, True, 0, 1, -5, 1.5, "", "x", "usr_1", "USD", "usd", "12.50", "1e3", "a@b",
              "é@example.com", "2025-01-15T09:30:00Z", "2025-01-15T09:30:00+01:00",
              "2025-01-15T09:30:00.123456789Z", "x" * 2001, [], ["a"], [1], {},
              {"id": "o", "name": "n"}, {"id": 1}]  # fmt: skip
REMOVE = object()


def paths(data, prefix=()):
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from paths(value, (*prefix, key))


def variants(example):
    """The example with each field (and nested field) replaced by each odd value, or removed."""
    for path in paths(example):
        for value in [*ODD_VALUES, REMOVE]:
            data = copy.deepcopy(example)
            target = data
            for key in path[:-1]:
                target = target[key]
            if value is REMOVE:
                del target[path[-1]]
            else:
                target[path[-1]] = value
            yield data


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validation_agrees_with_the_reference_implementation(name):
    event_type = get_type(name)
    referee = Draft202012Validator(
        event_type.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for data in itertools.chain([event_type.example], variants(event_type.example)):
        try:
            event_type.validate(data)
            accepted = True
        except InvalidEvent:
            accepted = False
        assert accepted == referee.is_valid(data), data


@pytest.mark.parametrize("data", [None, [], "x", 1, {1: "a non-string key"}])
def test_what_is_not_a_json_object_fails_as_a_schema_error(data):
    with pytest.raises(InvalidEvent) as caught:
        get_type("auth.logout").validate(data)
    assert caught.value.reason == "schema"


def test_bools_are_not_integers():
    data = {**get_type("auth.login_failed").example, "attempt": True}
    with pytest.raises(InvalidEvent, match="attempt: fails type 'integer'"):
        get_type("auth.login_failed").validate(data)
