"""What the monitoring stack's tests read: its files, the PromQL in them, the metrics we export.

The metric names come from the project itself: the README's catalogue (standard and domain
metrics, the events table) and the metric objects declared in ``wanzo_common`` (monitoring,
Celery, events and librdkafka statistics), expanded into the sample names Prometheus stores
(``_total`` for counters, ``_bucket``/``_count``/``_sum`` for histograms).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
RUNBOOKS = ROOT / "deploy" / "runbooks"
RULE_FILES = sorted((MONITORING / "rules").glob("*.yml"))
DASHBOARDS = MONITORING / "grafana" / "dashboards"
# Series Prometheus makes itself for every target.
PROMETHEUS_SERIES = {"up"}
# What Prometheus and Alertmanager export about themselves (their own scrape jobs), read by the
# meta alerts.
SELF_MONITORING = {
    "prometheus_rule_evaluation_failures_total", "prometheus_notifications_errors_total",
    "prometheus_notifications_sent_total", "alertmanager_notifications_failed_total",
    "alertmanager_notifications_total",
}  # fmt: skip
# prometheus_client's process collector: the README's `process_*`.
PROCESS_METRICS = {
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
    "process_start_time_seconds", "process_open_fds", "process_max_fds",
}  # fmt: skip
# Grafana's variables, as a Prometheus query needs them.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h",
    "$job": ".*", "$instance": ".*",  # the dashboards' own variables, at "All"
}  # fmt: skip


def load_script(name: str) -> ModuleType:
    """A script of deploy/monitoring (``scrape_config``, ``grafana/dashboards``) as a module."""
    path = MONITORING / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"wanzo_monitoring_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rule_groups() -> list[dict]:
    return [group for path in RULE_FILES for group in yaml.safe_load(path.read_text())["groups"]]


def alert_rules() -> list[dict]:
    return [rule for group in rule_groups() for rule in group["rules"] if "alert" in rule]


def recorded_names() -> set[str]:
    return {
        rule["record"] for group in rule_groups() for rule in group["rules"] if "record" in rule
    }


def rule_expressions() -> list[tuple[str, str]]:
    """(rule name, expr) of every recording and alert rule."""
    return [
        (rule.get("alert") or rule["record"], rule["expr"])
        for group in rule_groups()
        for rule in group["rules"]
    ]


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, expr) of every query of every committed dashboard."""
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                found.append((path.name, panel["title"], target["expr"]))
    return found


def for_prometheus(expr: str) -> str:
    """A dashboard query with Grafana's variables replaced, as Prometheus's API takes it."""
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
             "unless", "offset", "bool", "inf", "nan"}  # fmt: skip
_LABEL_LISTS = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords, labels left out).

    Enough for the expressions we write: strings, label matchers, ranges and label lists are
    removed first; an identifier followed by ``(`` is a function or an aggregation.
    """
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = _LABEL_LISTS.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        name = match.group(0)
        if name.lower() in _KEYWORDS or text[match.end() :].lstrip().startswith("("):
            continue
        names.add(name)
    return names


def used_metric_names() -> dict[str, set[str]]:
    """Metric name -> where it is used ("rule X", "dashboard.json: panel"), recorded ones too."""
    used: dict[str, set[str]] = {}
    for rule, expr in rule_expressions():
        for name in metric_names(expr):
            used.setdefault(name, set()).add(f"rule {rule}")
    for board, title, expr in dashboard_queries():
        for name in metric_names(expr):
            used.setdefault(name, set()).add(f"{board}: {title}")
    return used


def _samples(name: str, kind: str) -> set[str]:
    base = name.removesuffix("_total")
    if kind == "counter":
        return {f"{base}_total"}
    if kind == "histogram":
        return {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    return {name}


def readme_metric_names() -> set[str]:
    """Sample names of every metric in the README's tables (rows: `name` | type | ...)."""
    names = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for index, cell in enumerate(cells[:-1]):
            match = re.fullmatch(r"`([a-z][a-z0-9_]*\*?)`", cell)
            kind = cells[index + 1].split()[0] if cells[index + 1] else ""
            if match and kind.split("/")[0] in {"counter", "histogram", "gauge"}:
                name = match.group(1)
                names |= (
                    PROCESS_METRICS if name == "process_*" else _samples(name, kind.split("/")[0])
                )
                break
    return names


def declared_metric_names() -> set[str]:
    """Sample names of the metrics wanzo_common declares (its modules imported)."""
    from prometheus_client.metrics import MetricWrapperBase

    from wanzo_common.events import metrics as events_metrics
    from wanzo_common.monitoring import celery as celery_metrics
    from wanzo_common.monitoring import metrics as monitoring_metrics

    names = {"active_users"}  # a custom collector (active_users.py), computed at scrape time
    for module in (events_metrics, celery_metrics, monitoring_metrics):
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                names |= _samples(value._name, value._type)
    return names


@cache
def exported_metric_names() -> frozenset[str]:
    return frozenset(
        readme_metric_names() | declared_metric_names() | PROMETHEUS_SERIES | SELF_MONITORING
    )


def alert_expr(name: str) -> str:
    """The ``expr`` of alert ``name``, as the rule files hold it."""
    (rule,) = [rule for rule in alert_rules() if rule["alert"] == name]
    return rule["expr"]


@contextmanager
def running_prometheus(config: dict, tmp: Path) -> Iterator[str]:
    """A real Prometheus (Debian's ``prometheus``) on a free loopback port with ``config``;
    yields its base URL once ready."""
    import subprocess

    from tests.devserver.helpers import free_ports, wait_for
    from tests.test_manage_all import answers

    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (port,) = free_ports(1)
    log = tmp / "prometheus.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["prometheus", f"--config.file={tmp / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(f"{url}/-/ready") == 200, "prometheus ready", proc=proc, log=log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def api(base: str, path: str, **params: str):
    """``data`` of a Prometheus API answer; AssertionError with its error when it failed."""
    import urllib.error
    import urllib.parse
    import urllib.request

    url = f"{base}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        body = json.load(exc)
    assert body.get("status") == "success", f"{body.get('errorType')}: {body.get('error')}"
    return body["data"]
