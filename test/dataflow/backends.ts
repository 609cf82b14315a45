/** Queries against Prometheus's HTTP API, as Grafana's datasource would make them. */
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
