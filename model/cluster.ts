/**
 * The cluster the stack lands in: which control-plane parts its provider lets Prometheus see, the
 * scrape jobs of the cluster's own components, and the thresholds and waits of the cluster alerts.
 * Facts (metric names, thresholds, windows) follow the community mixins (kubernetes-mixin,
 * node-mixin, the Prometheus and Alertmanager mixins); the waits are theirs unless a comment says why not.
 */
export const CLUSTER_PROVIDERS = ["generic", "eks", "gke", "aks"] as const;
export type ClusterProvider = (typeof CLUSTER_PROVIDERS)[number];

/** What Prometheus can scrape of the control plane; what it cannot see is neither scraped nor alerted on. */
export interface ControlPlaneView {
    /** kube-apiserver's `/metrics` through the `kubernetes` Service's endpoints, one target per API server. */
    readonly apiServer: boolean;
    /** CoreDNS pods in kube-system (label `k8s-app=kube-dns`, container port `metrics`). */
    readonly coreDns: boolean;
    /** etcd's metrics endpoints, when `cluster.etcdTargets` names them (never on a managed control plane). */
    readonly etcd: boolean;
    /** Why, for the README and the error that refuses etcd targets on a managed cluster. */
    readonly why: string;
}

export const CONTROL_PLANE: Readonly<Record<ClusterProvider, ControlPlaneView>> = {
    generic: { apiServer: true, coreDns: true, etcd: true, why: "a self-run control plane: everything it exposes can be scraped" },
    // EKS serves the API server's /metrics to clients with the right (kube-prometheus-stack scrapes it there);
    // etcd is AWS's, CoreDNS runs as an add-on in kube-system with the upstream labels and port.
    eks: { apiServer: true, coreDns: true, etcd: false, why: "EKS runs etcd itself and exposes none of its metrics" },
    // GKE serves the API server's /metrics; cluster DNS is kube-dns (or Cloud DNS), not CoreDNS, and etcd is Google's.
    gke: { apiServer: true, coreDns: false, etcd: false, why: "GKE's cluster DNS is kube-dns or Cloud DNS, not CoreDNS, and etcd is Google's" },
    // AKS answers /metrics from whichever API server replica its load balancer picks, so counters jump up and down
    // (Azure/AKS#3602); Microsoft's FAQ says self-hosted Prometheus cannot scrape control-plane metrics.
    aks: { apiServer: false, coreDns: true, etcd: false, why: "AKS serves the API server's metrics from a different replica at each scrape and etcd not at all" },
};

/** Scrape job names of the cluster components, which are also the `job` label of what they bring. */
export const CLUSTER_JOBS = { apiServer: "apiserver", coreDns: "coredns", etcd: "etcd", kubelet: "kubelet", cadvisor: "kubelet-cadvisor" } as const;

/** Where CoreDNS runs and how its pods and metrics port are named in kubeadm, EKS and AKS alike. */
export const COREDNS = { namespace: "kube-system", podLabel: { name: "k8s-app", value: "kube-dns" }, portName: "metrics" } as const;

/** The API server's Service: `default/kubernetes`, port `https`. */
export const API_SERVER = { namespace: "default", service: "kubernetes", portName: "https" } as const;

/**
 * The API server's SLOs, as kube-prometheus keeps them (kubernetes-mixin `SLOs.apiserver`: 99% over
 * 30 days), expressed through the project's own SLO machinery: availability (no 5xx) and latency
 * (a read or write answered within 1s, from `apiserver_request_sli_duration_seconds`, which leaves
 * out webhook and priority-and-fairness waits; watches and other long-running verbs are excluded).
 */
export const API_SERVER_SLO = {
    service: "kube-apiserver",
    objectivePercent: 99,
    window: "30d",
    latencyThresholdSeconds: 1,
    /** Long-running requests that would count as slow and as traffic: streams, not requests. */
    excludedVerbs: "WATCH|CONNECT",
} as const;

/** An RBAC policy rule, in the shape of Kubernetes' PolicyRule (model imports nothing). */
export interface AccessRule {
    readonly apiGroups?: readonly string[];
    readonly resources?: readonly string[];
    readonly nonResourceURLs?: readonly string[];
    readonly verbs: readonly string[];
}

/**
 * Exactly what prometheus.yml uses: pod discovery (the stack's, services' and CoreDNS's pods) and
 * node discovery, and the kubelet's /metrics and /metrics/cadvisor, which the kubelet authorizes as
 * `get` on `nodes/metrics`. Never `nodes/proxy`: it reaches every kubelet endpoint without its own
 * subresource, exec and attach into any container included. When the API server is scraped, its
 * endpoint slices and Services (endpoint-slice discovery watches both) and `get /metrics`.
 */
