/**
 * The stack overview: every service's SLOs in one table (objective, SLI over the window, budget
 * left, 1h burn rate, the service's firing alerts), each row linking to that service's dashboards,
 * every service's business counters next to them, and each service's alert volume (pages and tickets over 7 and 30 days), so a team sees its noise.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as table from "@grafana/grafana-foundation-sdk/table";
import { Links } from "../alerts/links";
import { ServiceSpec } from "../config/types";
import { NOTIFICATION_POLICY, STACK_ALERTS, WATCHDOG } from "../model/alerting";
import { BUSINESS_COUNTER, BUSINESS_UNITS, GOOD_DIRECTIONS } from "../model/business";
import { dashboardUids } from "../model/ids";
import { SERVICE_SERIES, SLO_CONSTANT_SERIES, SLO_DISPLAY_WINDOW, SLO_SERIES } from "../model/recordedSeries";
import {
    buildDashboard,
    COLORS,
    headerLink,
    newDashboard,
    promInstantQuery,
    promTableQuery,
    statPanel,
    tablePanel,
    thresholds,
    UNITS,
    withSection,
} from "./common";
import { betterIsPositive, businessChangeExpr } from "./golden";
import { budgetThresholds, stackBurnRateThresholds } from "./slo";

type Panel = cog.Builder<dashboard.Panel>;

/** Column titles, keyed by the refId of the query that fills them. */
const SLO_COLUMNS = {
    A: "Objective",
    B: "SLI (SLO window)",
    C: "Budget remaining",
    D: `Burn rate (${SLO_DISPLAY_WINDOW})`,
    E: "Service alerts firing",
} as const;

/** The cell of a service links to its dashboards; `${__value.raw}` is the service name. */
const SERVICE_CELL = "${__value.raw}";

/**
 * SLOs have windows of their own (28d, 30d), each recorded under its own name. The budget left is
 * recorded under one name for all, and is exactly `1 - window error ratio / budget`, so the window
 * SLI follows from it without the overview having to know any service's window.
 */
const { objective, errorBudget, errorBudgetRemaining } = SLO_CONSTANT_SERIES;
const SLI_OVER_WINDOW = `1 - (1 - ${errorBudgetRemaining.name}) * on(service, slo) ${errorBudget.name}`;

/** Firing alerts, without the Watchdog: it always fires (the heartbeat), so it would only be noise here. */
const FIRING = `ALERTS{alertstate="firing", alertname!="${WATCHDOG.alert}"}`;

/** Firing alerts of the row's service, on every SLO row of it (0 when none). */
function serviceAlertsExpr(): string {
    const rows = `sum by (service, slo) (${objective.name}) * 0`;
    return `(${rows} + on(service) group_left() count by (service) (${FIRING})) or (${rows})`;
}

function columnOverride(panel: table.PanelBuilder, column: string, properties: dashboard.DynamicConfigValue[]): table.PanelBuilder {
    return panel.overrideByName(column, properties);
}

function coloredCell(steps: dashboard.ThresholdsConfigBuilder): dashboard.DynamicConfigValue[] {
    return [
        { id: "thresholds", value: steps.build() },
        { id: "custom.cellOptions", value: { type: common.TableCellDisplayMode.ColorText } },
    ];
}

function serviceLinks(links: Links): dashboard.DynamicConfigValue {
    return {
        id: "links",
        value: [
            { title: "Golden signals", url: links.dashboardUrl(dashboardUids.golden(SERVICE_CELL)) },
            { title: "SLOs", url: links.dashboardUrl(dashboardUids.slo(SERVICE_CELL)) },
        ],
    };
}

