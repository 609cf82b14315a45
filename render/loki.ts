/** Renders Loki's monolithic config: OTLP ingestion, TSDB schema, retention through the compactor. */
import { StackConfig } from "../config/types";
import { ALERTMANAGER_PORT_NAME, Endpoints, LOKI_RULES, OBJECT_STORAGE_ENV, PATHS, PORTS } from "../model/components";

/** Environment variables Loki expands (`-config.expand-env=true`) with object-storage credentials. */

/**
 * Loki's ruler: the services' log alerts from the local rule store (the `loki-rules` ConfigMap,
 * re-read every poll, so a new log alert needs no restart), evaluated at Prometheus' interval and
 * sent to every Alertmanager replica. With discovery on, the ruler resolves the headless Service's
 * SRV record `_<port name>._tcp.<service>` (Kubernetes DNS) to each replica, as Prometheus' DNS
 * discovery does, so Alertmanager's cluster deduplicates.
 */
export function renderLokiRuler(config: StackConfig, endpoints: Endpoints, data: string) {
    return {
        storage: { type: "local", local: { directory: LOKI_RULES.directory } },
        // Scratch copies of the rule files and the WAL; the defaults ("/rules", "ruler-wal") are on the read-only root filesystem.
        rule_path: `${data}/ruler`,
        wal: { dir: `${data}/ruler-wal` },
        evaluation_interval: config.prometheus.evaluationInterval,
        alertmanager_url: `http://_${ALERTMANAGER_PORT_NAME}._tcp.${endpoints.alertmanagerPeers}`,
        enable_alertmanager_discovery: true,
        // Alert links (generatorURL) open Grafana's Explore, where Loki is a datasource.
        external_url: config.grafana.url,
    };
}

export function renderLokiConfig(config: StackConfig, endpoints: Endpoints) {
    const { storage } = config.loki;
    const objectStore = storage.type === "s3" ? "s3" : "filesystem";
    const data = PATHS.lokiData;
    return {
        auth_enabled: false,
        server: { http_listen_port: PORTS.lokiHttp, grpc_listen_port: PORTS.lokiGrpc, log_level: "info" },
        common: {
            path_prefix: data,
            replication_factor: 1,
            ring: { kvstore: { store: "inmemory" } },
            storage:
                storage.type === "s3"
                    ? {
                          s3: {
                              bucketnames: storage.bucket,
                              endpoint: storage.endpoint,
                              region: storage.region,
                              access_key_id: `\${${OBJECT_STORAGE_ENV.accessKeyId}}`,
                              secret_access_key: `\${${OBJECT_STORAGE_ENV.secretAccessKey}}`,
                              insecure: storage.insecure,
                              s3forcepathstyle: storage.forcePathStyle,
                          },
                      }
                    : { filesystem: { chunks_directory: `${data}/chunks`, rules_directory: `${data}/rules` } },
        },
        schema_config: {
            configs: [{ from: "2024-01-01", store: "tsdb", object_store: objectStore, schema: "v13", index: { prefix: "index_", period: "24h" } }],
        },
        limits_config: {
            // Without compactor.retention_enabled this is silently ignored and Loki keeps everything.
            retention_period: config.loki.retention,
            allow_structured_metadata: true,
            volume_enabled: true,
            max_global_streams_per_user: 10000,
            ingestion_rate_mb: 16,
            ingestion_burst_size_mb: 32,
        },
        compactor: {
            working_directory: `${data}/compactor`,
            compaction_interval: "10m",
            retention_enabled: true,
            retention_delete_delay: "2h",
            delete_request_store: objectStore,
        },
        ruler: renderLokiRuler(config, endpoints, data),
        analytics: { reporting_enabled: false },
    };
}
