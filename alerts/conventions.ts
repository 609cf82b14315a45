/**
 * How a service's requests look in Prometheus: the PromQL for all requests, failed requests and
 * fast-enough requests over any window, built from the service's preset entry (model/presets.ts)
 * or from its own custom queries.
 */
import { ServiceSpec, Slo } from "../config/types";
import { durationMs } from "../config/units";
import { probeJob } from "../model/probes";
import { CUSTOM_NOUNS, MetricPreset, PresetNouns } from "../model/presets";
import { memberMatcher, rawServiceLabel, sumRaw } from "./scope";

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
    /** The preset's route label: `http_route` (OTel semantic conventions), `path`, a queue's name. */
    readonly label: string;
    /** Request rate `sum by (<label>)`. */
    total(window: string): string;
    /** Bucket rates `sum by (le)` of one outcome. */
    buckets(window: string, outcome: Outcome): string;
    /** Bucket rates `sum by (le, <label>)` of one outcome. */
    bucketsByRoute(window: string, outcome: Outcome): string;
}

/** A preset's per-route views: its route label, and its failed or successful requests only. */
function routeQueries(metrics: MetricPreset, sel: string): RouteQueries {
    const { counter, histogram, routeLabel: label } = metrics;
    const outcome = (o: Outcome) => (o === "failed" ? metrics.failed : metrics.successful);
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
    return memberMatcher(rawServiceLabel(service), service);
}

function byCode(service: ServiceSpec, rates: string, codeLabel: string): string {
    return sumRaw(service, `label_replace(${rates}, "code", "$1", "${codeLabel}", "(.*)")`, ["code"]);
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
    const { metrics } = conventions;
    if (metrics === undefined) {
        const fill = (query: string, w: string) => query.split(WINDOW_PLACEHOLDER).join(w);
        const { fastQuery, latencyTotalQuery } = conventions;
        return {
            total: (w) => `sum(${fill(conventions.totalQuery, w)})`,
            errors: (w) => `sum(${fill(conventions.errorQuery, w)})`,
            ...(fastQuery ? { fast: (w: string, t: number) => `sum(${fill(fastQuery, w).split(THRESHOLD_PLACEHOLDER).join(leMatcher(t))})` } : {}),
            ...(latencyTotalQuery ? { latencyTotal: (w: string) => `sum(${fill(latencyTotalQuery, w)})` } : {}),
        };
    }
    const { counter, histogram, failed } = metrics;
    return {
        total: (w) => sumRaw(service, `rate(${counter}{${sel}}[${w}])`),
        errors: (w) => sumRaw(service, `rate(${counter}{${sel}, ${failed}}[${w}])`),
        errorsByCode: (w) => byCode(service, `rate(${counter}{${sel}, ${failed}}[${w}])`, metrics.statusLabel),
        fast: (w, t) => sumRaw(service, `rate(${histogram}_bucket{${sel}, ${leMatcher(t)}}[${w}])`),
        buckets: (w) => sumRaw(service, `rate(${histogram}_bucket{${sel}}[${w}])`, ["le"]),
        routes: routeQueries(metrics, sel),
    };
}

/** PromQL that is empty while the service sends no telemetry at all (for ServiceDown). */
export function presenceQuery(service: ServiceSpec): string {
    if (service.discovery.kind === "scrape") {
        return `up{${memberMatcher("job", service)}}`;
    }
    const { metrics } = service.conventions;
    return metrics ? `${metrics.counter}{${memberMatcher("service_name", service)}}` : requestQueries(service).total("5m");
}

/** What one unit of the service's traffic is called: its preset's nouns, or plain requests for custom queries. */
export function presetNouns(service: ServiceSpec): PresetNouns {
    return service.conventions.metrics?.nouns ?? CUSTOM_NOUNS;
}

/** A queue worker's depth and lag queries (from its broker's exporter), when its conventions give them. */
export function queueQueries(service: ServiceSpec): { readonly queueDepthQuery?: string; readonly queueLagQuery?: string } {
    const { conventions } = service;
    return conventions.metrics ? conventions : {};
}
