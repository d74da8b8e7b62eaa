"""The ModelSerializer that builds its fields once per class: same answers, fresh fields."""

from __future__ import annotations

from rest_framework import serializers

from tests.testapp.models import Effect
from wanzo_common.api.serializers import ModelSerializer


class Plain(serializers.ModelSerializer):
    class Meta:
        model = Effect
        fields = ["group", "event_id", "type", "note"]


class Cached(ModelSerializer):
    class Meta:
        model = Effect
        fields = ["group", "event_id", "type", "note"]


class Narrower(Cached):
    class Meta:
        model = Effect
        fields = ["group"]


def test_it_answers_and_validates_as_drf_does():
    effect = Effect(group="g", event_id="e", type="t", note="n")
    assert Cached(effect).data == Plain(effect).data
    bad = {"group": "x" * 300, "event_id": "e", "type": "t"}
    cached, plain = Cached(data=bad), Plain(data=bad)
    assert cached.is_valid() is plain.is_valid() is False
    assert cached.errors == plain.errors


def test_every_instance_gets_its_own_bound_fields():
    first, second = Cached(), Cached()
    assert first.fields["group"] is not second.fields["group"]
    assert first.fields["group"].parent is first
    assert second.fields["group"].parent is second


def test_a_subclass_builds_its_own_fields():
    Cached().fields  # noqa: B018  (builds the parent's)
    assert list(Narrower().fields) == ["group"]
    assert list(Cached().fields) == ["group", "event_id", "type", "note"]
