/**
 * Each workload's pod, described once as plain data: its containers with their ports by name,
 * probes, mounts, environment, resources and security; its volumes, labels, replicas, spreading,
 * disruption budget and autoscaler. One generic builder (components/workload.ts `podWorkload`)
 * turns a description into a StatefulSet, Deployment or DaemonSet; the Services take their ports
 * from it, and the NetworkPolicies' ports are checked against it (test/podDescriptions.test.ts). A
 * new backend is a new description here, not a new skeleton in components/.
 *
 * Here: Prometheus, Alertmanager, Loki and Tempo as one binary, and every distributed engine's
 * tiers; the Collector's pods are in render/collectorPods.ts. The shapes and the hardening every
 * container shares are in render/podSpec.ts.
 */
import { ImageRef, LokiConfig, StackConfig, TempoConfig } from "../config/types";
import { CONFIG_CHECKSUM_ANNOTATION, LOKI_RULES, METRICS_PORT_NAME, PATHS, PORTS, PROMETHEUS_DIRS, PROMETHEUS_HEADLESS_SERVICE, prometheusConfigMapNames } from "../model/components";
import { ScratchSpace, ScratchWorkload } from "../model/ephemeralStorage";
import { componentLabels, GOSSIP_LABEL, Labels, NODE_ZONE_LABEL, selectorLabels, tierSelectorLabels, ZONE_LABEL } from "../model/labels";
import { Engine, headlessName, httpPort, MIMIR_RULES, tierName, TOPOLOGY_PATHS, TOPOLOGY_PORTS } from "../model/topology";
import type { RenderedScratch } from "./ephemeralStorage";
import type { RenderedEngine, RenderedTier, RenderedTopology, RenderedZone, TenantRules } from "./topology";
import type { RenderedWorkload } from "./workloads";
import { type Autoscaler, COMPONENT_PORTS, componentBudget, type ComponentPod, configMapName, type ContainerPort, dataEmptyDir, type DisruptionBudget, hardenedContainer, HPA_CPU_UTILIZATION, persistentClaim, type PodDescription, podSecurityContext, type PodSpec, shardsVolume, spreadAcrossNodes, spreadOver, TMP_MOUNT, tmpVolume, type TopologySpreadConstraint, type Volume, workloadEnv } from "./podSpec";
import { type CollectorPods, collectorPods } from "./collectorPods";

// ---- Alertmanager and Prometheus ----

/** The Secret holding Alertmanager's receiver credentials as files. */
export const ALERTMANAGER_CREDENTIALS_SECRET = "alertmanager-credentials";
/** Alertmanager's headless Service: peers find each other through it before they are ready. */
export const ALERTMANAGER_PEERS_SERVICE = "alertmanager-peers";

/** Alertmanager as a StatefulSet; with more than one replica the peers gossip as a cluster. */
export function alertmanagerPod(config: StackConfig, workload: RenderedWorkload, scratch: ScratchSpace): ComponentPod {
    const settings = config.alertmanager;
    const labels = componentLabels("alertmanager");
    return {
        pod: {
            kind: "StatefulSet",
            name: "alertmanager",
            labels,
            selector: selectorLabels("alertmanager"),
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: workload.checksum },
            replicas: settings.replicas,
            serviceName: ALERTMANAGER_PEERS_SERVICE,
            parallel: true,
            spec: {
                securityContext: podSecurityContext(65534),
                // Alertmanager never calls the Kubernetes API: no token in the pod.
                automountServiceAccountToken: false,
                ...(settings.replicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("alertmanager") } : {}),
                containers: [
                    hardenedContainer({
                        name: "alertmanager",
                        image: settings.image,
                        args: [...workload.args],
                        env: workloadEnv(workload),
                        ports: [...COMPONENT_PORTS.alertmanager],
                        resources: settings.resources,
                        scratch,
                        readinessPath: "/-/ready",
                        livenessPath: "/-/healthy",
                        volumeMounts: [
                            { name: "config", mountPath: workload.configDir, readOnly: true },
                            { name: "credentials", mountPath: PATHS.alertmanagerSecretsDir, readOnly: true },
                            { name: "data", mountPath: PATHS.alertmanagerData },
                            TMP_MOUNT,
                        ],
                    }),
                ],
                volumes: [
                    { name: "config", configMap: { name: configMapName("alertmanager") } },
                    { name: "credentials", secret: { secretName: ALERTMANAGER_CREDENTIALS_SECRET } },
                    ...dataEmptyDir(scratch),
                    tmpVolume(scratch),
                ],
            },
            volumeClaimTemplates: settings.persistence.enabled ? [persistentClaim("data", settings.persistence.size, config.storageClassName)] : [],
        },
        budget: componentBudget(config, "alertmanager", settings.replicas),
    };
}

