import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PrometheusConfig } from "../config/types";
import { prometheusAccessRules } from "../model/cluster";
import { PATHS, PORTS, PROMETHEUS_DIRS, PROMETHEUS_HEADLESS_SERVICE, prometheusConfigMapNames, PrometheusFileKind } from "../model/components";
import { ScratchSpace } from "../model/ephemeralStorage";
import { RenderedFile, RenderedWorkload } from "../render";
import { clusterReadAccount, clusterService, CommonArgs, componentLabels, configMap, disruptionBudget, hardenedContainer, persistentClaim, podSecurityContext, selectorLabels, spreadAcrossNodes, TMP_MOUNT, tmpVolume, workloadEnv } from "./workload";


/** A fresh replica replays its WAL before it is ready: up to 30 minutes for a large head block. */
const PROMETHEUS_STARTUP_SECONDS = 1800;

/**
 * One projected volume merging every shard's keys into one folder. A projected ConfigMap source is
 * updated in place like a plain ConfigMap volume, so services still arrive without a restart.
 * `optional` ConfigMaps (the operator's rule files, written when PrometheusRules exist) may be
 * missing: the kubelet mounts nothing for them until they appear.
 */
export function shardsVolume(name: string, configMaps: readonly pulumi.Input<string>[], optional: readonly string[] = []): k8s.types.input.core.v1.Volume {
    return {
        name,
        projected: {
            sources: [...configMaps.map((map) => ({ configMap: { name: map } })), ...optional.map((map) => ({ configMap: { name: map, optional: true } }))],
        },
    };
}

export interface PrometheusArgs extends CommonArgs {
    /** Validated Prometheus settings of the stack. Defaults to none: required. */
    readonly settings: PrometheusConfig;
    /** Rendered prometheus.yml and container args. Defaults to none: required. */
    readonly workload: RenderedWorkload;
    /** The stack's own rule file; services patch theirs in beside it. Defaults to none: required. */
    readonly stackRules: RenderedFile;
    /** What of the control plane prometheus.yml scrapes (the API server needs more rights). Defaults to none: required. */
    readonly controlPlane: { readonly apiServer: boolean };
    /** Storage class of the TSDB volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** ConfigMaps the Prometheus Operator writes PrometheusRules into, evaluated beside the stack's rules. Defaults to none. */
    readonly operatorRuleConfigMaps?: readonly string[];
    /** Its scratch space (`rendered.scratch.prometheus`). Defaults to none: required. */
    readonly scratch: ScratchSpace;
}

/**
 * Prometheus as a StatefulSet. Config, rule and scrape files live in ConfigMaps that Prometheus
 * re-reads by itself (`auto-reload-config`), so adding a service or an alert never restarts it.
 */
export class Prometheus extends pulumi.ComponentResource {
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** The rule and scrape ConfigMaps by name, every shard (`prometheus.configMapShards`): services patch their files into them. */
    readonly fileConfigMaps: Readonly<Record<string, k8s.core.v1.ConfigMap>>;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:Prometheus", name, {}, opts);
        const { namespace, settings } = args;
        const labels = componentLabels("prometheus");
        const account = clusterReadAccount(
            `${name}-discovery`,
            "prometheus",
            namespace,
            prometheusAccessRules(args.controlPlane) as k8s.types.input.rbac.v1.PolicyRule[],
            this,
        );
        const config = configMap(`${name}-config`, "prometheus-config", "prometheus", namespace, { [args.workload.configFileName]: args.workload.config }, this);
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
        const service = clusterService(`${name}-svc`, "prometheus", namespace, [{ name: "http", port: PORTS.prometheus }], this, {
            sessionAffinity: settings.replicas > 1 ? "ClientIP" : undefined,
        });
        // Gives each replica its own DNS name, where the Collector and Tempo push to every replica.
        const headless = clusterService(`${name}-headless`, "prometheus", namespace, [{ name: "http", port: PORTS.prometheus }], this, {
            headless: true,
            metadataName: PROMETHEUS_HEADLESS_SERVICE,
        });
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-sts`,
            {
                metadata: { name: "prometheus", namespace, labels },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: settings.replicas,
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: selectorLabels("prometheus") },
                    template: {
                        // No config checksum: Prometheus re-reads prometheus.yml itself (auto-reload-config), so a change needs no restart.
                        metadata: { labels },
                        spec: {
                            serviceAccountName: account.metadata.name,
                            securityContext: podSecurityContext(65534),
                            ...(settings.replicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("prometheus") } : {}),
                            terminationGracePeriodSeconds: 120,
                            containers: [
                                hardenedContainer({
                                    name: "prometheus",
                                    image: settings.image,
                                    args: [...args.workload.args],
                                    ...(workloadEnv(args.workload).length > 0 ? { env: workloadEnv(args.workload) } : {}),
                                    ports: [{ name: "http", containerPort: PORTS.prometheus }],
                                    resources: settings.resources,
                                    scratch: args.scratch,
                                    readinessPath: "/-/ready",
                                    livenessPath: "/-/healthy",
                                    startupSeconds: PROMETHEUS_STARTUP_SECONDS,
                                    volumeMounts: [
                                        { name: "config", mountPath: args.workload.configDir, readOnly: true },
                                        { name: "rules", mountPath: `${args.workload.configDir}/${PROMETHEUS_DIRS.rules}`, readOnly: true },
                                        { name: "scrape", mountPath: `${args.workload.configDir}/${PROMETHEUS_DIRS.scrape}`, readOnly: true },
                                        { name: "data", mountPath: PATHS.prometheusData },
                                        TMP_MOUNT,
                                    ],
                                }),
                            ],
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                // Every shard of a kind in one folder: rule_files and scrape_config_files glob it whatever the shard count.
                                shardsVolume("rules", rules.map((map) => map.metadata.name), args.operatorRuleConfigMaps),
                                shardsVolume("scrape", scrape.map((map) => map.metadata.name)),
                                tmpVolume(args.scratch),
                            ],
                        },
                    },
                    volumeClaimTemplates: [persistentClaim("data", settings.persistence.size, args.storageClassName)],
                },
            },
            { parent: this },
        );
        disruptionBudget(name, "prometheus", settings.replicas, args, this);
        this.registerOutputs({ statefulSet: this.statefulSet, service });
    }
}
