import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { stringify } from "yaml";
import { loadStackConfig } from "../config/load";
import { StackConfig } from "../config/types";
import { renderCollectorGatewayConfig } from "../render/collector";
import { clusterEndpoints } from "../model/components";
import { eventually, freePort, LOOPBACK, ManagedProcess, toolPath } from "../scripts/dev";
import { knownRunbooks, loadStack, minimalRaw } from "./support/fixtures";

/**
 * The gateway's masking, run for real: the real otelcol 0.160 with the processors and pipeline
 * order the stack renders (tail sampling and batching left out: they only delay), fed OTLP/JSON
 * carrying credentials and personal data, exporting to a recorder on loopback. What reaches the
 * recorder must hold none of them; the request id and the environment must still be there.
 */

const SECRETS = {
    bearer: "Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    password: "hunter2-correct-horse",
    email: "ada.lovelace@example.org",
    card: "4111 1111 1111 1111",
    amex: "3782-822463-10005",
    apiKey: "AKIAIOSFODNN7EXAMPLE",
    jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
} as const;
const REQUEST_ID = "req-7f3a9c";

const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
const resource = { attributes: [attribute("service.name", "checkout")] };

function traces() {
    const attributes = [
        attribute("http.request.header.authorization", SECRETS.bearer),
        attribute("db.password", SECRETS.password),
        attribute("enduser.email", SECRETS.email),
        attribute("payment.note", `paid with ${SECRETS.card}`),
        attribute("x-api-key", SECRETS.apiKey),
        attribute("request_id", REQUEST_ID),
    ];
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "POST /checkout", kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5_000_000n), attributes };
    return { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "test" }, spans: [span] }] }] };
}

function logs() {
    const body = JSON.stringify({ msg: "login failed", password: SECRETS.password, user: SECRETS.email, session_token: SECRETS.jwt, request_id: REQUEST_ID });
    const record = {
        timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
        severityText: "ERROR",
        body: { stringValue: `${body} card=${SECRETS.amex} auth=${SECRETS.bearer}` },
        attributes: [attribute("request_id", REQUEST_ID), attribute("user.email", SECRETS.email)],
    };
    return { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: "test" }, logRecords: [record] }] }] };
}

function metrics() {
    const point = { asInt: "3", timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), attributes: [attribute("user.email", SECRETS.email), attribute("http.route", "/checkout")] };
    const metric = { name: "logins", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point] } };
    return { resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: "test" }, metrics: [metric] }] }] };
}

class CollectorExited extends Error {}

async function post(url: string, body: object): Promise<number> {
    try {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return response.status;
    } catch {
        return 0;
    }
}

/** The rendered gateway's masking processors, in its pipeline order, around a loopback receiver and exporter. */
function testCollectorConfig(config: StackConfig, receiverPort: number, sinkPort: number): string {
    const gateway = renderCollectorGatewayConfig(config, clusterEndpoints(config.namespace)) as any;
    const skipped = new Set(["tail_sampling", "batch"]);
    const pipeline = (signal: string) => ({
        receivers: ["otlp"],
        processors: (gateway.service.pipelines[signal].processors as string[]).filter((p) => !skipped.has(p)),
        exporters: ["otlphttp/recorder"],
    });
    const processors = Object.fromEntries(Object.entries(gateway.processors).filter(([name]) => !skipped.has(name)));
    return stringify({
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${receiverPort}` } } } },
        processors,
        exporters: { "otlphttp/recorder": { endpoint: `http://127.0.0.1:${sinkPort}`, encoding: "json", compression: "none", retry_on_failure: { enabled: false } } },
        service: { telemetry: { metrics: { level: "none" } }, pipelines: { traces: pipeline("traces"), metrics: pipeline("metrics"), logs: pipeline("logs") } },
    });
}

