/**
 * The Collector's load-balancing tier (topology distributed): it receives every OTLP export and
 * routes spans by trace ID, with the load-balancing exporter resolving the gateways' headless
 * Service, so all spans of a trace reach the same tail-sampling gateway however many there are.
 * Logs and metrics need no affinity: they go to the gateways' ClusterIP Service.
 */
import { StackConfig } from "../../config/types";
import { PORTS } from "../../model/components";
import { COLLECTOR_TIERS } from "../../model/topology";

/** How often the DNS resolver re-reads the gateway list: a new or removed gateway moves only its share of trace IDs. */
export const GATEWAY_RESOLVE_INTERVAL = "5s";

const RETRY = { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "300s" };
/** In memory: this tier has no volume; the gateways' persistent queues are where data survives restarts. */
const QUEUE = { enabled: true, num_consumers: 4, queue_size: 5000 };

export function renderCollectorLoadBalancerConfig(config: StackConfig) {
    const host = (name: string) => `${name}.${config.namespace}.svc.cluster.local`;
    return {
        extensions: { health_check: { endpoint: `0.0.0.0:${PORTS.collectorHealth}` } },
        receivers: {
            otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` } } },
        },
        processors: {
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
        },
        exporters: {
            loadbalancing: {
                // Every span of a trace hashes to the same gateway: tail sampling decides on the whole trace.
                routing_key: "traceID",
                protocol: { otlp: { tls: { insecure: true }, timeout: "10s", sending_queue: QUEUE, retry_on_failure: RETRY } },
                resolver: { dns: { hostname: host(COLLECTOR_TIERS.gatewayHeadless), port: String(PORTS.otlpGrpc), interval: GATEWAY_RESOLVE_INTERVAL } },
            },
            "otlp/gateway": { endpoint: `${host(COLLECTOR_TIERS.gatewayService)}:${PORTS.otlpGrpc}`, tls: { insecure: true }, sending_queue: QUEUE, retry_on_failure: RETRY },
        },
        service: {
            extensions: ["health_check"],
            telemetry: {
                logs: { level: "info", encoding: "json" },
                metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: PORTS.collectorMetrics } } } }] },
            },
            pipelines: {
                traces: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["loadbalancing"] },
                metrics: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["otlp/gateway"] },
                logs: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["otlp/gateway"] },
            },
        },
    };
}
