/**
 * The cluster's own health beyond the stack and its services, as kube-prometheus users know it:
 * nodes (node-exporter, and cAdvisor for the node's interfaces), kubelets, pods and workloads and
 * capacity (kube-state-metrics), the control plane the provider lets Prometheus see (API server with
 * its SLOs, CoreDNS, etcd), and the Prometheus and Alertmanager problems the stack alerts lacked.
 * Thresholds and waits live in model/cluster.ts; every alert names what it is about in `service`
 * (a node, a workload, a pod, `kube-apiserver`, ...), so links and runbook dashboards open on it.
 */
import { ServiceSpec, Slo, StackConfig } from "../config/types";
import { DEFAULT_BURN_RATE_POLICY, OTLP_EXPORT_INTERVAL, Severity } from "../model/alerting";
import { API_SERVER_SLO, CLUSTER_ALERTS, CLUSTER_JOBS, CLUSTER_THRESHOLDS as T } from "../model/cluster";
import { CLUSTER_SERIES } from "../model/recordedSeries";
import { deployedStackJobs } from "./stack";
import { dashboardUids } from "../model/ids";
import { INFRASTRUCTURE_JOBS, nodeExporterDeployed } from "../model/infrastructure";
import { THRESHOLD_PLACEHOLDER, WINDOW_PLACEHOLDER } from "./conventions";
import { AlertDefinition, RecordingRule } from "./model";
import { sloAlerts, sloRecordingRules } from "./slo";

const TEAM = "platform";
const NE = `job="${INFRASTRUCTURE_JOBS.nodeExporter}"`;
const KSM = `job="${INFRASTRUCTURE_JOBS.kubeStateMetrics}"`;
const KUBELET = `job="${CLUSTER_JOBS.kubelet}"`;
const CADVISOR = `job="${CLUSTER_JOBS.cadvisor}"`;
const APISERVER = `job="${CLUSTER_JOBS.apiServer}"`;
const HOUR = 3600;

/** The `service` label from one of the series' own labels (the node, the workload, the pod). */
const serviceFrom = (label: string, expr: string) => `label_replace(${expr}, "service", "$1", "${label}", "(.+)")`;

type Base = Pick<AlertDefinition, "team" | "dashboardUid">;

/** Filesystems node-exporter reports, without read-only mounts (a full ISO image is not a problem). */
const FS = `${NE}, fstype!=""`;

function filesystemAlerts(base: Base): AlertDefinition[] {
    const space = `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} * 100`;
    const files = `node_filesystem_files_free{${FS}} / node_filesystem_files{${FS}} * 100`;
    const writable = `node_filesystem_readonly{${FS}} == 0`;
    const where = "Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on node {{ $labels.node }}";
    const filling = (alert: string, ratio: string, free: string, what: string, spec: typeof T.filesystemFilling | typeof T.inodesFilling): AlertDefinition[] =>
        (["warning", "critical"] as const).map((severity) => ({
            ...base,
            alert,
            expr: serviceFrom("node", `(${ratio} < ${spec[severity].availablePercent}\nand predict_linear(${free}{${FS}}[${spec.predictWindow}], ${spec[severity].predictHours * HOUR}) < 0\nand ${writable})`),
            for: spec.for,
            severity,
            summary: `A node's filesystem will run out of ${what} within ${spec[severity].predictHours} hours`,
            description: `${where} has {{ printf "%.1f" $value }}% of its ${what} left and, at the rate of the last ${spec.predictWindow}, runs out within ${spec[severity].predictHours} hours.`,
        }));
    const almostFull = (alert: string, ratio: string, what: string, spec: typeof T.filesystemAlmostFull | typeof T.inodesAlmostFull): AlertDefinition[] =>
        (["warning", "critical"] as const).map((severity) => ({
            ...base,
            alert,
            expr: serviceFrom("node", `(${ratio} < ${spec[severity].availablePercent}\nand ${writable})`),
            for: spec.for,
            severity,
            summary: `A node's filesystem has less than ${spec[severity].availablePercent}% of its ${what} left`,
            description: `${where} has {{ printf "%.1f" $value }}% of its ${what} left; when none is left, writes on that node fail.`,
        }));
    const { filesystemFilling, filesystemAlmostFull, inodesFilling, inodesAlmostFull } = CLUSTER_ALERTS;
    return [
        ...filling(filesystemFilling, space, "node_filesystem_avail_bytes", "space", T.filesystemFilling),
        ...almostFull(filesystemAlmostFull, space, "space", T.filesystemAlmostFull),
        ...filling(inodesFilling, files, "node_filesystem_files_free", "inodes", T.inodesFilling),
        ...almostFull(inodesAlmostFull, files, "inodes", T.inodesAlmostFull),
    ];
}

