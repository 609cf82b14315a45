/**
 * One SLO dashboard per service with SLOs: per SLO, the SLI against its objective, the error budget
 * left in the SLO window, the burn rate over every window the burn-rate alerts look at, and those
 * alerts' state. It reads recorded series only: a 30-day SLI from raw metrics would scan a month
 * of samples on every refresh.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import { Links } from "../alerts/links";
import { BurnRateAlertSpec, burnRateAlertSpecs, describePair, sloWindowName } from "../alerts/slo";
import { ServiceSpec, Slo } from "../config/types";
import { durationMs } from "../config/units";
import { BURN_RATE_ALERTS, DEFAULT_BURN_RATE_POLICY, FAST_BUDGET_BURN, SLOW_BUDGET_BURN } from "../model/alerting";
import { readableNumber, toNumber } from "../model/exact";
import { dashboardUids } from "../model/ids";
import { SLO_CONSTANT_SERIES, SLO_DISPLAY_WINDOW, SLO_SERIES } from "../model/recordedSeries";
import { sloSeriesMatcher } from "../model/series";
import {
    buildDashboard,
    COLORS,
    DASHED_SERIES,
    dashedThresholdLines,
    fillRow,
    gaugePanel,
    goodAbove,
    headerLink,
    newDashboard,
    percent,
    promInstantQuery,
    promQuery,
    runbookLinks,
    SIZE,
    statPanel,
    thresholds,
    ThresholdStep,
    timeseriesPanel,
    UNITS,
    withSection,
} from "./common";

type Panel = cog.Builder<dashboard.Panel>;

const WORKBOOK_30D = burnRateAlertSpecs(DEFAULT_BURN_RATE_POLICY, { kind: "availability", name: "availability", objective: 0.999, window: "30d", sli: "requests" }, 0);
const BURN_RATE_ALERT_NAMES = BURN_RATE_ALERTS.map((spec) => spec.alert);

/** What an SLO counts, in words: requests, or the synthetic probes of an availability SLO with `sli: probe`. */
function sliUnit(slo: Slo): "requests" | "probes" {
    return slo.kind === "availability" && slo.sli === "probe" ? "probes" : "requests";
}

export function describeSlo(slo: Slo): string {
    const target = slo.kind === "availability" ? `${percent(slo.objective)} of ${sliUnit(slo)} succeed` : `${percent(slo.objective)} of requests faster than ${slo.thresholdSeconds}s`;
    return `${slo.name}: ${target} over ${sloWindowName(slo)}`;
}

/** Burn rate over one window, as the burn-rate alerts compute it. */
export function burnRateExpr(service: ServiceSpec, slo: Slo, window: string): string {
    const s = sloSeriesMatcher(service.name, slo.name);
    return `${SLO_SERIES.sliError.name(window)}{${s}} / on(service, slo) ${SLO_CONSTANT_SERIES.errorBudget.name}{${s}}`;
}

/** Green while the budget lasts, then warmer colours for each alert factor crossed. */
export function burnRateThresholds(specs: readonly BurnRateAlertSpec[]): dashboard.ThresholdsConfigBuilder {
    const factors = [...new Set(specs.flatMap((spec) => spec.pairs.map((pair) => toNumber(pair.factor))))].sort((a, b) => a - b);
    const palette = [COLORS.notice, COLORS.warning, COLORS.critical, COLORS.severe];
    const steps: ThresholdStep[] = factors.map((factor, index) => [factor, palette[Math.min(index, palette.length - 1)]]);
    return thresholds([null, COLORS.ok], ...steps);
}

/**
 * The overview's burn-rate colours, one column for every service's SLOs, from the factors their
 * policies (`services[i].alerts.burnRatePolicy`, over each SLO's own window) alert at: yellow from
 * the lowest ticket factor (some SLO opens a ticket at this rate), orange from the highest (every
 * SLO does), red from the lowest page factor, dark red from the highest. A ticket factor at or above
 * the lowest page factor adds no step: that rate already pages. With no SLO declared in the stack
 * config (services declared in code only), the default policy over 30 days.
 */
