import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import { alertCatalog } from "../alerts";
import { loadStackConfig } from "../config/load";
import { PROJECT_ROOT } from "../io/stackSources";
import { run, toolPath } from "../scripts/dev";
import { knownRunbooks, minimalRaw } from "./support/fixtures";
import { Coverage, Mixin, MIXIN_COVERAGE, MIXINS } from "./support/mixinCoverage";
import { distributedRaw } from "./support/topology";

/**
 * The community mixins' alerts against ours. The node, Prometheus and Alertmanager mixins ship
 * inside Go modules the project pins (node_exporter, prometheus, alertmanager in tools/versions.json);
 * the real go-jsonnet renders their alerts from the module cache at exactly those versions, after the
 * module's hash is checked against the one written down here. Nothing upstream is committed: a new
 * pin brings its new alerts, and this test names each one we neither have nor leave out with a reason.
 */

const VERSIONS = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "tools", "versions.json"), "utf8"));

function pinnedVersion(mixin: Mixin): string {
    const [section, entry] = mixin.pinnedAt;
    const version = VERSIONS[section]?.[entry]?.goVersion;
    assert.ok(typeof version === "string" && version.startsWith("v"), `tools/versions.json has no goVersion at ${section}.${entry}`);
    return version;
}

/** The module's folder in the Go module cache, downloaded (and verified by the go command) when missing; its hash must be the pinned one. */
function moduleDir(mixin: Mixin, version: string): string {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-mixin-"));
    // Outside any module, so no go.mod decides anything; the proxy and checksum database settings stay the user's.
    const result = run("go", ["mod", "download", "-json", `${mixin.module}@${version}`], scratch, { env: { ...process.env, GOFLAGS: "-mod=mod" }, timeoutMs: 600_000 });
    fs.rmSync(scratch, { recursive: true, force: true });
    assert.equal(result.code, 0, `go mod download ${mixin.module}@${version} failed (needs Go and the Go module proxy): ${result.output}`);
    const info = JSON.parse(result.stdout) as { Dir?: string; Sum?: string; Error?: string };
    assert.equal(info.Error, undefined, `${mixin.module}@${version}: ${info.Error}`);
    assert.equal(info.Sum, mixin.sum, `${mixin.module}@${version} has hash ${info.Sum}, not the pinned ${mixin.sum}; a new pin needs its hash in test/support/mixinCoverage.ts`);
    assert.ok(info.Dir && fs.existsSync(path.join(info.Dir, mixin.dir)), `${mixin.module}@${version} has no ${mixin.dir}`);
    return path.join(info.Dir, mixin.dir);
}

/** Every alert we can render: the single topology with everything the cluster can expose, and the distributed one. */
function ourAlerts(): Set<string> {
    const everything = loadStackConfig(minimalRaw({ cluster: { provider: "generic", etcdTargets: ["10.0.0.10:2381"] } }), { knownRunbooks });
    const distributed = loadStackConfig(distributedRaw(), { knownRunbooks });
    return new Set([...alertCatalog(everything), ...alertCatalog(distributed)].map((definition) => definition.alert));
}

/** Every alert name of the mixin, rendered by the real jsonnet from the pinned module. */
function render(jsonnet: string, mixin: Mixin): Set<string> {
    const dir = moduleDir(mixin, pinnedVersion(mixin));
    const result = run(jsonnet, ["-J", dir, "-e", mixin.alertsExpr], dir);
    assert.equal(result.code, 0, `jsonnet could not render ${mixin.name}'s alerts: ${result.output}`);
    const rendered = JSON.parse(result.stdout) as { groups: { rules: { alert?: string }[] }[] };
    return new Set(rendered.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : []))));
}

describe("mixin coverage: the community mixins' alerts, at the pinned versions, against ours", () => {
    // Fails with the build hint when jsonnet is missing and cannot be built: never a silent pass.
    const jsonnet = toolPath("jsonnet");
    const ours = ourAlerts();
    for (const mixin of MIXINS) {
        test(`${mixin.name}: every upstream alert is ours or left out with a reason, and every entry is still upstream`, () => {
            const upstream = render(jsonnet, mixin);
            assert.ok(upstream.size >= 5, `${mixin.name} rendered only ${[...upstream].join(", ")}`);
            const table: Readonly<Record<string, Coverage>> = MIXIN_COVERAGE[mixin.name] ?? {};
            const missing = [...upstream].filter((alert) => !(alert in table)).sort();
            assert.deepEqual(missing, [], `${mixin.name} alerts neither covered nor left out with a reason (test/support/mixinCoverage.ts): ${missing.join(", ")}`);
            const stale = Object.keys(table).filter((alert) => !upstream.has(alert)).sort();
            assert.deepEqual(stale, [], `${mixin.name} no longer has these alerts; remove their entries: ${stale.join(", ")}`);
        });
        test(`${mixin.name}: every alert we say covers an upstream one is one we define`, () => {
            for (const [upstream, coverage] of Object.entries(MIXIN_COVERAGE[mixin.name] ?? {})) {
                if ("ours" in coverage) {
                    assert.ok(ours.has(coverage.ours), `${mixin.name}'s ${upstream} is said to be covered by ${coverage.ours}, which the stack no longer defines`);
                } else {
                    assert.ok(coverage.leftOut.length >= 40, `${mixin.name}'s ${upstream} is left out without a real reason: "${coverage.leftOut}"`);
                }
            }
        });
    }
});
