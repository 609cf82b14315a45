/**
 * Where a real `pulumi preview` spends its CPU: samples /proc while it runs and adds up each
 * process's user + system time by role (the program's Node.js process, the engine, the Kubernetes
 * provider, the language host, the API server and etcd of the local cluster). Linux only: reads
 * /proc/<pid>/stat and /proc/<pid>/cmdline, the figures `ps` and `top` show.
 */
import * as fs from "fs";
import * as os from "os";

export type ProcessRole = "program" | "engine" | "provider" | "language host" | "API server and etcd";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux build we run on. */
const TICKS_PER_SECOND = 100;

interface ProcessSample {
    role: ProcessRole;
    /** user + system, in ticks, at the last sample. */
    ticks: number;
    /** user + system, in ticks, when first seen (a process started before the preview counts only its share). */
    firstTicks: number;
    /** Start time, in ticks since boot (field 22 of stat). */
    startTicks: number;
}

/** The role of a process, from its command line; undefined for every process that is not ours. */
function roleOf(cmdline: string[], clusterMarker: string, ancestors: readonly number[], root: number): ProcessRole | undefined {
    const [binary = "", ...args] = cmdline;
    if (cmdline.some((arg) => arg.includes(clusterMarker)) && /(kube-apiserver|etcd)$/.test(binary)) {
        return "API server and etcd";
    }
    // Everything else must be a descendant of this process (another suite's Pulumi is not ours).
    if (!ancestors.includes(root)) {
        return undefined;
    }
    if (binary.endsWith("pulumi-resource-kubernetes")) {
        return "provider";
    }
    if (binary.endsWith("pulumi-language-nodejs")) {
        return "language host";
    }
    if (args.some((arg) => arg.includes("@pulumi/pulumi/cmd/run"))) {
        return "program";
    }
    if (binary.endsWith("/pulumi") || binary === "pulumi") {
        return "engine";
    }
    return undefined;
}

function readStat(pid: number): { ppid: number; ticks: number; startTicks: number } | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name (field 2) may hold spaces: fields count from the last ")".
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), startTicks: Number(fields[19]) };
    } catch {
        return undefined;
    }
}

function readCmdline(pid: number): string[] {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "");
    } catch {
        return [];
    }
}

export interface CpuBreakdown {
    /** CPU seconds by role, plus "harness" (this process: the Automation API reading the engine's event log). */
    readonly seconds: Readonly<Record<ProcessRole | "harness", number>>;
    /** Seconds from the start of sampling until the Kubernetes provider started, i.e. until the program registered its first Kubernetes resource. */
    readonly untilFirstResource?: number;
}

/**
 * Samples every `intervalMs` from `start()` to `stop()`. `clusterMarker` is a path that only the
 * local cluster's processes have on their command lines (its work directory).
 */
export class ProcessCpuSampler {
    private readonly processes = new Map<number, ProcessSample>();
    private timer?: NodeJS.Timeout;
    private startedAt = 0;
    private startedUptime = 0;
    private harnessStart?: NodeJS.CpuUsage;

    constructor(
        private readonly clusterMarker: string,
        private readonly intervalMs = 250,
    ) {}

    start(): void {
        this.startedAt = Date.now();
        this.startedUptime = os.uptime();
        this.harnessStart = process.cpuUsage();
        this.sample();
        this.timer = setInterval(() => this.sample(), this.intervalMs);
    }

    stop(): CpuBreakdown {
        clearInterval(this.timer);
        this.sample();
        const harness = process.cpuUsage(this.harnessStart);
        const seconds: Record<ProcessRole | "harness", number> = { program: 0, engine: 0, provider: 0, "language host": 0, "API server and etcd": 0, harness: (harness.user + harness.system) / 1e6 };
        let providerStart: number | undefined;
        for (const sample of this.processes.values()) {
            seconds[sample.role] += (sample.ticks - sample.firstTicks) / TICKS_PER_SECOND;
            if (sample.role === "provider") {
                providerStart = Math.min(providerStart ?? Infinity, sample.startTicks / TICKS_PER_SECOND);
            }
        }
        return { seconds, ...(providerStart !== undefined ? { untilFirstResource: providerStart - this.startedUptime } : {}) };
    }

    private sample(): void {
        const parents = new Map<number, number>();
        const stats = new Map<number, { ticks: number; startTicks: number }>();
        for (const entry of fs.readdirSync("/proc")) {
            const pid = Number(entry);
            if (!Number.isInteger(pid)) {
                continue;
            }
            const stat = readStat(pid);
            if (stat) {
                parents.set(pid, stat.ppid);
                stats.set(pid, stat);
            }
        }
        for (const [pid, stat] of stats) {
            const known = this.processes.get(pid);
            if (known && known.startTicks === stat.startTicks) {
                known.ticks = stat.ticks;
                continue;
            }
            const ancestors: number[] = [];
            for (let parent = parents.get(pid); parent !== undefined && parent > 1 && ancestors.length < 64; parent = parents.get(parent)) {
                ancestors.push(parent);
            }
            const role = roleOf(readCmdline(pid), this.clusterMarker, ancestors, process.pid);
            if (role) {
                // A process that started after sampling began is counted from zero, not from its first sample.
                const startedBefore = stat.startTicks / TICKS_PER_SECOND < this.startedUptime;
                this.processes.set(pid, { role, ticks: stat.ticks, firstTicks: startedBefore ? stat.ticks : 0, startTicks: stat.startTicks });
            }
        }
    }

    /** Milliseconds since `start()`. */
    elapsedMs(): number {
        return Date.now() - this.startedAt;
    }
}

/** "program 41% · engine 22% · …" of the total, largest first, and the total in seconds. */
export function formatBreakdown(breakdown: CpuBreakdown): string {
    const entries = Object.entries(breakdown.seconds).filter(([, seconds]) => seconds > 0);
    const total = entries.reduce((sum, [, seconds]) => sum + seconds, 0);
    const shares = entries
        .sort((a, b) => b[1] - a[1])
        .map(([role, seconds]) => `${role} ${Math.round((100 * seconds) / total)}% (${seconds.toFixed(1)} s)`)
        .join(" · ");
    return `CPU ${total.toFixed(1)} s: ${shares}`;
}
