/**
 * The real engine at scale: `pulumi preview` of the dev stack with N services against a local
 * control plane (the e2e harness in scripts/localCluster.ts). Needs the e2e tools; never builds them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLUSTER_TOOLS, LocalCluster, LocalStack, missingTools, PULUMI_TOOLS } from "../scripts/localCluster";
import { generatedServices } from "../test/support/fleet";
import { formatMs } from "./report";

/**
 * Runs `measure` against an empty dev stack on a fresh local cluster, then removes both; returns
 * one "not measured" row instead when the tools are not built. Grafana takes the default
 * grafana.mode (files), which needs no Grafana API and no random plugin.
 */
export async function withDevStack(label: string, measure: (project: LocalStack, cluster: LocalCluster) => Promise<string[][]>): Promise<string[][]> {
    const missing = missingTools([...CLUSTER_TOOLS, ...PULUMI_TOOLS]);
    if (missing.length > 0) {
        return [[label, "", "", `not measured: ${missing.join(", ")} not built (npm run tools -- build ${missing.join(" ")})`, "", "", ""]];
    }
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-bench-preview-"));
    const cluster = new LocalCluster(`lgtm-bench-${process.pid}`, workdir);
    try {
        await cluster.start();
        const project = await LocalStack.create(workdir, cluster.kubeconfig, "dev");
        await project.setSecret("grafanaAdminPassword", `bench-${process.pid}`);
        return await measure(project, cluster);
    } finally {
        cluster.stop();
        fs.rmSync(workdir, { recursive: true, force: true });
    }
}

/** One table row per size: services, resources in the plan, preview wall time. */
export function realPreviewRows(sizes: readonly number[]): Promise<string[][]> {
    return withDevStack("real `pulumi preview`", async (project) => {
        const rows: string[][] = [];
        for (const size of sizes) {
            project.editConfig((config) => {
                config["lgtm-stack:services"] = generatedServices(size);
            });
            const started = Date.now();
            const steps = await project.preview();
            const elapsed = Date.now() - started;
            rows.push([`${size} (real \`pulumi preview\`)`, String(size * 2), String(steps.length), "", formatMs(elapsed), "", "CLI wall time, empty stack, KWOK cluster"]);
        }
        return rows;
    });
}
