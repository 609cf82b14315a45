/**
 * Stable identifiers other systems hold on to: Grafana dashboard and datasource uids (bookmarks,
 * alert links and correlations point at them), so each is derived in exactly one place.
 */
/** Dashboard uids, derived from what a dashboard shows (service + kind), never random. */
export const dashboardUids = {
    golden: (service: string) => `${service}-golden`,
    slo: (service: string) => `${service}-slo`,
    overview: () => "lgtm-overview",
    stackHealth: () => "lgtm-stack-health",
    infrastructure: () => "lgtm-infrastructure",
    clusterCompute: () => "lgtm-cluster-compute",
    clusterNodes: () => "lgtm-cluster-nodes",
    clusterVolumes: () => "lgtm-cluster-volumes",
    clusterNetwork: () => "lgtm-cluster-network",
    runbook: (alert: string) => `rb-${alert.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase()}`,
};

/** Stable Grafana datasource UIDs; dashboards and correlations reference these. */
export const DATASOURCE_UIDS = {
    prometheus: "lgtm-prometheus",
    loki: "lgtm-loki",
    tempo: "lgtm-tempo",
    alertmanager: "lgtm-alertmanager",
} as const;
