import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CollectorConfig } from "../config/types";
import { CONFIG_CHECKSUM_ANNOTATION, PATHS, PORTS } from "../model/components";
import { RenderedWorkload } from "../render";
import { clusterReadAccount, clusterService, CommonArgs, componentLabels, configMap, hardenedContainer, persistentClaim, podSecurityContext, selectorLabels, TMP_MOUNT, TMP_VOLUME } from "./workload";

export interface CollectorArgs extends CommonArgs {
    /** Validated Collector settings. Defaults to none: required. */
    readonly settings: CollectorConfig;
    /** Rendered gateway config and container args. Defaults to none: required. */
    readonly gateway: RenderedWorkload;
    /** Rendered node-agent config and container args. Defaults to none: required. */
    readonly agent: RenderedWorkload;
    /** Storage class of the persistent-queue volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
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
        const container = hardenedContainer({
            name: component,
            image: args.settings.image,
            args: [...workload.args],
            env: [
                { name: "K8S_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                // The Go runtime respects the container limit instead of the node's memory.
                { name: "GOMEMLIMIT", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1" } } },
            ],
            ports: [
                { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
                { name: "otlp-http", containerPort: PORTS.otlpHttp },
                { name: "metrics", containerPort: PORTS.collectorMetrics },
                { name: "health", containerPort: PORTS.collectorHealth },
            ],
            probePort: "health",
            resources,
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
        );
        const headless = clusterService(`${name}-gateway-headless`, "otel-collector", namespace, [{ name: "otlp-grpc", port: PORTS.otlpGrpc }], this, { headless: true, metadataName: "otel-collector-headless" });
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
                            containers: [this.container("otel-collector", args, [{ name: "queue", mountPath: PATHS.collectorQueue }])],
                            volumes: [{ name: "config", configMap: { name: config.metadata.name } }, TMP_VOLUME],
                        },
                    },
                    // The sending queues live here: a restart or a backend outage loses nothing already accepted.
                    volumeClaimTemplates: [persistentClaim("queue", settings.queueStorageSize, args.storageClassName)],
                },
            },
            { parent: this },
        );
    }

    private createAgent(name: string, args: CollectorArgs) {
        const { namespace } = args;
        const labels = componentLabels("otel-agent");
        const account = clusterReadAccount(
            `${name}-agent-k8sattributes`,
            "otel-agent",
            namespace,
            [
                { apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["apps"], resources: ["replicasets", "deployments", "statefulsets", "daemonsets"], verbs: ["get", "list", "watch"] },
            ],
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
                            // Container log files are root:root 0640: group 0 reads them without running as root.
                            securityContext: { ...podSecurityContext(10001, 0), fsGroup: undefined, supplementalGroups: [0] },
                            tolerations: [{ operator: "Exists" }],
                            containers: [
                                this.container("otel-agent", args, [
                                    { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
                                    { name: "state", mountPath: PATHS.agentState },
                                ]),
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                { name: "varlogpods", hostPath: { path: "/var/log/pods", type: "Directory" } },
                                { name: "state", hostPath: { path: PATHS.agentState, type: "DirectoryOrCreate" } },
                                TMP_VOLUME,
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );
    }
}
