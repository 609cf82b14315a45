/** Renders Loki's monolithic config: OTLP ingestion, TSDB schema, retention through the compactor. */
import { StackConfig } from "../config/types";
import { OBJECT_STORAGE_ENV, PATHS, PORTS } from "../model/components";

/** Environment variables Loki expands (`-config.expand-env=true`) with object-storage credentials. */

export function renderLokiConfig(config: StackConfig) {
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
        ruler: { storage: { type: "local", local: { directory: `${data}/rules` } } },
        analytics: { reporting_enabled: false },
    };
}
