/**
 * Renders the OpenTelemetry Collector configs: the gateway (OTLP in, tail sampling, persistent
 * queues out to Tempo, Loki and Prometheus) and the node agent (container logs → gateway).
 */
import { Tenancy } from "../config/topology";
import { StackConfig } from "../config/types";
import { TENANT_HEADER } from "../model/topology";
import { servicesByTenant, tenantKey } from "./topology/tenancy";
import { NANO, parseQuantity } from "../config/units";
import { Endpoints, PATHS, PORTS, prometheusPushTargets } from "../model/components";
import {
    IP_ADDRESS_PATTERNS,
    NON_SECRET_KEYS,
    REDACTION_MASK,
    SENSITIVE_JSON_FIELD,
    SENSITIVE_KEY_PATTERNS,
    SENSITIVE_TEXT_ASSIGNMENTS,
    SENSITIVE_VALUE_PATTERNS,
} from "../model/redaction";

/** The transform processor that masks what is text: span names, log bodies, credentials in URLs and text. */
const REDACT_TEXT = "transform/redact-text";

/** The resource attribute naming the environment (the stack) on every signal. */
export const ENVIRONMENT_ATTRIBUTE = "deployment.environment";

/**
 * Share of the queue volume all the gateway's queues may hold together, in percent. The file
 * storage (bbolt) keeps freed pages until compaction, and compaction writes a fresh copy of the
 * database beside the old one: 40% for the queues leaves room for that copy and for free pages.
 */
export const QUEUE_VOLUME_SHARE_PERCENT = 40n;

/** Byte budget of the node agent's one queue on the node's disk (hostPath: no volume bounds it). */
export const AGENT_QUEUE_BYTES = 256n * 2n ** 20n;

/** How long the gateway's tail sampling waits for a trace's spans before it decides. */
export const TAIL_DECISION_WAIT_SECONDS = 10;
/** The gateway's batch timeout: a decided trace leaves for its backend within it. */
export const GATEWAY_BATCH_TIMEOUT_SECONDS = 2;

const RETRY_FOREVER = { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "0s" };

/**
 * Persistent, retrying queue measured in bytes: a backend outage delays data instead of dropping
 * it, and when the queue is full new data is refused (the gateway's clients retry) instead of the
 * disk filling up.
 */
function durableExporterSettings(queueBytes: bigint) {
    return {
        sending_queue: { enabled: true, storage: "file_storage/queue", sizer: "bytes", queue_size: Number(queueBytes), num_consumers: 4 },
        // max_elapsed_time 0: keep retrying; the byte-sized queue on disk is what bounds the backlog.
        retry_on_failure: RETRY_FOREVER,
    };
}

/** Bytes each of `queues` sending queues may hold so that together they stay within their share of the volume. */
export function queueBytesPerExporter(volumeSize: string, queues: number): bigint {
    const volume = parseQuantity(volumeSize);
    if (volume === undefined || volume <= 0n) {
        throw new Error(`collector queue volume size ${volumeSize} is not a positive Kubernetes quantity`);
    }
    return (volume / NANO) * QUEUE_VOLUME_SHARE_PERCENT / 100n / BigInt(queues);
}

/** Exporter id of the Prometheus replica at `index`: one exporter (and one queue) per replica. */
const prometheusExporter = (index: number) => `otlphttp/prometheus-${index}`;

function telemetry() {
    return {
        logs: { level: "info", encoding: "json" },
        metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: PORTS.collectorMetrics } } } }] },
    };
}

const MEMORY_LIMITER = { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 };

/**
 * `deployment.environment` on every signal, set to the stack's name (one Grafana, several stacks):
 * `upsert`, because the stack knows where the data landed better than an SDK default does.
 */
export function environmentProcessor(config: StackConfig) {
    return { attributes: [{ key: ENVIRONMENT_ATTRIBUTE, value: config.stack, action: "upsert" }] };
}

/**
 * The gateway's masking of credentials and personal data (model/redaction.ts). The redaction
 * processor masks attribute values of every type (`redact_all_types`: an array of header values is
 * checked as its JSON text) by key and by value pattern. What the redaction processor does not
 * reach or cannot mask while keeping the name goes through the transform processor: span names and
 * log bodies get the value patterns, log bodies the JSON credential fields, and span names, log
 * bodies and the attributes of every signal the text assignments (`?token=…`, `password=…`,
 * `Cookie: …`), whose names are kept. The redaction processor's own `url_sanitizer` is not used: it
 * rewrites whole URLs and every string log body into low-cardinality routes, which is not masking.
 * Empty when an environment turns redaction off.
 */
