/**
 * Facts about the Prometheus Operator the stack runs: the pinned release, the CRDs it installs and
 * their checksums, and the names of what the operator generates. Written once; the CRD loader
 * (`io/operatorCrds.ts`), the components and the tests read them from here.
 */
import versions from "../tools/versions.json";

/** The Go module whose zip carries the CRDs (the proxy serves it; nothing of it is committed here). */
export const OPERATOR_MODULE = versions.images["prometheus-operator"].goModule;
/** The pinned module version: the CRDs and the operator image come from this one release. */
export const OPERATOR_VERSION = versions.images["prometheus-operator"].goVersion;
/** Folder of the module holding one CRD per file (`example/prometheus-operator-crd` at v0.93.0). */
export const OPERATOR_CRD_DIR = "example/prometheus-operator-crd";
/** The API group of every operator object. */
export const MONITORING_GROUP = "monitoring.coreos.com";

export interface OperatorCrdFile {
    /** The CRD's `metadata.name` (`<plural>.monitoring.coreos.com`). */
    readonly name: string;
    /** File name inside `OPERATOR_CRD_DIR`. */
    readonly file: string;
    /** sha256 of the file as the v0.93.0 module zip holds it, hex. */
    readonly sha256: string;
}

/**
 * The CRDs the stack installs: the five kinds of monitoring objects it honours, `PrometheusAgent`
 * (the agent that scrapes them) and `Prometheus`, the one object through which the operator renders
 * rule files (see render/operator.ts). Alertmanager, AlertmanagerConfig and ThanosRuler are left out: the stack runs its
 * own Alertmanager and rule evaluators, and the operator disables a controller whose CRD is absent
 * (it checks each kind's API at start and logs a warning). Checksums computed with `sha256sum` on the
 * files of the module zip at v0.93.0 (go mod download, and the proxy's zip: identical).
 */
export const OPERATOR_CRDS: readonly OperatorCrdFile[] = [
    { name: "podmonitors.monitoring.coreos.com", file: "monitoring.coreos.com_podmonitors.yaml", sha256: "45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d" },
    { name: "probes.monitoring.coreos.com", file: "monitoring.coreos.com_probes.yaml", sha256: "f4ead9704bd4c6303d53e4cc15670faaf0609022a5e08c0ce496286f453666b7" },
    { name: "prometheusagents.monitoring.coreos.com", file: "monitoring.coreos.com_prometheusagents.yaml", sha256: "6bb4afd89a2721ba02327336623344358c57b5a1a2ecaeccd792e0234ef6b612" },
    { name: "prometheuses.monitoring.coreos.com", file: "monitoring.coreos.com_prometheuses.yaml", sha256: "c0eed4b2c38a58e3a5be7e2f5846df067804c694b0c9316b35029ab68fa183a4" },
    { name: "prometheusrules.monitoring.coreos.com", file: "monitoring.coreos.com_prometheusrules.yaml", sha256: "78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d" },
    { name: "scrapeconfigs.monitoring.coreos.com", file: "monitoring.coreos.com_scrapeconfigs.yaml", sha256: "d525ef261d8a3a050528a7d90cecab13f1f3f9020eb0f1f54850b6f5c1f2e641" },
    { name: "servicemonitors.monitoring.coreos.com", file: "monitoring.coreos.com_servicemonitors.yaml", sha256: "a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32" },
];

/** A CRD as read from its file: what `pulumi up` applies (io/operatorCrds.ts reads it, components/operator.ts applies it). */
export type CrdManifest = { readonly metadata: { readonly name: string }; readonly spec: Record<string, unknown> };

/** The kinds whose objects the stack honours, by the `Prometheus` spec fields that select them. */
export const MONITOR_KINDS = {
    ServiceMonitor: "serviceMonitor",
    PodMonitor: "podMonitor",
    Probe: "probe",
    PrometheusRule: "rule",
    ScrapeConfig: "scrapeConfig",
} as const;

