/** Renders prometheus.yml: Kubernetes service discovery, stack self-scrape, cAdvisor, services. */
import { ServiceSpec, StackConfig } from "../config/types";
import { deployedStackJobs } from "../alerts/stack";
import { CONFIG_FILES, Endpoints, METRICS_PORT_NAME, PATHS, PORTS, PROMETHEUS_DIRS, TIER_LABEL } from "../model/components";
import { selectorLabels } from "../model/labels";
import { TIERS } from "../model/topology";
import { clusterScrapeConfigs, infrastructureScrapeConfigs } from "./infrastructure";
import { CLUSTER_JOBS } from "../model/cluster";

/** OTLP resource attributes that become labels on every pushed series (the rest go to target_info). */
export const PROMOTED_RESOURCE_ATTRIBUTES = [
    "service.name",
    "service.namespace",
    "service.instance.id",
    "deployment.environment.name",
    // Set by the Collector on every signal (render/collector.ts): which stack the series came through.
    "deployment.environment",
    "k8s.namespace.name",
    "k8s.pod.name",
];



/** Prometheus's discovery label for a pod label: `app.kubernetes.io/name` → `__meta_kubernetes_pod_label_app_kubernetes_io_name`. */
function podLabelMeta(label: string): string {
    return `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

function podScrape(jobName: string, namespace: string, keep: Record<string, string>, port: string, path: string, interval?: string) {
    const relabel: Record<string, unknown>[] = Object.entries(keep).map(([label, value]) => ({
        source_labels: [podLabelMeta(label)],
        regex: escapeRegex(value),
        action: "keep",
    }));
    relabel.push(
        { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: escapeRegex(port), action: "keep" },
        // Pods that are not Running (completed jobs, pending) would only produce scrape errors.
        { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
        { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
        { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
        { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
    );
    return {
        job_name: jobName,
        ...(interval ? { scrape_interval: interval } : {}),
        metrics_path: path,
        kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
        relabel_configs: relabel,
    };
}

function escapeRegex(value: string): string {
    return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * One job per workload name, selecting its pods by name label and metrics port. In the distributed
 * topology the job of an engine spans all its tiers (every Mimir pod is named `mimir`), so each of
 * its targets also gets the tier from the pod's component label. The job stays the engine's, as
 * in the single topology, so the `service` of stack alerts means the same in both; the Mimir and
 * Loki mixins name jobs `<namespace>/<tier>` instead, which their dashboards would need mapped.
 */
function stackScrapeConfigs(config: StackConfig) {
    const distributed = config.topology.kind === "distributed";
    return deployedStackJobs(config).map((job) => {
        // The node agent runs in the agents' namespace, everything else in the stack's.
        const scrape = podScrape(job, job === "otel-agent" ? config.agentNamespace : config.namespace, selectorLabels(job), METRICS_PORT_NAME[job], "/metrics");
        if (!distributed || !(job in TIERS)) {
            return scrape;
        }
        return { ...scrape, relabel_configs: [...scrape.relabel_configs, { source_labels: [podLabelMeta("app.kubernetes.io/component")], target_label: TIER_LABEL }] };
    });
}

/**
 * A job scraping every node's kubelet directly on its HTTPS port with the service-account token.
 * The kubelet authorizes `/metrics` and `/metrics/*` as the `nodes/metrics` subresource, so the
 * role needs nothing more; the API server's proxy path (`/api/v1/nodes/<node>/proxy/...`) would
 * need `nodes/proxy`, which also opens the kubelet's exec and attach endpoints.
 */
function kubeletScrapeConfig(jobName: string, path: string, keepMetrics: string) {
    return {
        job_name: jobName,
        scheme: "https",
        metrics_path: path,
        // Node discovery's address is the node's kubelet endpoint (<node IP>:10250).
        kubernetes_sd_configs: [{ role: "node" }],
        // Kubelet serving certificates are self-signed per node unless the cluster enables
        // serverTLSBootstrap, so the cluster CA cannot verify them (what kube-prometheus does too).
        tls_config: { insecure_skip_verify: true },
        authorization: { credentials_file: `${PATHS.serviceAccountDir}/token` },
        relabel_configs: [{ source_labels: ["__meta_kubernetes_node_name"], target_label: "node" }],
        metric_relabel_configs: [{ source_labels: ["__name__"], regex: keepMetrics, action: "keep" }],
    };
}

/**
 * cAdvisor: container CPU and memory (saturation, compute-resources dashboards) and network traffic
 * (the pod's network namespace, and the node's own interfaces on the root cgroup `id="/"`, which
 * node-exporter cannot see without host networking); only the series panels, alerts and runbooks read.
 */
const cadvisorScrapeConfig = () =>
    kubeletScrapeConfig(
        CLUSTER_JOBS.cadvisor,
        "/metrics/cadvisor",
        "container_(cpu_usage_seconds_total|memory_working_set_bytes|spec_memory_limit_bytes|spec_cpu_quota|spec_cpu_period|cpu_cfs_throttled_periods_total|cpu_cfs_periods_total|start_time_seconds|oom_events_total" +
            "|network_(receive|transmit)_(bytes|packets|errors|packets_dropped)_total)",
    );

/**
 * The kubelet's own metrics, kept to what alerts and dashboards read: every PVC's used and free
 * bytes and inodes, the pods it runs and its pod lifecycle relist (PLEG) latency.
 */
const kubeletScrapeJob = () =>
    kubeletScrapeConfig(
        CLUSTER_JOBS.kubelet,
        "/metrics",
        "kubelet_volume_stats_(available_bytes|capacity_bytes|used_bytes|inodes|inodes_free|inodes_used)|kubelet_running_pods|kubelet_pleg_relist_duration_seconds_(bucket|count|sum)",
    );

/** The scrape job file of a scraped service (`scrape/<service>.yaml`), or undefined for OTLP services. */
export function serviceScrapeConfig(service: ServiceSpec) {
    if (service.discovery.kind !== "scrape") {
        return undefined;
    }
    const scrape = podScrape(service.name, service.namespace, service.discovery.selector, service.discovery.port, service.discovery.path);
    // The job label is the service name whatever the pods are called: SLO rules select on it.
    return { ...scrape, relabel_configs: [...scrape.relabel_configs, { target_label: "service", replacement: service.name }] };
}

/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of `text` (offset basis 2166136261, prime 16777619, as
 * draft-eastlake-fnv specifies them). Chosen for the shards because it depends on nothing but the
 * name: no seed, no Node version, no order of the services.
 */
export function fnv1a32(text: string): number {
    let hash = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(text)) {
        hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    }
    return hash;
}

