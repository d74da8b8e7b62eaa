"""The Grafana dashboards of the Wanzo stack, as code (grafana-foundation-sdk).

``python deploy/monitoring/grafana/dashboards.py`` rewrites ``dashboards/*.json``, which Grafana
loads through ``provisioning/dashboards/wanzo.yml``; ``--check`` exits 1 when a committed file
differs from what this module builds (``check.sh`` and ``tests/monitoring_stack`` run it). Every
query reads the datasource of fixed uid ``wanzo-prometheus`` and names only metrics the services
export or series the recording rules of ``../rules/recording.yml`` build. Every dashboard has a
``$datasource`` variable (any Prometheus, default the provisioned one) and ``$instance`` (a
scrape target); the dashboards across services have ``$job`` (services, several at once).
Error, dead-letter and client-error panels add ``or 0 * <traffic>`` (or ``or vector(0)``) so that
"nothing failed" shows as 0 rather than "no data".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from grafana_foundation_sdk.builders.dashboard import (
    Dashboard,
    DatasourceVariable,
    QueryVariable,
    Row,
)
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.builders.stat import Panel as Stat
from grafana_foundation_sdk.builders.timeseries import Panel as Timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableOption, VariableRefresh

OUTPUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
SLO_BUDGET = 0.001  # 99.9 % availability: the rules' constant
LATENCY_BUDGET = 0.01  # 99 % within 300 ms: the rules' constant
# Matchers of the variables: J for recorded series (job only), JI for raw ones.
J = 'job=~"$job"'
JI = 'job=~"$job", instance=~"$instance"'

Query = tuple[str, str]  # (expr, legend)


def _targets(panel, queries: Iterable[Query]):
    for ref, (expr, legend) in zip("ABCDEFGH", queries, strict=False):
        query = Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DATASOURCE)
        panel = panel.with_target(query)
    return panel


def graph(title: str, *queries: Query, unit: str = "short", span: int = 12, desc: str = ""):
    panel = Timeseries().title(title).datasource(DATASOURCE).unit(unit).span(span).height(8)
    if desc:
        panel = panel.description(desc)
    return _targets(panel.min(0), queries)


def stat(title: str, expr: str, *, unit: str = "short", span: int = 6):
    panel = Stat().title(title).datasource(DATASOURCE).unit(unit).span(span).height(4)
    return _targets(panel, [(expr, "")])


def dashboard(
    uid: str, title: str, *, tags: Iterable[str] = (), job: str | None = None
) -> Dashboard:
    """A dashboard with $datasource and $instance, and $job unless it shows one ``job``."""
    board = (
        Dashboard(title).uid(uid).tags(["wanzo", *tags]).refresh("30s").time("now-1h", "now")
        .timezone("browser").readonly()
        .with_variable(
            DatasourceVariable("datasource").label("Data source").type("prometheus")
            .current(VariableOption(selected=True, text="Prometheus", value="wanzo-prometheus"))
        )
    )  # fmt: skip
    jobs = f'"{job}"' if job else '~"$job"'
    if job is None:
        board = board.with_variable(variable("job", "Service", 'label_values(up{role!=""}, job)'))
    return board.with_variable(
        variable("instance", "Instance", f"label_values(up{{job={jobs}}}, instance)")
    )


def variable(name: str, label: str, query: str) -> QueryVariable:
    """A multi-value variable from a label_values() query, "All" meaning any value."""
    return (
        QueryVariable(name).label(label).datasource(DATASOURCE).query(query).multi(True)
        .include_all(True).all_value(".*").refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .current(VariableOption(selected=True, text=["All"], value=["$__all"]))
    )  # fmt: skip


def red_row(board: Dashboard, job: str) -> Dashboard:
    """Rate, errors and duration of one service, by route."""
    sel = f'{{job="{job}"}}'
    return (
        board.with_row(Row("Requests (RED by route)"))
        .with_panel(graph("Requests per second", (f"job_route:http_requests:rate5m{sel}", "{{route}}"), unit="reqps", span=8))
        .with_panel(graph("5xx per second", (f"job_route:http_requests_5xx:rate5m{sel} or 0 * job_route:http_requests:rate5m{sel}", "{{route}}"), unit="reqps", span=8))
        .with_panel(graph("p95 duration", (f"job_route:http_request_duration_seconds:p95_5m{sel}", "{{route}}"), unit="s", span=8))
    )  # fmt: skip


def rate(metric: str, job: str, by: str) -> str:
    return f'sum by ({by}) (rate({metric}{{job="{job}", instance=~"$instance"}}[$__rate_interval]))'


def overview() -> Dashboard:
    board = dashboard("wanzo-overview", "Wanzo overview", tags=["overview"])
    err5 = f"job_role:http_requests_5xx:ratio_rate5m{{{J}}}"
    return (
        board.with_row(Row("Targets"))
        .with_panel(stat("Targets up", f"sum(up{{{JI}}})"))
        .with_panel(stat("Targets down", f"count(up{{{JI}}} == 0) or vector(0)"))
        .with_panel(stat("Requests per second", f"sum(job_role:http_requests:rate5m{{{J}}})", unit="reqps"))
        .with_panel(stat("Active users", f"sum(active_users{{{JI}}})"))
        .with_row(Row("RED per service (health probes excluded)"))
        .with_panel(graph("Requests per second", (f"sum by (job) (job_role:http_requests:rate5m{{{J}}})", "{{job}}"), unit="reqps", span=8))
        .with_panel(graph("5xx ratio", (err5, "{{job}}"), unit="percentunit", span=8))
        .with_panel(graph("p95 duration", (f"job_role:http_request_duration_seconds:p95_5m{{{J}}}", "{{job}}"), unit="s", span=8))
        .with_panel(graph("Requests in progress", (f"sum by (job) (http_requests_in_progress{{{JI}}})", "{{job}}")))
        .with_panel(graph("Slowest routes (p95)", (f"topk(10, job_route:http_request_duration_seconds:p95_5m{{{J}}})", "{{job}} {{route}}"), unit="s"))
        .with_row(Row("Availability SLO: 99.9 % of API requests without a 5xx"))
        .with_panel(graph(
            "API error ratio by window",
            (f"job_role:slo_errors:ratio_rate5m{{{J}}}", "{{job}} 5m"),
            (f"job_role:slo_errors:ratio_rate1h{{{J}}}", "{{job}} 1h"),
            (f"job_role:slo_errors:ratio_rate6h{{{J}}}", "{{job}} 6h"),
            unit="percentunit", span=8,
            desc="Health probes excluded. The fast-burn alert pages above 1.44 % over 1 h and 5 m, or 0.6 % over 6 h and 30 m.",
        ))
        .with_panel(graph(
            "Error budget burn rate (1 h)",
            (f"job_role:slo_errors:ratio_rate1h{{{J}}} / {SLO_BUDGET}", "{{job}}"),
            span=8, desc="1 = the budget lasts exactly 30 days; the fast-burn alert pages at 14.4.",
        ))
        .with_panel(graph(
            "Error budget remaining (30 days)",
            (f"1 - job_role:slo_errors:ratio_rate30d{{{J}}} / {SLO_BUDGET}", "{{job}}"),
            unit="percentunit", span=8,
            desc="Share of the 30-day budget (0.1 % of requests) not yet spent; below 0 the SLO is missed.",
        ))
        .with_row(Row("Latency SLO: 99 % of API requests within 300 ms"))
        .with_panel(graph(
            "Slow request ratio by window",
            (f"job_role:slo_latency_slow:ratio_rate5m{{{J}}}", "{{job}} 5m"),
            (f"job_role:slo_latency_slow:ratio_rate1h{{{J}}}", "{{job}} 1h"),
            (f"job_role:slo_latency_slow:ratio_rate6h{{{J}}}", "{{job}} 6h"),
            unit="percentunit", span=8,
            desc="Requests over 300 ms, health probes excluded. The fast-burn alert pages above 14.4 % over 1 h and 5 m.",
        ))
        .with_panel(graph(
            "Latency budget burn rate (1 h)",
            (f"job_role:slo_latency_slow:ratio_rate1h{{{J}}} / {LATENCY_BUDGET}", "{{job}}"),
            span=8, desc="1 = the budget lasts exactly 30 days; the fast-burn alert pages at 14.4.",
        ))
        .with_panel(graph(
            "Latency budget remaining (30 days)",
            (f"1 - job_role:slo_latency_slow:ratio_rate30d{{{J}}} / {LATENCY_BUDGET}", "{{job}}"),
            unit="percentunit", span=8,
        ))
    )  # fmt: skip


def admin() -> Dashboard:
    board = red_row(dashboard("wanzo-admin", "Wanzo admin", tags=["service"], job="admin"), "admin")
    return (
        board.with_row(Row("Users and configuration"))
        .with_panel(graph("User management operations", (rate("user_management_operations_total", "admin", "operation, status"), "{{operation}} {{status}}"), unit="ops"))
        .with_panel(graph("Operations by user type", (rate("user_management_operations_total", "admin", "user_type"), "{{user_type}}"), unit="ops"))
        .with_panel(graph("Configuration changes", (rate("configuration_changes_total", "admin", "section"), "{{section}}"), unit="ops"))
        .with_panel(graph("Active users", ('sum(active_users{job="admin"})', "active users")))
    )  # fmt: skip


def accounting() -> Dashboard:
    board = red_row(
        dashboard("wanzo-accounting", "Wanzo accounting", tags=["service"], job="accounting"),
        "accounting",
    )
    value_q = 'histogram_quantile({q}, sum by (transaction_type, currency, le) (rate(transaction_value_bucket{{job="accounting", instance=~"$instance"}}[$__rate_interval])))'
    return (
        board.with_row(Row("Ledger"))
        .with_panel(graph("Journal entries by status", ('job_status:journal_entries_created:rate5m{job="accounting"}', "{{status}}"), unit="ops"))
        .with_panel(graph("Journal entries by journal", (rate("journal_entries_created_total", "accounting", "journal_type"), "{{journal_type}}"), unit="ops"))
        .with_panel(graph("Transactions per second", (rate("transaction_value_count", "accounting", "transaction_type, currency"), "{{transaction_type}} {{currency}}"), unit="ops"))
        .with_panel(graph("Transaction value by currency (p50, p95)", (value_q.format(q=0.5), "p50 {{transaction_type}} {{currency}}"), (value_q.format(q=0.95), "p95 {{transaction_type}} {{currency}}"), desc="Amounts in their own currency: quantiles are never mixed across currencies."))
        .with_panel(graph("Account balances", ('max by (account_type, currency) (account_balance{job="accounting"})', "{{account_type}} {{currency}}"), span=24))
    )  # fmt: skip


def auth() -> Dashboard:
    board = red_row(dashboard("wanzo-auth", "Wanzo auth", tags=["service"], job="auth"), "auth")
    return (
        board.with_row(Row("Authentication"))
        .with_panel(graph("Login attempts by status", ('job_status:login_attempts:rate5m{job="auth"}', "{{status}}"), unit="ops"))
        .with_panel(graph("Login attempts by method", (rate("login_attempts_total", "auth", "auth_method, user_type"), "{{auth_method}} {{user_type}}"), unit="ops"))
        .with_panel(graph("Authentication failures by reason", ('job_reason:auth_failures:rate5m{job="auth"}', "{{reason}}"), unit="ops", desc="AuthFailureBurst fires above 0.5/s for 5 minutes."))
        .with_panel(graph("Tokens issued", (rate("token_generation_total", "auth", "token_type"), "{{token_type}}"), unit="ops"))
    )  # fmt: skip


def app_mobile() -> Dashboard:
    board = red_row(
        dashboard("wanzo-app-mobile", "Wanzo app mobile", tags=["service"], job="app_mobile"),
        "app_mobile",
    )
    conflicts = (
        'sum(rate(sync_operations_total{job="app_mobile", status="conflict"}[$__rate_interval]))'
        ' / sum(rate(sync_operations_total{job="app_mobile"}[$__rate_interval]))'
    )
    return (
        board.with_row(Row("Sessions, notifications, sync"))
        .with_panel(graph("App sessions by OS", (rate("app_sessions_total", "app_mobile", "os"), "{{os}}"), unit="ops"))
        .with_panel(graph("App sessions by version", (rate("app_sessions_total", "app_mobile", "app_version"), "{{app_version}}"), unit="ops"))
        .with_panel(graph("Push notifications by result", ('job_result:push_notifications_sent:rate5m{job="app_mobile"}', "{{result}}"), unit="ops"))
        .with_panel(graph("Push notifications by type", (rate("push_notifications_sent_total", "app_mobile", "notification_type, priority"), "{{notification_type}} {{priority}}"), unit="ops"))
        .with_panel(graph("Sync operations by status", ('job_status:sync_operations:rate5m{job="app_mobile"}', "{{status}}"), unit="ops"))
        .with_panel(graph("Sync operations by data type", (rate("sync_operations_total", "app_mobile", "sync_type, data_type"), "{{sync_type}} {{data_type}}"), unit="ops"))
        .with_panel(graph("Sync conflict ratio", (conflicts, "conflicts"), unit="percentunit", span=24))
    )  # fmt: skip


def kafka() -> Dashboard:
    board = dashboard("wanzo-kafka", "Wanzo Kafka and events", tags=["events"])
    clients = f"sum by (job, client_role) (kafka_client_queued_messages{{{JI}}})"
    return (
        board.with_row(Row("Events"))
        .with_panel(graph("Published by topic and outcome", (f"sum by (topic, outcome) (job_topic_outcome:kafka_events_published:rate5m{{{J}}})", "{{topic}} {{outcome}}"), unit="ops", span=8))
        .with_panel(graph("Consumed by service and outcome", (f"sum by (job, outcome) (job_topic_outcome:kafka_events_consumed:rate5m{{{J}}})", "{{job}} {{outcome}}"), unit="ops", span=8))
        .with_panel(graph("Handler p95 by type", (f"job_type:kafka_event_handler_duration_seconds:p95_5m{{{J}}}", "{{job}} {{type}}"), unit="s", span=8))
        .with_panel(graph("Consumer lag", (f"job_role_topic:kafka_consumer_lag:sum{{{J}}}", "{{job}} {{topic}}"), span=8))
        .with_panel(graph("Dead letters", (f"job_role_topic_reason:kafka_dead_letters:rate5m{{{J}}}", "{{job}} {{topic}} {{reason}}"), unit="ops", span=8, desc="Every topic and reason is exported at 0 from the consumer's start."))
        .with_panel(graph("Outbox", (f"job:events_outbox_pending:max{{{J}}}", "{{job}} pending"), span=8))
        .with_panel(graph("Outbox oldest unsent row", (f"job:events_outbox_oldest_age_seconds:max{{{J}}}", "{{job}}"), unit="s", span=8))
        .with_panel(graph("Since last progress", (f"time() - max by (job, role) (kafka_consumer_last_progress_timestamp_seconds{{{JI}}})", "{{job}} consumer"), (f"time() - max by (job, role) (events_relay_last_progress_timestamp_seconds{{{JI}}})", "{{job}} relay"), unit="s", span=8, desc="KafkaConsumerStuck pages above 60 s; EventsRelayStuck warns above 120 s."))
        .with_panel(graph("Broker reachable", (f"min by (job, role) (events_broker_up{{{JI}}})", "{{job}} {{role}}"), span=8, desc="1: the last /readyz probe or relay round reached the broker."))
        .with_row(Row("Kafka clients (librdkafka statistics)"))
        .with_panel(graph("Queued messages", (clients, "{{job}} {{client_role}}"), span=8))
        .with_panel(graph("Queued bytes", (f"sum by (job, client_role) (kafka_client_queued_bytes{{{JI}}})", "{{job}} {{client_role}}"), unit="bytes", span=8))
        .with_panel(graph("Broker round trip", (f"max by (job, client_role, broker) (kafka_broker_rtt_seconds{{{JI}}})", "{{job}} {{client_role}} {{broker}}"), unit="s", span=8))
        .with_panel(graph("Broker connected", (f"max by (job, client_role, broker) (kafka_broker_connected{{{JI}}})", "{{job}} {{client_role}} {{broker}}"), span=8))
        .with_panel(graph(
            "Broker send / receive errors per second",
            (f"sum by (job, client_role) (rate(kafka_broker_tx_errors{{{JI}}}[$__rate_interval]))", "{{job}} {{client_role}} tx"),
            (f"sum by (job, client_role) (rate(kafka_broker_rx_errors{{{JI}}}[$__rate_interval]))", "{{job}} {{client_role}} rx"),
            unit="ops", span=8, desc="librdkafka's totals since the client started, as rates.",
        ))
        .with_panel(graph("Client errors", (f"sum by (job, client_role, error) (rate(kafka_client_errors_total{{{JI}}}[$__rate_interval])) or 0 * {clients}", "{{job}} {{client_role}} {{error}}"), unit="ops", span=8))
    )  # fmt: skip


def database() -> Dashboard:
    board = dashboard("wanzo-database", "Wanzo database", tags=["database"])
    p99 = f"histogram_quantile(0.99, sum by (job, operation, le) (rate(database_query_duration_seconds_bucket{{{JI}}}[$__rate_interval])))"
    return (
        board.with_row(Row("Query time by operation and service"))
        .with_panel(graph("p95 query time", (f"job_operation:database_query_duration_seconds:p95_5m{{{J}}}", "{{job}} {{operation}}"), unit="s"))
        .with_panel(graph("p99 query time", (p99, "{{job}} {{operation}}"), unit="s"))
        .with_panel(graph("Mean query time", (f"job_operation:database_query_duration_seconds:mean5m{{{J}}}", "{{job}} {{operation}}"), unit="s"))
        .with_panel(graph("Queries per second", (f"job_operation:database_queries:rate5m{{{J}}}", "{{job}} {{operation}}"), unit="ops"))
        .with_panel(graph("Queries per second by alias and role", (f"sum by (job, role, alias) (rate(database_query_duration_seconds_count{{{JI}}}[$__rate_interval]))", "{{job}} {{role}} {{alias}}"), unit="ops", span=24))
    )  # fmt: skip


def processes() -> Dashboard:
    board = dashboard("wanzo-processes", "Wanzo processes", tags=["processes"])
    celery_p95 = f"histogram_quantile(0.95, sum by (job, task, le) (rate(celery_task_duration_seconds_bucket{{{JI}}}[$__rate_interval])))"
    return (
        board.with_row(Row("CPU and memory"))
        .with_panel(graph("CPU", (f"sum by (job, role) (rate(process_cpu_seconds_total{{{JI}}}[$__rate_interval]))", "{{job}} {{role}}"), unit="percentunit", span=8))
        .with_panel(graph("Resident memory", (f"sum by (job, role) (process_resident_memory_bytes{{{JI}}})", "{{job}} {{role}}"), unit="bytes", span=8))
        .with_panel(graph("Open file descriptors", (f"sum by (job, role) (process_open_fds{{{JI}}})", "{{job}} {{role}}"), span=8))
        .with_row(Row("Workers"))
        .with_panel(graph("Processes per target", (f"count by (job, role) (process_start_time_seconds{{{JI}}})", "{{job}} {{role}}"), span=8, desc="Under gunicorn and Celery one series per live worker (label pid)."))
        .with_panel(graph("Uptime", (f"time() - min by (job, role) (process_start_time_seconds{{{JI}}})", "{{job}} {{role}}"), unit="s", span=8))
        .with_panel(graph("Requests in progress", (f"sum by (job) (http_requests_in_progress{{{JI}}})", "{{job}}"), span=8))
        .with_panel(graph("Celery tasks", (f"sum by (job, task, state) (rate(celery_tasks_total{{{JI}}}[$__rate_interval])) or vector(0)", "{{job}} {{task}} {{state}}"), unit="ops", desc="0 where no Celery worker runs (make up)."))
        .with_panel(graph("Celery task p95", (f"{celery_p95} or vector(0)", "{{job}} {{task}}"), unit="s"))
        .with_panel(graph("Python runtime", (f"count by (job, role, version) (python_info{{{JI}}})", "{{job}} {{role}} {{version}}"), span=24))
    )  # fmt: skip


BOARDS = {
    "overview": overview,
    "admin": admin,
    "accounting": accounting,
    "auth": auth,
    "app_mobile": app_mobile,
    "kafka": kafka,
    "database": database,
    "processes": processes,
}


def as_json(board: Dashboard) -> str:
    """The dashboard's JSON, with panel ids 1, 2, ... (the builders leave rows at id 0)."""
    model = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    for number, panel in enumerate(model.get("panels", []), start=1):
        panel["id"] = number
    return json.dumps(model, indent=2, sort_keys=True) + "\n"


def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard."""
    return {f"{name}.json": as_json(build()) for name, build in BOARDS.items()}


def stale(directory: Path = OUTPUT) -> list[str]:
    """Names of the committed files that differ from :func:`render` (missing or extra ones too)."""
    wanted = render()
    present = {path.name for path in directory.glob("*.json")}
    differ = [name for name, text in wanted.items() if not (directory / name).is_file()
              or (directory / name).read_text() != text]  # fmt: skip
    return sorted(differ + list(present - set(wanted)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if dashboards/ is stale")
    args = parser.parse_args(argv)
    if args.check:
        differ = stale()
        for name in differ:
            print(f"stale: deploy/monitoring/grafana/dashboards/{name}", file=sys.stderr)
        if differ:
            print("run: python deploy/monitoring/grafana/dashboards.py", file=sys.stderr)
        return 1 if differ else 0
    OUTPUT.mkdir(exist_ok=True)
    for old in OUTPUT.glob("*.json"):
        old.unlink()
    for name, text in render().items():
        (OUTPUT / name).write_text(text)
    print(f"wrote {len(BOARDS)} dashboards to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
