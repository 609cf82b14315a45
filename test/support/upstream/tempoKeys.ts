/**
 * The tempo.yaml keys we render, written by hand from grafana/tempo's configuration reference, in
 * two lists because the two topologies run two release lines:
 *
 * - TEMPO_KEYS: Tempo 3 (tag v3.0.3, the single topology's image) —
 *   docs/sources/tempo/configuration/_index.md and configuration/manifest.md at v3.0.3, with
 *   set-up-for-tracing/setup-tempo/migrate-to-3.md and upgrade.md for what 3.0 removed: the
 *   `ingester`, `ingester_client`, `compactor` and `metrics_generator_client` blocks, the
 *   local-blocks processor (and with it `metrics_generator.traces_storage`); block format vParquet4
 *   or later. Retention and compaction moved to `backend_scheduler` / `backend_worker`.
 * - TEMPO_2_KEYS: Tempo 2.10 (tag v2.10.8, the distributed topology's image) —
 *   docs/sources/tempo/configuration/manifest.md (every key with its default) and
 *   configuration/_index.md at v2.10.8, plus api_docs/_index.md for stream_over_http_enabled.
 *
 * Keys both references document with the same type are listed once (SHARED_KEYS) and were checked
 * in both. Tempo parses Go durations (ns … h, no days).
 */
import { block, bool, CONFIG_FLAGS, enumOf, goDuration, int, KeyList, listOf, mapOf, objects, str } from "./schema";

const RING_STORES = enumOf("consul", "etcd", "inmemory", "memberlist", "multi");

/** In both v2.10.8 and v3.0.3, same meaning and type. */
const SHARED_KEYS: KeyList = {
    stream_over_http_enabled: { type: bool, note: "serve the streaming query APIs over HTTP as well as gRPC (Grafana's streaming search)" },

    server: { type: block, note: "the HTTP/gRPC server" },
    "server.http_listen_port": { type: int, note: "HTTP port (query API, readiness)" },
    "server.grpc_listen_port": { type: int, note: "gRPC port between components" },
    "server.log_level": { type: enumOf("debug", "info", "warn", "error"), note: "lowest severity Tempo logs" },

    distributor: { type: block, note: "receives spans" },
    "distributor.receivers": { type: block, note: "OpenTelemetry receiver configs passed through to the receivers" },
    "distributor.receivers.otlp": { type: block, note: "the OTLP receiver" },
    "distributor.receivers.otlp.protocols": { type: block, note: "its enabled protocols" },
    "distributor.receivers.otlp.protocols.grpc": { type: block, note: "OTLP over gRPC" },
    "distributor.receivers.otlp.protocols.grpc.endpoint": { type: str, note: "listen address; the default is localhost only" },
    "distributor.receivers.otlp.protocols.http": { type: block, note: "OTLP over HTTP" },
    "distributor.receivers.otlp.protocols.http.endpoint": { type: str, note: "listen address; the default is localhost only" },

    metrics_generator: { type: block, note: "derives metrics from spans" },
    "metrics_generator.registry": { type: block, note: "the generated series registry" },
    "metrics_generator.registry.external_labels": { type: mapOf(str), note: "labels added to every generated series" },
    "metrics_generator.storage": { type: block, note: "WAL and remote write of generated series" },
    "metrics_generator.storage.path": { type: str, note: "WAL directory" },
    "metrics_generator.storage.remote_write": { type: objects, note: "Prometheus remote_write entries" },
    "metrics_generator.storage.remote_write[].url": { type: str, note: "remote-write endpoint" },
    "metrics_generator.storage.remote_write[].send_exemplars": { type: bool, note: "send exemplars (trace ids) with samples" },
    "metrics_generator.processor": { type: block, note: "per-processor settings" },
    "metrics_generator.processor.service_graphs": { type: block, note: "service graph processor" },
    "metrics_generator.processor.service_graphs.dimensions": { type: listOf(str), note: "extra span attributes as labels" },
    "metrics_generator.processor.span_metrics": { type: block, note: "span metrics (RED) processor" },
    "metrics_generator.processor.span_metrics.dimensions": { type: listOf(str), note: "extra span attributes as labels" },
    "metrics_generator.processor.span_metrics.enable_target_info": { type: bool, note: "emit a target_info series from resource attributes" },

    storage: { type: block, note: "trace storage" },
    "storage.trace": { type: block, note: "trace block storage" },
    "storage.trace.backend": { type: enumOf("local", "gcs", "s3", "azure"), note: "block storage backend" },
    "storage.trace.wal": { type: block, note: "WAL" },
    "storage.trace.wal.path": { type: str, note: "WAL directory" },
    "storage.trace.local": { type: block, note: "local-disk backend" },
    "storage.trace.local.path": { type: str, note: "block directory" },
    "storage.trace.s3": { type: block, note: "S3 backend" },
    "storage.trace.s3.bucket": { type: str, note: "bucket name" },
    "storage.trace.s3.endpoint": { type: str, note: "S3 endpoint host" },
    "storage.trace.s3.region": { type: str, note: "AWS region" },
    "storage.trace.s3.access_key": { type: str, note: "access key id (we pass an env reference)" },
    "storage.trace.s3.secret_key": { type: str, note: "secret key (we pass an env reference)" },
    "storage.trace.s3.insecure": { type: bool, note: "plain http to the endpoint" },
    "storage.trace.s3.forcepathstyle": { type: bool, note: "path-style bucket addressing" },

    overrides: { type: block, note: "limits and per-tenant settings (the scoped format; 3.0 refuses the legacy flat one by default)" },
    // topology.tenants (operations/multitenancy: multitenancy_enabled; configuration/_index.md "Overrides"), in 2.10 and 3.x alike.
    multitenancy_enabled: { type: bool, note: "every request must carry X-Scope-OrgID (default false: tenant single-tenant)" },
    "overrides.per_tenant_override_config": { type: str, note: "the runtime file whose `overrides` map holds per-tenant settings in the same scoped format as defaults" },
    "overrides.defaults.ingestion": { type: block, note: "ingestion limits (the per-tenant file's entries are checked under defaults)" },
    "overrides.defaults.ingestion.rate_limit_bytes": { type: int, note: "bytes per second per tenant (default 15000000)" },
    "overrides.defaults.ingestion.burst_size_bytes": { type: int, note: "burst in bytes (default 20000000)" },
    "overrides.defaults": { type: block, note: "settings for every tenant" },
    "overrides.defaults.metrics_generator": { type: block, note: "metrics-generator overrides" },

    usage_report: { type: block, note: "anonymous usage reporting" },
    "usage_report.reporting_enabled": { type: bool, note: "send anonymous usage statistics to Grafana Labs" },
};

