/**
 * Golden files: one small case per kind of rendered artifact, each named by what it shows, so a
 * change to what we generate is a diff a reviewer can read. Config and rule files are compared as
 * rendered; dashboards through their summary (panels, units, thresholds, queries, links: see
 * test/support/dashboardSummary.ts) rather than thousands of lines of JSON. Regenerate with
 * `UPDATE_GOLDEN=1 npm test` and review the diff.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { describe, test } from "node:test";
import { readRunbooks } from "../io/runbooks";
import { allDashboards, artifactFiles, renderStack, RenderedStack } from "../render";
import { summarizeDashboard } from "./support/dashboardSummary";
import { loadStack } from "./support/fixtures";
import { renderStackRules } from "./support/ruleFixture";

const GOLDEN_DIR = path.join(__dirname, "golden");

const runbooks = readRunbooks();
const dev = renderStack(loadStack("dev"), runbooks);
const files = (rendered: RenderedStack) => artifactFiles(rendered);
const devFiles = files(dev);
const fixtureRules = new Map(renderStackRules());

function file(rendered: Map<string, string>, name: string): string {
    const content = rendered.get(name);
    assert.ok(content !== undefined, `${name} is rendered`);
    return content;
}

function dashboard(uid: string): string {
    const found = allDashboards(dev).find((d) => d.uid === uid);
    assert.ok(found, `dashboard ${uid} is rendered`);
    return summarizeDashboard(found.model);
}

/** golden file → what it holds. */
const CASES: Record<string, { readonly what: string; readonly render: () => string }> = {
    "dev/prometheus.yml": { what: "the dev Prometheus config: discovery, self-scrape, kubelet jobs, OTLP and storage settings", render: () => file(devFiles, "prometheus/prometheus.yml") },
    "dev/alertmanager.yml": { what: "the dev Alertmanager routes, receivers and inhibition", render: () => file(devFiles, "alertmanager/alertmanager.yml") },
    "dev/loki.yaml": { what: "the dev Loki config (monolithic, filesystem, compactor retention)", render: () => file(devFiles, "loki/loki.yaml") },
    "dev/tempo.yaml": { what: "the dev Tempo config (monolithic, metrics-generator)", render: () => file(devFiles, "tempo/tempo.yaml") },
    "dev/otel-gateway.yaml": { what: "the dev Collector gateway: tail sampling, redaction, durable queues", render: () => file(devFiles, "otel-collector/config.yaml") },
    "dev/otel-agent.yaml": { what: "the dev node agent: container logs, JSON parsing, Kubernetes metadata", render: () => file(devFiles, "otel-collector/agent.yaml") },
    "dev/grafana-datasources.yaml": { what: "Grafana's datasource provisioning with the correlations", render: () => file(devFiles, "grafana/provisioning/datasources/datasources.yaml") },
    "dev/grafana-dashboard-providers.yaml": { what: "Grafana's dashboard provider", render: () => file(devFiles, "grafana/provisioning/dashboards/dashboards.yaml") },
    "rules/stack.yaml": { what: "the stack's self-monitoring alerts", render: () => fixtureRules.get("stack.yaml") ?? "" },
    "rules/service-shop.yaml": { what: "an OTLP HTTP service with availability and latency SLOs, a saturation signal and a team's own burn-rate policy", render: () => fixtureRules.get("service-shop.yaml") ?? "" },
    "rules/service-transcoder.yaml": { what: "a job worker on the OTel messaging conventions", render: () => fixtureRules.get("service-transcoder.yaml") ?? "" },
    "dashboards/api-golden.txt": { what: "golden signals of an OTLP HTTP service", render: () => dashboard("api-golden") },
    "dashboards/api-slo.txt": { what: "the SLO dashboard of an availability SLO", render: () => dashboard("api-slo") },
    "dashboards/video-load-slo.txt": { what: "the SLO dashboard of a latency SLO", render: () => dashboard("video-load-slo") },
    "dashboards/transcoding-golden.txt": { what: "golden signals of a job worker", render: () => dashboard("transcoding-golden") },
    "dashboards/lgtm-overview.txt": { what: "the overview of every service", render: () => dashboard("lgtm-overview") },
    "dashboards/lgtm-stack-health.txt": { what: "the stack's own health", render: () => dashboard("lgtm-stack-health") },
    "dashboards/lgtm-infrastructure.txt": { what: "nodes, pods, restarts and volumes", render: () => dashboard("lgtm-infrastructure") },
    "dashboards/rb-fast-budget-burn.txt": { what: "a runbook dashboard: the runbook's text around its live diagnostic queries", render: () => dashboard("rb-fast-budget-burn") },
};

describe("golden files: one small case per kind of rendered artifact", () => {
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.rmSync(GOLDEN_DIR, { recursive: true, force: true });
        for (const [name, { render }] of Object.entries(CASES)) {
            fs.mkdirSync(path.dirname(path.join(GOLDEN_DIR, name)), { recursive: true });
            fs.writeFileSync(path.join(GOLDEN_DIR, name), render());
        }
    }

    test("every golden file belongs to a case, and every case has its file", () => {
        const onDisk = fs.readdirSync(GOLDEN_DIR, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(GOLDEN_DIR, path.join(e.parentPath, e.name)));
        assert.deepEqual(onDisk.sort(), Object.keys(CASES).sort());
    });

    for (const [name, { what, render }] of Object.entries(CASES)) {
        test(`${what} is rendered exactly as reviewed (${name})`, () => {
            assert.equal(render(), fs.readFileSync(path.join(GOLDEN_DIR, name), "utf8"), `${name} differs from its golden copy; review and run UPDATE_GOLDEN=1 npm test`);
        });
    }
});