export function redactionProcessors(config: StackConfig): Record<string, unknown> {
    const { redaction } = config.collector;
    if (!redaction.enabled) {
        return {};
    }
    const values = [...SENSITIVE_VALUE_PATTERNS, ...(redaction.maskIpAddresses ? IP_ADDRESS_PATTERNS : []), ...redaction.extraValuePatterns];
    // OTTL strings are double-quoted: backslashes and quotes of the patterns are escaped once more.
    const ottl = (text: string) => JSON.stringify(text);
    // $$ is the Collector config's escape for a literal $: the replacement keeps the name ($1).
    const keepName = ottl(`$$1${REDACTION_MASK}`);
    const maskText = (path: string) => [
        ...values.map((pattern) => `replace_pattern(${path}, ${ottl(pattern)}, ${ottl(REDACTION_MASK)})`),
        ...SENSITIVE_TEXT_ASSIGNMENTS.map((pattern) => `replace_pattern(${path}, ${ottl(pattern)}, ${keepName})`),
    ];
    const maskAttributeText = SENSITIVE_TEXT_ASSIGNMENTS.map((pattern) => `replace_all_patterns(attributes, "value", ${ottl(pattern)}, ${keepName})`);
    return {
        redaction: {
            allow_all_keys: true,
            redact_all_types: true,
            ignored_keys: [...NON_SECRET_KEYS],
            blocked_key_patterns: [...SENSITIVE_KEY_PATTERNS, ...redaction.extraKeyPatterns],
            blocked_values: values,
            // No list of what was masked on the data: the key names alone can say too much.
            summary: "silent",
        },
        [REDACT_TEXT]: {
            error_mode: "ignore",
            trace_statements: [{ context: "span", statements: [...maskText("name"), ...maskAttributeText] }],
            log_statements: [
                {
                    context: "log",
                    statements: [`replace_pattern(body, ${ottl(SENSITIVE_JSON_FIELD)}, ${ottl(`"$$1":"${REDACTION_MASK}"`)})`, ...maskText("body"), ...maskAttributeText],
                },
            ],
            metric_statements: [{ context: "datapoint", statements: maskAttributeText }],
        },
    };
}

/** The resource attribute a span's or log record's tenant is decided by: the service's name, whose team config knows. */
export const TENANT_ROUTING_ATTRIBUTE = "service.name";

/**
 * topology.tenants: traces and logs leave through one pipeline per tenant. Every pipeline receives
 * everything (the `otlp` receiver fans out), keeps only its tenant's services with a filter
 * processor, and exports with its tenant's `X-Scope-OrgID` header. The default tenant's pipeline
 * keeps what no other tenant claims. Metrics go to Prometheus, which splits them per tenant on
 * its remote write to Mimir (render/topology/index.ts).
 */
function tenantRouting(config: StackConfig, tenancy: Tenancy) {
    const services = servicesByTenant(config, tenancy);
    const others = [...services.entries()].filter(([id]) => id !== tenancy.defaultTenant).flatMap(([, names]) => names);
    const isOneOf = (names: readonly string[]) => names.map((name) => `resource.attributes[${JSON.stringify(TENANT_ROUTING_ATTRIBUTE)}] == ${JSON.stringify(name)}`).join(" or ");
    return tenancy.tenants.flatMap(({ id }) => {
        const names = services.get(id) ?? [];
        // The filter processor drops what its conditions match.
        const drop = id === tenancy.defaultTenant ? (others.length > 0 ? isOneOf(others) : undefined) : names.length > 0 ? `not (${isOneOf(names)})` : undefined;
        if (id !== tenancy.defaultTenant && names.length === 0) {
            // No service of this tenant in config sends anything through the stack's Collector.
            return [];
        }
        const key = tenantKey(id);
        return [{ id, key, filter: drop === undefined ? undefined : { id: `filter/tenant-${key}`, config: { error_mode: "ignore", traces: { span: [drop] }, logs: { log_record: [drop] } } } }];
    });
}

