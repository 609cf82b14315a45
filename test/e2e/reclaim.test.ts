/**
 * The real-node harness touches nothing that is not its own (issue 22). Before the runs, this suite
 * plants objects of "another program" on the machine — a `cni-` network namespace, a `CNI-` and a
 * `KUBE-` iptables chain each jumped to from a built-in chain, a route in the 10.89 range podman
 * uses, a pod log directory, a `kubepods` cgroup — and later changes `ip_forward` behind the run's
 * back. A full run, a killed run and its reclaim must each leave all of them, and the machine's
 * namespaces, chains, routes, links, mounts, cgroups and tunables exactly as they were (the diff is
 * printed, and must be empty). Planted run directories that another user could have written, or
 * whose state is of another shape, are refused by name, and the program a planted state points at
 * never runs. Needs root; the two runs need the real-node tools.
 *
 * Every expected value here is written by hand: the planted names, the refusal messages.
 */
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { eventually } from "../../scripts/dev/polling";
import { run } from "../../scripts/dev/processes";
import { ensureTools } from "../../scripts/dev/tools";
import { RealNodeCluster, REAL_NODE_TOOLS } from "../../scripts/realNode/cluster";
import { RUNS_DIR } from "../../scripts/realNode/runs";
import { hostState, HostState, hostStateDiff } from "../support/hostState";

const tag = `${process.pid}`;
const FOREIGN = {
    netns: `cni-foreign-${tag}`,
    cniChain: `CNI-FOREIGN-${tag}`,
    kubeChain: `KUBE-FOREIGN-${tag}`,
    route: "10.89.77.0/24",
    podLogDir: `/var/log/pods/foreign_web-0_${tag}-0000-4000-8000-000000000000`,
    cgroup: "kubepods",
};

