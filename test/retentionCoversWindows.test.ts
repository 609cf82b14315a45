/**
 * Every window a rule or a dashboard reads lies within the retention of the store it reads, in
 * every topology and profile: Prometheus's (single) or Mimir's (distributed: its ruler evaluates,
 * Grafana queries it) for PromQL, Loki's for LogQL. The windows are taken from the rendered rule
 * files and dashboards themselves (every `[range]` and `offset`), not from the config.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { StackConfig } from "../config/types";
import { readRunbooks } from "../io/runbooks";
import { renderStack, ruleFiles } from "../render";
import { knownRunbooks, loadStack, minimalRaw, stackFile } from "./support/fixtures";
import { distributedRaw, distributedValues, OBJECT_STORAGE_SECRETS } from "./support/topology";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

/** A Prometheus/Loki duration (`30d`, `1h30m`) in milliseconds. */
function ms(duration: string): number {
    const parts = [...duration.matchAll(/(\d+)(ms|[smhdwy])/g)];
    assert.ok(parts.length > 0 && parts.map((p) => p[0]).join("") === duration, `${duration} is a duration`);
    return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit], 0);
}

const DURATION = "(?:\\d+(?:ms|[smhdwy]))+";
/**
 * How far back an expression reads: its longest literal range plus its longest offset. A range is
 * left-open, (t-R, t]; a subquery `[R:S]` evaluates its inner query at steps inside it, the earliest
 * one step after t-R, so it reaches R-S back (its inner offset then adds on). The 5m lookback of
 * an instant selector is left out: it finds the latest sample, it does not need 5m more of history.
 */
function reach(expr: string): number {
    const ranges = [...expr.matchAll(new RegExp(`\\[(${DURATION})(?::(${DURATION})?)?\\]`, "g"))].map((m) => ms(m[1]) - (m[2] ? ms(m[2]) : 0));
    const offsets = [...expr.matchAll(new RegExp(`offset\\s+(${DURATION})`, "g"))].map((m) => ms(m[1]));
    return Math.max(0, ...ranges) + Math.max(0, ...offsets);
}

interface Reads {
    readonly metrics: { expr: string; where: string }[];
    readonly logs: { expr: string; where: string }[];
}

function readsOf(config: StackConfig): Reads {
    const rendered = renderStack(config, readRunbooks());
    const reads: Reads = { metrics: [], logs: [] };
    const rules = (content: string, where: string, into: Reads[keyof Reads]) => {
        for (const group of parse(content).groups ?? []) {
            for (const rule of group.rules) {
                into.push({ expr: String(rule.expr), where: `${where} ${rule.alert ?? rule.record}` });
            }
        }
    };
    rules(rendered.stackRuleFile.content, rendered.stackRuleFile.fileName, reads.metrics);
    for (const file of ruleFiles(rendered).slice(1)) {
        rules(file.content, file.fileName, reads.metrics);
    }
    for (const [name, content] of Object.entries(rendered.lokiRules)) {
        rules(content, name, reads.logs);
    }
    for (const dashboard of [...rendered.stackDashboards, ...rendered.services.flatMap((s) => s.dashboards)]) {
        const walk = (node: unknown): void => {
            if (Array.isArray(node)) {
                node.forEach(walk);
            } else if (node && typeof node === "object") {
                const target = node as { expr?: unknown; datasource?: { type?: string } };
                if (typeof target.expr === "string" && target.datasource?.type === "prometheus") {
                    reads.metrics.push({ expr: target.expr, where: `dashboard ${dashboard.uid}` });
                } else if (typeof target.expr === "string" && target.datasource?.type === "loki") {
                    reads.logs.push({ expr: target.expr, where: `dashboard ${dashboard.uid}` });
                }
                Object.values(node).forEach(walk);
            }
        };
        walk(dashboard.model);
    }
    return reads;
}

const longest = (reads: { expr: string; where: string }[]) => reads.reduce((best, read) => (reach(read.expr) > reach(best.expr) ? read : best));

function distributed(stack: "dev" | "prod"): StackConfig {
    const file = stackFile(stack);
    const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues();
    return loadStackConfig({ ...file, values: { ...file.values, ...values, ...Object.fromEntries(OBJECT_STORAGE_SECRETS.map((k) => [k, "<secret>"])) }, secretKeys: new Set([...file.secretKeys, ...OBJECT_STORAGE_SECRETS]) }, { knownRunbooks });
}

const STACKS: Record<string, () => StackConfig> = {
    "dev (single)": () => loadStack("dev"),
    "prod (single)": () => loadStack("prod"),
    "dev (distributed)": () => distributed("dev"),
    "prod (distributed)": () => distributed("prod"),
};

describe("every window a rule or dashboard reads is within the retention of the store it reads", () => {
    for (const [name, load] of Object.entries(STACKS)) {
        test(`${name}: metrics rules and panels within the metrics store's retention, log rules and panels within Loki's`, () => {
            const config = load();
            const reads = readsOf(config);
            const metricsRetention = config.topology.kind === "distributed" ? config.topology.mimir.retention : config.prometheus.retentionTime;
            const metrics = longest(reads.metrics);
            assert.ok(reach(metrics.expr) <= ms(metricsRetention), `${metrics.where} reads ${reach(metrics.expr)}ms back, beyond ${metricsRetention}: ${metrics.expr}`);
            // The longest metrics window is the SLO window (30d by default), written here by hand: the extraction finds it.
            assert.equal(reach(metrics.expr), ms("30d"), `${metrics.where}: ${metrics.expr}`);
            const logs = longest(reads.logs);
            assert.ok(reach(logs.expr) > 0 && reach(logs.expr) <= ms(config.loki.retention), `${logs.where} reads ${reach(logs.expr)}ms back, beyond ${config.loki.retention}: ${logs.expr}`);
        });
    }

    test("a Mimir retention shorter than the SLO window is refused by name in the distributed topology", () => {
        let problems: readonly string[] = [];
        try {
            loadStackConfig(distributedRaw({ topology: { mode: "distributed", mimir: { storage: (distributedValues().topology as any).mimir.storage, retention: "14d" } } }), { knownRunbooks });
        } catch (error) {
            problems = (error as ConfigErrors).problems;
        }
        assert.ok(
            problems.includes("services[0].slos[0].window: 30d is longer than topology.mimir.retention (14d), so the SLO would be computed over less data than its window; raise topology.mimir.retention to at least 30d or shorten the window"),
            problems.join("\n"),
        );
        // The single topology's Prometheus retention does not matter there: Mimir holds what the rules read.
        assert.doesNotThrow(() => loadStackConfig(distributedRaw({ prometheus: { retention: "2d" } }), { knownRunbooks }));
        assert.throws(() => loadStackConfig(minimalRaw({ prometheus: { retention: "2d" } }), { knownRunbooks }), /prometheus\.retention: 2d is shorter than the 3d window SlowBudgetBurn reads/);
    });
});