/** Tempo 3 (v3.0.3), monolithic. */
export const TEMPO_KEYS: KeyList = {
    ...SHARED_KEYS,
    // 3.0 lists service-graphs, span-metrics and host-info; local-blocks was removed (the live-store serves TraceQL metrics).
    "overrides.defaults.metrics_generator.processors": { type: listOf(enumOf("service-graphs", "span-metrics", "host-info")), note: "processors enabled for the tenant" },

    "storage.trace.block": { type: block, note: "block format settings, also used by the live-store since 3.0" },
    "storage.trace.block.version": { type: enumOf("vParquet4", "vParquet5"), note: "block format written; 3.0 reads and writes vParquet4 and later only" },

    live_store: { type: block, note: "recent traces in memory and WAL; cuts blocks (in-process in monolithic mode, no Kafka)" },
    "live_store.wal": { type: block, note: "its WAL" },
    "live_store.wal.path": { type: str, note: "WAL directory (default /var/tempo/live-store/traces)" },
    "live_store.shutdown_marker_dir": { type: str, note: "shutdown marker directory (default /var/tempo/live-store/shutdown-marker)" },

    backend_scheduler: { type: block, note: "plans compaction and retention jobs (replaces the compactor)" },
    "backend_scheduler.local_work_path": { type: str, note: "where its work cache lives (default /var/tempo)" },
    "backend_scheduler.provider": { type: block, note: "job providers" },
    "backend_scheduler.provider.compaction": { type: block, note: "compaction job provider" },
    "backend_scheduler.provider.compaction.compaction": { type: block, note: "its Compaction block" },
    "backend_scheduler.provider.compaction.compaction.block_retention": { type: goDuration, note: "how long blocks are kept (default 336h)" },

    backend_worker: { type: block, note: "runs the scheduler's jobs: compaction and retention" },
    "backend_worker.backend_scheduler_addr": { type: str, note: "scheduler gRPC address; in single-binary mode 127.0.0.1:<grpc port> with a warning when empty" },
    "backend_worker.compaction": { type: block, note: "its Compaction block" },
    "backend_worker.compaction.block_retention": { type: goDuration, note: "how long blocks are kept; the retention the worker applies (default 336h)" },
};