function sloTable(links: Links, sloServices: readonly ServiceSpec[]): Panel {
    let panel = tablePanel("Service level objectives")
        .description("One row per SLO. Click a service for its golden-signals or SLO dashboard.")
        .withTarget(promTableQuery(objective.name, "A"))
        .withTarget(promTableQuery(SLI_OVER_WINDOW, "B"))
        .withTarget(promTableQuery(errorBudgetRemaining.name, "C"))
        .withTarget(promTableQuery(SLO_SERIES.burnRate.name(SLO_DISPLAY_WINDOW), "D"))
        .withTarget(promTableQuery(serviceAlertsExpr(), "E"))
        // One frame per query, joined on their common labels (service, slo) into one row per SLO.
        .withTransformation({ id: "merge", options: {} })
        .withTransformation({
            id: "organize",
            options: {
                excludeByName: { Time: true },
                indexByName: { service: 0, slo: 1, "Value #A": 2, "Value #B": 3, "Value #C": 4, "Value #D": 5, "Value #E": 6 },
                renameByName: { service: "Service", slo: "SLO", ...Object.fromEntries(Object.entries(SLO_COLUMNS).map(([refId, title]) => [`Value #${refId}`, title])) },
            },
        })
        .sortBy([new common.TableSortByFieldStateBuilder().displayName(SLO_COLUMNS.C).desc(false)]);
    panel = columnOverride(panel, "Service", [serviceLinks(links)]);
    panel = columnOverride(panel, SLO_COLUMNS.A, [{ id: "unit", value: UNITS.ratio }, { id: "decimals", value: 2 }]);
    panel = columnOverride(panel, SLO_COLUMNS.B, [{ id: "unit", value: UNITS.ratio }, { id: "decimals", value: 3 }]);
    panel = columnOverride(panel, SLO_COLUMNS.C, [
        { id: "unit", value: UNITS.ratio },
        { id: "decimals", value: 1 },
        ...coloredCell(budgetThresholds()),
    ]);
    panel = columnOverride(panel, SLO_COLUMNS.D, [{ id: "unit", value: UNITS.burnRate }, { id: "decimals", value: 1 }, ...coloredCell(stackBurnRateThresholds(sloServices))]);
    return columnOverride(panel, SLO_COLUMNS.E, [{ id: "decimals", value: 0 }, ...coloredCell(thresholds([null, COLORS.ok], [1, COLORS.critical]))]);
}

const BUSINESS_COLUMNS = { A: "Now", B: "Change vs last week (+ is better)" } as const;

/** A Grafana value mapping that shows each label value as its text. */
function valueTexts(texts: Readonly<Record<string, string>>): dashboard.DynamicConfigValue {
    return { id: "mappings", value: [{ type: "value", options: Object.fromEntries(Object.entries(texts).map(([value, text]) => [value, { text }])) }] };
}

/**
 * Every service's business counters (`businessCounters`), read from their recorded series, next to
 * the SLOs: the number the business watches beside the health that produces it.
 */
function businessCounterTable(links: Links): Panel {
    const { labels } = BUSINESS_COUNTER;
    const record = SERVICE_SERIES.businessCounter.name;
    // Each direction's change signed so that good news is positive, whichever way is good.
    const change = GOOD_DIRECTIONS.map((direction) => `(${businessChangeExpr(`${record}{${labels.direction}="${direction}"}`, direction)})`).join(" or ");
    let panel = tablePanel("Business counters")
        .description("Each service's business counters (businessCounters in the stack config) and their change against the same time one week earlier, signed so that green is good news. Click a service for its golden-signals dashboard, where each counter is drawn over time.")
        .withTarget(promTableQuery(record, "A"))
        .withTarget(promTableQuery(change, "B"))
        .withTransformation({ id: "merge", options: {} })
        .withTransformation({
            id: "organize",
            options: {
                excludeByName: { Time: true, __name__: true },
                indexByName: { service: 0, [labels.name]: 1, "Value #A": 2, [labels.unit]: 3, "Value #B": 4, [labels.direction]: 5 },
                renameByName: { service: "Service", [labels.name]: "Counter", [labels.unit]: "Unit", [labels.direction]: "Good direction", "Value #A": BUSINESS_COLUMNS.A, "Value #B": BUSINESS_COLUMNS.B },
            },
        });
    panel = columnOverride(panel, "Service", [{ id: "links", value: [{ title: "Golden signals", url: links.dashboardUrl(dashboardUids.golden(SERVICE_CELL)) }] }]);
    panel = columnOverride(panel, "Unit", [valueTexts(Object.fromEntries(Object.entries(BUSINESS_UNITS).map(([unit, facts]) => [unit, facts.label])))]);
    panel = columnOverride(panel, "Good direction", [valueTexts({ up: "more is better", down: "less is better" })]);
    panel = columnOverride(panel, BUSINESS_COLUMNS.A, [{ id: "decimals", value: 2 }]);
    return columnOverride(panel, BUSINESS_COLUMNS.B, [{ id: "unit", value: UNITS.ratio }, { id: "decimals", value: 1 }, ...coloredCell(betterIsPositive())]);
}

