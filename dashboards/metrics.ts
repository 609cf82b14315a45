/**
 * Which metrics the dashboards and runbooks may read. Recorded series come from our own rules; the
 * raw metrics below come from exporters we do not control, so a renamed upstream metric (or a typo)
 * shows up in one reviewed list instead of as an empty panel during an incident.
 */
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import { parseDuration } from "../config/units";
import { METRIC_PRESETS } from "../model/presets";

export const RAW_METRICS_BY_SOURCE = {
    /** Synthesised by Prometheus itself: scrape health and alert state. */
    prometheusBuiltIn: ["up", "ALERTS"],
    /** The services' request metrics: each preset's counter and histogram buckets (model/presets.ts). */
    presets: Object.values(METRIC_PRESETS).flatMap((preset) => [preset.counter, `${preset.histogram}_bucket`]),
    /** Only what the cAdvisor scrape keeps (render/prometheus.ts metric_relabel_configs). */
    cadvisor: [
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "container_spec_memory_limit_bytes",
        "container_start_time_seconds",
        "container_cpu_cfs_throttled_periods_total",
        "container_cpu_cfs_periods_total",
        "container_oom_events_total",
        "container_network_receive_bytes_total",
        "container_network_transmit_bytes_total",
        "container_network_receive_packets_total",
        "container_network_transmit_packets_total",
        "container_network_receive_errors_total",
        "container_network_transmit_errors_total",
        "container_network_receive_packets_dropped_total",
        "container_network_transmit_packets_dropped_total",
    ],
    /** Only what the kubelet scrape keeps (render/prometheus.ts metric_relabel_configs): PVC space and inodes, pods, relist latency. */
    kubelet: [
        "kubelet_volume_stats_available_bytes",
        "kubelet_volume_stats_capacity_bytes",
        "kubelet_volume_stats_used_bytes",
        "kubelet_volume_stats_inodes",
        "kubelet_volume_stats_inodes_used",
        "kubelet_running_pods",
        "kubelet_pleg_relist_duration_seconds_bucket",
    ],
    process: ["process_resident_memory_bytes"],
    /** node-exporter (model/infrastructure.ts): node CPU, memory and root filesystem. */
    nodeExporter: [
        "node_cpu_seconds_total",
        "node_memory_MemAvailable_bytes",
        "node_memory_MemTotal_bytes",
        "node_filesystem_avail_bytes",
        "node_filesystem_size_bytes",
        "node_filesystem_files_free",
        "node_filesystem_files",
        "node_timex_offset_seconds",
        "node_timex_sync_status",
        "node_timex_maxerror_seconds",
        "node_load1",
        "node_load5",
        "node_load15",
        "node_disk_read_bytes_total",
        "node_disk_written_bytes_total",
        "node_disk_io_time_seconds_total",
    ],
    /** kube-state-metrics, for the objects it watches (KUBE_STATE_METRICS_RESOURCES). */
    kubeStateMetrics: [
        "kube_node_info",
        "kube_node_status_condition",
        "kube_pod_status_phase",
        "kube_pod_container_status_restarts_total",
        "kube_pod_container_status_waiting_reason",
        "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas_available",
        "kube_statefulset_replicas",
        "kube_statefulset_status_replicas_ready",
        "kube_daemonset_status_desired_number_scheduled",
        "kube_daemonset_status_number_ready",
        "kube_node_spec_taint",
        "kube_node_status_capacity",
        "kube_node_status_allocatable",
        "kube_pod_info",
        "kube_pod_owner",
        "kube_replicaset_owner",
        "kube_pod_container_resource_requests",
        "kube_pod_container_resource_limits",
        "kube_deployment_status_condition",
        "kube_statefulset_status_replicas_updated",
        "kube_daemonset_status_updated_number_scheduled",
        "kube_job_failed",
        "kube_horizontalpodautoscaler_status_current_replicas",
        "kube_horizontalpodautoscaler_spec_max_replicas",
        "kube_resourcequota",
        "kube_persistentvolumeclaim_info",
        "kube_persistentvolumeclaim_status_phase",
        "kube_persistentvolumeclaim_resource_requests_storage_bytes",
    ],
    /** The API server (`apiserver` job, when `cluster.provider` lets Prometheus see it). */
    apiServer: [
        "apiserver_request_total",
        "apiserver_request_sli_duration_seconds_bucket",
        "apiserver_request_sli_duration_seconds_count",
        "apiserver_client_certificate_expiration_seconds_bucket",
        "apiserver_client_certificate_expiration_seconds_count",
    ],
    /** CoreDNS (`coredns` job). */
    coreDns: ["coredns_dns_request_duration_seconds_bucket", "coredns_dns_request_duration_seconds_count", "coredns_dns_responses_total"],
    /** etcd (`etcd` job, from `cluster.etcdTargets`). */
    etcd: ["etcd_server_has_leader", "etcd_mvcc_db_total_size_in_bytes", "etcd_server_quota_backend_bytes"],
    prometheus: [
        "prometheus_tsdb_head_series",
        "prometheus_rule_evaluation_failures_total",
        "prometheus_rule_group_last_duration_seconds",
        "prometheus_rule_group_interval_seconds",
        "prometheus_rule_group_last_evaluation_timestamp_seconds",
        "prometheus_notifications_sent_total",
        "prometheus_notifications_errors_total",
        "prometheus_notifications_dropped_total",
        "prometheus_notifications_alertmanagers_discovered",
        "prometheus_notifications_queue_length",
        "prometheus_notifications_queue_capacity",
        "prometheus_config_last_reload_successful",
        "prometheus_tsdb_compactions_failed_total",
        "prometheus_tsdb_reloads_failures_total",
        "prometheus_tsdb_wal_corruptions_total",
        "prometheus_tsdb_wal_writes_failed_total",
        "prometheus_tsdb_wal_truncations_failed_total",
    ],
    /** Prometheus's remote-write queue to Mimir (topology distributed): storage/remote/queue_manager.go at v0.315.0. */
    prometheusRemoteWrite: [
        "prometheus_remote_storage_samples_total",
        "prometheus_remote_storage_samples_failed_total",
        "prometheus_remote_storage_samples_retried_total",
        "prometheus_remote_storage_samples_pending",
        "prometheus_remote_storage_queue_highest_timestamp_seconds",
        "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
        "prometheus_remote_storage_shards_desired",
        "prometheus_remote_storage_shards_max",
    ],
    /** Mimir (topology distributed): its ruler's rule-manager and notifier metrics (`cortex_` prefix, `user` label) and the distributor's discards. */
    mimir: [
        "cortex_prometheus_rule_evaluation_failures_total",
        "cortex_prometheus_rule_group_last_evaluation_timestamp_seconds",
        "cortex_prometheus_notifications_sent_total",
        "cortex_prometheus_notifications_errors_total",
        "cortex_prometheus_notifications_dropped_total",
        "cortex_prometheus_notifications_alertmanagers_discovered",
        "cortex_discarded_samples_total",
    ],
    alertmanager: ["alertmanager_notifications_failed_total", "alertmanager_notifications_total", "alertmanager_alerts", "alertmanager_config_last_reload_successful"],
    loki: ["loki_request_duration_seconds_count", "loki_distributor_lines_received_total", "loki_discarded_samples_total"],
    tempo: ["tempo_distributor_spans_received_total", "tempo_discarded_spans_total"],
    otelCollector: [
        "otelcol_receiver_accepted_spans_total",
        "otelcol_receiver_accepted_log_records_total",
        "otelcol_receiver_accepted_metric_points_total",
        "otelcol_receiver_refused_spans_total",
        "otelcol_receiver_refused_log_records_total",
        "otelcol_receiver_refused_metric_points_total",
        "otelcol_processor_refused_spans_total",
        "otelcol_exporter_send_failed_spans_total",
        "otelcol_exporter_send_failed_log_records_total",
        "otelcol_exporter_send_failed_metric_points_total",
        "otelcol_exporter_queue_size",
        "otelcol_exporter_queue_capacity",
    ],
} as const;