/** Tempo 2.10 (v2.10.8): the distributed topology. */
export const TEMPO_2_KEYS: KeyList = {
    ...SHARED_KEYS,
    "overrides.defaults.metrics_generator.processors": { type: listOf(enumOf("service-graphs", "span-metrics", "local-blocks")), note: "processors enabled for the tenant" },

    ingester: { type: block, note: "keeps live traces and cuts blocks" },
    "ingester.max_block_duration": { type: goDuration, note: "longest time before a block is cut and flushed" },
    compactor: { type: block, note: "compaction and retention of backend blocks" },
    "compactor.compaction": { type: block, note: "compaction settings" },
    "compactor.compaction.block_retention": { type: goDuration, note: "how long trace blocks are kept" },
    "metrics_generator.traces_storage": { type: block, note: "WAL of the local-blocks processor" },
    "metrics_generator.traces_storage.path": { type: str, note: "its directory; required with local-blocks" },

    // Distributed mode, same manifest.
    "distributor.ring": { type: block, note: "the distributors' ring" },
    "distributor.ring.kvstore": { type: block, note: "where it lives" },
    "distributor.ring.kvstore.store": { type: RING_STORES, note: "ring backend" },
    "ingester.lifecycler": { type: block, note: "the ingester's place in the ring" },
    "ingester.lifecycler.ring": { type: block, note: "the ingesters' ring" },
    "ingester.lifecycler.ring.kvstore": { type: block, note: "where it lives" },
    "ingester.lifecycler.ring.kvstore.store": { type: RING_STORES, note: "ring backend" },
    "ingester.lifecycler.ring.replication_factor": { type: int, note: "ingesters each trace is written to" },
    "ingester.lifecycler.ring.zone_awareness_enabled": { type: bool, note: "topology.zones: one copy of each trace per zone (manifest.md at v2.10.8, default false)" },
    memberlist: { type: block, note: "gossip cluster the rings live in" },
    "memberlist.join_members": { type: listOf(str), note: "addresses to join" },
    "memberlist.cluster_label": { type: str, note: "label on outbound gossip; members drop messages with another label (default \"\" in manifest.md at v2.10.8)" },
    "compactor.ring": { type: block, note: "the compactors' ring (shares blocks among them)" },
    "compactor.ring.kvstore": { type: block, note: "where it lives" },
    "compactor.ring.kvstore.store": { type: RING_STORES, note: "ring backend" },
    querier: { type: block, note: "the querier" },
    "querier.frontend_worker": { type: block, note: "its worker pulling jobs from the query-frontend" },
    "querier.frontend_worker.frontend_address": { type: str, note: "query-frontend gRPC address, host:port" },
    "metrics_generator.ring": { type: block, note: "the generators' ring" },
    "metrics_generator.ring.kvstore": { type: block, note: "where it lives" },
    "metrics_generator.ring.kvstore.store": { type: RING_STORES, note: "ring backend" },
};

/**
 * The command-line flags our Tempo 2.10 containers pass (`-name=value`), read in grafana/tempo at
 * v2.10.8: `-config.file` and `-config.expand-env` (cmd/tempo/main.go, parsed before the file; every
 * other flag is parsed after it and wins), `-target` (manifest.md: `target`), and with topology.zones
 * each ingester's `-ingester.availability-zone` (modules/ingester/config.go, `ingester.lifecycler.availability_zone`).
 */
export const TEMPO_2_FLAGS: KeyList = {
    ...CONFIG_FLAGS,
    target: { type: enumOf("distributor", "ingester", "querier", "query-frontend", "compactor", "metrics-generator"), note: "the component this process runs (those we run)" },
    "ingester.availability-zone": { type: str, note: "the zone this ingester registers in the ring (default \"\")" },
};
