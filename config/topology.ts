/**
 * `topology`: how the backends run. `single` (the default) keeps today's stack: Loki and Tempo
 * monolithic, Prometheus storing and evaluating. `distributed` runs each engine's own scale-out
 * mode: Loki microservices, Tempo distributed and Grafana Mimir, each tier with its replicas and
 * resources, on shared object storage.
 */
import versions from "../tools/versions.json";
import { NODE_ZONE_LABEL } from "../model/labels";
import { Engine, REPLICATION_FACTOR, TIERS, TierName, ZONE_REPLICATED_TIERS, zoneTierName } from "../model/topology";
import { RELEASE_TAG, IMAGE_REPOSITORY } from "./formats";
import { keysOf, ResourcesSpec, sectionKeys, tierKey, tierSettings, TOPOLOGY_SETTINGS } from "./keys";
import { ObjectReader } from "./reader";
import { readTenancy } from "./tenancy";
import { CollectorTiers, EngineTiers, ImageRef, MimirSettings, ObjectStorage, Resources, StackConfig, TierSettings, TopologyConfig } from "./types";

// The topology's types live in ./types (config/types.ts imports none of this module: no cycle); importers may keep taking them from here.
export type { CollectorTiers, EngineTiers, MimirSettings, S3Storage, Tenancy, Tenant, TenantLimits, TierSettings, TopologyConfig } from "./types";

function readTiers<E extends Engine>(engine: E, section: ObjectReader<string>, readResources: ResourceReader): EngineTiers<E> {
    const tiers: Record<string, TierSettings> = {};
    for (const tier of Object.keys(TIERS[engine])) {
        const spec = tierSettings(engine, tier);
        const { replicas: replicaSpec, maxReplicas: maxSpec } = spec.keys;
        const fallback = replicaSpec.default.value;
        const autoscaled = maxSpec !== undefined;
        const reader = section.object(tierKey(tier), sectionKeys(spec));
        const { min, max } = replicaSpec.limits;
        const why = min === REPLICATION_FACTOR ? "replication factor 3 needs three replicas" : max === 1 ? "it must run as a single instance" : "";
        const replicas = reader.number("replicas", fallback, { ...replicaSpec.limits, hint: why ? `${why}; use ${fallback}` : `use e.g. ${fallback}` });
        let maxReplicas = replicas;
        if (autoscaled) {
            maxReplicas = reader.number("maxReplicas", Math.max(maxSpec.default.value, replicas), { ...maxSpec.limits, hint: "the HPA's ceiling, e.g. 10" });
            if (!reader.problems.about(reader.keyPath("replicas"), reader.keyPath("maxReplicas")) && maxReplicas < replicas) {
                reader.problems.add(reader.keyPath("maxReplicas"), `${maxReplicas} is below replicas (${replicas}); the HPA scales between the two, so use at least ${replicas}`);
            }
        }
        tiers[tier] = { replicas, maxReplicas, autoscaled, resources: readResources(reader, spec.keys.resources) };
    }
    return tiers as EngineTiers<E>;
}

/** `resources` read with the table's default (config/componentSettings.ts `readResources`, given the profile). */
export type ResourceReader = (section: ObjectReader<string>, spec: ResourcesSpec) => Resources;

/** The shared readers of config/backends.ts, passed in so this module adds keys without a second copy of them. */
export interface TopologyReaders {
    readonly resources: ResourceReader;
    readonly storage: (section: ObjectReader<string>) => ObjectStorage;
}

function readMimirImage(mimir: ObjectReader<string>): ImageRef {
    const pinned = versions.images.mimir;
    const image = mimir.object("image", ["repository", "tag"] as const);
    return {
        repository: image.string("repository", pinned.repository, IMAGE_REPOSITORY),
        tag: image.string("tag", pinned.tag, { test: RELEASE_TAG.test, hint: `${RELEASE_TAG.hint} such as ${pinned.tag}` }),
    };
}

/** `topology` as a string (`distributed`) or an object (`{ mode: distributed, ... }`), normalised. */
function topologySettings(root: ObjectReader<string>): unknown {
    const raw = root.raw("topology");
    return typeof raw === "string" ? { mode: raw } : raw;
}

/** The mode alone, for readers that depend on it (the Collector's gateway count); validated by settleTopology. */
export function topologyMode(root: ObjectReader<string>): "single" | "distributed" {
    const settings = topologySettings(root);
    return settings !== null && typeof settings === "object" && (settings as Record<string, unknown>).mode === "distributed" ? "distributed" : "single";
}

/**
 * Reads `topology` and settles what it changes elsewhere: with `distributed`, Loki and Tempo must use
 * object storage and Prometheus runs as an HA pair unless told otherwise. Returns the config with
 * `topology` set.
 */
