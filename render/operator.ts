/**
 * What the Prometheus Operator is told to do: its arguments, the `PrometheusAgent` that scrapes the
 * cluster's ServiceMonitors, PodMonitors, Probes and ScrapeConfigs, and the `Prometheus` object
 * through which it turns PrometheusRules into rule files. Pure: components/operator.ts wires it.
 *
 * The split: the operator renders, our evaluators evaluate. The agent (Prometheus in agent mode,
 * run by the operator) scrapes what the monitors select and remote-writes every sample where the
 * stack's metrics live: each Prometheus replica's remote-write receiver (single), Mimir's
 * distributor (distributed). The rules object has no replicas: the operator only writes the
 * selected PrometheusRules into ConfigMaps `prometheus-lgtm-rulefiles-<n>`, which our Prometheus
 * (single) or Mimir's ruler (distributed) mounts beside the stack's own rules, so third-party rules
 * see every series and their alerts reach our Alertmanager with their labels as written.
 *
 * The stack's services go the same way: each becomes a PrometheusRule (and a PodMonitor when it is
 * scraped) in the stack's namespace, carrying the selector's labels, beside its Probes.
 */
import { ServiceSpec, StackConfig } from "../config/types";
import { RuleGroup } from "../alerts/model";
import { Endpoints, prometheusPushTargets } from "../model/components";
import { componentLabels, PART_OF, selectorLabels } from "../model/labels";
import { CONTROLLER_ID_ANNOTATION, OPERATOR_AGENT_CONTAINERS, OPERATOR_CONTROLLER_ID, OPERATOR_PORT, OPERATOR_RULE_CONFIGMAP_BYTES, OPERATOR_WORKLOADS, operatorRuleConfigMapCount, operatorRuleConfigMapNames } from "../model/operator";
import { withScratch } from "../model/ephemeralStorage";
import { HA_LABELS } from "../model/haIngest";
import { distributedEndpoints, TENANT_HEADER } from "../model/topology";
import { RenderedScratch } from "./ephemeralStorage";
import type { DisruptionBudget } from "./podSpec";
import { tenancyOf } from "./topology/tenancy";

export interface RenderedOperator {
    /** `install`: the stack applies the pinned CRDs; `external`: another tool owns them. */
    readonly crds: "install" | "external";
    /** The operator container's arguments. */
    readonly args: readonly string[];
    /** Annotations every object the operator should reconcile carries. */
    readonly annotations: Readonly<Record<string, string>>;
    /** `spec` of the `PrometheusAgent` (monitoring.coreos.com/v1alpha1). */
    readonly agentSpec: Readonly<Record<string, unknown>>;
    /**
     * The agent's PodDisruptionBudget with `podDisruptionBudgets` and two or more replicas: one pod
     * stays through a drain. The operator makes no budget of its own; the agent's pods carry its name
     * label (model/operator.ts). Absent otherwise.
     */
    readonly agentBudget?: DisruptionBudget;
    /** `spec` of the rules-only `Prometheus` (monitoring.coreos.com/v1). */
    readonly rulesSpec: Readonly<Record<string, unknown>>;
    /** The operator's rule ConfigMaps our evaluator mounts: enough for the services' own rules plus a reserve. */
    readonly ruleConfigMaps: readonly string[];
    /** Whether the stack's services are PrometheusRule and PodMonitor objects ({@link servicesAsOperatorObjects}). */
    readonly servicesAsObjects: boolean;
}

/**
 * Whether the stack's services are PrometheusRule and PodMonitor objects: with the operator, except
 * with `topology.tenants`, where Prometheus splits the series by tenant and each tenant's ruler
 * folder takes its own services' rule files, which one set of operator ConfigMaps cannot give; there
 * the services keep their files in the stack's ConfigMaps, and other charts' objects go to the
 * default tenant.
 */
export function servicesAsOperatorObjects(config: StackConfig): boolean {
    return config.operator.enabled && tenancyOf(config) === undefined;
}

