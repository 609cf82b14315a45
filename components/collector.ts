import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GatewayDrain } from "../render/topology/collector";
import { CollectorConfig } from "../config/types";
import { CONFIG_CHECKSUM_ANNOTATION, PATHS, PORTS } from "../model/components";
import { COLLECTOR_TIERS } from "../model/topology";
import { ScratchSpace } from "../model/ephemeralStorage";
import { RenderedWorkload } from "../render";
import { clusterReadAccount, clusterService, CommonArgs, componentLabels, configMap, disruptionBudget, hardenedContainer, persistentClaim, podSecurityContext, selectorLabels, spreadAcrossNodes, TMP_MOUNT, tmpVolume, workloadEnv } from "./workload";

/**
 * What the node agent may do, and why each grant exists; nothing else is allowed.
 * - UID and GID 0: container log files under /var/log/pods are root:root 0640, and the agent's
 *   state directory on the node (file offsets and its queue, so a restart neither re-sends nor
 *   loses lines) is created root:root 0755 by the kubelet (`DirectoryOrCreate`; fsGroup does not
 *   apply to hostPath). As their owner, root reads the logs and writes its state directory.
 * - No capabilities at all: without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, root in the
 *   container gets owner access only, so it cannot read or write other users' files; no
 *   privilege escalation, read-only root filesystem, RuntimeDefault seccomp.
 * - /var/log/pods is mounted read-only; the only writable host path is the agent's own state dir.
 * Pod Security Admission's baseline level forbids hostPath volumes, so the agent runs in the node
 * agents' own namespace, which enforces `privileged` (the stack's enforces `restricted`).
 */
