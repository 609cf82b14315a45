import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack, ruleFiles } from "../../render";
import { knownRunbooks, stackFile } from "../support/fixtures";
import { renderStackRules } from "../support/ruleFixture";
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
    test("there is a suite per alert family", () => {
        assert.deepEqual(suites.sort(), ["burn-rate.yaml", "cluster-control-plane.yaml", "cluster-nodes.yaml", "cluster-workloads.yaml", "golden.yaml", "infrastructure.yaml", "latency.yaml", "probe-slo.yaml", "reference-customer.yaml", "saturation.yaml", "service-down.yaml", "service-failing.yaml", "slow-burn.yaml", "stack-alerts.yaml", "stack-distributed.yaml", "traffic-anomaly.yaml", "worker.yaml"]);
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
