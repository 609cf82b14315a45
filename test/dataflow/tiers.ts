/**
 * The Collector's two tiers (`topology: distributed`) on 127.0.0.1: the rendered load-balancing
 * tier in front of N rendered tail-sampling gateways, each after the loopback step (difference 5 in
 * test/dataflow/loopback.ts), and one trace sink that tags every span with the gateway it came
 * through. Also an OTLP/HTTP client that sends traces of many spans the way several instrumented
 * services do (each service exports its own spans, children before parents), and a census of what
 * reached the sink per trace. Used by `twoTier.test.ts` and `bench/collectorTiers.ts`.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { StackConfig } from "../../config/types";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { GatewayDrain } from "../../render/topology/collector";
import { knownRunbooks, stackFile } from "../support/fixtures";
import { distributedValues, OBJECT_STORAGE_SECRETS } from "../support/topology";
import { freePorts } from "../../scripts/dev/ports";
import { ManagedProcess } from "../../scripts/dev/processes";
import { at } from "../../scripts/dev/polling";
import { requireTool } from "../../scripts/dev/tools";
import { collectorBacklog, CollectorBacklog } from "./backends";
import { MAX_PROCESS_LIFETIME_MS } from "./harness";
import {
    CollectorPorts,
    dnsLoadBalancerConfig,
    GATEWAY_TAG,
    gatewayAddress,
    gatewayName,
    LOOPBACK,
    loopbackGatewayConfig,
    loopbackLoadBalancerConfig,
    tieredTraceSinkConfig,
    TieredPorts,
} from "./loopback";
import { attributeMap, SinkRecorder } from "./sinks";

export type TierProcess = "load-balancer" | "trace-sink" | `gateway-${number}`;

/** The two tiers as rendered for the distributed topology, then moved to loopback. */
export class TieredCollectors {
    readonly root: string;
    readonly logDir: string;
    readonly configDir: string;
    readonly recorder: SinkRecorder;
    readonly processes = new Map<string, ManagedProcess>();
    config!: StackConfig;
    ports!: TieredPorts;
    /** As `pulumi up` deploys them (cluster addresses), for comparison with the loopback variants. */
    deployed!: { loadBalancer: string; gateway: string };
    private drain?: GatewayDrain;
    /** What runs here, by process name. */
    readonly configs = new Map<TierProcess, string>();
    private args = new Map<TierProcess, string[]>();

    /**
     * With `nameserver`, the DNS run: every gateway takes OTLP gRPC on an address of its own and one
     * port, and the load balancer resolves the rendered headless name through that DNS server (its
     * own mount namespace sees a resolv.conf naming it; root only).
     */
    constructor(
        readonly gatewayCount = 3,
        readonly options: { readonly nameserver?: string } = {},
    ) {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-tiers-"));
        this.logDir = path.join(this.root, "logs");
        this.configDir = path.join(this.root, "config");
        fs.mkdirSync(this.logDir, { recursive: true });
        fs.mkdirSync(this.configDir, { recursive: true });
        this.recorder = new SinkRecorder(path.join(this.root, "data", "sinks"));
        if (options.nameserver) {
            fs.writeFileSync(this.resolvConf, `nameserver ${options.nameserver}\n`);
        }
    }

    private get resolvConf(): string {
        return path.join(this.root, "resolv.conf");
    }

    /** Where gateway `index` takes OTLP gRPC. */
    gatewayGrpcHost(index: number): string {
        return this.options.nameserver ? gatewayAddress(index) : LOOPBACK;
    }

    gatewayNames(): TierProcess[] {
        return Array.from({ length: this.gatewayCount }, (_, i) => gatewayName(i));
    }

