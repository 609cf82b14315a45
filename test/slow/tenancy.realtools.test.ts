/**
 * Tenants (`topology.tenants`), proven with the real Collector built from tools/otelcol: our rendered
 * gateway config runs, three teams' services send it logs and traces, and stand-ins for Loki's and
 * Tempo's distributors record the `X-Scope-OrgID` each request arrives with.
 *
 * Only addresses differ from what is deployed (test/dataflow/loopback.ts, differences 1 and 2): the
 * gateway config is rendered by the same function with loopback endpoints instead of the
 * distributors' Service names, and listens and queues on loopback and in scratch.
 * - Loki's stand-in is a plain HTTP server here: it sees the request's headers themselves.
 * - Tempo's is a second instance of our Collector (OTLP over gRPC needs a gRPC server): its `otlp`
 *   receiver keeps the request's metadata and the attributes processor copies `x-scope-orgid` onto
 *   every span (`from_context`), then it hands the spans on as OTLP/JSON to a recorder here.
 *
 * Metrics: the real Prometheus runs the rendered prometheus.yml with its per-tenant remote writes
 * pointed at a recorder standing in for Mimir's distributor (difference 1), its Kubernetes jobs
 * replaced by one static job per service that labels the series with the service, as the service's
 * scrape job does (difference 3). The recorder reads the tenant header and the label values.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import { after, before, describe, test } from "node:test";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import * as zlib from "zlib";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { renderCollectorGatewayConfig } from "../../render/collector";
import { toYaml } from "../../render/yaml";
import { freePorts, LOOPBACK, ManagedProcess, run, toolPath, waitUntil } from "../../scripts/dev";
import { LOOPBACK_PORT_NAMES, loopbackCollectorConfig, loopbackDirs, loopbackEndpoints, LoopbackPorts } from "../dataflow/loopback";
import { knownRunbooks } from "../support/fixtures";
import { unsnappy } from "../support/remoteWrite";
import { distributedRaw } from "../support/topology";

/** Three teams: two with a tenant of their own, one (storefront's) in the default tenant. */
const SERVICES = [
    { name: "checkout", team: "payments", tenant: "payments" },
    { name: "search", team: "discovery", tenant: "discovery-eu" },
    { name: "storefront", team: "web", tenant: "platform" },
] as const;

function tenantConfig() {
    return loadStackConfig(
        distributedRaw({
            services: SERVICES.map(({ name, team }) => ({ name, team, slos: [{ kind: "availability", objective: 99.9 }] })),
            topology: {
                mode: "distributed",
                mimir: { storage: { type: "s3", bucket: "metrics", endpoint: "minio.storage:9000", region: "eu-west-1", insecure: true, forcePathStyle: true } },
                tenants: { payments: { teams: ["payments"] }, "discovery-eu": { teams: ["discovery"] } },
            },
            // Every trace is kept, so what reaches the stand-in depends on routing alone.
            collector: { samplingPercent: 100 },
        }),
        { knownRunbooks },
    );
}

interface Received {
    readonly tenant: string | undefined;
    readonly body: Buffer;
}

/** Records every request's tenant header and body; answers as an OTLP endpoint does (an empty response). */
class HeaderRecorder {
    readonly requests: Received[] = [];
    private server?: http.Server;

