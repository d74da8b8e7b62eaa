"""The catalogue: the 20 event types of the five families, with schemas and examples.

Field names follow the system we replace (camelCase: ``userId``, ``previousStatus``...), so its
consumers recognise them. Conventions: ids are strings; timestamps are UTC ISO-8601 ending in
``Z``; money is a decimal string ``amount`` plus an ISO 4217 ``currency``. Top-level payloads
accept extra fields so that adding an optional field never breaks an older consumer; removing or
retyping one does, and the snapshot test in ``tests/events/test_schemas.py`` refuses it.
"""

from __future__ import annotations

import json
from typing import Any

from wanzo_common.events.types import EventType, register

ID = {"type": "string", "minLength": 1, "maxLength": 200}
TEXT = {"type": "string", "maxLength": 2000}
TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$",
    "description": "UTC, ISO-8601, ending in Z",
}
AMOUNT = {"type": "string", "pattern": r"^-?\d{1,18}(\.\d{1,8})?$", "description": "decimal"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code"}
USER_TYPE = {
    "enum": [
        "SME_OWNER",
        "SME_USER",
        "INSTITUTION_ADMIN",
        "INSTITUTION_USER",
        "INTERNAL_ADMIN",
        "INTERNAL_STAFF",
    ]
}
PLAN = {"enum": ["free", "basic", "professional", "premium", "enterprise"]}
SUBSCRIPTION_STATUS = {
    "enum": ["active", "inactive", "cancelled", "past_due", "trial", "expired", "suspended"]
}
ENTITY_TYPE = {"enum": ["sme", "institution"]}
AUTH_METHOD = {"enum": ["password", "oauth", "otp", "refresh_token", "sso"]}
NULLABLE_TEXT = {"type": ["string", "null"], "maxLength": 2000}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object schema: ``required`` fields must be present, ``optional`` ones may be."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
    }


def define(
    name: str,
    *,
    subject: str | None,
    required: dict[str, Any],
    optional: dict[str, Any] | None = None,
    example: dict[str, Any],
    description: str,
    version: int = 1,
) -> EventType:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:wanzo:events:{name}:v{version}",
        "title": name,
        "description": description,
        **obj(required, optional),
    }
    # A plain-data copy: the building blocks above are shared dicts, a schema must own its own.
    schema = json.loads(json.dumps(schema))
    family = name.split(".", 1)[0]
    return register(
        EventType(
            name=name,
            family=family,
            version=version,
            schema=schema,
            example=example,
            subject_field=subject,
            description=description,
        )
    )


T = "2025-01-15T09:30:00Z"
ORGANIZATION = obj(
    {"id": ID, "name": TEXT},
    {"initialPlan": PLAN, "country": TEXT, "industry": TEXT},
)

