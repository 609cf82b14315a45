/** Self-monitoring of the stack, once per stack: the watchers need watching too. */
import { StackConfig } from "../config/types";
import { stackJobs, StackJob, TIER_LABEL } from "../model/components";
import { STACK_ALERTS, WATCHDOG } from "../model/alerting";
import { dashboardUids } from "../model/ids";
import { TIERS } from "../model/topology";
import { AlertDefinition } from "./model";

/** The job and, in the distributed topology, its tier, as alert text: `mimir ingester`, or `prometheus`. */
const JOB_AND_TIER = `{{ $labels.job }}{{ with $labels.${TIER_LABEL} }} {{ . }}{{ end }}`;

/**
 * Every tier the distributed topology runs, as the matchers of its self-scrape targets: one per tier
 * of each engine (job and tier label), one per other workload (its job alone).
 */
function tierMatchers(jobs: readonly StackJob[]): string[] {
    return jobs.flatMap((job) => (job in TIERS ? Object.keys(TIERS[job as keyof typeof TIERS]).map((tier) => `job="${job}", ${TIER_LABEL}="${tier}"`) : [`job="${job}"`]));
}

/**
 * A whole tier gone (distributed topology only): no target of it answers, or none exists. Absence
 * counts because pods that are not Running are not scraped (every ingester Pending after a node
 * loss leaves no `up` series at all) and because Mimir's ruler evaluates this rule on what Prometheus
 * remote-writes: when Prometheus itself is gone, its `up` series stop arriving, `up == 0` can never
 * hold, and only their absence shows it.
 */
function tierDown(jobs: readonly StackJob[], base: Pick<AlertDefinition, "team" | "dashboardUid">): AlertDefinition {
    const allDown = `sum by (job, ${TIER_LABEL}) (up{job=~"${jobs.join("|")}"}) == 0`;
    const absent = tierMatchers(jobs).map((matchers) => `absent(up{${matchers}})`);
    return {
        alert: STACK_ALERTS.tierDown,
        expr: `label_replace((${allDown}) or ${absent.join(" or ")}, "service", "$1", "job", "(.*)")`,
        // Longer than StackComponentDown's 2m: a singleton tier (a compactor) has no target for a moment while it rolls.
        for: "5m",
        severity: "critical",
        ...base,
        summary: "A whole tier of the observability stack is down",
        description: `No ${JOB_AND_TIER} pod has answered a scrape for 5 minutes: all are down, none is running, or their scrapes no longer reach the rule evaluator.`,
    };
}

/** The rule evaluator's own alerts in the single topology, where Prometheus evaluates the rules and notifies Alertmanager. */
function prometheusEvaluatorAlerts(base: Pick<AlertDefinition, "team" | "dashboardUid">): AlertDefinition[] {
    return [
        {
            alert: STACK_ALERTS.ruleEvaluationFailures,
            expr: "sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[5m])) > 0",
            for: "10m",
            severity: "warning",
            service: "prometheus",
            ...base,
            summary: "Prometheus fails to evaluate rules",
            description: "{{ $value }} rule evaluations failed in the last 5m in group {{ $labels.rule_group }}; recorded series and alerts from it are missing.",
        },
        {
            alert: STACK_ALERTS.notificationsFailing,
            // Like the ruler's: an Alertmanager discovery that finds no peer sends nothing and fails nothing.
            expr:
                "(sum(rate(prometheus_notifications_errors_total[5m])) / clamp_min(sum(rate(prometheus_notifications_sent_total[5m])), 1e-9) > 0.01)" +
                " or (sum(increase(prometheus_notifications_dropped_total[5m])) > 0)" +
                " or (max(prometheus_notifications_alertmanagers_discovered) < 1)",
            for: "5m",
            severity: "critical",
            service: "prometheus",
            ...base,
            summary: "Prometheus cannot deliver alerts to Alertmanager",
            description: "Alert notifications from Prometheus to Alertmanager are failing, being dropped or have no Alertmanager to go to ({{ $value }}); alerting is blind.",
        },
    ];
}

/**
 * The same two alerts in the distributed topology, on the counters of Mimir's ruler, which evaluates
 * the rules and notifies Alertmanager there (Prometheus evaluates nothing, so its own counters stay
 * at 0). The ruler runs Prometheus' rule manager and notifier once per tenant and exports their
 * metrics with a `cortex_` prefix and the tenant as `user` (`anonymous`, multitenancy being off):
 * the rule-manager counters in grafana/mimir pkg/ruler/manager_metrics.go (commit 30d64c6ccbef,
 * `cortex_prometheus_rule_evaluation_failures_total{user, rule_group}`), the notifier's through
 * `WrapRegistererWith({user})` and `WrapRegistererWithPrefix("cortex_")` in pkg/ruler/manager.go
 * `getOrCreateNotifier` (commit e4ad3ea2d9d1). The names stay, so routing and runbooks do; `service`
 * becomes `mimir`. Both can fire only while the ruler still evaluates this group and Prometheus's
 * samples reach Mimir: a ruler failing every evaluation cannot report it, hence the dead-man's switch.
 */