export function settleTopology<C extends Omit<StackConfig, "topology">>(root: ObjectReader<string>, config: C, readers: TopologyReaders): C & { topology: TopologyConfig } {
    const { problems } = root;
    // `topology: distributed` alone is the common case; the object form takes per-tier settings.
    const settings = TOPOLOGY_SETTINGS;
    const section = new ObjectReader("topology", topologySettings(root), problems, keysOf(settings));
    const mode = section.oneOf("mode", settings.mode.choices, settings.mode.default.value);
    if (mode === "single") {
        for (const engine of keysOf(settings).filter((key) => "only" in settings[key])) {
            if (section.has(engine)) {
                const why = engine === "tenants" || engine === "defaultTenant" ? " (the monolithic Loki and Tempo and Prometheus keep one tenant: there is no Mimir to isolate metrics)" : "";
                problems.add(section.keyPath(engine), `only applies with topology mode distributed (here single)${why}; remove it or set topology.mode: distributed`);
            }
        }
        return { ...config, topology: { kind: "single" } };
    }
    for (const backend of ["loki", "tempo"] as const) {
        if (config[backend].storage.type !== "s3" && !problems.about(`${backend}.storage`)) {
            problems.add(
                `${backend}.storage.type`,
                `is filesystem, but topology distributed runs ${backend === "loki" ? "Loki" : "Tempo"} as many pods that must share one store; use type: s3 with a bucket (any S3-compatible object store)`,
            );
        }
    }
    const loki = readTiers("loki", section.object("loki", sectionKeys(settings.loki)), readers.resources);
    const tempo = readTiers("tempo", section.object("tempo", sectionKeys(settings.tempo)), readers.resources);
    const mimirKeys = settings.mimir.keys;
    const mimirSection = section.object("mimir", sectionKeys(settings.mimir));
    const storage = readers.storage(mimirSection);
    if (storage.type !== "s3" && !problems.about("topology.mimir.storage")) {
        problems.add("topology.mimir.storage", "is required with topology distributed: Mimir keeps metric blocks in object storage; set { type: s3, bucket: <name> } (a bucket of its own, not Loki's or Tempo's)");
    }
    const mimir: MimirSettings = {
        image: readMimirImage(mimirSection),
        storage: storage.type === "s3" ? storage : { type: "s3", bucket: "", endpoint: "", region: "", insecure: false, forcePathStyle: false },
        retention: mimirSection.duration("retention", mimirKeys.retention.default.value),
        volumeSize: mimirSection.quantity("volumeSize", mimirKeys.volumeSize.default.value),
        compactorVolumeSize: mimirSection.quantity("compactorVolumeSize", mimirKeys.compactorVolumeSize.default.value),
        tiers: readTiers("mimir", mimirSection, readers.resources),
    };
    for (const backend of ["loki", "tempo"] as const) {
        const other = config[backend].storage;
        if (other.type === "s3" && other.bucket === mimir.storage.bucket && other.endpoint === mimir.storage.endpoint) {
            problems.add("topology.mimir.storage.bucket", `"${other.bucket}" is also ${backend}.storage.bucket; give Mimir a bucket of its own (the compactors of both would delete each other's objects)`);
        }
    }
    const knownTeams = new Set([...config.services.map((service) => service.team), ...config.alertmanager.teams.map((team) => team.team)]);
    const tenancy = readTenancy(section, knownTeams);
    const zones = readZones(section);
    return {
        ...config,
        prometheus: { ...config.prometheus, replicas: prometheusReplicas(root, config.prometheus.replicas) },
        topology: {
            kind: "distributed",
            loki,
            tempo,
            mimir,
            collector: readCollectorTiers(section.object("collector", sectionKeys(settings.collector)), config.collector.gatewayReplicas, readers.resources),
            ...(tenancy ? { tenancy } : {}),
            ...(zones ? { zones } : {}),
        },
    };
}

/**
 * Longest zone name: a zone names its StatefulSets (`mimir-store-gateway-zone-<zone>`), and a
 * StatefulSet's name plus `-` and a 10-character hash is its pods' `controller-revision-hash` label
 * value, at most 63 characters, so the name stays within 52.
 */
const MAX_STATEFULSET_NAME = 52;
const LONGEST_ZONED_PREFIX = Math.max(
    ...(Object.keys(ZONE_REPLICATED_TIERS) as Engine[]).flatMap((engine) => ZONE_REPLICATED_TIERS[engine].map((tier: string) => zoneTierName(engine, tier, "").length)),
);
const MAX_ZONE_NAME = MAX_STATEFULSET_NAME - LONGEST_ZONED_PREFIX;
/** A zone is a node label value and names StatefulSets and pods, so it must be a lower-case DNS label. */
const ZONE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `topology.zones`: absent, or at least as many distinct zones as the replication factor, so that
 * each copy lands in a zone of its own and losing one zone leaves two of three copies (quorum).
 */
