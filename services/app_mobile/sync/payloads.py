"""What each record type's payload must hold: one serializer per synced data type.

A payload is validated in full on create and, merged over the stored payload, on update, so a
record is always valid as a whole. The validated data is stored in its JSON form (decimal
strings, ISO dates): money stays a decimal string, never a float.
"""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from wanzo_common.money import (
    CurrencySerializerField,
    amount_serializer_field,
    validate_amounts,
)


class CustomerPayload(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ProductPayload(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    price = amount_serializer_field(min_value=Decimal("0"))
    currency = CurrencySerializerField()
    stock = serializers.IntegerField(min_value=0, max_value=10**9, required=False)

    def validate(self, attrs):
        return validate_amounts(attrs, amounts=("price",))


class ExpensePayload(serializers.Serializer):
    amount = amount_serializer_field()
    currency = CurrencySerializerField()
    category = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    date = serializers.DateField()

    def validate(self, attrs):
        return validate_amounts(attrs)


PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "customer": CustomerPayload,
    "product": ProductPayload,
    "expense": ExpensePayload,
}
