import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { serviceRuleFile } from "../alerts";
import { linksFor } from "../alerts/links";
import { loadStackConfig } from "../config/load";
import { StackConfig } from "../config/types";
import { renderServiceDashboards } from "../dashboards";
import { dashboardUids } from "../model/ids";
import { readRunbooks } from "../io/runbooks";
import { renderStack } from "../render";
import { knownRunbooks, loadStack, minimalRaw, problemsOf } from "./support/fixtures";

/**
 * The signals of issue 16, checked as a user would notice them: what the config accepts and
 * refuses, and the exact queries the dashboards show. Every expected query is written by hand.
 */

function load(values: Record<string, unknown>): StackConfig {
    return loadStackConfig(minimalRaw(values), { knownRunbooks });
}

const signal = (overrides: Record<string, unknown>) => ({ name: "queue_depth", query: "max(queue_used_ratio)", alert: "QueueBacklogHigh", ...overrides });
const withSignal = (overrides: Record<string, unknown>) => ({ services: [{ name: "transcoder", saturation: [signal(overrides)] }] });

describe("saturation in two levels", () => {
    test("a warning at 80% for 15m and a page at 95% for 5m become two levels, lowest first", () => {
        const config = load(withSignal({ critical: { threshold: 95, for: "5m" }, warning: { threshold: 80, for: "15m" } }));
        assert.deepEqual(config.services[0].saturation[0].levels, [
            { severity: "warning", threshold: 0.8, for: "15m" },
            { severity: "critical", threshold: 0.95, for: "5m" },
        ]);
    });

    test("one level keeps the plain threshold, for and severity keys", () => {
        const config = load(withSignal({ threshold: 90, for: "2m", severity: "ticket" }));
        assert.deepEqual(config.services[0].saturation[0].levels, [{ severity: "warning", threshold: 0.9, for: "2m" }]);
    });

    test("a page at or below the warning is refused with both numbers", () => {
        const problems = problemsOf(withSignal({ warning: { threshold: 90 }, critical: { threshold: 90 } }));
        assert.deepEqual(problems, ["services[0].saturation[0].critical.threshold: 90% is not above warning.threshold (90%); the page comes at the higher level, e.g. warning 80, critical 95"]);
    });

    test("mixing one level's keys with per-level objects is refused", () => {
        const problems = problemsOf(withSignal({ threshold: 85, warning: { threshold: 80 } }));
        assert.ok(problems.some((p) => p.startsWith("services[0].saturation[0].threshold: cannot be combined with warning;")), problems.join("\n"));
    });

    test("a level without its threshold says which one is missing", () => {
        const problems = problemsOf(withSignal({ warning: { for: "15m" }, critical: { threshold: 95 } }));
        assert.ok(problems.includes("services[0].saturation[0].warning.threshold: is required; give the percentage of capacity at which the warning fires, e.g. 80"), problems.join("\n"));
    });
});

interface PanelModel {
    readonly title?: string;
    readonly type?: string;
    readonly targets?: readonly { readonly expr?: string; readonly query?: string; readonly legendFormat?: string }[];
    readonly panels?: readonly PanelModel[];
}

function panels(model: object): PanelModel[] {
    const flat = (list: readonly PanelModel[]): PanelModel[] => list.flatMap((p) => [p, ...flat(p.panels ?? [])]);
    return flat((model as { panels?: PanelModel[] }).panels ?? []);
}

function goldenOf(config: StackConfig, service: string): object {
    const spec = config.services.find((s) => s.name === service);
    assert.ok(spec);
    const rendered = renderServiceDashboards(config, spec, linksFor(config)).find((d) => d.uid === dashboardUids.golden(service));
    assert.ok(rendered);
    return rendered.model;
}

function exprsOf(model: object, title: string, type = "timeseries"): string[] {
    const panel = panels(model).find((p) => p.title === title && p.type === type);
    assert.ok(panel, `no panel "${title}"; panels: ${panels(model).map((p) => p.title).join(" | ")}`);
    return (panel.targets ?? []).map((t) => t.expr ?? t.query ?? "");
}

