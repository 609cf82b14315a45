/**
 * One real Kubernetes node on this machine: containerd (with runc and the CNI plugins), kubelet and
 * kube-proxy, all built by scripts/tools.sh, joined to a local control plane. Needs root (cgroups,
 * network namespaces, iptables). Everything it creates lives under `workdir`, on one bridge it owns
 * and in iptables chains it owns; `stop()` removes it all in dependency order and `leftovers()`
 * names anything that survived.
 *
 * The machine's traps (../shared/real-node/README.md) and what answers each one here:
 * - root lacks CAP_SYS_RESOURCE: containerd's `restrict_oom_score_adj`;
 * - KWOK would take over the real node: KWOK manages only nodes annotated as fake (cluster.ts);
 * - the API server certificate lacks the Service IP: an extra SAN (cluster.ts);
 * - Service IPs would leave the machine without kube-proxy: kube-proxy in iptables mode, here.
 */
import * as fs from "fs";
import * as path from "path";
import { isRunning, launchDetached, run as runTool, stopDetached } from "../dev/processes";
import { sleep, waitUntil } from "../dev/polling";
import { BuiltImage } from "./images";

export const NODE_TOOLS = ["runc", "containerd", "containerd-shim-runc-v2", "ctr", "cni-bridge", "cni-loopback", "cni-host-local", "cni-portmap", "kubelet", "kube-proxy"] as const;

/** The pod network: one bridge, host-local addresses, masquerade to leave it. */
export const POD_CIDR = "10.88.0.0/16";

export interface RealNodeOptions {
    readonly workdir: string;
    readonly nodeName: string;
    /** Admin kubeconfig of the control plane (kubelet and kube-proxy authenticate with it). */
    readonly kubeconfig: string;
    /** The cluster CA: the kubelet verifies client certificates (the API server's) with it. */
    readonly caFile: string;
    /** The cluster DNS Service IP the kubelet writes into pods' resolv.conf. */
    readonly clusterDns: string;
    /** The machine's address: the node's InternalIP, where Prometheus reaches the kubelet. */
    readonly nodeIp: string;
    /** Name of the bridge (at most 15 characters). */
    readonly bridge: string;
    readonly toolPath: (tool: string) => string;
}

interface Snapshot {
    netns: Set<string>;
    chains: Set<string>;
    logDirs: Set<string>;
    agentState: boolean;
}

const run = (command: string, args: string[]) => runTool(command, args, undefined, { timeoutMs: 60_000 });

/** The CNI- and KUBE- chains of every table, as `<tool> <table> <chain>`. */
export function iptablesChains(): Set<string> {
    const chains = new Set<string>();
    for (const tool of ["iptables", "ip6tables"]) {
        for (const table of ["nat", "filter", "mangle"]) {
            for (const line of run(tool, ["-t", table, "-S"]).stdout.split("\n")) {
                const match = /^-N ((?:CNI|KUBE)-\S+)/.exec(line);
                if (match) {
                    chains.add(`${tool} ${table} ${match[1]}`);
                }
            }
        }
    }
    return chains;
}

export const netnsNames = () => new Set(run("ip", ["netns", "list"]).stdout.split("\n").map((l) => l.split(" ")[0]).filter(Boolean));
export const podLogDirs = () => new Set(fs.existsSync("/var/log/pods") ? fs.readdirSync("/var/log/pods") : []);

export class RealNode {
    /** PIDs of containerd, kubelet and kube-proxy: kept in `<workdir>/state.json` with the rest, so a later process (`demo --down`) can stop them. */
    private processes = new Map<string, number>();
    private readonly dir: Record<string, string>;
    private before?: Snapshot;
    private ipForward?: string;
    private rootWasPrivate = false;

    constructor(readonly options: RealNodeOptions) {
        const at = (name: string) => path.join(options.workdir, name);
        this.dir = { bin: at("bin"), cni: at("cni-bin"), cniConf: at("cni-conf"), ipam: at("cni-ipam"), containerd: at("containerd"), kubelet: at("kubelet"), pki: at("kubelet-pki"), etc: at("etc"), logs: at("logs"), images: at("images") };
    }

    private get stateFile(): string {
        return path.join(this.options.workdir, "state.json");
    }

