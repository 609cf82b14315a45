/**
 * The services' dashboards as shared templates (render/serviceDashboards.ts), expanded by the real
 * expander script under BusyBox's `sh`, `sed`, `awk` and `cmp`, the applets of the Grafana image. The oracle is the direct render of
 * each service's dashboards (dashboards/renderServiceDashboards with the service's own name,
 * datasources retargeted for tenants): every expanded file must be that JSON byte for byte.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { linksFor } from "../alerts/links";
import { loadStackConfig } from "../config/load";
import { StackConfig } from "../config/types";
import { renderServiceDashboards } from "../dashboards";
import { readRunbooks } from "../io/runbooks";
import { renderStack, RenderedStack } from "../render";
import { DashboardConfigMap } from "../render/dashboardFiles";
import { retargetDatasources } from "../render/datasources";
import { SERVICE_DASHBOARDS } from "../render/serviceDashboards";
import { tenancyOf, tenantOfTeam } from "../render/topology/tenancy";
import { toJson } from "../render/yaml";
import { knownRunbooks, loadStack, minimalRaw, stackFile } from "./support/fixtures";
import { busyboxPath } from "./support/busybox";
import { generatedServices } from "./support/fleet";
import { distributedRaw, s3 } from "./support/topology";

const runbooks = readRunbooks();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "service-dashboards-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The ConfigMaps as the kubelet projects them: every key a file in one folder. */
function project(maps: readonly DashboardConfigMap[], dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const map of maps) {
        for (const [key, content] of Object.entries(map.data)) {
            fs.writeFileSync(path.join(dir, key), content);
        }
    }
}

/** Runs the rendered expander once, as the init container does, with BusyBox's applets only (the Grafana image is Alpine). */
function expandOnce(stack: RenderedStack, templates: string, output: string): void {
    execFileSync("sh", ["-c", stack.grafana.serviceDashboards.script, "expander", "once"], { env: { PATH: busyboxPath(scratch), TEMPLATES: templates, OUTPUT: output }, stdio: "pipe" });
}

function filesIn(dir: string): Map<string, string> {
    return new Map(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name), "utf8")]));
}

