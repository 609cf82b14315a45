/**
 * The fleet benchmark's CPU accounting (bench/processCpu.ts): a real child process that burns CPU
 * is counted under its role, and the breakdown's shares are the hand-computed ones.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { formatBreakdown, ProcessCpuSampler } from "../scripts/dev/processCpu";

describe("fleet preview CPU accounting", () => {
    test("a child that burns about a second of CPU with the program's command line is counted as the program", async () => {
        const sampler = new ProcessCpuSampler("/nonexistent-cluster-marker", 100);
        sampler.start();
        // The extra argument only gives the child the command line of Pulumi's Node.js program runner.
        // By CPU time, not wall time: on a loaded machine a second of wall time is much less CPU.
        // Checked every million iterations: asking in a tight loop spends as much system time in the
        // call as user time in the loop (2.3–2.5 s in all, measured), which the sampler rightly counts.
        const child = spawn(process.execPath, ["-e", "let x = 0; while (process.cpuUsage().user < 1.1e6) { for (let i = 0; i < 1e6; i++) x += i; }", "node_modules/@pulumi/pulumi/cmd/run"]);
        await new Promise((resolve) => child.on("exit", resolve));
        const breakdown = sampler.stop();
        assert.ok(breakdown.seconds.program >= 0.8 && breakdown.seconds.program <= 2.5, `program CPU ${breakdown.seconds.program} s`);
        assert.equal(breakdown.seconds.engine, 0);
        assert.equal(breakdown.seconds.provider, 0);
        assert.equal(breakdown.untilFirstResource, undefined, "no provider ran");
    });

    test("shares are of the total, largest first, rounded to whole percent", () => {
        const text = formatBreakdown({ seconds: { program: 30, engine: 10, provider: 5, "language host": 0, "API server and etcd": 5, harness: 0 } });
        assert.equal(text, "CPU 50.0 s: program 60% (30.0 s) · engine 20% (10.0 s) · provider 10% (5.0 s) · API server and etcd 10% (5.0 s)");
    });
});
