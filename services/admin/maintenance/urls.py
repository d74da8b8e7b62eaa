from django.urls import path

from . import views

urlpatterns = [
    path(
        "maintenance-windows/", views.MaintenanceWindowListView.as_view(), name="maintenance-list"
    ),
]