# --- users (topic wanzo.users) -------------------------------------------------------------
define(
    "user.created",
    subject="userId",
    description="A user account was created.",
    required={"userId": ID, "email": {"type": "string", "format": "email"}, "userType": USER_TYPE},
    optional={
        "organization": ORGANIZATION,
        "firstName": TEXT,
        "lastName": TEXT,
        "phoneNumber": TEXT,
        "timestamp": TIMESTAMP,
    },
    example={
        "userId": "usr_01HZX3",
        "email": "amani@example.com",
        "userType": "SME_OWNER",
        "organization": {
            "id": "org_42",
            "name": "Kivu Traders",
            "initialPlan": "basic",
            "country": "CD",
            "industry": "retail",
        },  # fmt: skip
        "firstName": "Amani",
        "lastName": "Mukendi",
        "timestamp": T,
    },
)
define(
    "user.updated",
    subject="userId",
    description="Profile fields of a user changed; names the fields, not their values.",
    required={"userId": ID, "updatedFields": {"type": "array", "items": TEXT, "minItems": 1}},
    optional={"updatedBy": ID, "timestamp": TIMESTAMP},
    example={
        "userId": "usr_01HZX3",
        "updatedFields": ["firstName"],
        "updatedBy": "usr_01HZX3",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "user.status_changed",
    subject="userId",
    description="A user was activated, suspended, deactivated...",
    required={"userId": ID, "previousStatus": TEXT, "newStatus": TEXT},
    optional={
        "userType": USER_TYPE,
        "changedBy": ID,
        "reason": NULLABLE_TEXT,
        "timestamp": TIMESTAMP,
    },
    example={
        "userId": "usr_01HZX3",
        "previousStatus": "active",
        "newStatus": "suspended",
        "userType": "SME_OWNER",
        "changedBy": "adm_7",
        "reason": "unpaid invoices",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "user.role_changed",
    subject="userId",
    description="A user's role changed.",
    required={"userId": ID, "previousRole": TEXT, "newRole": TEXT},
    optional={"changedBy": ID, "timestamp": TIMESTAMP},
    example={
        "userId": "usr_01HZX3",
        "previousRole": "user",
        "newRole": "admin",
        "changedBy": "adm_7",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "user.deleted",
    subject="userId",
    description="A user account was deleted.",
    required={"userId": ID},
    optional={"deletedBy": ID, "reason": NULLABLE_TEXT, "timestamp": TIMESTAMP},
    example={
        "userId": "usr_01HZX3",
        "deletedBy": "adm_7",
        "reason": "user request",
        "timestamp": T,
    },  # fmt: skip
)

# --- auth (topic wanzo.auth) ---------------------------------------------------------------
define(
    "auth.login_succeeded",
    subject="userId",
    description="A user signed in.",
    required={"userId": ID, "authMethod": AUTH_METHOD},
    optional={"userType": USER_TYPE, "sessionId": ID, "timestamp": TIMESTAMP},
    example={
        "userId": "usr_01HZX3",
        "authMethod": "password",
        "userType": "SME_OWNER",
        "sessionId": "ses_9f2",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "auth.login_failed",
    subject="userId",
    description="A sign-in failed; userId is absent when no account matched.",
    required={
        "reason": {
            "enum": [
                "invalid_credentials",
                "unknown_user",
                "account_locked",
                "account_disabled",
                "mfa_failed",
                "other",
            ]
        },  # fmt: skip
        "authMethod": AUTH_METHOD,
    },
    optional={
        "userId": ID,
        "attempt": {"type": "integer", "minimum": 1},
        # Set when the account is locked: by this failure (the threshold reached) or before it.
        "lockedUntil": TIMESTAMP,
        "timestamp": TIMESTAMP,
    },
    example={
        "userId": "usr_01HZX3",
        "reason": "invalid_credentials",
        "authMethod": "password",
        "attempt": 5,
        "lockedUntil": "2025-01-15T09:45:00Z",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "auth.logout",
    subject="userId",
    description="A user signed out (or a session was revoked).",
    required={"userId": ID},
    optional={"sessionId": ID, "timestamp": TIMESTAMP},
    example={"userId": "usr_01HZX3", "sessionId": "ses_9f2", "timestamp": T},
)
define(
    "auth.password_reset_requested",
    subject="userId",
    description="A reset link was sent to a user's address (never for an address with no "
    "account: nothing is published then).",
    required={"userId": ID},
    optional={"timestamp": TIMESTAMP},
    example={"userId": "usr_01HZX3", "timestamp": T},
)
define(
    "auth.password_changed",
    subject="userId",
    description="A user's password was changed or reset.",
    required={"userId": ID, "method": {"enum": ["change", "reset", "admin_reset"]}},
    optional={"changedBy": ID, "timestamp": TIMESTAMP},
    example={"userId": "usr_01HZX3", "method": "reset", "timestamp": T},
)
define(
    "auth.session_revoked",
    subject="userId",
    description="auth ended a session before its time (a rotated refresh token was used "
    "again): every token of the session is refused.",
    required={"userId": ID, "sessionId": ID},
    optional={"reason": {"type": "string", "maxLength": 64}, "timestamp": TIMESTAMP},
    example={
        "userId": "usr_01HZX3",
        "sessionId": "ses_9f2",
        "reason": "refresh_token_reuse",
        "timestamp": T,
    },
)

# --- subscriptions (topic wanzo.subscriptions); keyed by the subscribing entity -------------
SUBSCRIPTION_IDS = {"entityId": ID, "entityType": ENTITY_TYPE}
define(
    "subscription.created",
    subject="entityId",
    description="An entity (SME or institution) subscribed to a plan.",
    required={**SUBSCRIPTION_IDS, "plan": PLAN, "status": SUBSCRIPTION_STATUS},
    optional={
        "subscriptionId": ID,
        "userId": ID,
        "startsAt": TIMESTAMP,
        "expiresAt": TIMESTAMP,
        "amount": AMOUNT,
        "currency": CURRENCY,
        "timestamp": TIMESTAMP,
    },  # fmt: skip
    example={
        "entityId": "org_42",
        "entityType": "sme",
        "plan": "basic",
        "status": "trial",
        "subscriptionId": "sub_3",
        "userId": "usr_01HZX3",
        "startsAt": T,
        "expiresAt": "2025-02-15T09:30:00Z",
        "amount": "29.00",
        "currency": "USD",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "subscription.changed",
    subject="entityId",
    description="A subscription's plan or status changed.",
    required={
        **SUBSCRIPTION_IDS,
        "previousPlan": PLAN,
        "newPlan": PLAN,
        "status": SUBSCRIPTION_STATUS,
    },
    optional={
        "subscriptionId": ID,
        "userId": ID,
        "amount": AMOUNT,  # the new plan's price per period, charged by accounting
        "currency": CURRENCY,
        "expiresAt": TIMESTAMP,
        "changedBy": ID,
        "reason": NULLABLE_TEXT,
        "timestamp": TIMESTAMP,
    },  # fmt: skip
    example={
        "entityId": "org_42",
        "entityType": "sme",
        "previousPlan": "basic",
        "newPlan": "premium",
        "status": "active",
        "amount": "75.00",
        "currency": "USD",
        "userId": "usr_01HZX3",
        "expiresAt": "2026-01-15T09:30:00Z",
        "changedBy": "usr_01HZX3",
        "reason": "upgrade",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "subscription.cancelled",
    subject="entityId",
    description="A subscription was cancelled.",
    required={**SUBSCRIPTION_IDS, "plan": PLAN},
    optional={
        "subscriptionId": ID,
        "cancelledBy": ID,
        "reason": NULLABLE_TEXT,
        "effectiveAt": TIMESTAMP,
        "timestamp": TIMESTAMP,
    },  # fmt: skip
    example={
        "entityId": "org_42",
        "entityType": "sme",
        "plan": "premium",
        "cancelledBy": "usr_01HZX3",
        "reason": "closing business",
        "effectiveAt": T,
        "timestamp": T,
    },  # fmt: skip
)
define(
    "subscription.expired",
    subject="entityId",
    description="A subscription reached its end date without renewal.",
    required={**SUBSCRIPTION_IDS, "plan": PLAN, "expiredAt": TIMESTAMP},
    optional={"subscriptionId": ID, "timestamp": TIMESTAMP},
    example={
        "entityId": "org_42",
        "entityType": "institution",
        "plan": "enterprise",
        "expiredAt": T,
        "timestamp": T,
    },  # fmt: skip
)

# --- transactions (topic wanzo.transactions) ----------------------------------------------
MONEY_IDS = {"transactionId": ID, "companyId": ID, "amount": AMOUNT, "currency": CURRENCY}
define(
    "transaction.created",
    subject="transactionId",
    description="A financial transaction was recorded.",
    required={**MONEY_IDS, "transactionDate": TIMESTAMP},
    optional={"userId": ID, "description": TEXT, "category": TEXT, "timestamp": TIMESTAMP},
    example={
        "transactionId": "txn_881",
        "companyId": "org_42",
        "userId": "usr_01HZX3",
        "amount": "1250.50",
        "currency": "CDF",
        "description": "Stock purchase",
        "transactionDate": T,
        "category": "purchase",
        "timestamp": T,
    },  # fmt: skip
)
define(
    "transaction.completed",
    subject="transactionId",
    description="A transaction settled.",
    required={**MONEY_IDS, "completedAt": TIMESTAMP},
    optional={"timestamp": TIMESTAMP},
    example={
        "transactionId": "txn_881",
        "companyId": "org_42",
        "amount": "1250.50",
        "currency": "CDF",
        "completedAt": T,
        "timestamp": T,
    },  # fmt: skip
)
define(
    "transaction.failed",
    subject="transactionId",
    description="A transaction could not be completed.",
    required={**MONEY_IDS, "reason": TEXT},
    optional={"errorCode": TEXT, "timestamp": TIMESTAMP},
    example={
        "transactionId": "txn_881",
        "companyId": "org_42",
        "amount": "1250.50",
        "currency": "CDF",
        "reason": "insufficient funds",
        "errorCode": "NSF",
        "timestamp": T,
    },  # fmt: skip
)

# --- system (topic wanzo.system); keyed by the service ------------------------------------
define(
    "system.service_started",
    subject="service",
    description="A service process started.",
    required={"service": ID},
    optional={"version": TEXT, "instanceId": ID, "timestamp": TIMESTAMP},
    example={"service": "accounting", "version": "1.4.0", "instanceId": "acc-1", "timestamp": T},
)
define(
    "system.service_stopping",
    subject="service",
    description="A service process is shutting down.",
    required={"service": ID},
    optional={"reason": NULLABLE_TEXT, "instanceId": ID, "timestamp": TIMESTAMP},
    example={"service": "accounting", "reason": "deploy", "instanceId": "acc-1", "timestamp": T},
)
define(
    "system.maintenance_scheduled",
    subject="service",
    description="Maintenance is planned; service is 'all' for platform-wide windows.",
    required={"service": ID, "startsAt": TIMESTAMP, "endsAt": TIMESTAMP},
    optional={"maintenanceId": ID, "description": TEXT, "scheduledBy": ID, "timestamp": TIMESTAMP},
    example={
        "service": "all",
        "startsAt": "2025-02-01T01:00:00Z",
        "endsAt": "2025-02-01T03:00:00Z",
        "maintenanceId": "mnt_5",
        "description": "database upgrade",
        "scheduledBy": "adm_7",
        "timestamp": T,
    },  # fmt: skip
)
