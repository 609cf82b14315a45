/** What the demo service promises its callers (the data-flow tests count on these). */

/** Bucket boundaries of http.server.request.duration: the dev stack's `histogramBuckets` for `api`. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8] as const;
/** Spans per request: api SERVER → api CLIENT → ledger SERVER. */
export const SPANS_PER_REQUEST = 3;
/** Structured log lines per request ("checkout started", "checkout finished"). */
export const LOGS_PER_REQUEST = 2;
/** Attribute on every span and log record naming the test batch it belongs to. */
export const BATCH_ATTRIBUTE = "demo.batch";

/** Body of `GET /checkout`. */
export interface DemoResponse {
    readonly trace_id: string;
    readonly span_id: string;
    readonly request_id: string;
    readonly status: number;
    readonly duration_ms: number;
    readonly spans: number;
    readonly logs: number;
}

/** Body of `GET /stats` and `POST /flush`: items the collector acknowledged or refused, per batch. */
export interface DemoStats {
    readonly spans: { readonly accepted: Record<string, number>; readonly failed: Record<string, number> };
    readonly logs: { readonly accepted: Record<string, number>; readonly failed: Record<string, number> };
    readonly exemplarsSent: number;
}
