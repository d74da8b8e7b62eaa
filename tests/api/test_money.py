"""Money: ISO 4217 currencies only, decimal strings in events."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from wanzo_common.money import CurrencySerializerField, format_amount, validate_currency


@pytest.mark.parametrize("code", ["USD", "CDF", "EUR", "XAF"])
def test_iso_currencies_pass(code):
    validate_currency(code)


@pytest.mark.parametrize("code", ["usd", "US", "ABC", "", "DOLLARS"])
def test_anything_else_is_refused(code):
    with pytest.raises(ValidationError):
        validate_currency(code)


def test_the_serializer_field_answers_with_a_field_error():
    with pytest.raises(serializers.ValidationError) as caught:
        CurrencySerializerField().run_validation("ZZZ")
    assert "ISO 4217" in str(caught.value.detail)


def test_amounts_travel_as_plain_decimal_strings():
    assert format_amount(Decimal("1500.0000")) == "1500.0000"
    assert format_amount(Decimal("1E+3")) == "1000"
