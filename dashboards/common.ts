/**
 * Shared defaults of every dashboard the stack provisions (datasources, units, colours, sizes) and
 * one factory per panel kind, in the shape of grafana-foundation-sdk's red-method example: a
 * factory returns a pre-configured builder that the dashboard factories finish with titles,
 * queries and links.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as tempo from "@grafana/grafana-foundation-sdk/tempo";
import * as text from "@grafana/grafana-foundation-sdk/text";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { Links } from "../alerts/links";
import { DATASOURCE_UIDS } from "../model/ids";
import { REQUEST_ID } from "../model/requests";

export type DatasourceRef = { readonly type: "prometheus" | "loki" | "tempo"; readonly uid: string };

export const DATASOURCES = {
    prometheus: { type: "prometheus", uid: DATASOURCE_UIDS.prometheus },
    loki: { type: "loki", uid: DATASOURCE_UIDS.loki },
    tempo: { type: "tempo", uid: DATASOURCE_UIDS.tempo },
} as const satisfies Record<string, DatasourceRef>;

export const UNITS = {
    ratio: "percentunit",
    seconds: "s",
    bytes: "bytes",
    bytesPerSecond: "Bps",
    requestsPerSecond: "reqps",
    perSecond: "cps",
    count: "short",
    cores: "suffix: cores",
    burnRate: "suffix:x",
} as const;

export const COLORS = { ok: "green", muted: "blue", notice: "yellow", warning: "orange", critical: "red", severe: "dark-red", neutral: "text" } as const;

/** The one percent formatter (exact: 0.99999 → 99.999%), shared with alert texts. */
export { percent } from "../model/exact";

/** Grid units: the dashboard is 24 wide. */
export const SIZE = { full: 24, half: 12, third: 8, quarter: 6, statHeight: 4, height: 8, tallHeight: 10 } as const;

export const DASHBOARD_TAGS = ["lgtm-stack", "generated"] as const;

/** `[from, color]` pairs; the first step's `from` is null (everything below the next step). */
export type ThresholdStep = readonly [from: number | null, color: string];

/** Grafana picks a value's colour by walking the steps in order, so they must ascend. */
export function thresholds(...steps: ThresholdStep[]): dashboard.ThresholdsConfigBuilder {
    const ascending = [...steps].sort(([a], [b]) => (a ?? -Infinity) - (b ?? -Infinity));
    return new dashboard.ThresholdsConfigBuilder()
        .mode(dashboard.ThresholdsMode.Absolute)
        .steps(ascending.map(([value, color]) => ({ value, color })));
}

/** Green below the alert threshold, red from it on. */
export function badAbove(limit: number): dashboard.ThresholdsConfigBuilder {
    return thresholds([null, COLORS.ok], [limit, COLORS.critical]);
}

/** Red below the objective, green from it on. */
export function goodAbove(limit: number): dashboard.ThresholdsConfigBuilder {
    return thresholds([null, COLORS.critical], [limit, COLORS.ok]);
}

/** Draws the panel's thresholds as dashed lines, so the graph shows where the alert fires. */
export function dashedThresholdLines(): common.GraphThresholdsStyleConfigBuilder {
    return new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed);
}

/** Field override that draws a series (a limit, an objective) as a dashed line. */
export const DASHED_SERIES = { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } } as const;

export function promQuery(expr: string, legend?: string): prometheus.DataqueryBuilder {
    const query = new prometheus.DataqueryBuilder().datasource(DATASOURCES.prometheus).editorMode(prometheus.QueryEditorMode.Code).expr(expr).range();
    return legend === undefined ? query : query.legendFormat(legend);
}

/** A query evaluated once at the end of the range (stats, tables). */
export function promInstantQuery(expr: string, legend?: string): prometheus.DataqueryBuilder {
    return promQuery(expr, legend).instant();
}

/** An instant query whose result is one table row per series (for table panels). */
export function promTableQuery(expr: string, refId: string): prometheus.DataqueryBuilder {
    return promInstantQuery(expr).format(prometheus.PromQueryFormat.Table).refId(refId);
}

