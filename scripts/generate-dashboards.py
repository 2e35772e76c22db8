#!/usr/bin/env python3
"""Writes dashboards/*.json, featureflag_exporter's Grafana dashboards, with Grafana's typed builders
(grafana-foundation-sdk 11.1, the release docker-compose.yml provisions; scripts/install-python-tools.sh installs it
into .build-venv).

The JSON files are committed; edit this script and run it rather than editing them:

  .build-venv/bin/python3 scripts/generate-dashboards.py [--output DIR] [--runbook-url URL]

--runbook-url is where docs/runbook.md is served (the same base as scripts/render-rules.py's --runbook-url-base).
Tests/ExporterTests/DashboardTests.swift checks the output: the lint rules, thresholds equal to the alert rules',
every expression valid PromQL (promtool), and that the files are what this script writes.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from grafana_foundation_sdk.builders import bargauge, stat, statetimeline, table, timeseries
    from grafana_foundation_sdk.builders import common as common_builders
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models import dashboard as model
except ImportError:
    sys.exit("generate-dashboards: grafana-foundation-sdk is missing; run scripts/install-python-tools.sh and use "
             ".build-venv/bin/python3")
from dashboardkit import (FLAG, RATE, SEL, Board, dashboard_links, instant, label_variable, last_value, organize,
                          series, threshold_lines, thresholds, value_mapping)

DEFAULT_RUNBOOK_URL = "https://github.com/featureflag-exporter/featureflag_exporter/blob/main/docs/runbook.md"
SOURCE = 'source=~"$source"'
GREEN_RED = (None, "green"), (1, "red")


def status():
    """A stat that is green at 0 and red from 1: the top row reads "all green" when nothing needs a look."""
    return (stat.Panel().graph_mode(common.BigValueGraphMode.NONE).color_mode(common.BigValueColorMode.BACKGROUND)
            .reduce_options(last_value()).thresholds(thresholds(*GREEN_RED)))


def reading():
    """A stat of current readings (ages, uptime): the last value, no sparkline, no colour."""
    return stat.Panel().graph_mode(common.BigValueGraphMode.NONE).reduce_options(last_value())


def dashed():
    """Override properties that draw the series they match as thin dashed lines (configured values beside realised
    ones)."""
    return [model.DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}),
            model.DynamicConfigValue(id_val="custom.lineWidth", value=1),
            model.DynamicConfigValue(id_val="custom.fillOpacity", value=0)]


def status_row(b):
    b.row("Status")
    b.panel(status(), "Exporters not ready",
            "Targets Prometheus cannot scrape, or that answer without a loaded config (/-/ready is 503) "
            "(alerts FeatureFlagExporterDown, FeatureFlagExporterAbsent).", "none",
            [instant(f"count((up{{{SEL}}} == 0) or (up{{{SEL}}} unless on (job, instance) "
                     f"feature_flag_config_info{{{SEL}}})) or vector(0)")], width=4, height=4)
    b.panel(status(), "Stale configs",
            "Exporters whose last successful check of the config source is older than the staleness threshold "
            "(alert FeatureFlagConfigStale).", "none",
            [instant(f"sum(feature_flag_stale_config{{{SEL}}}) or vector(0)")], width=4, height=4)
    b.panel(status(), "Breakers open",
            "Config-source circuit breakers open now: checks fail fast (alert FeatureFlagCircuitBreakerOpen). "
            "Half-open, the normal way back, is in the Config health row.", "none",
            [instant(f"count(feature_flag_circuit_breaker_state{{{SEL}}} == 1) or vector(0)")], width=4, height=4)
    b.panel(status(), "Canaries failing",
            "Canaries not served their expected variant (alert FeatureFlagCanaryFailing).", "none",
            [instant(f"count(feature_flag_canary_success{{{SEL}}} == 0) or vector(0)")], width=4, height=4)
    b.panel(status(), "Alerts firing",
            "featureflag_exporter alerts firing now, from Prometheus' ALERTS series (an alert without an instance "
            "label, such as FeatureFlagExporterAbsent, counts under every instance selection).", "none",
            [instant('count(ALERTS{alertstate="firing", alertname=~"FeatureFlag.*", job=~"$job", '
                     'instance=~"$instance|"}) or vector(0)')], width=4, height=4)
    b.panel(status().thresholds(thresholds((None, "green"), (10, "red"))), "Evaluation errors",
            "Evaluation errors per minute over the selected exporters; red from 10, the default threshold of "
            "FeatureFlagEvaluationErrors (which applies it per exporter).", "opm",
            [instant(f"sum(rate(feature_flag_errors_total{{{SEL}}}[{RATE}])) * 60 or vector(0)")], width=4, height=4)


def config_row(b):
    b.row("Config health")
    b.panel(timeseries.Panel(), "Checks of the config source",
            "Successful and failed checks of the source per second, failures by error_type "
            "(connection, timeout, http_status, io, parse, validation, circuit_breaker_open).", "ops",
            [series(f"sum by (instance) (rate(feature_flag_refresh_success_total{{{SEL}}}[{RATE}]))", "{{instance}} ok"),
             series(f"sum by (instance, error_type) (rate(feature_flag_refresh_failure_total{{{SEL}}}[{RATE}]))",
                    "{{instance}} {{error_type}}")])
    b.panel(reading(),
            "Since the last successful check",
            "Seconds since the last successful check of the source, beside the staleness threshold.", "s",
            [instant(f"max by (instance) (time() - feature_flag_last_refresh_timestamp{{{SEL}}})", "{{instance}}"),
             instant(f"max by (instance) (feature_flag_stale_threshold_seconds{{{SEL}}})", "{{instance}} threshold")])
    b.panel(reading(),
            "Since the last config change", "Seconds since the effective config content last changed.", "s",
            [instant(f"max by (instance) (time() - feature_flag_last_change_timestamp_seconds{{{SEL}}})",
                     "{{instance}}")])
    b.panel(statetimeline.Panel().mappings(value_mapping(
                {0: ("closed", "green"), 1: ("open", "red"), 2: ("half-open", "orange")})),
            "Circuit breaker",
            "State of the config source's circuit breaker: closed, open or half-open "
            "(alert FeatureFlagCircuitBreakerOpen fires when it keeps opening).", "none",
            [series(f"max by (instance) (feature_flag_circuit_breaker_state{{{SEL}}})", "{{instance}}")], width=12)
    b.panel(timeseries.Panel(), "Breaker transitions and reloads",
            "Circuit breaker transitions by the state entered, and new config content applied or refused "
            "(alert FeatureFlagConfigRejected).", "short",
            [series(f"sum by (to) (increase(feature_flag_circuit_breaker_transitions_total{{{SEL}}}[{RATE}]))",
                    "to {{to}}"),
             series(f"sum by (status) (increase(feature_flag_config_reloads_total{{{SEL}}}[{RATE}]))",
                    "reload {{status}}")], width=12)
    b.panel(timeseries.Panel(), "Check duration", "Quantiles of the duration of one check of the config source.", "s",
            [series(f"histogram_quantile({q}, sum by (le) "
                    f"(rate(feature_flag_refresh_duration_seconds_bucket{{{SEL}}}[{RATE}])))", f"p{int(q * 100)}")
             for q in (0.5, 0.9, 0.99)], width=12)
    b.panel(table.Panel().transformations([organize(exclude=("Time", "Value"))]), "Config in use",
            "The config each exporter serves: version, schema, checksum, environment and source.", "none",
            [instant(f"max by (instance, version, schema_version, checksum, environment, source) "
                     f"(feature_flag_config_info{{{SEL}}})", table=True)], width=12)
    b.panel(timeseries.Panel(), "Flags by state",
            'Flags loaded, by state; and flags folded into flag_key="__other__" past --metrics.max-flags.', "short",
            [series(f"sum by (state) (feature_flag_active_flags{{{SEL}}})", "{{state}}"),
             series(f"max(feature_flag_metrics_folded_flags{{{SEL}}})", "folded")])
    b.panel(timeseries.Panel(), "Redis pub/sub",
            "1 while subscribed to the refresh channel; messages and reconnects per second "
            "(alert FeatureFlagPubSubDisconnected).", "short",
            [series(f"max by (instance) (feature_flag_pubsub_connected{{{SEL}}})", "{{instance}} connected"),
             series(f"sum by (instance) (rate(feature_flag_pubsub_messages_total{{{SEL}}}[{RATE}]))",
                    "{{instance}} messages"),
             series(f"sum by (instance) (rate(feature_flag_pubsub_reconnects_total{{{SEL}}}[{RATE}]))",
                    "{{instance}} reconnects")])
    b.panel(table.Panel().transformations([organize(exclude=("Time",), rename={"Value": "Threshold"})]),
            "Alert thresholds",
            "Thresholds from the config's alerts: section, which the alert rules read (where a config sets none, "
            "the rules use the seed's values, which the panels' lines show).", "short",
            [instant(f"max by (alert) (feature_flag_alert_threshold{{{SEL}}})", table=True)])


def evaluations_row(b):
    b.row("Evaluations")
    b.panel(timeseries.Panel(), "Evaluations by flag", "Evaluations per second per flag and source.", "ops",
            [series(f"sum by (flag_key, source) (rate(feature_flag_evaluations_total{{{FLAG}, {SOURCE}}}[{RATE}]))",
                    "{{flag_key}} {{source}}")], width=12)
    b.panel(timeseries.Panel(), "Evaluations by reason",
            "Evaluations per second by reason (TARGETING_MATCH, ROLLOUT_MATCH, SPLIT, DEFAULT, ...).", "ops",
            [series(f"sum by (reason) (rate(feature_flag_evaluations_total{{{FLAG}, {SOURCE}}}[{RATE}]))",
                    "{{reason}}")], width=12)
    b.panel(timeseries.Panel().thresholds(thresholds((None, "green"), (10, "red"))).thresholds_style(threshold_lines()),
            "Evaluation errors per exporter",
            "Evaluation errors per minute on each exporter; the line is 10 per minute, the default threshold of "
            "FeatureFlagEvaluationErrors (a config's alerts.flag_evaluation_errors replaces it).", "opm",
            [series(f"sum by (instance) (rate(feature_flag_errors_total{{{SEL}, {SOURCE}}}[{RATE}])) * 60",
                    "{{instance}}")], width=8)
    b.panel(timeseries.Panel(), "Evaluation errors by flag",
            "Evaluation errors per minute by flag and error type.", "opm",
            [series(f"sum by (flag_key, error_type) (rate(feature_flag_errors_total{{{FLAG}, {SOURCE}}}[{RATE}])) * 60",
                    "{{flag_key}} {{error_type}}")], width=8)
    b.panel(timeseries.Panel(), "Evaluation latency", "Quantiles of one evaluation's latency (sampled), per source.",
            "s",
            [series(f"histogram_quantile({q}, sum by (le, source) "
                    f"(rate(feature_flag_evaluation_duration_seconds_bucket{{{SEL}, {SOURCE}}}[{RATE}])))",
                    f"p{int(q * 100)} {{{{source}}}}") for q in (0.99, 0.5)], width=8)


def rollouts_row(b):
    b.row("Rollouts")
    rollout = f"feature_flag_rollout_evaluations_total{{{FLAG}, {SOURCE}"
    realised = (f'100 * sum by (flag_key, source) (rate({rollout}, outcome="in"}}[{RATE}])) '
                f"/ sum by (flag_key, source) (rate({rollout}}}[{RATE}]))")
    configured = f"max by (flag_key) (feature_flag_rollout_percentage{{{FLAG}}})"
    b.panel(timeseries.Panel().override_by_regexp(".* configured$", dashed()), "Realised against configured share",
            "Per flag and source: the realised share of users in the rollout, in / (in + out), as solid lines; the "
            "configured percentage now as dashed lines (alert FeatureFlagRolloutDrift). Pick flags above.", "percent",
            [series(realised, "{{flag_key}} {{source}} realised"), series(configured, "{{flag_key}} configured")],
            width=12)
    b.panel(timeseries.Panel().thresholds(thresholds((None, "red"), (-5, "green"), (5, "red")))
            .thresholds_style(threshold_lines()),
            "Drift", "Realised minus configured share, in points; the lines are at ±5 points, the default threshold "
            "of FeatureFlagRolloutDrift (a config's alerts.rollout_percentage_exceeded replaces it).", "percent",
            [series(f"{realised} - on (flag_key) group_left () {configured}", "{{flag_key}} {{source}}")], width=12)
    b.panel(timeseries.Panel().thresholds(thresholds((None, "red"), (0.001, "green"))).thresholds_style(threshold_lines())
            .scale_distribution(common_builders.ScaleDistributionConfig().type(common.ScaleDistribution.LOG).log(10)),
            "Split sample-ratio mismatch",
            "Chi-square p-value of each split's realised variants against its weights, on a log axis; under the "
            "line at 0.001 the split is broken (alert FeatureFlagSplitSampleRatioMismatch).", "none",
            [series(f"clamp_min(min by (flag_key, source) (feature_flag_split_srm_p_value{{{FLAG}, {SOURCE}}}), 1e-12)",
                    "{{flag_key}} {{source}}")])
    evaluations = f'feature_flag_evaluations_total{{{FLAG}, {SOURCE}, reason="SPLIT"}}'
    b.panel(timeseries.Panel().override_by_regexp(".* configured$", dashed()),
            "Split: realised against configured variant share",
            "Per split flag and variant: the share of evaluations served that variant (solid), and its configured "
            "weight (dashed).", "percentunit",
            [series(f"sum by (flag_key, variant) (rate({evaluations}[{RATE}])) / on (flag_key) group_left () "
                    f"sum by (flag_key) (rate({evaluations}[{RATE}]))", "{{flag_key}} {{variant}} realised"),
             series(f"max by (flag_key, variant) (feature_flag_variant_weight_ratio{{{FLAG}}})",
                    "{{flag_key}} {{variant}} configured")])
    b.panel(timeseries.Panel(), "Gradual rollouts",
            "The effective percentage of each gradual rollout over time, as its schedule moves it.", "percent",
            [series(f"max by (flag_key) (feature_flag_rollout_percentage{{{FLAG}}}) and on (flag_key) "
                    f'max by (flag_key) (feature_flag_info{{{FLAG}, strategy="gradual"}})', "{{flag_key}}")])


def traffic_rows(b):
    b.row("Canaries and mirror")
    b.panel(statetimeline.Panel().mappings(value_mapping({0: ("failing", "red"), 1: ("ok", "green")})), "Canaries",
            "Whether each canary's context gets its expected variant (alert FeatureFlagCanaryFailing).", "none",
            [series(f"min by (canary, flag_key) (feature_flag_canary_success{{{FLAG}}})", "{{canary}} ({{flag_key}})")],
            width=24, height=6)
    b.panel(timeseries.Panel().thresholds(thresholds((None, "green"), (0.01, "red"))).thresholds_style(threshold_lines()),
            "Mirror mismatches",
            "Share of mirrored decisions whose variant differs from ours, per flag; the line is the 1% of "
            "FeatureFlagMirrorMismatch.", "percentunit",
            [series(f"sum by (flag_key) (rate(feature_flag_mirror_mismatch_total{{{FLAG}}}[{RATE}])) / "
                    f'sum by (flag_key) (rate(feature_flag_evaluations_total{{{FLAG}, source="mirror"}}[{RATE}]))',
                    "{{flag_key}}")], width=12)
    b.panel(timeseries.Panel(), "Mirrored input refused",
            "Mirrored lines and OFREP requests refused per second: malformed, too_large, rate_limited.", "ops",
            [series(f"sum by (reason) (rate(feature_flag_mirror_dropped_total{{{SEL}}}[{RATE}]))", "{{reason}}")],
            width=12)

    b.row("Pushes")
    b.panel(timeseries.Panel(), "Pushes to the Pushgateway",
            "Pushes accepted and failed per second, failures by error_type (alert FeatureFlagPushFailing).", "ops",
            [series(f"sum by (instance) (rate(feature_flag_push_success_total{{{SEL}}}[{RATE}]))", "{{instance}} ok"),
             series(f"sum by (instance, error_type) (rate(feature_flag_push_failure_total{{{SEL}}}[{RATE}]))",
                    "{{instance}} {{error_type}}")])
    b.panel(timeseries.Panel(), "Push duration", "90th percentile of one push, retries included.", "s",
            [series(f"histogram_quantile(0.9, sum by (le) "
                    f"(rate(feature_flag_push_duration_seconds_bucket{{{SEL}}}[{RATE}])))", "p90")])
    b.panel(reading(), "Since the last push",
            "Seconds since the last accepted push of each pushing exporter, and the age of each pushed group on the "
            "gateway (alert FeatureFlagPushgatewayStale).", "s",
            [instant(f"max by (instance) (time() - feature_flag_last_push_timestamp_seconds{{{SEL}}})", "{{instance}}"),
             instant(f"max by (job, instance) (time() - push_time_seconds{{{SEL}}})", "gateway {{job}} {{instance}}")])


def exporter_row(b):
    b.row("The exporter")
    b.panel(status().thresholds(thresholds((None, "red"), (1, "green"))).mappings(
                value_mapping({0: ("down", "red"), 1: ("up", "green")})),
            "Up", "Whether Prometheus scrapes each exporter (alert FeatureFlagExporterDown).", "none",
            [instant(f"up{{{SEL}}}", "{{instance}}")], width=6)
    b.panel(table.Panel().transformations([organize(exclude=("Time", "Value"))]), "Build",
            "Version, revision (the commit it was built from) and Swift version of each exporter.", "none",
            [instant(f"max by (instance, version, revision, swift_version) "
                     f"(feature_flag_exporter_build_info{{{SEL}}})", table=True)], width=10)
    b.panel(reading(), "Uptime",
            "Time since each exporter started.", "s",
            [instant(f"max by (instance) (time() - process_start_time_seconds{{{SEL}}})", "{{instance}}")])
    b.panel(timeseries.Panel(), "CPU", "CPU seconds per second used by each exporter.", "percentunit",
            [series(f"sum by (instance) (rate(process_cpu_seconds_total{{{SEL}}}[{RATE}]))", "{{instance}}")])
    b.panel(timeseries.Panel(), "Memory", "Resident and virtual memory of each exporter.", "bytes",
            [series(f"max by (instance) (process_resident_memory_bytes{{{SEL}}})", "{{instance}} resident"),
             series(f"max by (instance) (process_virtual_memory_bytes{{{SEL}}})", "{{instance}} virtual")])
    b.panel(timeseries.Panel(), "File descriptors", "Open file descriptors against the limit.", "short",
            [series(f"max by (instance) (process_open_fds{{{SEL}}})", "{{instance}} open"),
             series(f"max by (instance) (process_max_fds{{{SEL}}})", "{{instance}} max")])
    b.panel(timeseries.Panel(), "HTTP requests", "Requests per second served, by handler and status code.", "reqps",
            [series(f"sum by (handler, code) (rate(feature_flag_exporter_http_requests_total{{{SEL}}}[{RATE}]))",
                    "{{handler}} {{code}}")])
    b.panel(timeseries.Panel(), "HTTP latency", "99th percentile of request duration by handler.", "s",
            [series(f"histogram_quantile(0.99, sum by (le, handler) "
                    f"(rate(feature_flag_exporter_http_request_duration_seconds_bucket{{{SEL}}}[{RATE}])))",
                    "{{handler}}")], width=16)
    b.panel(timeseries.Panel(), "HTTP refusals",
            "Connections and requests refused per second, by the limit or check that refused them "
            "(docs/security.md).", "reqps",
            [series(f"sum by (reason) (rate(feature_flag_exporter_http_refused_total{{{SEL}}}[{RATE}]))",
                    "{{reason}}")], width=12)
    b.panel(timeseries.Panel(), "Open connections",
            "HTTP connections open on each exporter, against --web.max-connections.", "short",
            [series(f"max by (instance) (feature_flag_exporter_http_connections{{{SEL}}})", "{{instance}}")], width=12)


def overview(runbook_url):
    b = Board("featureflag-overview", "Feature flags: overview",
              "featureflag_exporter: is every exporter ready and its config fresh, do rollouts do what their config "
              "says, do canaries pass. Metrics: docs/metrics.md; alerts: alerts/; runbook: docs/runbook.md.",
              ["feature-flags", "featureflag_exporter"],
              variables=[
                  label_variable("flag_key", "flag_key", f"label_values(feature_flag_info{{{SEL}}}, flag_key)",
                                 "The flags the rollout, split, canary and mirror panels show."),
                  label_variable("source", "source", f"label_values(feature_flag_evaluations_total{{{SEL}}}, source)",
                                 "Evaluation sources: synthetic, canary, mirror, mirror_observed."),
              ])
    for link in dashboard_links(runbook_url):
        b.link(link)
    b.annotation("Config changes",
                 f"sum by (instance) (changes(feature_flag_last_change_timestamp_seconds{{{SEL}}}[{RATE}])) > 0",
                 "Config changed on {{instance}}", "blue")
    b.annotation("Reloads refused",
                 f'sum by (instance) (increase(feature_flag_config_reloads_total{{{SEL}, status="failure"}}[{RATE}])) > 0',
                 "New config refused on {{instance}}", "red")
    status_row(b)
    config_row(b)
    evaluations_row(b)
    rollouts_row(b)
    traffic_rows(b)
    exporter_row(b)
    return b


def phases(runbook_url):
    b = Board("featureflag-technical-debt", "Feature flags: technical debt phases",
              "Progress of the technical-debt plan's phases, flags per phase and state, and every flag's rollout.",
              ["feature-flags", "featureflag_exporter", "technical-debt"])
    for link in dashboard_links(runbook_url):
        b.link(link)
    b.annotation("Config changes",
                 f"sum by (instance) (changes(feature_flag_last_change_timestamp_seconds{{{SEL}}}[{RATE}])) > 0",
                 "Config changed on {{instance}}", "blue")
    b.row("Phases")
    b.panel(bargauge.Panel().orientation(common.VizOrientation.HORIZONTAL)
            .display_mode(common.BarGaugeDisplayMode.GRADIENT).reduce_options(last_value()).min(0).max(100),
            "Phase progress",
            "0..100 per phase: the mean exposure of its flags (disabled 0, enabled 100, rollout its percentage).",
            "percent", [instant(f"max by (phase) (technical_debt_phase_progress{{{SEL}}})", "phase {{phase}}")],
            width=12)
    b.panel(timeseries.Panel().min(0).max(100), "Phase progress over time",
            "How each phase's exposure moved (gradual rollouts move it by themselves).", "percent",
            [series(f"max by (phase) (technical_debt_phase_progress{{{SEL}}})", "phase {{phase}}")], width=12)
    b.panel(table.Panel().transformations([organize(exclude=("Time",), rename={"Value": "Flags"})]),
            "Flags per phase and state", "How many flags of each phase are disabled, enabled or rolling out.", "short",
            [instant(f"count by (phase, state) (max by (flag_key, phase, state) (feature_flag_info{{{SEL}}}))",
                     table=True)])
    b.panel(table.Panel().transformations([
                model.DataTransformerConfig(id_val="merge", options={}),
                organize(exclude=("Time", "Value #A"), rename={"Value #B": "Percentage now"})]),
            "Rollouts", "Every flag with its phase, state, strategy and effective percentage now.", "percent",
            [instant(f"max by (flag_key, phase, state, strategy) (feature_flag_info{{{SEL}}})", table=True),
             instant(f"max by (flag_key) (feature_flag_rollout_percentage{{{SEL}}})", table=True)], width=16, height=12)
    return b


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--output", default=os.path.join(root, "dashboards"), help="directory to write into")
    parser.add_argument("--runbook-url", default=DEFAULT_RUNBOOK_URL, help="where docs/runbook.md is served")
    arguments = parser.parse_args()
    if not arguments.runbook_url.startswith(("https://", "http://")):
        sys.exit(f"generate-dashboards: --runbook-url '{arguments.runbook_url}' is not an http(s) URL")
    os.makedirs(arguments.output, exist_ok=True)
    for name, board in [("featureflag-overview.json", overview(arguments.runbook_url)),
                        ("technical-debt-phases.json", phases(arguments.runbook_url))]:
        with open(os.path.join(arguments.output, name), "w") as output:
            json.dump(board.model(), output, indent=2)
            output.write("\n")


if __name__ == "__main__":
    main()
