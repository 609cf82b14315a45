/**
 * Loki in microservices mode: one config file for every tier (each runs it with its own `-target`),
 * rings on memberlist, replication factor 3, the query path through query-frontend and scheduler,
 * the index served by index gateways, retention applied by the single compactor.
 */
import { StackConfig } from "../../config/types";
import { Endpoints } from "../../model/components";
import { gossipServiceName, headlessName, memberlistClusterLabel, OVERRIDES_FILE, REPLICATION_FACTOR, tierName, TOPOLOGY_PATHS, TOPOLOGY_PORTS } from "../../model/topology";
import { tenancyOf, tenantOverrides } from "./tenancy";
import { renderLokiConfig, renderLokiRuler } from "../loki";
import { ZoneAwareness } from "./zones";

/** Every stream is written to three ingesters; a write succeeds on two (quorum). */
export const LOKI_REPLICATION_FACTOR = REPLICATION_FACTOR;

export function renderLokiDistributedConfig(config: StackConfig, endpoints: Endpoints) {
    const monolith = renderLokiConfig(config, endpoints);
    const host = (name: string) => `${name}.${config.namespace}.svc.cluster.local`;
    const tenancy = tenancyOf(config);
    return {
        ...monolith,
        // topology.tenants: every push and query names its tenant; limits per tenant from the runtime overrides file.
        ...(tenancy
            ? {
                  auth_enabled: true,
                  runtime_config: { file: `${TOPOLOGY_PATHS.configDir}/loki/${OVERRIDES_FILE}` },
                  // The stack-wide Loki datasource reads every tenant at once (X-Scope-OrgID a|b|c).
                  querier: { multi_tenant_queries_enabled: true },
              }
            : {}),
        // The ruler tier: rule groups spread over its replicas by the ruler ring (memberlist), each rule
        // evaluated remotely through the query-frontends (Loki's "remote rule evaluation"), so the
        // ruler reads no ingester, index gateway or bucket itself.
        ruler: {
            ...renderLokiRuler(config, endpoints, TOPOLOGY_PATHS.lokiData),
            enable_sharding: true,
            ring: { kvstore: { store: "memberlist" } },
            evaluation: { mode: "remote", query_frontend: { address: `dns:///${host(headlessName("loki", "query-frontend"))}:${TOPOLOGY_PORTS.grpc}` } },
        },
        common: {
            ...monolith.common,
            replication_factor: LOKI_REPLICATION_FACTOR,
            ring: { kvstore: { store: "memberlist" } },
            // Queriers and the ruler send delete requests to the one compactor.
            compactor_address: `http://${host(tierName("loki", "compactor"))}:${TOPOLOGY_PORTS.lokiHttp}`,
        },
        memberlist: { join_members: [`${host(gossipServiceName("loki"))}:${TOPOLOGY_PORTS.gossip}`], cluster_label: memberlistClusterLabel(config.namespace, "loki") },
        // The headless Services resolve to every pod: frontends and queriers each connect to all schedulers.
        frontend: { scheduler_address: `${host(headlessName("loki", "query-scheduler"))}:${TOPOLOGY_PORTS.grpc}` },
        frontend_worker: { scheduler_address: `${host(headlessName("loki", "query-scheduler"))}:${TOPOLOGY_PORTS.grpc}` },
        index_gateway: { mode: "simple" },
        storage_config: {
            tsdb_shipper: { index_gateway_client: { server_address: `dns+${host(headlessName("loki", "index-gateway"))}:${TOPOLOGY_PORTS.grpc}` } },
        },
    };
}

/** Loki's runtime overrides file with topology.tenants: each tenant's own ingestion rate (burst: two seconds of it). */
export function renderLokiOverrides(config: StackConfig) {
    return tenantOverrides(config, ({ logsMBPerSecond: rate }) => (rate === undefined ? undefined : { ingestion_rate_mb: rate, ingestion_burst_size_mb: 2 * rate }));
}

/**
 * topology.zones in Loki 3.7 (configuration.md at v3.7.6, `ingester` block; operations/zone-ingesters.md;
 * the jsonnet's multi-zone.libsonnet): `ingester.lifecycler.ring.zone_awareness_enabled`
 * (-distributor.zone-awareness-enabled) for the distributors, queriers and rulers that read the
 * ingester ring, and each ingester's zone from `-ingester.availability-zone`. Loki first copies
 * `common.ring` onto the ingester ring (zone awareness off) and then reads the file and the flags
 * again (pkg/util/cfg/dynamic.go), so the ingester ring's own key and the flag win.
 */
export const LOKI_ZONE_AWARENESS: ZoneAwareness<"loki"> = {
    rings: ["ingester.lifecycler.ring"],
    instanceZoneFlags: { ingester: "-ingester.availability-zone" },
};
