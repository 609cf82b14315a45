/**
 * Every recorded series a rule or a dashboard panel reads is one that a rule of the same stack
 * records. Recording rules are named `level:metric:operations` (Prometheus's naming convention; a
 * scraped or pushed metric never has a colon), so every selector whose metric name has a colon must
 * name a `record:` of the stack's rendered rule files. Expressions are parsed with the PromQL grammar
 * Grafana's editor uses (the selector's metric name, or its `__name__="…"` matcher).
 *
 * The corpus: the dev and prod stacks, prod in the distributed topology, and the promtool suites'
 * fixture (both discovery kinds, all three presets, a 28-day window and a team's own 5x page
 * policy), plus a service with other burn-rate windows and a latency SLO at another percentile.
 *
 * Runbook dashboards are rendered for every runbook, whatever the stack's config holds, because a
 * service declared in code (`ObservedService`) can fire any of the alerts and links to its runbook
 * dashboard. Their diagnostic panels are therefore held to what the product records for some
 * service: the recorded series of the fixture stack (every preset, saturation, a worker) or of the
 * stack itself. Every other dashboard and every rule is held to the stack's own rules.
 *
 * Raw metric names (those without a colon) are held to what the stack's sources produce
 * ({@link PRODUCERS}, written by hand from each exporter's metric naming: Prometheus's and
 * Alertmanager's own, the Collector's `otelcol_`, Loki's `loki_`, Tempo's `tempo_`, Mimir's `cortex_`,
 * kube-state-metrics' `kube_`, node-exporter's `node_`, the kubelet's `kubelet_` and cAdvisor's
 * `container_`, the control plane's `apiserver_`, `etcd_` and `coredns_`, the blackbox exporter's
 * `probe_`, and the services' metrics under the OpenTelemetry and Prometheus-client conventions),
 * each only where the stack runs or scrapes it; plus the metrics a service's own queries name.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { parser } from "@prometheus-io/lezer-promql";
import { loadStackConfig } from "../../config/load";
import { StackConfig } from "../../config/types";
import { substituteVariables } from "../../model/queryGrammar";
import { readRunbooks } from "../../io/runbooks";
import { allDashboards, renderStack, ruleFiles } from "../../render";
import { knownRunbooks, loadStack, minimalRaw, stackFile } from "../support/fixtures";
import { ruleFixtureConfig } from "../support/ruleFixture";
import { distributedValues, OBJECT_STORAGE_SECRETS } from "../support/topology";

/** Metric names a PromQL expression selects: each vector selector's name, or its `__name__="…"` matcher. */
export function selectedMetricNames(expr: string): string[] {
    const names: string[] = [];
    parser.parse(expr).iterate({
        enter(ref) {
            if (ref.name !== "VectorSelector") {
                return;
            }
            const selector = ref.node;
            const identifier = selector.getChild("Identifier");
            if (identifier) {
                names.push(expr.slice(identifier.from, identifier.to));
                return;
            }
            for (const matcher of selector.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? []) {
                const label = matcher.getChild("LabelName");
                const value = matcher.getChild("StringLiteral");
                if (label && value && expr.slice(label.from, label.to) === "__name__" && matcher.getChild("MatchOp")?.getChild("EqlSingle")) {
                    names.push(expr.slice(value.from + 1, value.to - 1));
                }
            }
        },
    });
    return names;
}

interface Read {
    readonly where: string;
    readonly expr: string;
    /** A runbook dashboard's panel: held to what some service of the product records (see above). */
    readonly runbook?: boolean;
}

/** Every PromQL expression a stack evaluates or shows: its rules, and the Prometheus targets of its dashboards. */
function promqlReads(config: StackConfig): { reads: Read[]; recorded: Set<string> } {
    const rendered = renderStack(config, readRunbooks());
    const reads: Read[] = [];
    const recorded = new Set<string>();
    for (const file of ruleFiles(rendered)) {
        for (const group of YAML.parse(file.content).groups as { rules: { record?: string; alert?: string; expr: string }[] }[]) {
            for (const rule of group.rules) {
                if (rule.record) recorded.add(rule.record);
                reads.push({ where: `${file.fileName} ${rule.record ?? rule.alert}`, expr: rule.expr });
            }
        }
    }
    for (const dashboard of allDashboards(rendered)) {
        const walk = (panels: readonly Record<string, any>[] | undefined) => {
            for (const panel of panels ?? []) {
                walk(panel.panels);
                for (const target of panel.targets ?? []) {
                    const type = target.datasource?.type ?? panel.datasource?.type;
                    if (typeof target.expr === "string" && type === "prometheus") {
                        // Dashboard variables take a value of the right shape; the names are what is checked.
                        reads.push({ where: `dashboard ${dashboard.uid} panel "${panel.title}"`, runbook: dashboard.uid.startsWith("rb-"), expr: substituteVariables(target.expr, { service: "svc", slo: "slo", namespace: "ns", pod: "pod", node: "node", job: "job", team: "team" }) });
                    }
                }
            }
        };
        walk((dashboard.model as { panels?: Record<string, any>[] }).panels);
    }
    return { reads, recorded };
}

