/**
 * A service's request and failure rates, each read from the raw counters once per window and
 * recorded (SERVICE_RATE_SERIES) at the head of the service's rule group: over GOLDEN_WINDOW, over
 * each window a golden alert judges, and over every window its request-based SLOs read. Rules of a
 * group run in order, each seeing what the ones before it recorded at the same timestamp, so every
 * ratio, total and alert after them reads these series with the values the raw counters give, and
 * an availability and a latency SLO of the same service read the counter's long windows once
 * between them, not once each.
 */
import { ServiceSpec, Slo } from "../config/types";
import { durationMs, formatMs } from "../config/units";
import { HIGH_ERROR_RATE, LATENCY_COLLAPSE, SERVICE_FAILING } from "../model/alerting";
import { CUSTOM_PRESET } from "../model/presets";
import { GOLDEN_WINDOW, SERVICE_RATE_SERIES, sliErrorWindows } from "../model/recordedSeries";
import { recordedMatcher } from "./scope";

/**
 * How often the service's request metrics get a new sample: every scrape for a scraped service, every
 * SDK export for an OTLP one.
 */
export function sampleIntervalMs(service: ServiceSpec, scrapeInterval: string): number {
    return durationMs(service.discovery.kind === "scrape" ? scrapeInterval : service.discovery.exportInterval) ?? 0;
}

/** ServiceFailing's window: at least SERVICE_FAILING.minWindow and SERVICE_FAILING.intervals of the service's sample intervals. */
export function serviceFailingWindow(service: ServiceSpec, scrapeInterval: string): string {
    return formatMs(Math.max(durationMs(SERVICE_FAILING.minWindow) ?? 0, SERVICE_FAILING.intervals * sampleIntervalMs(service, scrapeInterval)));
}

/**
 * Whether an SLO counts the service's own requests (the preset's counter), so its rules read the
 * recorded rates. A probe SLO counts probes; a `custom` preset's SLOs keep their own queries, which
 * may keep labels.
 */
export function readsServiceRates(service: ServiceSpec, slo: Slo): boolean {
    return service.conventions.preset !== CUSTOM_PRESET && !(slo.kind === "availability" && slo.sli === "probe");
}

const ms = (window: string) => durationMs(window) ?? 0;
const shortestFirst = (windows: Iterable<string>) => [...new Set(windows)].sort((a, b) => ms(a) - ms(b));

/** The windows the service's group records its request rate and its failure rate over. */
export function serviceRateWindows(service: ServiceSpec, scrapeInterval: string): { readonly requests: string[]; readonly errors: string[] } {
    const golden = [GOLDEN_WINDOW, HIGH_ERROR_RATE.window, serviceFailingWindow(service, scrapeInterval)];
    const slos = service.slos.filter((slo) => readsServiceRates(service, slo));
    const sloWindows = slos.length === 0 ? [] : sliErrorWindows(service.burnRatePolicy, ms);
    return {
        requests: shortestFirst([...golden, ...sloWindows, ...(slos.some((slo) => slo.kind === "latency") ? [LATENCY_COLLAPSE.window] : [])]),
        errors: shortestFirst([...golden, ...(slos.some((slo) => slo.kind === "availability") ? sloWindows : [])]),
    };
}

/** The recorded rates as one-series selectors (`service:http_requests:rate1h{service="shop"}`), for windows the group records. */
export function recordedRates(service: ServiceSpec, window: string): { readonly total: string; readonly errors: string } {
    const s = recordedMatcher(service);
    return { total: `${SERVICE_RATE_SERIES.requests.name(window)}{${s}}`, errors: `${SERVICE_RATE_SERIES.errors.name(window)}{${s}}` };
}
