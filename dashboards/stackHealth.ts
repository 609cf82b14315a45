/**
 * Health of the observability stack itself: is every component up, is telemetry getting in and
 * out, are alerts evaluated and delivered, and how much memory and CPU each component pod uses.
 * Panels an alert is about link to its runbook.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { Links } from "../alerts/links";
import { dashboardUids } from "../model/ids";
import { STACK_ALERTS } from "../model/alerting";
import { StackConfig } from "../config/types";
import { deployedStackJobs } from "../alerts/stack";
import { StackJob, TIER_LABEL } from "../model/components";
import {
    badAbove,
    buildDashboard,
    COLORS,
    dashedThresholdLines,
    headerLink,
    newDashboard,
    promInstantQuery,
    promQuery,
    runbookLinks,
    SIZE,
    statPanel,
    thresholds,
    timeseriesPanel,
    UNITS,
    withSection,
} from "./common";

type Panel = cog.Builder<dashboard.Panel>;

/** Kinds of telemetry the collector counts separately. */
const SIGNALS = [
    { metricSuffix: "spans", legend: "spans" },
    { metricSuffix: "log_records", legend: "log records" },
    { metricSuffix: "metric_points", legend: "metric points" },
] as const;

/**
 * The thresholds LokiRequestErrors and CollectorExportFailures use (alerts/stack.ts writes them
 * inline in PromQL), drawn as lines so the graph shows where the alert fires.
 */
const ALERT_LINES = { lokiErrorRatio: 0.05, collectorQueueFill: 0.8 } as const;

/** Same jobs as the scrape config and StackComponentDown: what runs, with Mimir and the load-balancing tier in distributed. */
export function monitoredComponents(config: StackConfig): StackJob[] {
    return deployedStackJobs(config);
}

/** Distributed: each engine's tiers apart (`mimir ingester`); single: one row per component, as before. */
function byJob(config: StackConfig): { by: string; legend: string } {
    return config.topology.kind === "distributed" ? { by: `job, ${TIER_LABEL}`, legend: `{{job}} {{${TIER_LABEL}}}` } : { by: "job", legend: "{{job}}" };
}

function jobMatcher(config: StackConfig): string {
    return `job=~"${monitoredComponents(config).join("|")}"`;
}

function upPanel(config: StackConfig, links: Links): Panel {
    const { by, legend } = byJob(config);
    return statPanel("Components up", UNITS.count)
        .description(
            config.topology.kind === "distributed"
                ? "Lowest scrape status of each component's pods, per tier of Loki, Tempo and Mimir: DOWN as soon as one pod cannot be scraped."
                : "Lowest scrape status of each component's pods: DOWN as soon as one pod cannot be scraped.",
        )
        .span(SIZE.full)
        .mappings([
            {
                type: dashboard.MappingType.ValueToText,
                options: { "0": { text: "DOWN", color: COLORS.critical }, "1": { text: "UP", color: COLORS.ok } },
            },
        ])
        .thresholds(thresholds([null, COLORS.critical], [1, COLORS.ok]))
        .withTarget(promInstantQuery(`min by (${by}) (up{${jobMatcher(config)}})`, legend))
        .links([...runbookLinks(links, STACK_ALERTS.componentDown), ...(config.topology.kind === "distributed" ? runbookLinks(links, STACK_ALERTS.tierDown) : [])]);
}

function collectorPanel(title: string, direction: "accepted" | "refused", links: Links): Panel {
    return timeseriesPanel(title, UNITS.perSecond)
        .description(direction === "refused" ? "Items the collector refused (usually memory_limiter); senders drop them." : "Items the collector's receivers accepted.")
        .targets(SIGNALS.map((signal) => promQuery(`sum by (job) (rate(otelcol_receiver_${direction}_${signal.metricSuffix}_total[5m]))`, `{{job}} ${signal.legend}`)))
        .links(direction === "refused" ? runbookLinks(links, STACK_ALERTS.collectorRefusedData) : []);
}

function ingestionPanels(links: Links): Panel[] {
    return [
        collectorPanel("Collector: accepted per second", "accepted", links),
        collectorPanel("Collector: refused per second", "refused", links),
        timeseriesPanel("Loki: log lines received per second", UNITS.perSecond).withTarget(promQuery("sum(rate(loki_distributor_lines_received_total[5m]))", "lines")),
        timeseriesPanel("Loki: 5xx ratio", UNITS.ratio)
            .thresholds(badAbove(ALERT_LINES.lokiErrorRatio))
            .thresholdsStyle(dashedThresholdLines())
            .withTarget(
                promQuery(
                    'sum(rate(loki_request_duration_seconds_count{status_code=~"5.."}[5m])) / sum(rate(loki_request_duration_seconds_count[5m]))',
                    "5xx ratio",
                ),
            )
            .links(runbookLinks(links, STACK_ALERTS.lokiRequestErrors, "loki")),
        timeseriesPanel("Tempo: spans received and discarded per second", UNITS.perSecond)
            .withTarget(promQuery("sum(rate(tempo_distributor_spans_received_total[5m]))", "received"))
            .withTarget(promQuery("sum by (reason) (rate(tempo_discarded_spans_total[5m]))", "discarded: {{reason}}"))
            .links(runbookLinks(links, STACK_ALERTS.tempoDiscardedSpans, "tempo")),
        timeseriesPanel("Prometheus: head series", UNITS.count)
            .description("Active series in memory; a sudden climb is a cardinality explosion (and memory to match).")
            .withTarget(promQuery('sum by (pod) (prometheus_tsdb_head_series{job="prometheus"})', "{{pod}}")),
    ];
}