/** A fresh replica replays its WAL before it is ready: up to 30 minutes for a large head block. */
const PROMETHEUS_STARTUP_SECONDS = 1800;

/**
 * Prometheus as a StatefulSet. Config, rule and scrape files live in ConfigMaps that Prometheus
 * re-reads by itself (`auto-reload-config`), so adding a service or an alert never restarts it.
 * `operatorRuleConfigMaps`: the ConfigMaps the Prometheus Operator writes PrometheusRules into,
 * evaluated beside the stack's rules (single topology with the operator).
 */
export function prometheusPod(config: StackConfig, workload: RenderedWorkload, scratch: ScratchSpace, operatorRuleConfigMaps?: readonly string[]): ComponentPod {
    const settings = config.prometheus;
    const labels = componentLabels("prometheus");
    const env = workloadEnv(workload);
    return {
        pod: {
            kind: "StatefulSet",
            name: "prometheus",
            labels,
            selector: selectorLabels("prometheus"),
            // No config checksum: Prometheus re-reads prometheus.yml itself (auto-reload-config), so a change needs no restart.
            replicas: settings.replicas,
            serviceName: PROMETHEUS_HEADLESS_SERVICE,
            parallel: true,
            spec: {
                // Its cluster-read service account (service discovery) has the component's name.
                serviceAccountName: "prometheus",
                securityContext: podSecurityContext(65534),
                ...(settings.replicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("prometheus") } : {}),
                terminationGracePeriodSeconds: 120,
                containers: [
                    hardenedContainer({
                        name: "prometheus",
                        image: settings.image,
                        args: [...workload.args],
                        ...(env.length > 0 ? { env } : {}),
                        ports: [...COMPONENT_PORTS.prometheus],
                        resources: settings.resources,
                        scratch,
                        readinessPath: "/-/ready",
                        livenessPath: "/-/healthy",
                        startupSeconds: PROMETHEUS_STARTUP_SECONDS,
                        volumeMounts: [
                            { name: "config", mountPath: workload.configDir, readOnly: true },
                            { name: "rules", mountPath: `${workload.configDir}/${PROMETHEUS_DIRS.rules}`, readOnly: true },
                            { name: "scrape", mountPath: `${workload.configDir}/${PROMETHEUS_DIRS.scrape}`, readOnly: true },
                            { name: "data", mountPath: PATHS.prometheusData },
                            TMP_MOUNT,
                        ],
                    }),
                ],
                volumes: [
                    { name: "config", configMap: { name: configMapName("prometheus") } },
                    // Every shard of a kind in one folder: rule_files and scrape_config_files glob it whatever the shard count.
                    shardsVolume("rules", prometheusConfigMapNames("rules", settings.configMapShards), operatorRuleConfigMaps),
                    shardsVolume("scrape", prometheusConfigMapNames("scrape", settings.configMapShards)),
                    tmpVolume(scratch),
                ],
            },
            volumeClaimTemplates: [persistentClaim("data", settings.persistence.size, config.storageClassName)],
        },
        budget: componentBudget(config, "prometheus", settings.replicas),
    };
}

// ---- Loki and Tempo as one binary ----

/** Replaying the WAL and joining the ring take minutes after a crash with a large backlog. */
const SINGLE_BINARY_STARTUP_SECONDS = 600;

/** The backends that run as one binary in the single topology. */
export const SINGLE_BINARIES = ["loki", "tempo"] as const;
export type SingleBinary = (typeof SINGLE_BINARIES)[number];

/** Loki's, Tempo's and Mimir's images run as this user, as one binary and as tiers alike. */
const ENGINE_UID = 10001;

/** What sets one single-binary backend apart from another: its ports and data path, and its rendered config. */
interface BackendShape {
    readonly dataDir: string;
    /** A ConfigMap mounted read-only at a path of its own (Loki's rule files). */
    readonly extraConfigMap?: { readonly name: string; readonly mountPath: string };
}