/** The reads of recorded series (names with a colon) that no rule of the stack records (runbook panels: nor of any kind of service). */
export function unrecordedReads(reads: readonly Read[], recorded: ReadonlySet<string>, recordedBySomeService: ReadonlySet<string> = new Set()): string[] {
    return reads.flatMap(({ where, expr, runbook }) =>
        selectedMetricNames(expr)
            .filter((name) => name.includes(":") && !recorded.has(name) && !(runbook && recordedBySomeService.has(name)))
            .map((name) => `${where} reads ${name}, which no rule records`),
    );
}

/** A source of raw metrics: which names it produces, and whether the stack runs or scrapes it. */
interface Producer {
    readonly name: string;
    readonly produces: RegExp;
    readonly present: (config: StackConfig) => boolean;
}

const always = () => true;

/** Written by hand from each source's metric names (its own prefix, or the exact names of a convention). */
export const PRODUCERS: readonly Producer[] = [
    // Prometheus (and the operator's agent) scraping itself, and the series every scrape and rule evaluation adds.
    { name: "Prometheus", produces: /^(prometheus_(?!operator_)|up$|ALERTS$|scrape_)/, present: always },
    // Every Go program the stack scrapes exports the client library's process collector.
    { name: "any scraped Go program", produces: /^(process_|go_)/, present: always },
    { name: "Alertmanager", produces: /^alertmanager_/, present: always },
    { name: "the Collector", produces: /^otelcol_/, present: always },
    { name: "Loki", produces: /^loki_/, present: always },
    { name: "Tempo", produces: /^tempo_/, present: always },
    { name: "Mimir", produces: /^cortex_/, present: (config) => config.topology.kind === "distributed" },
    { name: "kube-state-metrics", produces: /^kube_/, present: always },
    { name: "node-exporter", produces: /^node_/, present: (config) => config.collector.agentEnabled },
    { name: "the kubelet and cAdvisor", produces: /^(kubelet_|container_)/, present: always },
    { name: "the API server", produces: /^apiserver_/, present: (config) => config.cluster.controlPlane.apiServer },
    { name: "etcd", produces: /^etcd_/, present: (config) => config.cluster.controlPlane.etcd },
    { name: "CoreDNS", produces: /^coredns_/, present: (config) => config.cluster.controlPlane.coreDns },
    { name: "the blackbox exporter", produces: /^probe_/, present: (config) => config.operator.enabled },
    // The services, by convention: OpenTelemetry's HTTP server and messaging histograms, the Prometheus client's HTTP pair.
    {
        name: "a service's SDK",
        produces: /^(http_server_request_duration_seconds|messaging_process_duration_seconds|http_request_duration_seconds)_(bucket|count|sum)$|^http_requests_total$/,
        present: (config) => config.services.length > 0,
    },
];

/** Metric names the services' own queries name (saturation, queues, custom SLIs, business counters): theirs to produce. */
function serviceOwnMetrics(config: StackConfig): Set<string> {
    const names = new Set<string>();
    const walk = (value: unknown, key = ""): void => {
        if (typeof value === "string" && /query$/i.test(key)) {
            selectedMetricNames(value).forEach((name) => names.add(name));
        } else if (Array.isArray(value)) {
            value.forEach((item) => walk(item, key));
        } else if (value && typeof value === "object") {
            Object.entries(value).forEach(([k, v]) => walk(v, k));
        }
    };
    walk(config.services);
    return names;
}

/**
 * The reads of raw metrics no present source produces. A runbook panel may read a source the stack
 * does not run (its dashboard is rendered whatever the stack holds), but never a name no source makes.
 */
export function unproducedReads(reads: readonly Read[], config: StackConfig, producers: readonly Producer[] = PRODUCERS): string[] {
    const own = serviceOwnMetrics(config);
    return reads.flatMap(({ where, expr, runbook }) =>
        selectedMetricNames(expr)
            .filter((name) => !name.includes(":") && !own.has(name))
            .filter((name) => !producers.some((p) => p.produces.test(name) && (runbook || p.present(config))))
            .map((name) => `${where} reads ${name}, which nothing in this stack produces`),
    );
}

const OTHER_WINDOWS = loadStackConfig(
    minimalRaw({
        services: [
            {
                name: "ledger",
                team: "finance",
                histogramBuckets: [0.1, 0.25, 0.5, 1],
                slos: [
                    { kind: "availability", objective: 99.95, window: "7d" },
                    { kind: "latency", percentile: 99, threshold: "500ms" },
                ],
                alerts: { burnRatePolicy: { page: [{ long: "2h", short: "10m", factor: 10 }], ticket: [{ long: "1d", short: "2h", factor: 2 }] } },
            },
        ],
    }),
    { knownRunbooks },
);