function nodeAlerts(base: Base, nodeExporter: boolean): AlertDefinition[] {
    const { clockSkew, clockNotSynchronising, memoryHigh, networkErrors } = T;
    const offset = `node_timex_offset_seconds{${NE}}`;
    // The node's own interfaces are the root cgroup's in cAdvisor: node-exporter runs without host networking.
    const network = (direction: "receive" | "transmit", alert: string): AlertDefinition => ({
        ...base,
        alert,
        expr: serviceFrom(
            "node",
            `rate(container_network_${direction}_errors_total{${CADVISOR}, id="/"}[${networkErrors.window}])\n/ rate(container_network_${direction}_packets_total{${CADVISOR}, id="/"}[${networkErrors.window}]) * 100 > ${networkErrors.errorPercent}`,
        ),
        for: networkErrors.for,
        severity: "warning",
        summary: `A node's network interface has ${direction} errors`,
        description: `Interface {{ $labels.interface }} of node {{ $labels.node }} fails to ${direction === "receive" ? "receive" : "send"} {{ printf "%.1f" $value }}% of its packets.`,
    });
    const ksmNode: AlertDefinition[] = [
        {
            ...base,
            alert: CLUSTER_ALERTS.nodeNotReady,
            expr: serviceFrom("node", `kube_node_status_condition{${KSM}, condition="Ready", status="true"} == 0`),
            for: T.nodeNotReady.for,
            severity: "warning",
            summary: "A node is not ready",
            description: `Node {{ $labels.node }} has not been Ready for ${T.nodeNotReady.for}; no new pods go there and its pods may be evicted.`,
        },
        {
            ...base,
            alert: CLUSTER_ALERTS.nodeUnreachable,
            expr: serviceFrom("node", `kube_node_spec_taint{${KSM}, key="node.kubernetes.io/unreachable", effect="NoSchedule"} == 1`),
            for: T.nodeUnreachable.for,
            severity: "warning",
            summary: "A node is unreachable",
            description: `The node controller has not heard from node {{ $labels.node }} for ${T.nodeUnreachable.for} and marked it unreachable; its pods are being evicted.`,
        },
        network("receive", CLUSTER_ALERTS.networkReceiveErrors),
        network("transmit", CLUSTER_ALERTS.networkTransmitErrors),
    ];
    if (!nodeExporter) {
        return ksmNode;
    }
    return [
        ...filesystemAlerts(base),
        {
            ...base,
            alert: CLUSTER_ALERTS.memoryHigh,
            expr: serviceFrom("node", `100 - node_memory_MemAvailable_bytes{${NE}} / node_memory_MemTotal_bytes{${NE}} * 100 > ${memoryHigh.usedPercent}`),
            for: memoryHigh.for,
            severity: "warning",
            summary: `A node uses more than ${memoryHigh.usedPercent}% of its memory`,
            description: `Node {{ $labels.node }} has used {{ printf "%.1f" $value }}% of its memory for ${memoryHigh.for}; the kernel will soon kill processes or the kubelet evict pods.`,
        },
        {
            ...base,
            alert: CLUSTER_ALERTS.clockSkew,
            // Off by more than the threshold and not moving back towards zero.
            expr: serviceFrom(
                "node",
                `(${offset} > ${clockSkew.offsetSeconds} and deriv(${offset}[5m]) >= 0)\nor (${offset} < -${clockSkew.offsetSeconds} and deriv(${offset}[5m]) <= 0)`,
            ),
            for: clockSkew.for,
            severity: "warning",
            summary: "A node's clock is off",
            description: `The clock of node {{ $labels.node }} is {{ $value | humanizeDuration }} off and not converging; certificates, tokens and the ordering of logs and traces go wrong.`,
        },
        {
            ...base,
            alert: CLUSTER_ALERTS.clockNotSynchronising,
            expr: serviceFrom("node", `min_over_time(node_timex_sync_status{${NE}}[5m]) == 0\nand node_timex_maxerror_seconds{${NE}} >= ${clockNotSynchronising.maxErrorSeconds}`),
            for: clockNotSynchronising.for,
            severity: "warning",
            summary: "A node's clock is not synchronising",
            description: "The clock of node {{ $labels.node }} is not synchronised to a time source (NTP, chrony); it will drift.",
        },
        ...ksmNode,
    ];
}