    /**
     * Renders the dev stack with `topology: distributed` (object storage as the distributed profile
     * requires it, never reached here), `collector.gatewayReplicas` gateways and `samplingPercent`
     * (the dev stack's when not given), all ordinary stack config, then applies the loopback step and writes the configs.
     */
    async render(samplingPercent?: number): Promise<void> {
        const count = this.gatewayCount;
        const ports = await freePorts(4 + 4 * count + count + 4);
        const take = () => ports.shift()!;
        const collectorPorts = (): CollectorPorts => ({ otlpGrpc: take(), otlpHttp: take(), health: take(), metrics: take() });
        // The DNS run: one gRPC port for every gateway, each on its own address, as the resolver dials one port.
        const sharedGrpc = take();
        this.ports = {
            loadBalancer: collectorPorts(),
            gateways: Array.from({ length: count }, () => ({ ...collectorPorts(), ...(this.options.nameserver ? { otlpGrpc: sharedGrpc } : {}) })),
            traceSinkReceivers: Array.from({ length: count }, take),
            traceSinkHealth: take(),
            idle: take(),
        };
        const recorderPort = take();
        const raw = stackFile("dev");
        const devCollector = (raw.values.collector ?? {}) as Record<string, unknown>;
        const values = { ...raw.values, ...distributedValues(), collector: { ...devCollector, gatewayReplicas: count, ...(samplingPercent === undefined ? {} : { samplingPercent }) } };
        this.config = loadStackConfig({ ...raw, values, secretKeys: new Set([...raw.secretKeys, ...OBJECT_STORAGE_SECRETS]) }, { knownRunbooks });
        const rendered = renderStack(this.config, readRunbooks());
        if (!rendered.topology) {
            throw new Error("the distributed profile rendered no topology");
        }
        const loadBalancer = rendered.topology.collector.loadBalancer;
        const gateway = rendered.workloads["otel-collector"];
        this.deployed = { loadBalancer: loadBalancer.config, gateway: gateway.config };
        this.drain = rendered.topology.collector.gatewayDrain;
        const write = (name: TierProcess, content: string, renderedArgs: readonly string[]) => {
            const file = path.join(this.configDir, `${name}.yaml`);
            fs.writeFileSync(file, content);
            this.configs.set(name, content);
            // The deployed container args with only the config path moved.
            this.args.set(name, renderedArgs.map((arg) => (arg.startsWith("--config=") ? `--config=${file}` : arg)));
        };
        const balancer = this.options.nameserver ? dnsLoadBalancerConfig(loadBalancer.config, this.ports) : loopbackLoadBalancerConfig(loadBalancer.config, this.ports);
        write("load-balancer", balancer, loadBalancer.args);
        this.gatewayNames().forEach((name, index) => {
            write(name, loopbackGatewayConfig(gateway.config, this.ports, index, this.queueDir(name), this.gatewayGrpcHost(index)), gateway.args);
        });
        write("trace-sink", tieredTraceSinkConfig(this.ports, recorderPort), gateway.args);
        await this.recorder.start(recorderPort);
    }

    /** The load balancer's config as deployed, parsed. */
    deployedLoadBalancer(): { exporters: Record<string, any> } {
        return YAML.parse(this.deployed.loadBalancer);
    }

    /** How a gateway drains before it stops, as its pod is rendered. */
    gatewayDrain(): GatewayDrain {
        if (!this.drain) {
            throw new Error("render() first");
        }
        return this.drain;
    }

    /** Gateway `name`'s persistent queue folder (its StatefulSet volume). */
    queueDir(name: TierProcess): string {
        return path.join(this.root, "data", `otelcol-queue-${name}`);
    }

    private portsOf(name: TierProcess): { health: number; otlpHttp?: number } {
        if (name === "load-balancer") {
            return this.ports.loadBalancer;
        }
        if (name === "trace-sink") {
            return { health: this.ports.traceSinkHealth };
        }
        return this.ports.gateways[Number(name.slice("gateway-".length))];
    }

    /** OTLP/HTTP base URL of the load balancer or of a gateway. */
    otlpHttp(name: TierProcess): string {
        return `http://${LOOPBACK}:${this.portsOf(name).otlpHttp}`;
    }

    pid(name: TierProcess): number | undefined {
        return this.processes.get(name)?.child?.pid;
    }

    /** Every address and port a process listens on. */
    private listening(name: TierProcess): { host: string; port: number }[] {
        const onLoopback = (ports: number[]) => ports.map((port) => ({ host: LOOPBACK, port }));
        if (name === "load-balancer") {
            return onLoopback(Object.values(this.ports.loadBalancer));
        }
        if (name === "trace-sink") {
            return onLoopback([...this.ports.traceSinkReceivers, this.ports.traceSinkHealth]);
        }
        const index = Number(name.slice("gateway-".length));
        const { otlpGrpc, ...others } = this.ports.gateways[index];
        return [{ host: this.gatewayGrpcHost(index), port: otlpGrpc }, ...onLoopback(Object.values(others))];
    }

    /**
     * While a process is down its ports stay taken by placeholders that close every connection at
     * once: its peers see a connection reset and retry, as they would against a pod that is gone.
     * A freed port could otherwise be taken by any other program on the machine, and a gRPC server
     * without the OTLP service answers "Unimplemented", a permanent error the sender drops data on.
     */
    private readonly placeholders = new Map<TierProcess, net.Server[]>();

    private async holdPorts(name: TierProcess): Promise<void> {
        const servers = await Promise.all(
            this.listening(name).map(
                ({ host, port }) =>
                    new Promise<net.Server>((resolve, reject) => {
                        const server = net.createServer((socket) => socket.destroy());
                        server.once("error", reject).listen(port, host, () => resolve(server));
                    }),
            ),
        );
        this.placeholders.set(name, servers);
    }

