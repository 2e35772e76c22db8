#!/usr/bin/env python3
"""Writes dashboards/*.json, the Grafana dashboards of featureflag_exporter (schemaVersion 39, Grafana 10 and 11).

The JSON files are committed; edit this script and run it (`python3 scripts/generate-dashboards.py`) rather than
editing them. The dashboard checker in the tests (Tests/ExporterTests/MonitoringBundleTests.swift) verifies the
output: the JSON model, the datasource/job/instance variables, unique ids, gridPos inside 24 columns, units and
descriptions, $__rate_interval in every range, and every expression valid PromQL (promtool).
"""
import json
import os

SEL = 'job=~"$job", instance=~"$instance"'
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


class Board:
    def __init__(self, uid, title, description, tags):
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels = []
        self.next_id = 1
        self.x = 0
        self.y = 0
        self.row_height = 0

    def row(self, title):
        self._newline()
        self.panels.append({"type": "row", "title": title, "id": self._id(), "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _newline(self):
        if self.x:
            self.y += self.row_height
            self.x = 0
            self.row_height = 0

    def _id(self):
        value = self.next_id
        self.next_id += 1
        return value

    def panel(self, kind, title, description, targets, unit, w=8, h=8, options=None, field_config=None,
              transformations=None):
        if self.x + w > 24:
            self._newline()
        defaults = {"unit": unit}
        defaults.update(field_config or {})
        panel = {
            "type": kind, "title": title, "description": description, "id": self._id(),
            "datasource": DATASOURCE,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "targets": [
                dict({"datasource": DATASOURCE, "refId": chr(ord("A") + index), "editorMode": "code"}, **target)
                for index, target in enumerate(targets)
            ],
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": options or {},
        }
        if transformations:
            panel["transformations"] = transformations
        self.panels.append(panel)
        self.x += w
        self.row_height = max(self.row_height, h)

    def json(self):
        variables = [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []},
            {"name": "job", "label": "Job", "type": "query", "datasource": DATASOURCE,
             "query": {"query": "label_values(feature_flag_config_info, job)", "refId": "job"},
             "definition": "label_values(feature_flag_config_info, job)", "refresh": 2, "includeAll": True,
             "multi": True, "allValue": ".*", "current": {}, "hide": 0, "sort": 1, "regex": "", "options": []},
            {"name": "instance", "label": "Instance", "type": "query", "datasource": DATASOURCE,
             "query": {"query": 'label_values(feature_flag_config_info{job=~"$job"}, instance)', "refId": "instance"},
             "definition": 'label_values(feature_flag_config_info{job=~"$job"}, instance)', "refresh": 2,
             "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "hide": 0, "sort": 1, "regex": "",
             "options": []},
        ]
        return {
            "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "description": "", "type": "datasource",
                          "pluginId": "prometheus", "pluginName": "Prometheus"}],
            "__requires": [
                {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
                {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
            ] + [{"type": "panel", "id": kind, "name": kind, "version": ""}
                 for kind in sorted({p["type"] for p in self.panels if p["type"] != "row"})],
            "uid": self.uid, "title": self.title, "description": self.description, "tags": self.tags,
            "editable": True, "graphTooltip": 1, "schemaVersion": 39, "version": 1, "timezone": "",
            "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "fiscalYearStartMonth": 0,
            "liveNow": False, "weekStart": "",
            "annotations": {"list": [{
                "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
                "type": "dashboard"}]},
            "links": [],
            "templating": {"list": variables},
            "panels": self.panels,
        }


def ts(expr, legend):
    return {"expr": expr, "legendFormat": legend, "range": True, "instant": False}


def instant(expr, legend="", table=False):
    target = {"expr": expr, "legendFormat": legend, "range": False, "instant": True}
    if table:
        target["format"] = "table"
    return target


def overview():
    b = Board("featureflag-overview", "Feature flags: overview",
              "featureflag_exporter: config health, evaluations, rollouts, canaries, mirror, pushes and the "
              "exporter itself. Metrics: docs/metrics.md; alerts: alerts/; runbook: docs/runbook.md.",
              ["feature-flags", "featureflag_exporter"])
    R = "$__rate_interval"

    b.row("Config health")
    b.panel("timeseries", "Checks of the config source",
            "Successful and failed checks of the source per second, failures by error_type "
            "(connection, timeout, http_status, io, parse, validation, circuit_breaker_open).",
            [ts(f'sum by (instance) (rate(feature_flag_refresh_success_total{{{SEL}}}[{R}]))', "{{instance}} ok"),
             ts(f'sum by (instance, error_type) (rate(feature_flag_refresh_failure_total{{{SEL}}}[{R}]))',
                "{{instance}} {{error_type}}")], "ops")
    b.panel("stat", "Config stale",
            "1 while the last successful check is older than the staleness threshold (alert FeatureFlagConfigStale).",
            [instant(f'max by (instance) (feature_flag_stale_config{{{SEL}}})', "{{instance}}")], "bool_yes_no",
            w=4, options={"colorMode": "background", "graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"]}},
            field_config={"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                                       {"color": "red", "value": 1}]}})
    b.panel("stat", "Since the last successful check",
            "Seconds since the last successful check of the source, against the staleness threshold.",
            [instant(f'max by (instance) (time() - feature_flag_last_refresh_timestamp{{{SEL}}})', "{{instance}}"),
             instant(f'max by (instance) (feature_flag_stale_threshold_seconds{{{SEL}}})', "{{instance}} threshold")],
            "s", w=6, options={"graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"]}})
    b.panel("stat", "Since the last config change",
            "Seconds since the effective config content last changed.",
            [instant(f'max by (instance) (time() - feature_flag_last_change_timestamp_seconds{{{SEL}}})',
                     "{{instance}}")], "s", w=6,
            options={"graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"]}})
    b.panel("state-timeline", "Circuit breaker",
            "State of the config source's circuit breaker: 0 closed, 1 open, 2 half-open "
            "(alert FeatureFlagCircuitBreakerOpen).",
            [ts(f'max by (instance) (feature_flag_circuit_breaker_state{{{SEL}}})', "{{instance}}")], "none", w=12,
            field_config={"mappings": [{"type": "value", "options": {
                "0": {"text": "closed", "color": "green"}, "1": {"text": "open", "color": "red"},
                "2": {"text": "half-open", "color": "orange"}}}]})
    b.panel("timeseries", "Breaker transitions and reloads",
            "Circuit breaker transitions by the state entered, and new config content applied or refused "
            "(alert FeatureFlagConfigRejected).",
            [ts(f'sum by (to) (increase(feature_flag_circuit_breaker_transitions_total{{{SEL}}}[{R}]))', "to {{to}}"),
             ts(f'sum by (status) (increase(feature_flag_config_reloads_total{{{SEL}}}[{R}]))', "reload {{status}}")],
            "short", w=12)
    b.panel("timeseries", "Check duration",
            "Quantiles of the duration of one check of the config source.",
            [ts(f'histogram_quantile({q}, sum by (le) (rate(feature_flag_refresh_duration_seconds_bucket{{{SEL}}}[{R}])))',
                f"p{int(q * 100)}") for q in (0.5, 0.9, 0.99)], "s", w=12)
    b.panel("table", "Config in use",
            "The config each exporter serves: version, schema, checksum, environment and source.",
            [instant(f'max by (instance, version, schema_version, checksum, environment, source) '
                     f'(feature_flag_config_info{{{SEL}}})', table=True)], "none", w=12,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True}}}])
    b.panel("timeseries", "Flags by state",
            "Flags loaded, by state; and flags folded into flag_key=\"__other__\" past --metrics.max-flags.",
            [ts(f'sum by (state) (feature_flag_active_flags{{{SEL}}})', "{{state}}"),
             ts(f'max(feature_flag_metrics_folded_flags{{{SEL}}})', "folded")], "short")
    b.panel("timeseries", "Redis pub/sub",
            "1 while subscribed to the refresh channel; messages and reconnects per second.",
            [ts(f'max by (instance) (feature_flag_pubsub_connected{{{SEL}}})', "{{instance}} connected"),
             ts(f'sum by (instance) (rate(feature_flag_pubsub_messages_total{{{SEL}}}[{R}]))', "{{instance}} messages"),
             ts(f'sum by (instance) (rate(feature_flag_pubsub_reconnects_total{{{SEL}}}[{R}]))',
                "{{instance}} reconnects")], "short")
    b.panel("table", "Alert thresholds",
            "Thresholds from the config's alerts: section, which the alert rules read.",
            [instant(f'max by (alert) (feature_flag_alert_threshold{{{SEL}}})', table=True)], "short",
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}])

    b.row("Evaluations")
    b.panel("timeseries", "Evaluations by flag",
            "Evaluations per second per flag and source.",
            [ts(f'sum by (flag_key, source) (rate(feature_flag_evaluations_total{{{SEL}}}[{R}]))',
                "{{flag_key}} {{source}}")], "ops", w=12)
    b.panel("timeseries", "Evaluations by reason",
            "Evaluations per second by reason (TARGETING_MATCH, ROLLOUT_MATCH, SPLIT, DEFAULT, ...).",
            [ts(f'sum by (reason) (rate(feature_flag_evaluations_total{{{SEL}}}[{R}]))', "{{reason}}")], "ops", w=12)
    b.panel("timeseries", "Evaluation errors",
            "Evaluation errors per minute by flag and error type (alert FeatureFlagEvaluationErrors).",
            [ts(f'sum by (flag_key, error_type) (rate(feature_flag_errors_total{{{SEL}}}[{R}])) * 60',
                "{{flag_key}} {{error_type}}")], "short", w=12)
    b.panel("timeseries", "Evaluation latency",
            "Quantiles of one evaluation's latency (sampled), per source.",
            [ts(f'histogram_quantile(0.99, sum by (le, source) '
                f'(rate(feature_flag_evaluation_duration_seconds_bucket{{{SEL}}}[{R}])))', "p99 {{source}}"),
             ts(f'histogram_quantile(0.5, sum by (le, source) '
                f'(rate(feature_flag_evaluation_duration_seconds_bucket{{{SEL}}}[{R}])))', "p50 {{source}}")],
            "s", w=12)

    b.row("Rollouts")
    # Realised share of synthetic users in each rollout, in percent, and the configured percentage now.
    realised = (f'100 * sum by (flag_key) (rate(feature_flag_rollout_evaluations_total{{{SEL}, outcome="in", source="synthetic"}}[{R}])) '
                f'/ sum by (flag_key) (rate(feature_flag_rollout_evaluations_total{{{SEL}, source="synthetic"}}[{R}]))')
    configured = f'max by (flag_key) (feature_flag_rollout_percentage{{{SEL}}})'
    b.panel("timeseries", "Realised against configured share",
            "Per flag: the realised share of synthetic users in the rollout (in / (in + out)), and the configured "
            "percentage now (alert FeatureFlagRolloutDrift).",
            [ts(realised, "{{flag_key}} realised"),
             ts(configured, "{{flag_key}} configured")],
            "percent", w=12)
    b.panel("timeseries", "Drift",
            "Realised minus configured share, in points, per percentage or gradual flag.",
            [ts(f'{realised} - on (flag_key) {configured}', "{{flag_key}}")],
            "percent", w=12)
    b.panel("timeseries", "Split sample-ratio mismatch",
            "Chi-square p-value of each split's realised variants against its weights; under 0.001 means the "
            "split is broken (alert FeatureFlagSplitSampleRatioMismatch).",
            [ts(f'min by (flag_key, source) (feature_flag_split_srm_p_value{{{SEL}}})', "{{flag_key}} {{source}}")],
            "none", w=8, field_config={"min": 0, "max": 1})
    b.panel("timeseries", "Split: realised against configured variant share",
            "Per split flag and variant: the share of evaluations served that variant, and its configured weight.",
            [ts(f'sum by (flag_key, variant) (rate(feature_flag_evaluations_total{{{SEL}, reason="SPLIT"}}[{R}])) '
                f'/ on (flag_key) group_left () sum by (flag_key) (rate(feature_flag_evaluations_total{{{SEL}, reason="SPLIT"}}[{R}]))',
                "{{flag_key}} {{variant}} realised"),
             ts(f'max by (flag_key, variant) (feature_flag_variant_weight_ratio{{{SEL}}})',
                "{{flag_key}} {{variant}} configured")], "percentunit", w=8)
    b.panel("timeseries", "Gradual rollouts",
            "The effective percentage of each gradual rollout over time, as its schedule moves it.",
            [ts(f'max by (flag_key) (feature_flag_rollout_percentage{{{SEL}}}) '
                f'and on (flag_key) max by (flag_key) (feature_flag_info{{{SEL}, strategy="gradual"}})', "{{flag_key}}")],
            "percent", w=8)

    b.row("Canaries")
    b.panel("state-timeline", "Canaries",
            "1 while the canary's context gets its expected variant (alert FeatureFlagCanaryFailing).",
            [ts(f'min by (canary, flag_key) (feature_flag_canary_success{{{SEL}}})', "{{canary}} ({{flag_key}})")],
            "bool_yes_no", w=24, h=6,
            field_config={"mappings": [{"type": "value", "options": {
                "0": {"text": "failing", "color": "red"}, "1": {"text": "ok", "color": "green"}}}]})

    b.row("Mirror")
    b.panel("timeseries", "Mirror mismatches",
            "Share of mirrored decisions whose variant differs from ours, per flag (alert FeatureFlagMirrorMismatch).",
            [ts(f'sum by (flag_key) (rate(feature_flag_mirror_mismatch_total{{{SEL}}}[{R}])) '
                f'/ sum by (flag_key) (rate(feature_flag_evaluations_total{{{SEL}, source="mirror"}}[{R}]))',
                "{{flag_key}}")], "percentunit", w=12)
    b.panel("timeseries", "Mirrored input refused",
            "Mirrored lines and OFREP requests refused per second: malformed, too_large, rate_limited.",
            [ts(f'sum by (reason) (rate(feature_flag_mirror_dropped_total{{{SEL}}}[{R}]))', "{{reason}}")], "ops",
            w=12)

    b.row("Pushes")
    b.panel("timeseries", "Pushes to the Pushgateway",
            "Pushes accepted and failed per second, failures by error_type (alert FeatureFlagPushFailing).",
            [ts(f'sum by (instance) (rate(feature_flag_push_success_total{{{SEL}}}[{R}]))', "{{instance}} ok"),
             ts(f'sum by (instance, error_type) (rate(feature_flag_push_failure_total{{{SEL}}}[{R}]))',
                "{{instance}} {{error_type}}")], "ops")
    b.panel("timeseries", "Push duration",
            "Quantiles of one push, retries included.",
            [ts(f'histogram_quantile(0.9, sum by (le) (rate(feature_flag_push_duration_seconds_bucket{{{SEL}}}[{R}])))',
                "p90")], "s")
    b.panel("stat", "Since the last push",
            "Seconds since the last accepted push of each pushing exporter, and the age of each pushed group on the "
            "gateway (alert FeatureFlagPushgatewayStale).",
            [instant(f'max by (instance) (time() - feature_flag_last_push_timestamp_seconds{{{SEL}}})',
                     "{{instance}}"),
             instant(f'max by (job, instance) (time() - push_time_seconds{{{SEL}}})', "gateway {{job}} {{instance}}")],
            "s", options={"graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"]}})

    b.row("The exporter")
    b.panel("stat", "Up", "Whether Prometheus scrapes each exporter (alert FeatureFlagExporterDown).",
            [instant(f'up{{{SEL}}}', "{{instance}}")], "bool_yes_no", w=6,
            options={"colorMode": "background", "graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"]}},
            field_config={"thresholds": {"mode": "absolute", "steps": [{"color": "red", "value": None},
                                                                       {"color": "green", "value": 1}]}})
    b.panel("table", "Build", "Version, revision and Swift version of each exporter, and its start time.",
            [instant(f'max by (instance, version, revision, swift_version) (feature_flag_exporter_build_info{{{SEL}}})',
                     table=True),
             instant(f'max by (instance) (process_start_time_seconds{{{SEL}}}) * 1000', table=True)], "dateTimeAsIso",
            w=10, transformations=[{"id": "merge", "options": {}}])
    b.panel("timeseries", "CPU", "CPU seconds per second used by each exporter.",
            [ts(f'sum by (instance) (rate(process_cpu_seconds_total{{{SEL}}}[{R}]))', "{{instance}}")], "percentunit",
            w=8)
    b.panel("timeseries", "Memory", "Resident and virtual memory of each exporter.",
            [ts(f'max by (instance) (process_resident_memory_bytes{{{SEL}}})', "{{instance}} resident"),
             ts(f'max by (instance) (process_virtual_memory_bytes{{{SEL}}})', "{{instance}} virtual")], "bytes")
    b.panel("timeseries", "File descriptors", "Open file descriptors against the limit.",
            [ts(f'max by (instance) (process_open_fds{{{SEL}}})', "{{instance}} open"),
             ts(f'max by (instance) (process_max_fds{{{SEL}}})', "{{instance}} max")], "short")
    b.panel("timeseries", "HTTP requests", "Requests per second served, by handler and status code.",
            [ts(f'sum by (handler, code) (rate(feature_flag_exporter_http_requests_total{{{SEL}}}[{R}]))',
                "{{handler}} {{code}}")], "reqps")
    b.panel("timeseries", "HTTP latency", "99th percentile of request duration by handler.",
            [ts(f'histogram_quantile(0.99, sum by (le, handler) '
                f'(rate(feature_flag_exporter_http_request_duration_seconds_bucket{{{SEL}}}[{R}])))', "{{handler}}")],
            "s", w=16)
    b.panel("timeseries", "HTTP refusals",
            "Connections and requests refused per second, by the limit or check that refused them (docs/security.md).",
            [ts(f'sum by (reason) (rate(feature_flag_exporter_http_refused_total{{{SEL}}}[{R}]))', "{{reason}}")],
            "reqps", w=12)
    b.panel("timeseries", "Open connections", "HTTP connections open on each exporter, against --web.max-connections.",
            [ts(f'max by (instance) (feature_flag_exporter_http_connections{{{SEL}}})', "{{instance}}")], "short", w=12)
    return b


