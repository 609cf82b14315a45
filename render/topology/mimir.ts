/**
 * Grafana Mimir in microservices mode (classic architecture, no Kafka): distributors, ingesters with
 * replication factor 3, store-gateways, compactor with retention, queriers behind query-frontend and
 * scheduler, and the ruler, which evaluates the stack's own rule files (mounted from the same
 * ConfigMap Prometheus reads in the single topology) and sends alerts to the stack's Alertmanager.
 *
 * Mimir 3.x prefers ingest storage (Kafka), but the classic architecture is what it runs unless
 * `-ingest-storage.enabled` is set in every component, so the file says nothing about it; since 3.0
 * the query-scheduler is required, which is why both the frontend and the queriers' workers name it.
 */
import { StackConfig } from "../../config/types";
import { Endpoints, OBJECT_STORAGE_ENV, PORTS } from "../../model/components";
import { gossipServiceName, headlessName, memberlistClusterLabel, MIMIR_RULES, OVERRIDES_FILE, REPLICATION_FACTOR, TOPOLOGY_PATHS, TOPOLOGY_PORTS } from "../../model/topology";
import { MIMIR_HA_LIMITS, MIMIR_HA_TRACKER } from "./haIngest";
import { tenancyOf, tenantOverrides } from "./tenancy";
import { ZoneAwareness } from "./zones";

export const MIMIR_REPLICATION_FACTOR = REPLICATION_FACTOR;

export function renderMimirConfig(config: StackConfig, endpoints: Endpoints) {
    if (config.topology.kind !== "distributed") {
        throw new Error("Mimir is only rendered with topology distributed");
    }
    const { mimir } = config.topology;
    const host = (name: string) => `${name}.${config.namespace}.svc.cluster.local`;
    const data = TOPOLOGY_PATHS.mimirData;
    const scheduler = `${host(headlessName("mimir", "query-scheduler"))}:${TOPOLOGY_PORTS.grpc}`;
    const tenancy = tenancyOf(config);
    return {
        // Without topology.tenants one tenant (`anonymous`): the stack's data is one organisation's. With
        // them, every write and read names its tenant; the stack-wide datasource reads them all (federation).
        multitenancy_enabled: tenancy !== undefined,
        ...(tenancy ? { tenant_federation: { enabled: true }, runtime_config: { file: `${TOPOLOGY_PATHS.configDir}/mimir/${OVERRIDES_FILE}` } } : {}),
        server: { http_listen_port: TOPOLOGY_PORTS.mimirHttp, grpc_listen_port: TOPOLOGY_PORTS.grpc, log_level: "info" },
        memberlist: { join_members: [`dns+${host(gossipServiceName("mimir"))}:${TOPOLOGY_PORTS.gossip}`], cluster_label: memberlistClusterLabel(config.namespace, "mimir") },
        // The HA tracker keeps one Prometheus replica's samples of each pair (render/topology/haIngest.ts).
        distributor: { ring: { kvstore: { store: "memberlist" } }, ha_tracker: MIMIR_HA_TRACKER },
        ingester: { ring: { kvstore: { store: "memberlist" }, replication_factor: MIMIR_REPLICATION_FACTOR } },
        store_gateway: { sharding_ring: { replication_factor: MIMIR_REPLICATION_FACTOR } },
        frontend: { scheduler_address: scheduler },
        frontend_worker: { scheduler_address: scheduler },
        blocks_storage: {
            backend: "s3",
            s3: {
                bucket_name: mimir.storage.bucket,
                endpoint: mimir.storage.endpoint,
                region: mimir.storage.region,
                access_key_id: `\${${OBJECT_STORAGE_ENV.accessKeyId}}`,
                secret_access_key: `\${${OBJECT_STORAGE_ENV.secretAccessKey}}`,
                insecure: mimir.storage.insecure,
            },
            tsdb: { dir: `${data}/tsdb` },
            bucket_store: { sync_dir: `${data}/tsdb-sync` },
        },
        compactor: { data_dir: `${data}/compactor` },
        ruler: {
            rule_path: `${data}/ruler`,
            // dns+ resolves the headless Service to every Alertmanager replica; they deduplicate among themselves.
            alertmanager_url: `dns+http://${endpoints.alertmanagerPeers}:${PORTS.alertmanager}`,
            evaluation_interval: config.prometheus.evaluationInterval,
        },
        // Rule files are mounted into <directory>/<tenant>/ from the stack's rule ConfigMap.
        ruler_storage: { backend: "local", local: { directory: MIMIR_RULES.directory } },
        limits: {
            compactor_blocks_retention_period: mimir.retention,
            // Prometheus forwards OTLP pushes and Tempo's span metrics, which arrive slightly out of order (as in the single topology).
            out_of_order_time_window: "10m",
            max_global_exemplars_per_user: 100000,
            // A service's SLO rules form one group each; the defaults (20 rules, 70 groups) are far below a fleet's.
            ruler_max_rules_per_rule_group: 0,
            ruler_max_rule_groups_per_tenant: 0,
            max_global_series_per_user: 0,
            ingestion_rate: 1000000,
            ingestion_burst_size: 10000000,
            ...MIMIR_HA_LIMITS,
        },
        // The default (./metrics-activity.log) is on the read-only root filesystem; keep it on the data volume.
        activity_tracker: { filepath: `${data}/metrics-activity.log` },
        usage_stats: { enabled: false },
    };
}

/** Mimir's runtime overrides file with topology.tenants: each tenant's own ingestion rate (burst: two seconds of it) and series limit. */
export function renderMimirOverrides(config: StackConfig) {
    return tenantOverrides(config, ({ samplesPerSecond: rate, maxSeries }) => {
        const own = {
            ...(rate === undefined ? {} : { ingestion_rate: rate, ingestion_burst_size: 2 * rate }),
            ...(maxSeries === undefined ? {} : { max_global_series_per_user: maxSeries }),
        };
        return Object.keys(own).length > 0 ? own : undefined;
    });
}

/**
 * topology.zones in Mimir (*Configure zone-aware replication*; the store-gateway's *Zone awareness*;
 * configuration parameters: `ingester.ring` and `store_gateway.sharding_ring` each take
 * `zone_awareness_enabled` and `instance_availability_zone`). Awareness must be on in the
 * distributors, ingesters, queriers and rulers (ingester ring) and the store-gateways, queriers and
 * rulers (store-gateway ring): the shared file gives it to all of them. The zone of each instance is
 * its StatefulSet's flag, as the jsonnet's multi-zone StatefulSets pass it.
 */
export const MIMIR_ZONE_AWARENESS: ZoneAwareness<"mimir"> = {
    rings: ["ingester.ring", "store_gateway.sharding_ring"],
    instanceZoneFlags: { ingester: "-ingester.ring.instance-availability-zone", "store-gateway": "-store-gateway.sharding-ring.instance-availability-zone" },
};
