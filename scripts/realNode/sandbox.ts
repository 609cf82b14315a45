/**
 * The namespaces a real-node run lives in, so that its teardown is "end our processes, remove our
 * cgroup and our directory" and never a guess about which host objects are ours.
 *
 * - A network namespace of its own: the control plane, containerd, kubelet, kube-proxy, the CNI
 *   bridge, every iptables rule and route they make and the pods' sandboxes live there. The machine
 *   reaches it through one veth pair named after the run (`lgtm-<run id>`) and one route for the pod
 *   range through it; the teardown deletes that link (the route goes with it).
 * - A mount namespace of its own (private propagation from the machine's, then shared inside so
 *   HostToContainer volumes work): containerd's and the kubelet's mounts, a tmpfs on /run (pod network
 *   namespaces, shim sockets, the iptables lock), /var/log and /var/lib bound to directories of the
 *   run (pod logs, hostPath DirectoryOrCreate volumes), and the kernel tunables the kubelet would set
 *   for the whole machine (kernel.panic, vm.overcommit_memory, ...) bound to files of the run holding
 *   the values it wants, so it finds them set and writes nothing.
 * - A cgroup named after the run (`lgtm-<run id>`, in every hierarchy): every process of the run is
 *   in it, and the kubelet's pods under it (`cgroupRoot`). A process is ours exactly when it is in
 *   that cgroup; a cgroup does not survive a reboot, so a stale state file can never point at
 *   somebody else's processes.
 *
 * Nothing here runs a program named by a file it reads: the state file holds process ids and the run
 * id (validated), and every binary comes from the tool cache or the machine's own PATH.
 */
import { randomBytes } from "crypto";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { waitUntil } from "../dev/polling";
import { run } from "../dev/processes";
import { NodeNetwork } from "./network";

const CGROUP_ROOT = "/sys/fs/cgroup";
const STATE_FILE = "sandbox.json";

/**
 * The kernel tunables kubelet v1.36 sets for the whole machine unless they already hold these values
 * (pkg/kubelet/cm/container_manager_linux.go, setupKernelTunables): the run binds a file holding each
 * value over its /proc/sys entry inside its own mount namespace.
 */
const KUBELET_TUNABLES: Record<string, string> = {
    "vm/overcommit_memory": "1",
    "vm/panic_on_oom": "0",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
    "kernel/keys/root_maxkeys": "1000000",
    "kernel/keys/root_maxbytes": "25000000",
};

/** A process named by its PID and its start time (field 22 of /proc/<pid>/stat), so a reused PID is never mistaken for it. */
export interface ProcessIdentity {
    readonly pid: number;
    readonly start: string;
}

export interface SandboxState {
    readonly runId: string;
    /** The process holding the namespaces (`sleep infinity`). */
    readonly holder: ProcessIdentity;
    /** For a test run: the test process; the run is abandoned once it is gone. The demo has none. */
    readonly owner?: ProcessIdentity;
}

export function processStart(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return fields[0] === "Z" ? undefined : fields[19];
    } catch {
        return undefined;
    }
}

export const isAlive = (process: ProcessIdentity): boolean => processStart(process.pid) === process.start;

export function identityOf(pid: number): ProcessIdentity {
    const start = processStart(pid);
    if (start === undefined) {
        throw new Error(`process ${pid} is not running`);
    }
    return { pid, start };
}

const isIdentity = (value: unknown): value is ProcessIdentity =>
    typeof value === "object" && value !== null && Number.isInteger((value as ProcessIdentity).pid) && (value as ProcessIdentity).pid > 1 && typeof (value as ProcessIdentity).start === "string" && /^\d+$/.test((value as ProcessIdentity).start);

/** The state file's content, or an error that names the file and says nothing was run or removed. */
export function parseSandboxState(text: string, file: string): SandboxState {
    let value: any;
    try {
        value = JSON.parse(text);
    } catch {
        value = undefined;
    }
    const problem =
        typeof value !== "object" || value === null
            ? "not a JSON object"
            : typeof value.runId !== "string" || !/^[0-9a-f]{8}$/.test(value.runId)
              ? "runId is not 8 hexadecimal digits"
              : !isIdentity(value.holder)
                ? "holder is not {pid, start}"
                : value.owner !== undefined && !isIdentity(value.owner)
                  ? "owner is not {pid, start}"
                  : Object.keys(value).some((key) => !["runId", "holder", "owner"].includes(key))
                    ? `unknown keys ${Object.keys(value).filter((key) => !["runId", "holder", "owner"].includes(key)).join(", ")}`
                    : undefined;
    if (problem) {
        throw new Error(`${file} is not the state of a real-node run of this harness (${problem}); nothing of it was run or removed: inspect ${path.dirname(file)} and remove it by hand`);
    }
    return { runId: value.runId, holder: value.holder, ...(value.owner ? { owner: value.owner } : {}) };
}

