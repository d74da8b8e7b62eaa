import admin_service.converters  # noqa: F401  (registers <extid:>)
from django.urls import path

from . import views

urlpatterns = [
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/<extid:user_id>/", views.UserDetailView.as_view(), name="user-detail"),
    path(
        "users/<extid:user_id>/deactivate/",
        views.UserDeactivateView.as_view(),
        name="user-deactivate",
    ),
    path(
        "users/<extid:user_id>/reactivate/",
        views.UserReactivateView.as_view(),
        name="user-reactivate",
    ),
    path("users/<extid:user_id>/role/", views.UserRoleView.as_view(), name="user-role"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path(
        "organizations/<extid:organization_id>/",
        views.OrganizationDetailView.as_view(),
        name="organization-detail",
    ),
]
