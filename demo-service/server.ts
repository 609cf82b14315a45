/**
 * The demo service: `api`, an HTTP service that calls its downstream `ledger`, instrumented with
 * the official OpenTelemetry SDK. Each request yields one trace of three spans (api SERVER →
 * api CLIENT → ledger SERVER, so Tempo's service graph has an api → ledger edge), two structured
 * JSON log lines (`trace_id`, `span_id`, `service`, `request_id`, `level`) and one measurement of
 * `http.server.request.duration` with the request's span as exemplar. An upload enqueues a job on
 * an in-process queue (queue.ts) that the `transcoding` worker (worker.ts) consumes in the same
 * process: the trace crosses the queue only through the message headers.
 *
 *   DEMO_OTLP_GRPC=http://127.0.0.1:4317 DEMO_OTLP_HTTP=http://127.0.0.1:4318 \
 *     node --import tsx demo-service/server.ts
 *
 *   GET  /checkout?delay_ms=120&status=200&batch=b1   one request (response: its ids and counts)
 *   POST /sessions/start?batch=b1                     a learning session starts (business counter)
 *   POST /videos/play?batch=b1                        a course video starts playing (business counter)
 *   POST /videos/upload?work_ms=50&fail=0&batch=b1    enqueues a transcoding job for the worker
 *                                                     (W3C trace context in the message headers;
 *                                                     response: trace id, producer span id, message id)
 *   POST /flush                                       export everything buffered now
 *   GET  /stats                                       what the collector acknowledged, per batch
 *   GET  /metrics                                     requests served, in Prometheus text format (for pod discovery)
 *
 * It listens on DEMO_HOST (default 127.0.0.1; a pod sets 0.0.0.0) and DEMO_PORT (default: any free port).
 * On start it prints one JSON line `{"listening": <port>}` on stdout.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { randomUUID } from "crypto";
import { context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { BATCH_ATTRIBUTE, DemoResponse, DURATION_BUCKETS, LOGS_PER_REQUEST, SPANS_PER_REQUEST, TRANSCODE_QUEUE, UploadResponse } from "./contract";
import { JobQueue } from "./queue";
import { startTelemetry } from "./telemetry";
import { enqueueTranscode, startTranscodingWorker } from "./worker";

const env = (name: string, fallback?: string): string => {
    const value = process.env[name] ?? fallback;
    if (value === undefined) {
        throw new Error(`${name} is not set; see the usage at the top of demo-service/server.ts`);
    }
    return value;
};

const telemetry = startTelemetry({
    otlpGrpcEndpoint: env("DEMO_OTLP_GRPC"),
    otlpHttpEndpoint: env("DEMO_OTLP_HTTP"),
    metricIntervalMs: Number(env("DEMO_METRIC_INTERVAL_MS", "2000")),
    durationBuckets: DURATION_BUCKETS,
});
const apiTracer = telemetry.api.tracerProvider.getTracer("demo-service");
const ledgerTracer = telemetry.ledger.tracerProvider.getTracer("demo-service");
const apiLogger = telemetry.api.loggerProvider.getLogger("demo-service");
const transcodeQueue = new JobQueue(TRANSCODE_QUEUE);
startTranscodingWorker(transcodeQueue, telemetry.transcoding.tracerProvider.getTracer("demo-service"), telemetry.transcodingMeter, telemetry.jobDuration);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(span: Span, level: "info" | "error", message: string, fields: { request_id: string; batch: string; [key: string]: unknown }): void {
    const { traceId, spanId } = span.spanContext();
    const { batch, ...rest } = fields;
    apiLogger.emit({
        severityNumber: level === "error" ? SeverityNumber.ERROR : SeverityNumber.INFO,
        severityText: level.toUpperCase(),
        // The line itself is the JSON an application writes to stdout; the node agent would parse
        // the same fields out of it. Over OTLP the record also carries the span context.
        body: JSON.stringify({ level, msg: message, service: "api", trace_id: traceId, span_id: spanId, ...rest }),
        attributes: { request_id: fields.request_id, level, [BATCH_ATTRIBUTE]: batch },
        context: trace.setSpan(ROOT_CONTEXT, span),
    });
}

async function ledger(parent: Span, delayMs: number, status: number, batch: string): Promise<void> {
    const client = apiTracer.startSpan(
        "POST /ledger/entries",
        { kind: SpanKind.CLIENT, attributes: { "http.request.method": "POST", "server.address": "ledger", "peer.service": "ledger", [BATCH_ATTRIBUTE]: batch } },
        trace.setSpan(ROOT_CONTEXT, parent),
    );
    const server = ledgerTracer.startSpan(
        "POST /ledger/entries",
        { kind: SpanKind.SERVER, attributes: { "http.request.method": "POST", "http.route": "/ledger/entries", [BATCH_ATTRIBUTE]: batch } },
        trace.setSpan(ROOT_CONTEXT, client),
    );
    await sleep(delayMs);
    for (const span of [server, client]) {
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: `ledger answered ${status}` });
        }
        span.end();
    }
}

async function checkout(url: URL): Promise<DemoResponse> {
    const delayMs = Number(url.searchParams.get("delay_ms") ?? "20");
    const status = Number(url.searchParams.get("status") ?? "200");
    const batch = url.searchParams.get("batch") ?? "default";
    const requestId = url.searchParams.get("request_id") ?? randomUUID();
    const started = performance.now();
    const span = apiTracer.startSpan("GET /checkout", {
        kind: SpanKind.SERVER,
        attributes: { "http.request.method": "GET", "http.route": "/checkout", "url.path": "/checkout", request_id: requestId, [BATCH_ATTRIBUTE]: batch },
    });
    log(span, "info", "checkout started", { request_id: requestId, batch });
    await ledger(span, delayMs, status, batch);
    const seconds = (performance.now() - started) / 1000;
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
    }
    const attributes = { "http.request.method": "GET", "http.route": "/checkout", "http.response.status_code": status };
    telemetry.duration.record(seconds, attributes, trace.setSpan(context.active(), span));
    telemetry.durationExemplars.offer(seconds, attributes, span.spanContext());
    log(span, status >= 500 ? "error" : "info", "checkout finished", { request_id: requestId, batch, status, duration_ms: Math.round(seconds * 1000) });
    span.end();
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId, request_id: requestId, status, duration_ms: seconds * 1000, spans: SPANS_PER_REQUEST, logs: LOGS_PER_REQUEST };
}

/** A short request of the API: one SERVER span around `work`, which runs in the span's context. */
async function serverSpan<T>(route: string, batch: string, work: (parent: ReturnType<typeof trace.setSpan>) => Promise<T> | T): Promise<T> {
    const span = apiTracer.startSpan(`POST ${route}`, {
        kind: SpanKind.SERVER,
        attributes: { "http.request.method": "POST", "http.route": route, "url.path": route, [BATCH_ATTRIBUTE]: batch },
    });
    try {
        return await work(trace.setSpan(ROOT_CONTEXT, span));
    } finally {
        span.setAttribute("http.response.status_code", 200);
        span.end();
    }
}

