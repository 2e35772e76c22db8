#!/usr/bin/env python3
"""Fits alerts/featureflag_exporter.rules.yml to your labels, as a monitoring mixin's config does.

The shipped file is the rendering with the defaults below; this script rewrites its PromQL and runbook links:

  --exporter-selector 'job="featureflag_exporter"'   the matchers that find the exporter's own targets, used by
                                                      FeatureFlagExporterDown (up == 0) and FeatureFlagExporterAbsent
                                                      (absent(up)); under the prometheus-operator the job is the
                                                      Service's name: 'job="featureflag-exporter"'
  --selector ''                                       matchers added to every feature_flag_* series the rules read,
                                                      to scope them (e.g. 'namespace="flags"'); empty reads all
  --group-by ''                                       labels kept by every aggregation and join beside job and
                                                      instance, e.g. 'cluster,namespace' (without them, sums over
                                                      two clusters' exporters of one job would add up)
  --runbook-url-base URL                              where docs/runbook.md is served; each alert links
                                                      URL#<alert name in lower case>

Usage: render-rules.py [options] [--output FILE]     (prints to stdout without --output)
Exit 1 with a message for a setting that is not what PromQL or a URL takes.
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "alerts", "featureflag_exporter.rules.yml")

DEFAULT_EXPORTER_SELECTOR = 'job="featureflag_exporter"'
DEFAULT_RUNBOOK_URL_BASE = "https://github.com/featureflag-exporter/featureflag_exporter/blob/main/docs/runbook.md"

MATCHER = re.compile(r'\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*')
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# A feature_flag_* series name in PromQL (not a recording rule's name, which has colons around it).
SERIES = re.compile(r"(?<![\w:])(feature_flag_[a-z0-9_]+)(?![\w:])(\{[^}]*\})?")
AGGREGATION = re.compile(r"\b(by|on) \(([^)]*)\)")


def matchers(text, what):
    """Validates a comma-separated list of label matchers; returns it trimmed ('' for none)."""
    text = text.strip()
    if not text:
        return ""
    parts = []
    for part in split_matchers(text):
        if not MATCHER.fullmatch(part):
            sys.exit(f"render-rules: {what} '{text}': '{part.strip()}' is not a label matcher such as job=\"x\"")
        parts.append(part.strip())
    return ",".join(parts)


def split_matchers(text):
    parts, current, quoted, escaped = [], "", False, False
    for character in text:
        if quoted:
            current += character
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                quoted = False
        elif character == '"':
            quoted = True
            current += character
        elif character == ",":
            parts.append(current)
            current = ""
        else:
            current += character
    parts.append(current)
    return parts


def scoped(expression, selector):
    """Adds `selector` to every feature_flag_* series of a PromQL expression."""
    if not selector:
        return expression

    def add(match):
        name, braces = match.group(1), match.group(2)
        if not braces or braces == "{}":
            return f"{name}{{{selector}}}"
        return f"{name}{{{selector},{braces[1:]}"
    return SERIES.sub(add, expression)


def grouped(expression, labels):
    """Keeps `labels` in every `by (...)` and `on (...)` that keeps job."""
    if not labels:
        return expression

    def add(match):
        keyword, kept = match.group(1), [part.strip() for part in match.group(2).split(",") if part.strip()]
        if "job" not in kept:
            return match.group(0)
        return f"{keyword} ({', '.join([label for label in labels if label not in kept] + kept)})"
    return AGGREGATION.sub(add, expression)


def render(text, exporter_selector, selector, group_by, runbook_url_base):
    out = []
    in_expression = False
    expression_indent = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if in_expression and stripped and indent <= expression_indent:
            in_expression = False
        is_expression = False
        if stripped.startswith("expr:"):
            is_expression = True
            expression_indent = indent
            in_expression = stripped.rstrip() in ("expr: |", "expr: >")
        elif in_expression and stripped:
            is_expression = True
        if is_expression and not stripped.startswith("#"):
            line = line.replace(f"up{{{DEFAULT_EXPORTER_SELECTOR}}}", f"up{{{exporter_selector}}}")
            line = grouped(scoped(line, selector), group_by)
        line = line.replace(DEFAULT_RUNBOOK_URL_BASE + "#", runbook_url_base + "#")
        out.append(line)
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description="Fits the shipped rules to your labels.")
    parser.add_argument("--exporter-selector", default=DEFAULT_EXPORTER_SELECTOR)
    parser.add_argument("--selector", default="")
    parser.add_argument("--group-by", default="")
    parser.add_argument("--runbook-url-base", default=DEFAULT_RUNBOOK_URL_BASE)
    parser.add_argument("--output")
    arguments = parser.parse_args()
    exporter_selector = matchers(arguments.exporter_selector, "--exporter-selector")
    if not exporter_selector:
        sys.exit("render-rules: --exporter-selector may not be empty: up{} would match every target of Prometheus")
    selector = matchers(arguments.selector, "--selector")
    group_by = [label.strip() for label in arguments.group_by.split(",") if label.strip()]
    for label in group_by:
        if not LABEL.fullmatch(label):
            sys.exit(f"render-rules: --group-by: '{label}' is not a label name")
    base = arguments.runbook_url_base.rstrip("/")
    if not re.fullmatch(r"https?://[^\s#]+", base):
        sys.exit(f"render-rules: --runbook-url-base '{arguments.runbook_url_base}' is not an http(s) URL without a #fragment")
    text = render(open(SOURCE, encoding="utf-8").read(), exporter_selector, selector, group_by, base)
    if arguments.output:
        with open(arguments.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