function readZones(section: ObjectReader<string>): readonly string[] | undefined {
    if (!section.has("zones")) {
        return undefined;
    }
    const key = section.keyPath("zones");
    const zones: string[] = [];
    for (const item of section.items("zones")) {
        const zone = item.value;
        if (typeof zone !== "string" || zone.length > MAX_ZONE_NAME || !ZONE_NAME.test(zone)) {
            section.problems.add(
                item.path,
                `${JSON.stringify(zone)} is not usable as a zone: give the nodes' ${NODE_ZONE_LABEL} label value, lower-case letters, digits and '-' (at most ${MAX_ZONE_NAME} characters; it names the zone's StatefulSets), e.g. eu-west-1a`,
            );
        } else if (zones.includes(zone)) {
            section.problems.add(item.path, `"${zone}" is listed twice; name each zone once`);
        } else {
            zones.push(zone);
        }
    }
    if (section.problems.about(key)) {
        return undefined;
    }
    if (zones.length < REPLICATION_FACTOR) {
        const why =
            zones.length === 2
                ? `replication factor ${REPLICATION_FACTOR} over 2 zones keeps two copies in one zone, and losing that zone loses write quorum`
                : `replication factor ${REPLICATION_FACTOR} needs a zone for each copy`;
        section.problems.add(key, `has ${zones.length} zone${zones.length === 1 ? "" : "s"}; ${why}; list at least ${REPLICATION_FACTOR} zones, or remove topology.zones to spread copies by node only`);
        return undefined;
    }
    return zones;
}

function readCollectorTiers(section: ObjectReader<"loadBalancer" | "gatewayMaxReplicas">, gateways: number, readResources: ResourceReader): CollectorTiers {
    const { loadBalancer: lbKeys, gatewayMaxReplicas: gatewayMax } = TOPOLOGY_SETTINGS.collector.keys;
    const { replicas: lbReplicas, maxReplicas: lbMax } = lbKeys.keys;
    const lb = section.object("loadBalancer", sectionKeys(lbKeys));
    const replicas = lb.number("replicas", lbReplicas.default.value, { ...lbReplicas.limits, hint: `e.g. ${lbReplicas.default.value}` });
    const maxReplicas = lb.number("maxReplicas", Math.max(lbMax.default.value, replicas), { ...lbMax.limits, hint: "the HPA's ceiling, e.g. 10" });
    if (!lb.problems.about(lb.keyPath("replicas"), lb.keyPath("maxReplicas")) && maxReplicas < replicas) {
        lb.problems.add(lb.keyPath("maxReplicas"), `${maxReplicas} is below replicas (${replicas}); the HPA scales between the two, so use at least ${replicas}`);
    }
    const gatewayMaxReplicas = section.number("gatewayMaxReplicas", Math.max(gatewayMax.default.value, gateways), { ...gatewayMax.limits, hint: "the gateways' HPA ceiling, e.g. 10" });
    if (!section.problems.about(section.keyPath("gatewayMaxReplicas"), "collector.gatewayReplicas") && gatewayMaxReplicas < gateways) {
        section.problems.add(section.keyPath("gatewayMaxReplicas"), `${gatewayMaxReplicas} is below collector.gatewayReplicas (${gateways}); the gateways' HPA scales between the two, so use at least ${gateways}`);
    }
    return {
        loadBalancer: { replicas, maxReplicas, autoscaled: true, resources: readResources(lb, lbKeys.keys.resources) },
        gatewayMaxReplicas,
    };
}

/**
 * With Mimir behind it, Prometheus scrapes and forwards, by default as an HA pair whatever the
 * profile: one replica would be a single point of every metric's ingest. Mimir's HA tracker keeps one
 * replica's samples (render/topology/haIngest.ts), so two replicas do not store every series twice.
 * An explicit 1 stays 1 (a dev cluster with one node, where a second replica cannot be spread).
 */
export const DISTRIBUTED_PROMETHEUS_REPLICAS = 2;

function prometheusReplicas(root: ObjectReader<string>, replicas: number): number {
    const prometheus = root.raw("prometheus");
    const explicit = prometheus !== null && typeof prometheus === "object" && "replicas" in prometheus;
    return explicit ? replicas : DISTRIBUTED_PROMETHEUS_REPLICAS;
}
