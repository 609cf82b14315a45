/**
 * Issue 27 item 6 through the real gateway on loopback (see test/dataflow/README.md): an upload to
 * the demo API enqueues a transcoding job; the demo worker consumes it with the W3C trace context
 * read from the message headers only, and the trace sink (our Collector standing in for Tempo)
 * receives ONE trace spanning API → queue → worker. The business counters of the dev stack
 * (sessions started, videos transcoded) are recorded by the real Prometheus from what the demo sends.
 *
 * Stack config for this run (ordinary config keys, not overrides):
 *   collector.samplingPercent     100  every ordinary trace is kept, so an unremarkable upload is too
 *   prometheus.evaluationInterval 5s   the business-counter rules are evaluated within seconds
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SPANS_PER_UPLOAD, TRANSCODE_QUEUE, UploadResponse } from "../../demo-service/contract";
import { eventually, getJson } from "../../scripts/dev/polling";
import { promQuery } from "./backends";
import { LoopbackStack } from "./harness";
import { SinkSpan, SPAN_KIND_CONSUMER, SPAN_KIND_PRODUCER, SPAN_KIND_SERVER, STATUS_CODE_ERROR } from "./sinks";

const stack = new LoopbackStack();
const runId = Date.now().toString(36);

async function post(path: string, params: Record<string, string>): Promise<Response> {
    return fetch(`${stack.url("demo")}${path}?${new URLSearchParams({ batch: `queue-${runId}`, ...params })}`, { method: "POST", signal: AbortSignal.timeout(30_000) });
}

async function upload(params: Record<string, string> = {}): Promise<UploadResponse> {
    const response = await post("/videos/upload", params);
    assert.equal(response.status, 202);
    return (await response.json()) as UploadResponse;
}

/** The upload's trace once all its spans reached the trace sink (the worker's span comes last). */
async function uploadTrace(traceId: string): Promise<SinkSpan[]> {
    return eventually(`trace ${traceId} with ${SPANS_PER_UPLOAD} spans at the trace sink`, 90_000, async () => {
        await getJson(`${stack.url("demo")}/flush`, { method: "POST" });
        const spans = stack.sinks.spans(traceId);
        return spans.length === SPANS_PER_UPLOAD ? spans : undefined;
    }, 2000);
}

function only(spans: readonly SinkSpan[], predicate: (span: SinkSpan) => boolean, what: string): SinkSpan {
    const found = spans.filter(predicate);
    assert.equal(found.length, 1, `exactly one ${what} in ${JSON.stringify(spans.map((s) => [s.name, s.kind, s.resource["service.name"]]))}`);
    return found[0];
}

