/**
 * Issue 16's signals through the real gateway on loopback (see test/dataflow/README.md): a
 * request's logs and trace are found at the sinks from its request id alone; secrets and personal
 * data sent over OTLP reach no sink; every signal carries deployment.environment.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DemoResponse } from "../../demo-service/contract";
import { promQuery } from "./backends";
import { eventually, getJson } from "../../scripts/dev/polling";
import { LoopbackStack } from "./harness";

const stack = new LoopbackStack();
const runId = Date.now().toString(36);

const SECRETS = { bearer: "Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc", password: "hunter2-correct-horse", email: "ada.lovelace@example.org", card: "4111 1111 1111 1111" } as const;

async function checkout(status: number): Promise<DemoResponse> {
    const query = new URLSearchParams({ delay_ms: "10", status: String(status), batch: `signals-${runId}` });
    const response = await fetch(`${stack.url("demo")}/checkout?${query}`, { signal: AbortSignal.timeout(30_000) });
    return (await response.json()) as DemoResponse;
}

const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });

async function postOtlp(signal: "traces" | "logs", body: object): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${stack.ports.collectorOtlpHttp}/v1/${signal}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return response.status;
}

describe("request ids, redaction and the environment at the sinks (real gateway)", { timeout: 10 * 60_000 }, () => {
    before(async () => {
        await stack.render({ config: {} });
        await Promise.all((["prometheus", "log-sink", "trace-sink", "collector"] as const).map((name) => stack.start(name)));
        await stack.startDemo();
    });
    after(async () => stack.shutdown());

    test("from a request id alone: its log records at the log sink, and through them its trace at the trace sink", { timeout: 3 * 60_000 }, async () => {
        const { request_id: requestId } = await checkout(500);
        await getJson(`${stack.url("demo")}/flush`, { method: "POST" });
        const logs = await eventually(`log records with request_id ${requestId}`, 90_000, async () => {
            const found = stack.sinks.logs((log) => log.attributes.request_id === requestId);
            return found.length >= 2 ? found : undefined;
        });
        const traceIds = new Set(logs.map((log) => log.traceId));
        assert.equal(traceIds.size, 1, "every record of the request names one trace");
        const [traceId] = traceIds;
        const spans = await eventually(`trace ${traceId} at the trace sink`, 90_000, async () => {
            const found = stack.sinks.spans(traceId);
            return found.some((span) => span.attributes.request_id === requestId) ? found : undefined;
        });
        console.log(`# request ${requestId}: ${logs.length} log records, trace ${traceId} with ${spans.length} spans`);
    });

    test("secrets and personal data sent over OTLP reach neither sink; the rest of the record does", { timeout: 3 * 60_000 }, async () => {
        const marker = `redaction-${runId}`;
        const traceId = Buffer.from(runId.padEnd(16, "0").slice(0, 16)).toString("hex");
        const now = BigInt(Date.now()) * 1_000_000n;
        const resource = { attributes: [attribute("service.name", "api")] };
        const secretAttributes = [
            attribute("http.request.header.authorization", SECRETS.bearer),
            attribute("db.password", SECRETS.password),
            attribute("enduser.email", SECRETS.email),
            attribute("payment.note", `paid with ${SECRETS.card}`),
            attribute("marker", marker),
        ];
        // An error span: the tail sampler keeps every error trace.
        const span = { traceId, spanId: "eee19b7ec3c1b174", name: "POST /pay", kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n), status: { code: 2 }, attributes: secretAttributes };
        assert.equal(await postOtlp("traces", { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "dataflow" }, spans: [span] }] }] }), 200);
        const body = JSON.stringify({ msg: "payment failed", password: SECRETS.password, user: SECRETS.email, card: SECRETS.card });
        const record = { timeUnixNano: String(now), severityText: "ERROR", body: { stringValue: `${body} auth=${SECRETS.bearer}` }, attributes: secretAttributes };
        assert.equal(await postOtlp("logs", { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: "dataflow" }, logRecords: [record] }] }] }), 200);

        const [log] = await eventually("the secret-laden log record at the log sink", 90_000, async () => {
            const found = stack.sinks.logs((l) => l.attributes.marker === marker);
            return found.length > 0 ? found : undefined;
        });
        const [sinkSpan] = await eventually("the secret-laden span at the trace sink", 90_000, async () => {
            const found = stack.sinks.spans(traceId);
            return found.length > 0 ? found : undefined;
        });
        const arrived = JSON.stringify([log, sinkSpan]);
        for (const [kind, secret] of Object.entries(SECRETS)) {
            assert.ok(!arrived.includes(secret), `${kind} reached a sink: ${arrived}`);
        }
        assert.ok(log.body.includes("payment failed") && log.body.includes('"password":"****"'), log.body);
        assert.equal(sinkSpan.attributes["db.password"], "****");
    });

    test("logs, traces and metrics carry deployment.environment = the stack", { timeout: 3 * 60_000 }, async () => {
        const { trace_id: traceId, request_id: requestId } = await checkout(500);
        await getJson(`${stack.url("demo")}/flush`, { method: "POST" });
        const [log] = await eventually("a log record of the request", 90_000, async () => {
            const found = stack.sinks.logs((l) => l.attributes.request_id === requestId);
            return found.length > 0 ? found : undefined;
        });
        assert.equal(log.resource["deployment.environment"], "dev");
        const spans = await eventually("the request's trace", 90_000, async () => {
            const found = stack.sinks.spans(traceId);
            return found.length > 0 ? found : undefined;
        });
        assert.ok(spans.every((s) => s.resource["deployment.environment"] === "dev"));
        await eventually("request metrics labelled with the environment", 90_000, async () => {
            const result = await promQuery(stack.url("prometheus"), 'http_server_request_duration_seconds_count{service_name="api", deployment_environment="dev"}');
            return result.length > 0 ? result : undefined;
        });
    });
});
