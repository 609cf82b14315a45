/**
 * The cluster's own signals: node-exporter (one per node: CPU, memory, filesystems of the node) and
 * kube-state-metrics (the API server's view of pods, workloads, nodes and claims). Both Apache-2.0,
 * deployed from their upstream images; their names, ports and arguments are facts used by the
 * component, the scrape jobs, the alerts and the infrastructure dashboard.
 */

/** Repository and tag, the shape of config/types ImageRef (model imports nothing). */
interface Image {
    readonly repository: string;
    readonly tag: string;
}

export const NODE_EXPORTER = {
    name: "node-exporter",
    /** prometheus/node_exporter v1.12.1 (2026-07-14 per the Go module proxy's release info). */
    image: { repository: "quay.io/prometheus/node-exporter", tag: "v1.12.1" } satisfies Image,
    port: 9100,
    portName: "metrics",
    /** The image runs as `nobody`; /proc, /sys and the root filesystem it reads are world-readable. */
    uid: 65534,
    /** Where the node's /proc, /sys and / are mounted, read-only. */
    hostPaths: { proc: "/host/proc", sys: "/host/sys", root: "/host/root" },
} as const;

/**
 * Without hostNetwork the pod's network namespace is its own, so the collectors reading /proc/net
 * would report the pod's traffic as the node's: they are turned off rather than mislead.
 */
const POD_NETWORK_COLLECTORS = ["arp", "netdev", "netstat", "sockstat", "softnet"] as const;

export function nodeExporterArgs(): string[] {
    const { hostPaths, port } = NODE_EXPORTER;
    return [
        `--path.procfs=${hostPaths.proc}`,
        `--path.sysfs=${hostPaths.sys}`,
        `--path.rootfs=${hostPaths.root}`,
        `--web.listen-address=:${port}`,
        // Kubernetes' own mounts (volumes, container layers) are not the node's filesystems.
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/containerd/.+|var/lib/containerd/.+|var/lib/docker/.+|var/lib/kubelet/.+)($|/)",
        ...POD_NETWORK_COLLECTORS.map((collector) => `--no-collector.${collector}`),
    ];
}

/**
 * The objects kube-state-metrics watches: exactly what the alerts and the dashboards read (jobs for
 * KubeJobFailed, HPAs for KubeHpaMaxedOut, quotas for KubeQuotaAlmostFull, replica sets to name the
 * Deployment a pod belongs to).
 */
export const KUBE_STATE_METRICS_RESOURCES = [
    { resource: "daemonsets", apiGroup: "apps" },
    { resource: "deployments", apiGroup: "apps" },
    { resource: "horizontalpodautoscalers", apiGroup: "autoscaling" },
    { resource: "jobs", apiGroup: "batch" },
    { resource: "nodes", apiGroup: "" },
    { resource: "persistentvolumeclaims", apiGroup: "" },
    { resource: "pods", apiGroup: "" },
    { resource: "replicasets", apiGroup: "apps" },
    { resource: "resourcequotas", apiGroup: "" },
    { resource: "statefulsets", apiGroup: "apps" },
] as const;

/** kube-state-metrics's RBAC: list and watch exactly the objects above, one rule per API group (in their first appearance's order). */
export const KUBE_STATE_METRICS_RULES: { apiGroups: string[]; resources: string[]; verbs: string[] }[] = [
    ...new Set(KUBE_STATE_METRICS_RESOURCES.map((each) => each.apiGroup)),
].map((apiGroup) => ({ apiGroups: [apiGroup], resources: KUBE_STATE_METRICS_RESOURCES.filter((each) => each.apiGroup === apiGroup).map((each) => each.resource), verbs: ["list", "watch"] }));

export const KUBE_STATE_METRICS = {
    name: "kube-state-metrics",
    /** kubernetes/kube-state-metrics v2.18.0 (tag of 2026-01-18, k8s.io/kube-state-metrics/v2 on the Go module proxy). */
    image: { repository: "registry.k8s.io/kube-state-metrics/kube-state-metrics", tag: "v2.18.0" } satisfies Image,
    port: 8080,
    portName: "http-metrics",
    /** Its own metrics and `/readyz`. */
    telemetryPort: 8081,
    telemetryPortName: "telemetry",
    /** The image's non-root user. */
    uid: 65534,
} as const;

export function kubeStateMetricsArgs(): string[] {
    return [
        `--port=${KUBE_STATE_METRICS.port}`,
        `--telemetry-port=${KUBE_STATE_METRICS.telemetryPort}`,
        `--resources=${KUBE_STATE_METRICS_RESOURCES.map((r) => r.resource).join(",")}`,
    ];
}

/**
 * node-exporter needs host paths, which Pod Security Admission's baseline forbids; it runs exactly
 * when the node agent does (`collector.agentEnabled`), in the node agents' namespace, the one that
 * enforces `privileged`.
 */
export function nodeExporterDeployed(agentEnabled: boolean): boolean {
    return agentEnabled;
}

/** Requests and limits, and GOMEMLIMIT at 80% of the memory limit like every Go component of the stack. */
export const INFRASTRUCTURE_RESOURCES = {
    nodeExporter: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" }, goMemLimit: "51MiB" },
    kubeStateMetrics: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" }, goMemLimit: "204MiB" },
} as const;

/** Scrape job names, which are also the `job` label of every series they bring. */
export const INFRASTRUCTURE_JOBS = { nodeExporter: NODE_EXPORTER.name, kubeStateMetrics: KUBE_STATE_METRICS.name } as const;
