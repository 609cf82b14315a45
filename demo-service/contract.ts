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

/** The business counters the API counts (OTel names; Prometheus adds `_total` and drops the `{…}` unit). */
export const BUSINESS_METRICS = { sessionsStarted: "learning.sessions.started", videosPlayed: "learning.videos.played" } as const;

/** The queue between the API and the transcoding worker (`messaging.destination.name`). */
export const TRANSCODE_QUEUE = "transcode";
/** What the demo broker is called in `messaging.system` (an in-process queue, see demo-service/queue.ts). */
export const MESSAGING_SYSTEM = "demo_queue";
/** The worker's processing time per job (OTel messaging conventions), as the otel-messaging preset reads it. */
export const JOB_DURATION_METRIC = "messaging.process.duration";
/** Bucket boundaries of the worker's messaging.process.duration: the dev stack's `histogramBuckets` for `transcoding`. */
export const TRANSCODE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200] as const;
/** Spans of one upload: api SERVER → api PRODUCER → transcoding CONSUMER. */
export const SPANS_PER_UPLOAD = 3;

/** Body of `POST /videos/upload`. */
export interface UploadResponse {
    readonly trace_id: string;
    /** The API's PRODUCER span: the worker's CONSUMER span is its child. */
    readonly producer_span_id: string;
    readonly message_id: string;
}
