/**
 * One golden-signals dashboard per service: traffic, errors, latency and saturation from the
 * recorded series the alerts use, then the service's error logs and failed or slow traces. Every
 * panel an alert is about links to that alert's runbook.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import { presetNouns, queueQueries, requestQueries } from "../alerts/conventions";
import { LATENCY_QUANTILES } from "../alerts/golden";
import { Links } from "../alerts/links";
import { BusinessCounter, SaturationSignal, ServiceSpec } from "../config/types";
import { BUSINESS_COUNTER, BUSINESS_UNITS } from "../model/business";
import { ERROR_LOG_FILTER, HIGH_ERROR_RATE, HIGH_P99_LATENCY, QUEUE_LAG, ratioGuard, SERVICE_DOWN, TRAFFIC_ANOMALY } from "../model/alerting";
import { exact } from "../model/exact";
import { dashboardUids } from "../model/ids";
import { LATENCY_SERIES, SERVICE_SERIES } from "../model/recordedSeries";
import { serviceSeriesMatcher } from "../model/series";
import {
    badAbove,
    buildDashboard,
    COLORS,
    DASHED_SERIES,
    dashedThresholdLines,
    fillRow,
    headerLink,
    logsPanel,
    newDashboard,
    percent,
    promInstantQuery,
    promQuery,
    requestIdVariable,
    requestPanels,
    runbookLinks,
    SIZE,
    statPanel,
    thresholds,
    ThresholdStep,
    timeseriesPanel,
    tracesPanel,
    UNITS,
    withSection,
} from "./common";

type Panel = cog.Builder<dashboard.Panel>;

/** What the service's preset counts as a failure (5xx, a job with error.type); custom queries count whatever the user calls one. */
function errorKind(service: ServiceSpec): string {
    const { failure } = presetNouns(service);
    return failure ? ` (${failure})` : "";
}

/** "Requests" for services, "Jobs" for job and queue workers: the preset's plural, capitalised. */
function units(service: ServiceSpec): string {
    const { plural } = presetNouns(service);
    return plural[0].toUpperCase() + plural.slice(1);
}

function hasLatencyHistogram(service: ServiceSpec): boolean {
    return requestQueries(service).buckets !== undefined;
}

function summaryPanels(service: ServiceSpec, links: Links): Panel[] {
    const s = serviceSeriesMatcher(service.name);
    const panels: stat.PanelBuilder[] = [
        statPanel(`${units(service)} per second`, UNITS.requestsPerSecond)
            .withTarget(promInstantQuery(`${SERVICE_SERIES.requests.name}{${s}}`))
            .links(runbookLinks(links, SERVICE_DOWN.alert, service.name)),
        statPanel(`Error ratio${errorKind(service)}`, UNITS.ratio)
            .decimals(2)
            .thresholds(badAbove(service.errorRateThreshold))
            .withTarget(promInstantQuery(`${SERVICE_SERIES.errorRatio.name}{${s}}`))
            .links(runbookLinks(links, HIGH_ERROR_RATE.alert, service.name)),
    ];
    if (hasLatencyHistogram(service)) {
        panels.push(
            statPanel("P99 latency", UNITS.seconds)
                .thresholds(badAbove(service.latencyP99ThresholdSeconds))
                .withTarget(promInstantQuery(`${LATENCY_SERIES.name(0.99)}{${s}}`))
                .links(runbookLinks(links, HIGH_P99_LATENCY.alert, service.name)),
        );
    }
    panels.push(
        statPanel("Alerts firing", UNITS.count)
            .description("Alerts of this service that are firing now; their runbooks are linked from the panels below.")
            .thresholds(thresholds([null, COLORS.ok], [1, COLORS.critical]))
            .withTarget(promInstantQuery(`count(ALERTS{${s}, alertstate="firing"}) or vector(0)`)),
    );
    return fillRow(panels);
}

/**
 * Cardinality guard of the per-route panels: only the busiest routes are drawn, so a service with
 * hundreds of routes (or a framework that leaks raw paths into the route label) stays readable and cheap.
 */