/** A monitoring object of one of the stack's own services (it lives in the stack's namespace). */
export interface RenderedMonitoringObject {
    readonly name: string;
    readonly spec: Readonly<Record<string, unknown>>;
}

/**
 * A service's rules as a PrometheusRule: the same groups as its rule file, field for field (the
 * CRD's rule group and rule fields carry Prometheus's own names). The operator refuses one whose
 * file is over its ConfigMap size, so it is refused here first, at preview.
 */
export function servicePrometheusRule(service: ServiceSpec, groups: readonly RuleGroup[], fileBytes: number): RenderedMonitoringObject {
    if (fileBytes > OPERATOR_RULE_CONFIGMAP_BYTES) {
        throw new Error(
            `service "${service.name}": its rules are ${fileBytes} bytes, over the ${OPERATOR_RULE_CONFIGMAP_BYTES} bytes the Prometheus Operator puts in one rule ConfigMap ` +
                `(it never splits a PrometheusRule); give the service fewer SLOs, saturation checks or alerts, or split it into two services`,
        );
    }
    return { name: service.name, spec: { groups } };
}

/**
 * A scraped service's pods as a PodMonitor: its pod selector, in its namespace, on its metrics
 * port and path. The operator labels each target with namespace, pod, container and endpoint and
 * names the job `<namespace>/<name>`; the relabelings after it set the job and `service` to the
 * service's name (the SLO rules select on them) and add the node, as the stack's other jobs do.
 */
