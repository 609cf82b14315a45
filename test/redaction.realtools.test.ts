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
 * recorder must hold none of them; ordinary values (ids, routes, counts, the rest of a URL or a
 * log line) must arrive unchanged.
 */

/** Every value here is written by hand and must not reach the recorder while masking is on. */
const SECRETS = {
    bearer: "Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    password: "hunter2-correct-horse",
    email: "ada.lovelace@example.org",
    card: "4111 1111 1111 1111",
    amex: "3782-822463-10005",
    apiKey: "AKIAIOSFODNN7EXAMPLE",
    jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    // Tokens in URLs: url.full, url.query and a span named after its URL.
    urlFullToken: "Zx9-RESETtoken-7731",
    urlQueryToken: "qQ3r-ACCESS-5521",
    spanNameCode: "oauthCODE4471",
    spanNameSignature: "SIGsasAzure9902",
    // Non-string attribute values: an array of header values under a harmless key, a card number as an int.
    headerArrayBearer: "Bearer sk_array_Q8m2Lw9",
    headerArrayEmail: "grace.hopper@example.net",
    cardAsInt: "4012888888881881",
    // Plain-text log lines.
    textPassword: "pl41n-TEXT-pass",
    textCookie: "S3SSION-c00kie-99",
    textAuthorization: "tok-TEXT-3318",
    // Credentials under keys that name nothing sensitive.
    awsKeyUnderHarmlessKey: "AKIAQYLPMN5HHHFPZAM2",
    privateKeyBody: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    githubToken: "ghp_R8x2LmQ7vT4kN9pW3sY6bH1cJ5dF0gZaEeUu",
    slackToken: "xoxb-2214-88211-Xq8PlmZs0R",
} as const;
const PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----\n${SECRETS.privateKeyBody}\nAbC9+/xyz==\n-----END PRIVATE KEY-----`;
const REQUEST_ID = "req-7f3a9c";
/** Addresses: kept by default, masked with `maskIpAddresses`. */
const CLIENT_IPV4 = "203.0.113.42";
const CLIENT_IPV6 = "2001:db8:85a3::8a2e:370:7334";

const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
const intAttribute = (key: string, value: string) => ({ key, value: { intValue: value } });
const arrayAttribute = (key: string, values: string[]) => ({ key, value: { arrayValue: { values: values.map((v) => ({ stringValue: v })) } } });
const resource = { attributes: [attribute("service.name", "checkout")] };
const nowNanos = () => BigInt(Date.now()) * 1_000_000n;

function span(spanId: string, name: string, attributes: object[]) {
    const now = nowNanos();
    return { traceId: "5b8efff798038103d269b633813fc60c", spanId, name, kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5_000_000n), attributes };
}

function traces() {
    const spans = [
        span("eee19b7ec3c1b174", "POST /checkout", [
            attribute("http.request.header.authorization", SECRETS.bearer),
            attribute("db.password", SECRETS.password),
            attribute("enduser.email", SECRETS.email),
            attribute("payment.note", `paid with ${SECRETS.card}`),
            attribute("x-api-key", SECRETS.apiKey),
            attribute("request_id", REQUEST_ID),
            arrayAttribute("http.request.header.x-forwarded-auth", [SECRETS.headerArrayBearer]),
            arrayAttribute("http.request.header.from", [SECRETS.headerArrayEmail]),
            arrayAttribute("http.request.header.accept", ["application/json", "text/plain"]),
            intAttribute("payment.reference", SECRETS.cardAsInt),
            intAttribute("http.response.status_code", "200"),
            intAttribute("gen_ai.usage.input_tokens", "1234"),
            attribute("deploy.note", `rotated ${SECRETS.awsKeyUnderHarmlessKey}`),
            attribute("tls.bundle", PRIVATE_KEY),
            attribute("ci.note", `pushed with ${SECRETS.githubToken}, told ${SECRETS.slackToken}`),
            attribute("client.address", CLIENT_IPV4),
            attribute("network.peer.address", CLIENT_IPV6),
        ]),
        span("eee19b7ec3c1b175", "GET /reset", [
            attribute("url.full", `https://shop.example/reset?token=${SECRETS.urlFullToken}&lang=en`),
            attribute("url.query", `access_token=${SECRETS.urlQueryToken}&page=2`),
            attribute("http.route", "/reset"),
        ]),
        span("eee19b7ec3c1b176", `GET /callback?code=${SECRETS.spanNameCode}&state=cart`, []),
        span("eee19b7ec3c1b177", `GET /blob?sv=2024-01-01&sig=${SECRETS.spanNameSignature}`, []),
        span("eee19b7ec3c1b178", `GET /users/${SECRETS.email}`, []),
    ];
    return { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "test" }, spans }] }] };
}

