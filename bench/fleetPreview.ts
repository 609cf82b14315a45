/**
 * Fleet scale with the real engine: `pulumi preview` of the dev stack with 1,000 and 2,000 services
 * declared in files (`servicesFrom`, one file per team of 50), and the same 1,000 in stack config to
 * show the ceiling that form hits (Pulumi passes the whole config to the program in one environment
 * variable, which Linux caps at 128 KiB). Needs the e2e tools; never builds them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CLUSTER_TOOLS, LocalCluster, LocalStack, missingTools, PULUMI_TOOLS } from "../scripts/localCluster";
import { generatedServices } from "./realPreview";
import { formatMs } from "./report";

/** Services per file: one file per team, as a fleet would organise them. */
const SERVICES_PER_FILE = 50;
const SERVICES_FOLDER = "services.d";

/** Writes `count` generated services into `<project>/services.d/team-NNN.yaml`, replacing what was there. */
export function writeServiceFiles(projectDir: string, count: number): number {
    const dir = path.join(projectDir, SERVICES_FOLDER);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const services = generatedServices(count);
    let files = 0;
    for (let start = 0; start < services.length; start += SERVICES_PER_FILE) {
        files++;
        fs.writeFileSync(path.join(dir, `team-${String(files).padStart(3, "0")}.yaml`), YAML.stringify({ services: services.slice(start, start + SERVICES_PER_FILE) }));
    }
    return files;
}

/** The value, or the error's message: a failed preview is a result here, not an abort. */
async function attempt<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    try {
        return { ok: true, value: await run() };
    } catch (error) {
        return { ok: false, error: (error as Error).message };
    }
}

/** Table rows: services, where they are declared, steps in the plan, wall time or the failure. */
export async function fleetPreviewRows(sizes: readonly number[]): Promise<string[][]> {
    const missing = missingTools([...CLUSTER_TOOLS, ...PULUMI_TOOLS]);
    if (missing.length > 0) {
        return [["fleet `pulumi preview`", "", "", `not measured: ${missing.join(", ")} not built (npm run tools -- build ${missing.join(" ")})`, "", "", ""]];
    }
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-bench-fleet-"));
    const cluster = new LocalCluster(`lgtm-bench-fleet-${process.pid}`, workdir);
    const rows: string[][] = [];
    try {
        await cluster.start();
        const project = await LocalStack.create(workdir, cluster.kubeconfig, "dev");
        await project.setSecret("grafanaAdminPassword", `bench-${process.pid}`);
        // The stack-config form at the first size: expected to fail with "argument list too long" past ~650 minimal services.
        const inline = sizes[0];
        project.editConfig((config) => {
            config["lgtm-stack:services"] = generatedServices(inline);
            delete config["lgtm-stack:servicesFrom"];
        });
        const bytes = Buffer.byteLength(JSON.stringify(generatedServices(inline)));
        const inlineStarted = Date.now();
        const inlineRun = await attempt(() => project.preview());
        const inlineOutcome = inlineRun.ok ? "ok" : `fails: ${inlineRun.error.match(/argument list too long|[^\n]*error[^\n]*/i)?.[0] ?? inlineRun.error.split("\n")[0]}`;
        rows.push([`${inline} in stack config`, String(inline * 2), "", "", formatMs(Date.now() - inlineStarted), "", `${inlineOutcome}; the services list is ${(bytes / 1024).toFixed(0)} KiB of JSON in one environment variable`]);
        for (const size of sizes) {
            const files = writeServiceFiles(project.dir, size);
            project.editConfig((config) => {
                delete config["lgtm-stack:services"];
                config["lgtm-stack:servicesFrom"] = SERVICES_FOLDER;
            });
            const started = Date.now();
            const run = await attempt(() => project.preview());
            const elapsed = Date.now() - started;
            const steps = run.ok ? String(run.value.length) : "";
            rows.push([
                `${size} in ${files} files (servicesFrom)`,
                String(size * 2),
                steps,
                "",
                formatMs(elapsed),
                "",
                `${run.ok ? "ok" : `fails: ${run.error.split("\n")[0]}`}; CLI wall time, empty stack, KWOK cluster (goal: under 30 s for 1,000 on 2 cores)`,
            ]);
        }
    } finally {
        cluster.stop();
        fs.rmSync(workdir, { recursive: true, force: true });
    }
    return rows;
}