function kubeletAlerts(base: Base): AlertDefinition[] {
    return [
        {
            ...base,
            alert: CLUSTER_ALERTS.kubeletDown,
            expr: `${serviceFrom("node", `up{${KUBELET}} == 0`)}\nor label_replace(absent(up{${KUBELET}}), "service", "kubelet", "", "")`,
            for: T.kubeletDown.for,
            severity: "critical",
            summary: "A kubelet cannot be scraped",
            description: `Prometheus has not reached {{ with $labels.node }}the kubelet of node {{ . }}{{ else }}any kubelet{{ end }} for ${T.kubeletDown.for}; what it reports (pods, volumes, containers) is unwatched.`,
        },
        {
            ...base,
            alert: CLUSTER_ALERTS.kubeletTooManyPods,
            expr: serviceFrom(
                "node",
                `max by (node) (kubelet_running_pods{${KUBELET}})\n/ on (node) max by (node) (kube_node_status_capacity{${KSM}, resource="pods"}) * 100 > ${T.kubeletTooManyPods.usedPercent}`,
            ),
            for: T.kubeletTooManyPods.for,
            severity: "info",
            summary: "A node runs nearly as many pods as it may",
            description: "Node {{ $labels.node }} runs {{ printf \"%.0f\" $value }}% of the pods it may hold; new pods will not fit there.",
        },
        {
            ...base,
            alert: CLUSTER_ALERTS.plegRelist,
            expr: serviceFrom("node", `histogram_quantile(0.99, sum by (node, le) (rate(kubelet_pleg_relist_duration_seconds_bucket{${KUBELET}}[5m]))) >= ${T.plegRelist.p99Seconds}`),
            for: T.plegRelist.for,
            severity: "warning",
            summary: "A kubelet's pod lifecycle relist is slow",
            description: "The kubelet of node {{ $labels.node }} takes {{ $value | humanizeDuration }} (P99) to relist its containers; above 3 minutes the node turns NotReady.",
        },
    ];
}

