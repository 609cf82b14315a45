/**
 * The Collector's load-balancing tier (topology distributed): a Deployment that receives all OTLP
 * under the `otel-collector` Service name and routes spans by trace ID to the tail-sampling gateways;
 * an HPA on it, and one on the gateway StatefulSet between `collector.gatewayReplicas` and
 * `topology.collector.gatewayMaxReplicas`. The pods and both autoscalers are described in
 * render/collectorPods.ts (`rendered.pods.collector`); this only wires them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COLLECTOR_LOAD_BALANCER, METRICS_PORT_NAME } from "../../model/components";
import { COLLECTOR_TIERS } from "../../model/topology";
import { RenderedCollectorTiers } from "../../render/topology";
import { configMapName } from "../../render/podSpec";
import { CollectorPods } from "../../render/collectorPods";
import { horizontalAutoscaler, podDisruptionBudget, podPorts, podWorkload } from "../workload";

export interface CollectorLoadBalancerArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered tiers (`renderStack(...).topology.collector`): the tier's config. Defaults to none: required. */
    readonly rendered: RenderedCollectorTiers;
    /** The Collector's pods, described with the load-balancing tier (`renderStack(...).pods.collector`). Defaults to none: required. */
    readonly pods: CollectorPods;
}

export class CollectorLoadBalancer extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: CollectorLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:distributed:CollectorLoadBalancer", name, {}, opts);
        const { namespace } = args;
        const { loadBalancer } = args.rendered;
        const { gateway, loadBalancer: tier } = args.pods;
        if (!tier?.autoscaler || !gateway.autoscaler) {
            throw new Error("the Collector's load-balancing tier and the gateways' autoscaler are rendered with topology distributed only");
        }
        const { pod } = tier;
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: configMapName(pod.name), namespace, labels: pod.labels }, data: { [loadBalancer.configFileName]: loadBalancer.config } },
            { parent: this },
        );
        const ports = podPorts(pod, ["otlp-grpc", "otlp-http", METRICS_PORT_NAME[COLLECTOR_LOAD_BALANCER]]).map((port) => ({ ...port, targetPort: port.name, protocol: "TCP" }));
        // Applications and the node agent send to `otel-collector`: in this topology that name is the load balancer's.
        new k8s.core.v1.Service(`${name}-svc`, { metadata: { name: COLLECTOR_TIERS.entryService, namespace, labels: pod.labels }, spec: { selector: pod.selector, ports } }, { parent: this });
        this.deployment = podWorkload(`${name}-deploy`, pod, { namespace, parent: this, dependsOn: [config] }) as k8s.apps.v1.Deployment;
        horizontalAutoscaler(`${name}-hpa`, pod, tier.autoscaler, namespace, { parent: this, dependsOn: [this.deployment] });
        horizontalAutoscaler(`${name}-gateway-hpa`, gateway.pod, gateway.autoscaler, namespace, { parent: this });
        podDisruptionBudget(`${name}-pdb`, tier.budget, namespace, this);
        this.registerOutputs({ deployment: this.deployment });
    }
}
