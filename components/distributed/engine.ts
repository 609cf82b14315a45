/**
 * One engine (Loki, Tempo or Mimir) in its distributed mode: a config file shared by every tier,
 * and per tier a Deployment (stateless, with an HPA) or StatefulSet (stateful, with a volume), its
 * Services, a PodDisruptionBudget, and spreading across nodes and zones. Only wires what
 * render/topology rendered.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageCredentials } from "../../io/pulumiConfig";
import { ImageRef } from "../../config/types";
import { GOSSIP_LABEL, NODE_ZONE_LABEL, tierSelectorLabels, ZONE_LABEL } from "../../model/labels";
import { CONFIG_CHECKSUM_ANNOTATION, LOKI_RULES, METRICS_PORT_NAME, OBJECT_STORAGE_ENV, PORTS } from "../../model/components";
import { gossipServiceName, headlessName, httpPort, MIMIR_RULES, OVERRIDES_FILE, tierName, TOPOLOGY_PATHS, TOPOLOGY_PORTS } from "../../model/topology";
import { ScratchWorkload } from "../../model/ephemeralStorage";
import { RenderedScratch } from "../../render";
import { RenderedEngine, RenderedTier, RenderedZone, TenantRules } from "../../render/topology";
import { shardsVolume } from "../prometheus";
import { hardenedContainer, persistentClaim, podSecurityContext, TMP_MOUNT, tmpVolume, dataEmptyDir } from "../workload";

/** HPA target: scale out before a tier saturates its CPU requests. */
const HPA_CPU_UTILIZATION = 70;
/** Ingesters flush and hand over their data on shutdown; Loki's and Mimir's guides allow minutes for it. */
const STATEFUL_GRACE_SECONDS = 300;
const UID = 10001;

export interface DistributedEngineArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered engine: config file and tiers. Defaults to none: required. */
    readonly rendered: RenderedEngine;
    /** Pinned image of the engine. Defaults to none: required. */
    readonly image: ImageRef;
    /** The engine's own object-storage credentials (secrets), given only to the tiers that read its bucket. Defaults to none: required, every engine stores in a bucket. */
    readonly objectStorage?: ObjectStorageCredentials;
    /** Volume of stateful tiers; `enabled: false` uses an emptyDir. Defaults to none: required. */
    readonly volume: { readonly enabled: boolean; readonly size: string };
    /** Volume sizes of tiers sized apart from `volume.size` (Mimir's compactor). Defaults to none. */
    readonly tierVolumeSizes?: Readonly<Record<string, string>>;
    /** Storage class of the volumes. Defaults to the cluster default. */
    readonly storageClassName?: string;
    /** PodDisruptionBudgets for tiers with two or more replicas. Defaults to none: required. */
    readonly podDisruptionBudget: boolean;
    /** The ConfigMaps the ruler tier reads as its tenant's rule files: Mimir's every shard of the rule ConfigMaps, Loki's `loki-rules`. Defaults to none. */
    readonly ruleConfigMaps?: readonly string[];
    /** The Prometheus Operator's rule ConfigMaps (PrometheusRules), mounted as optional sources beside them (ruler only). Defaults to none. */
    readonly operatorRuleConfigMaps?: readonly string[];
    /** With topology.tenants: one folder per tenant with its own rule files, instead of `ruleConfigMaps` in the one tenant's folder. Defaults to none. */
    readonly ruleTenants?: readonly TenantRules[];
    /** Every workload's scratch space (`rendered.scratch`); each tier takes its own. Defaults to none: required. */
    readonly scratch: RenderedScratch;
}

const TYPE = { loki: "lgtm:distributed:Loki", tempo: "lgtm:distributed:Tempo", mimir: "lgtm:distributed:Mimir" } as const;

export function tierLabels(engine: string, tier: RenderedTier): Record<string, string> {
    return {
        // The name label is the engine's: the stack's self-scrape job (and StackComponentDown) covers every tier.
        "app.kubernetes.io/name": engine,
        "app.kubernetes.io/component": tier.name,
        "app.kubernetes.io/part-of": "lgtm-stack",
        "app.kubernetes.io/managed-by": "pulumi",
        ...(tier.gossip ? { [GOSSIP_LABEL]: engine } : {}),
    };
}

