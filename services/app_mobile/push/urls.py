from django.urls import path

from push import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/<uuid:pk>/", api.NotificationDetailView.as_view(), name="notification-detail"
    ),
    path(
        "notifications/<uuid:pk>/read/",
        api.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("devices/<uuid:pk>/test/", api.DeviceTestView.as_view(), name="device-test"),
]
