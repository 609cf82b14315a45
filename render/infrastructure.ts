/**
 * Scrape jobs of the cluster's own exporters (model/infrastructure.ts), added to prometheus.yml
 * next to the stack's self-scrape: node-exporter on every node (when the node-level DaemonSets
 * run, `collector.agentEnabled`) and kube-state-metrics.
 */
import { StackConfig } from "../config/types";
import { KUBE_STATE_METRICS, NODE_EXPORTER, nodeExporterDeployed } from "../model/infrastructure";

function keepPods(name: string, port: string) {
    return [
        { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: name, action: "keep" },
        { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_part_of"], regex: "lgtm-stack", action: "keep" },
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
            kubernetes_sd_configs: [{ role: "pod", namespaces }],
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
