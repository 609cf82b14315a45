/**
 * What reached the Loki and Tempo stand-ins. The two sink collectors (test/dataflow/loopback.ts,
 * difference 4) post every request they receive, as OTLP/JSON, to the {@link SinkRecorder}, which
 * appends it as one line to `<scratch>/data/sinks/<signal>.jsonl` before it answers. The suite
 * reads those files with {@link SinkFiles}.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { LOOPBACK, SINK_RECORDER_PATHS } from "./loopback";

type Signal = keyof typeof SINK_RECORDER_PATHS;

/** Appends each OTLP/JSON request body to its signal's file, then answers with an empty OTLP response. */
export class SinkRecorder {
    private server?: http.Server;
    readonly received: Record<Signal, number> = { logs: 0, traces: 0 };

    constructor(private readonly dir: string) {}

    file(signal: Signal): string {
        return path.join(this.dir, `${signal}.jsonl`);
    }

    async start(port: number): Promise<void> {
        fs.mkdirSync(this.dir, { recursive: true });
        const signalOf = new Map<string, Signal>(Object.entries(SINK_RECORDER_PATHS).map(([signal, urlPath]) => [urlPath, signal as Signal]));
        this.server = http.createServer((request, response) => {
            const signal = signalOf.get(request.url ?? "");
            const chunks: Buffer[] = [];
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => {
                // The sinks are configured for uncompressed OTLP/JSON; anything else is a config error to surface.
                if (!signal || request.method !== "POST" || (request.headers["content-encoding"] ?? "identity") !== "identity" || !/json/.test(request.headers["content-type"] ?? "")) {
                    response.writeHead(400, { "content-type": "text/plain" }).end(`unexpected ${request.method} ${request.url} (${request.headers["content-type"]}, ${request.headers["content-encoding"]})`);
                    return;
                }
                let body: unknown;
                try {
                    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
                } catch (error) {
                    response.writeHead(400, { "content-type": "text/plain" }).end(String(error));
                    return;
                }
                // On disk before the answer: the sink acknowledges the gateway only after this.
                fs.appendFileSync(this.file(signal), `${JSON.stringify(body)}\n`);
                this.received[signal]++;
                response.writeHead(200, { "content-type": "application/json" }).end("{}");
            });
        });
        await new Promise<void>((resolve) => this.server!.listen(port, LOOPBACK, resolve));
    }

    async stop(): Promise<void> {
        const closed = new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
        this.server?.closeAllConnections();
        await closed;
    }
}

/** An OTLP/JSON attribute list as a plain object (string, int, double and bool values). */
export function attributeMap(attributes: readonly { key: string; value: Record<string, unknown> }[] | undefined): Record<string, string | number | boolean> {
    const out: Record<string, string | number | boolean> = {};
    for (const { key, value } of attributes ?? []) {
        if ("stringValue" in value) out[key] = String(value.stringValue);
        else if ("intValue" in value) out[key] = Number(value.intValue);
        else if ("doubleValue" in value) out[key] = Number(value.doubleValue);
        else if ("boolValue" in value) out[key] = Boolean(value.boolValue);
    }
    return out;
}

/** OTLP span kinds and status codes, as the proto enums number them. */
export const SPAN_KIND_SERVER = 2;
export const SPAN_KIND_PRODUCER = 4;
export const SPAN_KIND_CONSUMER = 5;
export const STATUS_CODE_ERROR = 2;

/** What every span and log record carries: its trace context, resource and attributes. */
export interface SinkRecord {
    readonly traceId: string;
    readonly spanId: string;
    readonly resource: Record<string, string | number | boolean>;
    readonly attributes: Record<string, string | number | boolean>;
}

export interface SinkSpan extends SinkRecord {
    /** Empty for a trace's root span. */
    readonly parentSpanId: string;
    readonly name: string;
    readonly kind: number;
    readonly statusCode: number;
    readonly durationMs: number;
    /** The span contexts it links to. */
    readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
}

export interface SinkLog extends SinkRecord {
    readonly body: string;
    readonly severityText: string;
}

