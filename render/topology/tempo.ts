/**
 * Tempo distributed (2.10, see tools/versions.json tempo-distributed): distributors, replicated ingesters, queriers pulling work from the
 * query-frontend, compactors sharing the blocks through a ring, metrics-generators remote-writing
 * span metrics and service graphs to Mimir. Rings on memberlist; blocks in object storage.
 */
import { StackConfig } from "../../config/types";
import { DistributedEndpoints, gossipServiceName, headlessName, memberlistClusterLabel, OVERRIDES_FILE, REPLICATION_FACTOR, TOPOLOGY_PATHS, TOPOLOGY_PORTS } from "../../model/topology";
import { tenancyOf, tenantOverrides } from "./tenancy";
import { renderTempo2Config } from "../tempo";
import { clusterEndpoints } from "../../model/components";
import { ZoneAwareness } from "./zones";

/** Each trace is written to three ingesters, as Tempo's distributed deployment recommends. */
export const TEMPO_REPLICATION_FACTOR = REPLICATION_FACTOR;

const MEMBERLIST_RING = { kvstore: { store: "memberlist" } } as const;

export function renderTempoDistributedConfig(config: StackConfig, endpoints: DistributedEndpoints) {
    // Tempo 2.10: Tempo 3's microservices need a Kafka-compatible log the stack does not run.
    const monolith = renderTempo2Config(config, clusterEndpoints(config.namespace));
    const host = (name: string) => `${name}.${config.namespace}.svc.cluster.local`;
    const tenancy = tenancyOf(config);
    return {
        ...monolith,
        // topology.tenants: every span is stored under its tenant; the metrics-generator writes a
        // tenant's span metrics to Mimir under the same tenant (remote_write_add_org_id_header, on by default).
        ...(tenancy ? { multitenancy_enabled: true, overrides: { ...monolith.overrides, per_tenant_override_config: `${TOPOLOGY_PATHS.configDir}/tempo/${OVERRIDES_FILE}` } } : {}),
        distributor: { ...monolith.distributor, ring: MEMBERLIST_RING },
        ingester: { ...monolith.ingester, lifecycler: { ring: { ...MEMBERLIST_RING, replication_factor: TEMPO_REPLICATION_FACTOR } } },
        memberlist: { join_members: [`${host(gossipServiceName("tempo"))}:${TOPOLOGY_PORTS.gossip}`], cluster_label: memberlistClusterLabel(config.namespace, "tempo") },
        compactor: { ...monolith.compactor, ring: MEMBERLIST_RING },
        querier: { frontend_worker: { frontend_address: `${host(headlessName("tempo", "query-frontend"))}:${TOPOLOGY_PORTS.grpc}` } },
        metrics_generator: {
            ...monolith.metrics_generator,
            ring: MEMBERLIST_RING,
            // Span metrics and service graphs go to Mimir, which holds every other metric too.
            storage: { ...monolith.metrics_generator.storage, remote_write: [{ url: endpoints.mimirPush, send_exemplars: true }] },
        },
    };
}

const MB = 1_000_000;

/** Tempo's per-tenant overrides file (the scoped format) with topology.tenants: each tenant's own ingestion rate. */
export function renderTempoOverrides(config: StackConfig) {
    return tenantOverrides(config, ({ tracesMBPerSecond: rate }) => {
        const bytes = rate === undefined ? undefined : Math.round(rate * MB);
        return bytes === undefined ? undefined : { ingestion: { rate_limit_bytes: bytes, burst_size_bytes: 2 * bytes } };
    });
}

/**
 * topology.zones in Tempo 2.10 (configuration/manifest.md at v2.10.8: `ingester.lifecycler.ring.zone_awareness_enabled`
 * and `ingester.lifecycler.availability_zone`; modules/ingester/config.go registers the zone as
 * `-ingester.availability-zone`, and cmd/tempo/main.go parses the flags after the file). The
 * distributors and queriers read the same ingester ring block.
 */
export const TEMPO_ZONE_AWARENESS: ZoneAwareness<"tempo"> = {
    rings: ["ingester.lifecycler.ring"],
    instanceZoneFlags: { ingester: "-ingester.availability-zone" },
};
