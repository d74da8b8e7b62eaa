"""The events settings: one namespaced ``WANZO_EVENTS`` dict, read lazily.

``app_settings.TRANSPORT`` reads ``settings.WANZO_EVENTS`` on first access, falls back to
:data:`DEFAULTS`, and forgets everything when a test changes the setting
(:class:`~wanzo_common.app_settings.AppSettings`, shared with ``WANZO_MONITORING``). Nothing is
read at import time. :func:`events_settings` turns the seed's environment variables
(``USE_KAFKA``, ``KAFKA_*``) into that dict for the shared settings builder: it is the one place
where ``USE_KAFKA`` means anything; everywhere else, ``TRANSPORT`` alone chooses the transport.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from wanzo_common.app_settings import AppSettings

DEFAULT_TOPICS = {
    "user": "wanzo.users",
    "auth": "wanzo.auth",
    "subscription": "wanzo.subscriptions",
    "transaction": "wanzo.transactions",
    "system": "wanzo.system",
}

DEFAULTS: dict[str, Any] = {
    # "mock", "kafka" or a dotted path to a module/class (transports/__init__.py).
    "TRANSPORT": "mock",
    # The mock transport delivers only within its own process: with DEBUG false it is a system
    # check error (wanzo_events.E006), and the relay refuses it, unless this opts in (a demo,
    # a test run).
    "ALLOW_MOCK": False,
    "CLIENT_ID": None,
    "BROKERS": [],
    "CONSUMER_GROUP_ID": None,
    # The CloudEvents source; None means settings.SERVICE_NAME.
    "SOURCE": None,
    "TOPIC_PREFIX": "",
    "TOPICS": DEFAULT_TOPICS,
    # Extra librdkafka configuration (security.protocol, sasl.*, ssl.*).
    "SECURITY": {},
    # Extra options handed to the transport (librdkafka keys for Kafka). The Kafka transport
    # keeps consumer-only keys out of its producer and producer-only keys out of its consumers.
    "OPTIONS": {},
    # Options for one side only, applied over OPTIONS (e.g. statistics.interval.ms).
    "PRODUCER_OPTIONS": {},
    "CONSUMER_OPTIONS": {},
    # librdkafka statistics every N ms, exported as kafka_client_*/kafka_broker_* gauges
    # (kafka_stats.py); 0 disables them.
    "STATISTICS_INTERVAL_MS": 15000,
    # Partitions and replicas of the topics the clients create (Admin API); None replicas means
    # the broker's default.replication.factor.
    "PARTITIONS": 3,
    "REPLICATION_FACTOR": None,
    # True when BROKERS is the dev broker (librdkafka's mock cluster, ADR 0005): topics are
    # created by naming them in a metadata request, as it has no CreateTopics.
    "DEV_BROKER": False,
    "OUTBOX": True,
    "SEND_TIMEOUT": 10.0,
    "RELAY_BATCH": 500,
    # Seconds an idle relay waits before looking again: the longest an event waits in the
    # outbox. Two queries on partial indexes a round; 0.2 s keeps a revocation under a second
    # from the admin's decision to every service (ADR 0013).
    "RELAY_INTERVAL": 0.2,
    # Seconds a sent outbox row is kept (for debugging) before prune_outbox deletes it.
    "OUTBOX_RETENTION": 7 * 24 * 3600,
    # Days an inbox row is kept; longer than the topics' retention, so no redelivery is missed.
    "INBOX_RETENTION_DAYS": 14,
    "MAX_ATTEMPTS": 5,
    "RETRY_BACKOFF": 0.2,
    "RETRY_BACKOFF_MAX": 5.0,
    # Consumed messages applied per database transaction (one commit), and how long a batch
    # waits for more after its first message; 0 takes what has arrived and delays no event.
    "BATCH_SIZE": 50,
    "BATCH_MAX_WAIT_MS": 0,
    "METRICS_PORT": None,
    # /metrics of relay_outbox (its outbox gauges and liveness); None: no exporter.
    "RELAY_METRICS_PORT": None,
    "CONSUME_TOPICS": None,
    "CELERY_CONSUMER": False,
}


# Celery beat entries for the outbox relay; plain data so settings modules can import it.
BEAT_SCHEDULE = {
    "wanzo-events-relay-outbox": {"task": "wanzo_events.relay_outbox", "schedule": 1.0},
    "wanzo-events-prune-outbox": {"task": "wanzo_events.prune_outbox", "schedule": 3600.0},
    "wanzo-events-prune-inbox": {"task": "wanzo_events.prune_inbox", "schedule": 3600.0},
}


class EventsSettings(AppSettings):
    """``WANZO_EVENTS`` over :data:`DEFAULTS`, with the values derived from other settings."""

    def resolve(self, name: str, value: Any) -> Any:
        if name == "SOURCE" and value is None:
            return getattr(settings, "SERVICE_NAME", None) or "wanzo"
        if name == "TOPICS":
            return {**DEFAULT_TOPICS, **(value or {})}
        if name == "BROKERS" and isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


app_settings = EventsSettings(setting="WANZO_EVENTS", defaults=DEFAULTS)


# Client settings for the dev broker (librdkafka's mock cluster, ADR 0005), never for a real
# cluster: KIP-848 groups (the mock coordinator's classic protocol waits ~3 s before a first
# assignment) and short fetch waits (it holds every fetch for fetch.wait.max.ms even when data
# is there, so the default 500 ms would add ~250 ms to every event). 25 ms, not less: an idle
# consumer fetches 1000/wait times a second, and at 10 ms four consumers and the broker burned
# ~58 ms of CPU a second doing nothing, 29 at 25 (ADR 0005).
DEV_BROKER_OPTIONS: dict[str, Any] = {"group.protocol": "consumer", "fetch.wait.max.ms": 25}


def client_options(*, dev_broker: bool, group_protocol: str | None = None) -> dict[str, Any]:
    """The librdkafka ``OPTIONS`` for a broker: dev-broker tuning, or librdkafka's defaults.

    The one place that knows the dev broker's settings: :func:`events_settings` (services,
    from ``KAFKA_DEV_BROKER``) and ``testing.kafka_settings`` (tests) both call it. An explicit
    ``group_protocol`` (``KAFKA_GROUP_PROTOCOL``) wins over either.
    """
    options = dict(DEV_BROKER_OPTIONS) if dev_broker else {}
    if group_protocol:
        options["group.protocol"] = group_protocol
    return options


def security_config(env: Any) -> dict[str, str]:
    """librdkafka security keys from ``KAFKA_SECURITY_PROTOCOL`` / ``KAFKA_SASL_*`` / ``KAFKA_SSL_*``."""
    names = {
        "security.protocol": "KAFKA_SECURITY_PROTOCOL",
        "sasl.mechanism": "KAFKA_SASL_MECHANISM",
        "sasl.username": "KAFKA_SASL_USERNAME",
        "sasl.password": "KAFKA_SASL_PASSWORD",
        "ssl.ca.location": "KAFKA_SSL_CA_LOCATION",
    }
    return {key: value for key, var in names.items() if (value := env.str(var)) is not None}


def events_settings(env: Any, service: str) -> dict[str, Any]:
    """The ``WANZO_EVENTS`` dict for ``service`` from its environment (the seed's variable names).

    ``env`` is ``wanzo_common.settings.Env`` (``str``, ``bool``, ``list`` readers). Defaults make
    each service unique (client id and consumer group named after it) without any variable.

    ``KAFKA_DEV_BROKER`` (bool, default false): ``KAFKA_BROKERS`` is the dev broker
    (``python -m wanzo_common.events.devbroker``, librdkafka's mock cluster), so apply
    :data:`DEV_BROKER_OPTIONS` (KIP-848 groups, ``fetch.wait.max.ms=25``). ``make up`` sets it
    with ``KAFKA_BROKERS`` when it starts the dev broker; never set it for a real cluster.
    ``KAFKA_GROUP_PROTOCOL`` (optional) chooses ``classic`` or ``consumer`` groups explicitly.

    The transport: ``EVENTS_TRANSPORT`` when set, else ``kafka`` if the seed's ``USE_KAFKA`` is
    true, else ``mock``. ``EVENTS_ALLOW_MOCK=true`` opts in to the mock with ``DEBUG`` false.
    """
    use_kafka = env.bool("USE_KAFKA", False)
    options = client_options(
        # KAFKA_DEV_BROKER=true: the brokers are the dev broker; tune the clients for it.
        dev_broker=env.bool("KAFKA_DEV_BROKER", False),
        group_protocol=env.str("KAFKA_GROUP_PROTOCOL"),
    )
    return {
        "TRANSPORT": env.str("EVENTS_TRANSPORT", "kafka" if use_kafka else "mock"),
        "ALLOW_MOCK": env.bool("EVENTS_ALLOW_MOCK", False),
        "CLIENT_ID": env.str("KAFKA_CLIENT_ID", f"wanzo-{service}"),
        "BROKERS": env.list("KAFKA_BROKERS", []),
        "CONSUMER_GROUP_ID": env.str("KAFKA_CONSUMER_GROUP_ID", f"wanzo-{service}"),
        "SOURCE": service,
        "TOPIC_PREFIX": env.str("KAFKA_TOPIC_PREFIX", ""),
        "SECURITY": security_config(env),
        "OPTIONS": options,
        "DEV_BROKER": env.bool("KAFKA_DEV_BROKER", False),
        "PARTITIONS": env.int("KAFKA_TOPIC_PARTITIONS", 3),
        "REPLICATION_FACTOR": env.int("KAFKA_REPLICATION_FACTOR", None),
        "STATISTICS_INTERVAL_MS": env.int("KAFKA_STATISTICS_INTERVAL_MS", 15000),
        "OUTBOX": env.bool("EVENTS_OUTBOX", True),
        "RELAY_INTERVAL": float(env.str("EVENTS_RELAY_INTERVAL", str(DEFAULTS["RELAY_INTERVAL"]))),
        "BATCH_SIZE": env.int("EVENTS_BATCH_SIZE", 50),
        "BATCH_MAX_WAIT_MS": env.int("EVENTS_BATCH_MAX_WAIT_MS", 0),
        "CELERY_CONSUMER": env.bool("EVENTS_CELERY_CONSUMER", False),
        "METRICS_PORT": env.int("EVENTS_PROMETHEUS_PORT", None),
        "RELAY_METRICS_PORT": env.int("RELAY_PROMETHEUS_PORT", None),
    }
