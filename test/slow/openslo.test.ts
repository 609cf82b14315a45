/**
 * OpenSLO v1 import (documents in the `servicesFrom` folder) and export (`npm run render`). Every
 * document and every expected value below is written by hand from the OpenSLO README
 * (github.com/OpenSLO/OpenSLO, "Specification": SLO, SLI, AlertPolicy, AlertCondition).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { ConfigErrors } from "../../config/reader";
import { rawConfigFromFile } from "../../io/stackSources";
import { ServiceSpec, StackConfig } from "../../config/types";
import { DEFAULT_BURN_RATE_POLICY } from "../../model/alerting";
import { artifactFiles, renderStack } from "../../render";
import { readRunbooks } from "../../io/runbooks";
import { knownRunbooks, projectWithServiceFolder } from "../support/fixtures";

const project = (files: Record<string, string>, values: Record<string, unknown> = {}) => projectWithServiceFolder("slos", files, values);

const load = (files: Record<string, string>, values: Record<string, unknown> = {}): StackConfig => loadStackConfig(rawConfigFromFile(project(files, values), "dev"), { knownRunbooks });

function problemsOf(files: Record<string, string>): string[] {
    try {
        load(files);
    } catch (error) {
        if (error instanceof ConfigErrors) {
            return [...error.problems];
        }
        throw error;
    }
    assert.fail("expected the documents to be refused");
}

/** The OpenSLO README's example of an SLO with its SLI inlined (`foo-slo`), its Datadog queries rewritten as Prometheus counters. */
const FOO_SLO = `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: foo-slo
  displayName: Foo SLO
spec:
  service: foo
  indicator:
    metadata:
      name: foo-error
      displayName: Foo Error
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="foo", code!~"5.."}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="foo"}
  budgetingMethod: Occurrences
  objectives:
    - displayName: Foo Total Errors
      target: 0.98
`;

/**
 * The spec's examples/budgeting-method/occurences-slo.yaml (`search-slo`, a threshold metric:
 * "never more than 500ms"), rewritten for our histogram: value in seconds, `op: lte` (buckets are
 * "le"), the source our Prometheus with the OTel HTTP histogram of the service.
 */
const SEARCH_SLO = `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-slo
  displayName: Searching time
spec:
  description: Regardless of the number of parallel searches it never should be more than 500ms.
  service: web-shop
  indicator:
    metadata:
      name: search-latency
      displayName: Latency of user searches
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: http_server_request_duration_seconds{service_name="web-shop"}
  timeWindow:
    - duration: 2w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good experience
      op: lte
      value: 0.5
      target: 0.99
`;

