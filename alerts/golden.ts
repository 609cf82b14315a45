/** Golden-signal recording rules and alerts per service: traffic, errors, latency, saturation, up. */
import { ServiceSpec } from "../config/types";
import { durationMs, formatMs } from "../config/units";
import { HIGH_ERROR_RATE, HIGH_P99_LATENCY, QUEUE_LAG, ratioGuard, SERVICE_DOWN, SERVICE_FAILING, SERVICE_INSTANCES_DOWN, TRAFFIC_ANOMALY } from "../model/alerting";
import { BUSINESS_COUNTER } from "../model/business";
import { add, div, exact, percent, promqlNumber, sub } from "../model/exact";
import { dashboardUids } from "../model/ids";
import { GOLDEN_WINDOW, LATENCY_SERIES, SERVICE_RATE_SERIES, SERVICE_SERIES } from "../model/recordedSeries";
import { aggregateRaw, alertService, asService, rawServiceLabel, recordedLabels, recordedMatcher, sumRecorded } from "./scope";
import { presenceQuery, presetNouns, queueQueries, requestQueries } from "./conventions";
import { recordedRates, serviceFailingWindow, serviceRateWindows } from "./rates";
import { AlertDefinition, RecordingRule } from "./model";

/** The quantiles the dashboards draw from the buckets themselves (a recorded P50 would be a rule whose result nothing reads). */
export const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;

export function goldenRecordingRules(service: ServiceSpec, scrapeInterval: string): RecordingRule[] {
    const q = requestQueries(service);
    const labels = recordedLabels(service);
    const w = GOLDEN_WINDOW;
    const golden = recordedRates(service, w);
    const windows = serviceRateWindows(service, scrapeInterval);
    // Over the golden window, the failures by code are read from the raw counters and the failures are their sum.
    const byCode: RecordingRule[] = q.errorsByCode ? [{ record: SERVICE_SERIES.errorsByCode.name, expr: q.errorsByCode(w), labels }] : [];
    const errors = (window: string) => (window === w && byCode.length > 0 ? sumRecorded(service, `${SERVICE_SERIES.errorsByCode.name}{${recordedMatcher(service)}}`) : q.errors(window));
    const rules: RecordingRule[] = [
        // The rates first: the ratio, the quantiles and the alerts after them read what these recorded at the same time.
        ...byCode,
        ...windows.requests.map((window) => ({ record: SERVICE_RATE_SERIES.requests.name(window), expr: q.total(window), labels })),
        ...windows.errors.map((window) => ({ record: SERVICE_RATE_SERIES.errors.name(window), expr: errors(window), labels })),
        { record: SERVICE_SERIES.errorRatio.name, expr: `${golden.errors} / ${golden.total}`, labels },
    ];
    if (q.buckets) {
        // The bucket rates once (the histogram's widest read); each quantile reads the recorded series.
        rules.push({ record: SERVICE_SERIES.bucketRates.name, expr: q.buckets(w), labels });
        for (const quantile of LATENCY_SERIES.quantiles) {
            rules.push({
                record: LATENCY_SERIES.name(quantile),
                expr: `histogram_quantile(${quantile}, ${SERVICE_SERIES.bucketRates.name}{${recordedMatcher(service)}})`,
                labels,
            });
        }
    }
    return [...rules, ...goldenExtraRecordingRules(service)];
}

/**
 * The service's own recording rules beyond its requests: queue depth and lag, saturation, business
 * counters, from queries the service gives itself. A shared group holds them per member.
 */