function logRecord(body: string, attributes: object[] = []) {
    return { timeUnixNano: String(nowNanos()), severityText: "ERROR", body: { stringValue: body }, attributes };
}

function logs() {
    const json = JSON.stringify({ msg: "login failed", password: SECRETS.password, user: SECRETS.email, session_token: SECRETS.jwt, request_id: REQUEST_ID });
    const records = [
        logRecord(`${json} card=${SECRETS.amex} auth=${SECRETS.bearer}`, [attribute("request_id", REQUEST_ID), attribute("user.email", SECRETS.email)]),
        // A plain-text line as a framework logs a request: no JSON, names and values in text.
        logRecord(
            `login retry for bob password=${SECRETS.textPassword} attempt=3 at 12:30:45\n` +
                `Cookie: sid=${SECRETS.textCookie}; theme=dark\n` +
                `Authorization: Token ${SECRETS.textAuthorization}\n` +
                `authorization failed for bob from ${CLIENT_IPV4}, exit code 1, version 1.2.3`,
            [attribute("http.request.header.x-debug", `password=${SECRETS.textPassword}`)],
        ),
        logRecord(`deploy key ${SECRETS.awsKeyUnderHarmlessKey} loaded; ${PRIVATE_KEY}`),
    ];
    return { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: "test" }, logRecords: records }] }] };
}

function metrics() {
    const point = {
        asInt: "3",
        timeUnixNano: String(nowNanos()),
        attributes: [attribute("user.email", SECRETS.email), attribute("http.route", "/checkout"), attribute("url.query", `api_key=${SECRETS.urlQueryToken}&page=2`)],
    };
    const metric = { name: "logins", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point] } };
    return { resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: "test" }, metrics: [metric] }] }] };
}

/** Every string the recorder got, decoded from the OTLP/JSON (Go escapes `&` and `<`, so the raw text is not searched). */
function strings(body: string): string[] {
    const found: string[] = [];
    const walk = (value: unknown): void => {
        if (typeof value === "string") {
            found.push(value);
        } else if (Array.isArray(value)) {
            value.forEach(walk);
        } else if (value && typeof value === "object") {
            Object.values(value).forEach(walk);
        }
    };
    // The recorder may get several requests on one path: one JSON document per line.
    for (const line of body.split("\n").filter((l) => l.trim() !== "")) {
        walk(JSON.parse(line));
    }
    return found;
}

