import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack, ruleFiles } from "../../render";
import { knownRunbooks, minimalRaw, stackFile } from "../support/fixtures";
import { renderStackRules, ruleFixtureConfig } from "../support/ruleFixture";
import { linksFor } from "../../alerts/links";
import { sharedRuleGroup, sharesRules } from "../../alerts/shared";
import { ServiceSpec } from "../../config/types";
import { toYaml } from "../../render/yaml";
import { distributedRaw } from "../support/topology";
import { runAsync, toolPath } from "../../scripts/dev";

/**
 * Hand-written `promtool test rules` suites (test/rules/*.yaml), kubernetes-mixin style: every
 * expected label and annotation, runbook_url included, is spelled out in the YAML, never taken from
 * the code under test. The rule files they test are rendered from the fixture config in
 * test/support/ruleFixture.ts.
 */
const SUITES_DIR = path.join(__dirname, "..", "rules");

// Every test group is its own promtool run, two at a time (one per core), longest simulations
// first: the week-long traffic-anomaly histories are independent groups and spread over both cores.
describe("promtool test rules: hand-written cases per alert family", { concurrency: 2 }, () => {
    const suites = fs.readdirSync(SUITES_DIR).filter((file) => file.endsWith(".yaml"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-rules-"));
    for (const [file, content] of renderStackRules()) {
        fs.writeFileSync(path.join(dir, file), content);
    }
    // The same fixture's URLs with topology distributed, whose stack rules Mimir's ruler evaluates (stack-distributed.yaml suite).
    const distributedStack = ruleFiles(renderStack(loadStackConfig(distributedRaw(), { knownRunbooks }), readRunbooks())).find((file) => file.fileName === "stack.yaml");
    assert.ok(distributedStack, "the distributed stack has a stack rule file");
    fs.writeFileSync(path.join(dir, "stack-distributed.yaml"), distributedStack.content);
    // The reference customer's dev stack as committed, with the fixture's runbook base URL (reference-customer.yaml suite).
    const devFile = stackFile("dev");
    const devStack = loadStackConfig({ ...devFile, values: { ...devFile.values, runbookBaseUrl: "https://example.com/runbooks" } }, { knownRunbooks });
    for (const file of ruleFiles(renderStack(devStack, readRunbooks()))) {
        fs.writeFileSync(path.join(dir, `dev-${file.fileName}`), file.content);
    }
    // Three services of one shape in a stack that shares their rules (shared-group.yaml suite).
    const sharedFleet = renderStack(
        loadStackConfig(minimalRaw({ prometheus: { shareServiceRules: true }, services: ["alpha", "beta", "gamma"].map((name) => ({ name, team: "orders", slos: [{ kind: "availability", objective: 99.9 }] })) }), { knownRunbooks }),
        readRunbooks(),
    );
    assert.deepEqual(sharedFleet.sharedRules.map((group) => group.services), [["alpha", "beta", "gamma"]], "the three services share one group");
    fs.writeFileSync(path.join(dir, "shared-fleet.yaml"), sharedFleet.sharedRules[0].ruleFile.content);
    test("there is a suite per alert family", () => {
        assert.deepEqual(suites.sort(), ["burn-rate.yaml", "cluster-control-plane.yaml", "cluster-nodes.yaml", "cluster-workloads.yaml", "golden.yaml", "infrastructure.yaml", "latency.yaml", "probe-slo.yaml", "reference-customer.yaml", "saturation.yaml", "service-down.yaml", "service-failing.yaml", "shared-group.yaml", "slow-burn.yaml", "stack-alerts.yaml", "stack-distributed.yaml", "traffic-anomaly.yaml", "worker.yaml"]);
    });
    const groups: { suite: string; name: string; file: string; minutes: number }[] = [];
    for (const suite of suites) {
        const document = YAML.parse(fs.readFileSync(path.join(SUITES_DIR, suite), "utf8"));
        test(`${suite}: every expected alert states its runbook_url`, () => {
            // A case that expects an alert must check its runbook link: one that checks none would not catch a broken one.
            const expected = document.tests.flatMap((t: any) => t.alert_rule_test ?? []).flatMap((r: any) => r.exp_alerts);
            assert.ok(expected.length > 0, `${suite} expects some alert to fire`);
            for (const alert of expected) {
                assert.match(alert.exp_annotations?.runbook_url ?? "", /^https:\/\/example\.com\/runbooks\/[A-Za-z0-9]+\.md$/, `${suite}: every expected alert states its runbook_url`);
            }
        });
        document.tests.forEach((group: any, index: number) => {
            // The suite's own settings (rule files, evaluation interval, ...) with this one group.
            const file = `${path.basename(suite, ".yaml")}.${index}.yaml`;
            fs.writeFileSync(path.join(dir, file), YAML.stringify({ ...document, tests: [group] }));
            const minutes = Math.max(0, ...[...JSON.stringify(group).matchAll(/"eval_time":"(\d+)m"/g)].map((m) => Number(m[1])));
            groups.push({ suite, name: group.name, file, minutes });
        });
    }
    for (const group of groups.sort((a, b) => b.minutes - a.minutes)) {
        test(`${group.suite}: ${group.name}`, async () => {
            const result = await runAsync(toolPath("promtool"), ["test", "rules", group.file], dir);
            assert.equal(result.code, 0, result.output);
        });
    }
});

/**
 * The same hand-written suites against shared rule groups (`prometheus.shareServiceRules`): each
 * fixture service's rules rendered as a group it shares with a twin of the same shape, whose healthy
 * traffic each case gets too. The cases' expected alerts are unchanged: the shared rules must fire
 * exactly what the service's own rules fire, at the same times, with the same labels and expanded
 * texts and links, and nothing for the twin. A rule that mixed the members' series (a sum or a match
 * across services) would move the service's ratios, and its alerts, by the twin's traffic.
 */
describe("promtool test rules: the same cases against shared rule groups, each with a healthy twin", { concurrency: 2 }, () => {
    const config = ruleFixtureConfig();
    const links = linksFor(config);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-shared-rules-"));
    const twins = new Map<string, ServiceSpec>();
    for (const [file, content] of renderStackRules()) {
        fs.writeFileSync(path.join(dir, file), content);
    }
    for (const service of config.services.filter(sharesRules)) {
        // The twin's own rules (saturation, queue, probes) are left out: they are never shared.
        const { preset, metrics } = service.conventions;
        const twin: ServiceSpec = { ...service, name: `${service.name}-twin`, conventions: { preset, metrics: metrics! }, saturation: [], businessCounters: [], probes: [], slos: service.slos.filter((slo) => slo.kind === "latency" || slo.sli !== "probe") };
        twins.set(service.name, twin);
        fs.writeFileSync(path.join(dir, `service-${service.name}.yaml`), toYaml({ groups: [sharedRuleGroup(service.name, [service, twin], links, config.prometheus.scrapeInterval)] }));
    }
    test("every fixture service with a preset shares its group with a twin", () => {
        assert.deepEqual([...twins.keys()].sort(), ["cart", "feed", "shop", "storefront", "transcoder"]);
    });
    const minutes = (duration: string) => (duration.endsWith("h") ? Number(duration.slice(0, -1)) * 60 : duration.endsWith("m") ? Number(duration.slice(0, -1)) : Number(duration.slice(0, -1)) / 60);
    /** The twin's traffic: every request successful, steadily, over the whole case; a scraped twin is up. */
    const twinSeries = (twin: ServiceSpec, samples: number) => {
        const metrics = twin.conventions.metrics!;
        const scraped = twin.discovery.kind === "scrape";
        const selector = scraped ? `job="${twin.name}"` : `service_name="${twin.name}"`;
        return [{ series: `${metrics.counter}{${selector}}`, values: `0+600x${samples}` }, ...(scraped ? [{ series: `up{job="${twin.name}"}`, values: `1x${samples}` }] : [])];
    };
    const cases: { suite: string; name: string; file: string }[] = [];
    for (const suite of fs.readdirSync(SUITES_DIR).filter((file) => file.endsWith(".yaml"))) {
        const document = YAML.parse(fs.readFileSync(path.join(SUITES_DIR, suite), "utf8"));
        const members = (document.rule_files as string[]).map((file) => /^service-(.+)\.yaml$/.exec(file)?.[1]).filter((name): name is string => name !== undefined && twins.has(name));
        if (members.length === 0) {
            continue;
        }
        document.tests.forEach((group: any, index: number) => {
            const interval = minutes(group.interval ?? document.evaluation_interval ?? "1m");
            const last = Math.max(0, ...[...JSON.stringify(group).matchAll(/"eval_time":"(\d+)m"/g)].map((m) => Number(m[1])));
            // The traffic-anomaly histories are the slowest cases: of those, the ones that fire within a week and a day (the drop's and the spike's boundaries).
            const fires = (group.alert_rule_test ?? []).some((t: any) => (t.exp_alerts ?? []).length > 0);
            if (suite === "traffic-anomaly.yaml" && !(fires && last <= 8 * 24 * 60)) {
                return;
            }
            const samples = Math.ceil(last / interval) + 1;
            const file = `${path.basename(suite, ".yaml")}.${index}.yaml`;
            fs.writeFileSync(path.join(dir, file), YAML.stringify({ ...document, tests: [{ ...group, input_series: [...group.input_series, ...members.flatMap((name) => twinSeries(twins.get(name)!, samples))] }] }));
            cases.push({ suite, name: group.name, file });
        });
    }
    test("the shared groups run the cases of every service alert family", () => {
        assert.deepEqual([...new Set(cases.map((c) => c.suite))].sort(), ["burn-rate.yaml", "golden.yaml", "latency.yaml", "probe-slo.yaml", "saturation.yaml", "service-down.yaml", "service-failing.yaml", "slow-burn.yaml", "traffic-anomaly.yaml", "worker.yaml"]);
        assert.equal(cases.filter((c) => c.suite === "traffic-anomaly.yaml").length, 2, "the drop's and the spike's boundary cases");
    });
    for (const c of cases) {
        test(`${c.suite}: ${c.name}`, async () => {
            const result = await runAsync(toolPath("promtool"), ["test", "rules", c.file], dir);
            assert.equal(result.code, 0, result.output);
        });
    }
});
