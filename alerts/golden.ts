/** Golden-signal recording rules and alerts per service: traffic, errors, latency, saturation, up. */
import { ServiceSpec } from "../config/types";
import { presenceQuery, requestQueries } from "./conventions";
import { dashboardUids } from "../model/ids";
import { AlertDefinition, RecordingRule } from "./model";

export const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;

export function goldenRecordingRules(service: ServiceSpec): RecordingRule[] {
    const q = requestQueries(service);
    const labels = { service: service.name };
    const rules: RecordingRule[] = [
        { record: "service:http_requests:rate5m", expr: q.total("5m"), labels },
        { record: "service:http_errors:rate5m", expr: q.errors("5m"), labels },
        { record: "service:http_errors:ratio_rate5m", expr: `${q.errors("5m")} / ${q.total("5m")}`, labels },
    ];
    if (q.buckets) {
        for (const quantile of LATENCY_QUANTILES) {
            rules.push({
                record: `service:http_request_duration_seconds:p${Math.round(quantile * 100)}_5m`,
                expr: `histogram_quantile(${quantile}, ${q.buckets("5m")})`,
                labels,
            });
        }
    }
    for (const signal of service.saturation) {
        rules.push({ record: "service:saturation:ratio", expr: signal.query, labels: { ...labels, signal: signal.name } });
    }
    return rules;
}

/**
 * HighErrorRate looks at a 2m window and waits 3m: a one-minute blip of errors keeps a 2m ratio
 * high for under 3 minutes and does not page, six minutes of HTTP 500 do (after ~3.5 minutes).
 */
export const HIGH_ERROR_RATE = { window: "2m", for: "3m" } as const;

export function goldenAlerts(service: ServiceSpec): AlertDefinition[] {
    const q = requestQueries(service);
    const base = { service: service.name, team: service.team, dashboardUid: dashboardUids.golden(service.name) };
    const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(6))}%`;
    const alerts: AlertDefinition[] = [
        {
            ...base,
            alert: "HighErrorRate",
            expr: `(${q.errors(HIGH_ERROR_RATE.window)} / ${q.total(HIGH_ERROR_RATE.window)}) > ${service.errorRateThreshold}`,
            for: HIGH_ERROR_RATE.for,
            severity: "page",
            summary: `${service.name} is failing more than ${percent(service.errorRateThreshold)} of requests`,
            description: `{{ $value | humanizePercentage }} of ${service.name} requests failed with a 5xx over the last ${HIGH_ERROR_RATE.window} (threshold ${percent(service.errorRateThreshold)}).`,
        },
        {
            ...base,
            alert: "ServiceDown",
            expr:
                service.discovery.kind === "scrape"
                    ? `(${presenceQuery(service)} == 0) or absent(${presenceQuery(service)})`
                    : `absent_over_time(${presenceQuery(service)}[5m])`,
            for: "1m",
            severity: "page",
            summary: `${service.name} is down or sends no telemetry`,
            description:
                service.discovery.kind === "scrape"
                    ? `Prometheus cannot scrape ${service.name} (job "${service.name}") or finds no target for it.`
                    : `No request metrics from ${service.name} reached Prometheus in the last 5 minutes.`,
        },
    ];
    if (q.buckets) {
        alerts.push({
            ...base,
            alert: "HighLatency",
            expr: `service:http_request_duration_seconds:p99_5m{service="${service.name}"} > ${service.latencyP99ThresholdSeconds}`,
            for: "10m",
            severity: "ticket",
            summary: `${service.name} P99 latency is above ${service.latencyP99ThresholdSeconds}s`,
            description: `${service.name} P99 latency is {{ $value | humanizeDuration }} over 5m (threshold ${service.latencyP99ThresholdSeconds}s).`,
        });
    }
    for (const signal of service.saturation) {
        alerts.push({
            ...base,
            alert: signal.alert,
            expr: `service:saturation:ratio{service="${service.name}", signal="${signal.name}"} > ${signal.threshold}`,
            for: signal.for,
            severity: signal.severity,
            extraLabels: { signal: signal.name },
            summary: `${service.name} ${signal.name.replace(/_/g, " ")} is above ${percent(signal.threshold)} of capacity`,
            description: `${service.name} ${signal.name} is at {{ $value | humanizePercentage }} of capacity (threshold ${percent(signal.threshold)}).`,
        });
    }
    return alerts;
}
