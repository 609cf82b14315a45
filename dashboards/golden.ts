/**
 * One golden-signals dashboard per service: traffic, errors, latency and saturation from the
 * recorded series the alerts use, then the service's error logs and failed or slow traces. Every
 * panel an alert is about links to that alert's runbook.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import { LATENCY_QUANTILES } from "../alerts/golden";
import { ERROR_LOG_FILTER, HIGH_ERROR_RATE, HIGH_LATENCY, ratioGuard } from "../model/alerting";
import { exact } from "../model/exact";
import { requestQueries } from "../alerts/conventions";
import { Links } from "../alerts/links";
import { dashboardUids } from "../model/ids";
import { SaturationSignal, ServiceSpec } from "../config/types";
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
    runbookLinks,
    SIZE,
    statPanel,
    thresholds,
    timeseriesPanel,
    tracesPanel,
    UNITS,
    withSection,
} from "./common";

type Panel = cog.Builder<dashboard.Panel>;

function selector(service: ServiceSpec): string {
    return `service="${service.name}"`;
}

/** Custom conventions count whatever the user calls a failure; the HTTP presets count 5xx. */
function errorKind(service: ServiceSpec): string {
    return service.conventions.preset === "custom" ? "" : " (5xx)";
}

function hasLatencyHistogram(service: ServiceSpec): boolean {
    return requestQueries(service).buckets !== undefined;
}

function summaryPanels(service: ServiceSpec, links: Links): Panel[] {
    const s = selector(service);
    const panels: stat.PanelBuilder[] = [
        statPanel("Requests per second", UNITS.requestsPerSecond)
            .withTarget(promInstantQuery(`service:http_requests:rate5m{${s}}`))
            .links(runbookLinks(links, "ServiceDown", service.name)),
        statPanel(`Error ratio${errorKind(service)}`, UNITS.ratio)
            .decimals(2)
            .thresholds(badAbove(service.errorRateThreshold))
            .withTarget(promInstantQuery(`service:http_errors:ratio_rate5m{${s}}`))
            .links(runbookLinks(links, "HighErrorRate", service.name)),
    ];
    if (hasLatencyHistogram(service)) {
        panels.push(
            statPanel("P99 latency", UNITS.seconds)
                .thresholds(badAbove(service.latencyP99ThresholdSeconds))
                .withTarget(promInstantQuery(`service:http_request_duration_seconds:p99_5m{${s}}`))
                .links(runbookLinks(links, "HighLatency", service.name)),
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

function trafficPanels(service: ServiceSpec, links: Links): Panel[] {
    return [
        timeseriesPanel("Requests per second", UNITS.requestsPerSecond)
            .description("All requests, averaged over 5 minutes. A drop to zero is what ServiceDown looks for.")
            .span(SIZE.full)
            .withTarget(promQuery(`service:http_requests:rate5m{${selector(service)}}`, "requests/s"))
            .links(runbookLinks(links, "ServiceDown", service.name)),
    ];
}

function errorPanels(service: ServiceSpec, links: Links): Panel[] {
    const s = selector(service);
    return [
        timeseriesPanel(`Error ratio${errorKind(service)}`, UNITS.ratio)
            .description(
                `Share of failed requests over 5 minutes. HighErrorRate pages when the ${HIGH_ERROR_RATE.window} ratio stays above the dashed line (${percent(service.errorRateThreshold)}) for ${HIGH_ERROR_RATE.for} with at least ${ratioGuard(exact(service.errorRateThreshold), HIGH_ERROR_RATE.minRequests)} requests in that window.`,
            )
            .thresholds(badAbove(service.errorRateThreshold))
            .thresholdsStyle(dashedThresholdLines())
            .withTarget(promQuery(`service:http_errors:ratio_rate5m{${s}}`, "error ratio"))
            .links(runbookLinks(links, "HighErrorRate", service.name)),
        timeseriesPanel(`Errors per second${errorKind(service)}`, UNITS.requestsPerSecond)
            .description("Failed requests per second, averaged over 5 minutes.")
            .withTarget(promQuery(`service:http_errors:rate5m{${s}}`, "errors/s"))
            .links(runbookLinks(links, "HighErrorRate", service.name)),
    ];
}

function latencyPanels(service: ServiceSpec, links: Links): Panel[] {
    const buckets = requestQueries(service).buckets;
    if (!buckets) {
        return [];
    }
    // The quantiles are computed from the raw histogram (the same expression as the recorded
    // series) because only raw series carry exemplars: a click on a dot opens that request's trace.
    const queries = LATENCY_QUANTILES.map((quantile) =>
        promQuery(`histogram_quantile(${quantile}, ${buckets("5m")})`, `P${Math.round(quantile * 100)}`).exemplar(true),
    );
    return [
        timeseriesPanel("Latency P50 / P95 / P99", UNITS.seconds)
            .description(`Request latency quantiles over 5 minutes; dots are exemplars linking to traces. HighLatency (warning) fires when P99 stays above the dashed line (${service.latencyP99ThresholdSeconds}s) for ${HIGH_LATENCY.for}.`)
            .span(SIZE.full)
            .thresholds(badAbove(service.latencyP99ThresholdSeconds))
            .thresholdsStyle(dashedThresholdLines())
            .targets(queries)
            .links(runbookLinks(links, "HighLatency", service.name)),
    ];
}

function humanize(name: string): string {
    return name.replace(/_/g, " ");
}

function saturationSignalPanel(service: ServiceSpec, signal: SaturationSignal, links: Links): Panel {
    return timeseriesPanel(`Saturation: ${humanize(signal.name)}`, UNITS.ratio)
        .description(`In use / capacity. ${signal.alert} fires when it stays above the dashed line (${percent(signal.threshold)}) for ${signal.for}.`)
        .min(0)
        .max(1)
        .thresholds(badAbove(signal.threshold))
        .thresholdsStyle(dashedThresholdLines())
        .withTarget(promQuery(`service:saturation:ratio{${selector(service)}, signal="${signal.name}"}`, signal.name))
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

function saturationPanels(service: ServiceSpec, links: Links): Panel[] {
    return [...service.saturation.map((signal) => saturationSignalPanel(service, signal, links)), ...containerPanels(service)];
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
            .links(runbookLinks(links, "HighErrorRate", service.name)),
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
    withSection(builder, "Traffic", trafficPanels(service, links));
    withSection(builder, "Errors", errorPanels(service, links));
    withSection(builder, "Latency", latencyPanels(service, links));
    withSection(builder, "Saturation", saturationPanels(service, links));
    withSection(builder, "Logs and traces", logAndTracePanels(service, links));
    return buildDashboard(builder);
}
