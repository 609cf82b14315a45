/**
 * A real-node cluster whose run was killed before its teardown (a session or CI job ending hard)
 * leaves host state behind: mounts, network namespaces, iptables chains, the pod bridge, the
 * unreachable route of the simulated node's addresses. The next cluster reclaims them instead of
 * failing on them, and refuses to start beside a cluster that still runs. Needs root.
 *
 * The abandoned run is planted by hand here (what a killed run leaves, named the way the node names
 * it); what must be gone afterwards is listed by hand too.
 */
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, describe, test } from "node:test";
import { run } from "../../scripts/dev/processes";
import { RealNodeCluster, TEST_WORKDIR_PREFIX } from "../../scripts/realNode/cluster";
import { iptablesChains, netnsNames, podLogDirs } from "../../scripts/realNode/node";

const ROUTE = "10.89.0.0/16";
const NETNS = "cni-lgtm-abandoned-test";
const CHAIN = "CNI-lgtm-abandoned";
const BRIDGE = "lgtm0";

const sh = (command: string, args: string[]) => {
    const result = run(command, args, undefined, { timeoutMs: 30_000 });
    assert.equal(result.code, 0, `${command} ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
};
const mounted = (dir: string) => fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((line) => line.split(" ")[4]?.startsWith(`${dir}/`));

/** A work directory like the e2e suite's, with a node state file naming `processes`. */
function plantRun(processes: Record<string, number>, binaries: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), TEST_WORKDIR_PREFIX));
    const node = path.join(dir, "node");
    fs.mkdirSync(path.join(node, "bin"), { recursive: true });
    for (const [name, binary] of Object.entries(binaries)) {
        fs.symlinkSync(binary, path.join(node, "bin", name));
    }
    const before = { netns: [...netnsNames()], chains: [...iptablesChains()], logDirs: [...podLogDirs()], agentState: fs.existsSync("/var/lib/otelcol-agent") };
    const ipForward = fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();
    fs.writeFileSync(path.join(node, "state.json"), JSON.stringify({ processes, before, ipForward, rootWasPrivate: false }));
    return dir;
}

/** A PID no process has any more. */
function deadPid(): number {
    const child = run("sh", ["-c", "echo $$"], undefined, { timeoutMs: 10_000 });
    return Number(child.stdout.trim());
}

describe("a real-node cluster killed before its teardown", { timeout: 5 * 60_000 }, () => {
    const planted: string[] = [];
    // What the planted run holds, removed whatever the tests did (a failed test leaves it otherwise).
    after(() => {
        run("ip", ["netns", "delete", NETNS]);
        run("iptables", ["-t", "nat", "-D", "POSTROUTING", "-s", "10.88.0.0/16", "-j", CHAIN]);
        run("iptables", ["-t", "nat", "-X", CHAIN]);
        run("ip", ["link", "delete", BRIDGE]);
        run("ip", ["route", "del", "unreachable", ROUTE]);
        for (const dir of planted) {
            for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
                const mount = line.split(" ")[4];
                if (mount?.startsWith(`${dir}/`)) {
                    run("umount", ["-l", mount]);
                }
            }
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("is reclaimed by the next cluster: its mounts, network namespace, chains, bridge and route are gone, and its directory", async () => {
        const dir = plantRun({ containerd: deadPid(), kubelet: deadPid() });
        planted.push(dir);
        const volume = path.join(dir, "node", "kubelet", "pods", "abandoned", "volumes");
        fs.mkdirSync(volume, { recursive: true });
        sh("mount", ["-t", "tmpfs", "tmpfs", volume]);
        sh("ip", ["netns", "add", NETNS]);
        sh("iptables", ["-t", "nat", "-N", CHAIN]);
        sh("iptables", ["-t", "nat", "-A", "POSTROUTING", "-s", "10.88.0.0/16", "-j", CHAIN]);
        sh("ip", ["link", "add", BRIDGE, "type", "bridge"]);
        if (!run("ip", ["route", "show", ROUTE]).stdout.startsWith("unreachable")) {
            sh("ip", ["route", "add", "unreachable", ROUTE]);
        }

        const next = fs.mkdtempSync(path.join(os.tmpdir(), TEST_WORKDIR_PREFIX));
        planted.push(next);
        await new RealNodeCluster(`${TEST_WORKDIR_PREFIX}${process.pid}`, next).reclaimAbandoned();

        assert.equal(mounted(dir), false, "the abandoned run's mount");
        assert.ok(!sh("ip", ["netns", "list"]).includes(NETNS), "the abandoned pod network namespace");
        const nat = sh("iptables", ["-t", "nat", "-S"]);
        assert.ok(!nat.includes(CHAIN), `the abandoned chain and the jump into it:\n${nat}`);
        assert.notEqual(run("ip", ["link", "show", BRIDGE]).code, 0, "the abandoned bridge");
        assert.equal(sh("ip", ["route", "show", ROUTE]), "", "the unreachable route");
        assert.equal(fs.existsSync(dir), false, "the abandoned work directory");
        assert.equal(fs.existsSync(next), true, "the new cluster's own work directory is left alone");
    });

    test("refuses to start beside a cluster whose node still runs, naming it and how to stop it", async () => {
        // A node process that still runs: its state names a live PID started from the binary its bin/ links to.
        const sleeper = spawn("sleep", ["120"], { stdio: "ignore" });
        try {
            const binary = fs.realpathSync(run("sh", ["-c", "command -v sleep"]).stdout.trim());
            const dir = plantRun({ kubelet: sleeper.pid! }, { kubelet: binary });
            planted.push(dir);
            const next = fs.mkdtempSync(path.join(os.tmpdir(), TEST_WORKDIR_PREFIX));
            planted.push(next);
            await assert.rejects(new RealNodeCluster(`${TEST_WORKDIR_PREFIX}${process.pid}`, next).start(), (error: Error) => {
                assert.match(error.message, new RegExp(`already runs on this machine in ${dir} \\(kubelet \\(${sleeper.pid}\\)\\)`));
                assert.match(error.message, /let that run finish or end it/);
                return true;
            });
            assert.equal(fs.existsSync(dir), true, "a running cluster's directory is kept");
            assert.equal(fs.existsSync(path.join(next, "kwok")), false, "nothing of the new cluster was started");
        } finally {
            sleeper.kill("SIGKILL");
        }
    });

    test("refuses to start beside a test run whose process still lives, even before its node started", async () => {
        const dir = plantRun({});
        planted.push(dir);
        fs.mkdirSync(path.join(dir, "kwok", "clusters", `${TEST_WORKDIR_PREFIX}${process.ppid}`), { recursive: true });
        const next = fs.mkdtempSync(path.join(os.tmpdir(), TEST_WORKDIR_PREFIX));
        planted.push(next);
        await assert.rejects(new RealNodeCluster(`${TEST_WORKDIR_PREFIX}${process.pid}`, next).start(), new RegExp(`in ${dir} \\(test process ${process.ppid}\\)`));
    });
});