export function stackBurnRateThresholds(services: readonly ServiceSpec[]): dashboard.ThresholdsConfigBuilder {
    const declared = services.flatMap((service) => service.slos.flatMap((slo) => burnRateAlertSpecs(service.burnRatePolicy, slo, service.minRequestsPerHour)));
    const specs = declared.length > 0 ? declared : WORKBOOK_30D;
    const lowestAndHighest = (alert: string) => {
        const factors = specs.filter((spec) => spec.alert === alert).flatMap((spec) => spec.pairs.map((pair) => toNumber(pair.factor)));
        return [...new Set([Math.min(...factors), Math.max(...factors)])];
    };
    const page = lowestAndHighest(FAST_BUDGET_BURN).map((factor, index): ThresholdStep => [factor, [COLORS.critical, COLORS.severe][index]]);
    const ticket = lowestAndHighest(SLOW_BUDGET_BURN)
        .filter((factor) => factor < page[0][0]!)
        .map((factor, index): ThresholdStep => [factor, [COLORS.notice, COLORS.warning][index]]);
    return thresholds([null, COLORS.ok], ...ticket, ...page);
}

/** Red once the budget is spent, orange in its last quarter. */
export function budgetThresholds(): dashboard.ThresholdsConfigBuilder {
    return thresholds([null, COLORS.critical], [0, COLORS.warning], [0.25, COLORS.ok]);
}

function allBurnRateRunbookLinks(service: ServiceSpec, links: Links): dashboard.DashboardLinkBuilder[] {
    return BURN_RATE_ALERT_NAMES.flatMap((alert) => runbookLinks(links, alert, service.name));
}

function summaryPanels(service: ServiceSpec, slo: Slo, links: Links): Panel[] {
    const s = sloSeriesMatcher(service.name, slo.name);
    const window = sloWindowName(slo);
    const panels: (stat.PanelBuilder | gauge.PanelBuilder)[] = [
        statPanel(`SLI over ${window}`, UNITS.ratio)
            .description(`Share of good requests over the SLO window; the objective is ${percent(slo.objective)}.`)
            .decimals(3)
            .thresholds(goodAbove(slo.objective))
            .withTarget(promInstantQuery(`1 - ${SLO_SERIES.sliError.name(window)}{${s}}`)),
        gaugePanel(`Error budget remaining (${window})`, UNITS.ratio)
            .description("Share of the window's error budget not yet spent; below 0% the SLO is breached.")
            .height(SIZE.statHeight)
            .min(0)
            .max(1)
            .decimals(1)
            .thresholds(budgetThresholds())
            .withTarget(promInstantQuery(`${SLO_CONSTANT_SERIES.errorBudgetRemaining.name}{${s}}`)),
        statPanel(`Burn rate (${SLO_DISPLAY_WINDOW})`, UNITS.burnRate)
            .description("How fast the budget is spent compared with spending it evenly over the window (1x).")
            .decimals(1)
            .thresholds(burnRateThresholds(burnRateAlertSpecs(service.burnRatePolicy, slo, service.minRequestsPerHour)))
            .withTarget(promInstantQuery(`${SLO_SERIES.burnRate.name(SLO_DISPLAY_WINDOW)}{${s}}`))
            .links(allBurnRateRunbookLinks(service, links)),
        statPanel(`${sliUnit(slo) === "probes" ? "Probes" : "Requests"} (last ${SLO_DISPLAY_WINDOW})`, UNITS.count)
            .description(`Burn-rate alerts never fire on fewer than ${service.minRequestsPerHour} ${sliUnit(slo)} per hour of their long window, nor when one bad request alone would cross their factor (${guardText(service, slo)}).`)
            .decimals(0)
            .thresholds(thresholds([null, COLORS.muted], [service.minRequestsPerHour, COLORS.ok]))
            .withTarget(promInstantQuery(`${SLO_SERIES.sliTotal.name(SLO_DISPLAY_WINDOW)}{${s}} * ${(durationMs(SLO_DISPLAY_WINDOW) ?? 0) / 1000}`)),
        statPanel("Burn-rate alerts", UNITS.count)
            .description("Pending or firing burn-rate alerts of this SLO.")
            .textMode(common.BigValueTextMode.Name)
            .noValue("none")
            .thresholds(thresholds([null, COLORS.critical]))
            .withTarget(promInstantQuery(`sum by (alertname, alertstate) (ALERTS{${s}})`, "{{alertname}} ({{alertstate}})"))
            .links(allBurnRateRunbookLinks(service, links)),
    ];
    return fillRow(panels);
}

/** The traffic guard of each burn-rate window pair, as the alerts apply it. */
function guardText(service: ServiceSpec, slo: Slo): string {
    return burnRateAlertSpecs(service.burnRatePolicy, slo, service.minRequestsPerHour)
        .flatMap((spec) => spec.pairs.map((pair) => `${pair.minRequests} requests over ${pair.long}`))
        .join(", ");
}

