from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    label = "mobile_sales"
    verbose_name = "Sales recorded on the phone"
