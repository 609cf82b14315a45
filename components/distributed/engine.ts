/**
 * One engine (Loki, Tempo or Mimir) in its distributed mode: a config file shared by every tier,
 * the gossip Service, and per tier the workloads render/pods.ts describes (a Deployment with an
 * HPA, or StatefulSets with volumes), its Services and PodDisruptionBudget. Only wires what
 * render/ rendered.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageCredentials } from "../../io/pulumiConfig";
import { componentLabels, GOSSIP_LABEL } from "../../model/labels";
import { gossipServiceName, headlessName, OVERRIDES_FILE, TOPOLOGY_PORTS } from "../../model/topology";
import { TierPods } from "../../render";
import { engineConfigMapName } from "../../render/pods";
import { RenderedEngine } from "../../render/topology";
import { objectStorageSecret } from "../singleBinary";
import { horizontalAutoscaler, podDisruptionBudget, podPorts, podWorkload } from "../workload";

export interface DistributedEngineArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered engine: config file and tiers. Defaults to none: required. */
    readonly rendered: RenderedEngine;
    /** Its tiers' pods, described (`rendered.pods.engines[engine]`). Defaults to none: required. */
    readonly tiers: readonly TierPods[];
    /** The engine's own object-storage credentials (secrets), given only to the tiers that read its bucket. Defaults to none: required, every engine stores in a bucket. */
    readonly objectStorage?: ObjectStorageCredentials;
}

const TYPE = { loki: "lgtm:distributed:Loki", tempo: "lgtm:distributed:Tempo", mimir: "lgtm:distributed:Mimir" } as const;

export class DistributedEngine extends pulumi.ComponentResource {
    readonly workloads: pulumi.CustomResource[] = [];

    constructor(name: string, args: DistributedEngineArgs, opts?: pulumi.ComponentResourceOptions) {
        const { rendered } = args;
        super(TYPE[rendered.engine], name, {}, opts);
        const { engine } = rendered;
        const namespace = args.namespace;
        const engineLabels = componentLabels(engine);
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: engineConfigMapName(engine), namespace, labels: engineLabels }, data: { [rendered.configFileName]: rendered.config, ...(rendered.overrides ? { [OVERRIDES_FILE]: rendered.overrides } : {}) } },
            { parent: this },
        );
        const storage = args.objectStorage ? objectStorageSecret(`${name}-object-storage`, `${engine}-distributed-object-storage`, namespace, engineLabels, args.objectStorage, this) : undefined;
        // memberlist joins through one DNS name resolving to every gossiping pod, ready or not (a ring forms before readiness).
        new k8s.core.v1.Service(
            `${name}-gossip`,
            {
                metadata: { name: gossipServiceName(engine), namespace, labels: engineLabels },
                spec: {
                    clusterIP: "None",
                    publishNotReadyAddresses: true,
                    selector: { [GOSSIP_LABEL]: engine },
                    ports: [{ name: "gossip", port: TOPOLOGY_PORTS.gossip, targetPort: "gossip", protocol: "TCP" }],
                },
            },
            { parent: this },
        );
        for (const tier of args.tiers) {
            this.workloads.push(...this.tier(name, args, tier, config, storage));
        }
        this.registerOutputs({});
    }

    private tier(name: string, args: DistributedEngineArgs, tier: TierPods, config: k8s.core.v1.ConfigMap, storage: ReturnType<typeof objectStorageSecret> | undefined) {
        const { namespace } = args;
        const { engine } = args.rendered;
        const child = `${name}-${tier.tier}`;
        const { labels, selector } = tier;
        const servicePorts = podPorts(tier).map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" }));
        new k8s.core.v1.Service(`${child}-svc`, { metadata: { name: tier.name, namespace, labels }, spec: { selector, ports: servicePorts } }, { parent: this });
        const headless = new k8s.core.v1.Service(
            `${child}-headless`,
            { metadata: { name: headlessName(engine, tier.tier), namespace, labels }, spec: { clusterIP: "None", selector, ports: servicePorts } },
            { parent: this },
        );
        // Only the tiers that read or write the bucket get its credentials (model/topology.ts).
        const secret = tier.bucket ? storage : undefined;
        const workloads = tier.workloads.map((pod) => {
            const kind = pod.kind === "Deployment" ? "deploy" : "sts";
            return podWorkload(pod.zone ? `${child}-zone-${pod.zone}-${kind}` : `${child}-${kind}`, pod, {
                namespace,
                parent: this,
                dependsOn: [config, headless, ...(secret ? [secret.secret] : [])],
                // Every tier's container has its environment; the bucket's credentials come after it.
                secretEnv: secret?.env ?? [],
            });
        });
        if (tier.autoscaler) {
            // An autoscaled tier is stateless: its one Deployment, named and labelled as the tier.
            horizontalAutoscaler(`${child}-hpa`, tier.workloads[0], tier.autoscaler, namespace, { parent: this, dependsOn: workloads });
        }
        podDisruptionBudget(`${child}-pdb`, tier.budget, namespace, this);
        return workloads;
    }
}
