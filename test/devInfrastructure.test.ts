/**
 * The dev tooling's processes, polling and ports (scripts/dev): what the suites, the benchmarks and
 * the demo rely on for cleanup and bounded waits. Real processes (`sleep`, `sh`), real sockets.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { after, describe, test } from "node:test";
import { eventually, freePorts, LOOPBACK, ManagedProcess, run, runAsync, waitUntil } from "../scripts/dev";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-dev-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("free ports", () => {
    test("three at once are distinct, and each can be bound on 127.0.0.1 afterwards", async () => {
        const ports = await freePorts(3);
        assert.equal(new Set(ports).size, 3);
        for (const port of ports) {
            const server = net.createServer();
            await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, LOOPBACK, resolve));
            await new Promise((resolve) => server.close(resolve));
        }
    });
});

describe("polling", () => {
    test("a condition that never holds times out near its deadline, naming what it waited for and the last error", async () => {
        const begin = Date.now();
        await assert.rejects(
            eventually("the answer", 300, () => {
                throw new Error("connection refused");
            }, 50),
            { message: "timed out after 0.3s waiting for the answer: Error: connection refused" },
        );
        const elapsed = Date.now() - begin;
        assert.ok(elapsed >= 300 && elapsed < 2000, `took ${elapsed} ms`);
    });

    test("a fatal error ends the wait at once", async () => {
        const begin = Date.now();
        await assert.rejects(waitUntil("never", () => Promise.reject(new Error("gone")), 30, 50, () => true), { message: "gone" });
        assert.ok(Date.now() - begin < 1000);
    });
});

describe("processes", () => {
    test("run reports the exit code and both streams", () => {
        const result = run("sh", ["-c", "echo out; echo err >&2; exit 3"]);
        assert.equal(result.code, 3);
        assert.equal(result.output, "out\nerr\n");
    });

    test("runAsync kills a run at its time limit", async () => {
        const result = await runAsync("sleep", ["30"], undefined, { timeoutMs: 200 });
        assert.equal(result.code, -1);
        assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test("a managed process is killed at its lifetime limit and logs to its file", async () => {
        const proc = new ManagedProcess({ name: "sleeper", binary: "sleep", args: ["30"], logFile: path.join(dir, "sleeper.log"), maxLifetimeMs: 300 });
        proc.start();
        assert.ok(proc.running);
        await waitUntil("the sleeper to be killed", () => !proc.running, 5, 50);
        assert.equal(proc.exitStatus, "SIGKILL");
        assert.match(fs.readFileSync(proc.logFile, "utf8"), /=== start .* sleep 30\n/);
    });

    test("waiting for a process that exits fails at once with its log, not at the deadline", async () => {
        const proc = new ManagedProcess({ name: "crasher", binary: "sh", args: ["-c", "echo bad flag; exit 2"], logFile: path.join(dir, "crasher.log") });
        proc.start();
        const begin = Date.now();
        await assert.rejects(proc.waitForHttp(`http://${LOOPBACK}:9/`, 60_000, 50), /crasher exited \(2\)[\s\S]*bad flag/);
        assert.ok(Date.now() - begin < 5000);
    });
});
