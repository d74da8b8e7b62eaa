"""The monitoring stack's files: fresh generated files, known metric names, complete alerts.

These need no Prometheus; ``deploy/monitoring/check.sh`` runs promtool, amtool and
docker-compose on the same files.
"""

from __future__ import annotations

import pytest
import yaml

from . import stack

ALERT_ANNOTATIONS = {"summary", "description", "runbook_url"}


def test_committed_dashboards_are_what_the_code_builds():
    dashboards = stack.load_script("grafana/dashboards")
    assert dashboards.stale() == [], "run: python deploy/monitoring/grafana/dashboards.py"


def test_committed_prometheus_yml_is_what_the_generator_renders():
    scrape_config = stack.load_script("scrape_config")
    assert scrape_config.COMMITTED.read_text() == scrape_config.committed_text(), (
        "run: python deploy/monitoring/scrape_config.py --write"
    )
    assert scrape_config.CONTAINERS.read_text() == scrape_config.containers_text(), (
        "run: python deploy/monitoring/scrape_config.py --write"
    )


def test_the_containerised_system_is_scraped_by_container_name():
    text = stack.load_script("scrape_config").containers_text()
    assert "app-mobile-web:9466" in text and "admin-worker:9564" in text


def test_every_service_has_one_job_and_every_target_a_role():
    from wanzo_common.ports import SERVICES

    config = yaml.safe_load((stack.MONITORING / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {*SERVICES, "prometheus", "alertmanager"}
    del jobs["prometheus"], jobs["alertmanager"]
    for service, job in jobs.items():
        roles = [group["labels"]["role"] for group in job["static_configs"]]
        assert roles == ["web", "worker", "relay"], service  # make up's: workers host consumers
        ports = {target.rsplit(":", 1)[1] for g in job["static_configs"] for target in g["targets"]}
        ours = SERVICES[service]
        assert ports == {str(ours.metrics), str(ours.celery), str(ours.relay)}


def test_every_metric_name_in_rules_and_dashboards_is_exported_or_recorded():
    exported, recorded = stack.exported_metric_names(), stack.recorded_names()
    unknown = {
        name: sorted(where)
        for name, where in stack.used_metric_names().items()
        if name not in exported and name not in recorded
    }
    assert unknown == {}, "names no service exports and no rule records"


def test_the_metric_name_parser_finds_names_and_nothing_else():
    expr = (
        'histogram_quantile(0.95, sum by (job, le) (rate(a_bucket{route!~"x|y"}[$__rate_interval])))'
        " / on (job) group_left b:c:rate5m > 1e6 and time() - d offset 5m unless vector(0)"
    )
    assert stack.metric_names(expr) == {"a_bucket", "b:c:rate5m", "d"}


def test_there_are_at_least_twelve_alerts_each_with_severity_and_annotations():
    alerts = stack.alert_rules()
    assert len(alerts) >= 12
    for rule in alerts:
        # The Watchdog pages nobody: it goes to a dead man's switch.
        severities = {"none"} if rule["alert"] == "Watchdog" else {"critical", "warning"}
        assert rule["labels"]["severity"] in severities, rule["alert"]
        assert ALERT_ANNOTATIONS <= set(rule["annotations"]), rule["alert"]


def test_every_alert_has_a_runbook_with_the_three_parts_listed_in_the_index():
    index = (stack.RUNBOOKS / "README.md").read_text()
    for rule in stack.alert_rules():
        name = rule["alert"]
        base = "{{ $externalLabels.runbook_base_url }}"
        assert rule["annotations"]["runbook_url"] == f"{base}/{name}.md"
        text = (stack.RUNBOOKS / f"{name}.md").read_text()
        for part in ("**Means.**", "**Confirm.**", "**Fix.**"):
            assert part in text, f"{name}.md lacks {part}"
        assert f"[{name}.md]({name}.md)" in index
    assert "## Left without an alert, on purpose" in index


def _unit_test_cases() -> dict[str, set[bool]]:
    """Alert name -> {True if some case expects it firing, False if some expects silence}."""
    cases: dict[str, set[bool]] = {}
    for path in sorted((stack.MONITORING / "tests").glob("*.yml")):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                cases.setdefault(case["alertname"], set()).add(bool(case.get("exp_alerts")))
    return cases


@pytest.mark.parametrize("alert", [rule["alert"] for rule in stack.alert_rules()])
def test_every_alert_has_a_unit_test_where_it_fires_and_one_where_it_does_not(alert):
    expected = {True} if alert == "Watchdog" else {True, False}  # it always fires
    assert _unit_test_cases().get(alert) == expected


@pytest.mark.parametrize("path", sorted((stack.MONITORING / "tests").glob("*.yml")), ids=str)
def test_every_unit_test_file_orders_every_rule_group_recordings_first(path):
    """promtool sorts the groups a file leaves out level with the first one it names, in random
    order: a boundary case would then pass or fail by chance."""
    order = yaml.safe_load(path.read_text())["group_eval_order"]
    recording = [
        g["name"]
        for g in yaml.safe_load((stack.MONITORING / "rules" / "recording.yml").read_text())[
            "groups"
        ]
    ]
    assert sorted(order) == sorted(group["name"] for group in stack.rule_groups())
    assert order[: len(recording)] == recording


def test_every_dashboard_has_datasource_and_instance_variables_and_uses_them():
    import json

    for path in sorted(stack.DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text())
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource", path.name
        assert "instance" in variables, path.name
        shows_one_job = all('job="' in e for _, _, e in stack.dashboard_queries() if _ == path.name)
        assert shows_one_job or "job" in variables, path.name
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                assert target["datasource"]["uid"] == "${datasource}", (path.name, panel["title"])


def test_transaction_value_quantiles_are_per_currency():
    quantiles = [
        expr for _, _, expr in stack.dashboard_queries() if "transaction_value_bucket" in expr
    ]
    assert quantiles and all("currency, le" in expr for expr in quantiles)