export function lokiQuery(expr: string, legend?: string): loki.DataqueryBuilder {
    const query = new loki.DataqueryBuilder().datasource(DATASOURCES.loki).editorMode(loki.QueryEditorMode.Code).expr(expr);
    return legend === undefined ? query : query.legendFormat(legend);
}

export function traceqlQuery(expr: string, limit = 20): tempo.DataqueryBuilder {
    return new tempo.DataqueryBuilder()
        .datasource(DATASOURCES.tempo)
        .queryType("traceql")
        .query(expr)
        .limit(limit)
        .tableType(tempo.SearchTableType.Traces);
}

export function timeseriesPanel(title: string, unit: string, datasource: DatasourceRef = DATASOURCES.prometheus): timeseries.PanelBuilder {
    return new timeseries.PanelBuilder()
        .title(title)
        .datasource(datasource)
        .unit(unit)
        .span(SIZE.half)
        .height(SIZE.height)
        .lineWidth(1)
        .fillOpacity(10)
        .showPoints(common.VisibilityMode.Never)
        .drawStyle(common.GraphDrawStyle.Line)
        .spanNulls(false)
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).placement(common.LegendPlacement.Bottom).displayMode(common.LegendDisplayMode.List))
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Off));
}

export function statPanel(title: string, unit: string): stat.PanelBuilder {
    return new stat.PanelBuilder()
        .title(title)
        .datasource(DATASOURCES.prometheus)
        .unit(unit)
        .span(SIZE.quarter)
        .height(SIZE.statHeight)
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Value)
        .textMode(common.BigValueTextMode.Auto)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
}

export function gaugePanel(title: string, unit: string): gauge.PanelBuilder {
    return new gauge.PanelBuilder()
        .title(title)
        .datasource(DATASOURCES.prometheus)
        .unit(unit)
        .span(SIZE.quarter)
        .height(SIZE.height)
        .showThresholdMarkers(true)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
}

export function tablePanel(title: string): table.PanelBuilder {
    return new table.PanelBuilder().title(title).datasource(DATASOURCES.prometheus).span(SIZE.full).height(SIZE.tallHeight).showHeader(true);
}

export function logsPanel(title: string, expr: string): logs.PanelBuilder {
    return new logs.PanelBuilder()
        .title(title)
        .datasource(DATASOURCES.loki)
        .span(SIZE.full)
        .height(SIZE.tallHeight)
        .showTime(true)
        .wrapLogMessage(true)
        .enableLogDetails(true)
        .sortOrder(common.LogsSortOrder.Descending)
        .withTarget(lokiQuery(expr).maxLines(200));
}

/** Trace search results (Tempo) as a table: each row opens the trace in the trace view. */
export function tracesPanel(title: string, traceql: string): table.PanelBuilder {
    return new table.PanelBuilder()
        .title(title)
        .datasource(DATASOURCES.tempo)
        .span(SIZE.full)
        .height(SIZE.tallHeight)
        .showHeader(true)
        .withTarget(traceqlQuery(traceql));
}

export function textPanel(title: string, markdown: string): text.PanelBuilder {
    return new text.PanelBuilder().title(title).span(SIZE.full).height(SIZE.height).mode(text.TextMode.Markdown).content(markdown);
}

export function link(title: string, url: string): dashboard.DashboardLinkBuilder {
    return new dashboard.DashboardLinkBuilder(title).type(dashboard.DashboardLinkType.Link).url(url).targetBlank(false);
}

/** Panel links to the alert's runbook, as Markdown and as the live runbook dashboard. */
export function runbookLinks(links: Links, alert: string, service?: string): dashboard.DashboardLinkBuilder[] {
    return [link(`Runbook: ${alert}`, links.runbookUrl(alert)), link(`Runbook dashboard: ${alert}`, links.runbookDashboardUrl(alert, service))];
}

/**
 * A dashboard-level link shown above the panels. The SDK defaults every link's placement to the
 * controls menu, where nobody looks during an incident; without a placement Grafana shows it inline.
 */
