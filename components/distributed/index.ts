/** The distributed topology's backends: Loki microservices, Tempo distributed and Grafana Mimir. */
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageCredentials } from "../../io/pulumiConfig";
import { StackConfig } from "../../config/types";
import { LOKI_RULES, prometheusConfigMapNames } from "../../model/components";
import { Engine } from "../../model/topology";
import { RenderedScratch } from "../../render";
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
    /** Every workload's scratch space (`renderStack(...).scratch`). Defaults to none: required. */
    readonly scratch: RenderedScratch;
    /** The Prometheus Operator's rule ConfigMaps (`renderStack(...).operator.ruleConfigMaps`), which Mimir's ruler evaluates. Defaults to none (no operator). */
    readonly operatorRuleConfigMaps?: readonly string[];
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
        const common = {
            namespace: args.namespace,
            storageClassName: config.storageClassName,
            podDisruptionBudget: config.podDisruptionBudgets,
            scratch: args.scratch,
        };
        this.loki = new DistributedEngine(
            `${name}-loki`,
            { ...common, objectStorage: args.objectStorage.loki, rendered: rendered.loki, image: config.loki.image, volume: config.loki.persistence, ruleConfigMaps: [LOKI_RULES.configMap], ruleTenants: rendered.rulerTenants?.loki },
            { parent: this },
        );
        this.tempo = new DistributedEngine(`${name}-tempo`, { ...common, objectStorage: args.objectStorage.tempo, rendered: rendered.tempo, image: config.tempo.image, volume: config.tempo.persistence }, { parent: this });
        this.mimir = new DistributedEngine(
            `${name}-mimir`,
            {
                ...common,
                objectStorage: args.objectStorage.mimir,
                rendered: rendered.mimir,
                image: config.topology.mimir.image,
                volume: { enabled: true, size: config.topology.mimir.volumeSize },
                tierVolumeSizes: { compactor: config.topology.mimir.compactorVolumeSize },
                ruleConfigMaps: prometheusConfigMapNames("rules", config.prometheus.configMapShards),
                ruleTenants: rendered.rulerTenants?.mimir,
                ...(args.operatorRuleConfigMaps ? { operatorRuleConfigMaps: args.operatorRuleConfigMaps } : {}),
            },
            { parent: this },
        );
        this.collectorLoadBalancer = new CollectorLoadBalancer(
            `${name}-collector-lb`,
            { namespace: args.namespace, rendered: rendered.collector, image: config.collector.image, podDisruptionBudget: config.podDisruptionBudgets, scratch: args.scratch["otel-collector-lb"] },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
