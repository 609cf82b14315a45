/**
 * Generates `promtool test rules` suites for every service and SLO from the same spec the rules
 * come from (kubernetes-mixin style): `for` boundaries, must-not-fire cases, and exact labels and
 * annotations including `runbook_url`.
 */
import { ServiceSpec, Slo } from "../config/types";
import { parseDuration } from "../config/units";
import { goldenAlerts, HIGH_ERROR_RATE } from "./golden";
import { Links } from "./links";
import { AlertDefinition, toAlertingRule } from "./model";
import { sloAlerts } from "./slo";

/** Requests per minute in every scenario: 10 requests per second. */
const RPM = 600;
const MINUTES_PER_DAY = 1440;

interface Traffic {
    /** Requests in minute i (between sample i-1 and i). */
    total(minute: number): number;
    /** Failed (5xx) requests in minute i. */
    errors(minute: number): number;
    /** Requests slower than the latency SLO threshold in minute i. */
    slow(minute: number): number;
}

const steady = (errorRatio: number, slowRatio = 0): Traffic => ({ total: () => RPM, errors: () => RPM * errorRatio, slow: () => RPM * slowRatio });

/** promtool's expanding notation (`a+bxn`), one segment per run of equal increments. */
export function compressSeries(values: readonly (number | undefined)[]): string {
    const parts: string[] = [];
    let i = 0;
    while (i < values.length) {
        const start = values[i];
        if (start === undefined) {
            let j = i;
            while (j < values.length && values[j] === undefined) {
                j++;
            }
            parts.push(j - i === 1 ? "_" : `_x${j - i}`);
            i = j;
            continue;
        }
        let j = i + 1;
        const delta = j < values.length && values[j] !== undefined ? (values[j] as number) - start : 0;
        while (j < values.length && values[j] !== undefined && Math.abs((values[j] as number) - (values[j - 1] as number) - delta) < 1e-9) {
            j++;
        }
        const count = j - i - 1;
        const fmt = (n: number) => Number(n.toPrecision(12)).toString();
        parts.push(count === 0 ? fmt(start) : `${fmt(start)}${delta >= 0 ? "+" : "-"}${fmt(Math.abs(delta))}x${count}`);
        i = j;
    }
    return parts.join(" ");
}

function counter(minutes: number, perMinute: (minute: number) => number, stopAt?: number): (number | undefined)[] {
    const values: (number | undefined)[] = [];
    let total = 0;
    for (let i = 0; i <= minutes; i++) {
        if (i > 0) {
            total += perMinute(i);
        }
        values.push(stopAt !== undefined && i > stopAt ? undefined : total);
    }
    return values;
}

function inputSeries(service: ServiceSpec, traffic: Traffic, minutes: number, stopAt?: number) {
    const thresholds = [...new Set(service.slos.flatMap((slo) => (slo.kind === "latency" ? [slo.thresholdSeconds] : [])))];
    const scraped = service.discovery.kind === "scrape";
    const id = scraped ? `job="${service.name}"` : `service_name="${service.name}"`;
    const series: { series: string; values: string }[] = [];
    const add = (name: string, perMinute: (minute: number) => number) => series.push({ series: `${name}`, values: compressSeries(counter(minutes, perMinute, stopAt)) });
    if (service.conventions.preset === "prometheus-http") {
        add(`http_requests_total{${id}, status="200"}`, (i) => traffic.total(i) - traffic.errors(i));
        add(`http_requests_total{${id}, status="500"}`, traffic.errors);
    } else {
        add(`http_server_request_duration_seconds_count{${id}, http_response_status_code="200"}`, (i) => traffic.total(i) - traffic.errors(i));
        add(`http_server_request_duration_seconds_count{${id}, http_response_status_code="500"}`, traffic.errors);
    }
    const histogram = service.conventions.preset === "prometheus-http" ? "http_request_duration_seconds_bucket" : "http_server_request_duration_seconds_bucket";
    for (const threshold of thresholds) {
        add(`${histogram}{${id}, le="${threshold}"}`, (i) => traffic.total(i) - traffic.slow(i));
    }
    if (thresholds.length > 0) {
        add(`${histogram}{${id}, le="+Inf"}`, traffic.total);
    }
    if (scraped) {
        const up = Array.from({ length: minutes + 1 }, (_, i) => (stopAt !== undefined && i > stopAt ? 0 : 1));
        series.push({ series: `up{job="${service.name}", instance="${service.name}:8080"}`, values: compressSeries(up) });
    }
    return series;
}

