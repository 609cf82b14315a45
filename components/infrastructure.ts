import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    INFRASTRUCTURE_RESOURCES,
    KUBE_STATE_METRICS,
    KUBE_STATE_METRICS_RESOURCES,
    kubeStateMetricsArgs,
    NODE_EXPORTER,
    nodeExporterArgs,
    nodeExporterDeployed,
} from "../model/infrastructure";
import { ScratchSpace } from "../model/ephemeralStorage";
import { RenderedNetworkPolicy } from "../render/networkPolicies";
import { wireNetworkPolicies } from "./networkPolicies";
import { componentLabels, hardenedContainer, podSecurityContext, selectorLabels } from "./workload";

export interface ClusterExportersArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** Whether node-level DaemonSets run (`collector.agentEnabled`); node-exporter runs with them. Defaults to none: required. */
    readonly nodeLevel: boolean;
    /** The allows kube-state-metrics needs under default deny (`rendered.exporterNetworkPolicies`). Defaults to none. */
    readonly networkPolicies?: readonly RenderedNetworkPolicy[];
    /** Scratch space of node-exporter and kube-state-metrics (`rendered.scratch`): their logs. Defaults to none: required. */
    readonly scratch: { readonly nodeExporter: ScratchSpace; readonly kubeStateMetrics: ScratchSpace };
    /** Namespace of node-exporter, the node agents' (`agentNamespace`, Pod Security `privileged`). Defaults to none: required with node-level DaemonSets. */
    readonly agentNamespace?: pulumi.Input<string>;
}

/**
 * What node-exporter may do, and why each grant exists; nothing else is allowed.
 * - Three read-only hostPath mounts: the node's /proc (CPU, memory, load, PIDs), /sys (hardware,
 *   pressure) and / (filesystem sizes, read with statfs), with HostToContainer propagation so
 *   volumes mounted after start are seen. hostPath is why Pod Security's baseline level rejects it
 *   and why it only runs when the namespace enforces `privileged` for the node agent anyway.
 * - Runs as nobody (65534), no capabilities, no privilege escalation, read-only root filesystem,
 *   RuntimeDefault seccomp; no hostNetwork and no hostPID (the network collectors that would need
 *   the host's network namespace are turned off, model/infrastructure.ts), no service-account token.
 * - Tolerates every taint: a node it does not run on is a node nobody watches.
 */
function nodeExporterDaemonSet(name: string, args: ClusterExportersArgs, parent: pulumi.Resource): k8s.apps.v1.DaemonSet {
    const { hostPaths } = NODE_EXPORTER;
    if (!args.agentNamespace) {
        throw new Error("node-exporter runs in the node agents' namespace: pass agentNamespace");
    }
    const host = [
        { name: "proc", path: "/proc", mountPath: hostPaths.proc },
        { name: "sys", path: "/sys", mountPath: hostPaths.sys },
        { name: "root", path: "/", mountPath: hostPaths.root },
    ];
    const resources = INFRASTRUCTURE_RESOURCES.nodeExporter;
    return new k8s.apps.v1.DaemonSet(
        `${name}-node-exporter`,
        {
            metadata: { name: NODE_EXPORTER.name, namespace: args.agentNamespace, labels: componentLabels(NODE_EXPORTER.name) },
            spec: {
                selector: { matchLabels: selectorLabels(NODE_EXPORTER.name) },
                updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
                template: {
                    metadata: { labels: componentLabels(NODE_EXPORTER.name) },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(NODE_EXPORTER.uid),
                        tolerations: [{ operator: "Exists" }],
                        containers: [
                            hardenedContainer({
                                name: NODE_EXPORTER.name,
                                image: NODE_EXPORTER.image,
                                args: nodeExporterArgs(),
                                env: [{ name: "GOMEMLIMIT", value: resources.goMemLimit }],
                                ports: [{ name: NODE_EXPORTER.portName, containerPort: NODE_EXPORTER.port }],
                                resources: { requests: resources.requests, limits: resources.limits },
                                scratch: args.scratch.nodeExporter,
                                readinessPath: "/",
                                livenessPath: "/",
                                volumeMounts: host.map((h) => ({ name: h.name, mountPath: h.mountPath, readOnly: true, ...(h.name === "root" ? { mountPropagation: "HostToContainer" } : {}) })),
                            }),
                        ],
                        volumes: host.map((h) => ({ name: h.name, hostPath: { path: h.path, type: "Directory" } })),
                    },
                },
            },
        },
        { parent },
    );
}

