/** Self-monitoring of the stack, once per stack: the watchers need watching too. */
import { StackConfig } from "../config/types";
import { stackJobs } from "../model/components";
import { dashboardUids } from "../model/ids";
import { AlertDefinition } from "./model";

export function stackAlerts(config: StackConfig): AlertDefinition[] {
    const jobs = stackJobs(config.collector.agentEnabled).join("|");
    const dashboardUid = dashboardUids.stackHealth();
    const team = "platform";
    return [
        {
            alert: "StackComponentDown",
            // label_replace: the component becomes the alert's service, so routing and links work as for services.
            expr: `label_replace(up{job=~"${jobs}"} == 0, "service", "$1", "job", "(.*)")`,
            for: "2m",
            severity: "critical",
            team,
            summary: "An observability stack component is down",
            description: "{{ $labels.job }} on {{ $labels.pod }} has been unreachable for Prometheus for 2 minutes.",
            dashboardUid,
        },
        {
            alert: "PrometheusRuleEvaluationFailures",
            expr: "sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[5m])) > 0",
            for: "10m",
            severity: "warning",
            service: "prometheus",
            team,
            summary: "Prometheus fails to evaluate rules",
            description: "{{ $value }} rule evaluations failed in the last 5m in group {{ $labels.rule_group }}; recorded series and alerts from it are missing.",
            dashboardUid,
        },
        {
            alert: "PrometheusNotificationsFailing",
            expr:
                "(sum(rate(prometheus_notifications_errors_total[5m])) / clamp_min(sum(rate(prometheus_notifications_sent_total[5m])), 1e-9) > 0.01)" +
                " or (sum(increase(prometheus_notifications_dropped_total[5m])) > 0)",
            for: "5m",
            severity: "critical",
            service: "prometheus",
            team,
            summary: "Prometheus cannot deliver alerts to Alertmanager",
            description: "Alert notifications from Prometheus to Alertmanager are failing or being dropped ({{ $value }}); alerting is blind.",
            dashboardUid,
        },
        {
            alert: "LokiRequestErrors",
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
            alert: "TempoDiscardedSpans",
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
            alert: "PersistentVolumeFillingUp",
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
            alert: "CollectorRefusedData",
            expr: 'label_replace(sum by (job) (rate({__name__=~"otelcol_receiver_refused_(spans|log_records|metric_points)_total"}[5m])) > 0, "service", "$1", "job", "(.*)")',
            for: "5m",
            severity: "critical",
            team,
            summary: "The OpenTelemetry Collector refuses telemetry",
            description: "{{ $labels.job }} refuses {{ $value | humanize }} items per second (usually memory_limiter); senders drop this data.",
            dashboardUid,
        },
        {
            alert: "CollectorExportFailures",
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
            alert: "AlertmanagerNotificationsFailing",
            expr: "sum by (integration) (rate(alertmanager_notifications_failed_total[5m])) > 0",
            for: "5m",
            severity: "critical",
            service: "alertmanager",
            team,
            summary: "Alertmanager fails to send notifications",
            description: "Notifications through {{ $labels.integration }} are failing ({{ $value | humanize }}/s); on-call may not be reached.",
            dashboardUid,
        },
    ];
}