    private saveState(): void {
        const before = this.before && { netns: [...this.before.netns], chains: [...this.before.chains], logDirs: [...this.before.logDirs], agentState: this.before.agentState };
        fs.writeFileSync(this.stateFile, JSON.stringify({ processes: Object.fromEntries(this.processes), before, ipForward: this.ipForward, rootWasPrivate: this.rootWasPrivate }));
    }

    /** Takes over a node started by another process (its state file), so `stop()` can end it. */
    restore(): boolean {
        if (!fs.existsSync(this.stateFile)) {
            return false;
        }
        const state = JSON.parse(fs.readFileSync(this.stateFile, "utf8"));
        this.processes = new Map(Object.entries(state.processes as Record<string, number>));
        this.before = state.before && { netns: new Set(state.before.netns), chains: new Set(state.before.chains), logDirs: new Set(state.before.logDirs), agentState: state.before.agentState };
        this.ipForward = state.ipForward;
        this.rootWasPrivate = state.rootWasPrivate;
        return true;
    }

    get containerdSocket(): string {
        return path.join(this.dir.containerd, "containerd.sock");
    }

    /** Starts containerd, imports the images, then kubelet and kube-proxy. Resolves when they run. */
    async start(images: readonly BuiltImage[], pauseImage: string): Promise<void> {
        if (process.getuid?.() !== 0) {
            throw new Error("a real node needs root (cgroups, network namespaces, iptables)");
        }
        this.before = { netns: netnsNames(), chains: iptablesChains(), logDirs: podLogDirs(), agentState: fs.existsSync("/var/lib/otelcol-agent") };
        for (const dir of Object.values(this.dir)) {
            fs.mkdirSync(dir, { recursive: true });
        }
        this.linkTools();
        this.writeConfigs(pauseImage);
        // A hostPath with HostToContainer propagation (node-exporter's view of /) needs the host's
        // root mount to be shared, as it is on systemd machines; this one keeps it private.
        this.rootWasPrivate = !/ shared:\d+/.test(rootMountInfo());
        if (this.rootWasPrivate) {
            const shared = run("mount", ["--make-shared", "/"]);
            if (shared.code !== 0) {
                throw new Error(`mount --make-shared /: ${shared.stderr}`);
            }
        }
        // Pods reach Services and each other through the host: forwarding on while the node runs.
        this.ipForward = fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim();
        fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
        this.saveState();

        this.launch("containerd", this.tool("containerd"), ["--config", path.join(this.dir.etc, "containerd.toml")]);
        await waitUntil("containerd's socket", () => fs.existsSync(this.containerdSocket), 60);
        for (const image of images) {
            this.ctr(["images", "import", image.archive]);
        }
        const { kubeconfig, nodeName, nodeIp } = this.options;
        this.launch("kubelet", this.tool("kubelet"), [
            "--config", path.join(this.dir.etc, "kubelet.yaml"),
            "--kubeconfig", kubeconfig,
            "--root-dir", this.dir.kubelet,
            "--cert-dir", this.dir.pki,
            "--node-ip", nodeIp,
            "--hostname-override", nodeName,
        ]);
        this.launch("kube-proxy", this.tool("kube-proxy"), ["--config", path.join(this.dir.etc, "kube-proxy.yaml")]);
    }

    /** The images containerd holds in the Kubernetes namespace. */
    images(): string[] {
        return this.ctr(["images", "ls", "-q"]).split("\n").filter(Boolean);
    }

    /** PID (on this machine) of each running container's main process, by containerd container ID. */
    containerPids(): Map<string, number> {
        const pids = new Map<string, number>();
        for (const line of this.ctr(["tasks", "ls"]).split("\n").slice(1)) {
            const [id, pid, status] = line.trim().split(/\s+/);
            if (id && status === "RUNNING") {
                pids.set(id, Number(pid));
            }
        }
        return pids;
    }

    /** Where the kubelet keeps a pod's emptyDir volume on this machine. */
    emptyDirPath(podUid: string, volume: string): string {
        return path.join(this.dir.kubelet, "pods", podUid, "volumes", "kubernetes.io~empty-dir", volume);
    }

    private ctr(args: string[]): string {
        const result = runTool(this.tool("ctr"), ["--address", this.containerdSocket, "-n", "k8s.io", ...args], undefined, { timeoutMs: 300_000 });
        if (result.code !== 0) {
            throw new Error(`ctr ${args.join(" ")} failed: ${result.stderr}`);
        }
        return result.stdout;
    }

    private tool(name: string): string {
        return path.join(this.dir.bin, name);
    }

