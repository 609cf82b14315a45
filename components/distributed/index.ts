/** The distributed topology's backends: Loki microservices, Tempo distributed and Grafana Mimir. */
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageCredentials } from "../../io/pulumiConfig";
import { StackConfig } from "../../config/types";
import { Engine } from "../../model/topology";
import { RenderedPods } from "../../render";
import { RenderedTopology } from "../../render/topology";
import { CollectorLoadBalancer } from "./collectorLoadBalancer";
import { DistributedEngine } from "./engine";

export interface DistributedBackendsArgs {
    /** Validated stack config with `topology: distributed`. Defaults to none: required. */
    readonly config: StackConfig;
    /** The rendered topology (`renderStack(...).topology`). Defaults to none: required. */
    readonly rendered: RenderedTopology;
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** Each engine's object-storage credentials (secrets). Defaults to none (validation requires them with distributed). */
    readonly objectStorage: Readonly<Partial<Record<Engine, ObjectStorageCredentials>>>;
    /** The engines' tiers' pods, described (`renderStack(...).pods`). Defaults to none: required. */
    readonly pods: RenderedPods;
}

export class DistributedBackends extends pulumi.ComponentResource {
    readonly loki: DistributedEngine;
    readonly tempo: DistributedEngine;
    readonly mimir: DistributedEngine;
    readonly collectorLoadBalancer: CollectorLoadBalancer;

    constructor(name: string, args: DistributedBackendsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:distributed:Backends", name, {}, opts);
        const { config, rendered } = args;
        if (config.topology.kind !== "distributed") {
            throw new Error("DistributedBackends needs topology distributed");
        }
        const engines = args.pods.engines;
        if (!engines) {
            throw new Error("DistributedBackends needs the engines' tiers rendered (renderStack with topology distributed)");
        }
        const engine = (engine: Engine) =>
            new DistributedEngine(`${name}-${engine}`, { namespace: args.namespace, objectStorage: args.objectStorage[engine], rendered: rendered[engine], tiers: engines[engine] }, { parent: this });
        this.loki = engine("loki");
        this.tempo = engine("tempo");
        this.mimir = engine("mimir");
        this.collectorLoadBalancer = new CollectorLoadBalancer(
            `${name}-collector-lb`,
            { namespace: args.namespace, rendered: rendered.collector, pods: args.pods.collector },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