function rulerAlerts(base: Pick<AlertDefinition, "team" | "dashboardUid">): AlertDefinition[] {
    return [
        {
            alert: STACK_ALERTS.ruleEvaluationFailures,
            expr: "sum by (user, rule_group) (increase(cortex_prometheus_rule_evaluation_failures_total[5m])) > 0",
            for: "10m",
            severity: "warning",
            service: "mimir",
            ...base,
            summary: "Mimir's ruler fails to evaluate rules",
            description: "{{ $value }} rule evaluations failed in the last 5m in group {{ $labels.rule_group }} of tenant {{ $labels.user }}; recorded series and alerts from it are missing.",
        },
        {
            alert: STACK_ALERTS.notificationsFailing,
            // dns+ discovery of the Alertmanager peers finding none sends nothing and fails nothing: only the discovered count shows it.
            expr:
                "(sum by (user) (rate(cortex_prometheus_notifications_errors_total[5m])) / clamp_min(sum by (user) (rate(cortex_prometheus_notifications_sent_total[5m])), 1e-9) > 0.01)" +
                " or (sum by (user) (increase(cortex_prometheus_notifications_dropped_total[5m])) > 0)" +
                " or (max by (user) (cortex_prometheus_notifications_alertmanagers_discovered) < 1)",
            for: "5m",
            severity: "critical",
            service: "mimir",
            ...base,
            summary: "Mimir's ruler cannot deliver alerts to Alertmanager",
            description: "Alert notifications from Mimir's ruler (tenant {{ $labels.user }}) to Alertmanager are failing, being dropped or have no Alertmanager to go to ({{ $value }}); alerting is blind.",
        },
        {
            // Names and labels (`remote_name`, `url`) from prometheus/prometheus storage/remote/queue_manager.go
            // and storage.go at v0.315.0 (Prometheus 3.15.0). `samples_total` counts every attempt, failed ones
            // included, so the first ratio is the share of attempted samples Mimir rejected for good (4xx: limits,
            // out of bounds); those are dropped, not retried. Mimir's ruler sees these series only through the same
            // remote write: a lag up to the 5m lookback still arrives and shows here, a longer lag or a total outage
            // leaves every `up` series absent, which StackTierDown reports for each tier.
            alert: STACK_ALERTS.remoteWriteFailing,
            expr:
                'label_replace(sum by (remote_name, url) (rate(prometheus_remote_storage_samples_failed_total[5m])) / clamp_min(sum by (remote_name, url) (rate(prometheus_remote_storage_samples_total[5m])), 1e-9) > 0.01, "reason", "failed", "", "")' +
                ' or label_replace(max by (remote_name, url) (prometheus_remote_storage_queue_highest_timestamp_seconds - prometheus_remote_storage_queue_highest_sent_timestamp_seconds) > 120, "reason", "behind", "", "")',
            for: "10m",
            severity: "critical",
            service: "prometheus",
            ...base,
            summary: "Prometheus cannot remote-write metrics to Mimir",
            description:
                'Prometheus\'s remote write to {{ $labels.url }} {{ if eq $labels.reason "failed" }}loses {{ $value | humanizePercentage }} of its samples{{ else }}is {{ $value | humanizeDuration }} behind{{ end }}; ' +
                "what does not reach Mimir is missing from dashboards, SLOs and alerts.",
        },
    ];
}

/** The self-scrape jobs of this stack: what the scrape config, these alerts and the stack-health dashboard cover. */
export function deployedStackJobs(config: StackConfig): StackJob[] {
    return stackJobs({ agentEnabled: config.collector.agentEnabled, grafanaDeployed: config.grafana.replicas > 0, topology: config.topology.kind, operator: config.operator.enabled });
}