/** What each service's files must hold: its dashboards rendered directly under its own name. */
function directFiles(config: StackConfig): Map<string, string> {
    const links = linksFor(config);
    const tenancy = tenancyOf(config);
    const files = new Map<string, string>();
    for (const service of config.services) {
        for (const dashboard of renderServiceDashboards(config, service, links)) {
            const model = tenancy ? retargetDatasources(dashboard.model, tenantOfTeam(tenancy, service.team)) : dashboard.model;
            files.set(`${dashboard.uid}.json`, toJson(model));
        }
    }
    return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const tenants = {
    payments: { teams: ["payments"] },
    platform: { teams: ["web", "discovery"] },
};

const corpus: Record<string, () => StackConfig> = {
    dev: () => loadStack("dev"),
    prod: () => loadStack("prod"),
    "tenants, three teams": () =>
        loadStackConfig(
            distributedRaw({
                topology: { mode: "distributed", mimir: { storage: s3("metrics") }, tenants },
                services: [
                    { name: "checkout", team: "payments", slos: [{ kind: "availability", objective: 99.9 }] },
                    { name: "search", team: "discovery", slos: [{ kind: "availability", objective: 99.5 }] },
                    { name: "storefront", team: "web", slos: [{ kind: "availability", objective: 99.9 }] },
                    { name: "catalog", team: "web", slos: [{ kind: "availability", objective: 99.9 }] },
                ],
            }),
            { knownRunbooks },
        ),
};

describe("service dashboards: templates expanded by the expander", () => {
    for (const [name, load] of Object.entries(corpus)) {
        test(`${name}: every service's files are its direct render, byte for byte`, () => {
            const config = load();
            assert.ok(config.services.length > 0);
            const stack = renderStack(config, runbooks);
            const dir = path.join(scratch, name.replace(/\W+/g, "-"));
            project(stack.grafana.serviceDashboards.configMaps, path.join(dir, "templates"));
            fs.mkdirSync(path.join(dir, "out"));
            expandOnce(stack, path.join(dir, "templates"), path.join(dir, "out"));
            const expected = directFiles(config);
            assert.deepEqual([...filesIn(path.join(dir, "out")).keys()], [...expected.keys()]);
            for (const [file, content] of filesIn(path.join(dir, "out"))) {
                assert.equal(content, expected.get(file), file);
            }
            // The bundles carry the same dashboards, and no ConfigMap of their own.
            for (const service of stack.services) {
                assert.deepEqual(service.dashboardConfigMaps, []);
                for (const dashboard of service.dashboards) {
                    assert.equal(toJson(dashboard.model), expected.get(dashboard.fileName), dashboard.fileName);
                }
            }
        });
    }

    test("a fleet of one shape: two templates, and about 60 bytes of index per dashboard", () => {
        const raw = stackFile("dev");
        const config = loadStackConfig({ ...raw, values: { ...raw.values, services: generatedServices(200) } }, { knownRunbooks });
        const maps = renderStack(config, runbooks).grafana.serviceDashboards.configMaps;
        const templates = maps.flatMap((map) => Object.keys(map.data)).filter((key) => key !== SERVICE_DASHBOARDS.indexKey);
        assert.deepEqual(templates.map((key) => key.replace(/-[0-9a-f]{16}\.json$/, "")).sort(), ["golden", "slo"]);
        const index = maps.find((map) => map.name === SERVICE_DASHBOARDS.indexConfigMap)!.data[SERVICE_DASHBOARDS.indexKey].trim().split("\n");
        assert.equal(index.length, 400);
        assert.match(index[0], /^svc-001-golden\.json golden-[0-9a-f]{16}\.json svc-001$/);
        const bytes = maps.reduce((sum, map) => sum + Object.entries(map.data).reduce((s, [k, v]) => s + k.length + v.length, 0), 0);
        // Before: 116,922 bytes of dashboard ConfigMap per service (BENCHMARKS §3).
        assert.ok(bytes / 200 < 1000, `${bytes / 200} bytes per service`);
    });

    test("services that differ get templates of their own; a team is part of the shape", () => {
        const config = loadStackConfig(
            minimalRaw({
                services: [
                    { name: "checkout", team: "payments", slos: [{ kind: "availability", objective: 99.9 }] },
                    { name: "refunds", team: "payments", slos: [{ kind: "availability", objective: 99.9 }] },
                    { name: "search", team: "discovery", slos: [{ kind: "availability", objective: 99.9 }] },
                    { name: "billing", team: "payments", slos: [{ kind: "availability", objective: 99.5 }] },
                ],
            }),
            { knownRunbooks },
        );
        const maps = renderStack(config, runbooks).grafana.serviceDashboards.configMaps;
        const index = maps.find((map) => map.name === SERVICE_DASHBOARDS.indexConfigMap)!.data[SERVICE_DASHBOARDS.indexKey].trim().split("\n").map((line) => line.split(" "));
        const templateOf = (file: string) => index.find(([f]) => f === file)![1];
        assert.equal(templateOf("checkout-golden.json"), templateOf("refunds-golden.json"));
        assert.equal(templateOf("checkout-slo.json"), templateOf("refunds-slo.json"));
        assert.notEqual(templateOf("checkout-golden.json"), templateOf("search-golden.json"), "another team's tag");
        assert.notEqual(templateOf("checkout-slo.json"), templateOf("billing-slo.json"), "another objective");
    });

    test("a re-run rewrites nothing unchanged, removes a dropped service's files, and touches nothing else", () => {
        const config = loadStackConfig(
            minimalRaw({ services: ["checkout", "refunds"].map((name) => ({ name, slos: [{ kind: "availability", objective: 99.9 }] })) }),
            { knownRunbooks },
        );
        const stack = renderStack(config, runbooks);
        const dir = path.join(scratch, "rerun");
        const [templates, out, beside] = ["templates", "out", "beside"].map((d) => path.join(dir, d));
        project(stack.grafana.serviceDashboards.configMaps, templates);
        fs.mkdirSync(out);
        fs.mkdirSync(beside);
        // Foreign files: one in the folder that is not a dashboard, one dashboard-like file in a sibling folder.
        fs.writeFileSync(path.join(out, "notes.txt"), "not ours");
        fs.writeFileSync(path.join(beside, "checkout-golden.json"), "{}");
        expandOnce(stack, templates, out);
        assert.deepEqual([...filesIn(out).keys()], ["checkout-golden.json", "checkout-slo.json", "notes.txt", "refunds-golden.json", "refunds-slo.json"]);
        const old = new Date("2020-01-01T00:00:00Z");
        fs.utimesSync(path.join(out, "checkout-golden.json"), old, old);
        const index = path.join(templates, SERVICE_DASHBOARDS.indexKey);
        fs.writeFileSync(index, fs.readFileSync(index, "utf8").split("\n").filter((line) => !line.endsWith(" refunds")).join("\n"));
        expandOnce(stack, templates, out);
        assert.deepEqual([...filesIn(out).keys()], ["checkout-golden.json", "checkout-slo.json", "notes.txt"]);
        assert.equal(fs.statSync(path.join(out, "checkout-golden.json")).mtime.getTime(), old.getTime(), "an unchanged file is not rewritten");
        assert.equal(fs.readFileSync(path.join(out, "notes.txt"), "utf8"), "not ours");
        assert.equal(fs.readFileSync(path.join(beside, "checkout-golden.json"), "utf8"), "{}");
    });
});