function firingAlertsTable(): Panel {
    return tablePanel("Firing alerts")
        .description("Each alert's annotations carry its runbook and dashboard links; open them from Alertmanager or the alert list.")
        .withTarget(promTableQuery(`sum by (alertname, severity, service, slo) (${FIRING})`, "A"))
        .withTransformation({ id: "organize", options: { excludeByName: { Time: true, Value: true } } });
}

/** The windows the alert-volume table counts over, and the resolution at which it finds a new page. */
const ALERT_VOLUME = { windows: ["7d", "30d"], step: "1m" } as const;
const VOLUME_KINDS = [
    { severity: "critical", title: "Pages" },
    { severity: "warning", title: "Tickets" },
] as const;

/**
 * How many notification groups a service opened at one severity within the window. Alertmanager
 * groups a service's alerts (NOTIFICATION_POLICY.groupBy), so a page is a stretch of time in which
 * at least one of the service's critical alerts fires, however many do: counted as the minutes in
 * which one fires and none fired a minute before.
 */
export function notificationGroupsOpened(severity: "critical" | "warning", window: string): string {
    const by = NOTIFICATION_POLICY.groupBy[0];
    const firing = (offset: string) => `max by (${by}) (ALERTS{alertstate="firing", severity="${severity}", alertname!="${WATCHDOG.alert}"}${offset})`;
    return `sum by (${by}) (count_over_time((${firing("")} unless ${firing(` offset ${ALERT_VOLUME.step}`)})[${window}:${ALERT_VOLUME.step}]))`;
}

function alertVolumeTable(links: Links): Panel {
    const columns = ALERT_VOLUME.windows.flatMap((window) => VOLUME_KINDS.map((kind) => ({ ...kind, window, title: `${kind.title} (${window})` })));
    const refIds = columns.map((_, index) => String.fromCharCode(65 + index));
    let panel = tablePanel("Alert volume by service")
        .description(
            "Pages: how often a service's critical alerts started firing after none did, one Alertmanager group and so one PagerDuty incident each, " +
                "however many of its rules fired together. Tickets: the same for warnings. Notifications muted by a maintenance window or held outside ticket hours count too. Services with neither are not listed.",
        );
    columns.forEach((column, index) => {
        panel = panel.withTarget(promTableQuery(notificationGroupsOpened(column.severity, column.window), refIds[index]));
    });
    panel = panel
        .withTransformation({ id: "merge", options: {} })
        .withTransformation({
            id: "organize",
            options: {
                excludeByName: { Time: true },
                indexByName: { service: 0, ...Object.fromEntries(refIds.map((refId, index) => [`Value #${refId}`, index + 1])) },
                renameByName: { service: "Service", ...Object.fromEntries(refIds.map((refId, index) => [`Value #${refId}`, columns[index].title])) },
            },
        })
        .sortBy([new common.TableSortByFieldStateBuilder().displayName(columns[0].title).desc(true)]);
    panel = columnOverride(panel, "Service", [serviceLinks(links)]);
    for (const column of columns) {
        panel = columnOverride(panel, column.title, [{ id: "decimals", value: 0 }, { id: "noValue", value: "0" }]);
    }
    return panel;
}

