from django.urls import path

from sales import api

urlpatterns = [
    path("sales/", api.SaleListCreateView.as_view(), name="sales"),
    path("sales/<uuid:transaction_id>/", api.SaleDetailView.as_view(), name="sale-detail"),
]
