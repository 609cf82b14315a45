/**
 * Fleet scale with the real engine: `pulumi preview` of the dev stack with 1,000 and 2,000 services
 * declared in files (`servicesFrom`, one file per team of 50), and the same 1,000 in stack config to
 * show the ceiling that form hits (Pulumi passes the whole config to the program in one environment
 * variable, which Linux caps at 128 KiB). Each file-declared preview reports where its CPU went.
 * Needs the e2e tools; never builds them.
 */
import { LocalCluster, LocalStack } from "../scripts/localCluster";
import { formatBreakdown, ProcessCpuSampler } from "../scripts/dev/processCpu";
import { generatedServices, SERVICES_FOLDER, writeServiceFiles } from "../test/support/fleet";
import { withDevStack } from "./realPreview";
import { formatMs } from "./report";


/**
 * The engine's checkpoint switch (PULUMI_SKIP_CHECKPOINTS, pulumi sdk/go/common/env/env.go). The
 * CLI's file backend runs a snapshot manager even for a preview, and by default it serialises the
 * whole snapshot after every step and hands it to a persister that, for a preview, discards it:
 * work quadratic in the number of resources that changes nothing. Skipping checkpoints makes it
 * serialise once at the end; a preview writes no state either way.
 */
const SKIP_CHECKPOINTS = "PULUMI_SKIP_CHECKPOINTS";

/** The value, or the error's message: a failed preview is a result here, not an abort. */
async function attempt<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    try {
        return { ok: true, value: await run() };
    } catch (error) {
        return { ok: false, error: (error as Error).message };
    }
}

/** A preview with checkpoints skipped: the Automation API runs the CLI with this process's environment plus the stack's. */
async function previewSkippingCheckpoints(project: LocalStack) {
    const before = process.env[SKIP_CHECKPOINTS];
    process.env[SKIP_CHECKPOINTS] = "true";
    try {
        return await project.preview();
    } finally {
        if (before === undefined) {
            delete process.env[SKIP_CHECKPOINTS];
        } else {
            process.env[SKIP_CHECKPOINTS] = before;
        }
    }
}

/** One preview with checkpoints skipped, timed, with the CPU of every process it involved. */
async function measuredPreview(project: LocalStack, cluster: LocalCluster) {
    const sampler = new ProcessCpuSampler(cluster.workdir);
    sampler.start();
    const run = await attempt(() => previewSkippingCheckpoints(project));
    const elapsed = sampler.elapsedMs();
    const cpu = sampler.stop();
    return { run, elapsed, cpu };
}

/** Table rows: services, where they are declared, steps in the plan, wall time or the failure, and where the CPU went. */
export function fleetPreviewRows(sizes: readonly number[]): Promise<string[][]> {
    return withDevStack("fleet `pulumi preview`", async (project, cluster) => {
        const rows: string[][] = [];
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
        for (const [size, shared] of sizes.flatMap((size) => [[size, false], [size, true]] as const)) {
            const files = writeServiceFiles(project.dir, size);
            project.editConfig((config) => {
                delete config["lgtm-stack:services"];
                config["lgtm-stack:servicesFrom"] = SERVICES_FOLDER;
                // Each size twice in a row: each service a PrometheusRule of its own, then the same services in shared rule groups.
                const prometheus = { ...(config["lgtm-stack:prometheus"] as Record<string, unknown> | undefined) };
                if (shared) {
                    prometheus.shareServiceRules = true;
                } else {
                    delete prometheus.shareServiceRules;
                }
                if (Object.keys(prometheus).length > 0) {
                    config["lgtm-stack:prometheus"] = prometheus;
                } else {
                    delete config["lgtm-stack:prometheus"];
                }
            });
            // Each service is a PrometheusRule the operator packs: no shard count to choose for the fleet.
            const measured = await measuredPreview(project, cluster);
            const { run, elapsed, cpu } = measured;
            const programPhase = cpu.untilFirstResource !== undefined ? `; ${cpu.untilFirstResource.toFixed(1)} s until the first Kubernetes resource (program start-up, config, render, resource construction)` : "";
            console.log(`# fleet preview, ${size} services${shared ? ", shared rule groups" : ""}: ${run.ok ? `${run.value.length} steps` : "failed"} in ${formatMs(elapsed)}${programPhase}; ${formatBreakdown(cpu)}`);
            rows.push([
                `${size} in ${files} files (servicesFrom)${shared ? ", prometheus.shareServiceRules" : ""}`,
                String(size * 2),
                run.ok ? String(run.value.length) : "",
                "",
                formatMs(elapsed),
                "",
                `${run.ok ? "ok" : `fails: ${run.error.split("\n")[0]}`}; wall time, empty stack, KWOK cluster, ${SKIP_CHECKPOINTS}=true (goal: under 30 s for 1,000 on 2 cores)${programPhase}; ${formatBreakdown(cpu)}`,
            ]);
        }
        return rows;
    });
}
