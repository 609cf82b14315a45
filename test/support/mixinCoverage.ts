/**
 * What the community mixins alert on, and where each of their alerts went here: an alert of ours
 * that covers it, or the reason it is deliberately left out. test/mixinCoverage.test.ts renders the
 * mixins' alerts with go-jsonnet from the Go modules we pin and fails on an upstream alert missing
 * from this table, on an entry whose upstream alert is gone, and on an `ours` that we no longer define.
 */

/** A mixin inside a Go module the project already pins (tools/versions.json). */
export interface Mixin {
    readonly name: string;
    readonly module: string;
    /** Where the version is pinned in tools/versions.json: `<section>.<entry>.goVersion`. */
    readonly pinnedAt: readonly ["images" | "tools", string];
    /** The module's `h1:` hash as the Go checksum database records it, written down when the pin was chosen. */
    readonly sum: string;
    /** The mixin's folder inside the module. */
    readonly dir: string;
    /** Jsonnet evaluated in that folder: the mixin's config and alerts only (its dashboards need grafonnet). */
    readonly alertsExpr: string;
}

export const MIXINS: readonly Mixin[] = [
    {
        name: "node-mixin",
        module: "github.com/prometheus/node_exporter",
        pinnedAt: ["tools", "node_exporter"],
        sum: "h1:LzcZ6SqJRH2EULBz3Paa1t1uzQaaoo9domuz8FQDkiY=",
        dir: "docs/node-mixin",
        alertsExpr: "((import 'config.libsonnet') + (import 'alerts/alerts.libsonnet')).prometheusAlerts",
    },
    {
        name: "prometheus-mixin",
        module: "github.com/prometheus/prometheus",
        pinnedAt: ["images", "prometheus"],
        sum: "h1:sFGZWmC2Hk9N1NBJGCnXYZb5hyLCq8yuAMoEjLAg6ac=",
        dir: "documentation/prometheus-mixin",
        alertsExpr: "((import 'config.libsonnet') + (import 'alerts.libsonnet')).prometheusAlerts",
    },
    {
        name: "alertmanager-mixin",
        module: "github.com/prometheus/alertmanager",
        pinnedAt: ["images", "alertmanager"],
        sum: "h1:eAmIC42lzbWslHkMt693T36qdxfyZULswiHr681YS3Q=",
        dir: "doc/alertmanager-mixin",
        alertsExpr: "((import 'config.libsonnet') + (import 'alerts.libsonnet')).prometheusAlerts",
    },
];

export type Coverage = { readonly ours: string } | { readonly leftOut: string };

/** node-exporter runs without host networking (model/infrastructure.ts), so what it reads under /proc/net and /proc/sys/net is the pod's. */
const POD_NETWORK = "node-exporter runs without host networking, so this collector would describe the pod's network namespace, not the node's; the stack turns such collectors off rather than mislead";
const NO_SCRAPE_LIMITS = "the stack sets no target, label, body-size or sample limits on its scrape jobs, so this counter cannot move";

