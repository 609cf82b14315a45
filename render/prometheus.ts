/** Renders prometheus.yml: Kubernetes service discovery, stack self-scrape, cAdvisor, services. */
import { ServiceSpec, StackConfig } from "../config/types";
import { COMPONENTS, Component, CONFIG_FILES, Endpoints, METRICS_PORT_NAME, PATHS, PORTS, PROMETHEUS_DIRS } from "../model/components";

/** OTLP resource attributes that become labels on every pushed series (the rest go to target_info). */
export const PROMOTED_RESOURCE_ATTRIBUTES = [
    "service.name",
    "service.namespace",
    "service.instance.id",
    "deployment.environment.name",
    "k8s.namespace.name",
    "k8s.pod.name",
];


/** Jobs under which the stack scrapes itself; also the `service` label of stack alerts. */
export const STACK_JOBS: readonly Component[] = COMPONENTS;

function podScrape(jobName: string, namespace: string, keep: Record<string, string>, port: string, path: string, interval?: string) {
    const relabel: Record<string, unknown>[] = Object.entries(keep).map(([label, value]) => ({
        source_labels: [`__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`],
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

function stackScrapeConfigs(config: StackConfig) {
    return STACK_JOBS.filter((job) => job !== "otel-agent" || config.collector.agentEnabled).map((job) =>
        podScrape(job, config.namespace, { "app.kubernetes.io/name": job, "app.kubernetes.io/part-of": "lgtm-stack" }, METRICS_PORT_NAME[job], "/metrics"),
    );
}

/** The kubelet's cAdvisor, through the API server proxy: container CPU and memory (saturation). */
function cadvisorScrapeConfig() {
    return {
        job_name: "kubelet-cadvisor",
        scheme: "https",
        metrics_path: "/metrics/cadvisor",
        kubernetes_sd_configs: [{ role: "node" }],
        tls_config: { ca_file: `${PATHS.serviceAccountDir}/ca.crt` },
        authorization: { credentials_file: `${PATHS.serviceAccountDir}/token` },
        relabel_configs: [
            { target_label: "__address__", replacement: "kubernetes.default.svc:443" },
            { source_labels: ["__meta_kubernetes_node_name"], regex: "(.+)", target_label: "__metrics_path__", replacement: "/api/v1/nodes/$1/proxy/metrics/cadvisor" },
            { source_labels: ["__meta_kubernetes_node_name"], target_label: "node" },
        ],
        // Only the series the saturation panels and runbooks read; cAdvisor is otherwise the largest target.
        metric_relabel_configs: [
            {
                source_labels: ["__name__"],
                regex: "container_(cpu_usage_seconds_total|memory_working_set_bytes|spec_memory_limit_bytes|spec_cpu_quota|spec_cpu_period|cpu_cfs_throttled_periods_total|cpu_cfs_periods_total|start_time_seconds|oom_events_total)",
                action: "keep",
            },
        ],
    };
}

/** The scrape job file of a scraped service (`scrape/<service>.yaml`), or undefined for OTLP services. */
export function serviceScrapeConfig(service: ServiceSpec) {
    if (service.discovery.kind !== "scrape") {
        return undefined;
    }
    const scrape = podScrape(service.name, service.namespace, service.discovery.selector, service.discovery.port, service.discovery.path);
    // The job label is the service name whatever the pods are called: SLO rules select on it.
    return { ...scrape, relabel_configs: [...scrape.relabel_configs, { target_label: "service", replacement: service.name }] };
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
        "--web.enable-lifecycle",
        // Config, rule and scrape files come from ConfigMaps; Prometheus notices their changes itself.
        "--enable-feature=exemplar-storage,auto-reload-config",
        "--config.auto-reload-interval=30s",
        `--web.listen-address=:${PORTS.prometheus}`,
    ];
}
