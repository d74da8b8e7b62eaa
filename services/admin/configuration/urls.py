from django.urls import path

from . import views

urlpatterns = [
    path("configuration/", views.ConfigurationView.as_view(), name="configuration"),
    path(
        "configuration/changes/",
        views.ConfigurationChangeListView.as_view(),
        name="configuration-changes",
    ),
    *[
        path(f"configuration/{section}/", view.as_view(), name=f"configuration-{section}")
        for section, view in views.SECTION_VIEWS.items()
    ],
]