/** The attribute `key` of any span, log record or data point the recorder got, as OTLP/JSON value objects. */
function attributeValues(body: string, key: string): unknown[] {
    const found: unknown[] = [];
    const walk = (value: unknown): void => {
        if (Array.isArray(value)) {
            value.forEach(walk);
        } else if (value && typeof value === "object") {
            const record = value as Record<string, unknown>;
            if (record.key === key && "value" in record) {
                found.push(record.value);
            }
            Object.values(record).forEach(walk);
        }
    };
    for (const line of body.split("\n").filter((l) => l.trim() !== "")) {
        walk(JSON.parse(line));
    }
    return found;
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
            received[request.url ?? ""] = (received[request.url ?? ""] ?? "") + body + "\n";
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
    let ipMasked: Record<string, string>;
    const allStrings = (received: Record<string, string>) => Object.values(received).flatMap(strings);
    before(async () => {
        masked = await runThroughCollector(loadStack("dev"));
        unmasked = await runThroughCollector(loadStackConfig(minimalRaw({ collector: { redaction: { enabled: false } } }), { knownRunbooks }));
        ipMasked = await runThroughCollector(loadStackConfig(minimalRaw({ collector: { redaction: { maskIpAddresses: true } } }), { knownRunbooks }));
    });

    test("no secret, e-mail address or card number reaches the sinks: attributes of any type, URLs, span names, text and JSON log bodies", () => {
        const all = allStrings(masked);
        for (const [kind, secret] of Object.entries(SECRETS)) {
            const leaks = all.filter((text) => text.includes(secret));
            assert.deepEqual(leaks, [], `${kind} (${secret}) reached a sink`);
        }
        assert.deepEqual(all.filter((text) => text.includes("sk_live_") || text.includes("PRIVATE KEY")), [], "part of a bearer token or a key block reached a sink");
    });

    test("a credential in a URL or a text line loses its value and keeps its name; the rest of the URL and the line arrive", () => {
        const all = allStrings(masked);
        assert.ok(all.includes("https://shop.example/reset?token=****&lang=en"), all.filter((t) => t.includes("shop.example")).join("\n"));
        assert.ok(all.includes("access_token=****&page=2"));
        assert.ok(all.includes("GET /callback?code=****&state=cart"));
        assert.ok(all.includes("GET /blob?sv=2024-01-01&sig=****"));
        assert.ok(all.includes("api_key=****&page=2"), "a data point's attribute");
        const text = all.find((t) => t.startsWith("login retry for bob"));
        assert.equal(
            text,
            "login retry for bob password=**** attempt=3 at 12:30:45\nCookie: ****\nAuthorization: ****\n" +
                `authorization failed for bob from ${CLIENT_IPV4}, exit code 1, version 1.2.3`,
        );
        assert.deepEqual(attributeValues(masked["/v1/logs"], "http.request.header.x-debug"), [{ stringValue: "password=****" }]);
    });

    test("arrays and numbers are checked too: header arrays are masked where they hold a credential, ordinary ones and counts are kept", () => {
        const traces = masked["/v1/traces"];
        const first = (key: string) => attributeValues(traces, key)[0];
        assert.deepEqual(first("http.request.header.x-forwarded-auth"), { stringValue: '["****"]' });
        assert.deepEqual(first("http.request.header.from"), { stringValue: '["****"]' });
        assert.deepEqual(first("http.request.header.accept"), { arrayValue: { values: [{ stringValue: "application/json" }, { stringValue: "text/plain" }] } });
        assert.deepEqual(first("payment.reference"), { stringValue: "****" });
        assert.deepEqual(first("http.response.status_code"), { intValue: "200" });
        assert.deepEqual(first("gen_ai.usage.input_tokens"), { intValue: "1234" }, "a token count is not a token");
        assert.deepEqual(first("deploy.note"), { stringValue: "rotated ****" });
        assert.deepEqual(first("tls.bundle"), { stringValue: "****" });
    });

    test("what is not sensitive still arrives: the request id, the route, the log's message and the masked keys", () => {
        assert.ok(masked["/v1/traces"].includes(REQUEST_ID) && masked["/v1/logs"].includes(REQUEST_ID), "the request id was masked too");
        assert.ok(masked["/v1/metrics"].includes("/checkout"));
        assert.ok(masked["/v1/logs"].includes("login failed"));
        assert.ok(allStrings(masked).some((t) => t.includes('"password":"****"')), `the password field keeps its key: ${masked["/v1/logs"]}`);
        assert.ok(masked["/v1/traces"].includes("db.password"), "the attribute itself is kept, masked");
    });

    test("IP addresses arrive by default and are masked with maskIpAddresses, in attributes and log lines", () => {
        const kept = allStrings(masked);
        assert.ok(kept.includes(CLIENT_IPV4) && kept.includes(CLIENT_IPV6), "the default keeps addresses");
        const all = allStrings(ipMasked);
        assert.deepEqual(all.filter((t) => t.includes(CLIENT_IPV4) || t.includes(CLIENT_IPV6) || t.includes("2001:db8")), []);
        assert.deepEqual(attributeValues(ipMasked["/v1/traces"], "client.address")[0], { stringValue: "****" });
        assert.ok(all.some((t) => t.endsWith("from ****, exit code 1, version 1.2.3")), "a version number is not an address");
    });

    test("every signal carries deployment.environment = the stack's name", () => {
        for (const [signal, body] of Object.entries(masked)) {
            assert.match(body, /"key":"deployment\.environment","value":\{"stringValue":"dev"\}/, signal);
        }
    });

    test("an environment that turns redaction off gets the values through (the checks above can fail)", () => {
        const all = allStrings(unmasked).join("\n");
        for (const [kind, secret] of Object.entries(SECRETS)) {
            assert.ok(all.includes(secret), `${kind} (${secret}) did not arrive unmasked`);
        }
    });
});