function tierSelector(engine: string, tier: RenderedTier): Record<string, string> {
    return tierSelectorLabels(engine, tier.name);
}

function tierPorts(engine: RenderedEngine["engine"], tier: RenderedTier) {
    return [
        // The HTTP port serves metrics (the self-scrape job selects it by this name) and readiness.
        { name: METRICS_PORT_NAME[engine], port: httpPort(engine) },
        { name: "grpc", port: TOPOLOGY_PORTS.grpc },
        ...(tier.gossip ? [{ name: "gossip", port: TOPOLOGY_PORTS.gossip }] : []),
        // Tempo's distributors receive OTLP from the Collector.
        ...(engine === "tempo" && tier.name === "distributor"
            ? [
                  { name: "otlp-grpc", port: PORTS.otlpGrpc },
                  { name: "otlp-http", port: PORTS.otlpHttp },
              ]
            : []),
    ];
}

/**
 * Replicas on different nodes, and across zones where the cluster has them. Stateful tiers refuse
 * two replicas on one node (a node loss would take two of the three copies); stateless ones prefer not to.
 */
export function tierSpread(engine: string, tier: RenderedTier): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    const labelSelector = { matchLabels: tierSelector(engine, tier) };
    return [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: tier.kind === "stateful" ? "DoNotSchedule" : "ScheduleAnyway", labelSelector },
        { maxSkew: 1, topologyKey: NODE_ZONE_LABEL, whenUnsatisfiable: "ScheduleAnyway", labelSelector },
    ];
}

/**
 * topology.zones: a zone's StatefulSet runs only on that zone's nodes (required, so a zone's copy never
 * drifts into another zone), still never two of the tier's pods on one node. The selector adds the
 * zone, so the zones' StatefulSets never claim each other's pods; Services and NetworkPolicies keep
 * selecting the tier's labels, so they reach every zone.
 */
function zonePlacement(engine: string, tier: RenderedTier, zone: RenderedZone) {
    const spread = tierSpread(engine, tier).filter((constraint) => constraint.topologyKey !== NODE_ZONE_LABEL);
    const affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_ZONE_LABEL, operator: "In", values: [zone.zone] }] }] } },
    };
    return { labels: { ...tierLabels(engine, tier), [ZONE_LABEL]: zone.zone }, selector: { ...tierSelector(engine, tier), [ZONE_LABEL]: zone.zone }, spread, affinity };
}

export class DistributedEngine extends pulumi.ComponentResource {
    readonly workloads: pulumi.CustomResource[] = [];