function exportPanels(links: Links): Panel[] {
    return [
        timeseriesPanel("Collector: export failures per second", UNITS.perSecond)
            .targets(SIGNALS.map((signal) => promQuery(`sum by (job, exporter) (rate(otelcol_exporter_send_failed_${signal.metricSuffix}_total[5m]))`, `{{exporter}} ${signal.legend}`)))
            .links(runbookLinks(links, STACK_ALERTS.collectorExportFailures)),
        timeseriesPanel("Collector: sending queue fill", UNITS.ratio)
            .description("Once a queue is full, new data is dropped. CollectorExportFailures fires above the dashed line.")
            .min(0)
            .max(1)
            .thresholds(badAbove(ALERT_LINES.collectorQueueFill))
            .thresholdsStyle(dashedThresholdLines())
            .withTarget(promQuery("max by (job, exporter) (otelcol_exporter_queue_size / otelcol_exporter_queue_capacity)", "{{job}} {{exporter}}"))
            .links(runbookLinks(links, STACK_ALERTS.collectorExportFailures)),
    ];
}

/** Who evaluates the rule files and sends alerts: Prometheus, or Mimir's ruler (its rule managers' metrics carry `cortex_` and the tenant as `user`). */
function ruleEvaluator(config: StackConfig) {
    return config.topology.kind === "distributed"
        ? { title: "Mimir ruler", service: "mimir", metricPrefix: "cortex_", by: "user, ", legend: "{{user}} " }
        : { title: "Prometheus", service: "prometheus", metricPrefix: "", by: "", legend: "" };
}

function alertingPanels(config: StackConfig, links: Links): Panel[] {
    const evaluator = ruleEvaluator(config);
    const remoteWrite =
        config.topology.kind === "distributed"
            ? [
                  timeseriesPanel("Prometheus → Mimir: remote write, failed samples per second and seconds behind", UNITS.perSecond)
                      .description("Every metric, and so every rule the ruler evaluates, reaches Mimir through this remote write.")
                      .span(SIZE.full)
                      .withTarget(promQuery("sum by (remote_name) (rate(prometheus_remote_storage_samples_failed_total[5m]))", "{{remote_name}} failed/s"))
                      .withTarget(promQuery("max by (remote_name) (prometheus_remote_storage_queue_highest_timestamp_seconds - prometheus_remote_storage_queue_highest_sent_timestamp_seconds)", "{{remote_name}} behind (s)"))
                      .links(runbookLinks(links, STACK_ALERTS.remoteWriteFailing, "prometheus")),
              ]
            : [];
    return [
        timeseriesPanel(`${evaluator.title}: rule evaluation failures (5m)`, UNITS.count)
            .description("Failed evaluations leave recorded series and alerts of the group missing.")
            .withTarget(promQuery(`sum by (${evaluator.by}rule_group) (increase(${evaluator.metricPrefix}prometheus_rule_evaluation_failures_total[5m]))`, `${evaluator.legend}{{rule_group}}`))
            .links(runbookLinks(links, STACK_ALERTS.ruleEvaluationFailures, evaluator.service)),
        timeseriesPanel(`${evaluator.title} → Alertmanager: notification errors per second`, UNITS.perSecond)
            .withTarget(promQuery(`sum by (${evaluator.by}alertmanager) (rate(${evaluator.metricPrefix}prometheus_notifications_errors_total[5m]))`, `${evaluator.legend}{{alertmanager}}`))
            .links(runbookLinks(links, STACK_ALERTS.notificationsFailing, evaluator.service)),
        ...remoteWrite,
        timeseriesPanel("Alertmanager: failed notifications per second", UNITS.perSecond)
            .description("Failed deliveries to PagerDuty, Slack or the webhook: on-call may not be reached.")
            .span(SIZE.full)
            .withTarget(promQuery("sum by (integration) (rate(alertmanager_notifications_failed_total[5m]))", "{{integration}}"))
            .links(runbookLinks(links, STACK_ALERTS.alertmanagerNotificationsFailing, "alertmanager")),
    ];
}

function resourcePanels(config: StackConfig): Panel[] {
    const pods = `namespace="${config.namespace}", container!=""`;
    const { by, legend } = byJob(config);
    return [
        timeseriesPanel("Memory working set by pod", UNITS.bytes)
            .description(`Pods in namespace ${config.namespace}, from cAdvisor.`)
            .withTarget(promQuery(`sum by (pod) (container_memory_working_set_bytes{${pods}})`, "{{pod}}")),
        timeseriesPanel("CPU by pod", UNITS.cores)
            .description(`Pods in namespace ${config.namespace}, from cAdvisor.`)
            .withTarget(promQuery(`sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[5m]))`, "{{pod}}")),
        timeseriesPanel("Process resident memory by component", UNITS.bytes)
            .description("As each process reports it; still there when cAdvisor cannot be scraped.")
            .span(SIZE.full)
            .withTarget(promQuery(`sum by (${by}) (process_resident_memory_bytes{${jobMatcher(config)}})`, legend)),
    ];
}

export function stackHealthDashboard(config: StackConfig, links: Links): dashboard.Dashboard {
    const builder = newDashboard("LGTM stack: health", dashboardUids.stackHealth(), ["stack-health"], "now-3h")
        .description(`The observability stack in namespace ${config.namespace}: components, ingestion, export, alert delivery and resources. Generated from the stack config.`)
        .link(headerLink("Overview", links.dashboardUrl(dashboardUids.overview())));
    withSection(builder, "Components", [upPanel(config, links)]);
    withSection(builder, "Ingestion", ingestionPanels(links));
    withSection(builder, "Export", exportPanels(links));
    withSection(builder, "Alerting", alertingPanels(config, links));
    withSection(builder, "Resources", resourcePanels(config));
    return buildDashboard(builder);
}
