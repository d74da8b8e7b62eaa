"""Routes of the ledger API, under ``/api/``."""

from django.urls import path

from ledger import api

urlpatterns = [
    path("accounts/", api.AccountListCreate.as_view(), name="accounts"),
    path("accounts/<uuid:pk>/", api.AccountDetail.as_view(), name="account-detail"),
    path("accounts/<uuid:pk>/balance/", api.AccountBalance.as_view(), name="account-balance"),
    path("journal-entries/", api.EntryListCreate.as_view(), name="journal-entries"),
    path("journal-entries/<uuid:pk>/", api.EntryDetail.as_view(), name="journal-entry-detail"),
    path(
        "journal-entries/<uuid:pk>/reverse/",
        api.EntryReverse.as_view(),
        name="journal-entry-reverse",
    ),
    path("trial-balance/", api.TrialBalance.as_view(), name="trial-balance"),
    path("period-lock/", api.PeriodLockView.as_view(), name="period-lock"),
]
