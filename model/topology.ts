/**
 * The distributed topology's facts, written once: which tiers each engine runs, their Kubernetes
 * names, ports and in-cluster addresses. Renderers (config files, container args) and components
 * (Deployments, StatefulSets, Services) both read them from here.
 */
import { COLLECTOR_LOAD_BALANCER, PORTS } from "./components";

export type Engine = "loki" | "tempo" | "mimir";
/** The engines that keep their data in object storage, each with its own credentials. */
export const OBJECT_STORAGE_ENGINES: readonly Engine[] = ["loki", "tempo", "mimir"];

/** How a tier runs: stateless tiers are Deployments with an HPA; stateful ones StatefulSets with a volume. */
export type TierKind = "stateless" | "stateful";

export interface TierShape {
    /** The `-target` the engine's binary runs for this tier. */
    readonly target: string;
    readonly kind: TierKind;
    /** Joins the engine's memberlist cluster (rings). */
    readonly gossip: boolean;
    /**
     * Reads or writes the engine's bucket, so it gets the engine's object-storage credentials; no
     * other tier does. From the engines' module dependencies on their store: Loki 3.7
     * (pkg/loki/loki.go: ingester, querier, index-gateway; the compactor opens its own object
     * client; our ruler evaluates remotely through the query-frontends, render/topology/loki.ts),
     * Tempo 2.10 (cmd/tempo/app/modules.go: ingester, querier,
     * compactor, and the query-frontend, which polls the block list to shard searches; the
     * metrics-generator's store only flushes local blocks with `flush_to_storage`, which we leave
     * off), Mimir 3.x (pkg/mimir/modules.go: ingester, store-gateway, compactor, and the querier and
     * ruler through the store queryable; the ruler's rules are local files).
     */
    readonly bucket: boolean;
}

/** Every tier of each engine, in deploy order; names are the Kubernetes `app.kubernetes.io/component` values. */
export const TIERS = {
    loki: {
        distributor: { target: "distributor", kind: "stateless", gossip: true, bucket: false },
        ingester: { target: "ingester", kind: "stateful", gossip: true, bucket: true },
        querier: { target: "querier", kind: "stateless", gossip: true, bucket: true },
        "query-frontend": { target: "query-frontend", kind: "stateless", gossip: false, bucket: false },
        "query-scheduler": { target: "query-scheduler", kind: "stateless", gossip: false, bucket: false },
        compactor: { target: "compactor", kind: "stateful", gossip: true, bucket: true },
        "index-gateway": { target: "index-gateway", kind: "stateful", gossip: false, bucket: true },
        /** Evaluates the services' log alerts; its ring (memberlist) shares the rule groups out. */
        ruler: { target: "ruler", kind: "stateless", gossip: true, bucket: false },
    },
    tempo: {
        distributor: { target: "distributor", kind: "stateless", gossip: true, bucket: false },
        ingester: { target: "ingester", kind: "stateful", gossip: true, bucket: true },
        querier: { target: "querier", kind: "stateless", gossip: true, bucket: true },
        "query-frontend": { target: "query-frontend", kind: "stateless", gossip: false, bucket: true },
        compactor: { target: "compactor", kind: "stateless", gossip: true, bucket: true },
        "metrics-generator": { target: "metrics-generator", kind: "stateful", gossip: true, bucket: false },
    },
    mimir: {
        distributor: { target: "distributor", kind: "stateless", gossip: true, bucket: false },
        ingester: { target: "ingester", kind: "stateful", gossip: true, bucket: true },
        querier: { target: "querier", kind: "stateless", gossip: true, bucket: true },
        "query-frontend": { target: "query-frontend", kind: "stateless", gossip: false, bucket: false },
        "query-scheduler": { target: "query-scheduler", kind: "stateless", gossip: false, bucket: false },
        "store-gateway": { target: "store-gateway", kind: "stateful", gossip: true, bucket: true },
        compactor: { target: "compactor", kind: "stateful", gossip: true, bucket: true },
        ruler: { target: "ruler", kind: "stateless", gossip: true, bucket: true },
    },
} as const satisfies Record<Engine, Record<string, TierShape>>;

export type TierName<E extends Engine> = keyof (typeof TIERS)[E] & string;

/** Loki, Tempo and Mimir write every stream, trace and series to three ingesters (Mimir's store-gateways load each block three times); a write succeeds on two. */
export const REPLICATION_FACTOR = 3;

/**
 * The tiers whose ring replicates data (`topology.zones`): each becomes one StatefulSet per zone and
 * its ring puts one copy in each zone. Loki's and Tempo's ingesters, Mimir's ingesters and
 * store-gateways (Mimir's *Configure zone-aware replication*: ingester time series and store-gateway
 * blocks; its Alertmanager ring we do not run).
 */
export const ZONE_REPLICATED_TIERS: { readonly [E in Engine]: readonly TierName<E>[] } = {
    loki: ["ingester"],
    tempo: ["ingester"],
    mimir: ["ingester", "store-gateway"],
};

