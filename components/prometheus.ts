import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PrometheusConfig } from "../config/types";
import { PATHS, PORTS, PROMETHEUS_CONFIGMAPS, PROMETHEUS_DIRS } from "../model/components";
import { RenderedFile, RenderedWorkload } from "../render";
import { clusterReadAccount, clusterService, CommonArgs, componentLabels, configMap, disruptionBudget, hardenedContainer, persistentClaim, podSecurityContext, selectorLabels, TMP_MOUNT, TMP_VOLUME } from "./workload";

export interface PrometheusArgs extends CommonArgs {
    /** Validated Prometheus settings of the stack. Defaults to none: required. */
    readonly settings: PrometheusConfig;
    /** Rendered prometheus.yml and container args. Defaults to none: required. */
    readonly workload: RenderedWorkload;
    /** The stack's own rule file; services patch theirs in beside it. Defaults to none: required. */
    readonly stackRules: RenderedFile;
    /** Storage class of the TSDB volume. Defaults to the cluster default. */
    readonly storageClassName?: string;
}

/**
 * Prometheus as a StatefulSet. Config, rule and scrape files live in ConfigMaps that Prometheus
 * re-reads by itself (`auto-reload-config`), so adding a service or an alert never restarts it.
 */
export class Prometheus extends pulumi.ComponentResource {
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly rulesConfigMap: k8s.core.v1.ConfigMap;
    readonly scrapeConfigMap: k8s.core.v1.ConfigMap;

    constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:backends:Prometheus", name, {}, opts);
        const { namespace, settings } = args;
        const labels = componentLabels("prometheus");
        const account = clusterReadAccount(
            `${name}-discovery`,
            "prometheus",
            namespace,
            [
                { apiGroups: [""], resources: ["nodes", "nodes/metrics", "nodes/proxy", "services", "endpoints", "pods"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
                { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
            ],
            this,
        );
        const config = configMap(`${name}-config`, "prometheus-config", "prometheus", namespace, { [args.workload.configFileName]: args.workload.config }, this);
        this.rulesConfigMap = configMap(`${name}-rules`, PROMETHEUS_CONFIGMAPS.rules, "prometheus", namespace, { [args.stackRules.fileName]: args.stackRules.content }, this);
        // Scraped services add their jobs here (scrape_config_files); starts empty.
        this.scrapeConfigMap = configMap(`${name}-scrape`, PROMETHEUS_CONFIGMAPS.scrape, "prometheus", namespace, {}, this);
        const service = clusterService(`${name}-svc`, "prometheus", namespace, [{ name: "http", port: PORTS.prometheus }], this);
        const headless = clusterService(`${name}-headless`, "prometheus", namespace, [{ name: "http", port: PORTS.prometheus }], this, { headless: true, metadataName: "prometheus-headless" });
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
                            terminationGracePeriodSeconds: 120,
                            containers: [
                                hardenedContainer({
                                    name: "prometheus",
                                    image: settings.image,
                                    args: [...args.workload.args],
                                    ports: [{ name: "http", containerPort: PORTS.prometheus }],
                                    resources: settings.resources,
                                    readinessPath: "/-/ready",
                                    livenessPath: "/-/healthy",
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
                                { name: "rules", configMap: { name: this.rulesConfigMap.metadata.name } },
                                { name: "scrape", configMap: { name: this.scrapeConfigMap.metadata.name } },
                                TMP_VOLUME,
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
