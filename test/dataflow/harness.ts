/**
 * Runs the real backends of the dev stack on 127.0.0.1: renders the stack exactly as `npm run
 * render` does (with loopback endpoints), applies the one documented override step
 * (`test/dataflow/loopback.ts`), starts the Loki and Tempo stand-ins (sink collectors) and their
 * recorder, starts every process with a time limit, and kills them all when the suite ends — also
 * when it fails or is interrupted.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { loadStackConfig } from "../../config/load";
import { StackConfig } from "../../config/types";
import { ALERTMANAGER_SECRET_FILES } from "../../model/components";
import { readRunbooks } from "../../io/runbooks";
import { artifactFiles, RenderedStack, renderStack } from "../../render";
import {
    applyLoopbackOverrides,
    LOOPBACK,
    LOOPBACK_PORT_NAMES,
    loopbackArgs,
    loopbackConfigPaths,
    loopbackDirs,
    LoopbackDirs,
    loopbackEndpoints,
    LoopbackPorts,
    sinkConfigs,
} from "./loopback";
import { SinkFiles, SinkRecorder } from "./sinks";
import { PROJECT_ROOT } from "../../config/sources";
import { knownRunbooks, stackFile } from "../support/fixtures";

/** Loki and Tempo are not among them: AGPL, never built here (see test/dataflow/README.md). */
export const TOOLS = ["prometheus", "promtool", "alertmanager", "amtool", "otelcol"] as const;
export type Tool = (typeof TOOLS)[number];

/** The cached binary, or an error with the build hint. Never builds: a cold build would blow the suite's time budget. */
export function toolBinary(tool: Tool): string {
    const result = spawnSync("bash", [path.join(PROJECT_ROOT, "scripts/tools.sh"), "path", tool], { encoding: "utf8" });
    const binary = result.stdout.trim();
    if (result.status !== 0 || !binary || !fs.existsSync(binary)) {
        throw new Error(`${tool} is not built: ${result.stderr.trim()}\nBuild it first: npm run tools -- build ${tool}`);
    }
    return binary;
}

export function runTool(binary: string, args: string[], timeoutMs = 120_000, env: NodeJS.ProcessEnv = process.env): { code: number; output: string } {
    const result = spawnSync(binary, args, { encoding: "utf8", timeout: timeoutMs, env });
    return { code: result.status ?? -1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

export async function freePorts(count: number): Promise<number[]> {
    const servers: net.Server[] = [];
    const ports: number[] = [];
    // All listening at once, so the kernel never hands out the same port twice.
    for (let i = 0; i < count; i++) {
        const server = net.createServer();
        await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, LOOPBACK, resolve));
        servers.push(server);
        ports.push((server.address() as net.AddressInfo).port);
    }
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    return ports;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 1000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) {
                return value;
            }
        } catch (error) {
            lastError = error;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
        }
        await sleep(intervalMs);
    }
}

export async function getJson<T = any>(url: string, init?: RequestInit): Promise<T> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    if (!response.ok) {
        throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
    return JSON.parse(text) as T;
}

/** A child process whose output goes to a log file, with a hard lifetime limit. */
export class ManagedProcess {
    child?: ChildProcess;
    private lifetime?: NodeJS.Timeout;
    readonly logFile: string;

    constructor(
        readonly name: string,
        private readonly binary: string,
        private readonly args: string[],
        private readonly logDir: string,
        private readonly maxLifetimeMs: number,
        private readonly env: NodeJS.ProcessEnv = process.env,
    ) {
        this.logFile = path.join(logDir, `${name}.log`);
    }

    start(): void {
        const out = fs.openSync(this.logFile, "a");
        fs.writeSync(out, `\n=== start ${new Date().toISOString()} ${this.binary} ${this.args.join(" ")}\n`);
        this.child = spawn(this.binary, this.args, { stdio: ["ignore", out, out], env: this.env, cwd: PROJECT_ROOT });
        fs.closeSync(out);
        const child = this.child;
        this.lifetime = setTimeout(() => child.kill("SIGKILL"), this.maxLifetimeMs);
        this.lifetime.unref();
        child.once("exit", () => clearTimeout(this.lifetime));
    }

    get running(): boolean {
        return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
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
}

const everyProcess = new Set<ManagedProcess>();
let exitHookInstalled = false;

/** Kills every process still running, synchronously: safe in `exit` handlers. */
export function killEverything(): void {
    for (const proc of everyProcess) {
        proc.killNow();
    }
}

function installExitHooks(): void {
    if (exitHookInstalled) {
        return;
    }
    exitHookInstalled = true;
    process.on("exit", killEverything);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(signal, () => {
            killEverything();
            process.exit(130);
        });
    }
}