/**
 * kube-state-metrics: one replica, restricted-compliant, with a token because it watches the API
 * server, and a cluster role that may list and watch exactly the objects it reports on.
 */
function kubeStateMetrics(name: string, args: ClusterExportersArgs, parent: pulumi.Resource): k8s.apps.v1.Deployment {
    const labels = componentLabels(KUBE_STATE_METRICS.name);
    const account = new k8s.core.v1.ServiceAccount(`${name}-ksm-sa`, { metadata: { name: KUBE_STATE_METRICS.name, namespace: args.namespace, labels } }, { parent });
    const byGroup = new Map<string, string[]>();
    for (const { apiGroup, resource } of KUBE_STATE_METRICS_RESOURCES) {
        byGroup.set(apiGroup, [...(byGroup.get(apiGroup) ?? []), resource]);
    }
    const role = new k8s.rbac.v1.ClusterRole(
        `${name}-ksm-reader`,
        { metadata: { labels }, rules: [...byGroup].map(([apiGroup, resources]) => ({ apiGroups: [apiGroup], resources, verbs: ["list", "watch"] })) },
        { parent },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-ksm-reader`,
        {
            metadata: { labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        },
        { parent },
    );
    const resources = INFRASTRUCTURE_RESOURCES.kubeStateMetrics;
    const container = hardenedContainer({
        name: KUBE_STATE_METRICS.name,
        image: KUBE_STATE_METRICS.image,
        args: kubeStateMetricsArgs(),
        env: [{ name: "GOMEMLIMIT", value: resources.goMemLimit }],
        ports: [
            { name: KUBE_STATE_METRICS.portName, containerPort: KUBE_STATE_METRICS.port },
            { name: KUBE_STATE_METRICS.telemetryPortName, containerPort: KUBE_STATE_METRICS.telemetryPort },
        ],
        resources: { requests: resources.requests, limits: resources.limits },
        scratch: args.scratch.kubeStateMetrics,
        livenessPath: "/livez",
        readinessPath: "/livez",
        volumeMounts: [],
    });
    return new k8s.apps.v1.Deployment(
        `${name}-kube-state-metrics`,
        {
            metadata: { name: KUBE_STATE_METRICS.name, namespace: args.namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: selectorLabels(KUBE_STATE_METRICS.name) },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: account.metadata.name,
                        automountServiceAccountToken: true,
                        securityContext: podSecurityContext(KUBE_STATE_METRICS.uid),
                        // Ready once its caches are synced: /readyz lives on the telemetry port.
                        containers: [{ ...container, readinessProbe: { httpGet: { path: "/readyz", port: KUBE_STATE_METRICS.telemetryPortName }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 } }],
                    },
                },
            },
        },
        { parent },
    );
}

/** The cluster's own exporters: node-exporter on every node and kube-state-metrics. */
export class ClusterExporters extends pulumi.ComponentResource {
    readonly nodeExporter?: k8s.apps.v1.DaemonSet;
    readonly kubeStateMetrics: k8s.apps.v1.Deployment;

    constructor(name: string, args: ClusterExportersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:infrastructure:ClusterExporters", name, {}, opts);
        if (nodeExporterDeployed(args.nodeLevel)) {
            this.nodeExporter = nodeExporterDaemonSet(name, args, this);
        }
        this.kubeStateMetrics = kubeStateMetrics(name, args, this);
        if (args.networkPolicies) {
            wireNetworkPolicies(name, { namespace: args.namespace, policies: args.networkPolicies }, this);
        }
        this.registerOutputs({ nodeExporter: this.nodeExporter, kubeStateMetrics: this.kubeStateMetrics });
    }
}
