"""Money: ISO 4217 currencies only, decimal strings in events."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers

from wanzo_common.money import (
    CurrencySerializerField,
    amount_problem,
    format_amount,
    minor_unit,
    validate_amounts,
    validate_currency,
)


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


@pytest.mark.parametrize("code", ["XTS", "XXX", "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA"])
def test_codes_that_are_not_money_are_refused(code):
    with pytest.raises(ValidationError, match="not money"):
        validate_currency(code)


@pytest.mark.parametrize(
    ("currency", "places"), [("XOF", 0), ("JPY", 0), ("USD", 2), ("CDF", 2), ("KWD", 3), ("CLF", 4)]
)
def test_each_currency_has_its_minor_unit(currency, places):
    assert minor_unit(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "problem"),
    [
        ("1500", "XOF", None),
        ("1500.0000", "XOF", None),
        ("1500.5", "XOF", "no minor unit"),
        ("12.34", "USD", None),
        ("12.345", "USD", "2 decimal places at most"),
        ("1.234", "KWD", None),
        ("1.2345", "KWD", "3 decimal places at most"),
        ("1E+30", "USD", "below"),
        ("NaN", "USD", "finite"),
    ],
)
def test_amount_problem_names_what_is_wrong(amount, currency, problem):
    found = amount_problem(Decimal(amount), currency)
    assert (found is None) if problem is None else (problem in found)


def test_validate_amounts_answers_field_errors():
    with pytest.raises(serializers.ValidationError) as caught:
        validate_amounts({"amount": Decimal("1.5"), "currency": "JPY"})
    assert list(caught.value.detail) == ["amount"]
    attrs = {"price": Decimal("1.50"), "currency": "USD"}
    assert validate_amounts(attrs, amounts=("price",)) is attrs