export function renderCollectorGatewayConfig(config: StackConfig, endpoints: Endpoints) {
    const { collector } = config;
    const tenancy = config.topology.kind === "distributed" ? config.topology.tenancy : undefined;
    const routes = tenancy ? tenantRouting(config, tenancy) : [];
    const prometheusTargets = prometheusPushTargets(endpoints);
    // Tempo, Loki (each once per tenant) and every Prometheus replica: each exporter has its own queue on the volume.
    const queueBytes = queueBytesPerExporter(collector.queueStorageSize, 2 * Math.max(1, routes.length) + prometheusTargets.length);
    const prometheusExporters = Object.fromEntries(
        prometheusTargets.map((url, index) => [prometheusExporter(index), { endpoint: `${url}/api/v1/otlp`, ...durableExporterSettings(queueBytes) }]),
    );
    const redaction = redactionProcessors(config);
    const common = ["resource/environment", ...("redaction" in redaction ? ["redaction", REDACT_TEXT] : [])];
    return {
        extensions: {
            health_check: { endpoint: `0.0.0.0:${PORTS.collectorHealth}` },
            "file_storage/queue": {
                directory: PATHS.collectorQueue,
                create_directory: true,
                timeout: "2s",
                compaction: { on_start: true, on_rebound: true, directory: PATHS.collectorQueue },
            },
        },
        receivers: {
            otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` } } },
        },
        processors: {
            memory_limiter: MEMORY_LIMITER,
            "resource/environment": environmentProcessor(config),
            ...redaction,
            tail_sampling: {
                decision_wait: `${TAIL_DECISION_WAIT_SECONDS}s`,
                num_traces: 100000,
                expected_new_traces_per_sec: 1000,
                // Policies are OR-ed: a trace is kept if any of them keeps it.
                policies: [
                    { name: "keep-errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
                    { name: "keep-slow", type: "latency", latency: { threshold_ms: collector.slowTraceThresholdMs } },
                    { name: "baseline", type: "probabilistic", probabilistic: { sampling_percentage: collector.baselineSamplingPercent } },
                ],
            },
            batch: { send_batch_size: 8192, send_batch_max_size: 16384, timeout: `${GATEWAY_BATCH_TIMEOUT_SECONDS}s` },
            ...Object.fromEntries(routes.flatMap(({ filter }) => (filter ? [[filter.id, filter.config]] : []))),
        },
        exporters: {
            ...(routes.length === 0
                ? {
                      "otlp/tempo": { endpoint: endpoints.tempoOtlpGrpc, tls: { insecure: true }, ...durableExporterSettings(queueBytes) },
                      "otlphttp/loki": { endpoint: `${endpoints.loki}/otlp`, ...durableExporterSettings(queueBytes) },
                  }
                : Object.fromEntries(
                      routes.flatMap(({ id, key }) => [
                          [`otlp/tempo-${key}`, { endpoint: endpoints.tempoOtlpGrpc, tls: { insecure: true }, headers: { [TENANT_HEADER]: id }, ...durableExporterSettings(queueBytes) }],
                          [`otlphttp/loki-${key}`, { endpoint: `${endpoints.loki}/otlp`, headers: { [TENANT_HEADER]: id }, ...durableExporterSettings(queueBytes) }],
                      ]),
                  )),
            // Every replica of an HA pair gets every series (a Service would split them between replicas).
            ...prometheusExporters,
        },
        service: {
            extensions: ["health_check", "file_storage/queue"],
            telemetry: telemetry(),
            pipelines:
                routes.length === 0
                    ? {
                          // Masking and the environment come first: nothing leaves, not even a sampled-out trace's decision, unmasked.
                          traces: { receivers: ["otlp"], processors: ["memory_limiter", ...common, "tail_sampling", "batch"], exporters: ["otlp/tempo"] },
                          metrics: { receivers: ["otlp"], processors: ["memory_limiter", ...common, "batch"], exporters: Object.keys(prometheusExporters) },
                          logs: { receivers: ["otlp"], processors: ["memory_limiter", ...common, "batch"], exporters: ["otlphttp/loki"] },
                      }
                    : {
                          metrics: { receivers: ["otlp"], processors: ["memory_limiter", ...common, "batch"], exporters: Object.keys(prometheusExporters) },
                          // Each tenant's pipeline drops the other tenants' services first, then samples its own traces whole.
                          ...Object.fromEntries(
                              routes.flatMap(({ key, filter }) => {
                                  const only = filter ? [filter.id] : [];
                                  return [
                                      [`traces/${key}`, { receivers: ["otlp"], processors: ["memory_limiter", ...only, ...common, "tail_sampling", "batch"], exporters: [`otlp/tempo-${key}`] }],
                                      [`logs/${key}`, { receivers: ["otlp"], processors: ["memory_limiter", ...only, ...common, "batch"], exporters: [`otlphttp/loki-${key}`] }],
                                  ];
                              }),
                          ),
                      },
        },
    };
}

/** JSON fields of a structured log line that are promoted to log attributes, then to trace context. */
export const STRUCTURED_LOG_FIELDS = ["trace_id", "span_id", "level", "service", "request_id"] as const;

export function renderCollectorAgentConfig(config: StackConfig, endpoints: Endpoints) {
    return {
        extensions: {
            health_check: { endpoint: `0.0.0.0:${PORTS.collectorHealth}` },
            // File offsets and the outbound queue survive agent restarts (hostPath).
            "file_storage/state": { directory: PATHS.agentState, create_directory: true, timeout: "2s" },
        },
        receivers: {
            filelog: {
                include: ["/var/log/pods/*/*/*.log"],
                // The agent's own logs would loop back through itself.
                exclude: [`/var/log/pods/${config.agentNamespace}_otel-agent-*/*/*.log`],
                start_at: "end",
                include_file_path: true,
                include_file_name: false,
                storage: "file_storage/state",
                operators: [
                    { type: "container", id: "container-parser" },
                    {
                        type: "json_parser",
                        id: "json-body",
                        if: 'body matches "^\\\\s*\\\\{"',
                        parse_from: "body",
                        parse_to: "attributes",
                        on_error: "send_quiet",
                    },
                    {
                        type: "trace_parser",
                        if: 'attributes.trace_id != nil',
                        trace_id: { parse_from: "attributes.trace_id" },
                        span_id: { parse_from: "attributes.span_id" },
                        on_error: "send_quiet",
                    },
                    {
                        type: "severity_parser",
                        if: 'attributes.level != nil',
                        parse_from: "attributes.level",
                        on_error: "send_quiet",
                    },
                ],
            },
        },
        processors: {
            memory_limiter: MEMORY_LIMITER,
            "resource/environment": environmentProcessor(config),
            k8sattributes: {
                auth_type: "serviceAccount",
                passthrough: false,
                filter: { node_from_env_var: "K8S_NODE_NAME" },
                extract: {
                    metadata: ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name", "k8s.node.name", "k8s.container.name"],
                    labels: [{ tag_name: "app.kubernetes.io/name", key: "app.kubernetes.io/name", from: "pod" }],
                },
                pod_association: [{ sources: [{ from: "resource_attribute", name: "k8s.pod.uid" }] }, { sources: [{ from: "resource_attribute", name: "k8s.pod.name" }, { from: "resource_attribute", name: "k8s.namespace.name" }] }],
            },
            "transform/service-name": {
                error_mode: "ignore",
                log_statements: [
                    {
                        context: "resource",
                        // service.name is what Loki makes the service_name label of: the app label, else the container.
                        statements: [
                            'set(attributes["service.name"], attributes["app.kubernetes.io/name"]) where attributes["service.name"] == nil',
                            'set(attributes["service.name"], attributes["k8s.container.name"]) where attributes["service.name"] == nil',
                        ],
                    },
                ],
            },
            batch: { send_batch_size: 4096, timeout: "2s" },
        },
        exporters: {
            "otlp/gateway": {
                endpoint: endpoints.collectorOtlpGrpc,
                tls: { insecure: true },
                sending_queue: { enabled: true, storage: "file_storage/state", sizer: "bytes", queue_size: Number(AGENT_QUEUE_BYTES) },
                retry_on_failure: RETRY_FOREVER,
            },
        },
        service: {
            extensions: ["health_check", "file_storage/state"],
            telemetry: telemetry(),
            pipelines: {
                logs: { receivers: ["filelog"], processors: ["memory_limiter", "k8sattributes", "transform/service-name", "resource/environment", "batch"], exporters: ["otlp/gateway"] },
            },
        },
    };
}
