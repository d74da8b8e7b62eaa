"""Settings of the app_mobile service: the shared base plus what is the service's own."""

from pathlib import Path

from push.conf import push_settings

from wanzo_common.settings import Env, build

BASE_DIR = Path(__file__).resolve().parent.parent

globals().update(build(service="app_mobile", base_dir=BASE_DIR))  # ports: wanzo_common.ports

INSTALLED_APPS += [  # noqa: F821  (defined by build())
    "app_mobile_service.apps.ServiceConfig",
    "app_sessions.apps.AppSessionsConfig",
    "devices.apps.DevicesConfig",
    "push.apps.PushConfig",
    "sales.apps.SalesConfig",
    "sync.apps.SyncConfig",
]

# The push provider (push/providers/): PUSH_PROVIDER=logging (default), webpush (VAPID_* keys
# from the environment) or a dotted path to a module exporting ``Provider``.
WANZO_PUSH = push_settings(Env(BASE_DIR / ".env"))

# Several models have a "status" or "result" choice set: name each one in the OpenAPI schema.
SPECTACULAR_SETTINGS = {  # noqa: F405
    **SPECTACULAR_SETTINGS,  # noqa: F821
    "ENUM_NAME_OVERRIDES": {
        "SaleStatusEnum": "sales.models.SaleStatus",
        "SyncStatusEnum": "sync.models.Status",
        "NotificationResultEnum": "push.models.Result",
    },
}