export function prometheusAccessRules(controlPlane: { readonly apiServer: boolean }): AccessRule[] {
    return [
        { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
        ...(controlPlane.apiServer
            ? [
                  { apiGroups: [""], resources: ["services"], verbs: ["list", "watch"] },
                  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
                  { nonResourceURLs: ["/metrics"], verbs: ["get"] },
              ]
            : []),
    ];
}

/**
 * Thresholds and waits of the cluster alerts, each written once. Percentages are of capacity;
 * `predictHours` is how far ahead a linear prediction over `predictWindow` must not reach zero.
 */
export const CLUSTER_THRESHOLDS = {
    filesystemFilling: {
        warning: { availablePercent: 40, predictHours: 24 },
        critical: { availablePercent: 20, predictHours: 4 },
        predictWindow: "6h",
        for: "1h",
    },
    filesystemAlmostFull: { warning: { availablePercent: 5 }, critical: { availablePercent: 3 }, for: "30m" },
    inodesFilling: { warning: { availablePercent: 40, predictHours: 24 }, critical: { availablePercent: 20, predictHours: 4 }, predictWindow: "6h", for: "1h" },
    inodesAlmostFull: { warning: { availablePercent: 5 }, critical: { availablePercent: 3 }, for: "1h" },
    memoryHigh: { usedPercent: 90, for: "15m" },
    /** 50ms off and not converging; the sync check uses the kernel's maximum error of 16s. */
    clockSkew: { offsetSeconds: 0.05, for: "10m" },
    clockNotSynchronising: { maxErrorSeconds: 16, for: "10m" },
    networkErrors: { errorPercent: 1, window: "2m", for: "1h" },
    nodeNotReady: { for: "15m" },
    nodeUnreachable: { for: "15m" },
    kubeletDown: { for: "15m" },
    kubeletTooManyPods: { usedPercent: 95, for: "15m" },
    plegRelist: { p99Seconds: 10, for: "5m" },
    podNotReady: { for: "15m" },
    rolloutStuck: { for: "15m" },
    jobFailed: { for: "15m" },
    hpaMaxedOut: { for: "15m" },
    overcommit: { for: "10m" },
    quotaAlmostFull: { usedPercent: 90, for: "15m" },
    apiServerDown: { for: "15m" },
    clientCertificate: { warningSeconds: 7 * 86400, criticalSeconds: 86400, for: "5m" },
    coreDnsDown: { for: "15m" },
    coreDnsLatency: { p99Seconds: 4, for: "10m" },
    etcdNoLeader: { for: "1m" },
    etcdDatabaseQuota: { usedPercent: 95, for: "10m" },
    configReload: { for: "10m" },
    tsdbProblems: { window: "3h", for: "4h" },
    targetDown: { downPercent: 10, for: "10m" },
} as const;

/**
 * Names of the cluster alerts. Where the community mixins have the same alert, ours keeps its name,
 * so silences, routes and habits carry over from kube-prometheus.
 */
export const CLUSTER_ALERTS = {
    filesystemFilling: "NodeFilesystemSpaceFillingUp",
    filesystemAlmostFull: "NodeFilesystemAlmostOutOfSpace",
    inodesFilling: "NodeFilesystemFilesFillingUp",
    inodesAlmostFull: "NodeFilesystemAlmostOutOfFiles",
    memoryHigh: "NodeMemoryHighUtilization",
    clockSkew: "NodeClockSkewDetected",
    clockNotSynchronising: "NodeClockNotSynchronising",
    networkReceiveErrors: "NodeNetworkReceiveErrs",
    networkTransmitErrors: "NodeNetworkTransmitErrs",
    nodeNotReady: "KubeNodeNotReady",
    nodeUnreachable: "KubeNodeUnreachable",
    kubeletDown: "KubeletDown",
    kubeletTooManyPods: "KubeletTooManyPods",
    plegRelist: "KubeletPlegDurationHigh",
    podNotReady: "KubePodNotReady",
    rolloutStuck: "KubeDeploymentRolloutStuck",
    // The kubernetes-mixin's KubeStatefulSetUpdateNotRolledOut: its runbook dashboard uid would pass Grafana's 40 characters.
    statefulSetRolloutStuck: "KubeStatefulSetRolloutStuck",
    daemonSetRolloutStuck: "KubeDaemonSetRolloutStuck",
    jobFailed: "KubeJobFailed",
    hpaMaxedOut: "KubeHpaMaxedOut",
    cpuOvercommit: "KubeCPUOvercommit",
    memoryOvercommit: "KubeMemoryOvercommit",
    quotaAlmostFull: "KubeQuotaAlmostFull",
    apiServerDown: "KubeAPIDown",
    clientCertificateExpiration: "KubeClientCertificateExpiration",
    coreDnsDown: "CoreDNSDown",
    coreDnsLatency: "CoreDNSLatencyHigh",
    etcdNoLeader: "EtcdNoLeader",
    etcdDatabaseQuota: "EtcdDatabaseQuotaLowSpace",
    prometheusBadConfig: "PrometheusBadConfig",
    alertmanagerBadConfig: "AlertmanagerFailedReload",
    tsdbCompactionsFailing: "PrometheusTSDBCompactionsFailing",
    tsdbWalFailing: "PrometheusTSDBWALFailing",
    targetDown: "TargetDown",
} as const;

/** The cluster alerts about the stack's own Prometheus and Alertmanager: their runbook dashboards offer the stack's components as `$service`. */
export const CLUSTER_SELF_MONITORING_ALERTS: readonly string[] = [
    CLUSTER_ALERTS.prometheusBadConfig,
    CLUSTER_ALERTS.alertmanagerBadConfig,
    CLUSTER_ALERTS.tsdbCompactionsFailing,
    CLUSTER_ALERTS.tsdbWalFailing,
];

/**
 * Names the stack gives the cluster's own parts, as scrape jobs and `service` labels (the API
 * server's SLO series and dashboard, capacity alerts' `cluster`): a service by one of these names
 * would merge with them.
 */
export const CLUSTER_RESERVED_NAMES: readonly string[] = [API_SERVER_SLO.service, "cluster", ...Object.values(CLUSTER_JOBS)];
