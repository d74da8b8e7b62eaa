"""Money: a decimal amount with an ISO 4217 currency, never a float.

Amounts are stored as ``DecimalField(max_digits=20, decimal_places=4)`` and travel as decimal
strings (events use the same ``amount`` / ``currency`` pair). Currencies are checked against
ISO 4217 (pycountry's table), so a typo is a 400 with its field, not a new currency.
"""

from __future__ import annotations

from decimal import Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework import serializers

MAX_DIGITS = 20
DECIMAL_PLACES = 4


def validate_currency(code: str) -> None:
    if not (isinstance(code, str) and len(code) == 3 and code.isupper()):
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code (three capitals).")
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(f"{code!r} is not an ISO 4217 currency.")


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("validators", [validate_currency])
        super().__init__(*args, **kwargs)


class AmountField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


class CurrencySerializerField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("max_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        code = super().to_internal_value(data)
        try:
            validate_currency(code)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return code


def amount_serializer_field(**kwargs) -> serializers.DecimalField:
    """A positive amount by default (``min_value`` can be overridden)."""
    kwargs.setdefault("min_value", Decimal("0.0001"))
    return serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


def format_amount(amount: Decimal) -> str:
    """The decimal string events carry (``"1500.0000"``: no exponent, no float)."""
    return format(amount, "f")