export const ROUTE_PANEL_LIMIT = 10;

/** Keeps the series of the `ROUTE_PANEL_LIMIT` busiest routes (by request rate over the same window). */
function busiestRoutes(expr: string, service: ServiceSpec): string {
    const routes = requestQueries(service).routes;
    return routes ? `${expr} and on (${routes.label}) topk(${ROUTE_PANEL_LIMIT}, ${routes.total("5m")})` : expr;
}

function trafficPanels(service: ServiceSpec, links: Links): Panel[] {
    const routes = requestQueries(service).routes;
    const anomaly = service.trafficAnomaly;
    const total = timeseriesPanel(`${units(service)} per second`, UNITS.requestsPerSecond)
        .description(
            "All requests, averaged over 5 minutes. A drop to zero is what ServiceDown looks for." +
                (anomaly
                    ? ` The dashed series is the same time one week earlier: ${TRAFFIC_ANOMALY.drop.alert} fires when the ${TRAFFIC_ANOMALY.window} average stays more than ${percent(anomaly.dropRatio)} below it, ${TRAFFIC_ANOMALY.spike.alert} when it stays more than ${percent(anomaly.spikeRatio)} above it (each for ${TRAFFIC_ANOMALY.drop.for}), from ${anomaly.minRequestsPerMinute} requests per minute on.`
                    : ""),
        )
        .span(routes ? SIZE.half : SIZE.full)
        .withTarget(promQuery(`${SERVICE_SERIES.requests.name}{${serviceSeriesMatcher(service.name)}}`, "requests/s").refId("A"))
        .links([...runbookLinks(links, SERVICE_DOWN.alert, service.name), ...(anomaly ? [TRAFFIC_ANOMALY.drop.alert, TRAFFIC_ANOMALY.spike.alert].flatMap((alert) => runbookLinks(links, alert, service.name)) : [])]);
    if (anomaly) {
        total.withTarget(promQuery(`${SERVICE_SERIES.requests.name}{${serviceSeriesMatcher(service.name)}} offset ${TRAFFIC_ANOMALY.baselineOffset}`, "same time last week").refId("B")).overrideByQuery("B", [DASHED_SERIES]);
    }
    if (!routes) {
        return [total];
    }
    return [
        total,
        timeseriesPanel(`${units(service)} per second by ${presetNouns(service).route} (top ${ROUTE_PANEL_LIMIT})`, UNITS.requestsPerSecond)
            .description(`Request rate per ${routes.label}, for the ${ROUTE_PANEL_LIMIT} busiest routes at each point in time.`)
            .withTarget(promQuery(`topk(${ROUTE_PANEL_LIMIT}, ${routes.total("5m")})`, `{{${routes.label}}}`).exemplar(true)),
    ];
}

function errorPanels(service: ServiceSpec, links: Links): Panel[] {
    const s = serviceSeriesMatcher(service.name);
    return [
        timeseriesPanel(`Error ratio${errorKind(service)}`, UNITS.ratio)
            .description(
                `Share of failed requests over 5 minutes. HighErrorRate pages when the ${HIGH_ERROR_RATE.window} ratio stays above the dashed line (${percent(service.errorRateThreshold)}) for ${HIGH_ERROR_RATE.for} with at least ${ratioGuard(exact(service.errorRateThreshold), HIGH_ERROR_RATE.minRequests)} requests in that window.`,
            )
            .thresholds(badAbove(service.errorRateThreshold))
            .thresholdsStyle(dashedThresholdLines())
            .withTarget(promQuery(`${SERVICE_SERIES.errorRatio.name}{${s}}`, "error ratio"))
            .links(runbookLinks(links, HIGH_ERROR_RATE.alert, service.name)),
        timeseriesPanel(`Errors per second${errorKind(service)}`, UNITS.requestsPerSecond)
            .description("Failed requests per second, averaged over 5 minutes.")
            .withTarget(promQuery(`${SERVICE_SERIES.errors.name}{${s}}`, "errors/s"))
            .links(runbookLinks(links, HIGH_ERROR_RATE.alert, service.name)),
    ];
}