/**
 * The rule and scrape shard of a service: its name's hash modulo the shard count. Adding or
 * removing a service leaves every other service where it was, so its patch is the only change;
 * changing the count moves files between shards.
 */
export function prometheusShard(serviceName: string, shards: number): number {
    return fnv1a32(serviceName) % shards;
}

export function renderPrometheusConfig(config: StackConfig, endpoints: Endpoints) {
    return {
        global: {
            scrape_interval: config.prometheus.scrapeInterval,
            evaluation_interval: config.prometheus.evaluationInterval,
            external_labels: { stack: config.stack, environment: config.profile },
        },
        rule_files: [`${PROMETHEUS_DIRS.rules}/*.yaml`],
        // Per-service scrape jobs, one file each: a service adds its job without touching prometheus.yml.
        scrape_config_files: [`${PROMETHEUS_DIRS.scrape}/*.yaml`],
        alerting: {
            alertmanagers: [
                {
                    // Every Alertmanager replica gets every alert; they deduplicate among themselves.
                    dns_sd_configs: [{ names: [endpoints.alertmanagerPeers], type: "A", port: PORTS.alertmanager }],
                },
            ],
        },
        otlp: {
            promote_resource_attributes: PROMOTED_RESOURCE_ATTRIBUTES,
            // Keeps `service.name` usable as `service_name` and metric names with unit suffixes.
            translation_strategy: "UnderscoreEscapingWithSuffixes",
        },
        storage: {
            exemplars: { max_exemplars: 100000 },
            // OTLP pushes and Tempo's remote write arrive slightly out of order under load.
            tsdb: { out_of_order_time_window: "10m" },
        },
        scrape_configs: [
            ...stackScrapeConfigs(config),
            cadvisorScrapeConfig(),
            kubeletScrapeJob(),
            // node-exporter and kube-state-metrics, then what the provider shows of the control plane (render/infrastructure.ts).
            ...infrastructureScrapeConfigs(config),
            ...clusterScrapeConfigs(config),
        ],
    };
}

/** Command-line flags; retention, remote-write and OTLP receivers are flags, not config. */
export function prometheusArgs(config: StackConfig): string[] {
    return [
        `--config.file=${PATHS.prometheusConfigDir}/${CONFIG_FILES.prometheus}`,
        `--storage.tsdb.path=${PATHS.prometheusData}`,
        `--storage.tsdb.retention.time=${config.prometheus.retentionTime}`,
        `--storage.tsdb.retention.size=${config.prometheus.retentionSize}`,
        "--web.enable-remote-write-receiver",
        "--web.enable-otlp-receiver",
        // No --web.enable-lifecycle: nothing calls /-/reload (auto-reload-config) or /-/quit, and it would let any pod that reaches the port shut Prometheus down.
        // Config, rule and scrape files come from ConfigMaps; Prometheus notices their changes itself.
        "--enable-feature=exemplar-storage,auto-reload-config",
        "--config.auto-reload-interval=30s",
        `--web.listen-address=:${PORTS.prometheus}`,
    ];
}
