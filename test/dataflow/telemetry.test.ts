/**
 * Telemetry actually flows: the real Prometheus, Alertmanager, Loki, Tempo and Collector gateway,
 * run on 127.0.0.1 from the rendered dev configs (plus the one override step of
 * render/overrides.ts), fed by the demo service over OTLP. See test/dataflow/README.md.
 *
 * Stack config for this run (ordinary config keys, not overrides):
 *   prometheus.evaluationInterval 5s  rules react within seconds instead of 30 s
 *   collector.samplingPercent     50  enough kept traces out of a few hundred for a sampling check
 *   alertmanager.webhookUrl           the test's webhook receiver
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type {} from "../../demo-service/server";
import { BATCH_ATTRIBUTE, DemoResponse, DemoStats, LOGS_PER_REQUEST, SPANS_PER_REQUEST } from "../../demo-service/contract";
import { TRACE_ID_REGEX } from "../../render/datasources";
import { linksFor } from "../../alerts/links";
import { lokiLines, mapLimit, promExemplars, promQuery, tempoSearch, tempoTraceSpans } from "./backends";
import { eventually, getJson, LoopbackStack, runTool, sleep, toolBinary } from "./harness";

const SAMPLING_PERCENT = 50;
const EVALUATION_INTERVAL = "5s";
const OUTAGE_MS = 60_000;
/** Loki's structured-metadata name of the demo's batch attribute (OTLP attribute names are sanitised). */
const BATCH_LABEL = BATCH_ATTRIBUTE.replace(/\./g, "_");

const stack = new LoopbackStack();
const runId = Date.now().toString(36);
const batch = (name: string) => `${name}-${runId}`;

async function checkout(params: { delayMs?: number; status?: number; batch: string }): Promise<DemoResponse> {
    const query = new URLSearchParams({ delay_ms: String(params.delayMs ?? 15), status: String(params.status ?? 200), batch: params.batch });
    const response = await fetch(`${stack.url("demo")}/checkout?${query}`, { signal: AbortSignal.timeout(30_000) });
    return (await response.json()) as DemoResponse;
}

const demoFlush = () => getJson<DemoStats>(`${stack.url("demo")}/flush`, { method: "POST" });

async function lokiCount(batchName: string): Promise<number> {
    return lokiInstant(`sum(count_over_time({service_name="api"} | ${BATCH_LABEL}="${batchName}" [30m]))`);
}

async function lokiInstant(logql: string): Promise<number> {
    const params = new URLSearchParams({ query: logql, time: String(Date.now() / 1000) });
    const body = await getJson<{ data: { result: { value: [number, string] }[] } }>(`${stack.url("loki")}/loki/api/v1/query?${params}`);
    return Number(body.data.result[0]?.value[1] ?? 0);
}

/** How many of `traceIds` Tempo has with all their spans. */
async function tracesComplete(traceIds: readonly string[]): Promise<number> {
    const spans = await mapLimit(traceIds, 8, (id) => tempoTraceSpans(stack.url("tempo"), id));
    return spans.filter((n) => n === SPANS_PER_REQUEST).length;
}

/** Background error burst (all 500s) that drives the alert scenario while the other tests run. */
const burst = { stop: false, sent: 0, done: Promise.resolve() };

function startErrorBurst(durationMs: number): void {
    const until = Date.now() + durationMs;
    burst.done = (async () => {
        while (!burst.stop && Date.now() < until) {
            await checkout({ status: 500, batch: batch("burst") }).catch(() => undefined);
            burst.sent++;
            await sleep(500);
        }
    })();
}