    /** Plain names for the cached binaries: containerd finds its shim on PATH, CNI finds plugins by type. */
    private linkTools(): void {
        const link = (target: string, at: string) => {
            fs.rmSync(at, { force: true });
            fs.symlinkSync(target, at);
        };
        for (const tool of ["runc", "containerd", "containerd-shim-runc-v2", "ctr", "kubelet", "kube-proxy"]) {
            link(this.options.toolPath(tool), this.tool(tool));
        }
        for (const plugin of ["bridge", "loopback", "host-local", "portmap"]) {
            link(this.options.toolPath(`cni-${plugin}`), path.join(this.dir.cni, plugin));
        }
    }

    private writeConfigs(pauseImage: string): void {
        const { caFile, clusterDns, kubeconfig, nodeName, bridge } = this.options;
        const d = this.dir;
        fs.writeFileSync(
            path.join(d.etc, "containerd.toml"),
            [
                "version = 3",
                `root = "${d.containerd}/root"`,
                `state = "${d.containerd}/state"`,
                "[grpc]",
                `  address = "${this.containerdSocket}"`,
                "[ttrpc]",
                `  address = "${this.containerdSocket}.ttrpc"`,
                "[debug]",
                `  address = "${d.containerd}/debug.sock"`,
                '  level = "info"',
                '[plugins."io.containerd.cri.v1.images"]',
                '  snapshotter = "overlayfs"',
                '  [plugins."io.containerd.cri.v1.images".pinned_images]',
                `    sandbox = "${pauseImage}"`,
                '[plugins."io.containerd.cri.v1.runtime"]',
                // The machine's root lacks CAP_SYS_RESOURCE: runc may not raise a process's oom_score_adj.
                "  restrict_oom_score_adj = true",
                '  [plugins."io.containerd.cri.v1.runtime".containerd]',
                '    default_runtime_name = "runc"',
                '    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]',
                '      runtime_type = "io.containerd.runc.v2"',
                '      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]',
                `        BinaryName = "${this.tool("runc")}"`,
                "        SystemdCgroup = false",
                '  [plugins."io.containerd.cri.v1.runtime".cni]',
                `    bin_dirs = ["${d.cni}"]`,
                `    conf_dir = "${d.cniConf}"`,
                "",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(d.cniConf, "10-lgtm.conflist"),
            JSON.stringify({
                cniVersion: "1.0.0",
                name: "lgtm",
                plugins: [
                    { type: "bridge", bridge, isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: "host-local", ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: d.ipam } },
                    { type: "portmap", capabilities: { portMappings: true } },
                ],
            }),
        );
        fs.writeFileSync(
            path.join(d.etc, "kubelet.yaml"),
            JSON.stringify({
                apiVersion: "kubelet.config.k8s.io/v1beta1",
                kind: "KubeletConfiguration",
                cgroupDriver: "cgroupfs",
                // This machine mounts cgroup v1 hierarchies; kubelet 1.36 still runs there when told to.
                failCgroupV1: false,
                failSwapOn: false,
                containerRuntimeEndpoint: `unix://${this.containerdSocket}`,
                imageServiceEndpoint: `unix://${this.containerdSocket}`,
                address: this.options.nodeIp,
                port: 10250,
                readOnlyPort: 0,
                healthzBindAddress: "127.0.0.1",
                healthzPort: 10248,
                // Real authentication and authorization: Prometheus's token is reviewed by the API
                // server and its `nodes/metrics` permission decides whether it may scrape.
                authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: caFile } },
                authorization: { mode: "Webhook" },
                clusterDomain: "cluster.local",
                clusterDNS: [clusterDns],
                // No host resolv.conf: names outside the cluster are never resolved through the machine's DNS.
                resolvConf: "",
                serializeImagePulls: false,
                evictionHard: { "memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%" },
                imageGCHighThresholdPercent: 100,
                imageGCLowThresholdPercent: 99,
                cgroupsPerQOS: true,
                enforceNodeAllocatable: ["pods"],
                maxPods: 30,
                registerNode: true,
            }),
        );
        fs.writeFileSync(
            path.join(d.etc, "kube-proxy.yaml"),
            JSON.stringify({
                apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
                kind: "KubeProxyConfiguration",
                clientConnection: { kubeconfig },
                mode: "iptables",
                clusterCIDR: POD_CIDR,
                hostnameOverride: nodeName,
                bindAddress: "127.0.0.1",
                healthzBindAddress: "127.0.0.1:10256",
                metricsBindAddress: "127.0.0.1:10249",
                // Pod → Service → pod on the same bridge: the reply must come back through the host.
                iptables: { masqueradeAll: true },
                conntrack: { maxPerCore: 0 },
            }),
        );
    }

    private launch(name: string, binary: string, args: string[]): void {
        const pid = launchDetached(binary, args, path.join(this.dir.logs, `${name}.log`), { ...process.env, PATH: `${this.dir.bin}:${process.env.PATH}` });
        this.processes.set(name, pid);
        this.saveState();
    }

    /** The last lines of a component's log, for error messages. */
    logTail(name: string, lines = 30): string {
        const file = path.join(this.dir.logs, `${name}.log`);
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
    }

    /**
     * Stops everything in dependency order. Call after the pods are deleted (CNI DEL removes their
     * veths, addresses and per-pod rules); whatever remains is removed here anyway.
     */
    async stop(): Promise<void> {
        await this.end("kube-proxy");
        if (fs.existsSync(this.tool("kube-proxy"))) {
            run(this.tool("kube-proxy"), ["--cleanup"]);
        }
        await this.end("kubelet");
        if (fs.existsSync(this.containerdSocket)) {
            for (const task of this.ctrQuiet(["tasks", "ls", "-q"])) {
                this.ctrQuiet(["tasks", "kill", "-s", "KILL", task]);
            }
            await sleep(1000);
            for (const task of this.ctrQuiet(["tasks", "ls", "-q"])) {
                this.ctrQuiet(["tasks", "rm", "-f", task]);
            }
            for (const container of this.ctrQuiet(["containers", "ls", "-q"])) {
                this.ctrQuiet(["containers", "rm", container]);
            }
        }
        await this.end("containerd");
        // Shims outlive containerd by design: end those serving our state directory, by PID.
        for (const pid of shimPids(this.dir.containerd)) {
            process.kill(pid, "SIGKILL");
        }
        await waitUntil("the shims to exit", async () => shimPids(this.dir.containerd).length === 0, 20).catch(() => undefined);
        for (const mount of this.mounts()) {
            run("umount", ["-l", mount]);
        }
        if (this.before) {
            for (const ns of netnsNames()) {
                if (!this.before.netns.has(ns) && ns.startsWith("cni-")) {
                    run("ip", ["netns", "delete", ns]);
                }
            }
            this.removeChains(this.before.chains);
            // The kubelet writes container logs under /var/log/pods whatever its root dir.
            for (const dir of podLogDirs()) {
                if (!this.before.logDirs.has(dir)) {
                    fs.rmSync(path.join("/var/log/pods", dir), { recursive: true, force: true });
                }
            }
            removeDanglingLinks("/var/log/containers");
            // The agent's DirectoryOrCreate hostPath, made by the kubelet.
            if (!this.before.agentState) {
                fs.rmSync("/var/lib/otelcol-agent", { recursive: true, force: true });
            }
        }
        run("ip", ["link", "delete", this.options.bridge]);
        if (this.ipForward !== undefined) {
            fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", this.ipForward);
        }
        removeCgroups();
        if (this.rootWasPrivate) {
            run("mount", ["--make-private", "/"]);
        }
        fs.rmSync(this.dir.containerd, { recursive: true, force: true });
        fs.rmSync(this.dir.kubelet, { recursive: true, force: true });
        fs.rmSync(this.dir.ipam, { recursive: true, force: true });
        fs.rmSync(this.stateFile, { force: true });
    }

    private ctrQuiet(args: string[]): string[] {
        return runTool(this.tool("ctr"), ["--address", this.containerdSocket, "-n", "k8s.io", ...args], undefined, { timeoutMs: 30_000 }).stdout.split("\n").filter(Boolean);
    }

    private async end(name: string): Promise<void> {
        const pid = this.processes.get(name);
        if (pid !== undefined) {
            await stopDetached(name, pid, this.tool(name));
        }
    }

    private mounts(): string[] {
        return fs
            .readFileSync("/proc/self/mountinfo", "utf8")
            .split("\n")
            .map((line) => line.split(" ")[4])
            .filter((mount) => mount !== undefined && mount.startsWith(`${this.options.workdir}/`))
            .sort()
            .reverse();
    }

    /** CNI and KUBE chains that were not there before: jumps into them first, then flush and delete. */
    private removeChains(before: Set<string>): void {
        const added = [...iptablesChains()].filter((c) => !before.has(c));
        for (const tool of ["iptables", "ip6tables"]) {
            for (const table of ["nat", "filter", "mangle"]) {
                const chains = added.filter((c) => c.startsWith(`${tool} ${table} `)).map((c) => c.split(" ")[2]);
                if (chains.length === 0) {
                    continue;
                }
                const rules = run(tool, ["-t", table, "-S"]).stdout.split("\n");
                for (const rule of rules) {
                    const jump = /^-A (\S+) (?:.* )?-j (\S+)/.exec(rule);
                    if (jump && chains.includes(jump[2]) && !chains.includes(jump[1])) {
                        run("sh", ["-c", `${tool} -t ${table} ${rule.replace(/^-A/, "-D")}`]);
                    }
                }
                for (const chain of chains) {
                    run(tool, ["-t", table, "-F", chain]);
                }
                for (const chain of chains) {
                    run(tool, ["-t", table, "-X", chain]);
                }
            }
        }
    }

    /** The node's processes still running (containerd, kubelet, kube-proxy), as `name (pid)`. */
    running(): string[] {
        return [...this.processes].filter(([name, pid]) => isRunning(pid, this.tool(name))).map(([name, pid]) => `${name} (${pid})`);
    }

    /** What a run left behind: processes, mounts, network namespaces, the bridge, iptables chains, cgroups. */
    leftovers(): string[] {
        const left = this.running().map((p) => `process ${p}`);
        left.push(...shimPids(this.dir.containerd).map((pid) => `containerd shim ${pid}`));
        left.push(...this.mounts().map((m) => `mount ${m}`));
        if (this.before) {
            left.push(...[...netnsNames()].filter((ns) => !this.before!.netns.has(ns)).map((ns) => `netns ${ns}`));
            left.push(...[...iptablesChains()].filter((c) => !this.before!.chains.has(c)).map((c) => `chain ${c}`));
            left.push(...[...podLogDirs()].filter((d) => !this.before!.logDirs.has(d)).map((d) => `pod log dir /var/log/pods/${d}`));
        }
        if (this.rootWasPrivate && / shared:\d+/.test(rootMountInfo())) {
            left.push("the root mount is still shared (it was private)");
        }
        if (run("ip", ["link", "show", this.options.bridge]).code === 0) {
            left.push(`bridge ${this.options.bridge}`);
        }
        for (const controller of fs.existsSync("/sys/fs/cgroup") ? fs.readdirSync("/sys/fs/cgroup") : []) {
            if (fs.existsSync(path.join("/sys/fs/cgroup", controller, "kubepods"))) {
                left.push(`cgroup ${controller}/kubepods`);
            }
        }
        return left;
    }
}

