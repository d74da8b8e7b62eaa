"""A ``ModelSerializer`` that builds its fields from the model once per class, not per instance.

DRF's ``ModelSerializer`` introspects the model (field classes, validators, choices) every
time a serializer is instantiated: about half the cost of serialising one object in a write
request's answer (measured: 325 µs for a sale, 165 µs with the fields built once). The fields
it builds depend only on the class's ``Meta`` and declared fields, so they are built once and
each instance gets a deep copy, exactly as DRF gives every instance a copy of its declared
fields. Subclasses whose ``get_fields`` depends on the instance (its context, its data) must
not use it.
"""

from __future__ import annotations

import copy

from rest_framework import serializers

__all__ = ["ModelSerializer"]


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_wanzo_built_fields")
        if built is None:
            built = super().get_fields()
            cls._wanzo_built_fields = built  # per class: a subclass builds its own
        return copy.deepcopy(built)