const CORPUS: [string, () => StackConfig][] = [
    ["dev", () => loadStack("dev")],
    ["prod", () => loadStack("prod")],
    [
        "prod, distributed",
        () => {
            const file = stackFile("prod");
            return loadStackConfig({ ...file, values: { ...file.values, ...distributedValues() }, secretKeys: new Set([...file.secretKeys, ...OBJECT_STORAGE_SECRETS]) }, { knownRunbooks });
        },
    ],
    ["the promtool suites' fixture", ruleFixtureConfig],
    ["a service with its own windows and percentile", () => OTHER_WINDOWS],
];

describe("every recorded series read is a series some rule writes", () => {
    const everyKindOfService = promqlReads(ruleFixtureConfig()).recorded;
    for (const [name, config] of CORPUS) {
        test(`${name}: every rule and dashboard panel reads only recorded series the stack records`, () => {
            const { reads, recorded } = promqlReads(config());
            assert.ok(reads.length > 100 && recorded.size > 10, `${reads.length} expressions, ${recorded.size} recorded series`);
            const readsRecorded = reads.filter((read) => selectedMetricNames(read.expr).some((metric) => metric.includes(":")));
            assert.ok(readsRecorded.length > 10, `${readsRecorded.length} expressions read recorded series`);
            assert.deepEqual(unrecordedReads(reads, recorded, everyKindOfService), []);
        });
    }

    for (const [name, config] of CORPUS) {
        test(`${name}: every raw metric read is one a source of the stack produces`, () => {
            const stack = config();
            const { reads } = promqlReads(stack);
            const raw = reads.filter((read) => selectedMetricNames(read.expr).some((metric) => !metric.includes(":")));
            assert.ok(raw.length > 50, `${raw.length} expressions read raw metrics`);
            assert.deepEqual(unproducedReads(reads, stack), []);
        });
    }

    for (const [name, config] of CORPUS) {
        test(`${name}: every series a rule records is read by some rule or panel (no rule whose result nothing reads)`, () => {
            const { reads, recorded } = promqlReads(config());
            const read = new Set(reads.flatMap((r) => selectedMetricNames(r.expr)));
            assert.deepEqual([...recorded].filter((series) => !read.has(series)).sort(), []);
        });
    }

    test("the raw-metric check names Mimir's metrics without Mimir, node-exporter's without it, and a name nothing makes", () => {
        const single = loadStack("dev");
        const reads = [
            { where: "panel", expr: "sum(rate(cortex_discarded_samples_total[5m])) + sum(rate(loki_discarded_samples_total[5m]))" },
            { where: "rule", expr: "sum(rate(frobnicator_widgets_total[5m])) > 0" },
            { where: "runbook panel", runbook: true, expr: "etcd_server_has_leader == 0 or cortex_discarded_samples_total > 0" },
        ];
        assert.deepEqual(unproducedReads(reads, single), ["panel reads cortex_discarded_samples_total, which nothing in this stack produces", "rule reads frobnicator_widgets_total, which nothing in this stack produces"]);
        const noAgent = loadStackConfig(minimalRaw({ collector: { agentEnabled: false } }), { knownRunbooks });
        assert.deepEqual(unproducedReads([{ where: "panel", expr: "node_load1 > 1" }], noAgent), ["panel reads node_load1, which nothing in this stack produces"]);
        // The dev stack's transcoding worker names its own queue metric: that name is the service's to produce.
        assert.ok(serviceOwnMetrics(single).has("rabbitmq_detailed_queue_messages_ready"));
    });

    test("the check names a selector of a series nobody records, by name or by __name__, and lets a raw metric pass", () => {
        assert.deepEqual(selectedMetricNames('sum(rate(http_requests_total{job="a"}[5m])) / on(service) slo:sli_error:ratio_rate5m and {__name__="job:up:sum"}'), ["http_requests_total", "slo:sli_error:ratio_rate5m", "job:up:sum"]);
        const reads = [{ where: "planted", expr: 'slo:sli_error:ratio_rate5m{service="a"} > 0 and slo:sli_error:ratio_rate7h{service="a"} > 0 and up == 0' }];
        assert.deepEqual(unrecordedReads(reads, new Set(["slo:sli_error:ratio_rate5m"])), ["planted reads slo:sli_error:ratio_rate7h, which no rule records"]);
        // A runbook panel may read what another kind of service records; any other panel may not.
        const panels = [
            { where: "runbook panel", runbook: true, expr: "service:queue_lag:seconds > 0" },
            { where: "service panel", expr: "service:queue_lag:seconds > 0" },
        ];
        assert.deepEqual(unrecordedReads(panels, new Set(), new Set(["service:queue_lag:seconds"])), ["service panel reads service:queue_lag:seconds, which no rule records"]);
    });
});
