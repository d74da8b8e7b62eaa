from django.urls import path

from sync import api

urlpatterns = [
    path("sync/", api.SyncBatchView.as_view(), name="sync"),
    path("sync/records/", api.SyncRecordListView.as_view(), name="sync-records"),
]
