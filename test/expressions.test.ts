import assert from "node:assert/strict";
import { test } from "node:test";
import * as YAML from "yaml";
import { alertCatalog } from "../alerts";
import { readRunbooks } from "../io/runbooks";
import { allDashboards, renderStack, ruleFiles } from "../render";
import { syntaxError } from "../model/queryGrammar";
import { knownRunbooks, loadStack } from "./support/fixtures";

for (const stack of ["dev", "prod"]) {
    test(`${stack}: every rule expression parses with the official PromQL grammar`, () => {
        const rendered = renderStack(loadStack(stack), readRunbooks());
        let count = 0;
        for (const file of ruleFiles(rendered)) {
            for (const group of YAML.parse(file.content).groups) {
                for (const rule of group.rules) {
                    count++;
                    assert.equal(syntaxError("promql", rule.expr), undefined, `${file.fileName} ${rule.record ?? rule.alert}: ${rule.expr}`);
                }
            }
        }
        assert.ok(count > 50, `${count} expressions checked`);
    });

    test(`${stack}: every alert carries severity, service, a for, summary, description and links to a runbook that exists`, () => {
        const config = loadStack(stack);
        const rendered = renderStack(config, readRunbooks());
        const dashboards = allDashboards(rendered);
        for (const file of ruleFiles(rendered)) {
            for (const group of YAML.parse(file.content).groups) {
                for (const rule of group.rules.filter((r: { alert?: string }) => r.alert)) {
                    const where = `${file.fileName} ${rule.alert}`;
                    assert.match(rule.labels.severity, /^(critical|warning|info)$/, where);
                    assert.ok(rule.labels.service || /"service"/.test(rule.expr), `${where}: service label`);
                    assert.ok(rule.for, `${where}: for`);
                    for (const annotation of ["summary", "description", "runbook_url", "runbook_dashboard_url", "dashboard_url"]) {
                        assert.ok(rule.annotations[annotation], `${where}: ${annotation}`);
                    }
                    assert.equal(rule.annotations.runbook_url, `${config.runbookBaseUrl}/${rule.alert}.md`, where);
                    assert.ok(knownRunbooks.has(rule.alert), `${where}: runbooks/${rule.alert}.md exists`);
                    const runbookUid = rule.annotations.runbook_dashboard_url.replace(/^.*\/d\/([^?]+).*$/, "$1");
                    assert.ok(dashboards.some((d) => d.uid === runbookUid), `${where}: runbook dashboard ${runbookUid} is provisioned`);
                    const dashboardUid = rule.annotations.dashboard_url.replace(/^.*\/d\/([^?]+).*$/, "$1");
                    assert.ok(dashboards.some((d) => d.uid === dashboardUid), `${where}: dashboard ${dashboardUid} is provisioned`);
                }
            }
        }
        assert.ok(alertCatalog(config).length > 20);
    });
}
