/**
 * Child processes of the dev tooling (tests, benchmarks, the demo): runs to completion with a time
 * limit, and long-running servers with a log file and a lifetime limit. Every child started here is
 * killed when this process ends, also on failure or Ctrl-C. The real node's daemons are the one
 * exception on purpose: {@link launchDetached} outlives us so `demo --down` can stop them by PID.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import { PROJECT_ROOT } from "../../io/stackSources";
import { waitUntil } from "./polling";

export interface RunOptions {
    /** Killed (SIGKILL) after this long. Defaults to 5 minutes. */
    readonly timeoutMs?: number;
    /** Defaults to this process's environment. */
    readonly env?: NodeJS.ProcessEnv;
    /** At low priority (`nice -n 10`), for heavy runs beside the rest of the machine. Defaults to false. */
    readonly nice?: boolean;
    /** Output into this file instead of memory (it can be large); still returned. Only for {@link runAsync}. */
    readonly logFile?: string;
}

export interface RunResult {
    /** Exit code; -1 when killed or not started. */
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** stdout then stderr. */
    readonly output: string;
    readonly ms: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const MAX_BUFFER = 64 * 1024 * 1024;

const command = (binary: string, args: readonly string[], nice?: boolean): [string, string[]] => (nice ? ["nice", ["-n", "10", binary, ...args]] : [binary, [...args]]);

/** Runs `binary` to completion, blocking (for quick checks and cleanup steps). */
export function run(binary: string, args: readonly string[], cwd?: string, options: RunOptions = {}): RunResult {
    const begin = performance.now();
    const [file, argv] = command(binary, args, options.nice);
    const result = spawnSync(file, argv, { cwd, env: options.env, encoding: "utf8", timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: MAX_BUFFER });
    const stdout = result.stdout ?? "";
    const stderr = result.stderr ?? (result.error ? String(result.error) : "");
    return { code: result.status ?? -1, stdout, stderr, output: `${stdout}${stderr}`, ms: performance.now() - begin };
}

/** {@link run} without blocking the event loop, so independent runs overlap; killed with the rest if we exit first. */
export function runAsync(binary: string, args: readonly string[], cwd?: string, options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve) => {
        const begin = performance.now();
        const out = options.logFile ? fs.openSync(options.logFile, "w") : "pipe";
        const [file, argv] = command(binary, args, options.nice);
        const child = spawn(file, argv, { cwd, env: options.env, stdio: ["ignore", out, out] });
        started.add(child);
        installExitHooks();
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (chunk) => (stdout += chunk));
        child.stderr?.on("data", (chunk) => (stderr += chunk));
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        const finish = (code: number, error = "") => {
            clearTimeout(timer);
            started.delete(child);
            if (typeof out === "number") {
                fs.closeSync(out);
                stdout = fs.readFileSync(options.logFile!, "utf8");
            }
            resolve({ code, stdout, stderr: `${stderr}${error}`, output: `${stdout}${stderr}${error}`, ms: performance.now() - begin });
        };
        child.once("error", (error) => finish(-1, String(error)));
        child.once("exit", (code) => finish(code ?? -1));
    });
}

export interface ManagedProcessOptions {
    readonly name: string;
    readonly binary: string;
    readonly args: readonly string[];
    /** stdout and stderr, appended, after a `=== start` line per start. */
    readonly logFile: string;
    /** Killed (SIGKILL) after this long even if no one stops it. Defaults to no limit. */
    readonly maxLifetimeMs?: number;
    /** Defaults to this process's environment. */
    readonly env?: NodeJS.ProcessEnv;
    /** Defaults to the project root. */
    readonly cwd?: string;
    /** At low priority (`nice -n 10`; the PID stays the binary's). Defaults to false. */
    readonly nice?: boolean;
}

/** A long-running child process whose output goes to a log file; it can be stopped and started again. */
export class ManagedProcess {
    child?: ChildProcess;
    private lifetime?: NodeJS.Timeout;

    constructor(readonly options: ManagedProcessOptions) {}

    get name(): string {
        return this.options.name;
    }

    get logFile(): string {
        return this.options.logFile;
    }

    get pid(): number | undefined {
        return this.child?.pid;
    }

