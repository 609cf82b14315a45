import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSecrets } from "../io/pulumiConfig";
import { ALERTMANAGER_SECRET_KEYS } from "../config/keys";
import { StackConfig } from "../config/types";
import { CrdManifest } from "../model/operator";
import { LOKI_RULES } from "../model/components";
import { ComponentPod, RenderedStack } from "../render";
import { SingleBinary } from "../render/pods";
import { Alertmanager } from "./alertmanager";
import { OtelCollector } from "./collector";
import { DistributedBackends } from "./distributed";
import { stackGrafana } from "./grafanaProvisioning";
import { ClusterExporters } from "./infrastructure";
import { NetworkPolicies } from "./networkPolicies";
import { KUBE_STATE_METRICS_POLICY } from "../render/networkPolicies";
import { ObservedService, ServiceTarget } from "./observedService";
import { BlackboxExporter } from "./blackbox";
import { PrometheusOperator } from "./operator";
import { Prometheus } from "./prometheus";
import { SingleBinaryBackend } from "./singleBinary";
import { componentLabels, podSecurityLabels } from "./workload";

export interface LgtmStackArgs {
    /** Validated stack config. Defaults to none: required. */
    readonly config: StackConfig;
    /** Everything rendered from the config (`renderStack`). Defaults to none: required. */
    readonly rendered: RenderedStack;
    /** Credentials as Pulumi secrets. Defaults to none configured. */
    readonly secrets: StackSecrets;
    /** The Prometheus Operator's CRDs at the pinned release (`loadOperatorCrds()`), applied with `operator.crds: install`. Defaults to none. */
    readonly operatorCrds?: pulumi.Input<readonly CrdManifest[]>;
}

/**
 * The whole observability stack in one namespace, plus one ObservedService per configured service.
 * A Kubernetes provider passed in `opts` (`provider` or `providers`) is used for every child; it
 * must set `enableConfigMapMutable: true` (see below). Defaults to a provider of its own.
 */
export class LgtmStack extends pulumi.ComponentResource {
    readonly serviceTarget: ServiceTarget;
    /** The in-cluster Grafana's admin password, a secret; undefined with `grafana.mode: external`. */
    readonly grafanaAdminPassword: pulumi.Output<string> | undefined;
    readonly namespace: string;

