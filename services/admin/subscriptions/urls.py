from django.urls import path

from . import views

urlpatterns = [
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path("subscriptions/", views.SubscriptionListView.as_view(), name="subscription-list"),
    path(
        "subscriptions/current/",
        views.CurrentSubscriptionView.as_view(),
        name="subscription-current",
    ),
    path(
        "subscriptions/<uuid:subscription_id>/",
        views.SubscriptionDetailView.as_view(),
        name="subscription-detail",
    ),
    *[
        path(
            f"subscriptions/<uuid:subscription_id>/{action}/",
            view.as_view(),
            name=f"subscription-{action}",
        )
        for action, view in {
            "change-plan": views.SubscriptionChangePlanView,
            "activate": views.SubscriptionActivateView,
            "mark-past-due": views.SubscriptionPastDueView,
            "cancel": views.SubscriptionCancelView,
            "expire": views.SubscriptionExpireView,
        }.items()
    ],
]