function quantileQueries(buckets: string, legendPrefix: string): ReturnType<typeof promQuery>[] {
    // Computed from the raw histogram (not the recorded series) because only raw series carry
    // exemplars: a click on a dot opens that request's trace.
    return LATENCY_QUANTILES.map((quantile) => promQuery(`histogram_quantile(${quantile}, ${buckets})`, `${legendPrefix}P${Math.round(quantile * 100)}`).exemplar(true));
}

function latencyPanels(service: ServiceSpec, links: Links): Panel[] {
    const { buckets, routes } = requestQueries(service);
    if (!buckets) {
        return [];
    }
    const { plural: what, route: by } = presetNouns(service);
    const alertText = `${HIGH_P99_LATENCY.alert} (${HIGH_P99_LATENCY.severity}) fires when the P99 of all ${what} stays above the dashed line (${service.latencyP99ThresholdSeconds}s) for ${HIGH_P99_LATENCY.for}.`;
    const panel = (title: string) =>
        timeseriesPanel(title, UNITS.seconds).thresholds(badAbove(service.latencyP99ThresholdSeconds)).thresholdsStyle(dashedThresholdLines()).links(runbookLinks(links, HIGH_P99_LATENCY.alert, service.name));
    if (!routes) {
        return [panel("Latency P50 / P95 / P99").description(`Request latency quantiles over 5 minutes; dots are exemplars linking to traces. ${alertText}`).span(SIZE.full).targets(quantileQueries(buckets("5m"), ""))];
    }
    const byRoute = (quantile: number) =>
        promQuery(busiestRoutes(`histogram_quantile(${quantile}, ${routes.bucketsByRoute("5m", "successful")})`, service), `{{${routes.label}}}`).exemplar(true);
    return [
        panel(`Latency of successful ${what} P50 / P95 / P99`)
            .description(`Quantiles over 5 minutes of ${what} that did not fail; dots are exemplars linking to traces. Failed requests are drawn apart: a fast error page must not make latency look good. ${alertText}`)
            .targets(quantileQueries(routes.buckets("5m", "successful"), "")),
        panel(`Latency of failed ${what} P50 / P95 / P99`)
            .description(`Quantiles over 5 minutes of failed ${what} only: slow failures are timeouts, fast ones are ${what} refused without doing the work.`)
            .targets(quantileQueries(routes.buckets("5m", "failed"), "failed ")),
        ...LATENCY_QUANTILES.map((quantile) =>
            panel(`P${Math.round(quantile * 100)} latency of successful ${what} by ${by} (top ${ROUTE_PANEL_LIMIT})`)
                .description(`P${Math.round(quantile * 100)} over 5 minutes per ${routes.label}, successful ${what} only, for the ${ROUTE_PANEL_LIMIT} busiest ${by}s.`)
                .span(SIZE.third)
                .withTarget(byRoute(quantile)),
        ),
    ];
}

function humanize(name: string): string {
    return name.replace(/_/g, " ");
}

const LEVEL_COLORS: Readonly<Record<string, string>> = { info: COLORS.notice, warning: COLORS.warning, critical: COLORS.critical };

function saturationSignalPanel(service: ServiceSpec, signal: SaturationSignal, links: Links): Panel {
    const levels = signal.levels.map((level) => `${level.severity} above ${percent(level.threshold)} for ${level.for}`).join(", ");
    return timeseriesPanel(`Saturation: ${humanize(signal.name)}`, UNITS.ratio)
        .description(`In use / capacity. ${signal.alert} fires when it stays above a dashed line: ${levels}.`)
        .min(0)
        .max(1)
        .thresholds(thresholds([null, COLORS.ok], ...signal.levels.map((level): ThresholdStep => [level.threshold, LEVEL_COLORS[level.severity]])))
        .thresholdsStyle(dashedThresholdLines())
        .withTarget(promQuery(`${SERVICE_SERIES.saturation.name}{${serviceSeriesMatcher(service.name)}, signal="${signal.name}"}`, signal.name))
        .links(runbookLinks(links, signal.alert, service.name));
}