/** Expected alert: labels and annotations from the rule itself, with `$value` rendered as given. */
function expected(definition: AlertDefinition, links: Links, value: string, seriesLabels: Record<string, string> = {}) {
    const rule = toAlertingRule(definition, links);
    const render = (text: string) => text.replace(/\{\{ \$value[^}]*\}\}/g, value);
    return {
        exp_labels: { ...seriesLabels, ...rule.labels },
        exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v)])),
    };
}

const at = (minutes: number) => `${minutes}m`;

function quietCase(service: ServiceSpec, alerts: AlertDefinition[]) {
    return {
        name: `${service.name}: a quiet service (no requests for 3 hours) fires nothing`,
        interval: "1m",
        input_series: inputSeries(service, { total: () => 0, errors: () => 0, slow: () => 0 }, 180),
        alert_rule_test: [30, 90, 179].flatMap((minute) => alerts.map((a) => ({ eval_time: at(minute), alertname: a.alert, exp_alerts: [] }))),
    };
}

function errorBurstCases(service: ServiceSpec, links: Links) {
    const highErrorRate = goldenAlerts(service).find((a) => a.alert === "HighErrorRate")!;
    const onset = 30;
    const forMinutes = (parseDuration(HIGH_ERROR_RATE.for) ?? 180) / 60;
    // The 2m ratio first sees the errors at the sample after onset; the alert fires `for` later.
    const firesAt = onset + 1 + forMinutes;
    const burst = (minutes: number): Traffic => ({ total: () => RPM, errors: (i) => (i > onset && i <= onset + minutes ? RPM : 0), slow: () => 0 });
    return [
        {
            name: `${service.name}: six minutes of HTTP 500 page through HighErrorRate at the for boundary`,
            interval: "1m",
            input_series: inputSeries(service, burst(6), 60),
            alert_rule_test: [
                { eval_time: at(firesAt - 1), alertname: "HighErrorRate", exp_alerts: [] },
                { eval_time: at(firesAt), alertname: "HighErrorRate", exp_alerts: [expected(highErrorRate, links, "100%")] },
                { eval_time: at(onset + 6), alertname: "HighErrorRate", exp_alerts: [expected(highErrorRate, links, "100%")] },
            ],
        },
        {
            name: `${service.name}: a one-minute blip of HTTP 500 does not page`,
            interval: "1m",
            input_series: inputSeries(service, burst(1), 60),
            alert_rule_test: Array.from({ length: 8 }, (_, k) => ({ eval_time: at(onset + k), alertname: "HighErrorRate", exp_alerts: [] })),
        },
    ];
}

function serviceDownCase(service: ServiceSpec, links: Links) {
    const serviceDown = goldenAlerts(service).find((a) => a.alert === "ServiceDown")!;
    const stop = 60;
    const scraped = service.discovery.kind === "scrape";
    // Scraped: up drops to 0 at the next scrape. OTLP: absent once no sample is left in 5m.
    const trueFrom = scraped ? stop + 1 : stop + 5;
    const firesAt = trueFrom + 1;
    const labels: Record<string, string> = scraped ? { job: service.name, instance: `${service.name}:8080` } : service.conventions.preset === "custom" ? {} : { service_name: service.name };
    return {
        name: `${service.name}: a service that stops ${scraped ? "answering scrapes" : "sending telemetry"} pages through ServiceDown within ${firesAt - stop} minutes`,
        interval: "1m",
        input_series: inputSeries(service, steady(0), 80, stop),
        alert_rule_test: [
            { eval_time: at(stop), alertname: "ServiceDown", exp_alerts: [] },
            { eval_time: at(firesAt - 1), alertname: "ServiceDown", exp_alerts: [] },
            { eval_time: at(firesAt), alertname: "ServiceDown", exp_alerts: [expected(serviceDown, links, "", labels)] },
        ],
    };
}

