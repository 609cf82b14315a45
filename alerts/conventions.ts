/**
 * How a service's requests look in Prometheus, per metric-convention preset: the PromQL for all
 * requests, failed requests and fast-enough requests over any window.
 */
import { ServiceSpec, Slo } from "../config/types";
import { durationMs } from "../config/units";
import { probeJob } from "../model/probes";
import { PRESET_COUNTERS, PRESET_HISTOGRAMS } from "../model/presets";

export const WINDOW_PLACEHOLDER = "{{.window}}";
/** Where a stack-defined `fastQuery` takes the `le` matcher of its latency threshold. */
export const THRESHOLD_PLACEHOLDER = "{{.le}}";

export interface RequestQueries {
    /** Rate of all requests over `window`. */
    total(window: string): string;
    /** Rate of failed (5xx) requests over `window`. */
    errors(window: string): string;
    /** Rate of requests at or under `thresholdSeconds`, when the preset has a histogram. */
    fast?(window: string, thresholdSeconds: number): string;
    /** Rate of all requests the latency histogram counts, when that is not `total` (the API server's). */
    latencyTotal?(window: string): string;
    /** Failed-request rate by status code, as label `code`, when the preset has one. */
    errorsByCode?(window: string): string;
    /** `sum by (le)` bucket rates, when the preset has a histogram (for quantiles). */
    buckets?(window: string): string;
    /**
     * Per-route and per-outcome views, when the preset names its route label and has a histogram:
     * the label holding the route template (a bounded set, unlike raw paths), and bucket rates of
     * successful or failed requests only, so a fast failure never makes latency look good.
     */
    readonly routes?: RouteQueries;
}

export type Outcome = "successful" | "failed";

export interface RouteQueries {
    /** `http_route` (OTel semantic conventions) or the scraped preset's `path`. */
    readonly label: string;
    /** Request rate `sum by (<label>)`. */
    total(window: string): string;
    /** Bucket rates `sum by (le)` of one outcome. */
    buckets(window: string, outcome: Outcome): string;
    /** Bucket rates `sum by (le, <label>)` of one outcome. */
    bucketsByRoute(window: string, outcome: Outcome): string;
}

/** How each preset names a request's route and marks a failed request. */
function routeQueries(counter: string, histogram: string, sel: string, label: string, failed: string, successful: string): RouteQueries {
    const outcome = (o: Outcome) => (o === "failed" ? failed : successful);
    return {
        label,
        total: (w) => `sum by (${label}) (rate(${counter}{${sel}}[${w}]))`,
        buckets: (w, o) => `sum by (le) (rate(${histogram}_bucket{${sel}, ${outcome(o)}}[${w}]))`,
        bucketsByRoute: (w, o) => `sum by (le, ${label}) (rate(${histogram}_bucket{${sel}, ${outcome(o)}}[${w}]))`,
    };
}

/** `le` is "2" from OTLP and "2.0" after Prometheus 3's normalisation of scraped histograms. */
export function leMatcher(seconds: number): string {
    return Number.isInteger(seconds) ? `le=~"${seconds}(\\\\.0)?"` : `le="${seconds}"`;
}

/** Matches a service's raw metrics: scraped targets by job, OTLP pushes by service_name. */
export function rawSeriesMatcher(service: ServiceSpec): string {
    // Scraped targets carry the job we named after the service; OTLP pushes carry service_name.
    return service.discovery.kind === "scrape" ? `job="${service.name}"` : `service_name="${service.name}"`;
}

function byCode(rates: string, codeLabel: string): string {
    return `sum by (code) (label_replace(${rates}, "code", "$1", "${codeLabel}", "(.*)"))`;
}

/**
 * A service's synthetic probes as an SLI: each probe attempt is a "request" and a failed one
 * (`probe_success` 0) an error, both as rates per second so the SLO rules and their traffic guard
 * read them like requests. `count_over_time` counts attempts, `sum_over_time` the successful ones.
 */
export function probeQueries(service: ServiceSpec): RequestQueries {
    const sel = `job="${probeJob(service.name)}"`;
    const seconds = (window: string) => (durationMs(window) ?? 0) / 1000;
    const attempts = (w: string) => `sum(count_over_time(probe_success{${sel}}[${w}]))`;
    // Each in parentheses: the SLO rules divide one query by another.
    return {
        total: (w) => `(${attempts(w)} / ${seconds(w)})`,
        errors: (w) => `((${attempts(w)} - sum(sum_over_time(probe_success{${sel}}[${w}]))) / ${seconds(w)})`,
    };
}

