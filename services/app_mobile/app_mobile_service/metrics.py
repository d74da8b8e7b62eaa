"""Domain metrics of the mobile-app backend."""

from wanzo_common.monitoring import counter

APP_SESSIONS = counter(
    "app_sessions_total",
    "Mobile app sessions started, by OS, app version and user type.",
    labels=("os", "app_version", "user_type"),
)
PUSH_NOTIFICATIONS_SENT = counter(
    "push_notifications_sent_total",
    "Push notifications sent, by type, priority and result.",
    labels=("notification_type", "priority", "result"),
)
SYNC_OPERATIONS = counter(
    "sync_operations_total",
    "Offline-sync operations, by sync type, status and data type.",
    labels=("sync_type", "status", "data_type"),
)