    async start(port: number): Promise<void> {
        this.server = http.createServer((request, response) => {
            const chunks: Buffer[] = [];
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => {
                const tenant = request.headers["x-scope-orgid"];
                // The otlphttp exporter compresses with gzip by default.
                const raw = Buffer.concat(chunks);
                const body = request.headers["content-encoding"] === "gzip" ? zlib.gunzipSync(raw) : raw;
                this.requests.push({ tenant: Array.isArray(tenant) ? tenant.join(",") : tenant, body });
                const json = /json/.test(request.headers["content-type"] ?? "");
                response.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : "");
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

function traceSinkConfig(grpcPort: number, healthPort: number, recorderPort: number): string {
    return toYaml({
        extensions: { health_check: { endpoint: `${LOOPBACK}:${healthPort}` } },
        receivers: { otlp: { protocols: { grpc: { endpoint: `${LOOPBACK}:${grpcPort}`, include_metadata: true } } } },
        processors: { "attributes/tenant": { actions: [{ key: "received.tenant", from_context: "metadata.x-scope-orgid", action: "insert" }] } },
        exporters: {
            "otlphttp/recorder": {
                traces_endpoint: `http://${LOOPBACK}:${recorderPort}/v1/traces`,
                encoding: "json",
                compression: "none",
                sending_queue: { enabled: false },
                retry_on_failure: { enabled: false },
            },
        },
        service: {
            extensions: ["health_check"],
            telemetry: { logs: { level: "info" }, metrics: { level: "none" } },
            pipelines: { traces: { receivers: ["otlp"], processors: ["attributes/tenant"], exporters: ["otlphttp/recorder"] } },
        },
    });
}

const hex = (length: number, seed: number) => seed.toString(16).padStart(length, "0");

async function post(url: string, body: unknown): Promise<number> {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.status;
}

function resource(service: string) {
    return { attributes: [{ key: "service.name", value: { stringValue: service } }] };
}

/** The span attributes and service names in an OTLP/JSON traces request the trace sink recorded. */
function spansOf(body: Buffer): { service: string; tenant: string | undefined }[] {
    const doc = JSON.parse(body.toString("utf8")) as { resourceSpans?: any[] };
    return (doc.resourceSpans ?? []).flatMap((rs) => {
        const service = (rs.resource?.attributes ?? []).find((a: any) => a.key === "service.name")?.value?.stringValue as string;
        return (rs.scopeSpans ?? []).flatMap((ss: any) =>
            (ss.spans ?? []).map((span: any) => ({ service, tenant: (span.attributes ?? []).find((a: any) => a.key === "received.tenant")?.value?.stringValue as string | undefined })),
        );
    });
}

describe("tenants: the real Collector sends each team's telemetry with its tenant's X-Scope-OrgID", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-tenancy-"));
    const dirs = loopbackDirs(scratch);
    const logs = new HeaderRecorder();
    const traces = new HeaderRecorder();
    let ports: LoopbackPorts;
    let gatewayYaml: string;
    const processes: ManagedProcess[] = [];

    before(async () => {
        const numbers = await freePorts(LOOPBACK_PORT_NAMES.length);
        ports = Object.fromEntries(LOOPBACK_PORT_NAMES.map((name, i) => [name, numbers[i]])) as unknown as LoopbackPorts;
        const config = tenantConfig();
        gatewayYaml = loopbackCollectorConfig(toYaml(renderCollectorGatewayConfig(config, loopbackEndpoints(ports))), ports, dirs);
        fs.mkdirSync(dirs.collectorQueue, { recursive: true });
        fs.writeFileSync(path.join(scratch, "gateway.yaml"), gatewayYaml);
        // The trace sink's recorder port: the suite's sink recorder port is free for it.
        fs.writeFileSync(path.join(scratch, "trace-sink.yaml"), traceSinkConfig(ports.tempoOtlpGrpc, ports.traceSinkHealth, ports.sinkRecorder));
        await logs.start(ports.lokiHttp);
        await traces.start(ports.sinkRecorder);
        const otelcol = toolPath("otelcol");
        for (const [name, file, health] of [
            ["trace-sink", "trace-sink.yaml", ports.traceSinkHealth],
            ["gateway", "gateway.yaml", ports.collectorHealth],
        ] as const) {
            const process = new ManagedProcess({ name, binary: otelcol, args: [`--config=${path.join(scratch, file)}`], logFile: path.join(scratch, `${name}.log`), maxLifetimeMs: 300_000 });
            processes.push(process);
            process.start();
            await process.waitForHttp(`http://${LOOPBACK}:${health}/`, 60_000);
        }
    });

    after(async () => {
        for (const process of processes.reverse()) {
            await process.stop();
        }
        await logs.stop();
        await traces.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("the rendered gateway has one traces and one logs pipeline per tenant, each exporting with its tenant's header", () => {
        const doc = YAML.parse(gatewayYaml);
        assert.deepEqual(Object.keys(doc.service.pipelines).sort(), ["logs/discovery-eu", "logs/payments", "logs/platform", "metrics", "traces/discovery-eu", "traces/payments", "traces/platform"]);
        assert.deepEqual(doc.exporters["otlp/tempo-payments"].headers, { "X-Scope-OrgID": "payments" });
        assert.deepEqual(doc.exporters["otlphttp/loki-discovery-eu"].headers, { "X-Scope-OrgID": "discovery-eu" });
        assert.deepEqual(doc.exporters["otlphttp/loki-platform"].headers, { "X-Scope-OrgID": "platform" });
        assert.equal(run(toolPath("otelcol"), ["validate", `--config=${path.join(scratch, "gateway.yaml")}`]).code, 0);
    });

    test("promtool accepts prometheus.yml with a remote write per tenant (tenant header, keep/drop relabelling)", () => {
        const rendered = renderStack(tenantConfig(), readRunbooks());
        fs.writeFileSync(path.join(scratch, "prometheus.yml"), rendered.workloads.prometheus.config);
        // --syntax-only: the kubelet jobs' service-account token file exists only in the pod.
        const result = run(toolPath("promtool"), ["check", "config", "--syntax-only", "prometheus.yml"], scratch);
        assert.equal(result.code, 0, result.output);
        assert.equal(YAML.parse(rendered.workloads.prometheus.config).remote_write.length, 3);
    });

    test("each service's log records reach Loki's stand-in only under its team's tenant, and an unknown service's under the default tenant", async () => {
        const http = `http://${LOOPBACK}:${ports.collectorOtlpHttp}`;
        const now = String(BigInt(Date.now()) * 1_000_000n);
        for (const service of [...SERVICES.map((s) => s.name), "unlisted-batch-job"]) {
            const body = { resourceLogs: [{ resource: resource(service), scopeLogs: [{ logRecords: [{ timeUnixNano: now, body: { stringValue: `hello from ${service}` } }] }] }] };
            assert.equal(await post(`${http}/v1/logs`, body), 200);
        }
        const expected: Record<string, string> = { checkout: "payments", search: "discovery-eu", storefront: "platform", "unlisted-batch-job": "platform" };
        const seen = () => {
            const result: Record<string, string[]> = {};
            for (const request of logs.requests) {
                for (const service of Object.keys(expected)) {
                    if (request.body.includes(Buffer.from(`hello from ${service}`))) {
                        result[service] = [...(result[service] ?? []), request.tenant ?? "(none)"];
                    }
                }
            }
            return result;
        };
        await waitUntil("every service's log record at the Loki stand-in", () => Object.keys(seen()).length === Object.keys(expected).length, 60);
        // Each record arrived once, with its own tenant (never a copy under another tenant).
        assert.deepEqual(seen(), { checkout: ["payments"], search: ["discovery-eu"], storefront: ["platform"], "unlisted-batch-job": ["platform"] });
        assert.ok(logs.requests.every((request) => request.tenant !== undefined), "no request without a tenant");
    });

    test("each service's spans reach Tempo's stand-in (OTLP gRPC) only under its team's tenant", async () => {
        const http = `http://${LOOPBACK}:${ports.collectorOtlpHttp}`;
        const start = BigInt(Date.now()) * 1_000_000n;
        let seed = 1;
        for (const { name } of SERVICES) {
            const spans = Array.from({ length: 3 }, () => {
                const id = seed++;
                return { traceId: hex(32, id), spanId: hex(16, id), name: `${name} request`, kind: 2, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 5_000_000n) };
            });
            assert.equal(await post(`${http}/v1/traces`, { resourceSpans: [{ resource: resource(name), scopeSpans: [{ spans }] }] }), 200);
        }
        const all = () => traces.requests.flatMap((request) => spansOf(request.body));
        // Tail sampling decides after its decision wait (10 s) before anything leaves.
        await waitUntil("nine spans at the Tempo stand-in", () => all().length >= 9, 90);
        const byService: Record<string, string[]> = {};
        for (const span of all()) {
            byService[span.service] = [...new Set([...(byService[span.service] ?? []), span.tenant ?? "(none)"])];
        }
        assert.deepEqual(byService, { checkout: ["payments"], search: ["discovery-eu"], storefront: ["platform"] });
        assert.equal(all().length, 9, "each span once: no tenant's pipeline lets another's spans through");
    });
});

describe("tenants: the real Prometheus writes each team's series to Mimir under its tenant", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-tenancy-prom-"));
    const writes: { tenant: string | undefined; body: Buffer }[] = [];
    let recorder: http.Server;
    let prometheus: ManagedProcess;
    let exporterServer: http.Server;
    let prometheusUrl: string;

    before(async () => {
        const [recorderPort, prometheusPort, exporterPort] = await freePorts(3);
        // A target exposing one series; each service's job scrapes it and labels it with the service, as its scrape job does.
        exporterServer = http.createServer((_request, response) => response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("tenancy_probe_total 1\n"));
        await new Promise<void>((resolve) => exporterServer.listen(exporterPort, LOOPBACK, resolve));
        recorder = http.createServer((request, response) => {
            const chunks: Buffer[] = [];
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => {
                const tenant = request.headers["x-scope-orgid"];
                writes.push({ tenant: Array.isArray(tenant) ? tenant.join(",") : tenant, body: unsnappy(Buffer.concat(chunks)) });
                response.writeHead(204).end();
            });
        });
        await new Promise<void>((resolve) => recorder.listen(recorderPort, LOOPBACK, resolve));
        const rendered = renderStack(tenantConfig(), readRunbooks());
        // Difference 1 and 3: Mimir's distributor is the recorder; the Kubernetes jobs become one static job per service.
        const doc = YAML.parse(rendered.workloads.prometheus.config);
        for (const write of doc.remote_write) {
            write.url = `http://${LOOPBACK}:${recorderPort}/api/v1/push`;
            write.queue_config = { batch_send_deadline: "1s" };
        }
        delete doc.scrape_config_files;
        doc.scrape_configs = SERVICES.map(({ name }) => ({
            job_name: `probe-${name}`,
            scrape_interval: "1s",
            static_configs: [{ targets: [`${LOOPBACK}:${exporterPort}`], labels: { service: name } }],
        }));
        fs.writeFileSync(path.join(scratch, "prometheus.yml"), toYaml(doc));
        // The deployed flags (the OTLP receiver included), with paths and the listen address relocated (difference 2).
        const relocated: Record<string, string> = {
            "--config.file": path.join(scratch, "prometheus.yml"),
            "--storage.tsdb.path": path.join(scratch, "data"),
            "--web.listen-address": `${LOOPBACK}:${prometheusPort}`,
        };
        const args = rendered.workloads.prometheus.args.map((arg) => {
            const flag = Object.keys(relocated).find((name) => arg.startsWith(`${name}=`));
            return flag ? `${flag}=${relocated[flag]}` : arg;
        });
        prometheusUrl = `http://${LOOPBACK}:${prometheusPort}`;
        prometheus = new ManagedProcess({
            name: "prometheus",
            binary: toolPath("prometheus"),
            args,
            logFile: path.join(scratch, "prometheus.log"),
            maxLifetimeMs: 300_000,
        });
        prometheus.start();
        await prometheus.waitForHttp(`http://${LOOPBACK}:${prometheusPort}/-/ready`, 60_000);
    });

    after(async () => {
        await prometheus?.stop();
        await new Promise((resolve) => recorder?.close(resolve));
        await new Promise((resolve) => exporterServer?.close(resolve));
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("an OTLP push of search's metrics (service_name) reaches Mimir only as discovery-eu", async () => {
        const now = String(BigInt(Date.now()) * 1_000_000n);
        const body = {
            resourceMetrics: [
                {
                    resource: { attributes: [{ key: "service.name", value: { stringValue: "search" } }] },
                    scopeMetrics: [{ metrics: [{ name: "tenancy_otlp_probe", gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: now }] } }] }],
                },
            ],
        };
        assert.equal(await post(`${prometheusUrl}/api/v1/otlp/v1/metrics`, body), 200);
        const tenants = () => [...new Set(writes.filter((w) => w.body.includes(Buffer.from("tenancy_otlp_probe"))).map((w) => w.tenant ?? "(none)"))];
        await waitUntil("the pushed series written", () => tenants().length > 0, 60);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        assert.deepEqual(tenants(), ["discovery-eu"]);
    });

    test("checkout's series reach Mimir only as payments, search's only as discovery-eu, storefront's only as platform", async () => {
        const tenantsOf = (service: string) => [...new Set(writes.filter((w) => w.body.includes(Buffer.from(`probe-${service}`))).map((w) => w.tenant ?? "(none)"))].sort();
        await waitUntil("each service's series written", () => SERVICES.every(({ name }) => tenantsOf(name).length > 0), 60);
        // Another second of writes: a series sent to a second tenant would show by now.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        assert.deepEqual(Object.fromEntries(SERVICES.map(({ name }) => [name, tenantsOf(name)])), { checkout: ["payments"], search: ["discovery-eu"], storefront: ["platform"] });
        assert.ok(writes.every((w) => w.tenant !== undefined), "every write names a tenant");
    });
});
