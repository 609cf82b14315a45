/**
 * Names, ports and in-cluster addresses of the stack's components. Every renderer takes its peers'
 * addresses from here, so the data-flow harness can swap them all in one documented step.
 */

export const COMPONENTS = ["prometheus", "alertmanager", "loki", "tempo", "otel-collector", "otel-agent", "grafana"] as const;
export type Component = (typeof COMPONENTS)[number];

/** The Collector's load-balancing tier (`COLLECTOR_TIERS.loadBalancer`): its workload, its pods' name and its scrape job. */
export const COLLECTOR_LOAD_BALANCER = "otel-collector-lb";

/**
 * Workloads only the distributed topology runs, by their pods' `app.kubernetes.io/name`: Grafana Mimir
 * (every tier; Loki's and Tempo's tiers keep the monoliths' names) and the Collector's load-balancing tier.
 */
export const DISTRIBUTED_WORKLOADS = ["mimir", COLLECTOR_LOAD_BALANCER] as const;

/**
 * Workloads the Prometheus Operator feature runs (`operator.enabled`), by their pods' name label:
 * the operator, the agent it makes from our PrometheusAgent (the operator names its pods
 * `prometheus-agent`) and the blackbox exporter that runs the Probes.
 */
export const OPERATOR_JOBS = ["prometheus-operator", "prometheus-agent", "blackbox-exporter"] as const;

/** A self-scrape job: named after the name label of the pods it scrapes. */
export type StackJob = Component | (typeof DISTRIBUTED_WORKLOADS)[number] | (typeof OPERATOR_JOBS)[number];

/** What decides which of the stack's workloads run. */
export interface StackJobsOptions {
    readonly agentEnabled: boolean;
    /** False with `grafana.mode: external`: no Grafana pod runs. */
    readonly grafanaDeployed: boolean;
    readonly topology: "single" | "distributed";
    /** `operator.enabled`: the operator, its agent and the blackbox exporter run. */
    readonly operator: boolean;
}

/**
 * Jobs under which the stack scrapes itself (also the `service` label of stack alerts): every
 * component that runs (the node agent only when enabled, Grafana unless external), and in the
 * distributed topology Mimir and the Collector's load-balancing tier, which follow the engines and
 * precede the gateways they feed.
 */
export function stackJobs({ agentEnabled, grafanaDeployed, topology, operator }: StackJobsOptions): StackJob[] {
    const components: StackJob[] = COMPONENTS.filter((job) => (job !== "otel-agent" || agentEnabled) && (job !== "grafana" || grafanaDeployed));
    const gateway = components.indexOf("otel-collector");
    const jobs = topology === "single" ? components : [...components.slice(0, gateway), ...DISTRIBUTED_WORKLOADS, ...components.slice(gateway)];
    return operator ? [...jobs, ...OPERATOR_JOBS] : jobs;
}

/**
 * Label naming the tier on the distributed topology's self-scrape targets (`ingester`, `querier`,
 * `load-balancer`, …), copied from the pod's `app.kubernetes.io/component`: the job stays the engine's,
 * as the pods' name label is, and this tells its tiers apart.
 */
export const TIER_LABEL = "component";

export const PORTS = {
    prometheus: 9090,
    alertmanager: 9093,
    alertmanagerCluster: 9094,
    lokiHttp: 3100,
    lokiGrpc: 9095,
    tempoHttp: 3200,
    tempoGrpc: 9095,
    otlpGrpc: 4317,
    otlpHttp: 4318,
    collectorMetrics: 8888,
    collectorHealth: 13133,
    grafana: 3000,
    /** The kubelet's authenticated HTTPS port: /metrics (volume stats) and /metrics/cadvisor. */
    kubelet: 10250,
} as const;

/**
 * Name of Alertmanager's API port on its Services: the headless `alertmanager-peers` Service's SRV
 * record `_http._tcp.alertmanager-peers…` is how Loki's ruler finds every replica.
 */
export const ALERTMANAGER_PORT_NAME = "http";

