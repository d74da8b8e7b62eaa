"""Why the envelope uses the libraries it uses: each step of building an event, per candidate.

    .venv/bin/python bench/events_encoding_choice.py

``publish()`` validates the payload, makes an id, a time and a traceparent, and encodes the
payload as JSON for every event. This times each step with each candidate library on the
``user.created`` example, in CPU time, best of 7 repeats (timeit), so the choice recorded in
ADR 0010 can be re-checked after an upgrade. Candidates that are not installed are skipped
(only the chosen ones are in ``requirements/base.txt``). msgspec validates typed ``Struct``s,
not JSON Schema: its figure uses a hand-written ``Struct`` for this one type, for scale only,
since adopting it would mean a second definition of every schema besides the published one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import timeit
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def candidates(example: dict, schema: dict) -> dict[str, dict[str, Callable[[], object]]]:
    steps: dict[str, dict[str, Callable[[], object]]] = {"validate": {}, "json": {}, "id": {}}
    from jsonschema import Draft202012Validator

    referee = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    steps["validate"]["jsonschema"] = lambda: referee.is_valid(example)
    if _has("fastjsonschema"):
        import fastjsonschema

        check = fastjsonschema.compile(schema)
        steps["validate"]["fastjsonschema"] = lambda: check(example)
    if _has("jsonschema_rs"):
        import jsonschema_rs

        rs = jsonschema_rs.validator_for(schema, validate_formats=True)
        steps["validate"]["jsonschema-rs"] = lambda: rs.is_valid(example)
    if _has("msgspec"):
        steps["validate"]["msgspec (hand-written Struct)"] = _msgspec_check(example)

    compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
    steps["json"]["json (one compact JSONEncoder)"] = lambda: compact.encode(example).encode()
    if _has("orjson"):
        import orjson

        steps["json"]["orjson.dumps"] = lambda: orjson.dumps(example)
    if _has("msgspec"):
        import msgspec

        encoder = msgspec.json.Encoder()
        steps["json"]["msgspec.json.Encoder"] = lambda: encoder.encode(example)

    steps["id"]["str(uuid.uuid4())"] = lambda: str(uuid.uuid4())
    if _has("uuid_utils"):
        import uuid_utils

        steps["id"]["str(uuid_utils.uuid4())"] = lambda: str(uuid_utils.uuid4())
    steps["time"] = {
        "datetime.now(UTC).isoformat(ms)": lambda: datetime.now(UTC).isoformat(
            timespec="milliseconds"
        ),
    }
    steps["traceparent"] = {"os.urandom(24).hex()": lambda: os.urandom(24).hex()}
    return steps


def _msgspec_check(example: dict) -> Callable[[], object]:
    from typing import Annotated, Literal

    import msgspec

    ident = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    text = Annotated[str, msgspec.Meta(max_length=2000)] | None
    plan = Literal["free", "basic", "professional", "premium", "enterprise"] | None
    user_type = Literal["SME_OWNER", "SME_USER", "INSTITUTION_ADMIN", "INSTITUTION_USER",
                        "INTERNAL_ADMIN", "INTERNAL_STAFF"]  # fmt: skip
    organization = msgspec.defstruct("Organization", [
        ("id", ident), ("name", text), ("initialPlan", plan, None), ("country", text, None),
        ("industry", text, None),
    ])  # fmt: skip
    user_created = msgspec.defstruct("UserCreated", [
        ("userId", ident), ("email", Annotated[str, msgspec.Meta(pattern="@")]),
        ("userType", user_type), ("organization", organization | None, None),
        ("firstName", text, None), ("lastName", text, None), ("phoneNumber", text, None),
        ("timestamp", Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}T")] | None, None),
    ])  # fmt: skip
    return lambda: msgspec.convert(example, user_created)


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    from wanzo_common.events.types import get_type

    event_type = get_type("user.created")
    steps = candidates(event_type.example, event_type.schema)
    print(f"  Python {sys.version.split()[0]}; user.created example; best of 7, µs per call")
    for step, variants in steps.items():
        print(f"\n  {step}")
        for name, run in variants.items():
            number = 20_000
            best = min(timeit.repeat(run, number=number, repeat=7, timer=_cpu)) / number
            print(f"    {name:<44}{best * 1e6:>8.2f} µs")


def _cpu() -> float:
    import time

    return time.process_time()


if __name__ == "__main__":
    main()