function atAGlancePanels(): Panel[] {
    return [
        statPanel("SLOs out of budget", UNITS.count)
            .thresholds(thresholds([null, COLORS.ok], [1, COLORS.critical]))
            .withTarget(promInstantQuery(`count(${errorBudgetRemaining.name} < 0) or vector(0)`)),
        statPanel("Critical (paging) alerts firing", UNITS.count)
            .thresholds(thresholds([null, COLORS.ok], [1, COLORS.critical]))
            .withTarget(promInstantQuery('count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)')),
        statPanel("Warning (ticket) alerts firing", UNITS.count)
            .thresholds(thresholds([null, COLORS.ok], [1, COLORS.warning]))
            .withTarget(promInstantQuery('count(ALERTS{alertstate="firing", severity="warning"}) or vector(0)')),
        statPanel("Stack targets down", UNITS.count)
            .thresholds(thresholds([null, COLORS.ok], [1, COLORS.critical]))
            .withTarget(promInstantQuery(`count(ALERTS{alertstate="firing", alertname="${STACK_ALERTS.componentDown}"}) or vector(0)`)),
    ];
}

/** Every service that records golden signals, SLOs or not, linking to its dashboard. */
function serviceTable(links: Links): Panel {
    return tablePanel("Services")
        .description("Every service with recorded request metrics. Click one for its golden-signals dashboard.")
        .withTarget(promTableQuery(`sum by (service) (${SERVICE_SERIES.requests.name})`, "A"))
        .withTransformation({ id: "organize", options: { excludeByName: { Time: true }, renameByName: { service: "Service", Value: "Requests per second" } } })
        .overrideByName("Service", [{ id: "links", value: [{ title: "Golden signals", url: links.dashboardUrl(dashboardUids.golden(SERVICE_CELL)) }] }])
        .overrideByName("Requests per second", [{ id: "unit", value: UNITS.requestsPerSecond }]);
}

/**
 * Reads the services from Prometheus rather than from the config, so adding a service changes
 * only that service's own resources, never this dashboard.
 */
/**
 * `businessCounters`: whether a service of the stack declares business counters. Without any, the
 * overview shows no counter table (it would read a series no rule records); a service declared in
 * code shows its counters on its own golden-signals dashboard.
 */
/** `sloServices`: the services whose SLOs the stack records (the burn-rate colours follow their policies). */
export function overviewDashboard(links: Links, businessCounters: boolean, sloServices: readonly ServiceSpec[]): dashboard.Dashboard {
    const builder = newDashboard("LGTM stack: overview", dashboardUids.overview(), ["overview"], "now-1h")
        .description("Every service's SLOs and business counters, the firing alerts, each service's pages and tickets over 7 and 30 days, and the services sending metrics.")
        .link(headerLink("Stack health", links.dashboardUrl(dashboardUids.stackHealth())))
        .link(headerLink("Cluster infrastructure", links.dashboardUrl(dashboardUids.infrastructure())))
        .link(headerLink("Cluster: compute resources", links.dashboardUrl(dashboardUids.clusterCompute())))
        .link(headerLink("Cluster: nodes", links.dashboardUrl(dashboardUids.clusterNodes())))
        .link(headerLink("Cluster: persistent volumes", links.dashboardUrl(dashboardUids.clusterVolumes())))
        .link(headerLink("Cluster: networking", links.dashboardUrl(dashboardUids.clusterNetwork())));
    withSection(builder, "Now", atAGlancePanels());
    if (businessCounters) {
        withSection(builder, "SLOs and business counters", [sloTable(links, sloServices), businessCounterTable(links)]);
    } else {
        withSection(builder, "SLOs", [sloTable(links, sloServices)]);
    }
    withSection(builder, "Alerts", [firingAlertsTable(), alertVolumeTable(links)]);
    withSection(builder, "Services", [serviceTable(links)]);
    return buildDashboard(builder);
}
