/**
 * The mimir.yaml keys we render (topology: distributed), and the flags our Mimir containers pass,
 * written by hand and reviewed against Grafana Mimir 3.x, the pinned image being 3.1.1 (AGPL: read
 * only, nothing copied). The sources, all in grafana/mimir:
 * - cmd/mimir/help.txt.tmpl at commit 003c19d (every basic flag with its type and default). It is of
 *   the 3.0 line: it has 3.0's changes (Microsoft Teams V2 receivers #12680; no
 *   -querier.frontend-address, removed by #12200) and none of 3.1.0's (old ingest-storage
 *   concurrency defaults changed by #15072, -ingest-storage.kafka.write-clients not yet deprecated).
 * - CHANGELOG.md at snapshot 00135b6, sections 3.0.0, 3.1.0 and 3.1.1, read in full for removed,
 *   renamed and re-typed settings between that help text and 3.1.1: none touches a key or flag below.
 * - docs/sources/mimir/release-notes/v3.0.md (12ffe25) and v3.1.md (3396941), "Important changes".
 * The list was first written against a 2.x-era reference (configuration-parameters/index.md at
 * 0007c6e); what 3.x changed for these keys is noted on each. Mimir's `<duration>` accepts d, w and y.
 *
 * `ingest_storage` is deliberately absent: the stack runs the classic architecture, and in 3.x
 * ingest storage stays off unless `-ingest-storage.enabled` is set (help.txt.tmpl 003c19d: no
 * default, i.e. false; v3.1.x "Configure the Grafana Mimir Kafka backend": it must be enabled
 * explicitly in every component). Rendering it would fail here until someone reviews Kafka.
 */
import { block, bool, CONFIG_FLAGS, enumOf, float, int, KeyList, listOf, promDuration, str } from "./schema";

const RING_STORES = enumOf("consul", "etcd", "inmemory", "memberlist", "multi");