/** Registers a process started outside {@link LoopbackStack}, so it is killed with the others when the suite ends. */
export function track(proc: ManagedProcess): ManagedProcess {
    everyProcess.add(proc);
    installExitHooks();
    return proc;
}

export interface StackOverrides {
    /** Values merged over `Pulumi.dev.yaml`'s `lgtm-stack:` keys (ordinary stack config, not overrides). */
    readonly config: Record<string, Record<string, unknown>>;
}

/** A webhook receiver standing in for an on-call tool: records every Alertmanager notification. */
export class WebhookReceiver {
    readonly notifications: any[] = [];
    private server?: http.Server;
    url = "";

    async start(port: number): Promise<void> {
        this.server = http.createServer((request, response) => {
            let body = "";
            request.on("data", (chunk) => (body += chunk));
            request.on("end", () => {
                try {
                    this.notifications.push(JSON.parse(body));
                } catch {
                    this.notifications.push({ unparsable: body });
                }
                response.writeHead(200).end();
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(port, LOOPBACK, resolve));
        this.url = `http://${LOOPBACK}:${port}/alerts`;
    }

    async stop(): Promise<void> {
        const closed = new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
        // Alertmanager keeps its connection alive; close() alone would wait for it to time out.
        this.server?.closeAllConnections();
        await closed;
    }
}

export const MAX_PROCESS_LIFETIME_MS = 20 * 60_000;

/** The processes the harness runs (agent.test.ts runs the node agent itself, with {@link track}). */
export type Component = "prometheus" | "prometheus-replica-2" | "alertmanager" | "log-sink" | "trace-sink" | "collector";

/** The running stack. */
export class LoopbackStack {
    readonly root: string;
    readonly configRoot: string;
    readonly logDir: string;
    readonly dirs: LoopbackDirs;
    readonly processes = new Map<string, ManagedProcess>();
    config!: StackConfig;
    ports!: LoopbackPorts;
    /** The rendered dev stack after the loopback step. */
    rendered!: RenderedStack;
    webhook = new WebhookReceiver();
    readonly recorder: SinkRecorder;
    /** What reached the Loki and Tempo stand-ins. */
    readonly sinks: SinkFiles;
    demoPort = 0;

    constructor() {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-dataflow-"));
        this.configRoot = path.join(this.root, "config");
        this.logDir = path.join(this.root, "logs");
        fs.mkdirSync(this.logDir, { recursive: true });
        this.dirs = loopbackDirs(path.join(this.root, "data"));
        this.recorder = new SinkRecorder(this.dirs.sinks);
        this.sinks = new SinkFiles(this.recorder);
        installExitHooks();
    }

    url(component: "prometheus" | "prometheusReplica2" | "alertmanager" | "collectorHealth" | "collectorMetrics" | "demo"): string {
        const port = component === "demo" ? this.demoPort : {
            prometheus: this.ports.prometheus,
            prometheusReplica2: this.ports.prometheusReplica2,
            alertmanager: this.ports.alertmanager,
            collectorHealth: this.ports.collectorHealth,
            collectorMetrics: this.ports.collectorMetrics,
        }[component];
        return `http://${LOOPBACK}:${port}`;
    }

    /** Renders the dev stack with `overrides.config` for this run, then the loopback override step. */
    async render(overrides: StackOverrides): Promise<void> {
        const portList = await freePorts(LOOPBACK_PORT_NAMES.length + 2);
        this.ports = Object.fromEntries(LOOPBACK_PORT_NAMES.map((name, i) => [name, portList[i]])) as unknown as LoopbackPorts;
        await this.webhook.start(portList[LOOPBACK_PORT_NAMES.length]);
        await this.recorder.start(this.ports.sinkRecorder);
        this.demoPort = portList[LOOPBACK_PORT_NAMES.length + 1];
        const raw = stackFile("dev");
        const values = { ...raw.values } as Record<string, any>;
        for (const [key, value] of Object.entries(overrides.config)) {
            values[key] = { ...(values[key] ?? {}), ...value };
        }
        // The webhook URL is a credential: set as a secret, read by Alertmanager from its url_file.
        values.webhookUrl = "<secret>";
        this.config = loadStackConfig({ ...raw, values, secretKeys: new Set([...raw.secretKeys, "webhookUrl"]) }, { knownRunbooks });
        this.rendered = applyLoopbackOverrides(renderStack(this.config, readRunbooks(), loopbackEndpoints(this.ports, this.config.prometheus.replicas)), this.config, this.ports, this.dirs);
        const rendered = this.rendered;
        for (const [relative, content] of artifactFiles(rendered)) {
            fs.mkdirSync(path.dirname(path.join(this.configRoot, relative)), { recursive: true });
            fs.writeFileSync(path.join(this.configRoot, relative), content);
        }
        const sinks = sinkConfigs(rendered.workloads["otel-collector"].config, this.ports);
        fs.mkdirSync(path.dirname(this.configPaths.logSink), { recursive: true });
        fs.writeFileSync(this.configPaths.logSink, sinks.logSink);
        fs.writeFileSync(this.configPaths.traceSink, sinks.traceSink);
        for (const dir of Object.values(this.dirs)) {
            fs.mkdirSync(dir, { recursive: true });
        }
        fs.writeFileSync(path.join(this.dirs.alertmanagerSecrets, ALERTMANAGER_SECRET_FILES.webhookUrl), this.webhook.url);
    }

    get configPaths() {
        return loopbackConfigPaths(this.configRoot);
    }

    get args() {
        return loopbackArgs(this.rendered, this.ports, this.dirs, this.configRoot);
    }

    private process(name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess {
        let proc = this.processes.get(name);
        if (!proc) {
            proc = new ManagedProcess(name, binary, args, this.logDir, MAX_PROCESS_LIFETIME_MS, env);
            this.processes.set(name, proc);
            everyProcess.add(proc);
        }
        return proc;
    }

    /**
     * Binary, arguments and readiness URL of a component (the binary is resolved only when needed).
     * `log-sink` and `trace-sink` are the Loki and Tempo stand-ins: our Collector build.
     */
    definition(name: Component): { binary: string; args: string[]; ready: string } {
        const args = this.args;
        const health = (port: number) => `http://${LOOPBACK}:${port}/`;
        switch (name) {
            case "prometheus":
                return { binary: toolBinary("prometheus"), args: args.prometheus, ready: `${this.url("prometheus")}/-/ready` };
            case "prometheus-replica-2":
                return { binary: toolBinary("prometheus"), args: args.prometheusReplica2, ready: `${this.url("prometheusReplica2")}/-/ready` };
            case "alertmanager":
                return { binary: toolBinary("alertmanager"), args: args.alertmanager, ready: `${this.url("alertmanager")}/-/ready` };
            case "log-sink":
                return { binary: toolBinary("otelcol"), args: args.logSink, ready: health(this.ports.logSinkHealth) };
            case "trace-sink":
                return { binary: toolBinary("otelcol"), args: args.traceSink, ready: health(this.ports.traceSinkHealth) };
            case "collector":
                return { binary: toolBinary("otelcol"), args: args.collector, ready: `${this.url("collectorHealth")}/` };
            default:
                throw new Error(`unknown component ${name}`);
        }
    }

    async start(name: Component, readyTimeoutMs = 120_000): Promise<number> {
        const definition = this.definition(name);
        const proc = this.process(name, definition.binary, definition.args);
        const started = Date.now();
        proc.start();
        await this.waitReady(name, definition.ready, readyTimeoutMs);
        return Date.now() - started;
    }

    async waitReady(name: string, url: string, timeoutMs: number): Promise<void> {
        const proc = this.processes.get(name)!;
        await eventually(`${name} to be ready at ${url}`, timeoutMs, async () => {
            if (!proc.running) {
                throw new Error(`${name} exited (${proc.child?.exitCode ?? proc.child?.signalCode}); log ${proc.logFile}:\n${proc.tail()}`);
            }
            const response = await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
            return response?.ok ? true : undefined;
        }, 500).catch((error: Error) => {
            throw new Error(`${error.message}\n--- ${name} log tail ---\n${proc.tail()}`);
        });
    }

    async stop(name: Component, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
        await this.processes.get(name)?.stop(signal);
    }

    /** The demo service, pointed at the collector. */
    async startDemo(): Promise<void> {
        const proc = this.process("demo-service", process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "demo-service/server.ts")], {
            ...process.env,
            DEMO_PORT: String(this.demoPort),
            DEMO_OTLP_GRPC: `http://${LOOPBACK}:${this.ports.collectorOtlpGrpc}`,
            DEMO_OTLP_HTTP: `http://${LOOPBACK}:${this.ports.collectorOtlpHttp}`,
            DEMO_METRIC_INTERVAL_MS: "2000",
        });
        proc.start();
        await this.waitReady("demo-service", `${this.url("demo")}/stats`, 30_000);
    }

    async shutdown(): Promise<void> {
        await Promise.all([...this.processes.values()].map((proc) => proc.stop("SIGTERM", 10_000)));
        await this.webhook.stop();
        await this.recorder.stop();
    }
}