describe("latency per route, successful and failed apart", () => {
    const config = load({
        services: [
            { name: "checkout", conventions: { preset: "otel-http" } },
            { name: "cart", discovery: { kind: "scrape", selector: { app: "cart" } }, conventions: { preset: "prometheus-http" } },
        ],
    });
    const checkout = goldenOf(config, "checkout");
    const cart = goldenOf(config, "cart");

    test("OTel services: P50/P95/P99 of successful requests exclude 5xx, failed ones are drawn apart", () => {
        const bucket = 'sum by (le) (rate(http_server_request_duration_seconds_bucket{service_name="checkout", http_response_status_code!~"5.."}[5m]))';
        assert.deepEqual(exprsOf(checkout, "Latency of successful requests P50 / P95 / P99"), [
            `histogram_quantile(0.5, ${bucket})`,
            `histogram_quantile(0.95, ${bucket})`,
            `histogram_quantile(0.99, ${bucket})`,
        ]);
        assert.deepEqual(exprsOf(checkout, "Latency of failed requests P50 / P95 / P99")[2], 'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service_name="checkout", http_response_status_code=~"5.."}[5m])))');
    });

    test("OTel services: per-route panels group by http_route and keep only the 10 busiest routes", () => {
        assert.deepEqual(exprsOf(checkout, "Requests per second by route (top 10)"), ['topk(10, sum by (http_route) (rate(http_server_request_duration_seconds_count{service_name="checkout"}[5m])))']);
        assert.deepEqual(exprsOf(checkout, "P95 latency of successful requests by route (top 10)"), [
            'histogram_quantile(0.95, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{service_name="checkout", http_response_status_code!~"5.."}[5m])))' +
                ' and on (http_route) topk(10, sum by (http_route) (rate(http_server_request_duration_seconds_count{service_name="checkout"}[5m])))',
        ]);
        assert.ok(exprsOf(checkout, "P50 latency of successful requests by route (top 10)")[0].startsWith("histogram_quantile(0.5, sum by (le, http_route)"));
        assert.ok(exprsOf(checkout, "P99 latency of successful requests by route (top 10)")[0].startsWith("histogram_quantile(0.99, sum by (le, http_route)"));
    });

    test("scraped prometheus-http services break down by the path label and the status label", () => {
        assert.deepEqual(exprsOf(cart, "Requests per second by route (top 10)"), ['topk(10, sum by (path) (rate(http_requests_total{job="cart"}[5m])))']);
        assert.deepEqual(exprsOf(cart, "Latency of failed requests P50 / P95 / P99")[0], 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{job="cart", status=~"5.."}[5m])))');
        assert.deepEqual(exprsOf(cart, "P99 latency of successful requests by route (top 10)"), [
            'histogram_quantile(0.99, sum by (le, path) (rate(http_request_duration_seconds_bucket{job="cart", status!~"5.."}[5m]))) and on (path) topk(10, sum by (path) (rate(http_requests_total{job="cart"}[5m])))',
        ]);
    });
});

describe("traffic anomalies", () => {
    test("every service gets TrafficDrop (critical, under half of last week) and TrafficSpike (warning, over three times) by default", () => {
        const config = load({ services: [{ name: "checkout" }] });
        assert.deepEqual(config.services[0].trafficAnomaly, { dropRatio: 0.5, spikeRatio: 2, minRequestsPerMinute: 10 });
        const rules = renderServiceRules(config, "checkout");
        assert.equal(
            rules.TrafficDrop,
            '(avg_over_time(service:http_requests:rate5m{service="checkout"}[10m]) / avg_over_time(service:http_requests:rate5m{service="checkout"}[10m] offset 1w) < 0.5)\n' +
                'and (avg_over_time(service:http_requests:rate5m{service="checkout"}[10m] offset 1w) * 60 >= 10)\n' +
                // Not when traffic is normal against the week before last: last week was the anomaly (its echo).
                'unless (avg_over_time(service:http_requests:rate5m{service="checkout"}[10m]) / avg_over_time(service:http_requests:rate5m{service="checkout"}[10m] offset 2w) >= 0.5)',
        );
        assert.equal(
            rules.TrafficSpike,
            '(avg_over_time(service:http_requests:rate5m{service="checkout"}[10m]) / clamp_min(avg_over_time(service:http_requests:rate5m{service="checkout"}[10m] offset 1w), (1 / 6)) > 3)\n' +
                'and (avg_over_time(service:http_requests:rate5m{service="checkout"}[10m]) * 60 >= 10)\n' +
                'unless (avg_over_time(service:http_requests:rate5m{service="checkout"}[10m]) / clamp_min(avg_over_time(service:http_requests:rate5m{service="checkout"}[10m] offset 2w), (1 / 6)) <= 3)',
        );
    });

    test("a service can turn them off (e.g. a batch endpoint with no weekly rhythm)", () => {
        const config = load({ services: [{ name: "checkout", alerts: { trafficAnomaly: { enabled: false } } }] });
        assert.equal(config.services[0].trafficAnomaly, undefined);
        assert.deepEqual(Object.keys(renderServiceRules(config, "checkout")).filter((name) => name.startsWith("Traffic")), []);
    });

    test("a drop of 100% or more could never be reached and is refused", () => {
        const problems = problemsOf({ services: [{ name: "checkout", alerts: { trafficAnomaly: { dropPercent: 100 } } }] });
        assert.ok(problems.some((p) => p.startsWith("services[0].alerts.trafficAnomaly.dropPercent:")), problems.join("\n"));
    });

    test("the traffic panel draws last week's rate dashed next to this week's", () => {
        const config = load({ services: [{ name: "checkout" }] });
        assert.deepEqual(exprsOf(goldenOf(config, "checkout"), "Requests per second"), ['service:http_requests:rate5m{service="checkout"}', 'service:http_requests:rate5m{service="checkout"} offset 1w']);
    });
});