export function servicePodMonitor(service: ServiceSpec): RenderedMonitoringObject | undefined {
    const { discovery } = service;
    if (discovery.kind !== "scrape") {
        return undefined;
    }
    return {
        name: service.name,
        spec: {
            selector: { matchLabels: { ...discovery.selector } },
            namespaceSelector: { matchNames: [service.namespace] },
            podMetricsEndpoints: [
                {
                    port: discovery.port,
                    path: discovery.path,
                    relabelings: [
                        { action: "replace", targetLabel: "job", replacement: service.name },
                        { action: "replace", targetLabel: "service", replacement: service.name },
                        { action: "replace", sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" },
                    ],
                },
            ],
        },
    };
}

/** A label selector as the operator's CRDs take it; `{}` selects everything. */
function selector(labels: Readonly<Record<string, string>>): Record<string, unknown> {
    return Object.keys(labels).length === 0 ? {} : { matchLabels: { ...labels } };
}

/** Where the agent remote-writes: every Prometheus replica (as Tempo does), or Mimir's distributor. */
function remoteWriteUrls(config: StackConfig, endpoints: Endpoints): string[] {
    if (config.topology.kind === "distributed") {
        return [distributedEndpoints(config.namespace).mimirPush];
    }
    return prometheusPushTargets(endpoints).map((url) => `${url}/api/v1/write`);
}

/**
 * How many agents scrape, and the labels they add. Single: one, and the series arrive as if our
 * Prometheus had scraped them (no `prometheus` or `prometheus_replica` label that
 * kube-prometheus-stack's queries would not expect). Distributed: as many as Prometheus replicas,
 * an HA pair whose samples Mimir deduplicates like Prometheus's (model/haIngest.ts): the operator sets
 * the pair label to `<namespace>/<agent>` and the replica label to the pod's name.
 */
function agentReplicas(config: StackConfig) {
    if (config.topology.kind !== "distributed") {
        return { replicas: 1, prometheusExternalLabelName: "", replicaExternalLabelName: "" };
    }
    // Spread as our own StatefulSets are (components/workload.ts spreadAcrossNodes); `OnResource`
    // makes the operator select this agent's pods (pkg/prometheus/common.go MakeK8sTopologySpreadConstraint at v0.93.0).
    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({ maxSkew: 1, topologyKey, whenUnsatisfiable, additionalLabelSelectors: "OnResource" });
    return {
        replicas: config.prometheus.replicas,
        prometheusExternalLabelName: HA_LABELS.cluster,
        replicaExternalLabelName: HA_LABELS.replica,
        ...(config.prometheus.replicas > 1 ? { topologySpreadConstraints: [spread("kubernetes.io/hostname", "DoNotSchedule"), spread("topology.kubernetes.io/zone", "ScheduleAnyway")] } : {}),
    };
}

/** `ownRuleBytes`: the rule files of the services in config, which reach the evaluator through the operator. */
export function renderOperator(config: StackConfig, endpoints: Endpoints, ownRuleBytes: number, scratch: RenderedScratch): RenderedOperator | undefined {
    const { operator } = config;
    if (!operator.enabled) {
        return undefined;
    }
    const objects = selector(operator.selector);
    const tenancy = tenancyOf(config);
    const namespaces = selector(operator.namespaceSelector);
    const agent = agentReplicas(config);
    const image = (ref: { repository: string; tag: string }) => `${ref.repository}:${ref.tag}`;
    return {
        crds: operator.crds,
        args: [
            `--controller-id=${OPERATOR_CONTROLLER_ID}`,
            // Prometheus objects are ours only: everything the operator creates (StatefulSets,
            // Secrets, ConfigMaps) stays in the stack's namespace, so its write access can too.
            `--prometheus-instance-namespaces=${config.namespace}`,
            `--alertmanager-instance-namespaces=${config.namespace}`,
            `--thanos-ruler-instance-namespaces=${config.namespace}`,
            `--prometheus-config-reloader=${image(operator.reloaderImage)}`,
            `--web.listen-address=:${OPERATOR_PORT}`,
        ],
        annotations: { [CONTROLLER_ID_ANNOTATION]: OPERATOR_CONTROLLER_ID },
        ...(config.podDisruptionBudgets && agent.replicas >= 2
            ? { agentBudget: { name: OPERATOR_WORKLOADS.agent, labels: componentLabels(OPERATOR_WORKLOADS.agent), selector: selectorLabels(OPERATOR_WORKLOADS.agent) } }
            : {}),
        agentSpec: {
            image: image(operator.agentImage),
            version: operator.agentImage.tag,
            ...agent,
            serviceAccountName: OPERATOR_WORKLOADS.agent,
            scrapeInterval: config.prometheus.scrapeInterval,
            serviceMonitorSelector: objects,
            serviceMonitorNamespaceSelector: namespaces,
            podMonitorSelector: objects,
            podMonitorNamespaceSelector: namespaces,
            probeSelector: objects,
            probeNamespaceSelector: namespaces,
            scrapeConfigSelector: objects,
            scrapeConfigNamespaceSelector: namespaces,
            // topology.tenants: Mimir then refuses a write without a tenant; other charts' series go to the default one.
            remoteWrite: remoteWriteUrls(config, endpoints).map((url) => ({ url, ...(tenancy ? { headers: { [TENANT_HEADER]: tenancy.defaultTenant } } : {}) })),
            // Scratch space (model/ephemeralStorage.ts): the WAL's emptyDir is bounded, and every
            // container the operator makes requests and is limited to its share; `containers` and
            // `initContainers` are strategic-merge patches of the operator's own, by name.
            storage: { emptyDir: { sizeLimit: scratch["prometheus-agent"].data } },
            resources: withScratch(operator.agentResources, scratch["prometheus-agent"]),
            containers: [{ name: OPERATOR_AGENT_CONTAINERS.reloader, resources: withScratch({}, scratch["prometheus-config-reloader"]) }],
            initContainers: [{ name: OPERATOR_AGENT_CONTAINERS.initReloader, resources: withScratch({}, scratch["prometheus-config-reloader"]) }],
            podMetadata: { labels: { "app.kubernetes.io/part-of": PART_OF } },
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        },
        rulesSpec: {
            image: image(config.prometheus.image),
            version: config.prometheus.image.tag,
            // No pods: the operator still writes the selected rules into its rule ConfigMaps.
            replicas: 0,
            ruleSelector: objects,
            ruleNamespaceSelector: namespaces,
        },
        ruleConfigMaps: operatorRuleConfigMapNames(operatorRuleConfigMapCount(ownRuleBytes)),
        servicesAsObjects: servicesAsOperatorObjects(config),
    };
}
