/**
 * The loki.yaml keys we render, written by hand from grafana/loki
 * docs/sources/shared/configuration.md at tag v3.7.6 (unchanged on release-3.7.x through
 * 2026-08-21; the pinned image is the 3.7.8 patch release of the same line). Types follow that
 * reference: `<duration>` is Prometheus' model.Duration (accepts d, w, y), `<daytime>` a YYYY-MM-DD day.
 */
import { block, bool, CONFIG_FLAGS, day, enumOf, float, int, KeyList, listOf, objects, promDuration, str } from "./schema";

/** Loki's object store names for chunks (period_config.object_store, compactor.delete_request_store). */
const OBJECT_STORES = ["s3", "aws", "azure", "gcs", "alibabacloud", "bos", "cos", "swift", "filesystem"];

export const LOKI_KEYS: KeyList = {
    auth_enabled: { type: bool, note: "multi-tenancy through the X-Scope-OrgID header; off means the single tenant 'fake'" },
    // topology.tenants (operations/multi-tenancy.md; configuration.md runtime_config and querier blocks).
    runtime_config: { type: block, note: "the runtime configuration file, re-read while running" },
    "runtime_config.file": { type: str, note: "comma-separated runtime config files; its `overrides` map holds per-tenant limits_config keys" },
    querier: { type: block, note: "the querier" },
    "querier.multi_tenant_queries_enabled": { type: bool, note: "queries may name several tenants joined by | in X-Scope-OrgID (default false)" },

    server: { type: block, note: "the HTTP/gRPC server of every module" },
    "server.http_listen_port": { type: int, note: "HTTP port (API, OTLP push, readiness)" },
    "server.grpc_listen_port": { type: int, note: "gRPC port between components" },
    "server.log_level": { type: enumOf("debug", "info", "warn", "error"), note: "lowest severity Loki logs" },

    common: { type: block, note: "settings shared by all modules unless a module sets its own" },
    "common.path_prefix": { type: str, note: "directory under which modules keep local data" },
    "common.replication_factor": { type: int, note: "how many ingesters receive each stream" },
    "common.ring": { type: block, note: "the hash ring shared by the modules" },
    "common.ring.kvstore": { type: block, note: "where the ring state lives" },
    "common.ring.kvstore.store": { type: enumOf("consul", "etcd", "inmemory", "memberlist", "multi"), note: "ring backend; inmemory for one process" },
    "common.storage": { type: block, note: "object storage shared by chunks, index and rules" },
    "common.storage.filesystem": { type: block, note: "local-disk storage" },
    "common.storage.filesystem.chunks_directory": { type: str, note: "where chunks are written" },
    "common.storage.filesystem.rules_directory": { type: str, note: "where rule files are stored" },
    "common.storage.s3": { type: block, note: "S3 storage (s3_storage_config)" },
    "common.storage.s3.bucketnames": { type: str, note: "comma-separated bucket names" },
    "common.storage.s3.endpoint": { type: str, note: "S3 endpoint host" },
    "common.storage.s3.region": { type: str, note: "AWS region" },
    "common.storage.s3.access_key_id": { type: str, note: "access key id (we pass an env reference)" },
    "common.storage.s3.secret_access_key": { type: str, note: "secret key (we pass an env reference)" },
    "common.storage.s3.insecure": { type: bool, note: "plain http to the endpoint" },
    "common.storage.s3.s3forcepathstyle": { type: bool, note: "path-style bucket addressing (MinIO and friends)" },
    "common.compactor_address": { type: str, note: "http://host:port of the compactor (microservices: where delete requests go)" },

    // Microservices mode (topology: distributed), same reference.
    memberlist: { type: block, note: "gossip cluster the rings live in" },
    "memberlist.join_members": { type: listOf(str), note: "addresses to join; a headless Service resolving to every member" },
    "memberlist.cluster_label": { type: str, note: "label on outbound gossip; members drop messages with another label (-memberlist.cluster-label, default \"\"; configuration.md at v3.7.6)" },
    frontend: { type: block, note: "the query-frontend" },
    "frontend.scheduler_address": { type: str, note: "DNS hostname used for finding query-schedulers (host:port)" },
    frontend_worker: { type: block, note: "the querier's worker pulling queries" },
    "frontend_worker.scheduler_address": { type: str, note: "query-scheduler address, host:port; exclusive with frontend_address" },
    index_gateway: { type: block, note: "the index gateway" },
    "index_gateway.mode": { type: enumOf("simple", "ring"), note: "simple: every gateway serves every tenant" },
    storage_config: { type: block, note: "index and chunk store clients" },
    "storage_config.tsdb_shipper": { type: block, note: "TSDB index shipper" },
    "storage_config.tsdb_shipper.index_gateway_client": { type: block, note: "how queriers and rulers reach index gateways" },
    "storage_config.tsdb_shipper.index_gateway_client.server_address": { type: str, note: "gateway gRPC address; dns+ resolves an A record to every pod" },

    schema_config: { type: block, note: "index schemas per time period" },
    "schema_config.configs": { type: objects, note: "list of period_config entries" },
    "schema_config.configs[].from": { type: day, note: "first day the period applies" },
    "schema_config.configs[].store": { type: enumOf("tsdb", "boltdb-shipper"), note: "index type" },
    "schema_config.configs[].object_store": { type: enumOf(...OBJECT_STORES), note: "where chunks of this period live" },
    "schema_config.configs[].schema": { type: enumOf("v11", "v12", "v13"), note: "schema version; v13 is the recommended one" },
    "schema_config.configs[].index": { type: block, note: "how index tables are named and cut" },
    "schema_config.configs[].index.prefix": { type: str, note: "table name prefix" },
    "schema_config.configs[].index.period": { type: promDuration, note: "table period (24h for tsdb)" },

    limits_config: { type: block, note: "global and per-tenant limits" },
    "limits_config.retention_period": { type: promDuration, note: "how long logs are kept; enforced only by the compactor with retention_enabled" },
    "limits_config.allow_structured_metadata": { type: bool, note: "accept structured metadata (OTLP attributes such as trace_id)" },
    "limits_config.volume_enabled": { type: bool, note: "serve the log-volume endpoints" },
    "limits_config.max_global_streams_per_user": { type: int, note: "active stream limit across the cluster" },
    "limits_config.ingestion_rate_mb": { type: float, note: "per-tenant ingestion rate in MB/s" },
    "limits_config.ingestion_burst_size_mb": { type: float, note: "per-distributor burst size in MB" },

    compactor: { type: block, note: "index compaction and retention" },
    "compactor.working_directory": { type: str, note: "scratch directory for compaction" },
    "compactor.compaction_interval": { type: promDuration, note: "how often compaction runs" },
    "compactor.retention_enabled": { type: bool, note: "apply retention_period (off means keep everything)" },
    "compactor.retention_delete_delay": { type: promDuration, note: "grace before marked chunks are deleted" },
    "compactor.delete_request_store": { type: enumOf(...OBJECT_STORES), note: "store for delete requests; required with retention" },

    ruler: { type: block, note: "the ruler module" },
    "ruler.storage": { type: block, note: "where rule groups are read from" },
    "ruler.storage.type": { type: enumOf("configdb", "azure", "gcs", "s3", "swift", "local", "bos", "cos"), note: "rule storage backend" },
    "ruler.storage.local": { type: block, note: "local-directory rule storage" },
    "ruler.storage.local.directory": { type: str, note: "directory scanned for rule files" },
    // The rest of the ruler block, added by hand from the `ruler` section of the same reference
    // (docs/sources/shared/configuration.md; read from the stored snapshot at commit 002ee222, whose
    // ruler block documents these keys with the types below).
    "ruler.rule_path": { type: str, note: "where the ruler keeps temporary copies of the rule files (default /rules)" },
    "ruler.wal": { type: block, note: "the ruler's write-ahead log" },
    "ruler.wal.dir": { type: str, note: "directory of the tenants' WAL files (default ruler-wal, relative)" },
    "ruler.evaluation_interval": { type: promDuration, note: "how often rules are evaluated (default 1m)" },
    "ruler.alertmanager_url": { type: str, note: "comma-separated Alertmanager URLs, each a group" },
    "ruler.enable_alertmanager_discovery": { type: bool, note: "resolve the URL's host as a DNS SRV record to every Alertmanager" },
    "ruler.external_url": { type: str, note: "base URL of the Grafana instance, for alert links" },
    "ruler.enable_sharding": { type: bool, note: "spread rule groups over the rulers with the ruler ring" },
    "ruler.ring": { type: block, note: "the ruler ring" },
    "ruler.ring.kvstore": { type: block, note: "where the ruler ring lives" },
    "ruler.ring.kvstore.store": { type: enumOf("consul", "etcd", "inmemory", "memberlist", "multi"), note: "ring backend" },
    "ruler.evaluation": { type: block, note: "how rules are evaluated" },
    "ruler.evaluation.mode": { type: enumOf("local", "remote"), note: "evaluate in the ruler, or through the query-frontends" },
    "ruler.evaluation.query_frontend": { type: block, note: "remote evaluation's query-frontend client" },
    "ruler.evaluation.query_frontend.address": { type: str, note: "gRPC address of the query-frontends, dns:/// for client-side balancing" },

    analytics: { type: block, note: "anonymous usage reporting" },
    "analytics.reporting_enabled": { type: bool, note: "send anonymous usage statistics to Grafana Labs" },

    // topology.zones (the `ingester` block at v3.7.6; operations/zone-ingesters.md).
    ingester: { type: block, note: "the ingester" },
    "ingester.lifecycler": { type: block, note: "its place in the ring" },
    "ingester.lifecycler.ring": { type: block, note: "the ingesters' ring, read by distributors, queriers and rulers too" },
    "ingester.lifecycler.ring.zone_awareness_enabled": { type: bool, note: "replicate each stream across availability zones (-distributor.zone-awareness-enabled, default false)" },
};

/**
 * The command-line flags our Loki containers pass (`-name=value`), from the same configuration.md at
 * v3.7.6: `-config.file` and `-config.expand-env` (its opening sections), `-target` (the root block),
 * and with topology.zones each ingester's `-ingester.availability-zone` (`ingester.lifecycler.availability_zone`).
 */
export const LOKI_FLAGS: KeyList = {
    ...CONFIG_FLAGS,
    target: {
        type: enumOf("compactor", "distributor", "ingester", "querier", "query-scheduler", "query-frontend", "index-gateway", "ruler"),
        note: "the component this process runs (of the documented supported values, those we run)",
    },
    "ingester.availability-zone": { type: str, note: "the zone this ingester registers in the ring (default \"\")" },
};
