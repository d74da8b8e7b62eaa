from django.urls import path

from devices import api

urlpatterns = [
    path("devices/", api.DeviceListCreateView.as_view(), name="devices"),
    path("devices/push-config/", api.PushConfigView.as_view(), name="push-config"),
    path("devices/<uuid:pk>/", api.DeviceDetailView.as_view(), name="device-detail"),
]
