import * as pulumi from "@pulumi/pulumi";
import { COLLECTOR_TIERS } from "../model/topology";
import { RenderedWorkload } from "../render";
import { configMapName, PodDescription } from "../render/podSpec";
import { CollectorPods } from "../render/collectorPods";
import { clusterReadAccount, clusterService, configMap, podDisruptionBudget, podPorts, podWorkload } from "./workload";

export interface CollectorArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The gateway's and the agent's pods, described (`rendered.pods.collector`). Defaults to none: required. */
    readonly pods: CollectorPods;
    /** Rendered gateway config and container args. Defaults to none: required. */
    readonly gateway: RenderedWorkload;
    /** Rendered node-agent config and container args. Defaults to none: required. */
    readonly agent: RenderedWorkload;
    /** Namespace of the node agent (`agentNamespace`, Pod Security `privileged`). Defaults to none: required with the agent. */
    readonly agentNamespace?: pulumi.Input<string>;
}

/**
 * The OpenTelemetry Collector: a gateway (OTLP in, tail sampling, durable queues on a volume) and a
 * node agent DaemonSet shipping every container's logs with Kubernetes metadata.
 */
export class OtelCollector extends pulumi.ComponentResource {
    readonly gateway: pulumi.CustomResource;
    readonly agent?: pulumi.CustomResource;

    constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:OtelCollector", name, {}, opts);
        this.gateway = this.createGateway(name, args);
        if (args.pods.agent) {
            this.agent = this.createAgent(name, args, args.pods.agent);
        }
        this.registerOutputs({ gateway: this.gateway, agent: this.agent });
    }

    private createGateway(name: string, args: CollectorArgs) {
        const { namespace } = args;
        const { pod, budget } = args.pods.gateway;
        const config = configMap(`${name}-gateway-config`, configMapName("otel-collector"), "otel-collector", namespace, { [args.gateway.configFileName]: args.gateway.config }, this);
        clusterService(`${name}-gateway-svc`, "otel-collector", namespace, podPorts(pod, ["otlp-grpc", "otlp-http", "metrics"]), this, { metadataName: args.pods.gatewayService });
        const headless = clusterService(`${name}-gateway-headless`, "otel-collector", namespace, podPorts(pod, ["otlp-grpc"]), this, { headless: true, metadataName: COLLECTOR_TIERS.gatewayHeadless });
        podDisruptionBudget(`${name}-gateway-pdb`, budget, namespace, this);
        return podWorkload(`${name}-gateway`, pod, { namespace, parent: this, dependsOn: [config, headless] });
    }

    private createAgent(name: string, args: CollectorArgs, pod: PodDescription) {
        const namespace = args.agentNamespace;
        if (!namespace) {
            throw new Error("the node agent runs in a namespace of its own: pass agentNamespace");
        }
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
        const config = configMap(`${name}-agent-config`, configMapName("otel-agent"), "otel-agent", namespace, { [args.agent.configFileName]: args.agent.config }, this);
        return podWorkload(`${name}-agent`, pod, { namespace, parent: this, dependsOn: [account, config] });
    }
}