function sliPanel(service: ServiceSpec, slo: Slo): Panel {
    const s = sloSeriesMatcher(service.name, slo.name);
    const window = sloWindowName(slo);
    return timeseriesPanel("SLI vs objective", UNITS.ratio)
        .description(`Share of good requests over the last hour and over the ${window} SLO window, against the objective (dashed).`)
        .decimals(3)
        .withTarget(promQuery(`1 - ${SLO_SERIES.sliError.name(SLO_DISPLAY_WINDOW)}{${s}}`, `SLI (${SLO_DISPLAY_WINDOW})`).refId("A"))
        .withTarget(promQuery(`1 - ${SLO_SERIES.sliError.name(window)}{${s}}`, `SLI (${window})`).refId("B"))
        .withTarget(promQuery(`${SLO_CONSTANT_SERIES.objective.name}{${s}}`, "objective").refId("C"))
        .overrideByQuery("C", [DASHED_SERIES, { id: "color", value: { mode: "fixed", fixedColor: COLORS.critical } }]);
}

function budgetPanel(service: ServiceSpec, slo: Slo, links: Links): Panel {
    const window = sloWindowName(slo);
    return timeseriesPanel(`Error budget remaining (${window})`, UNITS.ratio)
        .description("100% at the start of a clean window; the dashed lines mark the last quarter and 0%, below which the SLO is breached.")
        .thresholds(budgetThresholds())
        .thresholdsStyle(dashedThresholdLines())
        .withTarget(promQuery(`${SLO_CONSTANT_SERIES.errorBudgetRemaining.name}{${sloSeriesMatcher(service.name, slo.name)}}`, "budget remaining"))
        .links(runbookLinks(links, SLOW_BUDGET_BURN, service.name));
}

function burnRatePanel(service: ServiceSpec, slo: Slo, spec: BurnRateAlertSpec, links: Links): Panel {
    const windows = [...new Set(spec.pairs.flatMap((pair) => [pair.long, pair.short, ...(pair.recovery ? [pair.recovery] : [])]))];
    const conditions = spec.pairs.map(describePair).join(", or ");
    return timeseriesPanel(`Burn rate: ${spec.alert} (${spec.severity})`, UNITS.burnRate)
        .description(`${spec.alert} fires when the burn rate is above ${conditions} for ${spec.for}. Dashed lines are the factors.`)
        .thresholds(thresholds([null, COLORS.ok], ...spec.pairs.map((pair): ThresholdStep => [toNumber(pair.factor), COLORS.critical])))
        .thresholdsStyle(dashedThresholdLines())
        .targets(windows.map((window) => promQuery(burnRateExpr(service, slo, window), window)))
        .links(runbookLinks(links, spec.alert, service.name));
}

function sloPanels(service: ServiceSpec, slo: Slo, links: Links): Panel[] {
    return [
        ...summaryPanels(service, slo, links),
        sliPanel(service, slo),
        budgetPanel(service, slo, links),
        ...burnRateAlertSpecs(service.burnRatePolicy, slo, service.minRequestsPerHour).map((spec) => burnRatePanel(service, slo, spec, links)),
    ];
}

/**
 * `companion` is the dashboard the header links to beside the overview: the service's golden
 * signals, or for an SLO the stack defines on a cluster component (the API server) a cluster dashboard.
 */
export function sloDashboard(service: ServiceSpec, links: Links, companion = { title: `${service.name} golden signals`, uid: dashboardUids.golden(service.name) }): dashboard.Dashboard {
    const builder = newDashboard(`${service.name}: SLOs`, dashboardUids.slo(service.name), ["slo", service.team], "now-7d")
        .description(`Service level objectives of ${service.name} (team ${service.team}): ${service.slos.map(describeSlo).join("; ")}.`)
        .link(headerLink(companion.title, links.dashboardUrl(companion.uid)))
        .link(headerLink("Overview", links.dashboardUrl(dashboardUids.overview())))
        .link(headerLink("SRE Workbook: alerting on SLOs", "https://sre.google/workbook/alerting-on-slos/", { icon: "doc", keepTime: false }));
    for (const slo of service.slos) {
        withSection(builder, describeSlo(slo), sloPanels(service, slo, links));
    }
    return buildDashboard(builder);
}