/** Every cgroup hierarchy of the machine: the unified one alone (v2), or each v1 controller's (and a hybrid's unified one). */
function cgroupHierarchies(): string[] {
    if (fs.existsSync(path.join(CGROUP_ROOT, "cgroup.procs"))) {
        return [CGROUP_ROOT];
    }
    return fs
        .readdirSync(CGROUP_ROOT)
        .map((name) => path.join(CGROUP_ROOT, name))
        .filter((dir) => !fs.lstatSync(dir).isSymbolicLink() && fs.existsSync(path.join(dir, "cgroup.procs")));
}

/** A cgroup directory and everything below it, deepest first. */
function subtree(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    const below = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .flatMap((entry) => subtree(path.join(dir, entry.name)));
    return [...below, dir];
}

function readPids(file: string): number[] {
    try {
        return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
        return [];
    }
}

const nsLink = (pid: number | "self", kind: "net" | "mnt") => {
    try {
        return fs.readlinkSync(`/proc/${pid}/ns/${kind}`);
    } catch {
        return undefined;
    }
};

export class NodeSandbox {
    private constructor(
        readonly workdir: string,
        readonly state: SandboxState,
    ) {}

    /** `lgtm-<run id>`: the cgroup in every hierarchy and the machine's end of the veth pair (at most 15 characters). */
    get name(): string {
        return `lgtm-${this.state.runId}`;
    }

    /** The kubelet's cgroupRoot. */
    get cgroupPath(): string {
        return `/${this.name}`;
    }

    get dir(): string {
        return path.join(this.workdir, "sandbox");
    }

    static stateFile(workdir: string): string {
        return path.join(workdir, STATE_FILE);
    }

    /** The sandbox a run in `workdir` recorded, validated; undefined when it recorded none. */
    static load(workdir: string): NodeSandbox | undefined {
        const file = NodeSandbox.stateFile(workdir);
        if (!fs.existsSync(file)) {
            return undefined;
        }
        return new NodeSandbox(workdir, parseSandboxState(fs.readFileSync(file, "utf8"), file));
    }

