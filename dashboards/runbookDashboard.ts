/**
 * A runbook as a dashboard: the text of the runbook around one live panel per diagnostic query, for
 * the service picked in `$service`.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { parser as logqlParser } from "@grafana/lezer-logql";
import { Links } from "../alerts/links";
import { dashboardUids } from "../model/ids";
import { ParsedRunbook, QUERY_SECTION, RunbookQuery, SERVICE_VARIABLE } from "../model/runbook";
import {
    buildDashboard,
    DATASOURCES,
    headerLink,
    logsPanel,
    lokiQuery,
    newDashboard,
    promQuery,
    requestIdVariable,
    requestPanels,
    SIZE,
    textPanel,
    timeseriesPanel,
    tracesPanel,
    UNITS,
    withSection,
} from "./common";

/** A LogQL query that returns numbers (`rate(...)`, `count_over_time(...)`) rather than log lines. */
function isLogqlMetricQuery(expr: string): boolean {
    return logqlParser.parse(expr).topNode.firstChild?.firstChild?.name === "MetricExpr";
}

function queryPanel(query: RunbookQuery): cog.Builder<dashboard.Panel> {
    const describe = <T extends { description(text: string): T }>(panel: T): T => (query.hint ? panel.description(query.hint) : panel);
    switch (query.language) {
        case "promql":
            return describe(timeseriesPanel(query.title, UNITS.count).withTarget(promQuery(query.expr)));
        case "logql":
            return isLogqlMetricQuery(query.expr)
                ? describe(timeseriesPanel(query.title, UNITS.count, DATASOURCES.loki).withTarget(lokiQuery(query.expr)))
                : describe(logsPanel(query.title, query.expr));
        case "traceql":
            return describe(tracesPanel(query.title, query.expr));
    }
}

/** Markdown of the sections whose position in the file `include` accepts, in file order. */
function sectionsMarkdown(runbook: ParsedRunbook, include: (position: number) => boolean): string {
    return Object.entries(runbook.sections)
        .filter((_, position) => include(position))
        .map(([title, body]) => `## ${title}\n\n${body}`)
        .join("\n\n");
}

/** Grid rows (30px each) a Markdown text needs at full width, roughly: long lines wrap. */
function textHeight(markdown: string): number {
    const visualLines = markdown.split("\n").reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / 180)), 0);
    return Math.min(40, Math.max(SIZE.height, Math.ceil(visualLines * 0.8) + 2));
}

function textSection(title: string, markdown: string): cog.Builder<dashboard.Panel> {
    return textPanel(title, markdown).height(textHeight(markdown));
}

function serviceVariable(valuesQuery: string): dashboard.QueryVariableBuilder {
    return new dashboard.QueryVariableBuilder(SERVICE_VARIABLE)
        .label("Service")
        .description("The service (or stack component) the alert is about; alert links fill it in.")
        .datasource(DATASOURCES.prometheus)
        .query(valuesQuery)
        .definition(valuesQuery)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        // Empty until chosen: a runbook opened without an alert should not show some other service.
        .current({ text: "", value: "" })
        .allowCustomValue(true);
}

/**
 * The runbook as a dashboard: what the alert means (text), the diagnostic queries as live panels,
 * then what to do (text). Sections before the queries lead, the ones after follow, as in the file.
 * `serviceValuesQuery` lists the choices of `$service` (a Grafana `label_values(...)` query).
 */
export function runbookDashboard(runbook: ParsedRunbook, links: Links, serviceValuesQuery = `label_values(${SERVICE_VARIABLE})`): dashboard.Dashboard {
    const queryIndex = Object.keys(runbook.sections).indexOf(QUERY_SECTION);
    const understand = [runbook.summary, sectionsMarkdown(runbook, (position) => position < queryIndex)].filter(Boolean).join("\n\n");
    const act = sectionsMarkdown(runbook, (position) => position > queryIndex);
    const builder = newDashboard(`Runbook: ${runbook.alert}`, dashboardUids.runbook(runbook.alert), ["runbook"], "now-3h")
        .description(runbook.summary)
        .withVariable(serviceVariable(serviceValuesQuery))
        .link(headerLink(`${runbook.alert}.md`, links.runbookUrl(runbook.alert), { icon: "doc", keepTime: false }))
        .link(headerLink("Overview", links.dashboardUrl(dashboardUids.overview())));
    withSection(builder, "What it means", [textSection(runbook.alert, understand)]);
    withSection(builder, QUERY_SECTION, runbook.queries.map(queryPanel));
    withSection(builder, "What to do", act ? [textSection("Resolution and escalation", act)] : []);
    // A request id from a user's report or an error log line leads straight to that request's logs and trace.
    builder.withVariable(requestIdVariable());
    withSection(builder, "One request", requestPanels(`$${SERVICE_VARIABLE}`));
    return buildDashboard(builder);
}
