/**
 * The cluster the services run on: nodes (CPU, memory, root filesystem, pressure), pods (phases,
 * workloads not ready, crash loops, restarts) and persistent volume claims. Node panels read
 * node-exporter, object panels kube-state-metrics, volume panels the kubelet. Panels an alert is
 * about link to its runbook.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { Links } from "../alerts/links";
import { INFRASTRUCTURE_ALERTS, STACK_ALERTS } from "../model/alerting";
import { dashboardUids } from "../model/ids";
import { INFRASTRUCTURE_JOBS } from "../model/infrastructure";
import {
    buildDashboard,
    COLORS,
    headerLink,
    newDashboard,
    promInstantQuery,
    promQuery,
    promTableQuery,
    runbookLinks,
    SIZE,
    statPanel,
    tablePanel,
    thresholds,
    timeseriesPanel,
    UNITS,
    withSection,
} from "./common";

type Panel = cog.Builder<dashboard.Panel>;

/** Panels listing objects keep the busiest few; a cluster with thousands of pods stays readable. */
export const INFRASTRUCTURE_TOP = 10;

const node = `job="${INFRASTRUCTURE_JOBS.nodeExporter}"`;
const ksm = `job="${INFRASTRUCTURE_JOBS.kubeStateMetrics}"`;
const PRESSURE = 'condition=~"MemoryPressure|DiskPressure|PIDPressure"';

function nodePanels(links: Links): Panel[] {
    const pressure = INFRASTRUCTURE_ALERTS.nodePressure.alert;
    return [
        statPanel("Nodes", UNITS.count).span(SIZE.third).withTarget(promInstantQuery(`count(kube_node_info{${ksm}})`)),
        statPanel("Nodes not ready", UNITS.count)
            .span(SIZE.third)
            .thresholds(thresholds([null, COLORS.ok], [1, COLORS.critical]))
            .withTarget(promInstantQuery(`count(kube_node_status_condition{${ksm}, condition="Ready", status="true"} == 0) or vector(0)`)),
        statPanel("Nodes under pressure", UNITS.count)
            .span(SIZE.third)
            .thresholds(thresholds([null, COLORS.ok], [1, COLORS.warning]))
            .withTarget(promInstantQuery(`count(kube_node_status_condition{${ksm}, ${PRESSURE}, status="true"} == 1) or vector(0)`))
            .links(runbookLinks(links, pressure)),
        timeseriesPanel("CPU in use by node", UNITS.ratio)
            .description("Share of the node's CPU time not idle, over 5 minutes (node-exporter).")
            .span(SIZE.third)
            .min(0)
            .max(1)
            .withTarget(promQuery(`1 - avg by (node) (rate(node_cpu_seconds_total{${node}, mode="idle"}[5m]))`, "{{node}}")),
        timeseriesPanel("Memory in use by node", UNITS.ratio)
            .description("1 − MemAvailable / MemTotal: what the kernel cannot hand out without reclaiming. Near 1, the kubelet reports MemoryPressure and evicts pods.")
            .span(SIZE.third)
            .min(0)
            .max(1)
            .withTarget(promQuery(`1 - sum by (node) (node_memory_MemAvailable_bytes{${node}}) / sum by (node) (node_memory_MemTotal_bytes{${node}})`, "{{node}}"))
            .links(runbookLinks(links, pressure)),
        timeseriesPanel("Root filesystem in use by node", UNITS.ratio)
            .description("The node's root filesystem. The kubelet reports DiskPressure when its eviction threshold (by default 10% free) is crossed.")
            .span(SIZE.third)
            .min(0)
            .max(1)
            .withTarget(promQuery(`1 - max by (node) (node_filesystem_avail_bytes{${node}, mountpoint="/"} / node_filesystem_size_bytes{${node}, mountpoint="/"})`, "{{node}}"))
            .links(runbookLinks(links, pressure)),
    ];
}

function podPanels(links: Links): Panel[] {
    const { crashLooping, notReady } = INFRASTRUCTURE_ALERTS;
    const missing = (kind: string, wanted: string, ready: string) => `sum by (namespace, ${kind}) (${wanted}{${ksm}} - ${ready}{${ksm}}) > 0`;
    return [
        timeseriesPanel("Pods by phase", UNITS.count)
            .description("Pods per phase across the cluster (kube-state-metrics). Pending that does not go away means unschedulable pods or missing images.")
            .withTarget(promQuery(`sum by (phase) (kube_pod_status_phase{${ksm}})`, "{{phase}}")),
        timeseriesPanel(`Container restarts in the last hour (top ${INFRASTRUCTURE_TOP})`, UNITS.count)
            .description("Restarts per container over the last hour; a steady climb is a crash loop or repeated OOM kills.")
            .withTarget(promQuery(`topk(${INFRASTRUCTURE_TOP}, sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ksm}}[1h])) > 0)`, "{{namespace}}/{{pod}} {{container}}"))
            .links(runbookLinks(links, crashLooping.alert)),
        tablePanel("Crash-looping containers")
            .description(`Containers waiting in CrashLoopBackOff now; ${crashLooping.alert} fires after ${crashLooping.for}.`)
            .span(SIZE.half)
            .withTarget(promTableQuery(`sum by (namespace, pod, container) (kube_pod_container_status_waiting_reason{${ksm}, reason="CrashLoopBackOff"}) > 0`, "A"))
            .links(runbookLinks(links, crashLooping.alert)),
        tablePanel("Workloads with replicas not ready")
            .description(`Replicas declared but not ready, per Deployment, StatefulSet and DaemonSet; ${notReady.alert} fires after ${notReady.for}.`)
            .span(SIZE.half)
            .withTarget(promTableQuery(missing("deployment", "kube_deployment_spec_replicas", "kube_deployment_status_replicas_available"), "A"))
            .withTarget(promTableQuery(missing("statefulset", "kube_statefulset_replicas", "kube_statefulset_status_replicas_ready"), "B"))
            .withTarget(promTableQuery(missing("daemonset", "kube_daemonset_status_desired_number_scheduled", "kube_daemonset_status_number_ready"), "C"))
            .links(runbookLinks(links, notReady.alert)),
    ];
}

function volumePanels(links: Links): Panel[] {
    return [
        timeseriesPanel(`Persistent volume claims in use (top ${INFRASTRUCTURE_TOP})`, UNITS.ratio)
            .description("Used / capacity of every mounted claim in the cluster, from the kubelet's volume statistics. The stack's own claims alert at PersistentVolumeFillingUp.")
            .span(SIZE.full)
            .min(0)
            .max(1)
            .withTarget(
                promQuery(
                    `topk(${INFRASTRUCTURE_TOP}, max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes))`,
                    "{{namespace}}/{{persistentvolumeclaim}}",
                ),
            )
            .links(runbookLinks(links, STACK_ALERTS.volumeFillingUp)),
    ];
}

export function infrastructureDashboard(links: Links): dashboard.Dashboard {
    const builder = newDashboard("Cluster infrastructure", dashboardUids.infrastructure(), ["infrastructure"], "now-6h")
        .description("Nodes, pods, restarts and volumes of the cluster, from node-exporter, kube-state-metrics and the kubelet. Generated by lgtm-stack.")
        .link(headerLink("Overview", links.dashboardUrl(dashboardUids.overview())))
        .link(headerLink("Stack health", links.dashboardUrl(dashboardUids.stackHealth())));
    withSection(builder, "Nodes", nodePanels(links));
    withSection(builder, "Pods", podPanels(links));
    withSection(builder, "Volumes", volumePanels(links));
    return buildDashboard(builder);
}
