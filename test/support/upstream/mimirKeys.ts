/**
 * The mimir.yaml keys we render (topology: distributed), written by hand from grafana/mimir
 * docs/sources/mimir/references/configuration-parameters/index.md as the search index stores it
 * (commit 0007c6e, a 2.x-era reference; the 3.x reference pages keep these keys). Every key is a
 * basic or advanced one there, none experimental except `max_global_exemplars_per_user` and
 * `out_of_order_time_window`, which that reference marks experimental and the Prometheus
 * single topology needs the equivalent of. Mimir's `<duration>` accepts d, w and y.
 */
import { block, bool, enumOf, float, int, KeyList, listOf, promDuration, str } from "./schema";

const RING_STORES = enumOf("consul", "etcd", "inmemory", "memberlist", "multi");

export const MIMIR_KEYS: KeyList = {
    multitenancy_enabled: { type: bool, note: "false: every request is tenant no_auth_tenant (anonymous)" },

    server: { type: block, note: "HTTP and gRPC server" },
    "server.http_listen_port": { type: int, note: "HTTP port, default 8080" },
    "server.grpc_listen_port": { type: int, note: "gRPC port, default 9095" },
    "server.log_level": { type: enumOf("debug", "info", "warn", "error"), note: "lowest severity logged" },

    memberlist: { type: block, note: "gossip memberlist" },
    "memberlist.join_members": { type: listOf(str), note: "members to join; IP, hostname or DNS service discovery format (dns+)" },

    distributor: { type: block, note: "the distributor" },
    "distributor.ring": { type: block, note: "its ring" },
    "distributor.ring.kvstore": { type: block, note: "where the ring lives" },
    "distributor.ring.kvstore.store": { type: RING_STORES, note: "ring backend, default memberlist" },

    ingester: { type: block, note: "the ingester" },
    "ingester.ring": { type: block, note: "the ingesters' ring" },
    "ingester.ring.kvstore": { type: block, note: "where it lives" },
    "ingester.ring.kvstore.store": { type: RING_STORES, note: "ring backend, default memberlist" },
    "ingester.ring.replication_factor": { type: int, note: "ingesters each series is written to, default 3" },

    store_gateway: { type: block, note: "the store-gateway" },
    "store_gateway.sharding_ring": { type: block, note: "its ring" },
    "store_gateway.sharding_ring.replication_factor": { type: int, note: "store-gateways each block is loaded by, default 3" },

    frontend: { type: block, note: "the query-frontend" },
    "frontend.scheduler_address": { type: str, note: "query-scheduler address, host:port resolving to every scheduler" },
    frontend_worker: { type: block, note: "the querier's worker" },
    "frontend_worker.scheduler_address": { type: str, note: "query-scheduler address, host:port" },

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
    "ruler.rule_path": { type: str, note: "temporary rule files of the rule managers" },
    "ruler.alertmanager_url": { type: str, note: "Alertmanager URL(s); DNS service discovery format with the scheme" },
    "ruler.evaluation_interval": { type: promDuration, note: "how often rules are evaluated" },
    ruler_storage: { type: block, note: "where rule groups are read from" },
    "ruler_storage.backend": { type: enumOf("s3", "gcs", "azure", "swift", "filesystem", "local"), note: "rule store" },
    "ruler_storage.local": { type: block, note: "local directory store" },
    "ruler_storage.local.directory": { type: str, note: "directory scanned for rules: <directory>/<tenant>/<file>" },

    limits: { type: block, note: "default per-tenant limits" },
    "limits.compactor_blocks_retention_period": { type: promDuration, note: "blocks older than this are deleted; 0 keeps everything" },
    "limits.out_of_order_time_window": { type: promDuration, note: "accept samples this far behind the newest" },
    "limits.max_global_exemplars_per_user": { type: int, note: "exemplars kept in memory; 0 disables exemplar ingestion" },
    "limits.ruler_max_rules_per_rule_group": { type: int, note: "0 disables the limit (default 20)" },
    "limits.ruler_max_rule_groups_per_tenant": { type: int, note: "0 disables the limit (default 70)" },
    "limits.max_global_series_per_user": { type: int, note: "0 disables the limit (default 150000)" },
    "limits.ingestion_rate": { type: float, note: "samples per second per tenant (default 10000)" },
    "limits.ingestion_burst_size": { type: int, note: "burst in samples (default 200000)" },

    activity_tracker: { type: block, note: "tracks queries in flight across restarts" },
    "activity_tracker.filepath": { type: str, note: "its file; empty disables tracking" },

    usage_stats: { type: block, note: "anonymous usage reporting" },
    "usage_stats.enabled": { type: bool, note: "send anonymous usage statistics to Grafana Labs" },
};
