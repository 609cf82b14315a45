/**
 * Runs the real backends of the dev stack on 127.0.0.1: renders the stack exactly as `npm run
 * render` does (with loopback endpoints), applies the one documented override step
 * (`test/dataflow/loopback.ts`), starts the Loki and Tempo stand-ins (sink collectors) and their
 * recorder, starts every process with a time limit, and kills them all when the suite ends — also
 * when it fails or is interrupted.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { loadStackConfig } from "../../config/load";
import { StackConfig } from "../../config/types";
import { ALERTMANAGER_SECRET_FILES } from "../../config/keys";
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
import { PROJECT_ROOT } from "../../io/stackSources";
import { freePorts } from "../../scripts/dev/ports";
import { ManagedProcess } from "../../scripts/dev/processes";
import { requireTool } from "../../scripts/dev/tools";
import { knownRunbooks, stackFile } from "../support/fixtures";

/** Loki and Tempo are not among them: AGPL, never built here (see test/dataflow/README.md). */
export const TOOLS = ["prometheus", "promtool", "alertmanager", "amtool", "otelcol"] as const;
export type Tool = (typeof TOOLS)[number];

export interface StackOverrides {
    /** Values merged over `Pulumi.dev.yaml`'s `lgtm-stack:` keys (ordinary stack config, not overrides). */
    readonly config: Record<string, Record<string, unknown>>;
}

/** A webhook receiver standing in for an on-call tool: records every Alertmanager notification. */
export class WebhookReceiver {
    readonly notifications: any[] = [];
    /** When each notification arrived (ms since the epoch), in order. */
    readonly arrivals: number[] = [];
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
                this.arrivals.push(Date.now());
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

/** How often the demo service exports its metrics here (its default is longer). */
export const DEMO_METRIC_INTERVAL_MS = 2000;

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
    /** The heartbeat service's stand-in: where Alertmanager sends the Watchdog (the `heartbeatUrl` secret). */
    heartbeat = new WebhookReceiver();
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
        const portList = await freePorts(LOOPBACK_PORT_NAMES.length + 3);
        this.ports = Object.fromEntries(LOOPBACK_PORT_NAMES.map((name, i) => [name, portList[i]])) as unknown as LoopbackPorts;
        await this.webhook.start(portList[LOOPBACK_PORT_NAMES.length]);
        await this.recorder.start(this.ports.sinkRecorder);
        this.demoPort = portList[LOOPBACK_PORT_NAMES.length + 1];
        await this.heartbeat.start(portList[LOOPBACK_PORT_NAMES.length + 2]);
        const raw = stackFile("dev");
        const values = { ...raw.values } as Record<string, any>;
        for (const [key, value] of Object.entries(overrides.config)) {
            values[key] = { ...(values[key] ?? {}), ...value };
        }
        // The webhook and heartbeat URLs are credentials: set as secrets, read by Alertmanager from their url_file.
        values.webhookUrl = "<secret>";
        values.heartbeatUrl = "<secret>";
        this.config = loadStackConfig({ ...raw, values, secretKeys: new Set([...raw.secretKeys, "webhookUrl", "heartbeatUrl"]) }, { knownRunbooks });
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
        fs.writeFileSync(path.join(this.dirs.alertmanagerSecrets, ALERTMANAGER_SECRET_FILES.heartbeatUrl), this.heartbeat.url);
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
            proc = new ManagedProcess({ name, binary, args, logFile: path.join(this.logDir, `${name}.log`), maxLifetimeMs: MAX_PROCESS_LIFETIME_MS, env });
            this.processes.set(name, proc);
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
                return { binary: requireTool("prometheus"), args: args.prometheus, ready: `${this.url("prometheus")}/-/ready` };
            case "prometheus-replica-2":
                return { binary: requireTool("prometheus"), args: args.prometheusReplica2, ready: `${this.url("prometheusReplica2")}/-/ready` };
            case "alertmanager":
                return { binary: requireTool("alertmanager"), args: args.alertmanager, ready: `${this.url("alertmanager")}/-/ready` };
            case "log-sink":
                return { binary: requireTool("otelcol"), args: args.logSink, ready: health(this.ports.logSinkHealth) };
            case "trace-sink":
                return { binary: requireTool("otelcol"), args: args.traceSink, ready: health(this.ports.traceSinkHealth) };
            case "collector":
                return { binary: requireTool("otelcol"), args: args.collector, ready: `${this.url("collectorHealth")}/` };
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
        await this.processes.get(name)!.waitForHttp(url, timeoutMs);
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
            DEMO_METRIC_INTERVAL_MS: String(DEMO_METRIC_INTERVAL_MS),
        });
        proc.start();
        await this.waitReady("demo-service", `${this.url("demo")}/stats`, 30_000);
    }

    async shutdown(): Promise<void> {
        await Promise.all([...this.processes.values()].map((proc) => proc.stop("SIGTERM", 10_000)));
        await this.webhook.stop();
        await this.heartbeat.stop();
        await this.recorder.stop();
    }
}