const SINGLE_BINARY_SHAPES: Readonly<Record<SingleBinary, BackendShape>> = {
    loki: {
        dataDir: PATHS.lokiData,
        extraConfigMap: { name: LOKI_RULES.configMap, mountPath: `${LOKI_RULES.directory}/${LOKI_RULES.tenant}` },
    },
    tempo: { dataDir: PATHS.tempoData },
};

/** Loki or Tempo in monolithic mode: one replica in a StatefulSet; scale out means the distributed topology. */
export function singleBinaryPod(config: StackConfig, component: SingleBinary, workload: RenderedWorkload, scratch: ScratchSpace): ComponentPod {
    const shape = SINGLE_BINARY_SHAPES[component];
    const settings: LokiConfig | TempoConfig = config[component];
    const { extraConfigMap } = shape;
    return {
        pod: {
            kind: "StatefulSet",
            name: component,
            labels: componentLabels(component),
            selector: selectorLabels(component),
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: workload.checksum },
            // Monolithic mode: one replica; scale out means the microservices deployment mode.
            replicas: 1,
            serviceName: headlessServiceName(component),
            spec: {
                securityContext: podSecurityContext(ENGINE_UID),
                // Loki and Tempo never call the Kubernetes API: no token in the pod.
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: 60,
                containers: [
                    hardenedContainer({
                        name: component,
                        image: settings.image,
                        args: [...workload.args],
                        env: workloadEnv(workload),
                        ports: [...COMPONENT_PORTS[component]],
                        resources: settings.resources,
                        scratch,
                        readinessPath: "/ready",
                        startupSeconds: SINGLE_BINARY_STARTUP_SECONDS,
                        volumeMounts: [
                            { name: "config", mountPath: workload.configDir, readOnly: true },
                            { name: "data", mountPath: shape.dataDir },
                            ...(extraConfigMap ? [{ name: "extra", mountPath: extraConfigMap.mountPath, readOnly: true }] : []),
                            TMP_MOUNT,
                        ],
                    }),
                ],
                volumes: [
                    { name: "config", configMap: { name: configMapName(component) } },
                    ...dataEmptyDir(scratch),
                    ...(extraConfigMap ? [{ name: "extra", configMap: { name: extraConfigMap.name } }] : []),
                    tmpVolume(scratch),
                ],
            },
            volumeClaimTemplates: settings.persistence.enabled ? [persistentClaim("data", settings.persistence.size, config.storageClassName)] : [],
        },
    };
}

/** The headless Service of a single-binary backend: each pod's own DNS name. */
export const headlessServiceName = (component: string) => `${component}-headless`;

// ---- The distributed engines' tiers ----

/** Ingesters flush and hand over their data on shutdown; Loki's and Mimir's guides allow minutes for it. */
const STATEFUL_GRACE_SECONDS = 300;

/** Labels of one tier's pods: the engine's name label (the self-scrape job and StackComponentDown cover every tier), the tier, and the gossip label for ring members. */
export function tierLabels(engine: string, tier: Pick<RenderedTier, "name" | "gossip">): Labels {
    return { ...tierSelectorLabels(engine, tier.name), ...componentLabels(engine), ...(tier.gossip ? { [GOSSIP_LABEL]: engine } : {}) };
}