export const RAW_METRICS: ReadonlySet<string> = new Set(Object.values(RAW_METRICS_BY_SOURCE).flat());

/** One series selector of a PromQL expression. */
export interface MetricSelector {
    /** The metric name, when the selector names one (`foo{...}` or `{__name__="foo"}`). */
    readonly name?: string;
    /** The regex of a `{__name__=~"..."}` selector. */
    readonly nameRegex?: string;
    /** The longest range (range selector or subquery) the selector is read over, in seconds. */
    readonly rangeSeconds?: number;
}

type SyntaxNode = ReturnType<typeof promqlParser.parse>["topNode"];

function children(node: SyntaxNode): SyntaxNode[] {
    const result: SyntaxNode[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling) {
        result.push(child);
    }
    return result;
}

function unquote(literal: string): string {
    return literal.startsWith('"') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
}

function rangeOf(node: SyntaxNode, expr: string): number | undefined {
    const duration = node.getChild("DurationExpr");
    return duration ? parseDuration(expr.slice(duration.from, duration.to)) : undefined;
}

function selectorOf(node: SyntaxNode, expr: string, rangeSeconds: number | undefined): MetricSelector {
    const identifier = node.getChild("Identifier");
    let name = identifier ? expr.slice(identifier.from, identifier.to) : undefined;
    let nameRegex: string | undefined;
    for (const matcher of node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? []) {
        const label = matcher.getChild("LabelName");
        const op = matcher.getChild("MatchOp");
        const value = matcher.getChild("StringLiteral");
        if (!label || !op || !value || expr.slice(label.from, label.to) !== "__name__") {
            continue;
        }
        const text = unquote(expr.slice(value.from, value.to));
        if (expr.slice(op.from, op.to) === "=~") {
            nameRegex = text;
        } else {
            name = text;
        }
    }
    return { name, nameRegex, rangeSeconds };
}

/** Every series selector of a PromQL expression, with the range it is read over. */
export function promqlSelectors(expr: string): MetricSelector[] {
    const selectors: MetricSelector[] = [];
    const visit = (node: SyntaxNode, rangeSeconds: number | undefined): void => {
        if (node.name === "VectorSelector") {
            selectors.push(selectorOf(node, expr, rangeSeconds));
            return;
        }
        const range = node.name === "MatrixSelector" || node.name === "SubqueryExpr" ? rangeOf(node, expr) : undefined;
        const effective = range === undefined ? rangeSeconds : Math.max(range, rangeSeconds ?? 0);
        children(node).forEach((child) => visit(child, effective));
    };
    visit(promqlParser.parse(expr).topNode, undefined);
    return selectors;
}
