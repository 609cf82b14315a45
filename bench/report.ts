/** Shared pieces of the benchmarks: tables, statistics, durations, the machine and child processes. */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../config/sources";

export interface BenchOptions {
    /** Smaller sizes and shorter simulations, for a first look in a few minutes. */
    readonly quick: boolean;
    /** A scratch directory removed when the run ends. */
    readonly scratch: string;
}

/** Prints a Markdown table (so the output pastes straight into BENCHMARKS.md). */
export function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[], notes: readonly string[] = []): void {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    console.log(`\n### ${title}\n`);
    console.log(line(header));
    console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const row of rows) {
        console.log(line(row));
    }
    if (notes.length > 0) {
        console.log("");
        notes.forEach((note) => console.log(`- ${note}`));
    }
}

export function quantile(values: readonly number[], q: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    if (sorted.length === 0) {
        return NaN;
    }
    // Nearest rank: p95 of 20 samples is the 19th, never an interpolation between two runs.
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** "2m30s", "1d3h", "45s": seconds as a person reads an alerting delay. */
export function formatSeconds(seconds: number): string {
    if (!Number.isFinite(seconds)) {
        return "—";
    }
    const parts: string[] = [];
    let rest = Math.round(seconds);
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
        if (rest >= size) {
            parts.push(`${Math.floor(rest / size)}${unit}`);
            rest %= size;
        }
    }
    return parts.length === 0 ? "0s" : parts.slice(0, 2).join("");
}

export function formatMs(ms: number): string {
    return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function formatMiB(bytes: number): string {
    return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Prometheus-style durations ("1d2h30m", "90s", "1w") to seconds. */
export function parsePromDuration(text: string): number {
    const units: Record<string, number> = { y: 365 * 86400, w: 7 * 86400, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
    let total = 0;
    for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/g)) {
        total += Number(match[1]) * units[match[2]];
    }
    return total;
}

export function toolVersion(binary: string): string {
    const result = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 30_000 });
    const first = `${result.stdout ?? ""}${result.stderr ?? ""}`.split("\n").find((line) => line.trim() !== "") ?? "unknown";
    return first.trim();
}

/** A cached tool's path from scripts/tools.sh, or undefined when it is not built (never builds). */
export { cachedTool } from "../scripts/localCluster";

export function machineDescription(): string[] {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    return [
        `nproc ${os.cpus().length} (${cpu}), memory ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${os.type()} ${os.release()} ${os.arch()}`,
        `Node ${process.version}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    ];
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; we release it just before the server binds). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

const started = new Set<ChildProcess>();

/** Starts a long-running process at low priority; it is killed when the benchmark exits. */
export function startBackground(binary: string, args: readonly string[], logFile: string, cwd?: string): ChildProcess {
    const log = fs.openSync(logFile, "a");
    const child = spawn("nice", ["-n", "10", binary, ...args], { cwd, stdio: ["ignore", log, log] });
    started.add(child);
    child.once("exit", () => started.delete(child));
    return child;
}

export async function stopBackground(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
}

/** Kills what we started (by pid), synchronously: for exit and signal handlers. */
export function killAllStarted(): void {
    for (const child of started) {
        try {
            child.kill("SIGKILL");
        } catch {
            // Already gone.
        }
    }
    started.clear();
}

/** Polls `url` until it answers 200, up to `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child && child.exitCode !== null) {
            throw new Error(`process exited (${child.exitCode}) before ${url} answered`);
        }
        try {
            const response = await fetch(url);
            if (response.ok) {
                return;
            }
        } catch {
            // Not listening yet.
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}

/** Runs a tool at low priority to completion; output goes to `logFile` when given (it can be large). */
export function runTool(binary: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number; logFile?: string } = {}): Promise<{ code: number; output: string; ms: number }> {
    return new Promise((resolve, reject) => {
        const begin = performance.now();
        const out = options.logFile ? fs.openSync(options.logFile, "w") : "pipe";
        const child = spawn("nice", ["-n", "10", binary, ...args], { cwd: options.cwd, stdio: ["ignore", out, out] });
        started.add(child);
        let output = "";
        child.stdout?.on("data", (chunk) => (output += chunk));
        child.stderr?.on("data", (chunk) => (output += chunk));
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
        child.once("error", reject);
        child.once("exit", (code, signal) => {
            clearTimeout(timer);
            started.delete(child);
            if (typeof out === "number") {
                fs.closeSync(out);
                output = fs.readFileSync(options.logFile as string, "utf8");
            }
            resolve({ code: code ?? (signal ? -1 : 0), output, ms: performance.now() - begin });
        });
    });
}

/** Runs `tasks` with at most `limit` in flight, keeping their order in the result. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
    const results: T[] = new Array(tasks.length);
    let next = 0;
    const worker = async () => {
        while (next < tasks.length) {
            const index = next++;
            results[index] = await tasks[index]();
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    return results;
}