describe("a trace crosses the transcoding queue; business counters are recorded (real gateway and Prometheus)", { timeout: 10 * 60_000 }, () => {
    before(async () => {
        await stack.render({ config: { prometheus: { evaluationInterval: "5s" }, collector: { samplingPercent: 100 } } });
        console.log(`# scratch dir (configs, data, process logs): ${stack.root}`);
        await Promise.all((["prometheus", "log-sink", "trace-sink", "collector"] as const).map((name) => stack.start(name)));
        await stack.startDemo();
    });
    after(async () => stack.shutdown());

    test("one trace at the sink: api SERVER → api PRODUCER (send transcode) → transcoding CONSUMER (process transcode)", { timeout: 3 * 60_000 }, async () => {
        const sent = await upload({ work_ms: "30" });
        const spans = await uploadTrace(sent.trace_id);
        assert.ok(spans.every((span) => span.traceId === sent.trace_id), "every span is in the upload's trace");

        const root = only(spans, (span) => span.parentSpanId === "", "root span");
        assert.equal(root.kind, SPAN_KIND_SERVER);
        assert.equal(root.resource["service.name"], "api");
        assert.equal(root.name, "POST /videos/upload");

        const producer = only(spans, (span) => span.kind === SPAN_KIND_PRODUCER, "PRODUCER span");
        assert.equal(producer.spanId, sent.producer_span_id);
        assert.equal(producer.parentSpanId, root.spanId, "the producer span is a child of the request");
        assert.equal(producer.resource["service.name"], "api");
        assert.equal(producer.name, `send ${TRANSCODE_QUEUE}`);
        assert.deepEqual(
            { system: producer.attributes["messaging.system"], type: producer.attributes["messaging.operation.type"], destination: producer.attributes["messaging.destination.name"], id: producer.attributes["messaging.message.id"] },
            { system: "demo_queue", type: "send", destination: "transcode", id: sent.message_id },
        );

        const consumer = only(spans, (span) => span.kind === SPAN_KIND_CONSUMER, "CONSUMER span");
        assert.equal(consumer.resource["service.name"], "transcoding", "the worker reports as its own service");
        assert.equal(consumer.parentSpanId, producer.spanId, "the worker's span is a child of the API's producer span");
        assert.deepEqual(consumer.links, [{ traceId: sent.trace_id, spanId: producer.spanId }], "and links to it");
        assert.equal(consumer.name, `process ${TRANSCODE_QUEUE}`);
        assert.deepEqual(
            { system: consumer.attributes["messaging.system"], type: consumer.attributes["messaging.operation.type"], destination: consumer.attributes["messaging.destination.name"], id: consumer.attributes["messaging.message.id"] },
            { system: "demo_queue", type: "process", destination: "transcode", id: sent.message_id },
        );
        assert.ok(consumer.durationMs >= 30, `the job's work (30 ms) is inside the consumer span, got ${consumer.durationMs} ms`);
    });

    test("a failed job marks the worker's span as an error in the same trace, with error.type", { timeout: 3 * 60_000 }, async () => {
        const sent = await upload({ work_ms: "5", fail: "1" });
        const spans = await uploadTrace(sent.trace_id);
        const consumer = only(spans, (span) => span.kind === SPAN_KIND_CONSUMER, "CONSUMER span");
        assert.equal(consumer.statusCode, STATUS_CODE_ERROR);
        assert.equal(consumer.attributes["error.type"], "decode_error");
        const root = only(spans, (span) => span.parentSpanId === "", "root span");
        assert.notEqual(root.statusCode, STATUS_CODE_ERROR, "the upload itself succeeded: the failure is the worker's");
    });

    test("sessions started and videos transcoded reach Prometheus and its business-counter rules", { timeout: 4 * 60_000 }, async () => {
        const prometheus = stack.url("prometheus");
        const sessionsCounted = async (atLeast: number) =>
            eventually(`learning_sessions_started_total >= ${atLeast} from the demo`, 90_000, async () => {
                // The counter as the OTel SDK sends it and Prometheus' OTLP endpoint names it.
                const result = await promQuery(prometheus, 'learning_sessions_started_total{service_name="api"}');
                return result.length === 1 && Number(result[0].value[1]) >= atLeast ? result : undefined;
            });
        // One session first: a rate needs the counter's value before the increase (Prometheus sees a
        // pushed counter only from its first export on).
        assert.equal((await post("/sessions/start", {})).status, 200);
        await sessionsCounted(1);
        for (let i = 0; i < 5; i++) {
            assert.equal((await post("/sessions/start", {})).status, 200);
            await upload({ work_ms: "1" });
        }
        const raw = await sessionsCounted(6);
        console.log(`# sessions started counted: ${raw[0].value[1]}`);
        // The dev stack's recording rules (services[api].businessCounters, services[transcoding].businessCounters).
        const sessions = await eventually("service:business_counter:value for sessions_started", 120_000, async () => {
            const result = await promQuery(prometheus, 'service:business_counter:value{service="api", counter="sessions_started"}');
            return result.length === 1 && Number(result[0].value[1]) > 0 ? result : undefined;
        }, 2000);
        assert.deepEqual({ ...sessions[0].metric }, { __name__: "service:business_counter:value", service: "api", counter: "sessions_started", unit: "perMinute", good_direction: "up" });
        const transcoded = await eventually("service:business_counter:value for videos_transcoded", 120_000, async () => {
            const result = await promQuery(prometheus, 'service:business_counter:value{service="transcoding", counter="videos_transcoded"}');
            return result.length === 1 && Number(result[0].value[1]) > 0 ? result : undefined;
        }, 2000);
        console.log(`# recorded: sessions started ${sessions[0].value[1]}/min, videos transcoded ${transcoded[0].value[1]} in the last hour`);
        // The worker's jobs feed the transcoding service's golden signals too (otel-messaging conventions).
        await eventually("service:http_requests:rate5m of the transcoding worker", 120_000, async () => {
            const result = await promQuery(prometheus, 'service:http_requests:rate5m{service="transcoding"}');
            return result.length === 1 && Number(result[0].value[1]) > 0 ? result : undefined;
        }, 2000);
    });
});