export function headerLink(title: string, url: string, options: { icon?: string; keepTime?: boolean } = {}): cog.Builder<dashboard.DashboardLink> {
    const { placement: _controlsMenu, ...inline } = link(title, url)
        .icon(options.icon ?? "dashboard")
        .keepTime(options.keepTime ?? true)
        .build();
    return { build: () => inline };
}

export function newDashboard(title: string, uid: string, tags: readonly string[], timeFrom: string): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder(title)
        .uid(uid)
        .tags([...DASHBOARD_TAGS, ...tags])
        // Provisioned from the stack config: edits in the UI would be overwritten by the next deploy.
        .readonly()
        .tooltip(dashboard.DashboardCursorSync.Crosshair)
        .refresh("1m")
        .time({ from: timeFrom, to: "now" })
        .timezone("browser");
}

/** Widths that fill one grid row: 5 panels get 5, 5, 5, 5 and 4 units. */
export function fillRow<T extends { span(width: number): T }>(panels: readonly T[]): T[] {
    const base = Math.floor(SIZE.full / panels.length);
    const wider = SIZE.full % panels.length;
    return panels.map((panel, index) => panel.span(base + (index < wider ? 1 : 0)));
}

/** A row followed by its panels; the builder lays them out left to right, top to bottom. */
export function withSection(builder: dashboard.DashboardBuilder, title: string, panels: readonly cog.Builder<dashboard.Panel>[]): dashboard.DashboardBuilder {
    if (panels.length === 0) {
        return builder;
    }
    builder.withRow(new dashboard.RowBuilder(title));
    for (const panel of panels) {
        builder.withPanel(panel);
    }
    return builder;
}

type PanelModel = dashboard.Panel | dashboard.RowPanel;
type QueryModel = { refId?: string };

/**
 * Builds the JSON model with stable panel ids (deep links such as `viewPanel=` survive re-renders)
 * and query refIds, as plain data: the SDK's builders leave marker functions on queries.
 */
export function buildDashboard(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
    const model = JSON.parse(JSON.stringify(builder.build())) as dashboard.Dashboard;
    // Grafana reads `list` of both without checking it exists.
    model.annotations.list ??= [];
    model.templating.list ??= [];
    let nextId = 1;
    const number = (panel: PanelModel): void => {
        panel.id = nextId++;
        const targets = ("targets" in panel ? panel.targets : undefined) as QueryModel[] | undefined;
        targets?.forEach((target, index) => {
            target.refId = target.refId || String.fromCharCode(65 + index);
        });
        if (panel.type === "row") {
            ((panel as dashboard.RowPanel).panels ?? []).forEach(number);
        }
    };
    (model.panels ?? []).forEach(number);
    return model;
}

/** A text box for one request id, empty until someone pastes one (or a link fills `var-request_id`). */
export function requestIdVariable(): dashboard.TextBoxVariableBuilder {
    return new dashboard.TextBoxVariableBuilder(REQUEST_ID.variable)
        .label("Request id")
        .description(`Paste a ${REQUEST_ID.attribute} (from a log line, an error report or a response header) to see that request's logs and trace.`)
        .current({ text: "", value: "" });
}

/**
 * "Logs of this request" and "Trace of this request" for the id in `$request_id`. The `!= ""` filter
 * keeps the logs panel empty while no id is given (an empty id would otherwise match every record
 * without one). `serviceName` may be a Grafana variable such as `$service`.
 */
export function requestPanels(serviceName: string): cog.Builder<dashboard.Panel>[] {
    const id = REQUEST_ID.attribute;
    const value = `$${REQUEST_ID.variable}`;
    return [
        logsPanel("Logs of this request", `{service_name="${serviceName}"} | ${id} != "" | ${id} = "${value}"`)
            .description(`Every log record of ${serviceName} with ${id} = the id above. Open a record's details and follow trace_id to its trace.`)
            .span(SIZE.half),
        tracesPanel("Trace of this request", `{ span.${id} = "${value}" }`)
            .description(`The trace whose spans carry ${id} = the id above, across every service it went through.`)
            .span(SIZE.half),
    ];
}