describe("OpenSLO import", () => {
    test("the spec's threshold-metric example becomes a latency SLO: 99% of web-shop's requests within 500ms over two weeks", () => {
        const [service] = load({ "web-shop.yaml": SEARCH_SLO }).services;
        assert.equal(service.name, "web-shop");
        assert.equal(service.conventions.preset, "otel-http");
        assert.equal(service.conventions.metrics?.histogram, "http_server_request_duration_seconds");
        assert.deepEqual(service.slos, [{ kind: "latency", name: "search-slo", objective: 0.99, thresholdSeconds: 0.5, window: "2w" }]);
        assert.deepEqual(service.burnRatePolicy, DEFAULT_BURN_RATE_POLICY);
        assert.equal(service.namespace, "default");
    });

    test("the spec's inline ratio example (good/total counters) becomes an availability SLO with custom rate queries (foo-slo of service foo is its SLO named slo)", () => {
        const [service] = load({ "foo.yaml": FOO_SLO }).services;
        assert.deepEqual(service.conventions, {
            preset: "custom",
            errorQuery: 'sum(rate(http_requests_total{job="foo"}[{{.window}}])) - sum(rate(http_requests_total{job="foo", code!~"5.."}[{{.window}}]))',
            totalQuery: 'sum(rate(http_requests_total{job="foo"}[{{.window}}]))',
        });
        assert.deepEqual(service.slos, [{ kind: "availability", name: "slo", objective: 0.98, window: "30d", sli: "requests" }]);
    });

    test("standalone SLI, Service, AlertPolicy and AlertCondition documents across files map onto one service", () => {
        const config = load({
            "a-service.yaml": `
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
  labels: { team: payments }
  annotations: { lgtm-stack/namespace: shop, grafana.com/dashboard: "other tools' metadata is theirs" }
spec:
  description: The checkout API
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          query: http_server_request_duration_seconds_count{service_name="checkout", http_response_status_code=~"5.."}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_server_request_duration_seconds_count{service_name="checkout"}
`,
            "b-alerting.yaml": `
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn
spec:
  severity: page
  condition: { kind: burnrate, op: gte, threshold: 5, lookbackWindow: 1h, alertAfter: 1m }
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: page-at-5x
spec:
  alertWhenBreaching: true
  alertWhenResolved: true
  conditions: [{ conditionRef: fast-burn }]
  notificationTargets: []
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: ticket-inline
spec:
  conditions:
    - kind: AlertCondition
      metadata: { name: slow-burn, annotations: { lgtm-stack/short-window: 1h } }
      spec:
        severity: ticket
        condition: { kind: burnrate, op: gt, threshold: 2, lookbackWindow: 1d }
`,
            "c-slo.yaml": `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicatorRef: checkout-errors
  timeWindow: [{ duration: 4w, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ targetPercent: 99.95 }]
  alertPolicies: [{ alertPolicyRef: page-at-5x }, { alertPolicyRef: ticket-inline }]
`,
        });
        const [service] = config.services;
        assert.equal(service.namespace, "shop");
        assert.equal(service.team, "payments");
        assert.equal(service.conventions.preset, "otel-http");
        assert.equal(service.conventions.metrics?.histogram, "http_server_request_duration_seconds");
        assert.deepEqual(service.slos, [{ kind: "availability", name: "availability", objective: 0.9995, window: "4w", sli: "requests" }]);
        assert.deepEqual(service.burnRatePolicy, {
            page: [{ long: "1h", short: "5m", budget: { factor: 5 } }],
            ticket: [{ long: "1d", short: "1h", budget: { factor: 2 } }],
        });
    });

    test("what lgtm-stack cannot honour is refused by name, in the document and field it is written in", () => {
        const problems = problemsOf({
            "refused.yaml": `
apiVersion: openslo/v1
kind: SLO
metadata: { name: timeslices }
spec:
  service: shop
  indicator:
    metadata: { name: raw-ratio }
    spec:
      ratioMetric:
        rawType: success
        raw: { metricSource: { type: Prometheus, spec: { query: "slo:ratio" } } }
  timeWindow: [{ duration: 1M, calendar: { startTime: "2020-01-21 12:30:00", timeZone: America/New_York } }]
  budgetingMethod: Timeslices
  objectives: [{ target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 1m }]
---
apiVersion: openslo/v1
kind: DataSource
metadata: { name: prometheus }
spec: { type: Prometheus, connectionDetails: { url: "http://prometheus:9090" } }
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: mail }
spec:
  alertWhenNoData: true
  conditions: [{ kind: AlertCondition, metadata: { name: c }, spec: { severity: sev1, condition: { kind: burnrate, op: lte, threshold: 2, lookbackWindow: 1h, alertAfter: 5m } } }]
  notificationTargets: [{ targetRef: on-call-devops-mail-notification }]
---
apiVersion: openslo/v1alpha
kind: SLO
metadata: { name: old }
spec: {}
`,
        });
        assert.deepEqual(problems, [
            "slos/refused.yaml: document 2: kind: DataSource is not supported: lgtm-stack queries its own Prometheus; remove the DataSource and write metricSource.type: Prometheus in the SLI",
            'slos/refused.yaml: SLO old: apiVersion: "openslo/v1alpha" is not supported; lgtm-stack reads openslo/v1 documents (v1alpha and v2alpha differ in shape)',
            "slos/refused.yaml: SLO timeslices: spec.budgetingMethod: Timeslices is not supported: lgtm-stack's burn-rate SLOs count events (Occurrences), not time slices",
            "slos/refused.yaml: SLO timeslices: spec.indicator.spec.ratioMetric.raw: is not supported: a precomputed ratio cannot be summed over burn-rate windows; give the counters as good (or bad) and total",
            "slos/refused.yaml: SLO timeslices: spec.indicator.spec.ratioMetric.rawType: is not supported: a precomputed ratio cannot be summed over burn-rate windows; give the counters as good (or bad) and total",
            "slos/refused.yaml: SLO timeslices: spec.indicator.spec.ratioMetric.counter: is required: lgtm-stack computes the ratio from counter rates; write counter: true with counters (or rate expressions with {{.window}})",
            "slos/refused.yaml: SLO timeslices: spec.indicator.spec.ratioMetric: needs exactly one of good or bad, with total",
            "slos/refused.yaml: SLO timeslices: spec.indicator.spec.ratioMetric.total: is required: the denominator of the ratio",
            "slos/refused.yaml: SLO timeslices: spec.timeWindow[0].calendar: is not supported: lgtm-stack's SLO windows are rolling (isRolling: true)",
            "slos/refused.yaml: SLO timeslices: spec.timeWindow[0].duration: 1M: calendar units (M, Q, Y) have no fixed length, which a rolling burn-rate window needs; write it in days or weeks, e.g. 30d or 4w",
            "slos/refused.yaml: AlertPolicy mail: spec.alertWhenNoData: true is not supported: an SLO without data does not burn its budget; ServiceDown pages when a service sends nothing; write alertWhenNoData: false or remove it",
            "slos/refused.yaml: AlertPolicy mail: spec.notificationTargets: is not supported: lgtm-stack routes by severity (critical pages via PagerDuty, warning goes to Slack); write notificationTargets: []",
            'slos/refused.yaml: AlertPolicy mail: spec.conditions[0].spec.severity: "sev1" is not supported; lgtm-stack routes page (or critical) and ticket (or warning)',
            'slos/refused.yaml: AlertPolicy mail: spec.conditions[0].spec.condition.op: "lte" is not supported: a burn-rate alert fires when the burn rate exceeds the threshold; write op: gte',
        ]);
    });

    test("the spec's examples unmodified are refused for their Datadog source and missing counter flag, not half-imported", () => {
        const datadog = FOO_SLO.replace(/type: Prometheus/g, "type: Datadog").replace("        counter: true\n", "");
        const problems = problemsOf({ "foo.yaml": datadog });
        assert.deepEqual(problems, [
            "slos/foo.yaml: SLO foo-slo: spec.indicator.spec.ratioMetric.counter: is required: lgtm-stack computes the ratio from counter rates; write counter: true with counters (or rate expressions with {{.window}})",
            "slos/foo.yaml: SLO foo-slo: spec.indicator.spec.ratioMetric.good.metricSource.type: Datadog is not supported; lgtm-stack evaluates PromQL in its own Prometheus (type: Prometheus)",
            "slos/foo.yaml: SLO foo-slo: spec.indicator.spec.ratioMetric.total.metricSource.type: Datadog is not supported; lgtm-stack evaluates PromQL in its own Prometheus (type: Prometheus)",
        ]);
    });

    test("our own validation runs on the mapped service and speaks of the OpenSLO field: objective range, bucket bound, window, name", () => {
        const problems = problemsOf({
            "web-shop.yaml": SEARCH_SLO.replace("value: 0.5", "value: 0.3").replace("duration: 2w", "duration: 3d"),
            "foo.yaml": FOO_SLO.replace("target: 0.98", "targetPercent: 100.5").replace("service: foo", "service: Foo"),
        });
        assert.deepEqual(problems, [
            'slos/foo.yaml: SLO foo-slo: spec.service: "Foo" is not a short DNS label (at most 30 characters); use lowercase letters, digits and \'-\', e.g. checkout-api',
            "slos/foo.yaml: SLO foo-slo: spec.objectives[0].targetPercent: 100.5 is outside 50..99.999; an objective is a percentage below 100; use e.g. 99.9",
            "slos/web-shop.yaml: SLO search-slo: spec.timeWindow[0].duration: 3d is outside 7d..90d; SLO windows are usually 28d or 30d",
            "slos/web-shop.yaml: SLO search-slo: spec.objectives[0].value: 300ms is not a bucket boundary of http_server_request_duration_seconds (buckets: 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10 s), so the SLI cannot be computed exactly; pick one of those, or declare the buckets your service exports in histogramBuckets",
        ]);
    });

    test("a latency SLI that is not the service's histogram, and two SLOs measuring one service differently, are refused", () => {
        const problems = problemsOf({
            "web-shop.yaml": SEARCH_SLO.replace('http_server_request_duration_seconds{service_name="web-shop"}', 'histogram_quantile(0.99, sum by (le) (rate(search_seconds_bucket[5m])))'),
            "z.yaml": FOO_SLO.replace("name: foo-slo", "name: foo-second").replace('code!~"5.."', 'code!~"4..|5.."'),
            "foo.yaml": FOO_SLO,
        });
        assert.deepEqual(problems, [
            'slos/web-shop.yaml: SLO search-slo: spec.indicator: slos/web-shop.yaml: SLO search-slo: spec.indicator.spec.thresholdMetric.metricSource.spec.query: a thresholdMetric must name the service\'s latency histogram, in seconds, as a selector: one of http_server_request_duration_seconds, http_request_duration_seconds, messaging_process_duration_seconds with {service_name="<service>"}, e.g. http_server_request_duration_seconds{service_name="checkout"}',
            "slos/z.yaml: SLO foo-second: spec.indicator: measures foo with other queries than slos/foo.yaml: SLO foo-slo: spec.indicator.spec.ratioMetric; lgtm-stack measures one request ratio and one latency histogram per service",
        ]);
    });
});

