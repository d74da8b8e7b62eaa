"""Domain metrics of the admin service (moved by the user-management and settings code)."""

from wanzo_common.monitoring import counter

USER_MANAGEMENT_OPERATIONS = counter(
    "user_management_operations_total",
    "User-management operations done by administrators.",
    labels=("operation", "user_type", "status"),  # operation: create|update|suspend|delete|...
)
CONFIGURATION_CHANGES = counter(
    "configuration_changes_total",
    "Changes to platform configuration, by configuration section.",
    labels=("section",),
)
