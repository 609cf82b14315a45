/**
 * The dashboard expander's `watch` mode (the sidecar) under BusyBox: when the kubelet swaps the
 * projected ConfigMaps (it points the `..data` link at a new folder), the expander re-expands, so a
 * new service's dashboards appear and a removed one's go, without a restart. The swap is done here
 * as the kubelet's atomic writer does it: a new timestamped folder, then the link renamed over.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { waitUntil } from "../../scripts/dev/polling";
import { busyboxPath } from "../support/busybox";
import { knownRunbooks, minimalRaw } from "../support/fixtures";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "expander-watch-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function maps(services: readonly string[]) {
    const config = loadStackConfig(minimalRaw({ services: services.map((name) => ({ name, slos: [{ kind: "availability", objective: 99.9 }] })) }), { knownRunbooks });
    return renderStack(config, readRunbooks()).grafana.serviceDashboards;
}

/** Writes the ConfigMaps' files into a new folder and points `..data` (and each key's link) at it, as the kubelet does. */
function publish(templates: string, generation: number, data: ReturnType<typeof maps>["configMaps"]): void {
    const folder = `..${generation}`;
    fs.mkdirSync(path.join(templates, folder));
    for (const map of data) {
        for (const [key, content] of Object.entries(map.data)) {
            fs.writeFileSync(path.join(templates, folder, key), content);
            if (!fs.existsSync(path.join(templates, key))) {
                fs.symlinkSync(path.join("..data", key), path.join(templates, key));
            }
        }
    }
    fs.symlinkSync(folder, path.join(templates, "..data_tmp"));
    fs.renameSync(path.join(templates, "..data_tmp"), path.join(templates, "..data"));
}

test("watch: a swapped index adds a service's files and removes a dropped one's", { timeout: 60_000 }, async () => {
    const templates = path.join(dir, "templates");
    const out = path.join(dir, "out");
    fs.mkdirSync(templates);
    fs.mkdirSync(out);
    const first = maps(["checkout", "refunds"]);
    publish(templates, 1, first.configMaps);
    const expander = spawn("sh", ["-c", first.script, "expander", "watch"], { env: { PATH: busyboxPath(dir), TEMPLATES: templates, OUTPUT: out }, stdio: "ignore" });
    try {
        const files = () => fs.readdirSync(out).filter((f) => f.endsWith(".json")).sort();
        await waitUntil("the first expansion", () => files().length === 4, 15);
        assert.deepEqual(files(), ["checkout-golden.json", "checkout-slo.json", "refunds-golden.json", "refunds-slo.json"]);
        // The probes, run as the kubelet runs them (sh -c in the container's environment).
        const probe = (condition: string) => spawnSync("sh", ["-c", condition], { env: { PATH: busyboxPath(dir), OUTPUT: out } }).status;
        await waitUntil("the loop's heartbeat", () => probe(first.probes.ready) === 0, 15);
        assert.equal(probe(first.probes.alive), 0, "a fresh heartbeat is alive");
        const stale = new Date(Date.now() - 120_000);
        fs.utimesSync(path.join(out, ".heartbeat"), stale, stale);
        assert.notEqual(probe(first.probes.alive), 0, "a heartbeat two minutes old is not");
        publish(templates, 2, maps(["checkout", "payouts"]).configMaps);
        // One poll (10 s) at most, plus the expansion.
        await waitUntil("the re-expansion", () => files().includes("payouts-slo.json") && !files().includes("refunds-slo.json"), 25);
        assert.deepEqual(files(), ["checkout-golden.json", "checkout-slo.json", "payouts-golden.json", "payouts-slo.json"]);
        assert.equal(JSON.parse(fs.readFileSync(path.join(out, "payouts-golden.json"), "utf8")).uid, "payouts-golden");
    } finally {
        expander.kill("SIGKILL");
    }
});
