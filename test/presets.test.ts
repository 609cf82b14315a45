import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { StackConfig } from "../config/types";
import { METRIC_PRESETS, MetricPreset, MetricPresets } from "../model/presets";
import { renderService } from "../render";
import { summarizeDashboard } from "./support/dashboardSummary";
import { knownRunbooks, minimalRaw } from "./support/fixtures";

/**
 * A new metric convention is one entry in the presets table. This one exists only here: gRPC (and
 * other RPC) servers under the OpenTelemetry RPC semantic conventions, `rpc.server.call.duration`
 * (a histogram in seconds, advised buckets 0.005 … 10) with `rpc.method` and
 * `rpc.response.status_code`, and `error.type` set if and only if the call failed; after OTLP
 * translation Prometheus names them `rpc_server_call_duration_seconds`, `rpc_method`,
 * `rpc_response_status_code` and `error_type`. Every expected query below is written by hand.
 */
const OTEL_RPC: MetricPreset = {
    histogram: "rpc_server_call_duration_seconds",
    counter: "rpc_server_call_duration_seconds_count",
    failed: 'error_type!=""',
    successful: 'error_type=""',
    statusLabel: "rpc_response_status_code",
    routeLabel: "rpc_method",
    defaultBuckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    nouns: { singular: "call", plural: "calls", failure: "error.type set", failedHow: "(error.type set)", route: "method" },
    queueWorker: false,
};
const WITH_RPC: MetricPresets = { ...METRIC_PRESETS, "otel-rpc": OTEL_RPC };

const LEDGER = {
    name: "ledger",
    team: "payments",
    conventions: { preset: "otel-rpc" },
    slos: [
        { kind: "availability", objective: 99.9 },
        { kind: "latency", percentile: 99, threshold: "250ms" },
    ],
};

function load(service: Record<string, unknown>, presets?: MetricPresets): StackConfig {
    return loadStackConfig(minimalRaw({ services: [service] }), { knownRunbooks, ...(presets ? { presets } : {}) });
}

function problems(service: Record<string, unknown>, presets?: MetricPresets): string[] {
    try {
        load(service, presets);
    } catch (error) {
        assert.ok(error instanceof ConfigErrors, `expected ConfigErrors, got ${error}`);
        return [...error.problems];
    }
    return [];
}

interface Rule {
    readonly record?: string;
    readonly alert?: string;
    readonly expr: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
}

const config = load(LEDGER, WITH_RPC);
const rendered = renderService(config, config.services[0]);
const rules: Rule[] = YAML.parse(rendered.ruleFile.content).groups.flatMap((group: { rules: Rule[] }) => group.rules);
const golden = rendered.dashboards.find((dashboard) => dashboard.uid === "ledger-golden");
const dashboardLines = golden ? summarizeDashboard(golden.model).split("\n") : [];

function recorded(record: string, slo?: string): string {
    const rule = rules.find((candidate) => candidate.record === record && candidate.labels?.slo === slo);
    assert.ok(rule, `no rule records ${record}${slo ? ` for SLO ${slo}` : ""}; recorded: ${rules.map((r) => r.record ?? r.alert).join(", ")}`);
    return rule.expr;
}

function alert(name: string): Rule {
    const rule = rules.find((candidate) => candidate.alert === name);
    assert.ok(rule, `no alert ${name}`);
    return rule;
}

function assertDashboardHas(line: string): void {
    assert.ok(dashboardLines.includes(line), `ledger-golden has no line\n${line}\nit has:\n${dashboardLines.join("\n")}`);
}