    /**
     * Creates the cgroup, the namespaces (held by `sleep infinity`), the mounts inside and the veth
     * pair. The state file is written as soon as there is anything to reclaim, so a run killed at
     * any point is reclaimed by the next one.
     */
    static create(workdir: string, network: NodeNetwork, owner?: ProcessIdentity): NodeSandbox {
        if (process.getuid?.() !== 0) {
            throw new Error("a real node needs root (cgroups, network and mount namespaces)");
        }
        const runId = randomBytes(4).toString("hex");
        const name = `lgtm-${runId}`;
        for (const hierarchy of cgroupHierarchies()) {
            const dir = path.join(hierarchy, name);
            fs.mkdirSync(dir);
            // A v1 cpuset cgroup starts with no CPUs and no memory nodes, and takes no process until it has some.
            for (const file of ["cpuset.cpus", "cpuset.mems"]) {
                if (fs.existsSync(path.join(dir, file)) && fs.readFileSync(path.join(dir, file), "utf8").trim() === "") {
                    fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(hierarchy, file), "utf8").trim());
                }
            }
            // v2: the kubelet's pods need the controllers delegated below our cgroup.
            const controllers = path.join(dir, "cgroup.controllers");
            if (fs.existsSync(controllers)) {
                for (const controller of fs.readFileSync(controllers, "utf8").trim().split(/\s+/).filter(Boolean)) {
                    try {
                        fs.writeFileSync(path.join(dir, "cgroup.subtree_control"), `+${controller}`);
                    } catch {
                        // not delegable here; the kubelet says so if it needs it
                    }
                }
            }
        }
        const holder = spawn("unshare", ["--net", "--mount", "--propagation", "private", "--", "sleep", "infinity"], { stdio: "ignore", detached: true });
        holder.unref();
        const sandbox = new NodeSandbox(workdir, { runId, holder: identityOf(holder.pid!), ...(owner ? { owner } : {}) });
        sandbox.moveIntoCgroup(holder.pid!);
        fs.writeFileSync(NodeSandbox.stateFile(workdir), JSON.stringify(sandbox.state));
        sandbox.waitForNamespaces();
        sandbox.mountPrivateDirectories();
        sandbox.connect(network);
        return sandbox;
    }

    /**
     * Until `unshare` has made the namespaces, entering its process's namespaces would enter the
     * machine's: nothing is configured inside before both differ from ours.
     */
    private waitForNamespaces(): void {
        const deadline = Date.now() + 10_000;
        const pid = this.state.holder.pid;
        while (nsLink(pid, "net") === nsLink("self", "net") || nsLink(pid, "mnt") === nsLink("self", "mnt") || nsLink(pid, "net") === undefined) {
            if (Date.now() > deadline || !isAlive(this.state.holder)) {
                throw new Error(`the namespace holder ${pid} did not get namespaces of its own (unshare --net --mount)`);
            }
            run("sleep", ["0.05"]);
        }
    }

    private mountPrivateDirectories(): void {
        const at = (...parts: string[]) => path.join(this.dir, ...parts);
        for (const dir of [at("var-log"), at("var-lib"), at("sysctl")]) {
            fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        }
        this.mustExec("mount", ["--make-rshared", "/"]);
        this.mustExec("mount", ["-t", "tmpfs", "-o", "mode=0755,size=256m", `${this.name}-run`, "/run"]);
        this.mustExec("mount", ["--bind", at("var-log"), "/var/log"]);
        this.mustExec("mount", ["--bind", at("var-lib"), "/var/lib"]);
        for (const [tunable, value] of Object.entries(KUBELET_TUNABLES)) {
            const file = at("sysctl", tunable.replaceAll("/", "."));
            fs.writeFileSync(file, `${value}\n`);
            this.mustExec("mount", ["--bind", file, `/proc/sys/${tunable}`]);
        }
    }

    /** The veth pair, the node's addresses and routes inside, one route for the pod range on the machine. */
    private connect(network: NodeNetwork): void {
        const host = (args: string[]) => {
            const result = run("ip", args, undefined, { timeoutMs: 30_000 });
            if (result.code !== 0) {
                throw new Error(`ip ${args.join(" ")}: ${result.stderr.trim()}`);
            }
        };
        const prefix = network.link.split("/")[1];
        host(["link", "add", this.name, "type", "veth", "peer", "name", "eth0", "netns", String(this.state.holder.pid)]);
        host(["addr", "add", `${network.hostIp}/${prefix}`, "dev", this.name]);
        host(["link", "set", this.name, "up"]);
        this.mustExec("ip", ["link", "set", "lo", "up"]);
        this.mustExec("ip", ["addr", "add", `${network.nodeIp}/${prefix}`, "dev", "eth0"]);
        this.mustExec("ip", ["link", "set", "eth0", "up"]);
        this.mustExec("ip", ["route", "add", "default", "via", network.hostIp]);
        // A connection to a simulated pod fails at once instead of leaving through the machine.
        this.mustExec("ip", ["route", "add", "unreachable", network.simulated]);
        // Pods reach Services and each other through the node: forwarding, in this namespace only.
        this.mustExec("sysctl", ["-w", "net.ipv4.ip_forward=1"]);
        host(["route", "add", network.pods, "via", network.nodeIp, "dev", this.name]);
    }

    private nsenter(binary: string, args: readonly string[]): [string, string[]] {
        if (!isAlive(this.state.holder)) {
            throw new Error(`the namespaces of run ${this.state.runId} are gone (holder ${this.state.holder.pid} exited)`);
        }
        return ["nsenter", ["--target", String(this.state.holder.pid), "--net", "--mount", "--", binary, ...args]];
    }

    /** Runs `binary` inside the namespaces to completion; whatever it leaves running is adopted into the cgroup. */
    exec(binary: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
        const [file, argv] = this.nsenter(binary, args);
        const result = run(file, argv, undefined, { env: options.env, timeoutMs: options.timeoutMs ?? 60_000 });
        this.adopt();
        return result;
    }

    private mustExec(binary: string, args: readonly string[]): string {
        const result = this.exec(binary, args);
        if (result.code !== 0) {
            throw new Error(`${binary} ${args.join(" ")} (in run ${this.state.runId}'s namespaces): ${result.stderr.trim()}`);
        }
        return result.stdout;
    }

    /** Starts a daemon inside the namespaces, detached (it outlives us until the teardown), logging to `logFile`. Returns its PID. */
    launch(binary: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = process.env): number {
        const [file, argv] = this.nsenter(binary, args);
        const log = fs.openSync(logFile, "a");
        const child = spawn(file, argv, { stdio: ["ignore", log, log], env, detached: true });
        fs.closeSync(log);
        child.unref();
        // nsenter enters the namespaces after it starts: adopt it once it is inside (or has exited).
        const netns = nsLink(this.state.holder.pid, "net");
        const deadline = Date.now() + 10_000;
        while (nsLink(child.pid!, "net") !== netns && processStart(child.pid!) !== undefined) {
            if (Date.now() > deadline) {
                throw new Error(`${binary} (${child.pid}) did not enter the namespaces of run ${this.state.runId}`);
            }
            run("sleep", ["0.02"]);
        }
        this.adopt();
        return child.pid!;
    }

    /**
     * Moves every process in the run's network namespace that is not yet in the run's cgroup into
     * it (daemons launched by nsenter, the control plane kwokctl starts). Processes the kubelet put
     * in its pod cgroups (below ours) stay where they are.
     */
    adopt(): void {
        const netns = isAlive(this.state.holder) ? nsLink(this.state.holder.pid, "net") : undefined;
        if (netns === undefined || netns === nsLink("self", "net")) {
            return;
        }
        for (const entry of fs.readdirSync("/proc")) {
            if (/^\d+$/.test(entry) && nsLink(Number(entry), "net") === netns && !this.contains(Number(entry))) {
                this.moveIntoCgroup(Number(entry));
            }
        }
    }

    private contains(pid: number): boolean {
        try {
            return fs
                .readFileSync(`/proc/${pid}/cgroup`, "utf8")
                .split("\n")
                .some((line) => {
                    const cgroup = line.split(":").slice(2).join(":");
                    return cgroup === this.cgroupPath || cgroup.startsWith(`${this.cgroupPath}/`);
                });
        } catch {
            return false;
        }
    }

    private moveIntoCgroup(pid: number): void {
        for (const hierarchy of cgroupHierarchies()) {
            try {
                fs.writeFileSync(path.join(hierarchy, this.name, "cgroup.procs"), String(pid));
            } catch (error) {
                if (processStart(pid) !== undefined) {
                    throw new Error(`moving process ${pid} into ${path.join(hierarchy, this.name)}: ${(error as Error).message}`);
                }
            }
        }
    }

    /** Every process of the run: in its cgroup or below (pods), in the first hierarchy (all hold the same). */
    processes(): number[] {
        const [reference] = cgroupHierarchies();
        return subtree(path.join(reference, this.name)).flatMap((dir) => readPids(path.join(dir, "cgroup.procs")));
    }

    ownerAlive(): boolean {
        return this.state.owner !== undefined && isAlive(this.state.owner);
    }

    /**
     * Ends the run: every process in its cgroup (frozen first where the kernel can, so nothing forks
     * meanwhile), then its cgroups, then the machine's end of its veth pair (the route through it goes
     * with it; the emptied namespace is the kernel's to free).
     */
    async destroy(): Promise<void> {
        const hierarchies = cgroupHierarchies();
        const killFile = hierarchies.map((h) => path.join(h, this.name, "cgroup.kill")).find((file) => fs.existsSync(file));
        const freezer = hierarchies.map((h) => path.join(h, this.name, "freezer.state")).find((file) => fs.existsSync(file));
        await waitUntil(`the processes of run ${this.state.runId} to end`, () => {
            const pids = this.processes();
            if (pids.length === 0) {
                return true;
            }
            if (killFile) {
                fs.writeFileSync(killFile, "1");
                return false;
            }
            if (freezer) {
                fs.writeFileSync(freezer, "FROZEN");
            }
            for (const pid of pids) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // gone meanwhile
                }
            }
            if (freezer) {
                fs.writeFileSync(freezer, "THAWED");
            }
            return false;
        }, 60);
        await waitUntil(`the cgroups of run ${this.state.runId} to be removed`, () => {
            for (const hierarchy of hierarchies) {
                for (const dir of subtree(path.join(hierarchy, this.name))) {
                    try {
                        fs.rmdirSync(dir);
                    } catch {
                        // a memory cgroup may need a moment after its last process
                    }
                }
            }
            return hierarchies.every((h) => !fs.existsSync(path.join(h, this.name)));
        }, 60);
        // With no process left, the namespace holds nothing anyone can reach, but the kernel may take
        // minutes to free it (sockets of the killed processes still closing): the machine's end of our
        // veth pair, named after the run, is deleted now, and the route through it with it.
        if (run("ip", ["link", "show", this.name]).code === 0) {
            run("ip", ["link", "delete", this.name]);
        }
        await waitUntil(`${this.name} to be gone`, () => run("ip", ["link", "show", this.name]).code !== 0, 30);
    }

    /** What of the run is still on the machine: processes, cgroups, the veth, mounts in the machine's namespace under its directory. */
    leftovers(): string[] {
        const left = this.processes().map((pid) => `process ${pid} in cgroup ${this.name}`);
        left.push(...cgroupHierarchies().filter((h) => fs.existsSync(path.join(h, this.name))).map((h) => `cgroup ${path.join(h, this.name)}`));
        if (run("ip", ["link", "show", this.name]).code === 0) {
            left.push(`link ${this.name}`);
        }
        left.push(...hostMountsUnder(this.workdir).map((m) => `mount ${m}`));
        return left;
    }
}

/** Mount points of the machine's mount namespace (ours) at or under `dir`. */
export function hostMountsUnder(dir: string): string[] {
    return fs
        .readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .map((line) => line.split(" ")[4])
        .filter((mount): mount is string => mount !== undefined && (mount === dir || mount.startsWith(`${dir}/`)));
}
