"""The ledger API's shapes: what a request may carry (field-level 400s) and what it returns.

Input serializers only check shapes; every double-entry rule is in :mod:`ledger.services`.
Amounts travel as decimal strings ("1500.0000"), never floats.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ledger.models import Account, AccountType, JournalEntry, JournalLine, JournalType
from wanzo_common.api.serializers import ModelSerializer
from wanzo_common.money import CurrencySerializerField, amount_serializer_field, format_amount

ACCOUNT_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"
MAX_LINES = 100
# Journal types a client may post; reversals come from the reverse endpoint only.
POSTABLE_TYPES = [JournalType.GENERAL, JournalType.SALES, JournalType.SUBSCRIPTION]


def total_field(**kwargs) -> serializers.DecimalField:
    """A sum of amounts: no digit limit (a total may outgrow one line's 20 digits)."""
    return serializers.DecimalField(max_digits=None, decimal_places=4, **kwargs)


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "code", "name", "type", "currency", "created_at"]
        read_only_fields = fields


class AccountCreateSerializer(serializers.Serializer):
    code = serializers.RegexField(ACCOUNT_CODE, max_length=20)
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=AccountType.choices)
    currency = CurrencySerializerField(
        required=False, allow_null=True, help_text="Only entries in this currency; any if omitted."
    )


class AccountFilterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AccountType.choices, required=False)


class LineInputSerializer(serializers.Serializer):
    account = serializers.UUIDField(help_text="An account of the caller's organisation.")
    debit = amount_serializer_field(min_value=Decimal(0), default=Decimal(0))
    credit = amount_serializer_field(min_value=Decimal(0), default=Decimal(0))
    currency = CurrencySerializerField(required=False, help_text="If given, the entry's currency.")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


class EntryCreateSerializer(serializers.Serializer):
    journal_type = serializers.ChoiceField(choices=POSTABLE_TYPES, default=JournalType.GENERAL)
    currency = CurrencySerializerField()
    date = serializers.DateField(required=False, help_text="Today (UTC) if omitted.")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    reference = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Idempotency key: posting the same reference again returns the first entry.",
    )
    lines = LineInputSerializer(many=True, max_length=MAX_LINES)


class EntryFilterSerializer(serializers.Serializer):
    journal_type = serializers.ChoiceField(choices=JournalType.choices, required=False)
    date = serializers.DateField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class ReverseSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Today (UTC) if omitted.")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


class LineSerializer(ModelSerializer):
    account = serializers.UUIDField(source="account_id")
    account_code = serializers.CharField(source="account.code")
    account_name = serializers.CharField(source="account.name")

    class Meta:
        model = JournalLine
        fields = ["account", "account_code", "account_name", "debit", "credit", "description"]
        read_only_fields = fields


class JournalEntrySerializer(ModelSerializer):
    reference = serializers.CharField(source="source_reference", allow_null=True)
    reversed_by = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()

    class Meta:
        model = JournalEntry
        fields = [
            "id", "journal_type", "status", "currency", "date", "description", "source",
            "reference", "reversal_of", "reversed_by", "total", "lines", "created_by",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_reversed_by(self, entry: JournalEntry) -> str | None:
        if hasattr(entry, "posted_lines"):  # just posted (entry_post): nothing reverses it yet
            return None
        reversal = getattr(entry, "reversed_by", None)
        return str(reversal.id) if reversal is not None else None

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_total(self, entry: JournalEntry) -> str:
        """The sum of the debits (equal to the sum of the credits)."""
        return format_amount(sum((line.debit for line in _lines(entry)), Decimal(0)))

    @extend_schema_field(LineSerializer(many=True))
    def get_lines(self, entry: JournalEntry) -> list:
        return LineSerializer(_lines(entry), many=True).data


def _lines(entry: JournalEntry):
    """The lines entry_post just wrote, or the stored ones (prefetched by the selectors)."""
    posted = getattr(entry, "posted_lines", None)
    return posted if posted is not None else entry.lines.all()


class BalanceQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="Entries dated up to this day.")


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    debit = total_field()
    credit = total_field()
    balance = total_field(help_text="In the account type's direction (assets: debit - credit).")


class AccountBalanceSerializer(serializers.Serializer):
    account = AccountSerializer()
    balances = BalanceSerializer(many=True)


class TrialBalanceQuerySerializer(BalanceQuerySerializer):
    currency = CurrencySerializerField(required=False)


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.UUIDField(source="account.id")
    code = serializers.CharField(source="account.code")
    name = serializers.CharField(source="account.name")
    type = serializers.ChoiceField(source="account.type", choices=AccountType.choices)
    debit = total_field()
    credit = total_field()
    balance = total_field()


class TrialBalanceSectionSerializer(serializers.Serializer):
    currency = serializers.CharField()
    accounts = TrialBalanceRowSerializer(source="rows", many=True)
    total_debit = total_field()
    total_credit = total_field()
    balanced = serializers.BooleanField()


class TrialBalanceSerializer(serializers.Serializer):
    as_of = serializers.DateField(allow_null=True)
    currencies = TrialBalanceSectionSerializer(many=True)


class PeriodCloseSerializer(serializers.Serializer):
    locked_through = serializers.DateField(
        help_text="The last day to close: no entry may be dated on or before it."
    )


class PeriodLockSerializer(serializers.Serializer):
    locked_through = serializers.DateField(
        allow_null=True, help_text="The last closed day; null while no period is closed."
    )
