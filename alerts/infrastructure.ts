/**
 * The cluster's usual alerts, from kube-state-metrics: crash-looping containers, workloads with
 * replicas that are not ready, nodes under pressure. Each names what it is about in `service` (the
 * container, the workload, the node), so links and the runbook dashboards open on it.
 */
import { INFRASTRUCTURE_ALERTS } from "../model/alerting";
import { dashboardUids } from "../model/ids";
import { INFRASTRUCTURE_JOBS } from "../model/infrastructure";
import { AlertDefinition } from "./model";

export function infrastructureAlerts(): AlertDefinition[] {
    const ksm = `job="${INFRASTRUCTURE_JOBS.kubeStateMetrics}"`;
    const dashboardUid = dashboardUids.infrastructure();
    const team = "platform";
    const { crashLooping, notReady, nodePressure } = INFRASTRUCTURE_ALERTS;
    const notReadyOf = (kind: string, wanted: string, ready: string) =>
        `label_replace((${wanted}{${ksm}} - ${ready}{${ksm}}) > 0, "service", "$1", "${kind}", "(.+)")`;
    return [
        {
            alert: crashLooping.alert,
            // Waiting in CrashLoopBackOff at any time of the last 5m: the kubelet's back-off hides the state between restarts.
            expr: `label_replace(max_over_time(kube_pod_container_status_waiting_reason{${ksm}, reason="CrashLoopBackOff"}[5m]) >= 1, "service", "$1", "container", "(.+)")`,
            for: crashLooping.for,
            severity: crashLooping.severity,
            team,
            summary: "A container is crash-looping",
            description: "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} keeps crashing and Kubernetes is backing off its restarts.",
            dashboardUid,
        },
        {
            alert: notReady.alert,
            expr: [
                notReadyOf("deployment", "kube_deployment_spec_replicas", "kube_deployment_status_replicas_available"),
                notReadyOf("statefulset", "kube_statefulset_replicas", "kube_statefulset_status_replicas_ready"),
                notReadyOf("daemonset", "kube_daemonset_status_desired_number_scheduled", "kube_daemonset_status_number_ready"),
            ].join("\nor "),
            for: notReady.for,
            severity: notReady.severity,
            team,
            summary: "A workload has replicas that are not ready",
            description: "{{ $value }} replica(s) of {{ $labels.namespace }}/{{ $labels.service }} have not been ready for " + notReady.for + "; it runs with less capacity than declared.",
            dashboardUid,
        },
        {
            alert: nodePressure.alert,
            expr: `label_replace(kube_node_status_condition{${ksm}, condition=~"MemoryPressure|DiskPressure|PIDPressure", status="true"} == 1, "service", "$1", "node", "(.+)")`,
            for: nodePressure.for,
            severity: nodePressure.severity,
            team,
            summary: "A node is under resource pressure",
            description: "Node {{ $labels.node }} reports {{ $labels.condition }}; the kubelet evicts pods and refuses new ones until it clears.",
            dashboardUid,
        },
    ];
}