async function upload(url: URL): Promise<UploadResponse> {
    const batch = url.searchParams.get("batch") ?? "default";
    const job = { video: randomUUID(), work_ms: Number(url.searchParams.get("work_ms") ?? "50"), fail: url.searchParams.get("fail") === "1", batch };
    return serverSpan("/videos/upload", batch, (parent) => {
        const { messageId, traceId, producerSpanId } = enqueueTranscode(apiTracer, transcodeQueue, job, parent);
        return { trace_id: traceId, producer_span_id: producerSpanId, message_id: messageId };
    });
}

/** Finished /checkout requests by status: what a Prometheus scrape of the pod sees. */
const served = new Map<number, number>();

const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const reply = (code: number, body: unknown) => {
        response.writeHead(code, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
    };
    const handle = async () => {
        if (url.pathname === "/checkout") {
            const result = await checkout(url);
            served.set(result.status, (served.get(result.status) ?? 0) + 1);
            return reply(result.status, result);
        }
        if (url.pathname === "/sessions/start" && request.method === "POST") {
            const batch = url.searchParams.get("batch") ?? "default";
            await serverSpan("/sessions/start", batch, () => telemetry.business.sessionsStarted.add(1));
            return reply(200, { started: true });
        }
        if (url.pathname === "/videos/play" && request.method === "POST") {
            const batch = url.searchParams.get("batch") ?? "default";
            await serverSpan("/videos/play", batch, () => telemetry.business.videosPlayed.add(1));
            return reply(200, { playing: true });
        }
        if (url.pathname === "/videos/upload" && request.method === "POST") {
            return reply(202, await upload(url));
        }
        if (url.pathname === "/flush" && request.method === "POST") {
            await telemetry.flush();
            return reply(200, telemetry.stats());
        }
        if (url.pathname === "/metrics") {
            response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            const lines = [...served].sort(([a], [b]) => a - b).map(([status, count]) => `demo_checkout_requests_total{status="${status}"} ${count}`);
            return response.end(["# TYPE demo_checkout_requests_total counter", ...lines, ""].join("\n"));
        }
        if (url.pathname === "/stats") {
            return reply(200, telemetry.stats());
        }
        return reply(404, { error: `no route ${url.pathname}` });
    };
    handle().catch((error: Error) => reply(500, { error: error.message }));
});

server.listen(Number(process.env.DEMO_PORT ?? "0"), process.env.DEMO_HOST ?? "127.0.0.1", () => {
    process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port })}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
        server.close();
        telemetry.shutdown().finally(() => process.exit(0));
        setTimeout(() => process.exit(0), 5000).unref();
    });
}
