/**
 * Exemplars for the OTLP metrics export. The OpenTelemetry JS metrics SDK (2.x and 3.x) records no
 * exemplars and its OTLP serializers write none, so the demo keeps its own small reservoir — the
 * spec's AlignedHistogramBucketExemplarReservoir: the last measurement of each bucket with the
 * span it was recorded in — and adds it to the SDK's own OTLP/JSON encoding of each export.
 * Everything else (aggregation, temporality, encoding) is the official SDK's.
 */
import { Attributes, SpanContext } from "@opentelemetry/api";
import { ExportResult, ExportResultCode } from "@opentelemetry/core";
import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";

interface Exemplar {
    readonly value: number;
    readonly timeUnixNano: string;
    readonly traceId: string;
    readonly spanId: string;
}

/** Same key for the SDK's attributes and the OTLP/JSON `KeyValue` list of a data point. */
function attributesKey(entries: [string, unknown][]): string {
    return JSON.stringify(entries.map(([k, v]) => [k, String(v)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function jsonAttributeValue(value: Record<string, unknown>): unknown {
    return value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
}

export class ExemplarReservoir {
    private readonly slots = new Map<string, Map<number, Exemplar>>();

    constructor(
        private readonly metricName: string,
        private readonly boundaries: readonly number[],
    ) {}

    /** Keeps `value` as the exemplar of its bucket when it was measured inside a sampled span. */
    offer(value: number, attributes: Attributes, span: SpanContext | undefined): void {
        if (!span || (span.traceFlags & 1) === 0) {
            return;
        }
        const bucket = this.boundaries.findIndex((bound) => value <= bound);
        const key = attributesKey(Object.entries(attributes));
        const series = this.slots.get(key) ?? new Map<number, Exemplar>();
        series.set(bucket === -1 ? this.boundaries.length : bucket, {
            value,
            timeUnixNano: (BigInt(Date.now()) * 1_000_000n).toString(),
            traceId: span.traceId,
            spanId: span.spanId,
        });
        this.slots.set(key, series);
    }

    /** Adds (and forgets) the held exemplars to the matching data points of an OTLP/JSON request. */
    attachTo(request: { resourceMetrics?: { scopeMetrics?: { metrics?: Record<string, any>[] }[] }[] }): number {
        let attached = 0;
        for (const resource of request.resourceMetrics ?? []) {
            for (const scope of resource.scopeMetrics ?? []) {
                for (const metric of scope.metrics ?? []) {
                    if (metric.name !== this.metricName || !metric.histogram) {
                        continue;
                    }
                    for (const point of metric.histogram.dataPoints as Record<string, any>[]) {
                        const key = attributesKey((point.attributes ?? []).map((kv: { key: string; value: Record<string, unknown> }) => [kv.key, jsonAttributeValue(kv.value)]));
                        const held = this.slots.get(key);
                        if (!held) {
                            continue;
                        }
                        point.exemplars = [...held.values()].map((e) => ({ timeUnixNano: e.timeUnixNano, asDouble: e.value, traceId: e.traceId, spanId: e.spanId }));
                        attached += held.size;
                        this.slots.delete(key);
                    }
                }
            }
        }
        return attached;
    }
}

/**
 * OTLP/HTTP JSON metrics exporter: the SDK's JSON serializer, plus the reservoir's exemplars.
 * Cumulative temporality (what Prometheus's OTLP receiver takes without feature flags).
 */
export class ExemplarOtlpHttpExporter implements PushMetricExporter {
    exemplarsSent = 0;

    constructor(
        private readonly url: string,
        private readonly reservoirs: readonly ExemplarReservoir[],
    ) {}

    export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
        const request = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(metrics) ?? new Uint8Array()));
        const attached = this.reservoirs.reduce((sum, reservoir) => sum + reservoir.attachTo(request), 0);
        fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request), signal: AbortSignal.timeout(5_000) })
            .then((response) => {
                if (!response.ok) {
                    throw new Error(`HTTP ${response.status}`);
                }
                this.exemplarsSent += attached;
                resultCallback({ code: ExportResultCode.SUCCESS });
            })
            .catch((error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }));
    }

    selectAggregationTemporality(_instrumentType: InstrumentType): AggregationTemporality {
        return AggregationTemporality.CUMULATIVE;
    }

    async forceFlush(): Promise<void> {}

    async shutdown(): Promise<void> {}
}