    constructor(name: string, args: LgtmStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:stack:LgtmStack", name, {}, opts);
        const { config, rendered, secrets } = args;
        const { workloads } = rendered;
        // ConfigMaps are updated in place (not replaced): a config change then rolls exactly the pod
        // whose checksum changed, and the shared rule ConfigMaps keep the keys services patched in.
        const kubernetes = this.getProvider("kubernetes::") ?? new k8s.Provider(`${name}-kubernetes`, { enableConfigMapMutable: true }, { parent: this });
        const child = { parent: this, providers: { kubernetes } };
        const ns = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: config.namespace,
                    // The operator's namespace selector picks the stack's own namespace too (its services' objects live here).
                    labels: { ...(config.operator.enabled ? config.operator.namespaceSelector : {}), ...componentLabels("lgtm-stack"), ...podSecurityLabels("restricted") },
                },
            },
            { parent: this, provider: kubernetes },
        );
        this.namespace = config.namespace;
        // The node agents' own namespace: the one place privileged pods (hostPath volumes) are admitted.
        const agentNamespace = config.collector.agentEnabled
            ? new k8s.core.v1.Namespace(
                  `${name}-agent-namespace`,
                  { metadata: { name: config.agentNamespace, labels: { ...componentLabels("lgtm-stack"), ...podSecurityLabels("privileged") } } },
                  { parent: this, provider: kubernetes },
              ).metadata.name
            : undefined;
        const common = { namespace: ns.metadata.name, podDisruptionBudget: config.podDisruptionBudgets };
        const prometheus = new Prometheus(
            `${name}-prometheus`,
            {
                namespace: ns.metadata.name,
                settings: config.prometheus,
                workload: workloads.prometheus,
                pod: rendered.pods.prometheus,
                stackRules: rendered.stackRuleFile,
                controlPlane: config.cluster.controlPlane,
            },
            child,
        );
        new Alertmanager(
            `${name}-alertmanager`,
            {
                namespace: ns.metadata.name,
                workload: workloads.alertmanager,
                pod: rendered.pods.alertmanager,
                credentials: Object.fromEntries(ALERTMANAGER_SECRET_KEYS.map((key) => [key, secrets[key]])),
                teamRoutingKeys: secrets.pagerdutyTeamRoutingKeys,
            },
            child,
        );
        // Each engine its own credentials, and only where it stores in a bucket.
        const objectStorage = (engine: SingleBinary, type: string) => (type === "s3" ? secrets.objectStorage?.[engine] : undefined);
        // The services' log alerts, for Loki's ruler (monolith or ruler tier). Always there, so the first
        // log alert changes only this ConfigMap's data, which the ruler re-reads at its next poll.
        new k8s.core.v1.ConfigMap(
            `${name}-loki-rules`,
            { metadata: { name: LOKI_RULES.configMap, namespace: ns.metadata.name, labels: componentLabels("loki") }, data: { ...rendered.lokiRules } },
            { parent: this, provider: kubernetes },
        );
        if (rendered.topology) {
            // topology: distributed: Loki, Tempo and Mimir in their scale-out modes replace the monoliths.
            new DistributedBackends(
                `${name}-distributed`,
                {
                    config,
                    rendered: rendered.topology,
                    namespace: ns.metadata.name,
                    objectStorage: secrets.objectStorage ?? {},
                    pods: rendered.pods,
                },
                child,
            );
        }
        for (const [backend, pod] of Object.entries(rendered.pods.singleBinaries ?? {}) as [SingleBinary, ComponentPod][]) {
            new SingleBinaryBackend(backend, `${name}-${backend}`, { namespace: ns.metadata.name, workload: workloads[backend], pod, objectStorage: objectStorage(backend, config[backend].storage.type) }, child);
        }
        new OtelCollector(
            `${name}-collector`,
            {
                namespace: ns.metadata.name,
                pods: rendered.pods.collector,
                gateway: workloads["otel-collector"],
                agent: workloads["otel-agent"],
                agentNamespace,
            },
            child,
        );
        const operator = rendered.operator
            ? new PrometheusOperator(
                  `${name}-operator`,
                  { namespace: ns.metadata.name, rendered: rendered.operator, pod: rendered.clusterPods.operator!, crds: args.operatorCrds },
                  child,
              )
            : undefined;
        if (rendered.blackbox) {
            new BlackboxExporter(`${name}-blackbox`, { namespace: ns.metadata.name, rendered: rendered.blackbox }, child);
        }
        // node-exporter (with the node-level DaemonSets) and kube-state-metrics: the cluster's own signals.
        const exporters = new ClusterExporters(`${name}-exporters`, { namespace: ns.metadata.name, pods: rendered.clusterPods, agentNamespace }, child);
        const grafana = stackGrafana(`${name}-grafana`, { config, rendered, secrets, common }, child);
        this.grafanaAdminPassword = grafana.adminPassword;
        if (config.networkPolicies) {
            new NetworkPolicies(
                `${name}-network`,
                {
                    namespace: ns.metadata.name,
                    policies: rendered.networkPolicies,
                    urls: { webhookUrl: secrets.webhookUrl, heartbeatUrl: secrets.heartbeatUrl },
                    // kube-state-metrics's policy was the exporters' child until it joined the others: an existing stack keeps it, not replaces it.
                    aliases: { [KUBE_STATE_METRICS_POLICY]: [{ name: `${name}-exporters-${KUBE_STATE_METRICS_POLICY}`, parent: exporters }] },
                },
                child,
            );
            if (agentNamespace) {
                new NetworkPolicies(`${name}-agent-network`, { namespace: agentNamespace, policies: rendered.agentNetworkPolicies }, child);
            }
        }
        this.serviceTarget = {
            namespace: config.namespace,
            prometheusConfigMaps: prometheus.fileConfigMaps,
            grafana: grafana.serviceTarget,
            ...(operator ? { operator: { namespace: config.namespace, labels: config.operator.selector, dependsOn: [...operator.crds, ns], servicesAsObjects: rendered.operator!.servicesAsObjects } } : {}),
        };
        // prometheus.shareServiceRules: the rule groups services of one shape share, beside the services' own objects.
        for (const group of rendered.sharedRules) {
            new k8s.apiextensions.CustomResource(
                `${name}-${group.name}`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: group.name, namespace: config.namespace, labels: { ...config.operator.selector, ...componentLabels(group.name) } },
                    spec: group.prometheusRule.spec,
                },
                { parent: this, provider: kubernetes, dependsOn: [...operator!.crds, ns] },
            );
        }
        for (const service of rendered.services) {
            new ObservedService(`${name}-${service.name}`, { target: this.serviceTarget, service }, child);
        }
        this.registerOutputs({ namespace: this.namespace, grafanaAdminPassword: this.grafanaAdminPassword });
    }
}