/** Alert name → expression of one service's rendered rule file (the last rule of each name). */
function renderServiceRules(config: StackConfig, service: string): Record<string, string> {
    const spec = config.services.find((s) => s.name === service);
    assert.ok(spec);
    const file = serviceRuleFile(spec, linksFor(config), config.prometheus.scrapeInterval);
    return Object.fromEntries(file.groups.flatMap((group) => group.rules).flatMap((rule) => ("alert" in rule ? [[rule.alert, rule.expr]] : [])));
}

describe("job and queue workers (otel-messaging)", () => {
    const config = load({
        services: [
            {
                name: "mailer",
                conventions: { preset: "otel-messaging", queueDepthQuery: 'sum(mails_waiting{queue="mail"})', queueLagQuery: 'max(mail_oldest_age_seconds{queue="mail"})' },
                histogramBuckets: [1, 5, 30, 60],
                slos: [
                    { kind: "availability", objective: 99 },
                    { kind: "latency", percentile: 95, threshold: "30s" },
                ],
                alerts: { maxQueueLag: "5m" },
            },
        ],
    });
    const rules = renderServiceRules(config, "mailer");
    const spec = config.services[0];
    const file = serviceRuleFile(spec, linksFor(config), config.prometheus.scrapeInterval);
    const records = Object.fromEntries(file.groups.flatMap((g) => g.rules).flatMap((r) => ("record" in r && r.labels?.slo === undefined ? [[r.record, r.expr]] : [])));

    test("a job is one messaging.process.duration measurement and a failed job one with error.type", () => {
        assert.equal(records["service:http_requests:rate5m"], 'sum(rate(messaging_process_duration_seconds_count{service_name="mailer"}[5m]))');
        assert.equal(records["service_code:http_errors:rate5m"], 'sum by (code) (label_replace(rate(messaging_process_duration_seconds_count{service_name="mailer", error_type!=""}[5m]), "code", "$1", "error_type", "(.*)"))');
        assert.equal(records["service:http_errors:rate5m"], 'sum(service_code:http_errors:rate5m{service="mailer"})');
        assert.equal(records["service_le:http_request_duration_seconds_bucket:rate5m"], 'sum by (le) (rate(messaging_process_duration_seconds_bucket{service_name="mailer"}[5m]))');
        assert.equal(records["service:http_request_duration_seconds:p95_5m"], 'histogram_quantile(0.95, service_le:http_request_duration_seconds_bucket:rate5m{service="mailer"})');
    });

    test("queue depth and lag are recorded as one series per worker, and a lag over maxQueueLag opens a ticket", () => {
        assert.equal(records["service:queue_depth:messages"], 'sum(sum(mails_waiting{queue="mail"}))');
        assert.equal(records["service:queue_lag:seconds"], 'max(max(mail_oldest_age_seconds{queue="mail"}))');
        assert.equal(rules.JobQueueLagging, 'service:queue_lag:seconds{service="mailer"} > 300');
    });

    test("the latency SLO counts jobs processed within its threshold", () => {
        const sli = file.groups.find((g) => g.name === "mailer")?.rules.find((r) => "record" in r && r.record === "slo:sli_error:ratio_rate5m" && r.labels?.slo === "latency");
        assert.ok(sli && "record" in sli);
        assert.match(sli.expr, /messaging_process_duration_seconds_bucket\{service_name="mailer", le=~"30\(\\\\\.0\)\?"\}\[5m\]/);
    });

    test("its dashboard speaks of jobs and queues and shows depth and lag", () => {
        const golden = goldenOf(config, "mailer");
        assert.deepEqual(exprsOf(golden, "Queue depth"), ['service:queue_depth:messages{service="mailer"}']);
        assert.deepEqual(exprsOf(golden, "Queue lag"), ['service:queue_lag:seconds{service="mailer"}']);
        assert.deepEqual(exprsOf(golden, "Jobs per second by queue (top 10)"), ['topk(10, sum by (messaging_destination_name) (rate(messaging_process_duration_seconds_count{service_name="mailer"}[5m])))']);
        assert.equal(exprsOf(golden, "Latency of failed jobs P50 / P95 / P99")[0], 'histogram_quantile(0.5, sum by (le) (rate(messaging_process_duration_seconds_bucket{service_name="mailer", error_type!=""}[5m])))');
    });

    test("a queue query that is not PromQL is refused with its key path", () => {
        const problems = problemsOf({ services: [{ name: "mailer", conventions: { preset: "otel-messaging", queueLagQuery: "max(age" } }] });
        assert.ok(problems.some((p) => p.startsWith("services[0].conventions.queueLagQuery: is not valid PromQL")), problems.join("\n"));
    });

    test("the dev stack declares the transcoding worker with its SLOs", () => {
        const dev = loadStack("dev").services.find((s) => s.name === "transcoding");
        assert.ok(dev, "the dev stack has no transcoding worker");
        assert.equal(dev.conventions.preset, "otel-messaging");
        assert.deepEqual(dev.slos.map((s) => [s.kind, s.objective]), [["availability", 0.99], ["latency", 0.95]]);
    });
});