/** What an SLO counts: the service's requests, or its probes for an availability SLO with `sli: probe`. */
export function sliQueries(service: ServiceSpec, slo: Slo): RequestQueries {
    return slo.kind === "availability" && slo.sli === "probe" ? probeQueries(service) : requestQueries(service);
}

export function requestQueries(service: ServiceSpec): RequestQueries {
    const { conventions } = service;
    const sel = rawSeriesMatcher(service);
    switch (conventions.preset) {
        case "otel-http": {
            const metric = PRESET_HISTOGRAMS["otel-http"];
            const { counter, failed } = PRESET_COUNTERS["otel-http"];
            return {
                total: (w) => `sum(rate(${counter}{${sel}}[${w}]))`,
                errors: (w) => `sum(rate(${counter}{${sel}, ${failed}}[${w}]))`,
                errorsByCode: (w) => byCode(`rate(${metric}_count{${sel}, http_response_status_code=~"5.."}[${w}])`, "http_response_status_code"),
                fast: (w, t) => `sum(rate(${metric}_bucket{${sel}, ${leMatcher(t)}}[${w}]))`,
                buckets: (w) => `sum by (le) (rate(${metric}_bucket{${sel}}[${w}]))`,
                routes: routeQueries(`${metric}_count`, metric, sel, "http_route", 'http_response_status_code=~"5.."', 'http_response_status_code!~"5.."'),
            };
        }
        case "prometheus-http": {
            const histogram = PRESET_HISTOGRAMS["prometheus-http"];
            const { counter, failed } = PRESET_COUNTERS["prometheus-http"];
            return {
                total: (w) => `sum(rate(${counter}{${sel}}[${w}]))`,
                errors: (w) => `sum(rate(${counter}{${sel}, ${failed}}[${w}]))`,
                errorsByCode: (w) => byCode(`rate(http_requests_total{${sel}, status=~"5.."}[${w}])`, "status"),
                fast: (w, t) => `sum(rate(${histogram}_bucket{${sel}, ${leMatcher(t)}}[${w}]))`,
                buckets: (w) => `sum by (le) (rate(${histogram}_bucket{${sel}}[${w}]))`,
                routes: routeQueries("http_requests_total", histogram, sel, "path", 'status=~"5.."', 'status!~"5.."'),
            };
        }
        case "otel-messaging": {
            // A job is one messaging.process.duration measurement; the semantic conventions set
            // error.type exactly when processing failed. The destination (queue, topic) plays the route.
            const metric = PRESET_HISTOGRAMS["otel-messaging"];
            const { counter, failed } = PRESET_COUNTERS["otel-messaging"];
            return {
                total: (w) => `sum(rate(${counter}{${sel}}[${w}]))`,
                errors: (w) => `sum(rate(${counter}{${sel}, ${failed}}[${w}]))`,
                errorsByCode: (w) => byCode(`rate(${metric}_count{${sel}, ${failed}}[${w}])`, "error_type"),
                fast: (w, t) => `sum(rate(${metric}_bucket{${sel}, ${leMatcher(t)}}[${w}]))`,
                buckets: (w) => `sum by (le) (rate(${metric}_bucket{${sel}}[${w}]))`,
                routes: routeQueries(`${metric}_count`, metric, sel, "messaging_destination_name", failed, 'error_type=""'),
            };
        }
        case "custom": {
            const fill = (query: string, w: string) => query.split(WINDOW_PLACEHOLDER).join(w);
            const { fastQuery, latencyTotalQuery } = conventions;
            return {
                total: (w) => `sum(${fill(conventions.totalQuery, w)})`,
                errors: (w) => `sum(${fill(conventions.errorQuery, w)})`,
                ...(fastQuery ? { fast: (w: string, t: number) => `sum(${fill(fastQuery, w).split(THRESHOLD_PLACEHOLDER).join(leMatcher(t))})` } : {}),
                ...(latencyTotalQuery ? { latencyTotal: (w: string) => `sum(${fill(latencyTotalQuery, w)})` } : {}),
            };
        }
    }
}

/** PromQL that is empty while the service sends no telemetry at all (for ServiceDown). */
export function presenceQuery(service: ServiceSpec): string {
    if (service.discovery.kind === "scrape") {
        return `up{job="${service.name}"}`;
    }
    switch (service.conventions.preset) {
        case "otel-http":
            return `http_server_request_duration_seconds_count{service_name="${service.name}"}`;
        case "prometheus-http":
            return `http_requests_total{service_name="${service.name}"}`;
        case "otel-messaging":
            return `${PRESET_HISTOGRAMS["otel-messaging"]}_count{service_name="${service.name}"}`;
        case "custom":
            return requestQueries(service).total("5m");
    }
}