async function runThroughCollector(config: StackConfig): Promise<Record<string, string>> {
    const received: Record<string, string> = {};
    const sink = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", () => {
            received[request.url ?? ""] = (received[request.url ?? ""] ?? "") + body;
            response.writeHead(200, { "content-type": "application/json" }).end("{}");
        });
    });
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
    const sinkPort = (sink.address() as AddressInfo).port;
    const receiverPort = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-redaction-"));
    fs.writeFileSync(path.join(dir, "config.yaml"), testCollectorConfig(config, receiverPort, sinkPort));
    const collector = new ManagedProcess({ name: "otelcol", binary: toolPath("otelcol"), args: [`--config=${path.join(dir, "config.yaml")}`], logFile: path.join(dir, "otelcol.log"), maxLifetimeMs: 120_000 });
    collector.start();
    try {
        const base = `http://${LOOPBACK}:${receiverPort}`;
        // The receiver is up when it accepts a batch; a Collector that exits fails at once.
        await eventually("the collector to accept OTLP", 30_000, async () => {
            if (!collector.running) {
                throw new CollectorExited(`the collector exited (${collector.exitStatus}):\n${collector.tail()}`);
            }
            return (await post(`${base}/v1/traces`, traces())) === 200 ? true : undefined;
        }, 200, (error) => error instanceof CollectorExited);
        assert.equal(await post(`${base}/v1/logs`, logs()), 200);
        assert.equal(await post(`${base}/v1/metrics`, metrics()), 200);
        await eventually("the recorder to get all three signals", 10_000, () => (Object.keys(received).length >= 3 ? true : undefined), 100).catch(() => undefined);
        assert.deepEqual(Object.keys(received).sort(), ["/v1/logs", "/v1/metrics", "/v1/traces"], `the recorder got ${Object.keys(received).join(", ")}:\n${collector.tail()}`);
        return received;
    } finally {
        await collector.stop();
        await new Promise((resolve) => sink.close(resolve));
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the Collector gateway masks credentials and personal data before export (real otelcol)", () => {
    let masked: Record<string, string>;
    let unmasked: Record<string, string>;
    before(async () => {
        masked = await runThroughCollector(loadStack("dev"));
        unmasked = await runThroughCollector(loadStackConfig(minimalRaw({ collector: { redaction: { enabled: false } } }), { knownRunbooks }));
    });

    test("no secret, e-mail address or card number reaches the sinks, in attributes or log bodies", () => {
        const all = Object.values(masked).join("\n");
        for (const [kind, secret] of Object.entries(SECRETS)) {
            // The JSON the recorder got escapes nothing in these values, so a plain search finds any copy.
            assert.ok(!all.includes(secret), `${kind} (${secret}) reached a sink`);
        }
        assert.ok(!all.includes("sk_live_"), "part of the bearer token reached a sink");
    });

    test("what is not sensitive still arrives: the request id, the route, the log's message and the masked keys", () => {
        assert.ok(masked["/v1/traces"].includes(REQUEST_ID) && masked["/v1/logs"].includes(REQUEST_ID), "the request id was masked too");
        assert.ok(masked["/v1/metrics"].includes("/checkout"));
        assert.ok(masked["/v1/logs"].includes("login failed"));
        assert.ok(masked["/v1/logs"].includes('\\"password\\":\\"****\\"'), `the password field keeps its key: ${masked["/v1/logs"]}`);
        assert.ok(masked["/v1/traces"].includes("db.password"), "the attribute itself is kept, masked");
    });

    test("every signal carries deployment.environment = the stack's name", () => {
        for (const [signal, body] of Object.entries(masked)) {
            assert.match(body, /"key":"deployment\.environment","value":\{"stringValue":"dev"\}/, signal);
        }
    });

    test("an environment that turns redaction off gets the values through (the check above can fail)", () => {
        const all = Object.values(unmasked).join("\n");
        assert.ok(all.includes(SECRETS.password) && all.includes(SECRETS.email) && all.includes(SECRETS.card), all.slice(0, 500));
    });
});