    private async releasePorts(name: TierProcess): Promise<void> {
        const servers = this.placeholders.get(name) ?? [];
        this.placeholders.delete(name);
        await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }

    /** Starts (or restarts) a process and waits for its health check. */
    async start(name: TierProcess, readyTimeoutMs = 120_000): Promise<void> {
        await this.releasePorts(name);
        let proc = this.processes.get(name);
        if (!proc) {
            const [binary, args] = this.command(name);
            proc = new ManagedProcess({ name, binary, args, logFile: path.join(this.logDir, `${name}.log`), maxLifetimeMs: MAX_PROCESS_LIFETIME_MS });
            this.processes.set(name, proc);
        }
        proc.start();
        const url = `http://${LOOPBACK}:${this.portsOf(name).health}/`;
        await proc.waitForHttp(url, readyTimeoutMs);
    }

    /**
     * The Collector with its args; in the DNS run, the load balancer in a mount namespace of its own
     * where the run's resolv.conf is bind-mounted over /etc/resolv.conf (the mount is gone with the
     * process; the machine's file is never touched). `unshare` and `sh` exec, so the pid is the Collector's.
     */
    private command(name: TierProcess): [string, string[]] {
        const otelcol = requireTool("otelcol");
        const args = this.args.get(name)!;
        if (name !== "load-balancer" || !this.options.nameserver) {
            return [otelcol, args];
        }
        return ["unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"', "sh", this.resolvConf, otelcol, ...args]];
    }

    /** What the load balancer and the running gateways still hold of traces, from their own telemetry, summed. */
    async backlog(): Promise<CollectorBacklog> {
        const running = ["load-balancer" as const, ...this.gatewayNames()].filter((name) => this.processes.get(name)?.running);
        const metricsPort = (name: TierProcess) => (name === "load-balancer" ? this.ports.loadBalancer : this.ports.gateways[Number(name.slice("gateway-".length))]).metrics;
        const each = await Promise.all(running.map((name) => collectorBacklog(`http://${LOOPBACK}:${metricsPort(name)}/metrics`, "traces")));
        return each.reduce((sum, b) => ({ undecidedTraces: sum.undecidedTraces + b.undecidedTraces, queued: sum.queued + b.queued }), { undecidedTraces: 0, queued: 0 });
    }

    /** Stops a process; its ports stay held until it starts again. */
    async stop(name: TierProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
        const proc = this.processes.get(name);
        if (proc?.running) {
            await proc.stop(signal, 15_000);
            await this.holdPorts(name);
        }
    }

    async shutdown(): Promise<void> {
        await Promise.all([...this.processes.values()].map((proc) => proc.stop("SIGTERM", 10_000)));
        await Promise.all([...this.placeholders.keys()].map((name) => this.releasePorts(name)));
        await this.recorder.stop();
    }
}

/** A trace the client sends: error traces and slow ones are kept by policy, ordinary ones sampled. */
export interface TestTrace {
    readonly traceId: string;
    readonly kind: "ordinary" | "error" | "slow";
}

/** The services of every trace, in the order they export (the deepest first: children end first). */
export const TRACE_SERVICES = ["db", "ledger", "api"] as const;
export const SPANS_PER_SERVICE = 4;
export const SPANS_PER_TRACE = TRACE_SERVICES.length * SPANS_PER_SERVICE;

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export function newTraces(count: number, kind: TestTrace["kind"]): TestTrace[] {
    return Array.from({ length: count }, () => ({ traceId: hex(16), kind }));
}

/**
 * Span ids of a trace, fixed by its trace id so every service's export agrees on its parents: the
 * api's first span is the root, each service's first span is the parent of its other spans, and the
 * ledger's and the db's first spans are children of the api's and the ledger's.
 */
function spanId(traceId: string, service: number, index: number): string {
    return `${traceId.slice(0, 12)}${service.toString(16)}${index.toString(16)}00`.slice(0, 16);
}

function serviceSpans(trace: TestTrace, service: (typeof TRACE_SERVICES)[number], startNs: bigint): unknown[] {
    const s = TRACE_SERVICES.indexOf(service);
    const parentOfFirst = service === "api" ? "" : spanId(trace.traceId, s + 1, 0);
    return Array.from({ length: SPANS_PER_SERVICE }, (_, index) => {
        const root = service === "api" && index === 0;
        // The latency policy measures the whole trace: only the root of a slow trace is long.
        const durationNs = root && trace.kind === "slow" ? 2_500_000_000n : 10_000_000n;
        const error = trace.kind === "error" && service === "db" && index === SPANS_PER_SERVICE - 1;
        return {
            traceId: trace.traceId,
            spanId: spanId(trace.traceId, s, index),
            ...(index === 0 ? (parentOfFirst ? { parentSpanId: parentOfFirst } : {}) : { parentSpanId: spanId(trace.traceId, s, 0) }),
            name: index === 0 ? `${service} handler` : `${service} step ${index}`,
            kind: index === 0 ? 2 : 1,
            startTimeUnixNano: String(startNs),
            endTimeUnixNano: String(startNs + durationNs),
            ...(error ? { status: { code: 2, message: "failed" } } : {}),
        };
    });
}

/** One OTLP/HTTP JSON export of `service`'s spans of every trace in `traces`; resolves to the HTTP status. */
export async function exportService(url: string, traces: readonly TestTrace[], service: (typeof TRACE_SERVICES)[number], startNs: bigint): Promise<number> {
    const body = {
        resourceSpans: [
            {
                resource: { attributes: [{ key: "service.name", value: { stringValue: service } }, { key: "service.namespace", value: { stringValue: "tiers" } }] },
                scopeSpans: [{ scope: { name: "lgtm-dataflow" }, spans: traces.flatMap((trace) => serviceSpans(trace, service, startNs)) }],
            },
        ],
    };
    const response = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.status;
}

/**
 * Sends `traces` as three services would: each exports its spans of all of them, `gapMs` apart. A
 * refused export (the Collector's memory limiter, say) is an error: these runs are bounded.
 */
export async function sendTraces(url: string, traces: readonly TestTrace[], gapMs: number): Promise<void> {
    // One start for every span, so an ordinary trace lasts 10 ms whatever the gaps between exports.
    const startNs = BigInt(Date.now() - 3000) * 1_000_000n;
    let exported = Date.now();
    for (const [i, service] of TRACE_SERVICES.entries()) {
        if (i > 0) {
            // Pacing (a schedule, not a wait for anything): the next service exports `gapMs` after this one finished.
            await at(exported, gapMs);
        }
        const status = await exportService(url, traces, service, startNs);
        exported = Date.now();
        if (status !== 200) {
            throw new Error(`POST ${url}/v1/traces (${service}) answered ${status}`);
        }
    }
}

interface TraceAtSink {
    readonly spans: Set<string>;
    readonly gateways: Set<string>;
    deliveries: number;
}

/** What reached the trace sink, per trace: distinct spans, the gateways they came through, deliveries. */
export class TraceCensus {
    private offset = 0;
    private readonly traces = new Map<string, TraceAtSink>();