/** The mountinfo line of the root mount (its optional fields say whether it propagates). */
function rootMountInfo(): string {
    return fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").find((line) => line.split(" ")[4] === "/") ?? "";
}

function shimPids(stateDir: string): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            if (path.basename(cmdline[0]) === "containerd-shim-runc-v2" && cmdline.some((arg) => arg.includes(stateDir))) {
                pids.push(Number(entry));
            }
        } catch {
            // exited meanwhile
        }
    }
    return pids;
}

/** The kubelet's pod cgroups (cgroupfs driver: `kubepods` under each v1 controller), deepest first. */
function removeCgroups(): void {
    for (const controller of fs.existsSync("/sys/fs/cgroup") ? fs.readdirSync("/sys/fs/cgroup") : []) {
        const root = path.join("/sys/fs/cgroup", controller, "kubepods");
        if (!fs.existsSync(root)) {
            continue;
        }
        const dirs: string[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                if (entry.isDirectory()) {
                    walk(path.join(dir, entry.name));
                }
            }
            dirs.push(dir);
        };
        walk(root);
        for (const dir of dirs) {
            try {
                fs.rmdirSync(dir);
            } catch {
                // still busy: reported by leftovers()
            }
        }
    }
}

function removeDanglingLinks(dir: string): void {
    if (!fs.existsSync(dir)) {
        return;
    }
    for (const entry of fs.readdirSync(dir)) {
        const at = path.join(dir, entry);
        if (fs.lstatSync(at).isSymbolicLink() && !fs.existsSync(at)) {
            fs.rmSync(at);
        }
    }
}
