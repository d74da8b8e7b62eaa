"""Domain metrics of the auth service."""

from wanzo_common.monitoring import counter

LOGIN_ATTEMPTS = counter(
    "login_attempts_total",
    "Login attempts, by outcome, user type and authentication method.",
    labels=("status", "user_type", "auth_method"),
)
TOKEN_GENERATION = counter(
    "token_generation_total",
    "Tokens issued, by token type (access, refresh, reset).",
    labels=("token_type",),
)
AUTH_FAILURES = counter(
    "auth_failures_total",
    "Authentication failures, by reason and authentication method.",
    labels=("reason", "auth_method"),
)