    constructor(private readonly file: string) {}

    refresh(): void {
        if (!fs.existsSync(this.file)) {
            return;
        }
        const text = fs.readFileSync(this.file).subarray(this.offset).toString("utf8");
        const end = text.lastIndexOf("\n") + 1;
        this.offset += Buffer.byteLength(text.slice(0, end));
        for (const line of text.slice(0, end).split("\n").filter(Boolean)) {
            for (const resourceSpans of JSON.parse(line).resourceSpans ?? []) {
                const gateway = String(attributeMap(resourceSpans.resource?.attributes)[GATEWAY_TAG] ?? "untagged");
                for (const scope of resourceSpans.scopeSpans ?? []) {
                    for (const span of scope.spans ?? []) {
                        const entry = this.traces.get(span.traceId) ?? { spans: new Set<string>(), gateways: new Set<string>(), deliveries: 0 };
                        this.traces.set(span.traceId, entry);
                        entry.spans.add(span.spanId);
                        entry.gateways.add(gateway);
                        entry.deliveries++;
                    }
                }
            }
        }
    }

    get(traceId: string): TraceAtSink | undefined {
        return this.traces.get(traceId);
    }
}

export interface Tally {
    readonly sent: number;
    /** Every span arrived. */
    readonly complete: number;
    /** Some spans arrived, not all. */
    readonly partial: number;
    /** No span arrived (dropped by sampling, or lost). */
    readonly absent: number;
    /** Spans of one trace arrived through more than one gateway. */
    readonly split: number;
    /** Span deliveries beyond the first of the same span. */
    readonly redelivered: number;
    /** Traces per gateway (a split trace counts for each of its gateways). */
    readonly perGateway: Record<string, number>;
}

export function tally(census: TraceCensus, traces: readonly TestTrace[]): Tally {
    census.refresh();
    const counts = { sent: traces.length, complete: 0, partial: 0, absent: 0, split: 0, redelivered: 0 };
    const perGateway: Record<string, number> = {};
    for (const { traceId } of traces) {
        const entry = census.get(traceId);
        if (!entry) {
            counts.absent++;
            continue;
        }
        if (entry.spans.size === SPANS_PER_TRACE) counts.complete++;
        else counts.partial++;
        if (entry.gateways.size > 1) counts.split++;
        counts.redelivered += entry.deliveries - entry.spans.size;
        for (const gateway of entry.gateways) {
            perGateway[gateway] = (perGateway[gateway] ?? 0) + 1;
        }
    }
    return { ...counts, perGateway };
}
