/**
 * HA metrics ingest (issue 24, item 1), the Prometheus end proven with the real Prometheus built
 * from tools/prometheus: the distributed stack's HA pair runs as two processes of the rendered
 * prometheus.yml and flags, each with its pod name in the environment variable the StatefulSet
 * gives it, and a recorder standing in for Mimir's distributor decodes every remote-write request.
 * Mimir's HA tracker keys on exactly these labels (`cluster`, `__replica__`: its defaults, which the
 * rendered mimir.yaml names); Mimir itself is AGPL and not run here (test/slow/haIngest.mock.test.ts checks
 * its rendered settings, test/upstreamKeys.test.ts their names against the 3.x reference).
 *
 * Differences from the deployment, as in test/slow/tenancy.realtools.test.ts: Mimir's distributor is the
 * recorder (1), paths and listen addresses are relocated (2), and the Kubernetes jobs become one
 * static job (3). The OTLP push goes to both replicas, as the Collector's gateways send it.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import { after, before, describe, test } from "node:test";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { toYaml } from "../../render/yaml";
import { freePorts, LOOPBACK, ManagedProcess, toolPath, waitUntil } from "../../scripts/dev";
import { knownRunbooks } from "../support/fixtures";
import { seriesLabels, unsnappy } from "../support/remoteWrite";
import { distributedRaw } from "../support/topology";

const REPLICAS = ["prometheus-0", "prometheus-1"];

describe("HA ingest: the real Prometheus pair labels every forwarded series with its pair and its own pod name", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-ha-ingest-"));
    const series: Record<string, string>[] = [];
    const processes: ManagedProcess[] = [];
    const urls: string[] = [];
    let recorder: http.Server;
    let exporter: http.Server;
    const rendered = renderStack(loadStackConfig(distributedRaw(), { knownRunbooks }), readRunbooks());

    before(async () => {
        const [recorderPort, exporterPort, ...prometheusPorts] = await freePorts(2 + REPLICAS.length);
        exporter = http.createServer((_request, response) => response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("ha_probe_total 1\n"));
        await new Promise<void>((resolve) => exporter.listen(exporterPort, LOOPBACK, resolve));
        recorder = http.createServer((request, response) => {
            const chunks: Buffer[] = [];
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => {
                series.push(...seriesLabels(unsnappy(Buffer.concat(chunks))));
                response.writeHead(204).end();
            });
        });
        await new Promise<void>((resolve) => recorder.listen(recorderPort, LOOPBACK, resolve));
        const doc = YAML.parse(rendered.workloads.prometheus.config);
        for (const write of doc.remote_write) {
            write.url = `http://${LOOPBACK}:${recorderPort}/api/v1/push`;
            write.queue_config = { batch_send_deadline: "1s" };
        }
        delete doc.scrape_config_files;
        doc.scrape_configs = [{ job_name: "ha-probe", scrape_interval: "1s", static_configs: [{ targets: [`${LOOPBACK}:${exporterPort}`] }] }];
        fs.writeFileSync(path.join(scratch, "prometheus.yml"), toYaml(doc));
        const podNameEnv = rendered.workloads.prometheus.podNameEnv;
        assert.equal(podNameEnv, "POD_NAME", "the StatefulSet gives each pod its name in POD_NAME");
        REPLICAS.forEach((pod, i) => {
            const relocated: Record<string, string> = {
                "--config.file": path.join(scratch, "prometheus.yml"),
                "--storage.tsdb.path": path.join(scratch, `data-${pod}`),
                "--web.listen-address": `${LOOPBACK}:${prometheusPorts[i]}`,
            };
            const args = rendered.workloads.prometheus.args.map((arg) => {
                const flag = Object.keys(relocated).find((name) => arg.startsWith(`${name}=`));
                return flag ? `${flag}=${relocated[flag]}` : arg;
            });
            const process_ = new ManagedProcess({ name: pod, binary: toolPath("prometheus"), args, env: { ...process.env, [podNameEnv]: pod }, logFile: path.join(scratch, `${pod}.log`), maxLifetimeMs: 300_000 });
            processes.push(process_);
            urls.push(`http://${LOOPBACK}:${prometheusPorts[i]}`);
            process_.start();
        });
        await Promise.all(processes.map((p, i) => p.waitForHttp(`${urls[i]}/-/ready`, 60_000)));
    });

    after(async () => {
        await Promise.all(processes.map((p) => p.stop()));
        await new Promise((resolve) => recorder?.close(resolve));
        await new Promise((resolve) => exporter?.close(resolve));
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("each replica's scraped series reach Mimir labelled cluster=observability/prometheus and __replica__=<its pod>", async () => {
        const scraped = () => series.filter((labels) => labels.__name__ === "ha_probe_total");
        await waitUntil("both replicas' scraped series written", () => new Set(scraped().map((labels) => labels.__replica__)).size === REPLICAS.length, 60);
        const instance = scraped()[0].instance;
        // By hand: the job's labels, the stack's own external labels (dev stack, dev profile), the pair, the pod.
        const firstOf = (pod: string) => scraped().find((labels) => labels.__replica__ === pod);
        assert.deepEqual(
            REPLICAS.map(firstOf),
            REPLICAS.map((pod) => ({ __name__: "ha_probe_total", instance, job: "ha-probe", cluster: "observability/prometheus", __replica__: pod, environment: "dev", stack: "dev" })),
        );
        // Every sample of the series carries the same labels: one label set per replica.
        assert.equal(new Set(scraped().map((labels) => JSON.stringify(Object.entries(labels).sort()))).size, REPLICAS.length);
    });

    test("an OTLP push sent to both replicas (as the gateways do) reaches Mimir from each, so the elected one always has it", async () => {
        const now = String(BigInt(Date.now()) * 1_000_000n);
        const body = {
            resourceMetrics: [
                {
                    resource: { attributes: [{ key: "service.name", value: { stringValue: "checkout" } }] },
                    scopeMetrics: [{ metrics: [{ name: "ha_otlp_probe", gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: now }] } }] }],
                },
            ],
        };
        for (const url of urls) {
            const response = await fetch(`${url}/api/v1/otlp/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
            await response.arrayBuffer();
            assert.equal(response.status, 200);
        }
        const pushed = () => series.filter((labels) => labels.__name__ === "ha_otlp_probe");
        await waitUntil("the pushed series written by both replicas", () => new Set(pushed().map((labels) => labels.__replica__)).size === REPLICAS.length, 60);
        assert.deepEqual([...new Set(pushed().map((labels) => `${labels.cluster} ${labels.__replica__}`))].sort(), ["observability/prometheus prometheus-0", "observability/prometheus prometheus-1"]);
    });

    test("no series leaves either replica without both HA labels (Mimir would take it as a third, unpaired writer)", () => {
        assert.ok(series.length > 0);
        const unlabelled = series.filter((labels) => labels.cluster !== "observability/prometheus" || !REPLICAS.includes(labels.__replica__));
        assert.deepEqual(unlabelled, []);
    });
});
