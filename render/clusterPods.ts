/**
 * The pods of the cluster's own signals and of the Prometheus Operator, described like the
 * backends' (render/pods.ts): kube-state-metrics, node-exporter on every node, and the operator's
 * Deployment. components/infrastructure.ts and components/operator.ts only wire them with
 * `podWorkload`; the NetworkPolicies open the ports declared here.
 */
import { StackConfig } from "../config/types";
import { RenderedScratch } from "./ephemeralStorage";
import { INFRASTRUCTURE_RESOURCES, KUBE_STATE_METRICS, kubeStateMetricsArgs, NODE_EXPORTER, nodeExporterArgs, nodeExporterDeployed } from "../model/infrastructure";
import { METRICS_PORT_NAME } from "../model/components";
import { componentLabels, selectorLabels } from "../model/labels";
import { OPERATOR_PORT, OPERATOR_WORKLOADS } from "../model/operator";
import type { RenderedOperator } from "./operator";
import { Container, ContainerPort, hardenedContainer, PodDescription, podSecurityContext, TMP_MOUNT, tmpVolume, Volume } from "./podSpec";

/** kube-state-metrics's ports: the objects' series (Prometheus scrapes them), and its own telemetry with `/readyz`. */
export const KUBE_STATE_METRICS_PORTS: readonly ContainerPort[] = [
    { name: KUBE_STATE_METRICS.portName, containerPort: KUBE_STATE_METRICS.port },
    { name: KUBE_STATE_METRICS.telemetryPortName, containerPort: KUBE_STATE_METRICS.telemetryPort },
];

/** The operator's one port: its metrics and `/healthz`. */
export const OPERATOR_PORTS: readonly ContainerPort[] = [{ name: METRICS_PORT_NAME["prometheus-operator"], containerPort: OPERATOR_PORT }];

/** The operator's image runs as nobody. */
const OPERATOR_UID = 65534;

/** The operator reconciles a handful of objects: small requests, room for a burst of many monitors. */
const OPERATOR_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };

/** The pods rendered here: node-exporter only with the node-level DaemonSets, the operator only when enabled. */
export interface ClusterPods {
    readonly kubeStateMetrics: PodDescription;
    readonly nodeExporter?: PodDescription;
    readonly operator?: PodDescription;
}

export function renderClusterPods(config: StackConfig, operator: RenderedOperator | undefined, scratch: RenderedScratch): ClusterPods {
    return {
        kubeStateMetrics: kubeStateMetricsPod(scratch),
        ...(nodeExporterDeployed(config.collector.agentEnabled) ? { nodeExporter: nodeExporterPod(scratch) } : {}),
        ...(operator ? { operator: operatorPod(config, operator, scratch) } : {}),
    };
}

/**
 * kube-state-metrics: one replica, restricted-compliant, with a token because it watches the API
 * server (its service account, bound to a role that lists and watches exactly the objects it
 * reports on, has the component's name).
 */
function kubeStateMetricsPod(scratch: RenderedScratch): PodDescription {
    const { name } = KUBE_STATE_METRICS;
    const resources = INFRASTRUCTURE_RESOURCES.kubeStateMetrics;
    const container = hardenedContainer({
        name,
        image: KUBE_STATE_METRICS.image,
        args: kubeStateMetricsArgs(),
        env: [{ name: "GOMEMLIMIT", value: resources.goMemLimit }],
        ports: [...KUBE_STATE_METRICS_PORTS],
        resources: { requests: resources.requests, limits: resources.limits },
        scratch: scratch["kube-state-metrics"],
        livenessPath: "/livez",
        readinessPath: "/livez",
        volumeMounts: [],
    });
    // Ready once its caches are synced: /readyz lives on the telemetry port.
    const readinessProbe = { httpGet: { path: "/readyz", port: KUBE_STATE_METRICS.telemetryPortName }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };
    return apiWatcher(name, KUBE_STATE_METRICS.uid, { ...container, readinessProbe });
}