/**
 * Name of the `Prometheus` object the stack creates. The operator names what it generates from it:
 * rule ConfigMaps `prometheus-<name>-rulefiles-<n>` (pkg/operator/rules.go, prefix `prometheus-<name>`
 * in pkg/prometheus/server/rules.go at v0.93.0).
 */
export const OPERATOR_PROMETHEUS_NAME = "lgtm";

/** The ConfigMap the operator writes rule shard `n` into. */
export function operatorRuleConfigMapName(shard: number): string {
    return `prometheus-${OPERATOR_PROMETHEUS_NAME}-rulefiles-${shard}`;
}

/**
 * What the operator puts in one rule ConfigMap at most: half the API server's 1 MiB limit
 * (`MaxConfigMapDataSize = MaxSecretSize * 0.5` in pkg/operator/rules.go at v0.93.0). It refuses
 * a single PrometheusRule whose rendered file is larger, and starts a new ConfigMap when the next
 * file would not fit.
 */
export const OPERATOR_RULE_CONFIGMAP_BYTES = 524288;

/**
 * Rule ConfigMaps mounted beyond what the services in config fill: PrometheusRules of other charts
 * and services declared in code (about 4 MiB; kube-prometheus-stack's own charts ship about 0.3 MiB).
 */
export const OPERATOR_RULE_RESERVE = 8;

/**
 * How many operator rule ConfigMaps our Prometheus and Mimir's ruler mount (each optional, so
 * missing ones are empty), for `ownRuleBytes` of the services' own rule files. The operator packs
 * files in name order and re-encodes them: a quarter more bytes than ours is allowed for that, and
 * the total is rounded up to a multiple of the reserve, so adding a service changes the mounts
 * (and restarts the evaluator) only every few megabytes of rules, not per service.
 */
export function operatorRuleConfigMapCount(ownRuleBytes: number): number {
    const own = Math.ceil((ownRuleBytes * 1.25) / OPERATOR_RULE_CONFIGMAP_BYTES);
    return OPERATOR_RULE_RESERVE * Math.ceil((own + OPERATOR_RULE_RESERVE) / OPERATOR_RULE_RESERVE);
}

/** Every operator rule ConfigMap our evaluators mount (optional sources: the ones not written yet are empty). */
export function operatorRuleConfigMapNames(count: number): string[] {
    return Array.from({ length: count }, (_, shard) => operatorRuleConfigMapName(shard));
}

/**
 * The operator's `--controller-id`, carried by our `Prometheus` and `PrometheusAgent` objects as the
 * `operator.prometheus.io/controller-id` annotation. Our operator reconciles only objects carrying
 * it, and an operator started without an id (kube-prometheus-stack's) skips objects that carry one,
 * so the two can run in one cluster without fighting over each other's Prometheus objects.
 */
export const OPERATOR_CONTROLLER_ID = "lgtm-stack";
export const CONTROLLER_ID_ANNOTATION = "operator.prometheus.io/controller-id";

/** The operator's HTTP port (`--web.listen-address` default :8080): its /metrics and /healthz. */
export const OPERATOR_PORT = 8080;

/**
 * Workload names (`app.kubernetes.io/name`) of what the operator feature runs. The agent's pods get
 * `prometheus-agent` from the operator itself (pkg/prometheus/agent, makeSelectorLabels at v0.93.0).
 */
export const OPERATOR_WORKLOADS = { operator: "prometheus-operator", agent: "prometheus-agent" } as const;

/**
 * The containers the operator puts in the agent's pod besides `prometheus`, by the names it gives
 * them: the PrometheusAgent's `containers` and `initContainers` patch them by these names.
 */
export const OPERATOR_AGENT_CONTAINERS = { reloader: "config-reloader", initReloader: "init-config-reloader" } as const;

/** Name of our `PrometheusAgent` object; the operator runs it as StatefulSet `prom-agent-<name>`. */
export const OPERATOR_AGENT_NAME = "lgtm";