    constructor(name: string, args: DistributedEngineArgs, opts?: pulumi.ComponentResourceOptions) {
        const { rendered } = args;
        super(TYPE[rendered.engine], name, {}, opts);
        const { engine } = rendered;
        const namespace = args.namespace;
        const engineLabels = { "app.kubernetes.io/name": engine, "app.kubernetes.io/part-of": "lgtm-stack", "app.kubernetes.io/managed-by": "pulumi" };
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: `${engine}-distributed-config`, namespace, labels: engineLabels }, data: { [rendered.configFileName]: rendered.config, ...(rendered.overrides ? { [OVERRIDES_FILE]: rendered.overrides } : {}) } },
            { parent: this },
        );
        let storageEnv: k8s.types.input.core.v1.EnvVar[] = [];
        if (args.objectStorage) {
            const secret = new k8s.core.v1.Secret(
                `${name}-object-storage`,
                {
                    metadata: { name: `${engine}-distributed-object-storage`, namespace, labels: engineLabels },
                    stringData: { [OBJECT_STORAGE_ENV.accessKeyId]: args.objectStorage.accessKeyId, [OBJECT_STORAGE_ENV.secretAccessKey]: args.objectStorage.secretAccessKey },
                },
                { parent: this, additionalSecretOutputs: ["stringData", "data"] },
            );
            storageEnv = Object.values(OBJECT_STORAGE_ENV).map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } }));
        }
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
        for (const tier of rendered.tiers) {
            this.workloads.push(...this.tier(name, args, tier, config, storageEnv));
        }
        this.registerOutputs({});
    }

    private tier(name: string, args: DistributedEngineArgs, tier: RenderedTier, config: k8s.core.v1.ConfigMap, storageEnv: k8s.types.input.core.v1.EnvVar[]) {
        const { rendered, namespace } = args;
        const { engine } = rendered;
        const child = `${name}-${tier.name}`;
        const metadataName = tierName(engine, tier.name);
        const labels = tierLabels(engine, tier);
        const selector = tierSelector(engine, tier);
        const ports = tierPorts(engine, tier);
        const servicePorts = ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" }));
        new k8s.core.v1.Service(`${child}-svc`, { metadata: { name: metadataName, namespace, labels }, spec: { selector, ports: servicePorts } }, { parent: this });
        new k8s.core.v1.Service(
            `${child}-headless`,
            { metadata: { name: headlessName(engine, tier.name), namespace, labels }, spec: { clusterIP: "None", selector, ports: servicePorts } },
            { parent: this },
        );
        const dataDir = engine === "loki" ? TOPOLOGY_PATHS.lokiData : engine === "tempo" ? TOPOLOGY_PATHS.tempoData : TOPOLOGY_PATHS.mimirData;
        // The ruler reads the stack's rule files: the same ConfigMaps Prometheus reads, which services
        // patch their files into. Its local rule store reads only the files directly in the tenant's
        // folder (Mimir pkg/ruler/rulestore/local), so every shard goes into that one folder.
        const ruleRoot = engine === "loki" ? LOKI_RULES.directory : MIMIR_RULES.directory;
        // With tenants but no rule file at all (no log alerts), the one folder stays as without tenants: empty, but there.
        const tenants = tier.name === "ruler" && (args.ruleTenants ?? []).length > 0 ? args.ruleTenants : undefined;
        const rulesMount = !tenants && tier.name === "ruler" && (args.ruleConfigMaps ?? []).length > 0;
        const rulesDir = `${ruleRoot}/${engine === "loki" ? LOKI_RULES.tenant : MIMIR_RULES.tenant}`;
        // topology.tenants: the rulers evaluate each folder as its tenant's rules, against its tenant's data.
        const tenantVolumes = (tenants ?? []).map((folder) => ({
            mount: { name: `rules-${folder.key}`, mountPath: `${ruleRoot}/${folder.tenant}`, readOnly: true },
            volume: {
                name: `rules-${folder.key}`,
                projected: {
                    sources: [
                        ...folder.sources.map((source) => ({ configMap: { name: source.configMap, items: source.keys.map((key) => ({ key, path: key })) } })),
                        ...(folder.operatorRules ? (args.operatorRuleConfigMaps ?? []).map((map) => ({ configMap: { name: map, optional: true } })) : []),
                    ],
                },
            },
        }));
        const scratch = args.scratch[`${engine}-${tier.name}` as ScratchWorkload];
        const container = hardenedContainer({
            name: tier.name,
            image: args.image,
            args: [...tier.args],
            // Only the tiers that read or write the bucket get its credentials (model/topology.ts).
            env: [...Object.entries(tier.env).map(([key, value]) => ({ name: key, value })), ...(tier.bucket ? storageEnv : [])],
            ports: ports.map((p) => ({ name: p.name, containerPort: p.port })),
            resources: tier.resources,
            scratch,
            readinessPath: "/ready",
            probePort: METRICS_PORT_NAME[engine],
            startupSeconds: tier.kind === "stateful" ? 600 : undefined,
            volumeMounts: [
                { name: "config", mountPath: rendered.configDir, readOnly: true },
                { name: "data", mountPath: dataDir },
                ...(rulesMount ? [{ name: "rules", mountPath: rulesDir, readOnly: true }] : []),
                ...tenantVolumes.map((folder) => folder.mount),
                TMP_MOUNT,
            ],
        });
        const persistent = tier.kind === "stateful" && args.volume.enabled;
        if (persistent === Boolean(scratch.data)) {
            throw new Error(`${engine}-${tier.name}: its data is ${persistent ? "on a volume" : "on an emptyDir"}, but the rendered scratch space says otherwise`);
        }
        const podSpec: k8s.types.input.core.v1.PodSpec = {
            securityContext: podSecurityContext(UID),
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: tier.kind === "stateful" ? STATEFUL_GRACE_SECONDS : 30,
            topologySpreadConstraints: tierSpread(engine, tier),
            containers: [container],
            volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                ...dataEmptyDir(scratch),
                ...(rulesMount ? [shardsVolume("rules", args.ruleConfigMaps ?? [], args.operatorRuleConfigMaps)] : []),
                ...tenantVolumes.map((folder) => folder.volume),
                tmpVolume(scratch),
            ],
        };
        const template = { metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: rendered.checksum } }, spec: podSpec };
        const statefulSet = (resource: string, name: string, replicas: number, setLabels: Record<string, string>, setSelector: Record<string, string>, setTemplate: typeof template) =>
            new k8s.apps.v1.StatefulSet(
                resource,
                {
                    metadata: { name, namespace, labels: setLabels },
                    spec: {
                        serviceName: headlessName(engine, tier.name),
                        replicas,
                        // Ingesters and store-gateways start in parallel: the ring, not the ordinal, orders them.
                        podManagementPolicy: "Parallel",
                        selector: { matchLabels: setSelector },
                        template: setTemplate,
                        volumeClaimTemplates: persistent ? [persistentClaim("data", args.tierVolumeSizes?.[tier.name] ?? args.volume.size, args.storageClassName)] : [],
                    },
                },
                { parent: this },
            );
        let workloads: pulumi.CustomResource[];
        if (tier.kind === "stateful" && tier.zones) {
            workloads = tier.zones.map((zone) => {
                const place = zonePlacement(engine, tier, zone);
                const spec = { ...podSpec, affinity: place.affinity, topologySpreadConstraints: place.spread, containers: [{ ...container, args: [...zone.args] }] };
                return statefulSet(`${child}-zone-${zone.zone}-sts`, zone.name, zone.replicas, place.labels, place.selector, { metadata: { ...template.metadata, labels: place.labels }, spec });
            });
        } else if (tier.kind === "stateful") {
            workloads = [statefulSet(`${child}-sts`, metadataName, tier.replicas, labels, selector, template)];
        } else {
            workloads = [new k8s.apps.v1.Deployment(
                `${child}-deploy`,
                {
                    metadata: { name: metadataName, namespace, labels },
                    spec: {
                        replicas: tier.replicas,
                        selector: { matchLabels: selector },
                        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                        template,
                    },
                },
                // The HPA owns the replica count once it runs; an `up` must not reset it to the minimum.
                { parent: this, ...(tier.autoscaled ? { ignoreChanges: ["spec.replicas"] } : {}) },
            )];
        }
        if (tier.autoscaled) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${child}-hpa`,
                {
                    metadata: { name: metadataName, namespace, labels },
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: metadataName },
                        minReplicas: tier.replicas,
                        maxReplicas: tier.maxReplicas,
                        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: HPA_CPU_UTILIZATION } } }],
                    },
                },
                { parent: this, dependsOn: workloads },
            );
        }
        // One budget for the whole tier, across its zones' StatefulSets. Zone-aware rings survive a whole
        // zone down, but a PodDisruptionBudget cannot say "any number, in one zone only": a budget per
        // zone allowing its whole zone would let two zones drain at once and lose quorum. So voluntary
        // evictions stay one pod at a time, which with one replica per zone (the default) is a zone.
        if (args.podDisruptionBudget && tier.replicas >= 2) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${child}-pdb`,
                { metadata: { name: metadataName, namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
                { parent: this },
            );
        }
        return workloads;
    }
}
