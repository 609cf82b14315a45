/**
 * The Collector's load-balancing tier (topology distributed): a Deployment that receives all OTLP
 * under the `otel-collector` Service name and routes spans by trace ID to the tail-sampling gateways;
 * an HPA on it, and one on the gateway StatefulSet between `collector.gatewayReplicas` and
 * `topology.collector.gatewayMaxReplicas`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ImageRef } from "../../config/types";
import { CONFIG_CHECKSUM_ANNOTATION, METRICS_PORT_NAME, PORTS } from "../../model/components";
import { ScratchSpace } from "../../model/ephemeralStorage";
import { COLLECTOR_TIERS } from "../../model/topology";
import { RenderedCollectorTiers } from "../../render/topology";
import { componentLabels, hardenedContainer, podSecurityContext, selectorLabels, TMP_MOUNT, tmpVolume } from "../workload";

/** Scale out before the tier saturates its CPU requests (hashing and forwarding are CPU-bound). */
const HPA_CPU_UTILIZATION = 70;

export interface CollectorLoadBalancerArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered tiers (`renderStack(...).topology.collector`). Defaults to none: required. */
    readonly rendered: RenderedCollectorTiers;
    /** The Collector image (the gateways'). Defaults to none: required. */
    readonly image: ImageRef;
    /** PodDisruptionBudget for the tier. Defaults to none: required. */
    readonly podDisruptionBudget: boolean;
    /** Its scratch space (`rendered.scratch["otel-collector-lb"]`). Defaults to none: required. */
    readonly scratch: ScratchSpace;
}

export class CollectorLoadBalancer extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: CollectorLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:distributed:CollectorLoadBalancer", name, {}, opts);
        const { namespace, rendered } = args;
        const { loadBalancer } = rendered;
        const component = COLLECTOR_TIERS.loadBalancer;
        const selector = selectorLabels(component);
        const labels = { ...selector, "app.kubernetes.io/component": "load-balancer", ...componentLabels(component) };
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${component}-config`, namespace, labels }, data: { [loadBalancer.configFileName]: loadBalancer.config } }, { parent: this });
        const ports = [
            { name: "otlp-grpc", port: PORTS.otlpGrpc },
            { name: "otlp-http", port: PORTS.otlpHttp },
            { name: METRICS_PORT_NAME[component], port: PORTS.collectorMetrics },
        ];
        // Applications and the node agent send to `otel-collector`: in this topology that name is the load balancer's.
        new k8s.core.v1.Service(
            `${name}-svc`,
            { metadata: { name: COLLECTOR_TIERS.entryService, namespace, labels }, spec: { selector, ports: ports.map((p) => ({ ...p, targetPort: p.name, protocol: "TCP" })) } },
            { parent: this },
        );
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deploy`,
            {
                metadata: { name: component, namespace, labels },
                spec: {
                    replicas: loadBalancer.settings.replicas,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: loadBalancer.checksum } },
                        spec: {
                            securityContext: podSecurityContext(10001),
                            automountServiceAccountToken: false,
                            topologySpreadConstraints: [
                                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                            ],
                            containers: [
                                hardenedContainer({
                                    name: component,
                                    image: args.image,
                                    args: [...loadBalancer.args],
                                    env: Object.entries(loadBalancer.env).map(([key, value]) => ({ name: key, value })),
                                    ports: [...ports.map((p) => ({ name: p.name, containerPort: p.port })), { name: "health", containerPort: PORTS.collectorHealth }],
                                    probePort: "health",
                                    resources: loadBalancer.settings.resources,
                                    scratch: args.scratch,
                                    readinessPath: "/",
                                    livenessPath: "/",
                                    volumeMounts: [{ name: "config", mountPath: loadBalancer.configDir, readOnly: true }, TMP_MOUNT],
                                }),
                            ],
                            volumes: [{ name: "config", configMap: { name: config.metadata.name } }, tmpVolume(args.scratch)],
                        },
                    },
                },
            },
            { parent: this, ignoreChanges: ["spec.replicas"] },
        );
        const cpu = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: HPA_CPU_UTILIZATION } } }];
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-hpa`,
            {
                metadata: { name: component, namespace, labels },
                spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: component }, minReplicas: loadBalancer.settings.replicas, maxReplicas: loadBalancer.settings.maxReplicas, metrics: cpu },
            },
            { parent: this, dependsOn: [this.deployment] },
        );
        // The gateways scale too; a gateway added or removed moves only its share of trace IDs to others, and they leave one at a time.
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-gateway-hpa`,
            {
                metadata: { name: "otel-collector", namespace, labels: componentLabels("otel-collector") },
                spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "otel-collector" }, minReplicas: rendered.gatewayReplicas, maxReplicas: rendered.gatewayMaxReplicas, metrics: cpu, behavior: { scaleDown: rendered.gatewayScaleDown } },
            },
            { parent: this },
        );
        if (args.podDisruptionBudget && loadBalancer.settings.replicas >= 2) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: { name: component, namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }, { parent: this });
        }
        this.registerOutputs({ deployment: this.deployment });
    }
}
