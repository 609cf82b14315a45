/**
 * Scrape jobs of the cluster's own exporters (model/infrastructure.ts), added to prometheus.yml
 * next to the stack's self-scrape: node-exporter on every node (when the node-level DaemonSets
 * run, `collector.agentEnabled`) and kube-state-metrics.
 */
import { StackConfig } from "../config/types";
import { API_SERVER, CLUSTER_JOBS, COREDNS } from "../model/cluster";
import { PATHS } from "../model/components";
import { KUBE_STATE_METRICS, NODE_EXPORTER, nodeExporterDeployed } from "../model/infrastructure";
import { PART_OF } from "../model/labels";

function keepPods(name: string, port: string) {
    return [
        { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: name, action: "keep" },
        { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_part_of"], regex: PART_OF, action: "keep" },
        { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: port, action: "keep" },
        { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
    ];
}

export function infrastructureScrapeConfigs(config: StackConfig) {
    const namespaces = { names: [config.namespace] };
    const jobs: Record<string, unknown>[] = [];
    if (nodeExporterDeployed(config.collector.agentEnabled)) {
        jobs.push({
            job_name: NODE_EXPORTER.name,
            // node-exporter runs with the node agents, in their namespace.
            kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [config.agentNamespace] } }],
            relabel_configs: [
                ...keepPods(NODE_EXPORTER.name, NODE_EXPORTER.portName),
                // The node the series describe, under the same label the kubelet jobs and kube-state-metrics use.
                { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
            ],
        });
    }
    jobs.push({
        job_name: KUBE_STATE_METRICS.name,
        // Its series describe other objects: their `namespace`, `pod` and `node` labels must win over the target's.
        honor_labels: true,
        kubernetes_sd_configs: [{ role: "pod", namespaces }],
        relabel_configs: keepPods(KUBE_STATE_METRICS.name, KUBE_STATE_METRICS.portName),
    });
    return jobs;
}

/**
 * The control plane's jobs, for the parts `cluster.provider` lets Prometheus see (model/cluster.ts):
 * - the API server through the `default/kubernetes` Service's endpoint slices, one target per API
 *   server (through the Service's virtual IP each scrape would reach another replica and its
 *   counters would jump), authenticated with the service-account token and verified with the
 *   cluster CA; the role grants `get` on the non-resource URL `/metrics`;
 * - CoreDNS pods in kube-system by their `k8s-app=kube-dns` label and `metrics` port;
 * - etcd's plain-HTTP metrics listeners named in `cluster.etcdTargets`.
 */
export function clusterScrapeConfigs(config: StackConfig) {
    const { controlPlane, etcdTargets } = config.cluster;
    const jobs: Record<string, unknown>[] = [];
    if (controlPlane.apiServer) {
        jobs.push({
            job_name: CLUSTER_JOBS.apiServer,
            scheme: "https",
            kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: [API_SERVER.namespace] } }],
            tls_config: { ca_file: `${PATHS.serviceAccountDir}/ca.crt` },
            authorization: { credentials_file: `${PATHS.serviceAccountDir}/token` },
            relabel_configs: [
                { source_labels: ["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"], regex: `${API_SERVER.service};${API_SERVER.portName}`, action: "keep" },
            ],
        });
    }
    if (controlPlane.coreDns) {
        jobs.push({
            job_name: CLUSTER_JOBS.coreDns,
            kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [COREDNS.namespace] } }],
            relabel_configs: [
                { source_labels: [`__meta_kubernetes_pod_label_${COREDNS.podLabel.name.replace(/-/g, "_")}`], regex: COREDNS.podLabel.value, action: "keep" },
                { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: COREDNS.portName, action: "keep" },
                { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
                { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
                { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
            ],
        });
    }
    if (controlPlane.etcd) {
        jobs.push({ job_name: CLUSTER_JOBS.etcd, static_configs: [{ targets: [...etcdTargets] }] });
    }
    return jobs;
}
