import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { linksFor } from "../alerts/links";
import { serviceRuleTests } from "../alerts/ruleTests";
import { loadStackConfig } from "../config/load";
import { ServiceSpec } from "../config/types";
import { renderService } from "../render";
import { knownRunbooks, loadStack, minimalRaw } from "./support/fixtures";
import { run, toolPath } from "./support/tools";

/** The reference services plus the other shapes a user can declare: scraped, classic client library, 99.9%. */
function servicesUnderTest(): { services: readonly ServiceSpec[]; links: ReturnType<typeof linksFor> } {
    const dev = loadStack("dev");
    const extra = loadStackConfig(
        minimalRaw({
            services: [
                { name: "checkout", discovery: { kind: "scrape", selector: { app: "checkout" }, port: "http" }, conventions: { preset: "prometheus-http" }, slos: [{ kind: "availability", objective: 99.9 }, { kind: "latency", percentile: 99, threshold: "1s" }] },
            ],
        }),
        { knownRunbooks },
    );
    return { services: [...dev.services, ...extra.services], links: linksFor(dev) };
}

describe("generated promtool rule tests", () => {
    const { services, links } = servicesUnderTest();
    for (const service of services) {
        test(`${service.name}: every case passes in promtool test rules`, () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lgtm-rules-${service.name}-`));
            const { ruleFile } = renderService(loadStack("dev"), service, links);
            fs.writeFileSync(path.join(dir, ruleFile.fileName), ruleFile.content);
            const suite = serviceRuleTests(service, links, ruleFile.fileName);
            fs.writeFileSync(path.join(dir, "tests.yaml"), YAML.stringify(suite, { lineWidth: 0 }));
            // Every case asserts runbook_url: a test that checks no link would not catch a broken one.
            const firing = suite.tests.flatMap((t: any) => t.alert_rule_test).flatMap((r: any) => r.exp_alerts);
            assert.ok(firing.length >= 3, "some cases expect alerts to fire");
            assert.ok(firing.every((a: any) => a.exp_annotations.runbook_url.endsWith(".md")));
            const result = run(toolPath("promtool"), ["test", "rules", "tests.yaml"], dir);
            assert.equal(result.code, 0, result.output);
        });
    }
});