/** Kubernetes name of a zone's StatefulSet of a tier (Mimir's jsonnet names them `ingester-zone-a`): `mimir-ingester-zone-a`. */
export function zoneTierName(engine: Engine, tier: string, zone: string): string {
    return `${tierName(engine, tier)}-zone-${zone}`;
}

/**
 * memberlist's cluster label of an engine (dskit `memberlist.cluster_label`): each engine's
 * members drop gossip whose label is not theirs, so Loki, Tempo and Mimir of one stack, or two
 * stacks in one cluster, never merge their rings even when a gossip address resolves to another's pods.
 */
export function memberlistClusterLabel(namespace: string, engine: Engine): string {
    return `${namespace}-${engine}`;
}

/** Ports of the distributed engines; Loki's and Tempo's HTTP/gRPC ports are the monolith's. */
export const TOPOLOGY_PORTS = {
    lokiHttp: PORTS.lokiHttp,
    tempoHttp: PORTS.tempoHttp,
    /** Mimir's documented default HTTP port (`server.http_listen_port`). */
    mimirHttp: 8080,
    grpc: 9095,
    /** memberlist's default gossip port in all three engines. */
    gossip: 7946,
} as const;

export function httpPort(engine: Engine): number {
    return engine === "loki" ? TOPOLOGY_PORTS.lokiHttp : engine === "tempo" ? TOPOLOGY_PORTS.tempoHttp : TOPOLOGY_PORTS.mimirHttp;
}

/** Kubernetes name of one tier's workload and Service, e.g. `loki-query-frontend`. */
export function tierName(engine: Engine, tier: string): string {
    return `${engine}-${tier}`;
}

/** Headless Service selecting every pod of an engine that gossips: the memberlist join address. */
export function gossipServiceName(engine: Engine): string {
    return `${engine}-gossip`;
}

/** Headless Service of a tier: one DNS name resolving to every pod (gRPC client-side balancing, StatefulSet pod names). */
export function headlessName(engine: Engine, tier: string): string {
    return `${tierName(engine, tier)}-headless`;
}

/** Where the rule files sit inside the Mimir ruler: `<directory>/<tenant>/`, tenant `anonymous` with multitenancy off. */
export const MIMIR_RULES = { directory: "/etc/mimir/rules", tenant: "anonymous" } as const;

export const TOPOLOGY_PATHS = { lokiData: "/var/loki", tempoData: "/var/tempo", mimirData: "/data", configDir: "/etc/lgtm" } as const;

/** The addresses the rest of the stack uses in the distributed topology. */
export interface DistributedEndpoints {
    /** Where the Collector pushes logs (Loki distributor, OTLP over HTTP under `/otlp`). */
    readonly lokiPush: string;
    /** Where the Collector pushes traces (Tempo distributor, OTLP gRPC host:port). */
    readonly tempoOtlpGrpc: string;
    /** Remote-write URL of Mimir's distributor (Prometheus and Tempo's metrics-generator push there). */
    readonly mimirPush: string;
    /** Query URLs Grafana reads: the query-frontends. */
    readonly lokiQuery: string;
    readonly tempoQuery: string;
    /** Mimir's Prometheus-compatible API lives under `/prometheus`. */
    readonly mimirQuery: string;
}

export function distributedEndpoints(namespace: string): DistributedEndpoints {
    const host = (engine: Engine, tier: string) => `${tierName(engine, tier)}.${namespace}.svc.cluster.local`;
    return {
        lokiPush: `http://${host("loki", "distributor")}:${TOPOLOGY_PORTS.lokiHttp}`,
        tempoOtlpGrpc: `${host("tempo", "distributor")}:${PORTS.otlpGrpc}`,
        mimirPush: `http://${host("mimir", "distributor")}:${TOPOLOGY_PORTS.mimirHttp}/api/v1/push`,
        lokiQuery: `http://${host("loki", "query-frontend")}:${TOPOLOGY_PORTS.lokiHttp}`,
        tempoQuery: `http://${host("tempo", "query-frontend")}:${TOPOLOGY_PORTS.tempoHttp}`,
        mimirQuery: `http://${host("mimir", "query-frontend")}:${TOPOLOGY_PORTS.mimirHttp}/prometheus`,
    };
}

/**
 * The Collector's two tiers in the distributed topology. The load-balancing tier takes over the
 * `otel-collector` Service name, so applications and the node agent keep sending where they did; the
 * gateways' ClusterIP Service moves to `otel-collector-gateway` (logs and metrics go there) and their
 * headless Service resolves to every gateway pod (the load-balancing exporter's DNS resolver).
 */
export const COLLECTOR_TIERS = {
    loadBalancer: COLLECTOR_LOAD_BALANCER,
    entryService: "otel-collector",
    gatewayService: "otel-collector-gateway",
    gatewayHeadless: "otel-collector-headless",
} as const;

/** The header that names the tenant of every write and read in Loki, Tempo and Mimir (cross-tenant reads join ids with `|`). */
export const TENANT_HEADER = "X-Scope-OrgID";

/** The runtime overrides file beside each engine's config: per-tenant limits, re-read without a restart. */
export const OVERRIDES_FILE = "overrides.yaml";