export const MIMIR_KEYS: KeyList = {
    multitenancy_enabled: { type: bool, note: "false: every request is tenant no_auth_tenant (anonymous)" },
    // topology.tenants (help.txt.tmpl: -tenant-federation.enabled, -runtime-config.file; manage/secure/authentication-and-authorization).
    tenant_federation: { type: block, note: "cross-tenant reads" },
    "tenant_federation.enabled": { type: bool, note: "queries may name several tenants joined by | in X-Scope-OrgID (default false)" },
    runtime_config: { type: block, note: "the runtime configuration file, re-read while running" },
    "runtime_config.file": { type: str, note: "comma-separated runtime config files; its `overrides` map holds per-tenant limits keys" },

    server: { type: block, note: "HTTP and gRPC server" },
    "server.http_listen_port": { type: int, note: "HTTP port, default 8080" },
    "server.grpc_listen_port": { type: int, note: "gRPC port, default 9095" },
    "server.log_level": { type: enumOf("debug", "info", "warn", "error"), note: "lowest severity logged (-log.level, valid levels listed in help.txt.tmpl 003c19d)" },

    memberlist: { type: block, note: "gossip memberlist" },
    "memberlist.join_members": { type: listOf(str), note: "members to join; IP, hostname or DNS service discovery format (dns+)" },
    "memberlist.cluster_label": { type: str, note: "label on outbound gossip; members drop messages with another label (-memberlist.cluster-label, stable; dskit kv/memberlist KVConfig yaml cluster_label, which Mimir's memberlist block is)" },

    distributor: { type: block, note: "the distributor" },
    "distributor.ring": { type: block, note: "its ring" },
    "distributor.ring.kvstore": { type: block, note: "where the ring lives" },
    "distributor.ring.kvstore.store": { type: RING_STORES, note: "ring backend, default memberlist" },
    // HA deduplication (help.txt.tmpl 003c19d: -distributor.ha-tracker.enable, -distributor.ha-tracker.store with "consul, etcd, inmemory,
    // memberlist, multi" and default memberlist; YAML names from docs/sources/mimir/configure/migrate-ha-tracker-to-memberlist.md, whose
    // examples are distributor.ha_tracker.enable_ha_tracker and .kvstore.store; that guide deprecates consul and etcd for the HA tracker).
    "distributor.ha_tracker": { type: block, note: "the HA tracker: one elected replica's samples per HA cluster and tenant" },
    "distributor.ha_tracker.enable_ha_tracker": { type: bool, note: "-distributor.ha-tracker.enable, default false" },
    "distributor.ha_tracker.kvstore": { type: block, note: "where the elected replicas are kept" },
    "distributor.ha_tracker.kvstore.store": { type: RING_STORES, note: "-distributor.ha-tracker.store, default memberlist in 3.x (the process's memberlist block)" },

    ingester: { type: block, note: "the ingester" },
    "ingester.ring": { type: block, note: "the ingesters' ring" },
    "ingester.ring.kvstore": { type: block, note: "where it lives" },
    "ingester.ring.kvstore.store": { type: RING_STORES, note: "ring backend, default memberlist" },
    "ingester.ring.replication_factor": { type: int, note: "ingesters each series is written to, default 3; 3.x: not used when ingest storage is enabled (help.txt.tmpl 003c19d), so it holds only in the classic architecture" },
    // topology.zones: help.txt.tmpl 003c19d (-ingester.ring.zone-awareness-enabled, "needs be set on ingesters,
    // distributors, queriers, and rulers"); configuration-parameters/index.md (cc39266), ingester.ring block.
    "ingester.ring.zone_awareness_enabled": { type: bool, note: "replicate each series across availability zones, one copy per zone (default false)" },

    store_gateway: { type: block, note: "the store-gateway" },
    "store_gateway.sharding_ring": { type: block, note: "its ring" },
    "store_gateway.sharding_ring.replication_factor": { type: int, note: "store-gateways each block is loaded by, default 3 (advanced; still in 3.1: CHANGELOG 3.1.0 Jsonnet #14304 tunes it)" },
    // topology.zones: the store-gateway's "Zone awareness" (references/architecture/components/store-gateway.md):
    // -store-gateway.sharding-ring.zone-awareness-enabled on store-gateways, queriers and rulers; yaml name as the ingester ring's.
    "store_gateway.sharding_ring.zone_awareness_enabled": { type: bool, note: "replicate each block across availability zones (default false)" },

    frontend: { type: block, note: "the query-frontend" },
    "frontend.scheduler_address": { type: str, note: "query-scheduler address, host:port resolving to every scheduler; since 3.0 the scheduler is required (CHANGELOG 3.0.0 #12200)" },
    frontend_worker: { type: block, note: "the querier's worker" },
    "frontend_worker.scheduler_address": { type: str, note: "query-scheduler address, host:port; 3.0 removed frontend_worker.frontend_address (#12200), so this is the only way" },

    blocks_storage: { type: block, note: "TSDB blocks storage" },
    "blocks_storage.backend": { type: enumOf("s3", "gcs", "azure", "swift", "filesystem"), note: "object store" },
    "blocks_storage.s3": { type: block, note: "s3_storage_backend" },
    "blocks_storage.s3.endpoint": { type: str, note: "S3 endpoint, hostname:port" },
    "blocks_storage.s3.region": { type: str, note: "S3 region" },
    "blocks_storage.s3.bucket_name": { type: str, note: "bucket" },
    "blocks_storage.s3.access_key_id": { type: str, note: "access key id (we pass an env reference)" },
    "blocks_storage.s3.secret_access_key": { type: str, note: "secret key (we pass an env reference)" },
    "blocks_storage.s3.insecure": { type: bool, note: "plain http to the endpoint" },
    "blocks_storage.tsdb": { type: block, note: "the ingesters' TSDB" },
    "blocks_storage.tsdb.dir": { type: str, note: "local TSDB directory (head, WAL)" },
    "blocks_storage.bucket_store": { type: block, note: "how queriers and store-gateways read blocks" },
    "blocks_storage.bucket_store.sync_dir": { type: str, note: "index-header directory" },

    compactor: { type: block, note: "the compactor" },
    "compactor.data_dir": { type: str, note: "scratch directory for compaction" },

    ruler: { type: block, note: "the ruler" },
    "ruler.rule_path": { type: str, note: "temporary rule files of the rule managers (-ruler.rule-path in help.txt.tmpl 003c19d; 3.1.0 stopped writing rules to disk, #13156; its CHANGELOG lists neither a removal nor a deprecation of the setting)" },
    "ruler.alertmanager_url": { type: str, note: "Alertmanager URL(s); DNS service discovery format with the scheme" },
    "ruler.evaluation_interval": { type: promDuration, note: "how often rules are evaluated" },
    ruler_storage: { type: block, note: "where rule groups are read from" },
    "ruler_storage.backend": { type: enumOf("s3", "gcs", "azure", "swift", "filesystem", "local"), note: "rule store" },
    "ruler_storage.local": { type: block, note: "local directory store" },
    "ruler_storage.local.directory": { type: str, note: "directory scanned for rules: <directory>/<tenant>/<file>" },

    limits: { type: block, note: "default per-tenant limits" },
    "limits.compactor_blocks_retention_period": { type: promDuration, note: "blocks older than this are deleted; 0 keeps everything" },
    "limits.out_of_order_time_window": { type: promDuration, note: "accept samples this far behind the newest; experimental in 2.x, stable since 3.1.0 (CHANGELOG #13132, release-notes v3.1.md)" },
    "limits.max_global_exemplars_per_user": { type: int, note: "exemplars kept in memory; 0 disables exemplar ingestion (still experimental in 3.x)" },
    "limits.ruler_max_rules_per_rule_group": { type: int, note: "0 disables the limit (default 20)" },
    "limits.ruler_max_rule_groups_per_tenant": { type: int, note: "0 disables the limit (default 70)" },
    "limits.max_global_series_per_user": { type: int, note: "0 disables the limit (default 150000)" },
    "limits.ingestion_rate": { type: float, note: "samples per second per tenant (default 10000)" },
    "limits.ingestion_burst_size": { type: int, note: "burst in samples (default 200000)" },
    // The HA tracker's per-tenant settings (help.txt.tmpl 003c19d; YAML names from the mimir-distributed chart's
    // "Configure high-availability deduplication" page and configure-high-availability-deduplication.md for v3.1.x).
    "limits.accept_ha_samples": { type: bool, note: "-distributor.ha-tracker.enable-for-all-users: handle samples carrying HA cluster and replica labels, default false" },
    "limits.ha_cluster_label": { type: str, note: "-distributor.ha-tracker.cluster: label naming the HA cluster, default cluster" },
    "limits.ha_replica_label": { type: str, note: "-distributor.ha-tracker.replica: label naming the replica, default __replica__; removed from accepted series" },

    activity_tracker: { type: block, note: "tracks queries in flight across restarts" },
    "activity_tracker.filepath": { type: str, note: "its file; empty disables tracking" },

    usage_stats: { type: block, note: "anonymous usage reporting" },
    "usage_stats.enabled": { type: bool, note: "send anonymous usage statistics to Grafana Labs" },
};

/**
 * The command-line flags our Mimir containers pass (`-name=value`), from help.txt.tmpl at 003c19d:
 * `-config.file`, `-config.expand-env` (a bool) and `-target`. The targets are the components we
 * run; 3.0.0 removed the read-write mode's `read`, `write` and `backend` targets (CHANGELOG #12584)
 * and 3.1.0 removed `flusher` (#14032), so none of those is on the list.
 */
export const MIMIR_FLAGS: KeyList = {
    ...CONFIG_FLAGS,
    target: {
        type: enumOf("distributor", "ingester", "querier", "query-frontend", "query-scheduler", "store-gateway", "compactor", "ruler"),
        note: "the component this process runs",
    },
    // topology.zones, per zone's StatefulSet: configuration-parameters/index.md (cc39266), ingester.ring
    // instance_availability_zone (advanced, so not in help.txt.tmpl); docs configure-zone-aware-replication.md
    // (096dc67) and the store-gateway's "Zone awareness" name both flags.
    "ingester.ring.instance-availability-zone": { type: str, note: "the zone this ingester registers in its ring (default \"\")" },
    "store-gateway.sharding-ring.instance-availability-zone": { type: str, note: "the zone this store-gateway registers in its ring (default \"\")" },
};
