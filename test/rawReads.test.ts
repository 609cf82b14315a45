/**
 * Rule cost: within a service's golden-signals group, and among an SLO group's recording rules,
 * every raw range selector (a raw metric's selector with its window) is read by exactly one rule.
 * Rules of a group run in order and each sees what the ones before it recorded at the same
 * timestamp, so a second reader of the same raw window can read the recorded series instead, with
 * the same values; reading the raw counters again costs every matched series' samples once more
 * per evaluation (a fleet pays it per service, BENCHMARKS §8). Probe SLOs are left out: they read
 * one `probe_success` series per target, not the service's request counters. Also pinned by hand for one service:
 * which raw windows its golden group reads, and that its alerts read none.
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

/**
 * The groups of SLOs that count synthetic probes: they read `probe_success`, one series per probe
 * target, with count_over_time and sum_over_time (attempts and successes) over each window.
 */
function probeSloGroups(config: StackConfig): Set<string> {
    return new Set(config.services.flatMap((service) => service.slos.filter((slo) => slo.kind === "availability" && slo.sli === "probe").map((slo) => `${service.name}-slo-${slo.name}`)));
}

const STACKS: [string, () => StackConfig][] = [
    ["the promtool fixture", ruleFixtureConfig],
    ["dev", () => loadStack("dev")],
    ["prod", () => loadStack("prod")],
];

describe("each raw window is read once per group", () => {
    for (const [name, config] of STACKS) {
        test(`${name}: recording rules of every service group; golden alerts read recorded series only`, () => {
            const stack = config();
            const probes = probeSloGroups(stack);
            const groups = serviceGroups(stack).filter((group) => !probes.has(group.name));
            assert.ok(groups.some((group) => group.name.endsWith("-golden-signals")) && groups.some((group) => group.name.includes("-slo-")));
            for (const group of groups) {
                assert.deepEqual(duplicates(group.rules.filter((rule) => rule.record)), [], `group ${group.name}`);
                if (group.name.endsWith("-golden-signals")) {
                    // ServiceDown asks whether any raw sample arrived at all, which no recorded rate can answer.
                    const alertReads = group.rules.filter((rule) => rule.alert && rule.alert !== "ServiceDown").flatMap((rule) => rawRangeSelectors(rule.expr));
                    assert.deepEqual(alertReads, [], `group ${group.name}: its alerts read the recorded rates`);
                }
            }
        });
    }

    test("shop (otel-http, OTLP, 60s exports): its golden rules read the counter and its 5xx over 5m, 2m (HighErrorRate) and 3m (ServiceFailing), and the buckets over 5m", () => {
        const shop = serviceGroups(ruleFixtureConfig()).find((group) => group.name === "shop-golden-signals");
        assert.ok(shop);
        const counter = 'http_server_request_duration_seconds_count{service_name="shop"';
        const failed = 'http_response_status_code=~"5.."';
        const reads = shop.rules.filter((rule) => rule.record).flatMap((rule) => rawRangeSelectors(rule.expr));
        assert.deepEqual(reads.sort(), [
            `${counter}}[2m]`,
            `${counter}}[3m]`,
            `${counter}}[5m]`,
            `${counter},${failed}}[2m]`,
            `${counter},${failed}}[3m]`,
            `${counter},${failed}}[5m]`,
            'http_server_request_duration_seconds_bucket{service_name="shop"}[5m]',
        ].sort());
    });
});
