from django.urls import path

from app_sessions import api

urlpatterns = [
    path("sessions/", api.AppSessionListStartView.as_view(), name="sessions"),
    path("sessions/<uuid:pk>/end/", api.AppSessionEndView.as_view(), name="session-end"),
]