const ok = (command: string, args: string[]) => {
    const result = run(command, args, undefined, { timeoutMs: 30_000 });
    assert.equal(result.code, 0, `${command} ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
};
const quiet = (command: string, args: string[]) => run(command, args, undefined, { timeoutMs: 30_000 });

/** The first cgroup hierarchy (what the v1 machine here and a v2 machine both have). */
const cgroupHierarchy = () => (fs.existsSync("/sys/fs/cgroup/cgroup.procs") ? "/sys/fs/cgroup" : path.join("/sys/fs/cgroup", fs.readdirSync("/sys/fs/cgroup").find((name) => fs.existsSync(path.join("/sys/fs/cgroup", name, "cgroup.procs")))!));

let plantedCgroup = "";

function plantForeignObjects(): void {
    ok("ip", ["netns", "add", FOREIGN.netns]);
    ok("iptables", ["-t", "filter", "-N", FOREIGN.cniChain]);
    ok("iptables", ["-t", "filter", "-A", "FORWARD", "-s", "10.88.0.0/16", "-j", FOREIGN.cniChain]);
    ok("iptables", ["-t", "nat", "-N", FOREIGN.kubeChain]);
    ok("iptables", ["-t", "nat", "-A", "PREROUTING", "-d", "10.43.0.0/16", "-j", FOREIGN.kubeChain]);
    ok("ip", ["route", "add", "unreachable", FOREIGN.route]);
    fs.mkdirSync(FOREIGN.podLogDir, { recursive: true });
    fs.writeFileSync(path.join(FOREIGN.podLogDir, "0.log"), "a foreign kubelet's pod log\n");
    const cgroup = path.join(cgroupHierarchy(), FOREIGN.cgroup);
    if (!fs.existsSync(cgroup)) {
        fs.mkdirSync(cgroup);
        plantedCgroup = cgroup;
    }
}

function removeForeignObjects(): void {
    quiet("ip", ["netns", "delete", FOREIGN.netns]);
    quiet("iptables", ["-t", "filter", "-D", "FORWARD", "-s", "10.88.0.0/16", "-j", FOREIGN.cniChain]);
    quiet("iptables", ["-t", "filter", "-X", FOREIGN.cniChain]);
    quiet("iptables", ["-t", "nat", "-D", "PREROUTING", "-d", "10.43.0.0/16", "-j", FOREIGN.kubeChain]);
    quiet("iptables", ["-t", "nat", "-X", FOREIGN.kubeChain]);
    quiet("ip", ["route", "del", "unreachable", FOREIGN.route]);
    fs.rmSync(FOREIGN.podLogDir, { recursive: true, force: true });
    if (plantedCgroup) {
        fs.rmdirSync(plantedCgroup);
    }
}

/** Each planted object, checked by hand (the snapshot diff checks everything else). */
function assertForeignObjectsSurvive(): void {
    assert.ok(ok("ip", ["netns", "list"]).split("\n").some((line) => line.split(" ")[0] === FOREIGN.netns), `network namespace ${FOREIGN.netns}`);
    const filter = ok("iptables", ["-t", "filter", "-S"]);
    assert.ok(filter.includes(`-N ${FOREIGN.cniChain}`) && filter.includes(`-A FORWARD -s 10.88.0.0/16 -j ${FOREIGN.cniChain}`), `chain ${FOREIGN.cniChain} and the jump into it:\n${filter}`);
    const nat = ok("iptables", ["-t", "nat", "-S"]);
    assert.ok(nat.includes(`-N ${FOREIGN.kubeChain}`) && nat.includes(`-A PREROUTING -d 10.43.0.0/16 -j ${FOREIGN.kubeChain}`), `chain ${FOREIGN.kubeChain} and the jump into it:\n${nat}`);
    assert.match(ok("ip", ["route", "show", "table", "all", FOREIGN.route]), /^unreachable 10\.89\.77\.0\/24/, `route ${FOREIGN.route}`);
    assert.equal(fs.readFileSync(path.join(FOREIGN.podLogDir, "0.log"), "utf8"), "a foreign kubelet's pod log\n", `pod log directory ${FOREIGN.podLogDir}`);
    assert.ok(fs.existsSync(path.join(cgroupHierarchy(), FOREIGN.cgroup)), `cgroup ${FOREIGN.cgroup}`);
}

function assertUnchanged(before: HostState, what: string): void {
    const diff = hostStateDiff(before, hostState());
    console.log(`${what}: the machine's namespaces, links, routes, chains, mounts, cgroups, pod logs and tunables, before vs after: ${diff.length === 0 ? "no difference" : `\n${diff.join("\n")}`}`);
    assert.deepEqual(diff, [], what);
}

/** Flips the machine's ip_forward (as another program would) and returns the value it now has. */
function flipIpForward(): string {
    const now = fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim() === "1" ? "0" : "1";
    fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", now);
    return now;
}

/** A run directory in the runs folder, as somebody else might leave one: with the old harness's state pointing at a marker program. */
function plantRunDir(name: string, marker: string): string {
    const dir = path.join(RUNS_DIR, name);
    fs.mkdirSync(path.join(dir, "node", "bin"), { recursive: true });
    fs.writeFileSync(path.join(dir, "node", "bin", "kube-proxy"), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "node", "bin", "ctr"), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "node", "state.json"), JSON.stringify({ processes: { kubelet: 1 }, before: { netns: [], chains: [], logDirs: [] }, ipForward: "1", rootWasPrivate: true }));
    fs.writeFileSync(path.join(dir, "sandbox.json"), JSON.stringify({ runId: "0badc0de", holder: { pid: 1, start: "1" } }));
    return dir;
}