    start(): void {
        const { binary, args, logFile, env, cwd, maxLifetimeMs, nice } = this.options;
        const out = fs.openSync(logFile, "a");
        fs.writeSync(out, `\n=== start ${new Date().toISOString()} ${binary} ${args.join(" ")}\n`);
        const [file, argv] = command(binary, args, nice);
        const child = spawn(file, argv, { stdio: ["ignore", out, out], env, cwd: cwd ?? PROJECT_ROOT });
        fs.closeSync(out);
        this.child = child;
        everyProcess.add(this);
        installExitHooks();
        if (maxLifetimeMs !== undefined) {
            const lifetime = setTimeout(() => child.kill("SIGKILL"), maxLifetimeMs);
            lifetime.unref();
            this.lifetime = lifetime;
            child.once("exit", () => clearTimeout(lifetime));
        }
    }

    get running(): boolean {
        return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** How it ended, for error messages ("1", "SIGKILL"). */
    get exitStatus(): string {
        return String(this.child?.exitCode ?? this.child?.signalCode);
    }

    /** Sends `signal`; escalates to SIGKILL after `graceMs`. Resolves when the process is gone. */
    async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 20_000): Promise<void> {
        const child = this.child;
        if (!child || !this.running) {
            return;
        }
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill(signal);
        const escalate = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(escalate);
        clearTimeout(this.lifetime);
    }

    killNow(): void {
        if (this.running) {
            this.child?.kill("SIGKILL");
        }
    }

    tail(lines = 40): string {
        try {
            return fs.readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n");
        } catch {
            return "";
        }
    }

    /** Polls `url` until it answers 2xx; fails at once, with the log's tail, if the process exits. */
    async waitForHttp(url: string, timeoutMs: number, intervalMs = 500): Promise<void> {
        await waitUntil(`${this.name} to be ready at ${url}`, async () => {
            if (!this.running) {
                throw new ExitedEarly(`${this.name} exited (${this.exitStatus}); log ${this.logFile}:\n${this.tail()}`);
            }
            const response = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
            return response?.ok ?? false;
        }, timeoutMs / 1000, intervalMs, (error) => error instanceof ExitedEarly).catch((error: Error) => {
            throw new Error(`${error.message}\n--- ${this.name} log tail ---\n${this.tail()}`);
        });
    }
}

class ExitedEarly extends Error {}

const everyProcess = new Set<ManagedProcess>();
const started = new Set<ChildProcess>();
let exitHooksInstalled = false;

/** Kills every child still running, synchronously: safe in `exit` handlers. */
export function killEverything(): void {
    for (const proc of everyProcess) {
        proc.killNow();
    }
    for (const child of started) {
        child.kill("SIGKILL");
    }
}

function installExitHooks(): void {
    if (exitHooksInstalled) {
        return;
    }
    exitHooksInstalled = true;
    process.on("exit", killEverything);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(signal, () => {
            killEverything();
            process.exit(130);
        });
    }
}

/** Starts a daemon that outlives this process (its own session); its PID is the handle. */
export function launchDetached(binary: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv): number {
    const log = fs.openSync(logFile, "a");
    const child = spawn(binary, args, { stdio: ["ignore", log, log], env, detached: true });
    fs.closeSync(log);
    child.unref();
    return child.pid!;
}

/** Whether `pid` is still the process started from `binary` (not a zombie, not a reused PID). */
export function isRunning(pid: number, binary: string): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        if (/^\d+ \(.*\) Z/.test(stat)) {
            return false;
        }
        return fs.readlinkSync(`/proc/${pid}/exe`) === fs.realpathSync(binary);
    } catch {
        return false;
    }
}

/** Ends a {@link launchDetached} daemon: SIGTERM, SIGKILL after `graceSeconds`, then up to 10 s for it to die. */
export async function stopDetached(name: string, pid: number, binary: string, graceSeconds = 20): Promise<void> {
    if (!isRunning(pid, binary)) {
        return;
    }
    process.kill(pid, "SIGTERM");
    const exited = await waitUntil(`${name} to exit`, () => !isRunning(pid, binary), graceSeconds).then(() => true, () => false);
    if (!exited) {
        process.kill(pid, "SIGKILL");
        await waitUntil(`${name} to die`, () => !isRunning(pid, binary), 10);
    }
}