export function goldenExtraRecordingRules(service: ServiceSpec): RecordingRule[] {
    const rules: RecordingRule[] = [];
    const labels = recordedLabels(service);
    const { queueDepthQuery, queueLagQuery } = queueQueries(service);
    // One series per worker whatever the broker exporter's labels: depth adds up, lag is the worst queue's.
    if (queueDepthQuery) {
        rules.push({ record: SERVICE_SERIES.queueDepth.name, expr: `sum(${queueDepthQuery})`, labels });
    }
    if (queueLagQuery) {
        rules.push({ record: SERVICE_SERIES.queueLag.name, expr: `max(${queueLagQuery})`, labels });
    }
    for (const signal of service.saturation) {
        rules.push({ record: SERVICE_SERIES.saturation.name, expr: signal.query, labels: { ...labels, signal: signal.name } });
    }
    const { labels: counterLabels } = BUSINESS_COUNTER;
    for (const counter of service.businessCounters) {
        // Summed into one series whatever labels the query keeps, so the dashboards read exactly one value per counter.
        rules.push({
            record: SERVICE_SERIES.businessCounter.name,
            expr: `sum(${counter.query})`,
            labels: { ...labels, [counterLabels.name]: counter.name, [counterLabels.unit]: counter.unit, [counterLabels.direction]: counter.goodDirection },
        });
    }
    return rules;
}

/**
 * ServiceDown's condition. For one service: no instance up, or none found (its labels then are the
 * selector's own, `job` or `service_name`); in a shared group the same per member, the members
 * nothing was found for coming from the group's info series with the same label added.
 */
function serviceDownExpr(service: ServiceSpec): string {
    const presence = presenceQuery(service);
    const scraped = service.discovery.kind === "scrape";
    if (!service.ruleMembers) {
        return scraped ? `(max(${presence}) == 0) or absent(${presence})` : `absent_over_time(${presence}[${SERVICE_DOWN.absentFor}])`;
    }
    const key = rawServiceLabel(service);
    const members = `label_replace(${SERVICE_SERIES.member.name}{${recordedMatcher(service)}}, "${key}", "$1", "service", "(.*)")`;
    if (scraped) {
        return `(${aggregateRaw(service, "max", presence)} == 0) or (${members} unless on(service) ${asService(service, presence)})`;
    }
    return `${members} unless on(service) ${asService(service, `count_over_time(${presence}[${SERVICE_DOWN.absentFor}])`)}`;
}

/** ServiceFailing: nearly every request (or job) failing over a short window pages, whatever the objectives. */
function serviceFailing(service: ServiceSpec, scrapeInterval: string, base: Pick<AlertDefinition, "service" | "team" | "dashboardUid">): AlertDefinition {
    const window = serviceFailingWindow(service, scrapeInterval);
    const q = recordedRates(service, window);
    const share = SERVICE_FAILING.percent;
    const nouns = presetNouns(service);
    return {
        ...base,
        alert: SERVICE_FAILING.alert,
        expr:
            `(${q.errors} / ${q.total} >= ${promqlNumber(div(exact(share), exact(100)))})\n` +
            `and (${q.total} * ${(durationMs(window) ?? 0) / 1000} >= ${SERVICE_FAILING.minRequests})`,
        for: SERVICE_FAILING.for,
        keepFiringFor: SERVICE_FAILING.keepFiringFor,
        severity: SERVICE_FAILING.severity,
        summary: `${service.name} is failing nearly every ${nouns.singular}`,
        description: `{{ $value | humanizePercentage }} of ${service.name} ${nouns.plural} failed over the last ${window} (pages at ${share}% or more, whatever the SLOs).`,
    };
}

