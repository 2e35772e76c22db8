"""The small vocabulary scripts/generate-dashboards.py writes its dashboards in, on Grafana's own typed builders
(grafana-foundation-sdk, pinned in scripts/install-python-tools.sh to the Grafana release docker-compose.yml
provisions, 11.1).

What it adds to the builders is only what every panel of ours shares, so that no panel can forget it:
- the `${datasource}` variable as every panel's and every query's data source, and the lint rules' variables
  (`datasource` labelled "Data Source"; `job`, `instance` and the dashboard's own label variables, each multi-value
  with an `allValue` of `.+`, reloaded on time-range change);
- panel ids and query refIds in order;
- a board that is not editable (it is generated: edit the script, not the JSON) and is written in a stable order.
"""
import json

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import prometheus as prometheus_model

GRAFANA_VERSION = "11.1"
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="${datasource}")
RATE = "$__rate_interval"


def selector(*extra):
    """The matchers every query carries: the job and instance variables, then `extra` (e.g. the flag_key one)."""
    return ", ".join(['job=~"$job"', 'instance=~"$instance"', *extra])


SEL = selector()
FLAG = selector('flag_key=~"$flag_key"')


def series(expr, legend):
    """A range query drawn over time."""
    return prometheus.Dataquery().expr(expr).legend_format(legend).range().editor_mode(prometheus_model.QueryEditorMode.CODE)


def instant(expr, legend="", table=False):
    """An instant query: a stat's current value, or a table's rows when `table`."""
    query = prometheus.Dataquery().expr(expr).legend_format(legend).instant().editor_mode(prometheus_model.QueryEditorMode.CODE)
    if table:
        query = query.format(prometheus_model.PromQueryFormat.TABLE)
    return query


def thresholds(*steps):
    """Absolute thresholds from (value, colour) pairs; the first value is None (the base colour)."""
    return dashboard_builders.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE).steps(
        [model.Threshold(value=value, color=color) for value, color in steps])


def threshold_lines(style="dashed"):
    """Draws a timeseries' thresholds as lines, so the line a panel shows is the line its alert fires at."""
    return common_builders.GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode(style))


def last_value():
    return common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False)


def value_mapping(texts):
    """Value mappings from {value: (text, colour)}."""
    return [model.ValueMap(options={str(value): model.ValueMappingResult(text=text, color=color, index=index)
                                    for index, (value, (text, color)) in enumerate(texts.items())})]


def organize(exclude=(), rename=None):
    """A table transformation: hides `exclude` columns and renames others, so no column shows as "Value #A"."""
    return model.DataTransformerConfig(id_val="organize", options={
        "excludeByName": {name: True for name in exclude}, "renameByName": dict(rename or {})})


def label_variable(name, label, query, description):
    """A query variable over one label's values, as the dashboard linter wants them: multi-value, "All" = `.+`."""
    return (dashboard_builders.QueryVariable(name).label(label).description(description).datasource(DATASOURCE)
            .query({"query": query, "refId": name, "qryType": 1}).multi(True).include_all(True).all_value(".+")
            .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED).sort(model.VariableSort.ALPHABETICAL_ASC))


class Board:
    """One dashboard: panels laid out by the builder's grid in the order they are added, ids and refIds numbered."""

    def __init__(self, uid, title, description, tags, variables=()):
        self.next_id = 1
        self.builder = (
            dashboard_builders.Dashboard(title).uid(uid).description(description).tags(tags).readonly()
            .tooltip(model.DashboardCursorSync.CROSSHAIR).time("now-6h", "now").refresh("30s").timezone("")
            .with_variable(dashboard_builders.DatasourceVariable("datasource").label("Data Source").type("prometheus")
                           .description("The Prometheus that scrapes featureflag_exporter."))
            .with_variable(label_variable("job", "job", "label_values(feature_flag_config_info, job)",
                                          "The scrape jobs of featureflag_exporter."))
            .with_variable(label_variable("instance", "instance",
                                          'label_values(feature_flag_config_info{job=~"$job"}, instance)',
                                          "The exporters of the selected jobs."))
        )
        for variable in variables:
            self.builder = self.builder.with_variable(variable)
        # Prometheus annotations the SDK's AnnotationQuery model has no field for (step, title format), by name.
        self.annotation_details = {}

    def row(self, title):
        self.builder = self.builder.with_row(dashboard_builders.Row(title).id(self._id()))

    def panel(self, builder, title, description, unit, targets, width=8, height=8):
        builder = (builder.id(self._id()).title(title).description(description).datasource(DATASOURCE).unit(unit)
                   .span(width).height(height))
        for index, target in enumerate(targets):
            builder = builder.with_target(target.ref_id(chr(ord("A") + index)).datasource(DATASOURCE))
        self.builder = self.builder.with_panel(builder)

    def annotation(self, name, expr, title, colour):
        """A Prometheus annotation: a marker wherever `expr` has a sample (a non-zero change in the last interval)."""
        self.builder = self.builder.annotation(
            dashboard_builders.AnnotationQuery().name(name).datasource(DATASOURCE).enable(True).hide(False)
            .icon_color(colour).expr(expr))
        self.annotation_details[name] = {"step": "1m", "titleFormat": title, "textFormat": "", "useValueForTime": False}

    def link(self, link):
        self.builder = self.builder.link(link)

    def _id(self):
        value = self.next_id
        self.next_id += 1
        return value

    def model(self):
        """The dashboard's JSON model as a dict, with Grafana's built-in annotation first."""
        board = json.loads(json.dumps(self.builder.build(), cls=JSONEncoder))
        annotations = board.get("annotations", {}).get("list", [])
        for annotation in annotations:
            annotation.update(self.annotation_details.get(annotation.get("name"), {}))
        built_in = {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                    "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
                    "type": "dashboard"}
        board["annotations"] = {"list": [built_in, *annotations]}
        return board


def dashboard_links(runbook_url):
    """The links every board carries: the other featureflag_exporter boards (with the time range and variables), and
    the runbook every alert points at."""
    return [
        dashboard_builders.DashboardLink("Feature-flag dashboards").type(model.DashboardLinkType.DASHBOARDS)
        .tags(["featureflag_exporter"]).as_dropdown(True).include_vars(True).keep_time(True),
        dashboard_builders.DashboardLink("Runbook").type(model.DashboardLinkType.LINK).url(runbook_url)
        .icon("doc").tooltip("What each alert means and what to do (docs/runbook.md)").target_blank(True),
    ]