describe("the real-node harness touches nothing that is not its own", { timeout: 20 * 60_000 }, () => {
    let pristine: HostState;
    const ipForwardAtStart = fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();
    const planted: string[] = [];
    const marker = path.join(fs.mkdtempSync(path.join(RUNS_DIR.replace(/runs$/, ""), "marker-")), "ran");
    let child: ReturnType<typeof spawn> | undefined;
    let runsBefore: string[] = [];

    before(() => {
        assert.equal(process.getuid?.(), 0, "the real-node harness suite needs root");
        fs.mkdirSync(RUNS_DIR, { recursive: true, mode: 0o700 });
        runsBefore = fs.readdirSync(RUNS_DIR);
        plantForeignObjects();
        pristine = hostState();
    });

    after(() => {
        child?.kill("SIGKILL");
        removeForeignObjects();
        for (const dir of planted) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        fs.rmSync(path.dirname(marker), { recursive: true, force: true });
        // The run directories the refused starts made (empty: refused before their sandbox was created).
        for (const name of fs.readdirSync(RUNS_DIR).filter((n) => !runsBefore.includes(n))) {
            const dir = path.join(RUNS_DIR, name);
            if (!fs.existsSync(path.join(dir, "sandbox.json"))) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
        fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", ipForwardAtStart);
    });

    test("a planted run directory owned by another user is refused by name, and the program its state names never runs", async () => {
        const dir = plantRunDir(`planted-other-uid-${tag}`, marker);
        planted.push(dir);
        ok("chown", ["-R", "65534:65534", dir]);
        await assert.rejects(RealNodeCluster.forTest().reclaimAbandoned(), (error: Error) => {
            assert.equal(error.message, `refusing ${dir}: it is owned by uid 65534, not by uid 0. A real-node run only ever lives in a directory only you can write; nothing in ${dir} was read, run or removed. Inspect it and remove it yourself if it is not needed.`);
            return true;
        });
        assert.equal(fs.existsSync(marker), false, "the planted program ran");
        assert.equal(fs.existsSync(path.join(dir, "node", "state.json")), true, "the planted directory is left as it was");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("a planted run directory others may write is refused by name, and the program its state names never runs", async () => {
        const dir = plantRunDir(`planted-world-writable-${tag}`, marker);
        planted.push(dir);
        fs.chmodSync(dir, 0o777);
        await assert.rejects(RealNodeCluster.forTest().reclaimAbandoned(), (error: Error) => {
            assert.equal(error.message, `refusing ${dir}: it is writable by others (mode 777). A real-node run only ever lives in a directory only you can write; nothing in ${dir} was read, run or removed. Inspect it and remove it yourself if it is not needed.`);
            return true;
        });
        assert.equal(fs.existsSync(marker), false, "the planted program ran");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("a private run directory whose state is of another shape is refused by name instead of crashing, and nothing in it runs", async () => {
        const dir = plantRunDir(`planted-other-shape-${tag}`, marker);
        planted.push(dir);
        fs.chmodSync(dir, 0o700);
        fs.writeFileSync(path.join(dir, "sandbox.json"), JSON.stringify({ processes: { kubelet: 1 }, before: null, binary: path.join(dir, "node", "bin", "kube-proxy") }));
        await assert.rejects(RealNodeCluster.forTest().reclaimAbandoned(), (error: Error) => {
            assert.equal(error.message, `${dir}/sandbox.json is not the state of a real-node run of this harness (runId is not 8 hexadecimal digits); nothing of it was run or removed: inspect ${dir} and remove it by hand`);
            return true;
        });
        assert.equal(fs.existsSync(marker), false, "the planted program ran");
        assert.equal(fs.existsSync(dir), true, "the directory is left for its owner to inspect");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("refuses to start beside a test run whose process still lives, naming the directory", async () => {
        const dir = path.join(RUNS_DIR, `planted-live-${tag}`);
        planted.push(dir);
        fs.mkdirSync(dir, { mode: 0o700 });
        const start = fs.readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1].split(" ")[19];
        fs.writeFileSync(path.join(dir, "sandbox.json"), JSON.stringify({ runId: "00c0ffee", holder: { pid: process.pid, start }, owner: { pid: process.pid, start } }));
        await assert.rejects(RealNodeCluster.forTest().start(), (error: Error) => {
            assert.equal(error.message, `a real-node cluster already runs on this machine in ${dir} (test process ${process.pid}): let that run finish or end it`);
            return true;
        });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("refuses to start while the machine routes part of the node's addresses, naming the route and the setting that moves them", async () => {
        ok("ip", ["route", "add", "unreachable", "10.213.64.0/24"]);
        try {
            const cgroupsBefore = fs.readdirSync(cgroupHierarchy()).filter((name) => name.startsWith("lgtm-"));
            await assert.rejects(RealNodeCluster.forTest().start(), (error: Error) => {
                assert.equal(
                    error.message,
                    "the real node's addresses (10.213.0.0/16) collide with this machine's network: route unreachable 10.213.64.0/24 overlaps the pods range 10.213.0.0/17. Set LGTM_REAL_NODE_CIDR to a /16 nothing here uses, e.g. LGTM_REAL_NODE_CIDR=10.217.0.0/16",
                );
                return true;
            });
            assert.deepEqual(fs.readdirSync(cgroupHierarchy()).filter((name) => name.startsWith("lgtm-")), cgroupsBefore, "no sandbox was created");
        } finally {
            quiet("ip", ["route", "del", "unreachable", "10.213.64.0/24"]);
        }
    });

    test("a full run (start, then teardown) leaves every foreign object and the machine as it found them, ip_forward changed meanwhile included", async () => {
        ensureTools(REAL_NODE_TOOLS);
        const cluster = RealNodeCluster.forTest();
        try {
            await cluster.start();
            assert.deepEqual(await cluster.readyNodes(), [cluster.nodeName, cluster.simulatedNodeName].sort());
            const ipForward = flipIpForward();
            pristine = { ...pristine, sysctl: pristine.sysctl.map((line) => (line.startsWith("net/ipv4/ip_forward =") ? `net/ipv4/ip_forward = ${ipForward}` : line)) };
        } finally {
            await cluster.stop();
        }
        assert.deepEqual(cluster.leftovers(), []);
        assertForeignObjectsSurvive();
        assertUnchanged(pristine, "after a full run");
    });

    test("a run killed before its teardown is reclaimed by the next: its processes, cgroups, namespaces and directory end, and nothing else", async () => {
        ensureTools(REAL_NODE_TOOLS);
        child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "../support/realNodeChild.ts")], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout!.on("data", (chunk) => (out += chunk));
        const [workdir, name] = await eventually(
            "the child's cluster to be ready",
            8 * 60_000,
            () => {
                if (child!.exitCode !== null) {
                    throw new Error(`the child exited with ${child!.exitCode}`);
                }
                return /READY (\S+) (\S+)/.exec(out)?.slice(1, 3);
            },
            1000,
            () => true,
        );
        const cgroup = path.join(cgroupHierarchy(), name);
        child.kill("SIGKILL");
        await eventually("the child to be gone", 10_000, () => (child!.exitCode !== null || child!.signalCode !== null ? true : undefined), 100);
        // Killed hard: its control plane, node and pods still run, in its cgroup and namespaces.
        assert.ok(fs.readFileSync(path.join(cgroup, "cgroup.procs"), "utf8").trim() !== "", "the killed run's processes outlive it");
        assert.equal(quiet("ip", ["link", "show", name]).code, 0, "the killed run's link outlives it");

        const next = RealNodeCluster.forTest();
        await next.reclaimAbandoned();
        fs.rmSync(next.workdir, { recursive: true, force: true });

        assert.equal(fs.existsSync(cgroup), false, `cgroup ${cgroup}`);
        assert.notEqual(quiet("ip", ["link", "show", name]).code, 0, `link ${name}`);
        assert.equal(fs.existsSync(workdir), false, `the killed run's directory ${workdir}`);
        assertForeignObjectsSurvive();
        assertUnchanged(pristine, "after a killed run and its reclaim");
    });
});
