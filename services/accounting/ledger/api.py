"""The ledger's HTTP API: thin views over :mod:`ledger.services` and :mod:`ledger.selectors`.

Everything is scoped to the caller's organisation (the token's ``org``): another
organisation's account or entry is simply not found (404). Entries are never updated or
deleted, so there are no such endpoints; ``reverse`` posts the mirror entry instead.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger import selectors, serializers
from ledger.errors import ErrorSerializer
from ledger.periods import period_lock_get, period_lock_set
from ledger.services import (
    LineInput,
    account_create,
    chart_ensure_default,
    entry_post,
    entry_reverse,
)
from wanzo_common.api.permissions import IsOrganizationMember, IsOrganizationOwner

REFUSALS = {401: ErrorSerializer, 403: ErrorSerializer}
NOT_FOUND = {404: ErrorSerializer}
INVALID = {400: OpenApiTypes.OBJECT}  # field errors, or {"detail", "code"} for a broken rule


def query(serializer_class, request: Request) -> dict:
    """The request's query parameters, validated (a 400 names the bad parameter)."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


class OrganizationView:
    permission_classes = [IsAuthenticated, IsOrganizationMember]

    @property
    def organization_id(self) -> str:
        return self.request.user.organization_id


@extend_schema(tags=["accounts"])
class AccountListCreate(OrganizationView, generics.ListCreateAPIView):
    serializer_class = serializers.AccountSerializer

    def get_permissions(self):
        if self.request.method == "POST":  # the chart of accounts is the owner's to change
            return [*super().get_permissions(), IsOrganizationOwner()]
        return super().get_permissions()

    def get_queryset(self):
        filters = query(serializers.AccountFilterSerializer, self.request)
        return selectors.account_list(organization_id=self.organization_id, **filters)

    @extend_schema(
        parameters=[serializers.AccountFilterSerializer],
        responses={200: serializers.AccountSerializer(many=True), **INVALID, **REFUSALS},
        description="The organisation's chart of accounts (the default chart on first use).",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        chart_ensure_default(organization_id=self.organization_id)
        return self.list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.AccountCreateSerializer,
        responses={201: serializers.AccountSerializer, **INVALID, **REFUSALS},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = serializers.AccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = account_create(organization_id=self.organization_id, **data.validated_data)
        return Response(serializers.AccountSerializer(account).data, status.HTTP_201_CREATED)


@extend_schema(
    tags=["accounts"], responses={200: serializers.AccountSerializer, **REFUSALS, **NOT_FOUND}
)
class AccountDetail(OrganizationView, generics.RetrieveAPIView):
    serializer_class = serializers.AccountSerializer

    def get_queryset(self):
        return selectors.account_list(organization_id=self.organization_id)


@extend_schema(
    tags=["accounts"],
    parameters=[serializers.BalanceQuerySerializer],
    responses={200: serializers.AccountBalanceSerializer, **INVALID, **REFUSALS, **NOT_FOUND},
    description="The account's debit and credit totals and balance, per currency.",
)
class AccountBalance(OrganizationView, APIView):
    def get(self, request: Request, pk) -> Response:
        found = selectors.account_balances(
            organization_id=self.organization_id, account_id=pk,
            **query(serializers.BalanceQuerySerializer, request),
        )  # fmt: skip
        if found is None:
            raise Http404
        account, balances = found
        body = {"account": account, "balances": balances}
        return Response(serializers.AccountBalanceSerializer(body).data)


@extend_schema(tags=["journal entries"])
class EntryListCreate(OrganizationView, generics.ListCreateAPIView):
    serializer_class = serializers.JournalEntrySerializer

    def get_queryset(self):
        filters = query(serializers.EntryFilterSerializer, self.request)
        return selectors.entry_list(organization_id=self.organization_id, **filters)

    @extend_schema(
        parameters=[serializers.EntryFilterSerializer],
        responses={200: serializers.JournalEntrySerializer(many=True), **INVALID, **REFUSALS},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.EntryCreateSerializer,
        responses={
            201: serializers.JournalEntrySerializer,
            200: serializers.JournalEntrySerializer,
            409: ErrorSerializer,
            422: ErrorSerializer,
            **INVALID,
            **REFUSALS,
        },
        description="Post a balanced entry (201). Posting a `reference` already used returns "
        "the entry first posted with it (200) if it is the same entry, else 422 "
        "(`idempotency_key_reused`). An unbalanced entry is a 400 with code `unbalanced` and the "
        "`difference`; an entry dated in a closed period is a 409 (`period_closed`); a clerk "
        "posting to the sales or subscription journal is a 403 (`journal_reserved`).",
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = serializers.EntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        entry, created = entry_post(
            organization_id=self.organization_id,
            journal_type=fields["journal_type"],
            currency=fields["currency"],
            lines=[_line(line) for line in fields["lines"]],
            date=fields.get("date"),
            description=fields.get("description", ""),
            source_reference=fields.get("reference"),
            created_by=str(request.user.id),
            role=request.user.role,
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        if not created:  # the entry first posted with this reference, as stored
            entry = selectors.entry_list(organization_id=self.organization_id).get(pk=entry.pk)
        return Response(self.get_serializer(entry).data, code)


@extend_schema(
    tags=["journal entries"],
    responses={200: serializers.JournalEntrySerializer, **REFUSALS, **NOT_FOUND},
)
class EntryDetail(OrganizationView, generics.RetrieveAPIView):
    serializer_class = serializers.JournalEntrySerializer

    def get_queryset(self):
        return selectors.entry_list(organization_id=self.organization_id)


@extend_schema(
    tags=["journal entries"],
    request=serializers.ReverseSerializer,
    responses={
        201: serializers.JournalEntrySerializer,
        409: ErrorSerializer,
        **INVALID,
        **REFUSALS,
        **NOT_FOUND,
    },
    description="Post the reversal of an entry (its lines with debits and credits swapped). "
    "An entry is reversed once only: the second time is a 409 (`already_reversed`); a "
    "reversal dated in a closed period is a 409 (`period_closed`); a clerk may not reverse an "
    "entry booked from an event (403, `reversal_reserved`).",
)
class EntryReverse(OrganizationView, APIView):
    def post(self, request: Request, pk) -> Response:
        entries = selectors.entry_list(organization_id=self.organization_id)
        entry = get_object_or_404(entries, pk=pk)
        data = serializers.ReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = entry_reverse(
            entry=entry, created_by=str(request.user.id), role=request.user.role,
            **data.validated_data,
        )  # fmt: skip
        body = serializers.JournalEntrySerializer(entries.get(pk=reversal.pk)).data
        return Response(body, status.HTTP_201_CREATED)


@extend_schema(tags=["periods"])
class PeriodLockView(OrganizationView, APIView):
    """The organisation's closed books: no entry is dated on or before ``locked_through``."""

    def get_permissions(self):
        if self.request.method == "PUT":  # closing the books is the owner's act
            return [*super().get_permissions(), IsOrganizationOwner()]
        return super().get_permissions()

    @extend_schema(responses={200: serializers.PeriodLockSerializer, **REFUSALS})
    def get(self, request: Request) -> Response:
        locked_through = period_lock_get(organization_id=self.organization_id)
        return Response(serializers.PeriodLockSerializer({"locked_through": locked_through}).data)

    @extend_schema(
        request=serializers.PeriodCloseSerializer,
        responses={200: serializers.PeriodLockSerializer, 409: ErrorSerializer, **INVALID,
                   **REFUSALS},
        description="Close the books through a day (today or earlier). The lock only moves "
        "forward: an earlier day is a 409 (`period_reopen_refused`).",
    )  # fmt: skip
    def put(self, request: Request) -> Response:
        data = serializers.PeriodCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lock = period_lock_set(
            organization_id=self.organization_id,
            locked_through=data.validated_data["locked_through"],
            locked_by=str(request.user.id),
        )
        return Response(serializers.PeriodLockSerializer(lock).data)


@extend_schema(
    tags=["reports"],
    parameters=[serializers.TrialBalanceQuerySerializer],
    responses={200: serializers.TrialBalanceSerializer, **INVALID, **REFUSALS},
    description="Every account's debit and credit totals, per currency; the totals are equal.",
)
class TrialBalance(OrganizationView, APIView):
    def get(self, request: Request) -> Response:
        params = query(serializers.TrialBalanceQuerySerializer, request)
        sections = selectors.trial_balance(organization_id=self.organization_id, **params)
        body = {"as_of": params.get("as_of"), "currencies": sections}
        return Response(serializers.TrialBalanceSerializer(body).data)


def _line(fields: dict) -> LineInput:
    return LineInput(
        account_id=fields["account"],
        debit=fields["debit"],
        credit=fields["credit"],
        currency=fields.get("currency"),
        description=fields.get("description", ""),
    )
