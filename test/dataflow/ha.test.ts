/**
 * The Prometheus HA pair is a pair: with `prometheus.replicas: 2`, the real gateway Collector (its
 * rendered config, one exporter and queue per replica) pushes the demo service's OTLP metrics to two
 * real Prometheus processes, and both hold every series. Neither replica then raises ServiceDown
 * (`absent_over_time` of the service's requests), which a replica missing half the series would.
 *
 * Stack config for this run (ordinary config keys, not overrides):
 *   prometheus.replicas           2   the prod pair
 *   prometheus.evaluationInterval 5s  rules react within seconds instead of 30 s
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { eventually, getJson, untilQuiet, waitUntil } from "../../scripts/dev/polling";
import { DEMO_METRIC_INTERVAL_MS, LoopbackStack } from "./harness";
import { batchTimeoutMs, promQuery } from "./backends";

const stack = new LoopbackStack();
const runId = Date.now().toString(36);

/** Every series a replica holds for the demo's `api` service, as sorted label sets. */
async function apiSeries(prometheus: string): Promise<string[]> {
    const params = new URLSearchParams({ "match[]": '{service_name="api"}', start: String(Math.floor(Date.now() / 1000) - 600) });
    const body = await getJson<{ data: Record<string, string>[] }>(`${prometheus}/api/v1/series?${params}`);
    return body.data.map((labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))).sort();
}

/**
 * Whether a replica has evaluated every ServiceDown rule three times since `since`: the last
 * evaluation is at least two group intervals after it (Prometheus's rules API).
 */
async function serviceDownEvaluatedThrice(prometheus: string, since: number): Promise<boolean> {
    const body = await getJson<{ data: { groups: { interval: number; rules: { name: string; lastEvaluation: string }[] }[] } }>(`${prometheus}/api/v1/rules?type=alert`);
    const rules = body.data.groups.flatMap((group) => group.rules.filter((rule) => rule.name === "ServiceDown").map((rule) => ({ intervalMs: group.interval * 1000, last: Date.parse(rule.lastEvaluation) })));
    return rules.length > 0 && rules.every((rule) => rule.last >= since + 2 * rule.intervalMs);
}

describe("the Prometheus HA pair holds every pushed series twice", { timeout: 8 * 60_000 }, () => {
    before(async () => {
        await stack.render({ config: { prometheus: { replicas: 2, evaluationInterval: "5s" } } });
        console.log(`# scratch dir (configs, data, process logs): ${stack.root}`);
    });

    after(async () => {
        await stack.shutdown();
    });

    test("the rendered gateway has one exporter per replica", () => {
        const gateway = parse(stack.rendered.workloads["otel-collector"].config);
        assert.deepEqual(gateway.service.pipelines.metrics.exporters, ["otlphttp/prometheus-0", "otlphttp/prometheus-1"]);
        assert.equal(gateway.exporters["otlphttp/prometheus-0"].endpoint, `${stack.url("prometheus")}/api/v1/otlp`);
        assert.equal(gateway.exporters["otlphttp/prometheus-1"].endpoint, `${stack.url("prometheusReplica2")}/api/v1/otlp`);
    });

    test("both replicas receive every series of the demo service, and neither raises ServiceDown", async () => {
        for (const component of ["prometheus", "prometheus-replica-2", "log-sink", "trace-sink", "collector"] as const) {
            await stack.start(component);
        }
        await stack.startDemo();
        for (let i = 0; i < 20; i++) {
            const query = new URLSearchParams({ delay_ms: "10", status: i % 5 === 0 ? "500" : "200", batch: `ha-${runId}` });
            await fetch(`${stack.url("demo")}/checkout?${query}`, { signal: AbortSignal.timeout(30_000) });
        }
        await getJson(`${stack.url("demo")}/flush`, { method: "POST" });
        const replicas = [stack.url("prometheus"), stack.url("prometheusReplica2")];
        const requests = 'http_server_request_duration_seconds_count{service_name="api"}';
        await eventually("the api's request counter on both replicas", 120_000, async () => {
            const found = await Promise.all(replicas.map((url) => promQuery(url, requests)));
            return found.every((result) => result.length > 0) ? true : undefined;
        });
        // A series pushed late reaches both before comparing: neither replica's series change for an
        // export round (the demo's export interval and the gateway's batch timeout).
        const exportRoundMs = DEMO_METRIC_INTERVAL_MS + batchTimeoutMs(stack.rendered.workloads["otel-collector"].config);
        const [first, second] = await untilQuiet("the api's series on both replicas", exportRoundMs, 60_000, () => Promise.all(replicas.map(apiSeries)));
        const comparedAt = Date.now();
        console.log(`# api series: replica 1 holds ${first.length}, replica 2 holds ${second.length}`);
        assert.ok(first.length > 0);
        assert.deepEqual(second, first, "the same series on both replicas");
        // Three evaluations after the data arrived: no ServiceDown for api, neither pending nor firing.
        await waitUntil("three evaluations of ServiceDown on both replicas", async () => (await Promise.all(replicas.map((url) => serviceDownEvaluatedThrice(url, comparedAt)))).every(Boolean), 60);
        for (const url of replicas) {
            const alerts = await promQuery(url, 'ALERTS{alertname="ServiceDown", service="api"}');
            assert.deepEqual(alerts.map((a) => a.metric.alertstate), [], `${url}: ServiceDown for api`);
        }
    });
});