describe("a new metric preset is one table entry (an OTel RPC server preset, added by this test only)", () => {
    test("the built-in table does not know it: a service naming it is refused with the presets there are", () => {
        assert.deepEqual(problems(LEDGER), ['services[0].conventions.preset: "otel-rpc" is not one of otel-http, prometheus-http, otel-messaging, custom']);
    });

    test("with the entry, the service's golden-signal rules count its calls and failed calls, by status code, and its P99, from the RPC histogram", () => {
        assert.equal(recorded("service:http_requests:rate5m"), 'sum(rate(rpc_server_call_duration_seconds_count{service_name="ledger"}[5m]))');
        // The failed calls once by code from the raw counter; their rate is the sum of the codes' (alerts/golden.ts).
        assert.equal(recorded("service:http_errors:rate5m"), 'sum(service_code:http_errors:rate5m{service="ledger"})');
        assert.equal(recorded("service:http_errors:rate2m"), 'sum(rate(rpc_server_call_duration_seconds_count{service_name="ledger", error_type!=""}[2m]))');
        assert.equal(
            recorded("service_code:http_errors:rate5m"),
            'sum by (code) (label_replace(rate(rpc_server_call_duration_seconds_count{service_name="ledger", error_type!=""}[5m]), "code", "$1", "rpc_response_status_code", "(.*)"))',
        );
        assert.equal(recorded("service_le:http_request_duration_seconds_bucket:rate5m"), 'sum by (le) (rate(rpc_server_call_duration_seconds_bucket{service_name="ledger"}[5m]))');
        assert.equal(recorded("service:http_request_duration_seconds:p99_5m"), 'histogram_quantile(0.99, service_le:http_request_duration_seconds_bucket:rate5m{service="ledger"})');
    });

    test("its SLOs read the same names: failed calls for availability, the 0.25 s bucket for the 250ms latency SLO", () => {
        // The calls and failed calls per window are the service's recorded rates, read from the RPC counter once (alerts/rates.ts).
        assert.equal(recorded("service:http_requests:rate1d"), 'sum(rate(rpc_server_call_duration_seconds_count{service_name="ledger"}[1d]))');
        assert.equal(recorded("service:http_errors:rate1d"), 'sum(rate(rpc_server_call_duration_seconds_count{service_name="ledger", error_type!=""}[1d]))');
        assert.equal(recorded("slo:sli_error:ratio_rate5m", "availability"), 'service:http_errors:rate5m{service="ledger"} / service:http_requests:rate5m{service="ledger"}');
        assert.equal(
            recorded("slo:sli_error:ratio_rate5m", "latency"),
            '1 - (sum(rate(rpc_server_call_duration_seconds_bucket{service_name="ledger", le="0.25"}[5m])) / on() service:http_requests:rate5m{service="ledger"})',
        );
    });

    test("its alerts speak of calls, and ServiceDown looks for its counter", () => {
        assert.equal(alert("ServiceDown").expr, 'absent_over_time(rpc_server_call_duration_seconds_count{service_name="ledger"}[5m])');
        assert.equal(alert("HighErrorRate").annotations?.summary, "ledger is failing more than 5% of calls");
        assert.equal(alert("HighErrorRate").annotations?.description, "{{ $value | humanizePercentage }} of ledger calls failed (error.type set) over the last 2m (threshold 5%).");
        assert.equal(alert("ServiceFailing").annotations?.summary, "ledger is failing nearly every call");
    });

    test("its golden-signals dashboard draws calls per method and the latency of successful and failed calls from the RPC histogram", () => {
        assertDashboardHas("stat: Calls per second unit=reqps");
        assertDashboardHas("stat: Error ratio (error.type set) unit=percentunit thresholds=-:green,0.05:red");
        assertDashboardHas("timeseries: Calls per second by method (top 10) unit=reqps");
        assertDashboardHas('  A: topk(10, sum by (rpc_method) (rate(rpc_server_call_duration_seconds_count{service_name="ledger"}[5m])))  [{{rpc_method}}]');
        assertDashboardHas('  A: histogram_quantile(0.5, sum by (le) (rate(rpc_server_call_duration_seconds_bucket{service_name="ledger", error_type=""}[5m])))  [P50]');
        assertDashboardHas('  C: histogram_quantile(0.99, sum by (le) (rate(rpc_server_call_duration_seconds_bucket{service_name="ledger", error_type!=""}[5m])))  [failed P99]');
        assertDashboardHas(
            '  A: histogram_quantile(0.95, sum by (le, rpc_method) (rate(rpc_server_call_duration_seconds_bucket{service_name="ledger", error_type=""}[5m]))) and on (rpc_method) topk(10, sum by (rpc_method) (rate(rpc_server_call_duration_seconds_count{service_name="ledger"}[5m])))  [{{rpc_method}}]',
        );
    });

    test("its OpenSLO documents name the RPC counter and histogram", () => {
        const openslo = rendered.openslo.content;
        for (const query of ['rpc_server_call_duration_seconds_count{service_name="ledger", error_type!=""}', 'rpc_server_call_duration_seconds_count{service_name="ledger"}', 'rpc_server_call_duration_seconds{service_name="ledger"}']) {
            assert.ok(openslo.includes(`query: ${query}\n`), `the OpenSLO documents do not query ${query}:\n${openslo}`);
        }
    });

    test("config validation reads the entry: latency thresholds against its histogram's default buckets, no queue queries for a server", () => {
        assert.deepEqual(problems({ ...LEDGER, slos: [{ kind: "latency", percentile: 99, threshold: "300ms" }] }, WITH_RPC), [
            "services[0].slos[0].threshold: 300ms is not a bucket boundary of rpc_server_call_duration_seconds (buckets: 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10 s), so the SLI cannot be computed exactly; pick one of those, or declare the buckets your service exports in services[0].histogramBuckets",
        ]);
        assert.deepEqual(problems({ ...LEDGER, conventions: { preset: "otel-rpc", queueLagQuery: "max(ledger_backlog_seconds)" } }, WITH_RPC), [
            "services[0].conventions.queueLagQuery: only applies with preset: otel-messaging (here preset is otel-rpc); remove it or change preset",
        ]);
    });
});

describe("the built-in presets' default buckets", () => {
    const fast = (preset: string) => ({ name: "web", conventions: { preset }, slos: [{ kind: "latency", percentile: 95, threshold: "75ms" }] });

    test("75ms is a boundary of the OpenTelemetry advice for http.server.request.duration, so an otel-http latency SLO may use it", () => {
        assert.deepEqual(problems(fast("otel-http")), []);
    });

    test("the prometheus client libraries' default buckets have no 0.075, so a prometheus-http latency SLO at 75ms is refused", () => {
        assert.deepEqual(problems(fast("prometheus-http")), [
            "services[0].slos[0].threshold: 75ms is not a bucket boundary of http_request_duration_seconds (buckets: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 s), so the SLI cannot be computed exactly; pick one of those, or declare the buckets your service exports in services[0].histogramBuckets",
        ]);
    });
});