/** The ports of a tier's pods, by name: its Services take them, the NetworkPolicies open them. */
export function tierPorts(engine: Engine, tier: { readonly name: string; readonly gossip: boolean }): ContainerPort[] {
    return [
        // The HTTP port serves metrics (the self-scrape job selects it by this name) and readiness.
        { name: METRICS_PORT_NAME[engine], containerPort: httpPort(engine) },
        { name: "grpc", containerPort: TOPOLOGY_PORTS.grpc },
        ...(tier.gossip ? [{ name: "gossip", containerPort: TOPOLOGY_PORTS.gossip }] : []),
        // Tempo's distributors receive OTLP from the Collector.
        ...(engine === "tempo" && tier.name === "distributor"
            ? [
                  { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
                  { name: "otlp-http", containerPort: PORTS.otlpHttp },
              ]
            : []),
    ];
}

/**
 * Replicas on different nodes, and across zones where the cluster has them. Stateful tiers refuse
 * two replicas on one node (a node loss would take two of the three copies); stateless ones prefer not to.
 */
export function tierSpread(engine: string, tier: Pick<RenderedTier, "name" | "kind">): TopologySpreadConstraint[] {
    return spreadOver(tierSelectorLabels(engine, tier.name), tier.kind === "stateful" ? "required" : "preferred");
}

/** Where an engine's tiers read their rule files: the ConfigMaps of the one tenant, or one folder per tenant (topology.tenants). */
export interface EngineRules {
    /** The ConfigMaps the ruler tier reads as its tenant's rule files: Mimir's every shard of the rule ConfigMaps, Loki's `loki-rules`. */
    readonly configMaps?: readonly string[];
    /** The Prometheus Operator's rule ConfigMaps (PrometheusRules), mounted as optional sources beside them (ruler only). */
    readonly operatorConfigMaps?: readonly string[];
    /** With topology.tenants: one folder per tenant with its own rule files, instead of `configMaps` in the one tenant's folder. */
    readonly tenants?: readonly TenantRules[];
}

/** How an engine's stateful tiers keep their data. */
export interface EngineVolumes {
    /** `enabled: false` uses an emptyDir. */
    readonly volume: { readonly enabled: boolean; readonly size: string };
    /** Volume sizes of tiers sized apart from `volume.size` (Mimir's compactor). */
    readonly tierSizes?: Readonly<Record<string, string>>;
}

/** One tier: its ports (its Services'), its workloads (one, or one StatefulSet per zone), and its budget and autoscaler. */
export interface TierPods {
    readonly tier: string;
    /** The tier's Service (and `-headless`) name. */
    readonly name: string;
    readonly labels: Labels;
    readonly selector: Labels;
    readonly ports: readonly ContainerPort[];
    readonly workloads: readonly (PodDescription & { readonly zone?: string })[];
    /** Only the tiers that read or write the bucket get its credentials (model/topology.ts). */
    readonly bucket: boolean;
    readonly budget?: DisruptionBudget;
    readonly autoscaler?: Autoscaler;
}

const DATA_DIRS: Readonly<Record<Engine, string>> = { loki: TOPOLOGY_PATHS.lokiData, tempo: TOPOLOGY_PATHS.tempoData, mimir: TOPOLOGY_PATHS.mimirData };

/**
 * One engine (Loki, Tempo or Mimir) in its distributed mode: per tier a Deployment (stateless, with
 * an HPA) or StatefulSet (stateful, with a volume), a PodDisruptionBudget, and spreading across
 * nodes and zones.
 */
export function engineTierPods(config: StackConfig, rendered: RenderedEngine, image: ImageRef, volumes: EngineVolumes, rules: EngineRules, scratchOf: RenderedScratch): TierPods[] {
    return rendered.tiers.map((tier) => tierPods(config, rendered, tier, image, volumes, rules, scratchOf));
}

function tierPods(config: StackConfig, rendered: RenderedEngine, tier: RenderedTier, image: ImageRef, volumes: EngineVolumes, rules: EngineRules, scratchOf: RenderedScratch): TierPods {
    const { engine } = rendered;
    const name = tierName(engine, tier.name);
    const labels = tierLabels(engine, tier);
    const selector = tierSelectorLabels(engine, tier.name);
    const ports = tierPorts(engine, tier);
    // The ruler reads the stack's rule files: the same ConfigMaps Prometheus reads, which services
    // patch their files into. Its local rule store reads only the files directly in the tenant's
    // folder (Mimir pkg/ruler/rulestore/local), so every shard goes into that one folder.
    const ruleRoot = engine === "loki" ? LOKI_RULES.directory : MIMIR_RULES.directory;
    // With tenants but no rule file at all (no log alerts), the one folder stays as without tenants: empty, but there.
    const tenants = tier.name === "ruler" && (rules.tenants ?? []).length > 0 ? rules.tenants : undefined;
    const rulesMount = !tenants && tier.name === "ruler" && (rules.configMaps ?? []).length > 0;
    const rulesDir = `${ruleRoot}/${engine === "loki" ? LOKI_RULES.tenant : MIMIR_RULES.tenant}`;
    // topology.tenants: the rulers evaluate each folder as its tenant's rules, against its tenant's data.
    const tenantVolumes = (tenants ?? []).map((folder) => ({
        mount: { name: `rules-${folder.key}`, mountPath: `${ruleRoot}/${folder.tenant}`, readOnly: true },
        volume: {
            name: `rules-${folder.key}`,
            projected: {
                sources: [
                    ...folder.sources.map((source) => ({ configMap: { name: source.configMap, items: source.keys.map((key) => ({ key, path: key })) } })),
                    ...(folder.operatorRules ? (rules.operatorConfigMaps ?? []).map((map) => ({ configMap: { name: map, optional: true } })) : []),
                ],
            },
        },
    }));
    const scratch = scratchOf[`${engine}-${tier.name}` as ScratchWorkload];
    const container = hardenedContainer({
        name: tier.name,
        image,
        args: [...tier.args],
        env: Object.entries(tier.env).map(([key, value]) => ({ name: key, value })),
        ports,
        resources: tier.resources,
        scratch,
        readinessPath: "/ready",
        probePort: METRICS_PORT_NAME[engine],
        startupSeconds: tier.kind === "stateful" ? SINGLE_BINARY_STARTUP_SECONDS : undefined,
        volumeMounts: [
            { name: "config", mountPath: rendered.configDir, readOnly: true },
            { name: "data", mountPath: DATA_DIRS[engine] },
            ...(rulesMount ? [{ name: "rules", mountPath: rulesDir, readOnly: true }] : []),
            ...tenantVolumes.map((folder) => folder.mount),
            TMP_MOUNT,
        ],
    });
    const persistent = tier.kind === "stateful" && volumes.volume.enabled;
    if (persistent === Boolean(scratch.data)) {
        throw new Error(`${engine}-${tier.name}: its data is ${persistent ? "on a volume" : "on an emptyDir"}, but the rendered scratch space says otherwise`);
    }
    const spec: PodSpec = {
        securityContext: podSecurityContext(ENGINE_UID),
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: tier.kind === "stateful" ? STATEFUL_GRACE_SECONDS : 30,
        topologySpreadConstraints: tierSpread(engine, tier),
        containers: [container],
        volumes: [
            { name: "config", configMap: { name: engineConfigMapName(engine) } },
            ...dataEmptyDir(scratch),
            ...(rulesMount ? [shardsVolume("rules", rules.configMaps ?? [], rules.operatorConfigMaps)] : []),
            ...tenantVolumes.map((folder) => folder.volume),
            tmpVolume(scratch),
        ],
    };
    const annotations = { [CONFIG_CHECKSUM_ANNOTATION]: rendered.checksum };
    const statefulSet = (setName: string, replicas: number, setLabels: Labels, setSelector: Labels, podSpec: PodSpec): PodDescription => ({
        kind: "StatefulSet",
        name: setName,
        labels: setLabels,
        selector: setSelector,
        annotations,
        replicas,
        serviceName: headlessName(engine, tier.name),
        // Ingesters and store-gateways start in parallel: the ring, not the ordinal, orders them.
        parallel: true,
        spec: podSpec,
        volumeClaimTemplates: persistent ? [persistentClaim("data", volumes.tierSizes?.[tier.name] ?? volumes.volume.size, config.storageClassName)] : [],
    });
    let workloads: (PodDescription & { zone?: string })[];
    if (tier.kind === "stateful" && tier.zones) {
        workloads = tier.zones.map((zone) => {
            const place = zonePlacement(engine, tier, zone);
            const podSpec = { ...spec, affinity: place.affinity, topologySpreadConstraints: place.spread, containers: [{ ...container, args: [...zone.args] }] };
            return { ...statefulSet(zone.name, zone.replicas, place.labels, place.selector, podSpec), zone: zone.zone };
        });
    } else if (tier.kind === "stateful") {
        workloads = [statefulSet(name, tier.replicas, labels, selector, spec)];
    } else {
        workloads = [
            {
                kind: "Deployment",
                name,
                labels,
                selector,
                annotations,
                replicas: tier.replicas,
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                autoscaled: tier.autoscaled,
                spec,
            },
        ];
    }
    return {
        tier: tier.name,
        name,
        labels,
        selector,
        ports,
        workloads,
        bucket: tier.bucket,
        // One budget for the whole tier, across its zones' StatefulSets. Zone-aware rings survive a whole
        // zone down, but a PodDisruptionBudget cannot say "any number, in one zone only": a budget per
        // zone allowing its whole zone would let two zones drain at once and lose quorum. So voluntary
        // evictions stay one pod at a time, which with one replica per zone (the default) is a zone.
        ...(config.podDisruptionBudgets && tier.replicas >= 2 ? { budget: { name, labels, selector } } : {}),
        ...(tier.autoscaled ? { autoscaler: { minReplicas: tier.replicas, maxReplicas: tier.maxReplicas, cpuUtilization: HPA_CPU_UTILIZATION } } : {}),
    };
}

/** The ConfigMap every tier of a distributed engine mounts its config file from. */
export const engineConfigMapName = (engine: Engine) => `${engine}-distributed-config`;

/**
 * topology.zones: a zone's StatefulSet runs only on that zone's nodes (required, so a zone's copy never
 * drifts into another zone), still never two of the tier's pods on one node. The selector adds the
 * zone, so the zones' StatefulSets never claim each other's pods; Services and NetworkPolicies keep
 * selecting the tier's labels, so they reach every zone.
 */
function zonePlacement(engine: Engine, tier: RenderedTier, zone: RenderedZone) {
    const spread = tierSpread(engine, tier).filter((constraint) => constraint.topologyKey !== NODE_ZONE_LABEL);
    const affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_ZONE_LABEL, operator: "In", values: [zone.zone] }] }] } },
    };
    return { labels: { ...tierLabels(engine, tier), [ZONE_LABEL]: zone.zone }, selector: { ...tierSelectorLabels(engine, tier.name), [ZONE_LABEL]: zone.zone }, spread, affinity };
}

