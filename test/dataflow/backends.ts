/** Queries against the backends' HTTP APIs, as Grafana's datasources would make them. */
import { getJson } from "./harness";

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Span count of a trace in Tempo, or 0 when Tempo does not have it. */
export async function tempoTraceSpans(tempo: string, traceId: string): Promise<number> {
    const response = await fetch(`${tempo}/api/traces/${traceId}`, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(15_000) });
    if (response.status === 404) {
        return 0;
    }
    if (!response.ok) {
        throw new Error(`Tempo /api/traces/${traceId}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
    }
    const body = (await response.json()) as { batches?: any[]; resourceSpans?: any[] };
    let spans = 0;
    for (const resource of body.batches ?? body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? resource.instrumentationLibrarySpans ?? []) {
            spans += (scope.spans ?? []).length;
        }
    }
    return spans;
}

/** Trace ids a TraceQL search finds over the last `windowMs`. */
export async function tempoSearch(tempo: string, traceql: string, windowMs = 30 * 60_000, limit = 1000): Promise<string[]> {
    const now = Date.now();
    const params = new URLSearchParams({ q: traceql, start: String(seconds(now - windowMs)), end: String(seconds(now) + 60), limit: String(limit) });
    const body = await getJson<{ traces?: { traceID: string }[] }>(`${tempo}/api/search?${params}`);
    // Tempo drops leading zeros of trace ids in search results.
    return (body.traces ?? []).map((t) => t.traceID.padStart(32, "0"));
}

export interface LokiLine {
    readonly line: string;
    readonly labels: Record<string, string>;
}

/** Log lines of a LogQL selector over the last `windowMs` (stream labels include structured metadata). */
export async function lokiLines(loki: string, logql: string, windowMs = 30 * 60_000, limit = 5000): Promise<LokiLine[]> {
    const now = Date.now();
    const params = new URLSearchParams({
        query: logql,
        start: `${(now - windowMs) * 1_000_000}`,
        end: `${(now + 60_000) * 1_000_000}`,
        limit: String(limit),
        direction: "forward",
    });
    const body = await getJson<{ data: { result: { stream: Record<string, string>; values: [string, string][] }[] } }>(`${loki}/loki/api/v1/query_range?${params}`);
    return body.data.result.flatMap((stream) => stream.values.map(([, line]) => ({ line, labels: stream.stream })));
}

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