describe("request ids end to end", () => {
    const config = load({ services: [{ name: "checkout" }] });
    const rendered = renderStack(config, readRunbooks());
    const golden = goldenOf(config, "checkout");
    const runbook = rendered.stackDashboards.find((d) => d.uid === dashboardUids.runbook("HighErrorRate"));
    assert.ok(runbook);

    test("the golden dashboard has a request id box and shows that request's logs and trace", () => {
        const variables = (golden as { templating: { list: { name: string; type: string }[] } }).templating.list;
        assert.ok(variables.some((v) => v.name === "request_id" && v.type === "textbox"), JSON.stringify(variables));
        assert.deepEqual(exprsOf(golden, "Logs of this request", "logs"), ['{service_name="checkout"} | request_id != "" | request_id = "$request_id"']);
        assert.deepEqual(exprsOf(golden, "Trace of this request", "table"), ['{ span.request_id = "$request_id" }']);
    });

    test("every runbook dashboard offers the same for the service it is opened for", () => {
        for (const dashboard of rendered.stackDashboards.filter((d) => d.uid.startsWith("rb-"))) {
            assert.deepEqual(exprsOf(dashboard.model, "Logs of this request", "logs"), ['{service_name="$service"} | request_id != "" | request_id = "$request_id"'], dashboard.uid);
            assert.deepEqual(exprsOf(dashboard.model, "Trace of this request", "table"), ['{ span.request_id = "$request_id" }'], dashboard.uid);
        }
        assert.ok(exprsOf(runbook.model, "Logs of this request", "logs").length === 1);
    });
});

describe("redaction and environment in the Collector config", () => {
    const gatewayOf = (config: StackConfig) => parse(renderStack(config, readRunbooks()).workloads["otel-collector"].config);

    test("on by default: every gateway pipeline masks after the memory limiter and sets the environment, logs also mask bodies", () => {
        // The stack's name, not its profile: two prod-profile stacks stay apart in one Grafana.
        const gateway = gatewayOf(loadStackConfig({ ...minimalRaw({}), stack: "staging-eu" }, { knownRunbooks }));
        assert.deepEqual(gateway.service.pipelines.logs.processors, ["memory_limiter", "resource/environment", "redaction", "transform/redact-text", "batch"]);
        assert.deepEqual(gateway.service.pipelines.traces.processors, ["memory_limiter", "resource/environment", "redaction", "transform/redact-text", "tail_sampling", "batch"]);
        assert.deepEqual(gateway.processors["resource/environment"], { attributes: [{ key: "deployment.environment", value: "staging-eu", action: "upsert" }] });
        assert.equal(gateway.processors.redaction.allow_all_keys, true);
    });

    test("the node agent sets the environment on the logs it ships", () => {
        const agent = parse(renderStack(load({}), readRunbooks()).workloads["otel-agent"].config);
        assert.ok(agent.service.pipelines.logs.processors.includes("resource/environment"));
    });

    test("an environment adds its own patterns, or turns masking off", () => {
        const extra = gatewayOf(load({ collector: { redaction: { extraKeyPatterns: ["(?i)iban"], extraValuePatterns: ["DE[0-9]{20}"] } } }));
        assert.equal(extra.processors.redaction.blocked_key_patterns.at(-1), "(?i)iban");
        assert.equal(extra.processors.redaction.blocked_values.at(-1), "DE[0-9]{20}");
        const off = gatewayOf(load({ collector: { redaction: { enabled: false } } }));
        assert.equal(off.processors.redaction, undefined);
        assert.deepEqual(off.service.pipelines.logs.processors, ["memory_limiter", "resource/environment", "batch"]);
    });

    test("a pattern the Collector's RE2 cannot compile is refused with its key path", () => {
        const problems = problemsOf({ collector: { redaction: { extraValuePatterns: ["(?<=card )[0-9]+", "[unclosed"] } } });
        assert.ok(problems.some((p) => p.startsWith('collector.redaction.extraValuePatterns[0]: "(?<=card )[0-9]+" uses lookaround')), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith('collector.redaction.extraValuePatterns[1]: "[unclosed" is not a regular expression')), problems.join("\n"));
    });
});