describe("OpenSLO export (npm run render)", () => {
    const checkout = {
        name: "checkout",
        namespace: "shop",
        team: "payments",
        histogramBuckets: [0.1, 0.25, 0.5, 1, 2, 4],
        slos: [
            { kind: "availability", objective: 99.9 },
            { kind: "latency", name: "fast", percentile: 95, threshold: "2s", window: "28d" },
        ],
        alerts: { burnRatePolicy: { page: [{ long: "1h", short: "5m", factor: 5 }], ticket: [{ long: "3d", short: "6h", budgetPercent: 10 }] } },
    };
    const worker = {
        name: "reports",
        team: "data",
        conventions: { preset: "custom", errorQuery: "sum(rate(report_jobs_failed_total[{{.window}}]))", totalQuery: "sum(rate(report_jobs_total[{{.window}}]))" },
        slos: [{ kind: "availability", objective: 99 }],
    };
    const queue = { name: "transcoding", namespace: "media", conventions: { preset: "otel-messaging" }, slos: [{ kind: "availability", objective: 99 }, { kind: "latency", percentile: 95, threshold: "5s" }] };

    const exported = (services: unknown[]) => {
        const config = loadStackConfig(rawConfigFromFile(project({}, { "lgtm-stack:servicesFrom": undefined, "lgtm-stack:services": services }), "dev"), { knownRunbooks });
        return { config, files: artifactFiles(renderStack(config, readRunbooks())) };
    };

    test("writes a service as OpenSLO documents: the preset's counters, the histogram with its buckets, a 5x page policy", () => {
        const { files } = exported([checkout]);
        const documents = YAML.parseAllDocuments(files.get("openslo/checkout.yaml")!).map((d) => d.toJS());
        assert.deepEqual(
            documents.map((d) => `${d.kind} ${d.metadata.name}`),
            ["Service checkout", "SLI checkout-requests", "SLI checkout-latency", "SLO checkout-availability", "SLO checkout-fast", "AlertPolicy checkout-page-1-30d", "AlertPolicy checkout-ticket-1-30d", "AlertPolicy checkout-page-1-28d", "AlertPolicy checkout-ticket-1-28d"],
        );
        assert.deepEqual(documents[0].metadata, { name: "checkout", labels: { team: "payments" }, annotations: { "lgtm-stack/namespace": "shop" } });
        assert.deepEqual(documents[1].spec.ratioMetric, {
            counter: true,
            bad: { metricSource: { type: "Prometheus", spec: { query: 'http_server_request_duration_seconds_count{service_name="checkout", http_response_status_code=~"5.."}' } } },
            total: { metricSource: { type: "Prometheus", spec: { query: 'http_server_request_duration_seconds_count{service_name="checkout"}' } } },
        });
        assert.deepEqual(documents[2].metadata.annotations, { "lgtm-stack/histogram-buckets": "0.1, 0.25, 0.5, 1, 2, 4" });
        assert.deepEqual(documents[4].spec.objectives, [{ displayName: "fast", op: "lte", value: 2, target: 0.95 }]);
        assert.deepEqual(documents[4].spec.timeWindow, [{ duration: "28d", isRolling: true }]);
        assert.deepEqual(documents[5].spec.conditions[0].spec, { severity: "page", condition: { kind: "burnrate", op: "gte", threshold: 5, lookbackWindow: "1h", alertAfter: "1m" } });
        // 10% of a 30-day budget in 3 days is a burn rate of 1; of a 28-day budget, 14/15.
        assert.equal(documents[6].spec.conditions[0].spec.condition.threshold, 1);
        assert.equal(documents[8].spec.conditions[0].spec.condition.threshold, 0.933333333333);
        assert.deepEqual(documents[8].spec.conditions[0].metadata.annotations, { "lgtm-stack/budget-percent": "10" });
    });

    test("a probe-backed SLO is named as not exported, never written as a request ratio", () => {
        const storefront = { ...checkout, name: "storefront", probes: [{ name: "home", url: "https://shop.example.com/" }], slos: [{ kind: "availability", objective: 99.9 }, { kind: "availability", name: "reachable", objective: 99.5, sli: "probe" }] };
        const text = exported([storefront]).files.get("openslo/storefront.yaml")!;
        assert.match(text.split("\n")[1], /^# Not exported: SLO reachable counts synthetic probes \(sli: probe\)/);
        assert.deepEqual(
            YAML.parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d.kind === "SLO").map((d) => d.metadata.name),
            ["storefront-availability"],
        );
    });

    test("reading the export back yields the same services (preset, custom queries, buckets, SLOs, burn-rate policy)", () => {
        const { config, files } = exported([checkout, worker, queue]);
        const imported = load(Object.fromEntries([...files].filter(([name]) => name.startsWith("openslo/")).map(([name, content]) => [path.basename(name), content])));
        const essentials = (s: ServiceSpec) => ({ name: s.name, namespace: s.namespace, team: s.team, conventions: s.conventions, histogramBuckets: s.histogramBuckets, slos: s.slos, burnRatePolicy: s.burnRatePolicy });
        // Files are read in name order: checkout, reports, transcoding.
        assert.deepEqual(imported.services.map(essentials), config.services.map(essentials));
        assert.equal(imported.services.length, 3);
    });
});