function budget(slo: Slo): number {
    return 1 - slo.objective;
}

function sloCases(service: ServiceSpec, slo: Slo, links: Links) {
    const [fast, slow] = sloAlerts(service, slo);
    const windowMinutes = (parseDuration(slo.window) ?? 30 * 86400) / 60;
    const b = budget(slo);
    const burnTraffic = (ratio: number, from: number): Traffic =>
        slo.kind === "latency"
            ? { total: () => RPM, errors: () => 0, slow: (i) => (i > from ? RPM * ratio : 0) }
            : { total: () => RPM, errors: (i) => (i > from ? RPM * ratio : 0), slow: () => 0 };
    // 15% of the budget in one hour is a burn rate of 0.15 × window/1h; capped at every request failing.
    const fastRatio = Math.min(1, (0.15 * windowMinutes) / 60 * b);
    const onset = 60;
    const burnAfterHour = fastRatio / b;
    const cases: object[] = [
        {
            name: `${service.name}/${slo.name}: burning ${fastRatio === 1 ? "at the maximum rate (every request bad)" : "15% of the budget in one hour"} pages through FastBudgetBurn within that hour`,
            interval: "1m",
            input_series: inputSeries(service, burnTraffic(fastRatio, onset), onset + 60),
            alert_rule_test: [
                { eval_time: at(onset), alertname: "FastBudgetBurn", exp_alerts: [] },
                { eval_time: at(onset + 60), alertname: "FastBudgetBurn", exp_alerts: [expected(fast, links, burnAfterHour.toFixed(1))] },
            ],
        },
        {
            name: `${service.name}/${slo.name}: a steady 0.5x burn for three days raises no SLO alert`,
            interval: "1m",
            input_series: inputSeries(service, burnTraffic(0.5 * b, 0), 3 * MINUTES_PER_DAY),
            alert_rule_test: [60, 360, MINUTES_PER_DAY, 2 * MINUTES_PER_DAY, 3 * MINUTES_PER_DAY].flatMap((minute) =>
                [fast, slow].map((alert) => ({ eval_time: at(minute), alertname: alert.alert, exp_alerts: [] })),
            ),
        },
        {
            name: `${service.name}/${slo.name}: a single bad request in a quiet hour pages nobody (low-traffic guard)`,
            interval: "1m",
            input_series: inputSeries(
                service,
                slo.kind === "latency"
                    ? { total: (i) => (i === 30 ? 1 : 0), errors: () => 0, slow: (i) => (i === 30 ? 1 : 0) }
                    : { total: (i) => (i === 30 ? 1 : 0), errors: (i) => (i === 30 ? 1 : 0), slow: () => 0 },
                90,
            ),
            alert_rule_test: [31, 35, 45, 60].flatMap((minute) => [fast, slow].map((alert) => ({ eval_time: at(minute), alertname: alert.alert, exp_alerts: [] }))),
        },
    ];
    return cases;
}

/** The promtool test document for one service's rule file. */
export function serviceRuleTests(service: ServiceSpec, links: Links, ruleFileName: string) {
    const alerts = [...goldenAlerts(service), ...service.slos.flatMap((slo) => sloAlerts(service, slo))];
    return {
        rule_files: [ruleFileName],
        evaluation_interval: "1m",
        tests: [
            quietCase(service, alerts),
            ...errorBurstCases(service, links),
            serviceDownCase(service, links),
            ...service.slos.flatMap((slo) => sloCases(service, slo, links)),
        ],
    };
}