/** Reads the recorder's files incrementally and indexes what arrived. */
export class SinkFiles {
    private readonly offsets: Record<Signal, number> = { logs: 0, traces: 0 };
    /** trace id → span id → span (a span delivered twice counts once). */
    private readonly traces = new Map<string, Map<string, SinkSpan>>();
    private readonly logKeys = new Set<string>();
    private readonly logList: SinkLog[] = [];
    /** Items as delivered, duplicates included. */
    readonly delivered = { spans: 0, logs: 0 };

    constructor(private readonly recorder: SinkRecorder) {}

    private readNew(signal: Signal): any[] {
        const file = this.recorder.file(signal);
        if (!fs.existsSync(file)) {
            return [];
        }
        const size = fs.statSync(file).size;
        if (size <= this.offsets[signal]) {
            return [];
        }
        const buffer = Buffer.alloc(size - this.offsets[signal]);
        const fd = fs.openSync(file, "r");
        try {
            fs.readSync(fd, buffer, 0, buffer.length, this.offsets[signal]);
        } finally {
            fs.closeSync(fd);
        }
        const text = buffer.toString("utf8");
        // Only whole lines; a partial last line is read next time.
        const end = text.lastIndexOf("\n") + 1;
        this.offsets[signal] += Buffer.byteLength(text.slice(0, end));
        return text
            .slice(0, end)
            .split("\n")
            .filter((line) => line.length > 0)
            .map((line) => JSON.parse(line));
    }

    refresh(): void {
        for (const request of this.readNew("traces")) {
            for (const resourceSpans of request.resourceSpans ?? []) {
                const resource = attributeMap(resourceSpans.resource?.attributes);
                for (const scope of resourceSpans.scopeSpans ?? []) {
                    for (const span of scope.spans ?? []) {
                        this.delivered.spans++;
                        const spans = this.traces.get(span.traceId) ?? new Map<string, SinkSpan>();
                        this.traces.set(span.traceId, spans);
                        spans.set(span.spanId, {
                            traceId: span.traceId,
                            spanId: span.spanId,
                            parentSpanId: span.parentSpanId ?? "",
                            name: span.name,
                            kind: span.kind ?? 0,
                            statusCode: span.status?.code ?? 0,
                            durationMs: Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6,
                            resource,
                            attributes: attributeMap(span.attributes),
                            links: (span.links ?? []).map((link: { traceId: string; spanId: string }) => ({ traceId: link.traceId, spanId: link.spanId })),
                        });
                    }
                }
            }
        }
        for (const request of this.readNew("logs")) {
            for (const resourceLogs of request.resourceLogs ?? []) {
                const resource = attributeMap(resourceLogs.resource?.attributes);
                for (const scope of resourceLogs.scopeLogs ?? []) {
                    for (const record of scope.logRecords ?? []) {
                        this.delivered.logs++;
                        const log: SinkLog = {
                            traceId: record.traceId ?? "",
                            spanId: record.spanId ?? "",
                            body: String(record.body?.stringValue ?? ""),
                            severityText: record.severityText ?? "",
                            resource,
                            attributes: attributeMap(record.attributes),
                        };
                        const key = `${log.traceId}/${log.spanId}/${record.timeUnixNano}/${log.body}`;
                        if (!this.logKeys.has(key)) {
                            this.logKeys.add(key);
                            this.logList.push(log);
                        }
                    }
                }
            }
        }
    }

    /** The spans of a trace that reached the trace sink. */
    spans(traceId: string): SinkSpan[] {
        this.refresh();
        return [...(this.traces.get(traceId)?.values() ?? [])];
    }

    /** How many of `traceIds` reached the trace sink with exactly `spansPerTrace` spans. */
    complete(traceIds: readonly string[], spansPerTrace: number): number {
        this.refresh();
        return traceIds.filter((id) => this.traces.get(id)?.size === spansPerTrace).length;
    }

    /** Distinct log records at the log sink matching `predicate`. */
    logs(predicate: (log: SinkLog) => boolean): SinkLog[] {
        this.refresh();
        return this.logList.filter(predicate);
    }
}