def phases():
    b = Board("featureflag-technical-debt", "Feature flags: technical debt phases",
              "Progress of the technical-debt plan's phases, flags per phase and state, and every flag's rollout.",
              ["feature-flags", "featureflag_exporter", "technical-debt"])
    b.row("Phases")
    b.panel("bargauge", "Phase progress",
            "0..100 per phase: the mean exposure of its flags (disabled 0, enabled 100, rollout its percentage).",
            [instant(f'max by (phase) (technical_debt_phase_progress{{{SEL}}})', "phase {{phase}}")], "percent",
            w=12, options={"orientation": "horizontal", "displayMode": "gradient",
                           "reduceOptions": {"calcs": ["lastNotNull"]}}, field_config={"min": 0, "max": 100})
    b.panel("timeseries", "Phase progress over time",
            "How each phase's exposure moved (gradual rollouts move it by themselves).",
            [ts(f'max by (phase) (technical_debt_phase_progress{{{SEL}}})', "phase {{phase}}")], "percent", w=12,
            field_config={"min": 0, "max": 100})
    b.panel("table", "Flags per phase and state",
            "How many flags of each phase are disabled, enabled or rolling out.",
            [instant(f'count by (phase, state) (max by (flag_key, phase, state) (feature_flag_info{{{SEL}}}))',
                     table=True)], "short", w=8,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}])
    b.panel("table", "Rollouts",
            "Every flag with its phase, state, strategy and effective percentage now.",
            [instant(f'max by (flag_key, phase, state, strategy) (feature_flag_info{{{SEL}}})', table=True),
             instant(f'max by (flag_key) (feature_flag_rollout_percentage{{{SEL}}})', table=True)], "percent", w=16,
            h=12, transformations=[{"id": "merge", "options": {}},
                                   {"id": "organize", "options": {"excludeByName": {"Time": True, "Value #A": True}}}])
    return b


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name, board in [("featureflag-overview.json", overview()), ("technical-debt-phases.json", phases())]:
        with open(os.path.join(root, "dashboards", name), "w") as output:
            json.dump(board.json(), output, indent=2, sort_keys=False)
            output.write("\n")


if __name__ == "__main__":
    main()
