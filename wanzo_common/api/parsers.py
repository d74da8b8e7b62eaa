"""The JSON parser every service uses: DRF's, with a bound on how deeply a body may nest.

DRF's ``JSONParser`` turns malformed JSON into a 400 but lets ``RecursionError`` through, so a
body of a few thousand ``[`` answered 500, before authentication on the login endpoint too.
And a body just shallow enough to parse can still be too deep for what reads it later
(serializers, JSON Schema validation, the renderer). This parser answers 400 for both, and
walks the parsed value without recursion, so checking a deep value cannot overflow either.
The body size is bounded before parsing by Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (DRF reads
JSON bodies through ``request.body``), answered 413 by :mod:`wanzo_common.api.errors`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

__all__ = ["MAX_DEPTH", "JSONParser", "json_depth_exceeds"]

# Objects and arrays inside each other. Our deepest legitimate body (a sync batch: list →
# operation → payload → a JSON field) is far below this.
MAX_DEPTH = 32


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects/arrays more than ``limit`` deep (iterative walk)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """``application/json`` bodies nested at most :attr:`max_depth` deep, else 400."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self._too_deep()) from None
        if json_depth_exceeds(data, self.max_depth):
            raise ParseError(self._too_deep())
        return data

    def _too_deep(self) -> str:
        return f"JSON parse error - nested more than {self.max_depth} levels deep."