function workloadAlerts(base: Base): AlertDefinition[] {
    const phase = `max by (namespace, pod) (kube_pod_status_phase{${KSM}, phase=~"Pending|Unknown|Failed"})`;
    // A Job's pod that failed is the Job's business (KubeJobFailed); bare pods count, as `<none>`.
    const owned = `max by (namespace, pod) (kube_pod_owner{${KSM}, owner_kind!="Job"})`;
    return [
        {
            ...base,
            alert: CLUSTER_ALERTS.podNotReady,
            expr: serviceFrom("pod", `${phase} * on (namespace, pod) ${owned} > 0`),
            for: T.podNotReady.for,
            severity: "warning",
            summary: "A pod has not been running for a while",
            description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has been Pending, Failed or Unknown for ${T.podNotReady.for}.`,
        },
        {
            ...base,
            alert: CLUSTER_ALERTS.rolloutStuck,
            expr: serviceFrom("deployment", `kube_deployment_status_condition{${KSM}, condition="Progressing", status="false"} == 1`),
            for: T.rolloutStuck.for,
            severity: "warning",
            summary: "A Deployment's rollout is stuck",
            description: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has stopped progressing (its progress deadline passed); the new version is not rolled out.",
        },
        // StatefulSets and DaemonSets have no progress deadline: stuck means short of updated pods and not moving.
        stalledUpdate(base, CLUSTER_ALERTS.statefulSetRolloutStuck, "statefulset", "kube_statefulset_status_replicas_updated", "kube_statefulset_replicas", "StatefulSet", "of its replicas"),
        stalledUpdate(base, CLUSTER_ALERTS.daemonSetRolloutStuck, "daemonset", "kube_daemonset_status_updated_number_scheduled", "kube_daemonset_status_desired_number_scheduled", "DaemonSet", "of its nodes"),
        {
            ...base,
            alert: CLUSTER_ALERTS.jobFailed,
            expr: serviceFrom("job_name", `kube_job_failed{${KSM}, condition="true"} > 0`),
            for: T.jobFailed.for,
            severity: "warning",
            summary: "A Job failed",
            description: "Job {{ $labels.namespace }}/{{ $labels.job_name }} failed: it ran out of retries or time, so its work is not done.",
        },
        {
            ...base,
            alert: CLUSTER_ALERTS.hpaMaxedOut,
            expr: serviceFrom(
                "horizontalpodautoscaler",
                `kube_horizontalpodautoscaler_status_current_replicas{${KSM}}\n== kube_horizontalpodautoscaler_spec_max_replicas{${KSM}}`,
            ),
            for: T.hpaMaxedOut.for,
            severity: "warning",
            summary: "An autoscaler runs at its maximum",
            description: `HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum of {{ $value }} replicas for ${T.hpaMaxedOut.for}; more load will not be absorbed.`,
        },
    ];
}

/** A rollout short of updated pods whose updated count has not moved for 5 minutes, for `rolloutStuck.for`. */
function stalledUpdate(base: Base, alert: string, kind: string, updated: string, wanted: string, title: string, of: string): AlertDefinition {
    return {
        ...base,
        alert,
        expr: serviceFrom(kind, `(${updated}{${KSM}} < ${wanted}{${KSM}})\nand on (namespace, ${kind}) changes(${updated}{${KSM}}[5m]) == 0`),
        for: T.rolloutStuck.for,
        severity: "warning",
        summary: `A ${title}'s rollout is stuck`,
        description: `${title} {{ $labels.namespace }}/{{ $labels.${kind} }} runs the new version on only {{ $value }} ${of} and has made no progress for ${T.rolloutStuck.for}; the rest run the old one.`,
    };
}

function capacityAlerts(base: Base): AlertDefinition[] {
    const overcommit = (resource: "cpu" | "memory", alert: string, unit: string): AlertDefinition => {
        const allocatable = `kube_node_status_allocatable{${KSM}, resource="${resource}"}`;
        // What the cluster keeps if its largest node goes: requests above that cannot be rescheduled.
        const spare = `(sum(${allocatable}) - max(${allocatable}))`;
        const requests = `sum(kube_pod_container_resource_requests{${KSM}, resource="${resource}"} and on (namespace, pod) (kube_pod_status_phase{${KSM}, phase=~"Pending|Running"} == 1))`;
        return {
            ...base,
            alert,
            expr: `${requests}\n- ${spare} > 0\nand ${spare} > 0`,
            for: T.overcommit.for,
            severity: "warning",
            service: "cluster",
            summary: `Pods request more ${resource === "cpu" ? "CPU" : "memory"} than the cluster has without its largest node`,
            description: `Pods request {{ $value | humanize }}${unit} more ${resource === "cpu" ? "CPU" : "memory"} than the nodes can give once the largest one fails; its pods would not fit elsewhere.`,
        };
    };
    return [
        overcommit("cpu", CLUSTER_ALERTS.cpuOvercommit, " cores"),
        overcommit("memory", CLUSTER_ALERTS.memoryOvercommit, "B"),
        {
            ...base,
            alert: CLUSTER_ALERTS.quotaAlmostFull,
            expr: serviceFrom(
                "namespace",
                `kube_resourcequota{${KSM}, type="used"}\n/ ignoring (type) (kube_resourcequota{${KSM}, type="hard"} > 0) * 100 > ${T.quotaAlmostFull.usedPercent}`,
            ),
            for: T.quotaAlmostFull.for,
            severity: "info",
            summary: "A namespace has nearly used a resource quota",
            description: "Namespace {{ $labels.namespace }} uses {{ printf \"%.0f\" $value }}% of its {{ $labels.resource }} quota ({{ $labels.resourcequota }}); more pods or objects will be refused.",
        },
    ];
}

/**
 * The API server as a service of the stack's own SLO machinery: availability (no 5xx) and latency
 * (answered within the threshold), each over 30 days at 99%, with the default burn-rate policy
 * (FastBudgetBurn, SlowBudgetBurn) and their traffic guards. Watches and CONNECT are streams, not
 * requests, and are left out of both.
 */
export function apiServerSloService(): ServiceSpec {
    const verbs = `verb!~"${API_SERVER_SLO.excludedVerbs}"`;
    const requests = `rate(apiserver_request_total{${APISERVER}, ${verbs}}[${WINDOW_PLACEHOLDER}])`;
    const objective = API_SERVER_SLO.objectivePercent / 100;
    const slos: Slo[] = [
        { kind: "availability", name: "availability", objective, window: API_SERVER_SLO.window, sli: "requests" },
        { kind: "latency", name: "latency", objective, thresholdSeconds: API_SERVER_SLO.latencyThresholdSeconds, window: API_SERVER_SLO.window },
    ];
    return {
        name: API_SERVER_SLO.service,
        namespace: "default",
        team: TEAM,
        // Only its SLO rules are rendered (no golden alerts), so how its samples arrive is never read.
        discovery: { kind: "otlp", exportInterval: OTLP_EXPORT_INTERVAL },
        probes: [],
        logAlerts: [],
        businessCounters: [],
        conventions: {
            preset: "custom",
            totalQuery: requests,
            errorQuery: `rate(apiserver_request_total{${APISERVER}, ${verbs}, code=~"5.."}[${WINDOW_PLACEHOLDER}])`,
            // The SLI histogram leaves out webhook and priority-and-fairness waits, which are not the API server's own latency.
            fastQuery: `rate(apiserver_request_sli_duration_seconds_bucket{${APISERVER}, ${verbs}, ${THRESHOLD_PLACEHOLDER}}[${WINDOW_PLACEHOLDER}])`,
            latencyTotalQuery: `rate(apiserver_request_sli_duration_seconds_count{${APISERVER}, ${verbs}}[${WINDOW_PLACEHOLDER}])`,
        },
        histogramBuckets: [API_SERVER_SLO.latencyThresholdSeconds],
        slos,
        saturation: [],
        errorRateThreshold: 0.05,
        latencyP99ThresholdSeconds: API_SERVER_SLO.latencyThresholdSeconds,
        minRequestsPerHour: 10,
        burnRatePolicy: DEFAULT_BURN_RATE_POLICY,
        maxQueueLagSeconds: 0,
    };
}

function controlPlaneAlerts(config: StackConfig, base: Base): AlertDefinition[] {
    const { apiServer, coreDns, etcd } = config.cluster.controlPlane;
    const alerts: AlertDefinition[] = [];
    const apiBase = { ...base, service: API_SERVER_SLO.service, dashboardUid: dashboardUids.slo(API_SERVER_SLO.service) };
    if (apiServer) {
        const expiry = (severity: Severity, seconds: number): AlertDefinition => ({
            ...apiBase,
            alert: CLUSTER_ALERTS.clientCertificateExpiration,
            // The soonest-expiring 1% of client certificates presented in the last 5 minutes.
            expr:
                `histogram_quantile(0.01, sum by (job, instance, le) (rate(apiserver_client_certificate_expiration_seconds_bucket{${APISERVER}}[5m]))) < ${seconds}\n` +
                `and on (job, instance) apiserver_client_certificate_expiration_seconds_count{${APISERVER}} > 0`,
            for: T.clientCertificate.for,
            severity,
            summary: `A client certificate used against the API server expires within ${seconds / 86400} day${seconds === 86400 ? "" : "s"}`,
            description: "A client presenting a certificate to the API server at {{ $labels.instance }} has {{ $value | humanizeDuration }} left before it expires; then it is locked out.",
        });
        alerts.push(
            {
                ...apiBase,
                alert: CLUSTER_ALERTS.apiServerDown,
                expr: `absent(up{${APISERVER}} == 1)`,
                for: T.apiServerDown.for,
                severity: "critical",
                summary: "Prometheus reaches no API server",
                description: `No API server has answered a scrape for ${T.apiServerDown.for}: the control plane is down or Prometheus lost its way to it.`,
            },
            expiry("warning", T.clientCertificate.warningSeconds),
            expiry("critical", T.clientCertificate.criticalSeconds),
            ...apiServerSloService().slos.flatMap((slo) => sloAlerts(apiServerSloService(), slo)),
        );
    }
    if (coreDns) {
        const dnsBase = { ...base, service: CLUSTER_JOBS.coreDns, dashboardUid: dashboardUids.clusterNetwork() };
        alerts.push(
            {
                ...dnsBase,
                alert: CLUSTER_ALERTS.coreDnsDown,
                expr: `absent(up{job="${CLUSTER_JOBS.coreDns}"} == 1)`,
                for: T.coreDnsDown.for,
                severity: "critical",
                summary: "Cluster DNS (CoreDNS) is down",
                description: `No CoreDNS pod has answered a scrape for ${T.coreDnsDown.for}; Service names stop resolving in the cluster.`,
            },
            {
                ...dnsBase,
                alert: CLUSTER_ALERTS.coreDnsLatency,
                expr: `histogram_quantile(0.99, sum by (server, zone, le) (rate(coredns_dns_request_duration_seconds_bucket{job="${CLUSTER_JOBS.coreDns}"}[5m]))) > ${T.coreDnsLatency.p99Seconds}`,
                for: T.coreDnsLatency.for,
                severity: "critical",
                summary: "Cluster DNS answers slowly",
                description: "CoreDNS answers {{ $labels.zone }} queries in {{ $value | humanizeDuration }} (P99); clients time out and retry.",
            },
        );
    }
    if (etcd) {
        const etcdBase = { ...base, service: CLUSTER_JOBS.etcd, dashboardUid: dashboardUids.clusterNodes() };
        alerts.push(
            {
                ...etcdBase,
                alert: CLUSTER_ALERTS.etcdNoLeader,
                expr: `etcd_server_has_leader{job="${CLUSTER_JOBS.etcd}"} == 0`,
                for: T.etcdNoLeader.for,
                severity: "critical",
                summary: "An etcd member has no leader",
                description: "etcd member {{ $labels.instance }} has no leader: it cannot serve writes, so the API server cannot change anything.",
            },
            {
                ...etcdBase,
                alert: CLUSTER_ALERTS.etcdDatabaseQuota,
                expr: `etcd_mvcc_db_total_size_in_bytes{job="${CLUSTER_JOBS.etcd}"} / etcd_server_quota_backend_bytes{job="${CLUSTER_JOBS.etcd}"} * 100 > ${T.etcdDatabaseQuota.usedPercent}`,
                for: T.etcdDatabaseQuota.for,
                severity: "critical",
                summary: "etcd's database is nearly at its quota",
                description: "etcd member {{ $labels.instance }} uses {{ printf \"%.0f\" $value }}% of its backend quota; at 100% it raises a NOSPACE alarm and refuses every write.",
            },
        );
    }
    return alerts;
}

/** Prometheus's and Alertmanager's own problems beyond what alerts/stack.ts watches. */
function selfMonitoringAlerts(config: StackConfig, base: Base): AlertDefinition[] {
    const stackBase = { ...base, dashboardUid: dashboardUids.stackHealth() };
    const { configReload, tsdbProblems, targetDown } = T;
    const tsdb = (alert: string, counters: string, summary: string, description: string): AlertDefinition => ({
        ...stackBase,
        alert,
        expr: serviceFrom("job", `sum by (job, pod) (increase({__name__=~"${counters}", job="prometheus"}[${tsdbProblems.window}])) > 0`),
        for: tsdbProblems.for,
        severity: "warning",
        summary,
        description,
    });
    // The stack's own targets have StackComponentDown. Services' targets are counted too: a declared service's job
    // cannot be told apart from a job discovered through a ServiceMonitor (both carry `service`), and those have no other alert.
    const others = `job!~"${deployedStackJobs(config).join("|")}"`;
    return [
        {
            ...stackBase,
            alert: CLUSTER_ALERTS.prometheusBadConfig,
            expr: serviceFrom("job", `max_over_time(prometheus_config_last_reload_successful{job="prometheus"}[5m]) == 0`),
            for: configReload.for,
            severity: "critical",
            summary: "Prometheus cannot load its configuration",
            description: `Prometheus {{ $labels.pod }} has failed to reload its configuration for ${configReload.for}; it runs the last good one and ignores every change since.`,
        },
        {
            ...stackBase,
            alert: CLUSTER_ALERTS.alertmanagerBadConfig,
            expr: serviceFrom("job", `max_over_time(alertmanager_config_last_reload_successful{job="alertmanager"}[5m]) == 0`),
            for: configReload.for,
            severity: "critical",
            summary: "Alertmanager cannot load its configuration",
            description: `Alertmanager {{ $labels.pod }} has failed to reload its configuration for ${configReload.for}; routes and receivers changed since are not in effect.`,
        },
        tsdb(
            CLUSTER_ALERTS.tsdbCompactionsFailing,
            "prometheus_tsdb_compactions_failed_total|prometheus_tsdb_reloads_failures_total",
            "Prometheus fails to compact or reload its TSDB blocks",
            `Prometheus {{ $labels.pod }} had {{ $value | humanize }} failed compactions or block reloads in the last ${tsdbProblems.window}; its head block and disk use grow.`,
        ),
        tsdb(
            CLUSTER_ALERTS.tsdbWalFailing,
            "prometheus_tsdb_wal_corruptions_total|prometheus_tsdb_wal_truncations_failed_total|prometheus_tsdb_wal_writes_failed_total",
            "Prometheus's write-ahead log is failing",
            `Prometheus {{ $labels.pod }} had {{ $value | humanize }} WAL corruptions or failed WAL writes or truncations in the last ${tsdbProblems.window}; samples may be lost at the next restart.`,
        ),
        {
            ...base,
            dashboardUid: dashboardUids.clusterNodes(),
            alert: CLUSTER_ALERTS.targetDown,
            expr: serviceFrom("job", `100 * count by (job) (up{${others}} == 0) / count by (job) (up{${others}}) > ${targetDown.downPercent}`),
            for: targetDown.for,
            severity: "warning",
            summary: "Scrape targets of a job are down",
            description: `{{ printf "%.0f" $value }}% of the {{ $labels.job }} targets have been down for ${targetDown.for}; what they report is missing.`,
        },
    ];
}

export function clusterAlerts(config: StackConfig): AlertDefinition[] {
    const base: Base = { team: TEAM, dashboardUid: dashboardUids.clusterNodes() };
    const workloads: Base = { team: TEAM, dashboardUid: dashboardUids.clusterCompute() };
    return [
        ...nodeAlerts(base, nodeExporterDeployed(config.collector.agentEnabled)),
        ...kubeletAlerts(base),
        ...workloadAlerts(workloads),
        ...capacityAlerts(workloads),
        ...controlPlaneAlerts(config, base),
        ...selfMonitoringAlerts(config, base),
    ];
}

/**
 * Which workload each pod belongs to, for the compute-resources dashboard: a ReplicaSet's pods are
 * its Deployment's (kube_replicaset_owner), other owners' pods are theirs.
 */
function workloadRecordingRule(): RecordingRule {
    const viaReplicaSet =
        `label_replace(label_replace(kube_pod_owner{${KSM}, owner_kind="ReplicaSet"}, "replicaset", "$1", "owner_name", "(.*)")\n` +
        `  * on (namespace, replicaset) group_left (owner_name) topk by (namespace, replicaset) (1, max by (namespace, replicaset, owner_name) (kube_replicaset_owner{${KSM}, owner_kind="Deployment"})),\n` +
        `  "workload", "$1", "owner_name", "(.*)")`;
    const direct = `label_replace(kube_pod_owner{${KSM}, owner_kind=~"StatefulSet|DaemonSet|Job"}, "workload", "$1", "owner_name", "(.*)")`;
    return {
        record: CLUSTER_SERIES.workloadPod.name,
        expr:
            `max by (namespace, workload, workload_type, pod) (\n` +
            `  label_replace(${viaReplicaSet}, "workload_type", "Deployment", "", "")\n` +
            `  or label_replace(${direct}, "workload_type", "$1", "owner_kind", "(.*)")\n)`,
    };
}

/** The cluster components with SLOs of the stack's own: the API server, when the provider lets Prometheus see it. */
export function clusterSloServices(config: StackConfig): ServiceSpec[] {
    return config.cluster.controlPlane.apiServer ? [apiServerSloService()] : [];
}

/** The pod-to-workload mapping, and the API server's SLO recording rules when the provider lets Prometheus see it. */
export function clusterRecordingRules(config: StackConfig): RecordingRule[] {
    return [workloadRecordingRule(), ...clusterSloServices(config).flatMap((service) => service.slos.flatMap((slo) => sloRecordingRules(service, slo)))];
}
