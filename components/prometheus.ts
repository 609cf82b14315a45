import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PrometheusConfig } from "../config/types";
import { prometheusAccessRules } from "../model/cluster";
import { PROMETHEUS_HEADLESS_SERVICE, prometheusConfigMapNames, PrometheusFileKind } from "../model/components";
import { ComponentPod, RenderedFile, RenderedWorkload } from "../render";
import { configMapName } from "../render/podSpec";
import { clusterReadAccount, clusterService, configMap, podDisruptionBudget, podPorts, podWorkload } from "./workload";

export interface PrometheusArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** Validated Prometheus settings of the stack (its shard and replica counts). Defaults to none: required. */
    readonly settings: PrometheusConfig;
    /** Rendered prometheus.yml and container args. Defaults to none: required. */
    readonly workload: RenderedWorkload;
    /** Its pod, described (`rendered.pods.prometheus`). Defaults to none: required. */
    readonly pod: ComponentPod;
    /** The stack's own rule file; services patch theirs in beside it. Defaults to none: required. */
    readonly stackRules: RenderedFile;
    /** What of the control plane prometheus.yml scrapes (the API server needs more rights). Defaults to none: required. */
    readonly controlPlane: { readonly apiServer: boolean };
}

/**
 * Prometheus as a StatefulSet. Config, rule and scrape files live in ConfigMaps that Prometheus
 * re-reads by itself (`auto-reload-config`), so adding a service or an alert never restarts it.
 */
export class Prometheus extends pulumi.ComponentResource {
    readonly statefulSet: pulumi.CustomResource;
    /** The rule and scrape ConfigMaps by name, every shard (`prometheus.configMapShards`): services patch their files into them. */
    readonly fileConfigMaps: Readonly<Record<string, k8s.core.v1.ConfigMap>>;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:Prometheus", name, {}, opts);
        const { namespace, settings } = args;
        const { pod } = args.pod;
        const account = clusterReadAccount(
            `${name}-discovery`,
            "prometheus",
            namespace,
            prometheusAccessRules(args.controlPlane) as k8s.types.input.rbac.v1.PolicyRule[],
            this,
        );
        const config = configMap(`${name}-config`, configMapName("prometheus"), "prometheus", namespace, { [args.workload.configFileName]: args.workload.config }, this);
        // The stack's own rules live in rule shard 0; services patch theirs into the shard their name
        // hashes to, and scraped services their jobs into the scrape shard (scrape_config_files).
        // Shard 0 keeps the unsharded name and resource name, so raising the count creates the others beside it.
        const fileConfigMaps: Record<string, k8s.core.v1.ConfigMap> = {};
        const shardMaps = (kind: PrometheusFileKind, first: Record<string, string>) =>
            prometheusConfigMapNames(kind, settings.configMapShards).map(
                (mapName, shard) => (fileConfigMaps[mapName] = configMap(shard === 0 ? `${name}-${kind}` : `${name}-${kind}-${shard}`, mapName, "prometheus", namespace, shard === 0 ? first : {}, this)),
            );
        const rules = shardMaps("rules", { [args.stackRules.fileName]: args.stackRules.content });
        const scrape = shardMaps("scrape", {});
        this.fileConfigMaps = fileConfigMaps;
        // Queries (Grafana) go through this Service. The replicas of an HA pair scrape and evaluate on
        // their own clocks, so their answers differ by a few samples: ClientIP affinity keeps each
        // client on one replica, so a dashboard never mixes the two (and flickers) between refreshes.
        const service = clusterService(`${name}-svc`, "prometheus", namespace, podPorts(pod), this, {
            sessionAffinity: settings.replicas > 1 ? "ClientIP" : undefined,
        });
        // Gives each replica its own DNS name, where the Collector and Tempo push to every replica.
        const headless = clusterService(`${name}-headless`, "prometheus", namespace, podPorts(pod), this, {
            headless: true,
            metadataName: PROMETHEUS_HEADLESS_SERVICE,
        });
        this.statefulSet = podWorkload(`${name}-sts`, pod, { namespace, parent: this, dependsOn: [account, config, ...rules, ...scrape, headless] });
        podDisruptionBudget(`${name}-pdb`, args.pod.budget, namespace, this);
        this.registerOutputs({ statefulSet: this.statefulSet, service });
    }
}
