from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"
    label = "mobile_devices"
    verbose_name = "Devices and organisation members"
