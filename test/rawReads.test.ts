/**
 * Rule cost: within a service's rule group every raw range selector (a raw metric's selector with
 * its window) is read by exactly one recording rule. Rules of a group run in order and each sees
 * what the ones before it recorded at the same timestamp, so every other reader of the same raw
 * window reads the recorded series instead, with the same values; reading the raw counters again
 * costs every matched series' samples once more per evaluation (a fleet pays it per service,
 * BENCHMARKS §8), and over the SLOs' long windows (1d, 3d) that is most of what a service's rules
 * cost. An availability and a latency SLO of the same service read the counter's windows once
 * between them. The golden alerts read only recorded series (ServiceDown excepted: it asks whether
 * any raw sample arrived). Probe SLOs' rules are left out: they read one `probe_success` series per
 * target (attempts and successes), not the service's request counters. Pinned by hand for one
 * service: the raw windows its rules read.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { serviceRuleFile } from "../alerts";
import { linksFor } from "../alerts/links";
import { StackConfig } from "../config/types";
import { loadStack } from "./support/fixtures";
import { ruleFixtureConfig } from "./support/ruleFixture";

interface Rule {
    readonly record?: string;
    readonly alert?: string;
    readonly expr: string;
    readonly labels?: Readonly<Record<string, string>>;
}

/** Each range selector over a raw metric (a name without a colon) in `expr`, as written: `name{matchers}[window]`. */
function rawRangeSelectors(expr: string): string[] {
    const found: string[] = [];
    parser.parse(expr).iterate({
        enter(ref) {
            if (ref.name !== "MatrixSelector") {
                return;
            }
            const text = expr.slice(ref.from, ref.to).replace(/\s+/g, "");
            if (!/^[a-zA-Z_]+[a-zA-Z0-9_]*\{/.test(text) || text.slice(0, text.indexOf("{")).includes(":")) {
                return;
            }
            found.push(text);
        },
    });
    return found;
}

function duplicates(rules: readonly Rule[]): string[] {
    const seen = new Map<string, number>();
    for (const rule of rules) {
        for (const selector of rawRangeSelectors(rule.expr)) {
            seen.set(selector, (seen.get(selector) ?? 0) + 1);
        }
    }
    return [...seen].filter(([, count]) => count > 1).map(([selector, count]) => `${selector} read ${count} times`);
}

function serviceGroups(config: StackConfig): { name: string; rules: Rule[] }[] {
    const links = linksFor(config);
    return config.services.flatMap((service) => serviceRuleFile(service, links, config.prometheus.scrapeInterval).groups as { name: string; rules: Rule[] }[]);
}

/** `<service>/<slo>` of the SLOs that count synthetic probes. */
function probeSlos(config: StackConfig): Set<string> {
    return new Set(config.services.flatMap((service) => service.slos.filter((slo) => slo.kind === "availability" && slo.sli === "probe").map((slo) => `${service.name}/${slo.name}`)));
}

const STACKS: [string, () => StackConfig][] = [
    ["the promtool fixture", ruleFixtureConfig],
    ["dev", () => loadStack("dev")],
    ["prod", () => loadStack("prod")],
];

describe("each raw window is read once per service group", () => {
    for (const [name, config] of STACKS) {
        test(`${name}: every service's recording rules; its golden alerts read recorded series only`, () => {
            const stack = config();
            const probes = probeSlos(stack);
            const groups = serviceGroups(stack);
            assert.deepEqual(groups.map((group) => group.name), stack.services.map((service) => service.name), "one group per service, named after it");
            for (const group of groups) {
                const recording = group.rules.filter((rule) => rule.record && !probes.has(`${group.name}/${rule.labels?.slo}`));
                assert.deepEqual(duplicates(recording), [], `group ${group.name}`);
                // ServiceDown asks whether any raw sample arrived at all, which no recorded rate can answer.
                const goldenAlerts = group.rules.filter((rule) => rule.alert && rule.labels?.slo === undefined && rule.alert !== "ServiceDown");
                assert.deepEqual(goldenAlerts.flatMap((rule) => rawRangeSelectors(rule.expr)), [], `group ${group.name}: its golden alerts read the recorded rates`);
            }
        });
    }

    test("shop (otel-http, OTLP, 60s exports; 99.9% availability and P95 < 1s latency, workbook policy): the raw windows its rules read", () => {
        const shop = serviceGroups(ruleFixtureConfig()).find((group) => group.name === "shop");
        assert.ok(shop);
        const counter = 'http_server_request_duration_seconds_count{service_name="shop"';
        const failed = 'http_response_status_code=~"5.."';
        const bucket1s = 'http_server_request_duration_seconds_bucket{service_name="shop",le=~"1(\\\\.0)?"}';
        const reads = shop.rules.filter((rule) => rule.record).flatMap((rule) => rawRangeSelectors(rule.expr));
        // All requests: the golden window 5m, HighErrorRate's 2m, ServiceFailing's 3m (3 exports), and the SLOs' windows:
        // the workbook pairs 1h/5m, 6h/30m, 1d/2h, 3d/6h. The 5xx: the same for the availability SLO. Fast requests (le 1s):
        // the SLO windows. The buckets: 5m, for the quantiles.
        const sloWindows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];
        assert.deepEqual(
            reads.sort(),
            [
                ...["2m", "3m", ...sloWindows].map((w) => `${counter}}[${w}]`),
                ...["2m", "3m", ...sloWindows].map((w) => `${counter},${failed}}[${w}]`),
                ...sloWindows.map((w) => `${bucket1s}[${w}]`),
                'http_server_request_duration_seconds_bucket{service_name="shop"}[5m]',
            ].sort(),
        );
    });
});