export const AGENT_SECURITY_CONTEXT: k8s.types.input.core.v1.SecurityContext = {
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export interface CollectorArgs extends CommonArgs {
    /** Validated Collector settings. Defaults to none: required. */
    readonly settings: CollectorConfig;
    /** Rendered gateway config and container args. Defaults to none: required. */
    readonly gateway: RenderedWorkload;
    /** Rendered node-agent config and container args. Defaults to none: required. */
    readonly agent: RenderedWorkload;
    /** Storage class of the persistent-queue volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** Name of the gateways' ClusterIP Service (topology distributed gives `otel-collector` to its load-balancing tier). Defaults to `otel-collector`. */
    readonly gatewayServiceName?: string;
    /** An HPA scales the gateway StatefulSet, so `up` leaves its replica count alone. Defaults to false. */
    readonly gatewayAutoscaled?: boolean;
    /** How a gateway drains before it stops (`rendered.topology.collector.gatewayDrain`), behind the load-balancing tier. Defaults to none: stopped at once. */
    readonly gatewayDrain?: GatewayDrain;
    /** Scratch space of the gateway and the agent (`rendered.scratch`). Defaults to none: required. */
    readonly scratch: { readonly gateway: ScratchSpace; readonly agent: ScratchSpace };
    /** Namespace of the node agent (`agentNamespace`, Pod Security `privileged`). Defaults to none: required with the agent. */
    readonly agentNamespace?: pulumi.Input<string>;
}

/**
 * The OpenTelemetry Collector: a gateway (OTLP in, tail sampling, durable queues on a volume) and a
 * node agent DaemonSet shipping every container's logs with Kubernetes metadata.
 */
export class OtelCollector extends pulumi.ComponentResource {
    readonly gateway: k8s.apps.v1.StatefulSet;
    readonly agent?: k8s.apps.v1.DaemonSet;

    constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:OtelCollector", name, {}, opts);
        this.gateway = this.createGateway(name, args);
        if (args.settings.agentEnabled) {
            this.agent = this.createAgent(name, args);
        }
        this.registerOutputs({ gateway: this.gateway, agent: this.agent });
    }

    private container(component: "otel-collector" | "otel-agent", args: CollectorArgs, extraMounts: k8s.types.input.core.v1.VolumeMount[]) {
        const resources = component === "otel-agent" ? args.settings.agentResources : args.settings.gatewayResources;
        const workload = component === "otel-agent" ? args.agent : args.gateway;
        const scratch = component === "otel-agent" ? args.scratch.agent : args.scratch.gateway;
        const container = hardenedContainer({
            name: component,
            image: args.settings.image,
            args: [...workload.args],
            // GOMEMLIMIT (rendered) below the memory limit: the Go runtime collects garbage before the OOM killer acts.
            env: [{ name: "K8S_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }, ...workloadEnv(workload)],
            ports: [
                { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
                { name: "otlp-http", containerPort: PORTS.otlpHttp },
                { name: "metrics", containerPort: PORTS.collectorMetrics },
                { name: "health", containerPort: PORTS.collectorHealth },
            ],
            probePort: "health",
            resources,
            scratch,
            readinessPath: "/",
            livenessPath: "/",
            volumeMounts: [{ name: "config", mountPath: workload.configDir, readOnly: true }, TMP_MOUNT, ...extraMounts],
        });
        return container;
    }

    private createGateway(name: string, args: CollectorArgs) {
        const { namespace, settings } = args;
        const labels = componentLabels("otel-collector");
        const config = configMap(`${name}-gateway-config`, "otel-collector-config", "otel-collector", namespace, { [args.gateway.configFileName]: args.gateway.config }, this);
        clusterService(
            `${name}-gateway-svc`,
            "otel-collector",
            namespace,
            [
                { name: "otlp-grpc", port: PORTS.otlpGrpc },
                { name: "otlp-http", port: PORTS.otlpHttp },
                { name: "metrics", port: PORTS.collectorMetrics },
            ],
            this,
            { metadataName: args.gatewayServiceName },
        );
        const headless = clusterService(`${name}-gateway-headless`, "otel-collector", namespace, [{ name: "otlp-grpc", port: PORTS.otlpGrpc }], this, { headless: true, metadataName: COLLECTOR_TIERS.gatewayHeadless });
        // Several gateways (topology distributed) each hold a share of the trace IDs: a drain takes one at a time.
        disruptionBudget(`${name}-gateway`, "otel-collector", settings.gatewayReplicas, args, this);
        return new k8s.apps.v1.StatefulSet(
            `${name}-gateway`,
            {
                metadata: { name: "otel-collector", namespace, labels },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: settings.gatewayReplicas,
                    selector: { matchLabels: selectorLabels("otel-collector") },
                    template: {
                        metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: args.gateway.checksum } },
                        spec: {
                            securityContext: podSecurityContext(10001),
                            // The gateway never calls the Kubernetes API: no token in the pod.
                            automountServiceAccountToken: false,
                            ...(settings.gatewayReplicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("otel-collector", args.gatewayAutoscaled ? "preferred" : "required") } : {}),
                            containers: [
                                {
                                    ...this.container("otel-collector", args, [{ name: "queue", mountPath: PATHS.collectorQueue }]),
                                    ...(args.gatewayDrain ? { lifecycle: { preStop: { sleep: { seconds: args.gatewayDrain.preStopSeconds } } } } : {}),
                                },
                            ],
                            ...(args.gatewayDrain ? { terminationGracePeriodSeconds: args.gatewayDrain.terminationGracePeriodSeconds } : {}),
                            volumes: [{ name: "config", configMap: { name: config.metadata.name } }, tmpVolume(args.scratch.gateway)],
                        },
                    },
                    // The sending queues live here: a restart or a backend outage loses nothing already accepted.
                    volumeClaimTemplates: [persistentClaim("queue", settings.queueStorageSize, args.storageClassName)],
                },
            },
            { parent: this, ...(args.gatewayAutoscaled ? { ignoreChanges: ["spec.replicas"] } : {}) },
        );
    }

    private createAgent(name: string, args: CollectorArgs) {
        const namespace = args.agentNamespace;
        if (!namespace) {
            throw new Error("the node agent runs in a namespace of its own: pass agentNamespace");
        }
        const labels = componentLabels("otel-agent");
        const account = clusterReadAccount(
            `${name}-agent-k8sattributes`,
            "otel-agent",
            namespace,
            // k8sattributes (0.160) watches only pods for what the agent extracts: names, the pod's app label.
            // It adds namespace, ReplicaSet and node watches only to extract their labels or UIDs, which we don't;
            // a Deployment's name comes from the ReplicaSet name in the pod's owner reference.
            [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }],
            this,
        );
        const config = configMap(`${name}-agent-config`, "otel-agent-config", "otel-agent", namespace, { [args.agent.configFileName]: args.agent.config }, this);
        return new k8s.apps.v1.DaemonSet(
            `${name}-agent`,
            {
                metadata: { name: "otel-agent", namespace, labels },
                spec: {
                    selector: { matchLabels: selectorLabels("otel-agent") },
                    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                    template: {
                        metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: args.agent.checksum } },
                        spec: {
                            serviceAccountName: account.metadata.name,
                            securityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
                            tolerations: [{ operator: "Exists" }],
                            containers: [
                                {
                                    ...this.container("otel-agent", args, [
                                        { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
                                        { name: "state", mountPath: PATHS.agentState },
                                    ]),
                                    securityContext: AGENT_SECURITY_CONTEXT,
                                },
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                { name: "varlogpods", hostPath: { path: "/var/log/pods", type: "Directory" } },
                                { name: "state", hostPath: { path: PATHS.agentState, type: "DirectoryOrCreate" } },
                                tmpVolume(args.scratch.agent),
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );
    }
}
