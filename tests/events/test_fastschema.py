"""The compiled checks may only accept what jsonschema accepts (jsonschema is the referee)."""

import copy
import itertools

import pytest
from jsonschema import Draft202012Validator

from wanzo_common.events.fastschema import compile_schema
from wanzo_common.events.types import REGISTRY

ODD_VALUES = [None, True, 0, 1, -5, 1.5, "", "x", "usr_1", "USD", "usd", "12.50", "1e3", "a@b",
              "2025-01-15T09:30:00Z", "2025-01-15T09:30:00+01:00", "x" * 2001, [], ["a"], [1],
              {}, {"id": "o", "name": "n"}, {"id": 1}]  # fmt: skip


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


REMOVE = object()


def paths(data, prefix=()):
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from paths(value, (*prefix, key))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_compiled_check_agrees_with_jsonschema(name):
    event_type = REGISTRY[name]
    fast = compile_schema(event_type.schema)
    assert fast is not None, "every catalogue schema should compile"
    referee = Draft202012Validator(
        event_type.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for data in itertools.chain([event_type.example], variants(event_type.example)):
        if fast(data):
            assert referee.is_valid(data), data
        else:
            # Stricter than jsonschema is allowed but should not happen for our subset.
            assert not referee.is_valid(data), data
    assert fast(event_type.example)


@pytest.mark.parametrize("data", [None, [], "x", 1])
def test_non_objects_fail(data):
    assert not compile_schema(REGISTRY["auth.logout"].schema)(data)


@pytest.mark.parametrize(
    "schema",
    [{"type": "object", "additionalProperties": False}, {"format": "date-time"},
     {"enum": [1, 2]}, {"type": "tuple"}, {"oneOf": []}],
)  # fmt: skip
def test_unsupported_keywords_are_left_to_jsonschema(schema):
    assert compile_schema(schema) is None


def test_types_bools_are_not_numbers():
    check = compile_schema({"type": "integer", "minimum": 1})
    assert check(3) and not check(True) and not check(0) and not check("3")


def test_keywords_without_a_single_type_still_ignore_other_types():
    untyped = compile_schema({"minLength": 2, "pattern": "^a", "minimum": 3})
    assert untyped(5) and untyped(None) and untyped("ab") and not untyped("b") and not untyped(1)
    nullable = compile_schema({"type": ["string", "null"], "maxLength": 1})
    assert nullable(None) and nullable("a") and not nullable("ab") and not nullable(1)
    nested = compile_schema({"items": {"type": "string"}, "properties": {"a": {"type": "integer"}}})
    assert nested("x") and nested(["a"]) and not nested([1]) and not nested({"a": "1"})
