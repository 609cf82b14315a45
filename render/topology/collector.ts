/**
 * The Collector's load-balancing tier (topology distributed): it receives every OTLP export and
 * routes spans by trace ID, with the load-balancing exporter resolving the gateways' headless
 * Service, so all spans of a trace reach the same tail-sampling gateway however many there are.
 * Logs and metrics go the same way, routed per request (a long-lived gRPC connection through a
 * ClusterIP would pin a load balancer to one gateway): logs by trace ID, else at random, metrics by
 * series. Also how a gateway
 * leaves: it drains before it stops, and the autoscaler removes one at a time.
 */
import { StackConfig } from "../../config/types";
import { PORTS } from "../../model/components";
import { COLLECTOR_TIERS } from "../../model/topology";
import { GATEWAY_BATCH_TIMEOUT_SECONDS, TAIL_DECISION_WAIT_SECONDS } from "../collector";

/** How often the DNS resolver re-reads the gateway list: a new or removed gateway moves only its share of trace IDs. */
const GATEWAY_RESOLVE_INTERVAL_SECONDS = 5;
export const GATEWAY_RESOLVE_INTERVAL = `${GATEWAY_RESOLVE_INTERVAL_SECONDS}s`;
/** How long the cluster DNS may keep answering with a gone pod (CoreDNS's kubernetes plugin: `ttl 5` by default). */
const CLUSTER_DNS_TTL_SECONDS = 5;
/** For the export of the last decided traces to start (the queue's consumers pick them up at once; a backend answers within it). */
const EXPORT_MARGIN_SECONDS = 5;
/** For the Collector to shut down after the drain: receivers, processors, then the exporters' in-flight requests. */
const SHUTDOWN_SECONDS = 30;

/**
 * How a gateway leaves (scale-in, rollout, drain): the pod leaves the headless Service's records at
 * once; its `preStop` sleep keeps it running while the load balancers stop sending to it (the DNS
 * answer's lifetime, then one resolve interval) and its last spans are decided (the tail-sampling
 * wait), batched and exported. Only then does SIGTERM stop it, with nothing pending: nothing is
 * left in memory, and nothing on the volume a scale-in keeps but no pod reads.
 */
export interface GatewayDrain {
    readonly preStopSeconds: number;
    readonly terminationGracePeriodSeconds: number;
}

export function gatewayDrain(): GatewayDrain {
    const preStopSeconds = CLUSTER_DNS_TTL_SECONDS + GATEWAY_RESOLVE_INTERVAL_SECONDS + TAIL_DECISION_WAIT_SECONDS + GATEWAY_BATCH_TIMEOUT_SECONDS + EXPORT_MARGIN_SECONDS;
    return { preStopSeconds, terminationGracePeriodSeconds: preStopSeconds + SHUTDOWN_SECONDS };
}

/**
 * The gateways' autoscaler removes at most one gateway per five minutes, after ten minutes of low
 * load: each removal moves that gateway's share of trace IDs (splitting the traces in flight at
 * that moment), so the ring changes rarely and one step at a time. Scaling up is not held back.
 */
export const GATEWAY_SCALE_DOWN: ScaleDownRules = { stabilizationWindowSeconds: 600, selectPolicy: "Min", policies: [{ type: "Pods", value: 1, periodSeconds: 300 }] };

/** An HPA's `behavior.scaleDown` (autoscaling/v2 HPAScalingRules). */
export interface ScaleDownRules {
    readonly stabilizationWindowSeconds: number;
    readonly selectPolicy: "Min" | "Max" | "Disabled";
    readonly policies: { readonly type: "Pods" | "Percent"; readonly value: number; readonly periodSeconds: number }[];
}

const RETRY = { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "300s" };
/** In memory: this tier has no volume; the gateways' persistent queues are where data survives restarts. */
const QUEUE = { enabled: true, num_consumers: 4, queue_size: 5000 };

export function renderCollectorLoadBalancerConfig(config: StackConfig) {
    const host = (name: string) => `${name}.${config.namespace}.svc.cluster.local`;
    // One exporter per signal over the gateways of the headless Service, each request routed by `routingKey`.
    const toGateways = (routingKey: "traceID" | "streamID") => ({
        routing_key: routingKey,
        protocol: { otlp: { tls: { insecure: true }, timeout: "10s", sending_queue: QUEUE, retry_on_failure: RETRY } },
        resolver: { dns: { hostname: host(COLLECTOR_TIERS.gatewayHeadless), port: String(PORTS.otlpGrpc), interval: GATEWAY_RESOLVE_INTERVAL } },
    });
    return {
        extensions: { health_check: { endpoint: `0.0.0.0:${PORTS.collectorHealth}` } },
        receivers: {
            otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` } } },
        },
        processors: {
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
        },
        exporters: {
            // Every span of a trace hashes to the same gateway: tail sampling decides on the whole trace.
            load_balancing: toGateways("traceID"),
            // Logs ride with their trace's spans; a record without a trace ID goes to a gateway at random: balanced record by record.
            "load_balancing/logs": toGateways("traceID"),
            // Each series sticks to one gateway, so its samples reach the metrics store in order; the series spread over all gateways.
            "load_balancing/metrics": toGateways("streamID"),
        },
        service: {
            extensions: ["health_check"],
            telemetry: {
                logs: { level: "info", encoding: "json" },
                metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: PORTS.collectorMetrics } } } }] },
            },
            pipelines: {
                traces: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["load_balancing"] },
                metrics: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["load_balancing/metrics"] },
                logs: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["load_balancing/logs"] },
            },
        },
    };
}
