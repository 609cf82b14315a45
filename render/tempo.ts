/** Renders Tempo's monolithic config: OTLP in, retention, metrics-generator writing to Prometheus. */
import { StackConfig } from "../config/types";
import { toGoDuration } from "../config/units";
import { Endpoints, OBJECT_STORAGE_ENV, PATHS, PORTS, prometheusPushTargets } from "../model/components";

export function renderTempoConfig(config: StackConfig, endpoints: Endpoints) {
    const { storage } = config.tempo;
    const data = PATHS.tempoData;
    return {
        stream_over_http_enabled: true,
        server: { http_listen_port: PORTS.tempoHttp, grpc_listen_port: PORTS.tempoGrpc, log_level: "info" },
        distributor: {
            receivers: {
                otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` } } },
            },
        },
        ingester: { max_block_duration: "5m" },
        compactor: { compaction: { block_retention: toGoDuration(config.tempo.retention) } },
        metrics_generator: {
            registry: { external_labels: { source: "tempo", stack: config.stack } },
            storage: {
                path: `${data}/generator/wal`,
                // Every Prometheus replica gets every series: an HA pair must not split them.
                remote_write: prometheusPushTargets(endpoints).map((url) => ({ url: `${url}/api/v1/write`, send_exemplars: true })),
            },
            traces_storage: { path: `${data}/generator/traces` },
            processor: {
                service_graphs: { dimensions: ["k8s.namespace.name"] },
                span_metrics: { dimensions: ["http.response.status_code"], enable_target_info: true },
            },
        },
        storage: {
            trace: {
                backend: storage.type === "s3" ? "s3" : "local",
                wal: { path: `${data}/wal` },
                ...(storage.type === "s3"
                    ? {
                          s3: {
                              bucket: storage.bucket,
                              endpoint: storage.endpoint,
                              region: storage.region,
                              access_key: `\${${OBJECT_STORAGE_ENV.accessKeyId}}`,
                              secret_key: `\${${OBJECT_STORAGE_ENV.secretAccessKey}}`,
                              insecure: storage.insecure,
                              forcepathstyle: storage.forcePathStyle,
                          },
                      }
                    : { local: { path: `${data}/blocks` } }),
            },
        },
        overrides: {
            defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics", "local-blocks"] } },
        },
        usage_report: { reporting_enabled: false },
    };
}