// ---- Every pod of the backends ----

/** The pods of the stack's backends, described: Prometheus, Alertmanager and the Collector always; Loki and Tempo as one binary each, or every engine's tiers (topology: distributed). */
export interface RenderedPods {
    readonly prometheus: ComponentPod;
    readonly alertmanager: ComponentPod;
    readonly collector: CollectorPods;
    /** Single topology only: Loki and Tempo, each as one binary. */
    readonly singleBinaries?: Readonly<Record<SingleBinary, ComponentPod>>;
    /** Distributed topology only: each engine's tiers. */
    readonly engines?: Readonly<Record<Engine, readonly TierPods[]>>;
}

export function renderPods(
    config: StackConfig,
    workloads: Readonly<Record<"prometheus" | "alertmanager" | "loki" | "tempo" | "otel-collector" | "otel-agent", RenderedWorkload>>,
    scratch: RenderedScratch,
    operatorRuleConfigMaps: readonly string[] | undefined,
    topology: RenderedTopology | undefined,
): RenderedPods {
    // Single topology: Prometheus evaluates PrometheusRules too (distributed: Mimir's ruler does).
    const prometheus = prometheusPod(config, workloads.prometheus, scratch.prometheus, topology ? undefined : operatorRuleConfigMaps);
    const alertmanager = alertmanagerPod(config, workloads.alertmanager, scratch.alertmanager);
    const collector = collectorPods(config, workloads, scratch, topology);
    if (!topology || config.topology.kind !== "distributed") {
        const singleBinaries = Object.fromEntries(SINGLE_BINARIES.map((backend) => [backend, singleBinaryPod(config, backend, workloads[backend], scratch[backend])]));
        return { prometheus, alertmanager, collector, singleBinaries: singleBinaries as Record<SingleBinary, ComponentPod> };
    }
    const { mimir } = config.topology;
    return {
        prometheus,
        alertmanager,
        collector,
        engines: {
            loki: engineTierPods(config, topology.loki, config.loki.image, { volume: config.loki.persistence }, { configMaps: [LOKI_RULES.configMap], tenants: topology.rulerTenants?.loki }, scratch),
            tempo: engineTierPods(config, topology.tempo, config.tempo.image, { volume: config.tempo.persistence }, {}, scratch),
            mimir: engineTierPods(
                config,
                topology.mimir,
                mimir.image,
                { volume: { enabled: true, size: mimir.volumeSize }, tierSizes: { compactor: mimir.compactorVolumeSize } },
                { configMaps: prometheusConfigMapNames("rules", config.prometheus.configMapShards), tenants: topology.rulerTenants?.mimir, operatorConfigMaps: operatorRuleConfigMaps },
                scratch,
            ),
        },
    };
}
