/**
 * Metric-convention presets as one table: which histogram each preset's latency (or processing
 * time) comes from, under its Prometheus name. Config validation checks SLO thresholds against it;
 * the queries in alerts/conventions.ts read it.
 */
export const PRESETS = ["otel-http", "prometheus-http", "otel-messaging", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

/**
 * OpenTelemetry semantic conventions: `http.server.request.duration` and, for job and queue
 * workers, `messaging.process.duration` (seconds), as Prometheus names them after OTLP
 * translation; the prometheus client libraries' `http_request_duration_seconds`.
 */
export const PRESET_HISTOGRAMS: Readonly<Record<Exclude<Preset, "custom">, string>> = {
    "otel-http": "http_server_request_duration_seconds",
    "prometheus-http": "http_request_duration_seconds",
    "otel-messaging": "messaging_process_duration_seconds",
};

/**
 * Each histogram preset's request counter and the matcher that marks a failed request (5xx; for a
 * job, `error.type` set, which the semantic conventions set exactly when processing failed).
 */
export const PRESET_COUNTERS: Readonly<Record<Exclude<Preset, "custom">, { readonly counter: string; readonly failed: string }>> = {
    "otel-http": { counter: "http_server_request_duration_seconds_count", failed: 'http_response_status_code=~"5.."' },
    "prometheus-http": { counter: "http_requests_total", failed: 'status=~"5.."' },
    "otel-messaging": { counter: "messaging_process_duration_seconds_count", failed: 'error_type!=""' },
};

/** What one unit of traffic is called on dashboards and in alert texts. */
export const PRESET_NOUNS: Readonly<Record<Preset, { readonly plural: string; readonly failure: string }>> = {
    "otel-http": { plural: "requests", failure: "5xx" },
    "prometheus-http": { plural: "requests", failure: "5xx" },
    "otel-messaging": { plural: "jobs", failure: "error.type set" },
    custom: { plural: "requests", failure: "" },
};
