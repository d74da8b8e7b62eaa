"""Validating a batch's items and payloads with one serializer per kind, not one per item.

DRF deep-copies a serializer's declared fields for every instance it builds: a sync batch that
built a serializer per item (and one per payload) spent more time copying fields than checking
data. A batch holds one instance per serializer class and calls its public ``run_validation``
per input, as DRF's own ``ListSerializer`` does with its child: the same checks, the same
field errors (``ValidationError.detail`` is what ``is_valid`` keeps as ``errors``). An
instance is never shared between batches (requests may run in threads).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError


class Validators:
    """A batch's serializers, one instance per class, made on first use."""

    def __init__(self) -> None:
        self._made: dict[type[serializers.Serializer], serializers.Serializer] = {}

    def validate(
        self, serializer_class: type[serializers.Serializer], data: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(validated data, {})``, or ``({}, field errors)`` as ``is_valid`` would give."""
        serializer = self._get(serializer_class)
        try:
            return serializer.run_validation(data), {}
        except ValidationError as exc:
            return {}, exc.detail

    def representation(
        self, serializer_class: type[serializers.Serializer], validated: dict[str, Any]
    ) -> dict[str, Any]:
        """The validated data in its JSON form (what ``serializer.data`` gives after is_valid)."""
        return dict(self._get(serializer_class).to_representation(validated))

    def _get(self, serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
        serializer = self._made.get(serializer_class)
        if serializer is None:
            serializer = self._made[serializer_class] = serializer_class()
        return serializer