export function goldenAlerts(service: ServiceSpec, scrapeInterval: string): AlertDefinition[] {
    const q = requestQueries(service);
    const base = { service: alertService(service), team: service.team, dashboardUid: dashboardUids.golden(service.name) };
    const { window } = HIGH_ERROR_RATE;
    const rates = recordedRates(service, window);
    const threshold = exact(service.errorRateThreshold);
    const scraped = service.discovery.kind === "scrape";
    const nouns = presetNouns(service);
    const alerts: AlertDefinition[] = [
        {
            ...base,
            alert: HIGH_ERROR_RATE.alert,
            // The request guard keeps a single failure in a quiet window (1 of 3 requests) from paging.
            expr:
                `(${rates.errors} / ${rates.total} > ${promqlNumber(threshold)})\n` +
                `and (${rates.total} * ${(durationMs(window) ?? 0) / 1000} >= ${ratioGuard(threshold, HIGH_ERROR_RATE.minRequests)})`,
            for: HIGH_ERROR_RATE.for,
            keepFiringFor: HIGH_ERROR_RATE.keepFiringFor,
            severity: "critical",
            summary: `${service.name} is failing more than ${percent(service.errorRateThreshold)} of ${nouns.plural}`,
            description: `{{ $value | humanizePercentage }} of ${service.name} ${nouns.plural} failed ${nouns.failedHow} over the last ${HIGH_ERROR_RATE.window} (threshold ${percent(service.errorRateThreshold)}).`,
        },
        serviceFailing(service, scrapeInterval, base),
        {
            ...base,
            alert: SERVICE_DOWN.alert,
            // Down means no instance at all: one failing target of several is ServiceInstancesDown.
            expr: serviceDownExpr(service),
            for: SERVICE_DOWN.for,
            severity: "critical",
            summary: `${service.name} is down or sends no telemetry`,
            description: scraped
                ? `Prometheus can scrape no instance of ${service.name} (job "${service.name}"), or finds no target for it.`
                : `No request metrics from any instance of ${service.name} reached Prometheus in the last ${SERVICE_DOWN.absentFor}.`,
        },
    ];
    if (scraped) {
        // Only scraped targets have a stable identity: an OTLP instance id changes at every restart,
        // so a vanished one is as likely a rollout as a failure.
        alerts.push({
            ...base,
            alert: SERVICE_INSTANCES_DOWN.alert,
            expr: `${aggregateRaw(service, "count", `${presenceQuery(service)} == 0`)} and (${aggregateRaw(service, "max", presenceQuery(service))} == 1)`,
            for: SERVICE_INSTANCES_DOWN.for,
            severity: "warning",
            summary: `Some instances of ${service.name} cannot be scraped`,
            description: `{{ $value }} scrape target(s) of ${service.name} (job "${service.name}") are down while others still answer; capacity is reduced.`,
        });
    }
    if (q.buckets) {
        alerts.push({
            ...base,
            alert: HIGH_P99_LATENCY.alert,
            expr: `${LATENCY_SERIES.name(0.99)}{${recordedMatcher(service)}} > ${service.latencyP99ThresholdSeconds}`,
            for: HIGH_P99_LATENCY.for,
            severity: HIGH_P99_LATENCY.severity,
            summary: `${service.name} P99 latency is above ${service.latencyP99ThresholdSeconds}s`,
            description: `${service.name} P99 latency is {{ $value | humanizeDuration }} over 5m (threshold ${service.latencyP99ThresholdSeconds}s).`,
        });
    }
    alerts.push(...trafficAnomalyAlerts(service, base));
    return [...alerts, ...goldenExtraAlerts(service)];
}

