"""Settings of the admin service: the shared base plus what is the service's own."""

from pathlib import Path

from celery.schedules import crontab

from wanzo_common.env import Env
from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent.parent

globals().update(build(service="admin", base_dir=BASE_DIR))  # ports: wanzo_common.ports

INSTALLED_APPS += [  # noqa: F821  (defined by build())
    "admin_service.apps.ServiceConfig",
    "directory.apps.DirectoryConfig",
    "configuration.apps.ConfigurationConfig",
    "maintenance.apps.MaintenanceConfig",
    "subscriptions.apps.SubscriptionsConfig",
]

# Every SUBSCRIPTIONS_EXPIRE_EVERY seconds when set (a test sees beat schedule it in seconds).
_expire_every = Env(BASE_DIR / ".env").int("SUBSCRIPTIONS_EXPIRE_EVERY", None)
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,  # noqa: F821  (the events relay's, from build())
    # Subscriptions past their end date become expired (subscription.expired), every 5 minutes.
    "admin-expire-subscriptions": {
        "task": "subscriptions.expire_subscriptions",
        "schedule": float(_expire_every) if _expire_every else crontab(minute="*/5"),
    },
}

# One OpenAPI enum per choice set, named after it (fields named "plan", "status"... share them).
SPECTACULAR_SETTINGS = {
    **SPECTACULAR_SETTINGS,  # noqa: F821  (from build())
    "ENUM_NAME_OVERRIDES": {
        "PlanCodeEnum": "subscriptions.models.PlanCode",
        "SubscriptionStatusEnum": "subscriptions.models.SubscriptionStatus",
        "UserStatusEnum": "directory.models.UserStatus",
        "RoleEnum": "wanzo_common.api.roles.Role",
        "MaintenanceServiceEnum": "maintenance.models.MaintenanceService",
    },
}
