"""A fast path for validating payloads against our schemas, with jsonschema as the referee.

Publishing validates every event, and jsonschema's general machinery costs more than handing
the event to librdkafka. Our catalogue uses a small subset of JSON Schema, so each schema is
compiled once into one plain Python function (source generated here, as fastjsonschema does).
The contract is one-sided: the compiled check returns ``True`` only for data jsonschema would
accept; on ``False`` the caller runs jsonschema, which gives the verdict and the error message.
A schema with any keyword outside the subset is not compiled (``compile_schema`` returns
``None``) and always goes through jsonschema.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

IGNORED = frozenset({"$schema", "$id", "title", "description", "$comment", "examples"})
TYPES = {
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
}
NUMBER = TYPES["number"]


class Unsupported(Exception):
    pass


class _Compiler:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {"MISSING": object()}
        self.counter = itertools.count()
        # Variables whose single JSON type was checked already: later keywords skip the
        # isinstance() guard that makes them ignore values of other types.
        self.known: dict[str, str] = {}

    def constant(self, value: Any) -> str:
        name = f"C{next(self.counter)}"
        self.constants[name] = value
        return name

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def schema(self, schema: Any, v: str, indent: int) -> None:
        if not isinstance(schema, dict):
            raise Unsupported("schema")
        # "type" first: a failed type check returns at once, and the other keywords need no
        # guard (a keyword's verdict does not depend on the order keywords are checked in).
        for keyword, value in sorted(schema.items(), key=lambda item: item[0] != "type"):
            if keyword in IGNORED:
                continue
            method = getattr(self, f"kw_{keyword}", None)
            if method is None:
                raise Unsupported(keyword)
            method(value, v, indent)

    def fail_if(self, indent: int, condition: str) -> None:
        self.emit(indent, f"if {condition}: return False")

    def guard(self, v: str, *json_types: str) -> str:
        """``"<v is of json_types[0]> and "``, or nothing if ``v``'s type was checked already."""
        if self.known.get(v) in json_types:
            return ""
        return TYPES[json_types[0]].format(v=v) + " and "

    def kw_type(self, value: Any, v: str, indent: int) -> None:
        names = [value] if isinstance(value, str) else list(value)
        if not names or any(name not in TYPES for name in names):
            raise Unsupported("type")
        self.fail_if(indent, "not (" + " or ".join(TYPES[n].format(v=v) for n in names) + ")")
        if len(names) == 1:
            self.known[v] = names[0]

    def kw_enum(self, value: Any, v: str, indent: int) -> None:
        if not all(isinstance(item, str) for item in value):
            raise Unsupported("enum")
        allowed = self.constant(frozenset(value))
        self.fail_if(indent, f"not (type({v}) is str and {v} in {allowed})")

    def kw_pattern(self, value: str, v: str, indent: int) -> None:
        regex = self.constant(re.compile(value))
        self.fail_if(indent, f"{self.guard(v, 'string')}{regex}.search({v}) is None")

    def kw_minLength(self, value: int, v: str, indent: int) -> None:  # noqa: N802
        self.fail_if(indent, f"{self.guard(v, 'string')}len({v}) < {_int(value)}")

    def kw_maxLength(self, value: int, v: str, indent: int) -> None:  # noqa: N802
        self.fail_if(indent, f"{self.guard(v, 'string')}len({v}) > {_int(value)}")

    def kw_minItems(self, value: int, v: str, indent: int) -> None:  # noqa: N802
        self.fail_if(indent, f"{self.guard(v, 'array')}len({v}) < {_int(value)}")

    def kw_minimum(self, value: Any, v: str, indent: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Unsupported("minimum")
        self.fail_if(indent, f"{self.guard(v, 'number', 'integer')}{v} < {value!r}")

    def kw_format(self, value: str, v: str, indent: int) -> None:
        if value != "email":
            raise Unsupported("format")
        # jsonschema's own email check is exactly this.
        self.fail_if(indent, f'{self.guard(v, "string")}"@" not in {v}')

    def kw_required(self, value: Any, v: str, indent: int) -> None:
        if value:
            missing = " or ".join(f"{name!r} not in {v}" for name in value)
            self.fail_if(indent, f"{self.guard(v, 'object')}({missing})")

    def when(self, v: str, json_type: str, indent: int) -> int:
        """Open ``if <v is json_type>:`` unless already known; the indent of the body."""
        if self.known.get(v) == json_type:
            return indent
        self.emit(indent, f"if {TYPES[json_type].format(v=v)}:")
        self.emit(indent + 1, "pass")
        return indent + 1

    def kw_items(self, value: Any, v: str, indent: int) -> None:
        item = f"x{next(self.counter)}"
        indent = self.when(v, "array", indent)
        self.emit(indent, f"for {item} in {v}:")
        self.emit(indent + 1, "pass")
        self.schema(value, item, indent + 1)

    def kw_properties(self, value: Any, v: str, indent: int) -> None:
        indent = self.when(v, "object", indent)
        for name, sub in value.items():
            field = f"x{next(self.counter)}"
            self.emit(indent, f"{field} = {v}.get({name!r}, MISSING)")
            self.emit(indent, f"if {field} is not MISSING:")
            self.emit(indent + 1, "pass")
            self.schema(sub, field, indent + 1)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unsupported("bound")
    return value


def compile_schema(schema: dict[str, Any]) -> Check | None:
    """A check as strict as (or stricter than) ``schema``; ``None`` if it uses other keywords."""
    compiler = _Compiler()
    try:
        compiler.schema(schema, "data", 1)
    except Unsupported:
        return None
    source = "\n".join(["def check(data):", *compiler.lines, "    return True"])
    namespace = dict(compiler.constants)
    exec(compile(source, "<wanzo event schema>", "exec"), namespace)  # noqa: S102 (our code)
    return namespace["check"]