describe("telemetry flows through the real backends", { timeout: 14 * 60_000 }, () => {
    before(async () => {
        await stack.render({ config: { prometheus: { evaluationInterval: EVALUATION_INTERVAL }, collector: { samplingPercent: SAMPLING_PERCENT } } });
        console.log(`# scratch dir (configs, data, process logs): ${stack.root}`);
    });

    after(async () => {
        burst.stop = true;
        await burst.done;
        await stack.shutdown();
    });

    test("each backend's own config check accepts its rendered config", () => {
        const paths = stack.configPaths;
        const checks: [string, string, string[], RegExp?][] = [
            ["otelcol validate", toolBinary("otelcol"), ["validate", `--config=${paths.collector}`]],
            ["promtool check config", toolBinary("promtool"), ["check", "config", paths.prometheus], /SUCCESS/],
            ["amtool check-config", toolBinary("amtool"), ["check-config", paths.alertmanager], /SUCCESS/],
            ["loki -verify-config", toolBinary("loki"), ["-verify-config", `-config.file=${paths.loki}`]],
        ];
        for (const [name, binary, args, expected] of checks) {
            const result = runTool(binary, args);
            assert.equal(result.code, 0, `${name}: ${result.output}`);
            if (expected) {
                assert.match(result.output, expected, name);
            }
        }
        // Tempo has no config check: the next test starts it and waits for /ready.
    });

    test("Prometheus, Alertmanager, Loki, Tempo and the Collector start and become ready", { timeout: 4 * 60_000 }, async () => {
        const names = ["prometheus", "alertmanager", "loki", "tempo", "collector"];
        const timings = await Promise.all(names.map(async (name) => `${name} ${await stack.start(name)}ms`));
        await stack.startDemo();
        console.log(`# ready: ${timings.join(", ")}`);
        // Started now, so the alert has fired by the time its test looks (see "an error burst ...").
        startErrorBurst(150_000);
    });

    test("a request's trace, logs and exemplar-carrying metrics reach Tempo, Loki and Prometheus", { timeout: 3 * 60_000 }, async () => {
        const name = batch("basic");
        // An error request: the tail sampler keeps every error trace, so it must reach Tempo.
        const requests = [await checkout({ status: 500, batch: name }), ...(await Promise.all(Array.from({ length: 10 }, () => checkout({ batch: name }))))];
        await demoFlush();
        const { trace_id: traceId, request_id: requestId } = requests[0];

        const spans = await eventually(`trace ${traceId} in Tempo`, 90_000, async () => ((await tempoTraceSpans(stack.url("tempo"), traceId)) === SPANS_PER_REQUEST ? SPANS_PER_REQUEST : undefined));
        assert.equal(spans, SPANS_PER_REQUEST);
        const found = await eventually("the trace through a TraceQL search", 60_000, async () => {
            const ids = await tempoSearch(stack.url("tempo"), `{ resource.service.name = "api" && span.request_id = "${requestId}" && status = error }`);
            return ids.includes(traceId) ? ids : undefined;
        });
        assert.deepEqual(found, [traceId]);

        const lines = await eventually(`log lines of trace ${traceId} in Loki`, 60_000, async () => {
            const result = await lokiLines(stack.url("loki"), `{service_name="api"} | trace_id="${traceId}"`);
            return result.length === LOGS_PER_REQUEST ? result : undefined;
        });
        for (const { line, labels } of lines) {
            // What Grafana's derived field extracts from the line, and what the structured metadata says.
            assert.equal(new RegExp(TRACE_ID_REGEX).exec(line)?.[1], traceId, line);
            assert.equal(labels.trace_id, traceId);
            assert.equal(labels.request_id, requestId);
            const json = JSON.parse(line);
            assert.equal(json.service, "api");
            assert.equal(json.request_id, requestId);
            assert.match(json.span_id, /^[0-9a-f]{16}$/);
        }

        const counts = await eventually("request metrics in Prometheus", 60_000, async () => {
            const result = await promQuery(stack.url("prometheus"), 'sum by (http_response_status_code) (http_server_request_duration_seconds_count{service_name="api"})');
            return result.length >= 2 ? result : undefined;
        });
        assert.ok(counts.some((series) => series.metric.http_response_status_code === "500"));
        const ourIds = new Set(requests.map((r) => r.trace_id));
        const exemplars = await eventually("exemplars of our requests", 60_000, async () => {
            const result = await promExemplars(stack.url("prometheus"), 'http_server_request_duration_seconds_bucket{service_name="api"}');
            const ours = result.filter((e) => ourIds.has(e.labels.trace_id));
            return ours.length > 0 ? ours : undefined;
        });
        for (const exemplar of exemplars) {
            assert.match(exemplar.labels.span_id, /^[0-9a-f]{16}$/);
        }
        console.log(`# basic: trace ${traceId} (${spans} spans), ${lines.length} log lines, ${exemplars.length} exemplars of this batch`);
    });

    test("scenario: a slow request is found from the latency metric's exemplar, then its trace, then its logs", { timeout: 3 * 60_000 }, async () => {
        const name = batch("slow");
        const [slow] = await Promise.all([checkout({ delayMs: 2600, batch: name }), ...Array.from({ length: 8 }, () => checkout({ batch: name }))]);
        await demoFlush();
        // What an on-call engineer does in Grafana: exemplars of the latency histogram above 2s.
        const exemplar = await eventually("an exemplar slower than 2s", 60_000, async () => {
            const result = await promExemplars(stack.url("prometheus"), 'http_server_request_duration_seconds_bucket{service_name="api"}');
            // Only this test has sent requests slower than 2s so far.
            return result.find((e) => e.value > 2);
        });
        const traceId = exemplar.labels.trace_id;
        assert.equal(traceId, slow.trace_id, "the slow exemplar points at the slow request's trace");
        // The slow trace is kept by the tail sampler's latency policy.
        const spans = await eventually(`slow trace ${traceId} in Tempo`, 90_000, async () => ((await tempoTraceSpans(stack.url("tempo"), traceId)) === SPANS_PER_REQUEST ? SPANS_PER_REQUEST : undefined));
        assert.equal(spans, SPANS_PER_REQUEST);
        // Search covers a trace once the ingester has cut it from the live traces (trace_idle_period).
        const slowInTraceQL = await eventually("the slow trace through a TraceQL duration search", 60_000, async () => {
            const ids = await tempoSearch(stack.url("tempo"), `{ resource.service.name = "api" && kind = server && duration > 2s && span.${BATCH_ATTRIBUTE} = "${name}" }`);
            return ids.length > 0 ? ids : undefined;
        });
        assert.deepEqual(slowInTraceQL, [traceId]);
        const lines = await eventually("the slow request's logs", 60_000, async () => {
            const result = await lokiLines(stack.url("loki"), `{service_name="api"} | trace_id="${traceId}"`);
            return result.length === LOGS_PER_REQUEST ? result : undefined;
        });
        const finished = lines.map(({ line }) => JSON.parse(line)).find((json) => json.msg === "checkout finished");
        assert.ok(finished.duration_ms >= 2600, `logged duration ${finished.duration_ms}ms`);
        console.log(`# slow: exemplar ${exemplar.value.toFixed(2)}s → trace ${traceId} → ${lines.length} log lines (${finished.duration_ms}ms)`);
    });

    test("Tempo's metrics-generator writes service-graph and span-metrics series to Prometheus", { timeout: 3 * 60_000 }, async () => {
        const graph = await eventually("traces_service_graph_request_total{client=api, server=ledger}", 150_000, async () => {
            const result = await promQuery(stack.url("prometheus"), 'traces_service_graph_request_total{client="api", server="ledger"}');
            return result.length > 0 ? result : undefined;
        }, 3000);
        const spanMetrics = await eventually("traces_spanmetrics_calls_total for api", 60_000, async () => {
            const result = await promQuery(stack.url("prometheus"), 'traces_spanmetrics_calls_total{service="api"}');
            return result.length > 0 ? result : undefined;
        }, 3000);
        const latency = await promQuery(stack.url("prometheus"), 'traces_spanmetrics_latency_bucket{service="api"}');
        assert.ok(latency.length > 0, "traces_spanmetrics_latency_bucket");
        assert.equal(graph[0].metric.source, "tempo", "the generator's external label");
        console.log(`# metrics-generator: ${graph.length} service-graph series, ${spanMetrics.length} span-metrics call series`);
    });

    test(`tail sampling keeps every error and slow trace and ${SAMPLING_PERCENT}% of the rest`, { timeout: 4 * 60_000 }, async () => {
        const name = batch("sampling");
        const plan = [
            ...Array.from({ length: 30 }, () => ({ status: 500, delayMs: 15 })),
            ...Array.from({ length: 10 }, () => ({ status: 200, delayMs: 2300 })),
            ...Array.from({ length: 300 }, () => ({ status: 200, delayMs: 15 })),
        ];
        const responses = await mapLimit(plan, 20, (p) => checkout({ ...p, batch: name }));
        const stats = await demoFlush();
        assert.equal(stats.spans.accepted[name], plan.length * SPANS_PER_REQUEST, "the collector accepted every span");
        const errors = responses.filter((r) => r.status === 500).map((r) => r.trace_id);
        const slow = responses.filter((r) => r.status === 200 && r.duration_ms > 2000).map((r) => r.trace_id);
        const ordinary = responses.filter((r) => r.status === 200 && r.duration_ms < 2000).map((r) => r.trace_id);
        assert.equal(slow.length, 10);

        // Wait for the tail sampler's decisions (decision_wait 10s) and the batch to reach Tempo.
        await eventually("every error and slow trace in Tempo", 120_000, async () => ((await tracesComplete([...errors, ...slow])) === errors.length + slow.length ? true : undefined), 3000);
        await sleep(5000);
        const keptErrors = await tracesComplete(errors);
        const keptSlow = await tracesComplete(slow);
        const keptOrdinary = await tracesComplete(ordinary);
        const share = keptOrdinary / ordinary.length;
        const p = SAMPLING_PERCENT / 100;
        // Four standard deviations of a binomial share: fails by chance about once in 16,000 runs.
        const tolerance = 4 * Math.sqrt((p * (1 - p)) / ordinary.length);
        console.log(
            `# sampling: errors ${keptErrors}/${errors.length}, slow ${keptSlow}/${slow.length}, ordinary ${keptOrdinary}/${ordinary.length} = ${(share * 100).toFixed(1)}% (configured ${SAMPLING_PERCENT}% ± ${(tolerance * 100).toFixed(1)})`,
        );
        assert.equal(keptErrors, errors.length);
        assert.equal(keptSlow, slow.length);
        assert.ok(Math.abs(share - p) <= tolerance, `kept ${(share * 100).toFixed(1)}% of ordinary traces, configured ${SAMPLING_PERCENT}%`);
    });

    test("scenario: an error burst fires an alert through Prometheus and Alertmanager to the webhook, with runbook and dashboard links", { timeout: 6 * 60_000 }, async () => {
        const links = linksFor(stack.config);
        const alert = await eventually("an api page alert at the webhook", 5 * 60_000, async () => {
            for (const notification of stack.webhook.notifications) {
                const firing = (notification.alerts ?? []).find(
                    (a: any) => a.status === "firing" && a.labels?.service === "api" && ["FastBudgetBurn", "HighErrorRate"].includes(a.labels?.alertname),
                );
                if (firing) {
                    return firing;
                }
            }
            return undefined;
        }, 2000);
        burst.stop = true;
        await burst.done;
        assert.equal(alert.labels.severity, "page");
        assert.equal(alert.annotations.runbook_url, links.runbookUrl(alert.labels.alertname));
        assert.match(alert.annotations.dashboard_url, new RegExp(`^${stack.config.grafana.url}/d/api-(slo|golden)\\b`));
        assert.ok(alert.annotations.summary, "summary");
        console.log(`# alert: ${alert.labels.alertname} (${alert.labels.severity}) after ${burst.sent} burst requests; runbook ${alert.annotations.runbook_url}; dashboard ${alert.annotations.dashboard_url}`);
    });

    test("no loss: spans and log lines sent while Loki and Tempo are down for 60 s all arrive after they return", { timeout: 6 * 60_000 }, async () => {
        const name = batch("outage");
        await Promise.all([stack.stop("loki"), stack.stop("tempo")]);
        // Error requests: the tail sampler keeps every one, so the expected count is exact.
        const traceIds: string[] = [];
        const until = Date.now() + OUTAGE_MS;
        while (Date.now() < until) {
            traceIds.push((await checkout({ status: 500, batch: name })).trace_id);
            await sleep(1000);
        }
        const stats = await demoFlush();
        const sentSpans = traceIds.length * SPANS_PER_REQUEST;
        const sentLogs = traceIds.length * LOGS_PER_REQUEST;
        assert.equal(stats.spans.accepted[name], sentSpans, "the collector accepted every span during the outage");
        assert.equal(stats.logs.accepted[name], sentLogs, "the collector accepted every log line during the outage");
        await Promise.all([stack.start("loki"), stack.start("tempo")]);
        const logs = await eventually("every outage log line in Loki", 150_000, async () => ((await lokiCount(name)) >= sentLogs ? lokiCount(name) : undefined), 3000);
        const complete = await eventually("every outage trace in Tempo", 150_000, async () => {
            const n = await tracesComplete(traceIds);
            return n === traceIds.length ? n : undefined;
        }, 3000);
        console.log(`# outage (${OUTAGE_MS / 1000}s): spans sent ${sentSpans}, arrived ${complete * SPANS_PER_REQUEST}; log lines sent ${sentLogs}, arrived ${logs}`);
        assert.equal(logs, sentLogs);
        assert.equal(complete * SPANS_PER_REQUEST, sentSpans);
    });

    test("no loss: after a SIGKILL mid-stream the Collector's persistent queue delivers what it had accepted", { timeout: 6 * 60_000 }, async () => {
        const queued = batch("queued");
        const inflight = batch("inflight");
        // With Loki and Tempo down, accepted data stays in the Collector's file-backed queue.
        await Promise.all([stack.stop("loki"), stack.stop("tempo")]);
        const queuedIds = (await mapLimit(Array.from({ length: 30 }), 5, () => checkout({ status: 500, batch: queued }))).map((r) => r.trace_id);
        const accepted = await demoFlush();
        assert.equal(accepted.spans.accepted[queued], queuedIds.length * SPANS_PER_REQUEST);
        assert.equal(accepted.logs.accepted[queued], queuedIds.length * LOGS_PER_REQUEST);
        // Spans wait decision_wait (10s) in the tail sampler's memory and up to 2s in the batch
        // processor before they reach the queue; only then are they on disk.
        await sleep(15_000);

        const inflightIds: string[] = [];
        let streaming = true;
        const stream = (async () => {
            while (streaming) {
                const response = await checkout({ status: 500, batch: inflight }).catch(() => undefined);
                if (response) {
                    inflightIds.push(response.trace_id);
                }
                await sleep(200);
            }
        })();
        await sleep(3000);
        await stack.stop("collector", "SIGKILL");
        await sleep(3000);
        await stack.start("collector");
        streaming = false;
        await stream;
        await Promise.all([stack.start("loki"), stack.start("tempo")]);
        const afterRestart = await demoFlush();

        const logs = await eventually("every queued log line in Loki", 150_000, async () => ((await lokiCount(queued)) >= queuedIds.length * LOGS_PER_REQUEST ? lokiCount(queued) : undefined), 3000);
        const complete = await eventually("every queued trace in Tempo", 150_000, async () => {
            const n = await tracesComplete(queuedIds);
            return n === queuedIds.length ? n : undefined;
        }, 3000);
        await sleep(15_000);
        const inflightTraces = await tracesComplete(inflightIds);
        const inflightLogs = await lokiCount(inflight);
        console.log(
            `# collector SIGKILL: queued before the kill: spans ${queuedIds.length * SPANS_PER_REQUEST} accepted, ${complete * SPANS_PER_REQUEST} arrived; ` +
                `log lines ${queuedIds.length * LOGS_PER_REQUEST} accepted, ${logs} arrived`,
        );
        console.log(
            `# collector SIGKILL: streamed around the kill (${inflightIds.length} requests): spans accepted ${afterRestart.spans.accepted[inflight] ?? 0} ` +
                `(refused ${afterRestart.spans.failed[inflight] ?? 0}), complete traces arrived ${inflightTraces}; log lines accepted ${afterRestart.logs.accepted[inflight] ?? 0}, arrived ${inflightLogs} ` +
                "(accepted less than ~12 s before the kill were still in the tail sampler's or batch processor's memory)",
        );
        assert.equal(logs, queuedIds.length * LOGS_PER_REQUEST);
        assert.equal(complete, queuedIds.length);
    });
});