/** Name of the container port each job's pods expose their metrics on (every tier of a distributed engine: its HTTP port). */
export const METRICS_PORT_NAME: Record<StackJob, string> = {
    prometheus: "http",
    alertmanager: "http",
    loki: "http",
    tempo: "http",
    mimir: "http",
    "otel-collector-lb": "metrics",
    "otel-collector": "metrics",
    "otel-agent": "metrics",
    grafana: "http",
    // render/clusterPods.ts and render/grafanaPod.ts name the operator's and blackbox's ports `http`; the operator names
    // the agent's `web` (the CRD's default `portName`, MakeContainerPorts in pkg/prometheus at v0.93.0).
    "prometheus-operator": "http",
    "prometheus-agent": "web",
    "blackbox-exporter": "http",
};

export interface Endpoints {
    /** One address for every replica (a ClusterIP Service): queries, Grafana. */
    readonly prometheus: string;
    /**
     * Each Prometheus replica's own address. Pushed data (the Collector's OTLP metrics, Tempo's
     * remote write) goes to every one of them, so an HA pair holds the same series twice. Defaults
     * to `[prometheus]`.
     */
    readonly prometheusReplicas?: readonly string[];
    readonly alertmanager: string;
    /** DNS name resolving to every Alertmanager pod (headless Service). */
    readonly alertmanagerPeers: string;
    readonly loki: string;
    readonly tempo: string;
    readonly tempoOtlpGrpc: string;
    readonly collectorOtlpGrpc: string;
    readonly grafana: string;
}

/** Headless Service of the Prometheus StatefulSet: it gives each pod its own DNS name. */
export const PROMETHEUS_HEADLESS_SERVICE = "prometheus-headless";

export function clusterEndpoints(namespace: string, prometheusReplicas = 1): Endpoints {
    const host = (service: string) => `${service}.${namespace}.svc.cluster.local`;
    return {
        prometheus: `http://${host("prometheus")}:${PORTS.prometheus}`,
        // StatefulSet pods are <name>-<ordinal>.<headless service>: stable across restarts.
        prometheusReplicas: Array.from({ length: prometheusReplicas }, (_, i) => `http://prometheus-${i}.${host(PROMETHEUS_HEADLESS_SERVICE)}:${PORTS.prometheus}`),
        alertmanager: `http://${host("alertmanager")}:${PORTS.alertmanager}`,
        alertmanagerPeers: host("alertmanager-peers"),
        loki: `http://${host("loki")}:${PORTS.lokiHttp}`,
        tempo: `http://${host("tempo")}:${PORTS.tempoHttp}`,
        tempoOtlpGrpc: `${host("tempo")}:${PORTS.otlpGrpc}`,
        collectorOtlpGrpc: `${host("otel-collector")}:${PORTS.otlpGrpc}`,
        grafana: `http://${host("grafana")}:${PORTS.grafana}`,
    };
}

/** Paths inside the containers where configs, secrets and data live. */
export const PATHS = {
    prometheusConfigDir: "/etc/prometheus",
    prometheusData: "/prometheus",
    alertmanagerConfigDir: "/etc/alertmanager",
    alertmanagerSecretsDir: "/etc/alertmanager/secrets",
    alertmanagerData: "/alertmanager",
    lokiConfigDir: "/etc/loki",
    lokiData: "/var/loki",
    tempoConfigDir: "/etc/tempo",
    tempoData: "/var/tempo",
    collectorConfigDir: "/etc/otelcol",
    collectorQueue: "/var/lib/otelcol/queue",
    agentState: "/var/lib/otelcol-agent",
    serviceAccountDir: "/var/run/secrets/kubernetes.io/serviceaccount",
} as const;

/**
 * Loki's ruler reads the services' log-alert rule files from its local rule store: one folder per
 * tenant under `directory`, and with `auth_enabled: false` Loki's single tenant is `fake`. The
 * ConfigMap holding them is mounted at `<directory>/<tenant>` (outside the config mount, which is
 * read-only and cannot hold a mount point).
 */
export const LOKI_RULES = { configMap: "loki-rules", directory: "/loki-rules", tenant: "fake" } as const;

/** Object-storage credentials reach Loki and Tempo as environment variables, expanded in their config files. */
export const OBJECT_STORAGE_ENV = { accessKeyId: "OBJECT_STORAGE_ACCESS_KEY_ID", secretAccessKey: "OBJECT_STORAGE_SECRET_ACCESS_KEY" } as const;