/**
 * One replica of a component that watches the API server: the one kind of pod here that gets a
 * service-account token, its account named after it.
 */
function apiWatcher(name: string, uid: number, container: Container, volumes?: Volume[]): PodDescription {
    return {
        kind: "Deployment",
        name,
        labels: componentLabels(name),
        selector: selectorLabels(name),
        replicas: 1,
        spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            securityContext: podSecurityContext(uid),
            containers: [container],
            ...(volumes ? { volumes } : {}),
        },
    };
}

/** The node's /proc, /sys and /, each mounted read-only where node-exporter's `--path.*` flags look. */
const NODE_EXPORTER_HOST_PATHS = [
    { name: "proc", path: "/proc", mountPath: NODE_EXPORTER.hostPaths.proc },
    { name: "sys", path: "/sys", mountPath: NODE_EXPORTER.hostPaths.sys },
    { name: "root", path: "/", mountPath: NODE_EXPORTER.hostPaths.root },
];

/**
 * What node-exporter may do, and why each grant exists; nothing else is allowed.
 * - Three read-only hostPath mounts: the node's /proc (CPU, memory, load, PIDs), /sys (hardware,
 *   pressure) and / (filesystem sizes, read with statfs), / with HostToContainer propagation so
 *   volumes mounted after start are seen. hostPath is why Pod Security's baseline level rejects it
 *   and why it only runs when the namespace enforces `privileged` for the node agent anyway.
 * - Runs as nobody (65534), no capabilities, no privilege escalation, read-only root filesystem,
 *   RuntimeDefault seccomp; no hostNetwork and no hostPID (the network collectors that would need
 *   the host's network namespace are turned off, model/infrastructure.ts), no service-account token.
 * - Tolerates every taint: a node it does not run on is a node nobody watches.
 */
function nodeExporterPod(scratch: RenderedScratch): PodDescription {
    const { name } = NODE_EXPORTER;
    const resources = INFRASTRUCTURE_RESOURCES.nodeExporter;
    return {
        kind: "DaemonSet",
        name,
        labels: componentLabels(name),
        selector: selectorLabels(name),
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
        spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(NODE_EXPORTER.uid),
            tolerations: [{ operator: "Exists" }],
            containers: [
                hardenedContainer({
                    name,
                    image: NODE_EXPORTER.image,
                    args: nodeExporterArgs(),
                    env: [{ name: "GOMEMLIMIT", value: resources.goMemLimit }],
                    ports: [{ name: NODE_EXPORTER.portName, containerPort: NODE_EXPORTER.port }],
                    resources: { requests: resources.requests, limits: resources.limits },
                    scratch: scratch["node-exporter"],
                    readinessPath: "/",
                    livenessPath: "/",
                    volumeMounts: NODE_EXPORTER_HOST_PATHS.map((host) => ({
                        name: host.name,
                        mountPath: host.mountPath,
                        readOnly: true,
                        ...(host.name === "root" ? { mountPropagation: "HostToContainer" } : {}),
                    })),
                }),
            ],
            volumes: NODE_EXPORTER_HOST_PATHS.map((host) => ({ name: host.name, hostPath: { path: host.path, type: "Directory" } })),
        },
    };
}

/**
 * The Prometheus Operator: one replica, its rendered arguments, and the one pod of the feature that
 * needs its token (it watches and writes through the API; its service account has its name).
 */
function operatorPod(config: StackConfig, operator: RenderedOperator, scratch: RenderedScratch): PodDescription {
    const name = OPERATOR_WORKLOADS.operator;
    const space = scratch["prometheus-operator"];
    const container = hardenedContainer({
        name,
        image: config.operator.image,
        args: [...operator.args],
        ports: [...OPERATOR_PORTS],
        resources: OPERATOR_RESOURCES,
        scratch: space,
        readinessPath: "/healthz",
        livenessPath: "/healthz",
        volumeMounts: [TMP_MOUNT],
    });
    return apiWatcher(name, OPERATOR_UID, container, [tmpVolume(space)]);
}
