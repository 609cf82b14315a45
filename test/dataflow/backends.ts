/**
 * Queries against the backends' HTTP APIs: Prometheus's as Grafana's datasource would make them, and
 * the Collector's own telemetry (its Prometheus endpoint), which says what it still holds.
 */
import { parse } from "yaml";
import { durationMs } from "../../config/units";
import { getJson } from "../../scripts/dev/polling";

const seconds = (ms: number) => Math.floor(ms / 1000);

export async function promQuery(prometheus: string, promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const body = await getJson<{ data: { result: any[] } }>(`${prometheus}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    return body.data.result;
}

export interface PromExemplar {
    readonly seriesLabels: Record<string, string>;
    readonly labels: Record<string, string>;
    readonly value: number;
}

export async function promExemplars(prometheus: string, promql: string, windowMs = 30 * 60_000): Promise<PromExemplar[]> {
    const now = Date.now();
    const params = new URLSearchParams({ query: promql, start: String(seconds(now - windowMs)), end: String(seconds(now) + 60) });
    const body = await getJson<{ data: { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[] }>(
        `${prometheus}/api/v1/query_exemplars?${params}`,
    );
    return body.data.flatMap((series) => series.exemplars.map((e) => ({ seriesLabels: series.seriesLabels, labels: e.labels, value: Number(e.value) })));
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(limit, items.length) }, async () => {
            while (next < items.length) {
                const index = next++;
                results[index] = await task(items[index]);
            }
        }),
    );
    return results;
}

/** Sum of every sample of `metric` in a Prometheus text exposition whose labels include `label` (e.g. `receiver="otlp"`); 0 if none. */
export function sumSamples(exposition: string, metric: string, label = ""): number {
    const samples = exposition.matchAll(new RegExp(`^${metric}(?:\\{([^}]*)\\})?\\s+(\\S+)$`, "gm"));
    return [...samples].filter((m) => (m[1] ?? "").includes(label)).reduce((n, m) => n + Number(m[2]), 0);
}

/** What a Collector still holds: traces its tail sampler has not decided yet, and bytes (or items) in its exporters' queues of one signal. */
export interface CollectorBacklog {
    readonly undecidedTraces: number;
    readonly queued: number;
}

/**
 * Read from the Collector's own telemetry at `metricsUrl` (level `detailed`): traces received minus
 * traces decided (kept or dropped) or evicted before a decision, and `otelcol_exporter_queue_size`
 * over every exporter of `signal` (a persistent queue counts a request until it is delivered,
 * retries included); only one signal, as a run may point the others at a port nobody answers.
 * What the batch processor holds has no gauge: it leaves within the batch timeout.
 */
export async function collectorBacklog(metricsUrl: string, signal: "traces" | "logs" | "metrics"): Promise<CollectorBacklog> {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    const received = sumSamples(text, "otelcol_processor_tail_sampling_new_trace_id_received");
    const decided = sumSamples(text, "otelcol_processor_tail_sampling_global_count_traces_sampled") + sumSamples(text, "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early");
    return { undecidedTraces: received - decided, queued: sumSamples(text, "otelcol_exporter_queue_size", `data_type="${signal}"`) };
}

/** The batch processor's timeout in a rendered Collector config, in milliseconds. */
export function batchTimeoutMs(collectorConfig: string): number {
    const timeout = parse(collectorConfig).processors.batch.timeout;
    const ms = durationMs(timeout);
    if (ms === undefined) {
        throw new Error(`processors.batch.timeout: ${timeout} is not a duration`);
    }
    return ms;
}
