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
 * Not covered here: raw metric names (those without a colon) are not checked against what the
 * presets, exporters and scrape jobs produce.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { parser } from "@prometheus-io/lezer-promql";
import { loadStackConfig } from "../config/load";
import { StackConfig } from "../config/types";
import { substituteVariables } from "../model/queryGrammar";
import { readRunbooks } from "../io/runbooks";
import { allDashboards, renderStack, ruleFiles } from "../render";
import { knownRunbooks, loadStack, minimalRaw, stackFile } from "./support/fixtures";
import { ruleFixtureConfig } from "./support/ruleFixture";
import { distributedValues, OBJECT_STORAGE_SECRETS } from "./support/topology";

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
