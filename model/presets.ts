/**
 * Metric-convention presets as one table: per preset, the request counter and latency histogram
 * under their Prometheus names, the labels holding the status and the route, what marks a failed
 * request, the histogram's default buckets and what one unit of traffic is called. Config
 * validation, the alert and recording-rule queries (alerts/conventions.ts), the dashboards and the
 * OpenSLO documents all read these entries; none of them branches on a preset's name, so a new
 * preset is one more entry here. `custom` is not an entry: it is the user's own queries.
 */

/** What one unit of traffic is called on dashboards and in alert texts. */
export interface PresetNouns {
    /** One unit: "request", "job". */
    readonly singular: string;
    readonly plural: string;
    /** What a failure is, in panel titles ("Error ratio (5xx)"); empty when there is nothing to say. */
    readonly failure: string;
    /** How a unit failed, after "failed" in HighErrorRate's description: "with a 5xx". */
    readonly failedHow: string;
    /** What the route label holds, in panel titles ("by route", "by queue"). */
    readonly route: string;
}

export interface MetricPreset {
    /** The latency (or processing-time) histogram in seconds, without its `_bucket`/`_count` suffix. */
    readonly histogram: string;
    /** The counter of all requests (a histogram's `_count` counts every observation). */
    readonly counter: string;
    /** The matcher that marks a failed request, and the one that marks a successful request. */
    readonly failed: string;
    readonly successful: string;
    /** The label holding the status (or error class); recorded per-code series rename it to `code`. */
    readonly statusLabel: string;
    /** The label holding the route template (or queue, method): a bounded set, unlike raw paths. */
    readonly routeLabel: string;
    /** The histogram's bucket boundaries (seconds) when the service lists none in `histogramBuckets`. */
    readonly defaultBuckets: readonly number[];
    readonly nouns: PresetNouns;
    /** A job or queue worker: its conventions may name a queue depth and lag query (broker exporter). */
    readonly queueWorker: boolean;
}

export type MetricPresets = Readonly<Record<string, MetricPreset>>;

/** The semantic conventions' advised buckets for `http.server.request.duration` and `messaging.process.duration` (seconds). */
export const OTEL_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** The prometheus client libraries' default histogram buckets (seconds). */
export const PROMETHEUS_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const REQUESTS: PresetNouns = { singular: "request", plural: "requests", failure: "5xx", failedHow: "with a 5xx", route: "route" };

/**
 * OpenTelemetry semantic conventions: `http.server.request.duration` and, for job and queue
 * workers, `messaging.process.duration` (seconds), as Prometheus names them after OTLP translation
 * (a job's `error.type` is set exactly when processing failed; the destination plays the route);
 * the prometheus client libraries' `http_requests_total` and `http_request_duration_seconds`.
 */
export const METRIC_PRESETS = {
    "otel-http": {
        histogram: "http_server_request_duration_seconds",
        counter: "http_server_request_duration_seconds_count",
        failed: 'http_response_status_code=~"5.."',
        successful: 'http_response_status_code!~"5.."',
        statusLabel: "http_response_status_code",
        routeLabel: "http_route",
        defaultBuckets: OTEL_DEFAULT_BUCKETS,
        nouns: REQUESTS,
        queueWorker: false,
    },
    "prometheus-http": {
        histogram: "http_request_duration_seconds",
        counter: "http_requests_total",
        failed: 'status=~"5.."',
        successful: 'status!~"5.."',
        statusLabel: "status",
        routeLabel: "path",
        defaultBuckets: PROMETHEUS_DEFAULT_BUCKETS,
        nouns: REQUESTS,
        queueWorker: false,
    },
    "otel-messaging": {
        histogram: "messaging_process_duration_seconds",
        counter: "messaging_process_duration_seconds_count",
        failed: 'error_type!=""',
        successful: 'error_type=""',
        statusLabel: "error_type",
        routeLabel: "messaging_destination_name",
        defaultBuckets: OTEL_DEFAULT_BUCKETS,
        nouns: { singular: "job", plural: "jobs", failure: "error.type set", failedHow: "(error.type set)", route: "queue" },
        queueWorker: true,
    },
} satisfies MetricPresets;

/** The preset of a service whose config names none. */
export const DEFAULT_PRESET: keyof typeof METRIC_PRESETS = "otel-http";
/** The escape hatch: the service gives its own error and total queries. */
export const CUSTOM_PRESET = "custom";
/** Custom queries count whatever the user calls a failure. */
export const CUSTOM_NOUNS: PresetNouns = { ...REQUESTS, failure: "" };
/** `histogramBuckets` of a custom service, whose queries give the stack no histogram (its latency SLOs are refused). */
export const CUSTOM_DEFAULT_BUCKETS = OTEL_DEFAULT_BUCKETS;
