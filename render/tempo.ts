/**
 * Tempo's configuration. The monolith (topology `single`) runs Tempo 3: the distributor hands
 * spans in-process to the live-store (recent data, block cutting) and the metrics-generator, and
 * the backend scheduler and worker run compaction and retention; ingesters, the compactor and the
 * local-blocks processor are gone (Tempo's migrate-to-3 guide). The distributed tiers stay on
 * Tempo 2.10 (render/topology/tempo.ts builds on {@link renderTempo2Config}).
 */
import { StackConfig } from "../config/types";
import { toGoDuration } from "../config/units";
import { Endpoints, OBJECT_STORAGE_ENV, PATHS, PORTS, prometheusPushTargets } from "../model/components";

/**
 * Tempo 3 writes and reads vParquet4 (its default, and the oldest format it reads at all); written
 * out so a future default change is a visible diff, and so a 2.10 install moving over keeps the
 * format its existing blocks are in.
 */
export const TEMPO_BLOCK_FORMAT = "vParquet4";

/** What both major versions read the same way: server, OTLP receivers, generator, storage, overrides. */
function commonTempoConfig(config: StackConfig, endpoints: Endpoints, processors: readonly string[]) {
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
        metrics_generator: {
            registry: { external_labels: { source: "tempo", stack: config.stack } },
            storage: {
                path: `${data}/generator/wal`,
                // Every Prometheus replica gets every series: an HA pair must not split them.
                remote_write: prometheusPushTargets(endpoints).map((url) => ({ url: `${url}/api/v1/write`, send_exemplars: true })),
            },
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
        overrides: { defaults: { metrics_generator: { processors: [...processors] } } },
        usage_report: { reporting_enabled: false },
    };
}

/** Tempo 3 monolithic (`-target=all`, the default): no Kafka, everything in one process. */
export function renderTempoConfig(config: StackConfig, endpoints: Endpoints) {
    const common = commonTempoConfig(config, endpoints, ["service-graphs", "span-metrics"]);
    const data = PATHS.tempoData;
    // The worker applies retention (tempodb/retention.go reads backend_worker.compaction); the
    // scheduler plans compaction jobs from its own copy, kept equal as Tempo's examples do.
    const compaction = { block_retention: toGoDuration(config.tempo.retention) };
    return {
        ...common,
        // Recent traces: held and cut into blocks by the live-store, its WAL on the data volume.
        live_store: { wal: { path: `${data}/live-store/traces` }, shutdown_marker_dir: `${data}/live-store/shutdown-marker` },
        backend_scheduler: { local_work_path: data, provider: { compaction: { compaction } } },
        // Set, so Tempo does not warn at each start that it guessed the in-process scheduler's address.
        backend_worker: { backend_scheduler_addr: `127.0.0.1:${PORTS.tempoGrpc}`, compaction },
        storage: { trace: { ...common.storage.trace, block: { version: TEMPO_BLOCK_FORMAT } } },
    };
}

/**
 * Tempo 2.10, for the distributed tiers: ingesters cut blocks (every 5 minutes at the latest, so a
 * trace is searchable in object storage soon), the compactor applies retention, and the
 * local-blocks processor keeps the recent blocks TraceQL metrics queries read.
 */
export function renderTempo2Config(config: StackConfig, endpoints: Endpoints) {
    const common = commonTempoConfig(config, endpoints, ["service-graphs", "span-metrics", "local-blocks"]);
    return {
        ...common,
        ingester: { max_block_duration: "5m" },
        compactor: { compaction: { block_retention: toGoDuration(config.tempo.retention) } },
        metrics_generator: { ...common.metrics_generator, traces_storage: { path: `${PATHS.tempoData}/generator/traces` } },
    };
}