export const MIXIN_COVERAGE: Readonly<Record<string, Readonly<Record<string, Coverage>>>> = {
    "node-mixin": {
        NodeFilesystemSpaceFillingUp: { ours: "NodeFilesystemSpaceFillingUp" },
        NodeFilesystemAlmostOutOfSpace: { ours: "NodeFilesystemAlmostOutOfSpace" },
        NodeFilesystemFilesFillingUp: { ours: "NodeFilesystemFilesFillingUp" },
        NodeFilesystemAlmostOutOfFiles: { ours: "NodeFilesystemAlmostOutOfFiles" },
        // From cAdvisor's root cgroup, which sees the node's interfaces.
        NodeNetworkReceiveErrs: { ours: "NodeNetworkReceiveErrs" },
        NodeNetworkTransmitErrs: { ours: "NodeNetworkTransmitErrs" },
        NodeMemoryHighUtilization: { ours: "NodeMemoryHighUtilization" },
        NodeClockSkewDetected: { ours: "NodeClockSkewDetected" },
        NodeClockNotSynchronising: { ours: "NodeClockNotSynchronising" },
        NodeHighNumberConntrackEntriesUsed: { leftOut: `${POD_NETWORK} (the conntrack table count is per network namespace)` },
        NodeBondingDegraded: { leftOut: `${POD_NETWORK} (bonding reads /sys/class/net)` },
        NodeTextFileCollectorScrapeError: { leftOut: "the stack's node-exporter has no textfile directory: nothing writes .prom files for it to read" },
        NodeRAIDDegraded: { leftOut: "Linux software RAID (md) is not how Kubernetes node pools get disks (cloud block devices, hardware RAID); node_md_* stays absent, so a bare-metal cluster on md should add its own rule" },
        NodeRAIDDiskFailure: { leftOut: "as NodeRAIDDegraded: no md arrays on the nodes this stack targets" },
        NodeFileDescriptorLimit: { leftOut: "systemd (since v240) raises fs.file-max to the kernel's maximum, so the node-wide ratio stays near zero on current distributions; descriptors run out per process (ulimit), which this metric does not see" },
        NodeCPUHighUsage: { leftOut: "a busy node is the goal of bin-packing, not a problem: CPU shortage shows in the services' latency SLOs and, for capacity, KubeCPUOvercommit" },
        NodeSystemSaturation: { leftOut: "load per core is the same signal as NodeCPUHighUsage (plus I/O wait); its effect is paged on through the services' SLOs" },
        NodeMemoryMajorPagesFaults: { leftOut: "a symptom of memory pressure, which NodeMemoryHighUtilization and the kubelet's own eviction signal (KubeNodePressure) already report" },
        NodeDiskIOSaturation: { leftOut: "a useful queue depth depends on the disk (cloud volumes throttle by provisioned IOPS); the nodes dashboard shows disk busy time and the services' latency SLOs page on the effect" },
        NodeSystemdServiceFailed: { leftOut: "the systemd collector is off by default and needs the host's D-Bus socket, which the hardened node-exporter does not mount" },
        NodeSystemdServiceCrashlooping: { leftOut: "as NodeSystemdServiceFailed: no systemd collector" },
    },
    "prometheus-mixin": {
        PrometheusBadConfig: { ours: "PrometheusBadConfig" },
        PrometheusRuleFailures: { ours: "PrometheusRuleEvaluationFailures" },
        PrometheusNotificationQueueRunningFull: { ours: "PrometheusNotificationsFailing" },
        PrometheusErrorSendingAlertsToSomeAlertmanagers: { ours: "PrometheusNotificationsFailing" },
        PrometheusErrorSendingAlertsToAnyAlertmanager: { ours: "PrometheusNotificationsFailing" },
        PrometheusNotConnectedToAlertmanagers: { ours: "PrometheusNotificationsFailing" },
        PrometheusTSDBCompactionsFailing: { ours: "PrometheusTSDBCompactionsFailing" },
        PrometheusTSDBReloadsFailing: { ours: "PrometheusTSDBCompactionsFailing" },
        PrometheusRemoteStorageFailures: { ours: "PrometheusRemoteWriteFailing" },
        PrometheusRemoteWriteBehind: { ours: "PrometheusRemoteWriteFailing" },
        PrometheusRemoteWriteDesiredShards: { leftOut: "more shards wanted than allowed is a tuning signal that comes before the lag; PrometheusRemoteWriteFailing pages on the lag itself" },
        PrometheusNotIngestingSamples: { leftOut: "a Prometheus that ingests nothing has no fresh `up` series: ServiceDown, KubeletDown and KubeAPIDown fire on their absence, and in the distributed topology StackTierDown" },
        PrometheusSDRefreshFailure: { leftOut: "discovery that stops refreshing shows as targets that vanish, which TargetDown, ServiceDown, KubeletDown and StackComponentDown report where it matters" },
        PrometheusKubernetesListWatchFailures: { leftOut: "as PrometheusSDRefreshFailure: a list or watch Prometheus may not make shows as missing targets" },
        PrometheusTargetSyncFailure: { leftOut: "a scrape pool fails to sync only on a config it cannot apply, which `promtool check config` rejects at render time and PrometheusBadConfig reports at reload" },
        PrometheusDuplicateTimestamps: { leftOut: "only targets exporting explicit timestamps produce these, and none of the stack's or the cluster's jobs do" },
        PrometheusOutOfOrderTimestamps: { leftOut: "the stack accepts out-of-order samples within out_of_order_time_window (10m) for OTLP and Tempo's remote write; beyond it they come from a pushing client's clock, which its own telemetry gaps show" },
        PrometheusMissingRuleEvaluations: { leftOut: "the stack's rule groups evaluate in milliseconds; an evaluator that stops altogether is what the Watchdog heartbeat catches" },
        PrometheusHighQueryLoad: { leftOut: "Grafana is Prometheus's only querier; a saturated query engine shows as slow dashboards, never as lost alerts" },
        PrometheusTargetLimitHit: { leftOut: NO_SCRAPE_LIMITS },
        PrometheusLabelLimitHit: { leftOut: NO_SCRAPE_LIMITS },
        PrometheusScrapeBodySizeLimitHit: { leftOut: NO_SCRAPE_LIMITS },
        PrometheusScrapeSampleLimitHit: { leftOut: NO_SCRAPE_LIMITS },
    },
    "alertmanager-mixin": {
        AlertmanagerFailedReload: { ours: "AlertmanagerFailedReload" },
        AlertmanagerFailedToSendAlerts: { ours: "AlertmanagerNotificationsFailing" },
        AlertmanagerClusterFailedToSendAlerts: { ours: "AlertmanagerNotificationsFailing" },
        AlertmanagerClusterDown: { ours: "StackComponentDown" },
        AlertmanagerClusterCrashlooping: { ours: "KubePodCrashLooping" },
        AlertmanagerConfigInconsistent: { leftOut: "every replica mounts the same rendered ConfigMap, so their config hashes differ only for the seconds of a rolling update" },
        AlertmanagerMembersInconsistent: { leftOut: "a replica cut off from its peers still delivers (a duplicate notification at worst) and a replica that is down is StackComponentDown" },
    },
};
