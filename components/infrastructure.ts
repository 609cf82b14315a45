import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBE_STATE_METRICS_RULES } from "../model/infrastructure";
import { ClusterPods } from "../render/clusterPods";
import { PodDescription } from "../render/podSpec";
import { podWorkload } from "./workload";

export interface ClusterExportersArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** Their pods, described (`renderStack(...).clusterPods`): node-exporter only with the node-level DaemonSets. Defaults to none: required. */
    readonly pods: Pick<ClusterPods, "kubeStateMetrics" | "nodeExporter">;
    /** Namespace of node-exporter, the node agents' (`agentNamespace`, Pod Security `privileged`). Defaults to none: required with node-level DaemonSets. */
    readonly agentNamespace?: pulumi.Input<string>;
}

/** node-exporter on every node, in the node agents' namespace (render/clusterPods.ts says what it may do, and why). */
function nodeExporterDaemonSet(name: string, pod: PodDescription, agentNamespace: pulumi.Input<string> | undefined, parent: pulumi.Resource): k8s.apps.v1.DaemonSet {
    if (!agentNamespace) {
        throw new Error("node-exporter runs in the node agents' namespace: pass agentNamespace");
    }
    return podWorkload(`${name}-node-exporter`, pod, { namespace: agentNamespace, parent }) as k8s.apps.v1.DaemonSet;
}

/**
 * kube-state-metrics: one replica, restricted-compliant, with a token because it watches the API
 * server, and a cluster role that may list and watch exactly the objects it reports on.
 */
function kubeStateMetrics(name: string, args: ClusterExportersArgs, parent: pulumi.Resource): k8s.apps.v1.Deployment {
    const pod = args.pods.kubeStateMetrics;
    const { labels } = pod;
    // The pod runs as this account (its description names it).
    const account = new k8s.core.v1.ServiceAccount(`${name}-ksm-sa`, { metadata: { name: pod.spec.serviceAccountName, namespace: args.namespace, labels } }, { parent });
    const role = new k8s.rbac.v1.ClusterRole(`${name}-ksm-reader`, { metadata: { labels }, rules: KUBE_STATE_METRICS_RULES }, { parent });
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-ksm-reader`,
        {
            metadata: { labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        },
        { parent },
    );
    return podWorkload(`${name}-kube-state-metrics`, pod, { namespace: args.namespace, parent, dependsOn: [account] }) as k8s.apps.v1.Deployment;
}

/** The cluster's own exporters: node-exporter on every node and kube-state-metrics. */
export class ClusterExporters extends pulumi.ComponentResource {
    readonly nodeExporter?: k8s.apps.v1.DaemonSet;
    readonly kubeStateMetrics: k8s.apps.v1.Deployment;

    constructor(name: string, args: ClusterExportersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:infrastructure:ClusterExporters", name, {}, opts);
        if (args.pods.nodeExporter) {
            this.nodeExporter = nodeExporterDaemonSet(name, args.pods.nodeExporter, args.agentNamespace, this);
        }
        this.kubeStateMetrics = kubeStateMetrics(name, args, this);
        this.registerOutputs({ nodeExporter: this.nodeExporter, kubeStateMetrics: this.kubeStateMetrics });
    }
}
