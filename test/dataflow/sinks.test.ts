/**
 * The sink recorder keeps what the stand-ins post, and the reader counts it the way the suite's
 * no-loss checks need: a span or log record delivered twice counts once, a refused request is not
 * recorded. The requests are OTLP/JSON written by hand from the OTLP specification's JSON mapping
 * (hex trace and span ids, enum numbers, int64 as strings).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { freePorts } from "../../scripts/dev/ports";
import { SinkFiles, SinkRecorder } from "./sinks";

const TRACE = "5b8efff798038103d269b633813fc60c";
const str = (value: string) => ({ stringValue: value });
const resource = { attributes: [{ key: "service.name", value: str("api") }, { key: "service.namespace", value: str("learning") }] };

const traces = {
    resourceSpans: [
        {
            resource,
            scopeSpans: [
                {
                    scope: { name: "demo-service" },
                    spans: [
                        { traceId: TRACE, spanId: "eee19b7ec3c1b174", name: "GET /checkout", kind: 2, startTimeUnixNano: "1544712660000000000", endTimeUnixNano: "1544712662600000000", status: { code: 2 }, attributes: [{ key: "request_id", value: str("r-1") }, { key: "retries", value: { intValue: "3" } }] },
                        { traceId: TRACE, spanId: "eee19b7ec3c1b173", parentSpanId: "eee19b7ec3c1b174", name: "POST ledger", kind: 3, startTimeUnixNano: "1544712660100000000", endTimeUnixNano: "1544712660200000000" },
                    ],
                },
            ],
        },
    ],
};

const logs = {
    resourceLogs: [
        {
            resource,
            scopeLogs: [
                {
                    logRecords: [
                        { timeUnixNano: "1544712660300000000", severityText: "ERROR", body: str('{"msg":"checkout finished"}'), traceId: TRACE, spanId: "eee19b7ec3c1b174", attributes: [{ key: "demo.batch", value: str("b1") }] },
                    ],
                },
            ],
        },
    ],
};

describe("the sink recorder and reader", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-sinks-"));
    const recorder = new SinkRecorder(dir);
    const files = new SinkFiles(recorder);
    let url = "";

    before(async () => {
        const [port] = await freePorts(1);
        await recorder.start(port);
        url = `http://127.0.0.1:${port}`;
    });

    after(async () => {
        await recorder.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const post = (urlPath: string, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
        fetch(`${url}${urlPath}`, { method: "POST", headers, body: JSON.stringify(body) });

    test("records posted traces and logs and indexes spans by trace, counting a redelivered item once", async () => {
        assert.equal((await post("/traces", traces)).status, 200);
        assert.equal((await post("/traces", traces)).status, 200);
        assert.equal((await post("/logs", logs)).status, 200);
        assert.equal((await post("/logs", logs)).status, 200);

        const spans = files.spans(TRACE);
        assert.equal(spans.length, 2);
        assert.equal(files.complete([TRACE], 2), 1);
        assert.equal(files.complete([TRACE], 3), 0);
        assert.deepEqual(files.delivered, { spans: 4, logs: 2 });
        const server = spans.find((span) => span.spanId === "eee19b7ec3c1b174")!;
        assert.equal(server.parentSpanId, "");
        assert.equal(server.kind, 2);
        assert.equal(server.statusCode, 2);
        assert.equal(server.durationMs, 2600);
        assert.deepEqual(server.attributes, { request_id: "r-1", retries: 3 });
        assert.deepEqual(server.resource, { "service.name": "api", "service.namespace": "learning" });
        assert.equal(spans.find((span) => span.spanId === "eee19b7ec3c1b173")!.parentSpanId, "eee19b7ec3c1b174");

        const records = files.logs((log) => log.attributes["demo.batch"] === "b1");
        assert.equal(records.length, 1);
        assert.deepEqual(records[0], {
            traceId: TRACE,
            spanId: "eee19b7ec3c1b174",
            body: '{"msg":"checkout finished"}',
            severityText: "ERROR",
            resource: { "service.name": "api", "service.namespace": "learning" },
            attributes: { "demo.batch": "b1" },
        });
    });

    test("refuses what the sinks are not configured to send, and records none of it", async () => {
        const before = fs.readFileSync(recorder.file("traces"), "utf8");
        assert.equal((await post("/metrics", traces)).status, 400);
        assert.equal((await post("/traces", traces, { "content-type": "application/x-protobuf" })).status, 400);
        assert.equal((await post("/traces", traces, { "content-type": "application/json", "content-encoding": "gzip" })).status, 400);
        assert.equal((await fetch(`${url}/traces`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" })).status, 400);
        assert.equal(fs.readFileSync(recorder.file("traces"), "utf8"), before);
    });
});