/** cAdvisor selects by pod name: pods of a Deployment are named `<deployment>-<hash>-<id>`. */
function podSelector(service: ServiceSpec): string {
    return `namespace="${service.namespace}", pod=~"${service.name}-.*", container!=""`;
}

function containerPanels(service: ServiceSpec): Panel[] {
    const pods = podSelector(service);
    const where = `Pods named ${service.name}-* in namespace ${service.namespace}, from the kubelet's cAdvisor.`;
    return [
        timeseriesPanel("CPU by pod", UNITS.cores)
            .description(`${where} Sustained use near the CPU limit means throttling and higher latency.`)
            .withTarget(promQuery(`sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[5m]))`, "{{pod}}")),
        timeseriesPanel("Memory working set by pod", UNITS.bytes)
            .description(`${where} The dashed series is the memory limit; reaching it gets the container OOM-killed.`)
            .withTarget(promQuery(`sum by (pod) (container_memory_working_set_bytes{${pods}})`, "{{pod}}").refId("A"))
            .withTarget(promQuery(`max by (pod) (container_spec_memory_limit_bytes{${pods}} > 0)`, "{{pod}} limit").refId("B"))
            .overrideByQuery("B", [DASHED_SERIES]),
    ];
}

/** A worker's queue: how much waits (depth) and how long the oldest job has waited (lag). */
function queuePanels(service: ServiceSpec, links: Links): Panel[] {
    const { queueDepthQuery, queueLagQuery } = queueQueries(service);
    const panels: Panel[] = [];
    if (queueDepthQuery) {
        panels.push(
            timeseriesPanel("Queue depth", UNITS.count)
                .description("Messages waiting for this worker (conventions.queueDepthQuery). Growing while jobs per second stay flat means the workers do not keep up.")
                .withTarget(promQuery(`${SERVICE_SERIES.queueDepth.name}{${serviceSeriesMatcher(service.name)}}`, "waiting")),
        );
    }
    if (queueLagQuery) {
        panels.push(
            timeseriesPanel("Queue lag", UNITS.seconds)
                .description(`How long the oldest waiting job has waited (conventions.queueLagQuery). ${QUEUE_LAG.alert} opens a ticket above the dashed line (${service.maxQueueLagSeconds}s) for ${QUEUE_LAG.for}.`)
                .thresholds(badAbove(service.maxQueueLagSeconds))
                .thresholdsStyle(dashedThresholdLines())
                .withTarget(promQuery(`${SERVICE_SERIES.queueLag.name}{${serviceSeriesMatcher(service.name)}}`, "lag"))
                .links(runbookLinks(links, QUEUE_LAG.alert, service.name)),
        );
    }
    return panels;
}

/** The recorded series of one business counter (alerts/golden.ts records it from the user's query). */
export function businessCounterSeries(service: ServiceSpec, counter: BusinessCounter): string {
    return `${SERVICE_SERIES.businessCounter.name}{${serviceSeriesMatcher(service.name)}, ${BUSINESS_COUNTER.labels.name}="${counter.name}"}`;
}

/**
 * Change against the same time one week earlier, signed so that good news is positive: a drop of
 * a `down` counter (fewer abandoned carts) is an improvement.
 */
export function businessChangeExpr(series: string, goodDirection: BusinessCounter["goodDirection"]): string {
    const baseline = `${series} offset ${BUSINESS_COUNTER.baselineOffset}`;
    return goodDirection === "up" ? `${series} / ${baseline} - 1` : `1 - ${series} / ${baseline}`;
}

/** Green when the change is for the better, red when for the worse. */
export function betterIsPositive(): ReturnType<typeof thresholds> {
    return thresholds([null, COLORS.critical], [0, COLORS.ok]);
}

