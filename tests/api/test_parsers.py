"""The shared JSON parser: DRF's, with nesting bounded (400, never a RecursionError's 500)."""

from __future__ import annotations

import io

import pytest
from rest_framework.exceptions import ParseError

from wanzo_common.api.parsers import MAX_DEPTH, JSONParser, json_depth_exceeds


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def parse(text: str):
    return JSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


def test_a_body_at_the_limit_parses():
    value = parse(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH - 1):
        [value] = value
    assert value == []


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 200_000])
def test_deeper_is_a_parse_error(depth):
    with pytest.raises(ParseError, match=f"nested more than {MAX_DEPTH} levels"):
        parse(nested(depth))


def test_objects_count_as_levels_too():
    text = '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    with pytest.raises(ParseError):
        parse(text)


def test_malformed_json_is_still_drfs_parse_error():
    with pytest.raises(ParseError, match="JSON parse error"):
        parse('{"a": ')


def test_depth_walk_needs_no_recursion():
    value: list = []
    for _ in range(100_000):  # deeper than Python's recursion limit
        value = [value]
    assert json_depth_exceeds(value, 10)
    assert not json_depth_exceeds({"a": [1, {"b": "c"}], "d": 2}, 3)
    assert json_depth_exceeds({"a": [1, {"b": []}]}, 3)


def test_the_shared_settings_use_it(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"][0] == (
        "wanzo_common.api.parsers.JSONParser"
    )