export function stackAlerts(config: StackConfig): AlertDefinition[] {
    const distributed = config.topology.kind === "distributed";
    const stackJobList = deployedStackJobs(config);
    const jobs = stackJobList.join("|");
    const dashboardUid = dashboardUids.stackHealth();
    const team = "platform";
    return [
        {
            alert: STACK_ALERTS.componentDown,
            // label_replace: the component becomes the alert's service, so routing and links work as for services.
            expr: `label_replace(up{job=~"${jobs}"} == 0, "service", "$1", "job", "(.*)")`,
            for: "2m",
            severity: "critical",
            team,
            summary: "An observability stack component is down",
            // Distributed: the target's tier label says which of an engine's tiers the pod belongs to.
            description: `${distributed ? JOB_AND_TIER : "{{ $labels.job }}"} on {{ $labels.pod }} has been unreachable for Prometheus for 2 minutes.`,
            dashboardUid,
        },
        ...(distributed ? [tierDown(stackJobList, { team, dashboardUid })] : []),
        ...(distributed ? rulerAlerts({ team, dashboardUid }) : prometheusEvaluatorAlerts({ team, dashboardUid })),
        {
            alert: STACK_ALERTS.lokiRequestErrors,
            expr: 'sum(rate(loki_request_duration_seconds_count{status_code=~"5.."}[5m])) / sum(rate(loki_request_duration_seconds_count[5m])) > 0.05',
            for: "10m",
            severity: "warning",
            service: "loki",
            team,
            summary: "Loki is failing requests",
            description: "{{ $value | humanizePercentage }} of Loki requests return 5xx.",
            dashboardUid,
        },
        {
            alert: STACK_ALERTS.tempoDiscardedSpans,
            expr: "sum(rate(tempo_discarded_spans_total[5m])) > 0",
            for: "10m",
            severity: "warning",
            service: "tempo",
            team,
            summary: "Tempo discards spans",
            description: "Tempo discards {{ $value | humanize }} spans per second; traces are incomplete.",
            dashboardUid,
        },
        {
            // Every PVC of the stack (TSDB, Loki, Tempo, the Collector's queues, Alertmanager, Grafana), from the
            // kubelet's volume statistics: under 10% free, or under 25% and full within a day at the last 6h's rate.
            alert: STACK_ALERTS.volumeFillingUp,
            expr:
                `label_replace((kubelet_volume_stats_available_bytes{namespace="${config.namespace}"} / kubelet_volume_stats_capacity_bytes{namespace="${config.namespace}"} < 0.10)` +
                ` or (kubelet_volume_stats_available_bytes{namespace="${config.namespace}"} / kubelet_volume_stats_capacity_bytes{namespace="${config.namespace}"} < 0.25` +
                ` and predict_linear(kubelet_volume_stats_available_bytes{namespace="${config.namespace}"}[6h], 86400) < 0),` +
                ` "service", "$1$2", "persistentvolumeclaim", "(?:data|queue)-(.+)-[0-9]+|(grafana)-data")`,
            for: "5m",
            severity: "critical",
            team,
            summary: "A volume of the observability stack is filling up",
            description: "PVC {{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} of its space left or will be full within a day; when it is full, its component stops writing data.",
            dashboardUid,
        },
        {
            alert: STACK_ALERTS.collectorRefusedData,
            expr: 'label_replace(sum by (job) (rate({__name__=~"otelcol_receiver_refused_(spans|log_records|metric_points)_total"}[5m])) > 0, "service", "$1", "job", "(.*)")',
            for: "5m",
            severity: "critical",
            team,
            summary: "The OpenTelemetry Collector refuses telemetry",
            description: "{{ $labels.job }} refuses {{ $value | humanize }} items per second (usually memory_limiter); senders drop this data.",
            dashboardUid,
        },
        {
            alert: STACK_ALERTS.collectorExportFailures,
            expr:
                'label_replace((sum by (job) (rate({__name__=~"otelcol_exporter_send_failed_(spans|log_records|metric_points)_total"}[5m])) > 0)' +
                ' or (max by (job) (otelcol_exporter_queue_size / otelcol_exporter_queue_capacity) > 0.8), "service", "$1", "job", "(.*)")',
            for: "15m",
            severity: "warning",
            team,
            summary: "The OpenTelemetry Collector cannot export",
            description: "{{ $labels.job }} exports are failing or its sending queue is over 80% full ({{ $value | humanize }}); data is lost once the queue is full.",
            dashboardUid,
        },
        {
            alert: STACK_ALERTS.alertmanagerNotificationsFailing,
            expr: "sum by (integration) (rate(alertmanager_notifications_failed_total[5m])) > 0",
            for: "5m",
            severity: "critical",
            service: "alertmanager",
            team,
            summary: "Alertmanager fails to send notifications",
            description: "Notifications through {{ $labels.integration }} are failing ({{ $value | humanize }}/s); on-call may not be reached.",
            dashboardUid,
        },
        {
            // The dead-man's switch: true on every evaluation, so it arrives at the heartbeat receiver
            // exactly while the evaluator evaluates this group and Alertmanager delivers.
            alert: STACK_ALERTS.watchdog,
            expr: "vector(1)",
            for: "0s",
            severity: WATCHDOG.severity,
            service: distributed ? "mimir" : "prometheus",
            team,
            summary: "The alerting pipeline is alive (always firing)",
            description:
                `Always firing while ${distributed ? "Mimir's ruler" : "Prometheus"} evaluates the stack's rules and Alertmanager delivers them. ` +
                `With a heartbeat receiver (the heartbeatUrl secret), Alertmanager sends it there every ${WATCHDOG.cadenceSeconds} seconds and the heartbeat service pages when it stops arriving.`,
            dashboardUid,
        },
    ];
}