/** Folders under Prometheus's config directory: rule files, and one scrape job file per scraped service. */
export const PROMETHEUS_DIRS = { rules: "rules", scrape: "scrape" } as const;

/**
 * Names of the ConfigMaps that services patch their rule and scrape files into: shard 0 of each kind
 * (`prometheusConfigMapName`). Shard 0 keeps the plain name, so a stack that raises its shard count
 * keeps the stack's own rule file, and the services that stay in shard 0, where they are.
 */
export const PROMETHEUS_CONFIGMAPS = { rules: "prometheus-rules", scrape: "prometheus-scrape" } as const;

export type PrometheusFileKind = keyof typeof PROMETHEUS_CONFIGMAPS;

/** Name of one shard of the rule or scrape ConfigMaps: `prometheus-rules`, `prometheus-rules-1`, … */
export function prometheusConfigMapName(kind: PrometheusFileKind, shard: number): string {
    return shard === 0 ? PROMETHEUS_CONFIGMAPS[kind] : `${PROMETHEUS_CONFIGMAPS[kind]}-${shard}`;
}

/** Every shard of one kind, in shard order: what Prometheus and Mimir's ruler mount. */
export function prometheusConfigMapNames(kind: PrometheusFileKind, shards: number): string[] {
    return Array.from({ length: shards }, (_, shard) => prometheusConfigMapName(kind, shard));
}

/** Config key setting how many ConfigMaps of each kind the services' rule and scrape files are spread over. */
export const CONFIGMAP_SHARDS_KEY = "prometheus.configMapShards";

/** Upper bound of `prometheus.configMapShards`: 64 shards of 960 KiB hold ~2,800 services of 22 KiB of rules each. */
export const MAX_CONFIGMAP_SHARDS = 64;

/**
 * The API server refuses a ConfigMap whose data values add up to more than 1 MiB ("Too long: may
 * not be more than 1048576 bytes"): `ValidateConfigMap` in k8s.io/kubernetes
 * pkg/apis/core/validation/validation.go sums `len(value)` of `data` and `binaryData` (keys and
 * metadata are not counted) against `MaxSecretSize = 1 * 1024 * 1024` in pkg/apis/core/types.go
 * (read at v1.36.4).
 */
export const CONFIGMAP_DATA_LIMIT_BYTES = 1024 * 1024;

/**
 * What we keep free below that limit when we check a shard at preview time. Services declared in
 * code (`renderService` + `ObservedService`) patch the same shards but are not in the stack config,
 * so the stack's check cannot count them: 64 KiB leaves room for about three of 22 KiB. Keys,
 * labels and one managedFields entry per service (~250 bytes each) are not in the API's sum but
 * are in the stored object, which etcd caps at its request limit (`--max-request-bytes`, 1.5 MiB by
 * default): a shard within this budget leaves them more than 512 KiB.
 */
export const CONFIGMAP_HEADROOM_BYTES = 64 * 1024;

/** The data bytes one rule or scrape shard may hold: 960 KiB. */
export const CONFIGMAP_DATA_BUDGET_BYTES = CONFIGMAP_DATA_LIMIT_BYTES - CONFIGMAP_HEADROOM_BYTES;

/** File name of each component's main config file inside its config directory. */
export const CONFIG_FILES = {
    prometheus: "prometheus.yml",
    alertmanager: "alertmanager.yml",
    loki: "loki.yaml",
    tempo: "tempo.yaml",
    "otel-collector": "config.yaml",
    "otel-agent": "config.yaml",
} as const;

/** Pod-template annotation carrying the checksum of the rendered config: the pod rolls when, and only when, it changes. */
export const CONFIG_CHECKSUM_ANNOTATION = "lgtm.dev/config-checksum";

/** Where pushed metrics go: every Prometheus replica, or the one address when replicas are not listed. */
export function prometheusPushTargets(endpoints: Endpoints): readonly string[] {
    return endpoints.prometheusReplicas && endpoints.prometheusReplicas.length > 0 ? endpoints.prometheusReplicas : [endpoints.prometheus];
}