/** Per counter: its value now, its change against last week (green is good news), and its course with last week dashed. */
function businessPanels(service: ServiceSpec): Panel[] {
    return service.businessCounters.flatMap((counter) => {
        const series = businessCounterSeries(service, counter);
        const unit = BUSINESS_UNITS[counter.unit].grafana;
        const title = humanize(counter.name);
        const better = counter.goodDirection === "up" ? "more is better" : "less is better";
        const description = `${counter.description ? `${counter.description} ` : ""}(businessCounters: ${counter.name}, ${better}.)`;
        return [
            statPanel(title, unit).description(description).colorMode(common.BigValueColorMode.None).withTarget(promInstantQuery(series)),
            statPanel(`${title}: vs last week`, UNITS.ratio)
                .description(`Change against the same time one week earlier, signed so that good news is positive (${better}): green is better, red worse.`)
                .decimals(1)
                .thresholds(betterIsPositive())
                .withTarget(promInstantQuery(businessChangeExpr(series, counter.goodDirection))),
            timeseriesPanel(title, unit)
                .description(`${description} The dashed series is the same time one week earlier.`)
                .withTarget(promQuery(series, counter.name).refId("A"))
                .withTarget(promQuery(`${series} offset ${BUSINESS_COUNTER.baselineOffset}`, "same time last week").refId("B"))
                .overrideByQuery("B", [DASHED_SERIES]),
        ];
    });
}

function saturationPanels(service: ServiceSpec, links: Links): Panel[] {
    return [...queuePanels(service, links), ...service.saturation.map((signal) => saturationSignalPanel(service, signal, links)), ...containerPanels(service)];
}

/** Whole milliseconds: a sub-second threshold (0.25s) stays a plain TraceQL duration (250ms). */
function traceqlDuration(seconds: number): string {
    return `${Math.round(seconds * 1000)}ms`;
}

function logAndTracePanels(service: ServiceSpec, links: Links): Panel[] {
    const slow = traceqlDuration(service.latencyP99ThresholdSeconds);
    return [
        logsPanel("Error logs", `{service_name="${service.name}"} ${ERROR_LOG_FILTER}`)
            .description("Most recent error records: OTel SDK logs by severity_text (or Loki's detected_level), JSON lines by level. Open a line's details and follow trace_id to its trace.")
            .links(runbookLinks(links, HIGH_ERROR_RATE.alert, service.name)),
        tracesPanel("Failed or slow traces", `{ resource.service.name = "${service.name}" && (status = error || duration > ${slow}) }`)
            .description(`Traces with an error span or a span slower than the P99 alert threshold (${slow}).`),
    ];
}

export function goldenDashboard(service: ServiceSpec, links: Links): dashboard.Dashboard {
    const builder = newDashboard(`${service.name}: golden signals`, dashboardUids.golden(service.name), ["golden-signals", service.team], "now-3h")
        .description(`Traffic, errors, latency and saturation of ${service.name} (team ${service.team}, namespace ${service.namespace}). Generated from the stack config.`)
        .link(headerLink("Overview", links.dashboardUrl(dashboardUids.overview())));
    if (service.slos.length > 0) {
        builder.link(headerLink(`${service.name} SLOs`, links.dashboardUrl(dashboardUids.slo(service.name))));
    }
    withSection(builder, "Now", summaryPanels(service, links));
    withSection(builder, "Business counters", businessPanels(service));
    withSection(builder, "Traffic", trafficPanels(service, links));
    withSection(builder, "Errors", errorPanels(service, links));
    withSection(builder, "Latency", latencyPanels(service, links));
    withSection(builder, "Saturation", saturationPanels(service, links));
    withSection(builder, "Logs and traces", logAndTracePanels(service, links));
    builder.withVariable(requestIdVariable());
    withSection(builder, "One request", requestPanels(service.name));
    return buildDashboard(builder);
}