/** The alerts on the service's own queries ({@link goldenExtraRecordingRules}): queue lag and saturation. */
export function goldenExtraAlerts(service: ServiceSpec): AlertDefinition[] {
    const base = { service: alertService(service), team: service.team, dashboardUid: dashboardUids.golden(service.name) };
    const alerts: AlertDefinition[] = [];
    if (queueQueries(service).queueLagQuery) {
        alerts.push({
            ...base,
            alert: QUEUE_LAG.alert,
            expr: `${SERVICE_SERIES.queueLag.name}{${recordedMatcher(service)}} > ${service.maxQueueLagSeconds}`,
            for: QUEUE_LAG.for,
            severity: QUEUE_LAG.severity,
            summary: `${service.name} is more than ${service.maxQueueLagSeconds}s behind its queue`,
            description: `The oldest job waiting for ${service.name} has waited {{ $value | humanizeDuration }} (threshold ${service.maxQueueLagSeconds}s); jobs finish late.`,
        });
    }
    for (const signal of service.saturation) {
        // One rule per level, same alert name: the warning opens a ticket early, the critical one pages;
        // Alertmanager inhibits the warning while the page fires for the same service.
        for (const level of signal.levels) {
            alerts.push({
                ...base,
                alert: signal.alert,
                expr: `${SERVICE_SERIES.saturation.name}{${recordedMatcher(service)}, signal="${signal.name}"} > ${level.threshold}`,
                for: level.for,
                severity: level.severity,
                extraLabels: { signal: signal.name },
                summary: `${service.name} ${signal.name.replace(/_/g, " ")} is above ${percent(level.threshold)} of capacity`,
                description: `${service.name} ${signal.name} is at {{ $value | humanizePercentage }} of capacity (threshold ${percent(level.threshold)}).`,
            });
        }
    }
    return alerts;
}

/**
 * TrafficDrop and TrafficSpike: this week's request rate over last week's at the same time. Both
 * read the recorded 5m rate (it exists for every preset), smoothed over TRAFFIC_ANOMALY.window; the
 * value is the ratio now / last week.
 */
function trafficAnomalyAlerts(service: ServiceSpec, base: Pick<AlertDefinition, "service" | "team" | "dashboardUid">): AlertDefinition[] {
    const anomaly = service.trafficAnomaly;
    if (!anomaly) {
        return [];
    }
    const { window, baselineOffset, echoOffset, drop, spike } = TRAFFIC_ANOMALY;
    const recorded = `${SERVICE_SERIES.requests.name}{${recordedMatcher(service)}}`;
    const now = `avg_over_time(${recorded}[${window}])`;
    const lastWeek = `avg_over_time(${recorded}[${window}] offset ${baselineOffset})`;
    // `unless` drops the alert only where the week before is on record and shows no anomaly: until there are two weeks of history it changes nothing.
    const weekBefore = `avg_over_time(${recorded}[${window}] offset ${echoOffset})`;
    const minPerMinute = promqlNumber(exact(anomaly.minRequestsPerMinute));
    const below = promqlNumber(sub(exact(1), exact(anomaly.dropRatio)));
    const above = promqlNumber(add(exact(1), exact(anomaly.spikeRatio)));
    const minPerSecond = promqlNumber(div(exact(anomaly.minRequestsPerMinute), exact(60)));
    return [
        {
            ...base,
            alert: drop.alert,
            // Last week's rate must exist (a week of history) and be worth watching (low-traffic guard).
            expr: `(${now} / ${lastWeek} < ${below})\nand (${lastWeek} * 60 >= ${minPerMinute})\nunless (${now} / ${weekBefore} >= ${below})`,
            for: drop.for,
            severity: drop.severity,
            summary: `${service.name} traffic dropped more than ${percent(anomaly.dropRatio)} below the same time last week`,
            description: `${service.name} receives {{ $value | humanizePercentage }} of the requests it received at the same time one week ago (over ${window}); users may not reach it, or a client or upstream stopped calling.`,
        },
        {
            ...base,
            alert: spike.alert,
            // Against at least the low-traffic floor: from nearly nothing to a trickle is not a spike.
            expr: `(${now} / clamp_min(${lastWeek}, ${minPerSecond}) > ${above})\nand (${now} * 60 >= ${minPerMinute})\nunless (${now} / clamp_min(${weekBefore}, ${minPerSecond}) <= ${above})`,
            for: spike.for,
            severity: spike.severity,
            summary: `${service.name} traffic rose more than ${percent(anomaly.spikeRatio)} above the same time last week`,
            description: `${service.name} receives {{ $value | humanizePercentage }} of the requests it received at the same time one week ago (over ${window}); expect saturation, or look for a retry storm, a bot or a campaign.`,
        },
    ];
}
