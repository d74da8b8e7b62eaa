"""Money: a decimal amount with an ISO 4217 currency, never a float.

Amounts are stored as ``DecimalField(max_digits=20, decimal_places=4)`` and travel as decimal
strings (events use the same ``amount`` / ``currency`` pair). Currencies are checked against
ISO 4217 (pycountry's table), so a typo is a 400 with its field, not a new currency; the codes
ISO 4217 gives no minor unit (test currency, "no currency", precious metals, SDR-like units) are
refused too: nobody sells rice in XTS. An amount has at most its currency's minor unit of
decimals (CLDR's figure through Babel: none for XOF and JPY, two for USD, three for KWD) and
stays below :func:`amount_limit`, the largest amount every database we run stores exactly.
"""

from __future__ import annotations

from decimal import Decimal

import pycountry
from babel.numbers import get_currency_precision
from django.core.exceptions import ValidationError
from django.db import connection, models
from rest_framework import serializers

MAX_DIGITS = 20
DECIMAL_PLACES = 4
AMOUNT_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)  # what an AmountField can hold
# SQLite keeps decimals as 64-bit floats, exact to 15 significant digits: 11 before the point.
SQLITE_AMOUNT_LIMIT = Decimal(10) ** (15 - DECIMAL_PLACES)

# ISO 4217 codes whose minor unit is "N.A.": units of account, metals, testing, no currency.
NOT_MONEY = frozenset(
    {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
)


def validate_currency(code: str) -> None:
    if not (isinstance(code, str) and len(code) == 3 and code.isupper()):
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code (three capitals).")
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(f"{code!r} is not an ISO 4217 currency.")
    if code in NOT_MONEY:
        raise ValidationError(f"{code!r} is not money (a test code, a metal or a unit of account).")


def minor_unit(currency: str) -> int:
    """How many decimals an amount in ``currency`` may have (0 for XOF, 2 for USD)."""
    return min(get_currency_precision(currency), DECIMAL_PLACES)


def amount_limit() -> Decimal:
    """The largest amount (exclusive) the database in use stores exactly."""
    return SQLITE_AMOUNT_LIMIT if connection.vendor == "sqlite" else AMOUNT_LIMIT


def amount_problem(amount: Decimal, currency: str) -> str | None:
    """Why ``amount`` is no valid amount of ``currency`` (too precise, too large), or None."""
    if not amount.is_finite():
        return "An amount must be a finite number."
    if abs(amount) >= (limit := amount_limit()):
        return f"An amount must be below {limit:f}."
    places = minor_unit(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):  # "1500.00" XOF is fine
        unit = "no minor unit" if places == 0 else f"{places} decimal places at most"
        return f"An amount in {currency} has {unit}."
    return None


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


def validate_amounts(attrs: dict, *, currency: str = "currency", amounts=("amount",)) -> dict:
    """A serializer's ``validate``: each of ``amounts`` fits ``attrs[currency]`` (field errors)."""
    errors = {}
    for name in amounts:
        if attrs.get(name) is not None and attrs.get(currency):
            problem = amount_problem(attrs[name], attrs[currency])
            if problem:
                errors[name] = [problem]
    if errors:
        raise serializers.ValidationError(errors)
    return attrs


def format_amount(amount: Decimal) -> str:
    """The decimal string events carry (``"1500.0000"``: no exponent, no float)."""
    return format(amount, "f")
