/**
 * OpenTelemetry setup of the demo service: traces and logs over OTLP/gRPC with the official
 * exporters, metrics over OTLP/HTTP with exemplars (see exemplars.ts), W3C trace context as the
 * propagation format (the transcoding jobs carry it in their message headers). Every exporter is wrapped
 * in a counter of what the collector acknowledged, per `demo.batch`, so a test can compare what
 * was accepted with what arrives in the backends.
 */
import { propagation } from "@opentelemetry/api";
import { ExportResult, ExportResultCode, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader, PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { BATCH_ATTRIBUTE, BUSINESS_METRICS, DemoStats, JOB_DURATION_METRIC, TRANSCODE_BUCKETS } from "./contract";
import { ExemplarOtlpHttpExporter, ExemplarReservoir } from "./exemplars";


/** What the collector acknowledged (or refused) per batch. */
export class ExportTally {
    readonly accepted = new Map<string, number>();
    readonly failed = new Map<string, number>();

    record(result: ExportResult, items: readonly { attributes: Readonly<Record<string, unknown>> }[]): void {
        const target = result.code === ExportResultCode.SUCCESS ? this.accepted : this.failed;
        for (const item of items) {
            const batch = String(item.attributes[BATCH_ATTRIBUTE] ?? "");
            target.set(batch, (target.get(batch) ?? 0) + 1);
        }
    }

    toJSON() {
        return { accepted: Object.fromEntries(this.accepted), failed: Object.fromEntries(this.failed) };
    }
}

class TalliedSpanExporter implements SpanExporter {
    constructor(
        private readonly inner: SpanExporter,
        private readonly tally: ExportTally,
    ) {}
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        this.inner.export(spans, (result) => {
            this.tally.record(result, spans);
            done(result);
        });
    }
    shutdown(): Promise<void> {
        return this.inner.shutdown();
    }
    forceFlush(): Promise<void> {
        return this.inner.forceFlush?.() ?? Promise.resolve();
    }
}

class TalliedLogExporter implements LogRecordExporter {
    constructor(
        private readonly inner: LogRecordExporter,
        private readonly tally: ExportTally,
    ) {}
    export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
        this.inner.export(logs, (result) => {
            this.tally.record(result, logs);
            done(result);
        });
    }
    shutdown(): Promise<void> {
        return this.inner.shutdown();
    }
    forceFlush(): Promise<void> {
        return this.inner.forceFlush?.() ?? Promise.resolve();
    }
}

export interface TelemetryOptions {
    /** Collector OTLP/gRPC endpoint, e.g. `http://127.0.0.1:4317`. */
    readonly otlpGrpcEndpoint: string;
    /** Collector OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318`. */
    readonly otlpHttpEndpoint: string;
    readonly metricIntervalMs: number;
    /** Explicit bucket boundaries of http.server.request.duration, in seconds. */
    readonly durationBuckets: readonly number[];
}

export interface ServiceTelemetry {
    readonly tracerProvider: BasicTracerProvider;
    readonly loggerProvider: LoggerProvider;
}

export const DURATION_METRIC = "http.server.request.duration";

/** One service's traces and logs (the demo runs three: `api`, its downstream `ledger` and the `transcoding` worker). */
function serviceTelemetry(serviceName: string, options: TelemetryOptions, spans: ExportTally, logs: ExportTally): ServiceTelemetry {
    const resource = resourceFromAttributes({
        [ATTR_SERVICE_NAME]: serviceName,
        [ATTR_SERVICE_VERSION]: "1.0.0",
        "service.namespace": "learning",
        "deployment.environment.name": "dev",
    });
    const tracerProvider = new BasicTracerProvider({
        resource,
        spanProcessors: [
            new BatchSpanProcessor(new TalliedSpanExporter(new OTLPTraceExporter({ url: options.otlpGrpcEndpoint }), spans), {
                scheduledDelayMillis: 500,
                maxQueueSize: 20_000,
                maxExportBatchSize: 512,
            }),
        ],
    });
    const loggerProvider = new LoggerProvider({
        resource,
        processors: [
            new BatchLogRecordProcessor({
                exporter: new TalliedLogExporter(new OTLPLogExporter({ url: options.otlpGrpcEndpoint }), logs),
                scheduledDelayMillis: 500,
                maxQueueSize: 20_000,
                maxExportBatchSize: 512,
            }),
        ],
    });
    return { tracerProvider, loggerProvider };
}

function serviceMeterProvider(serviceName: string, options: TelemetryOptions, exporter: PushMetricExporter): MeterProvider {
    return new MeterProvider({
        resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, "service.namespace": "learning", "deployment.environment.name": "dev" }),
        readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: options.metricIntervalMs, exportTimeoutMillis: Math.min(10_000, options.metricIntervalMs) })],
    });
}

export function startTelemetry(options: TelemetryOptions) {
    // What @opentelemetry/api's propagation.inject/extract use to write and read the `traceparent`
    // header; without a global propagator they do nothing.
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const spans = new ExportTally();
    const logs = new ExportTally();
    const api = serviceTelemetry("api", options, spans, logs);
    const ledger = serviceTelemetry("ledger", options, spans, logs);
    const transcoding = serviceTelemetry("transcoding", options, spans, logs);
    const durationExemplars = new ExemplarReservoir(DURATION_METRIC, options.durationBuckets);
    const metricExporter = new ExemplarOtlpHttpExporter(`${options.otlpHttpEndpoint}/v1/metrics`, [durationExemplars]);
    const meterProvider = serviceMeterProvider("api", options, metricExporter);
    const meter = meterProvider.getMeter("demo-service");
    const duration = meter.createHistogram(DURATION_METRIC, {
        unit: "s",
        description: "Duration of HTTP server requests.",
        advice: { explicitBucketBoundaries: [...options.durationBuckets] },
    });
    // The reference customer's business counters (Pulumi.dev.yaml, services[api].businessCounters).
    const business = {
        sessionsStarted: meter.createCounter(BUSINESS_METRICS.sessionsStarted, { unit: "{session}", description: "Learning sessions started." }),
        videosPlayed: meter.createCounter(BUSINESS_METRICS.videosPlayed, { unit: "{video}", description: "Course videos started playing." }),
    };
    const transcodingMeterProvider = serviceMeterProvider("transcoding", options, new ExemplarOtlpHttpExporter(`${options.otlpHttpEndpoint}/v1/metrics`, []));
    const transcodingMeter = transcodingMeterProvider.getMeter("demo-service");
    const jobDuration = transcodingMeter.createHistogram(JOB_DURATION_METRIC, {
        unit: "s",
        description: "Duration of processing a transcoding job.",
        advice: { explicitBucketBoundaries: [...TRANSCODE_BUCKETS] },
    });
    const providers = [api.tracerProvider, api.loggerProvider, ledger.tracerProvider, ledger.loggerProvider, transcoding.tracerProvider, transcoding.loggerProvider, meterProvider, transcodingMeterProvider];
    return {
        api,
        ledger,
        transcoding,
        duration,
        durationExemplars,
        business,
        jobDuration,
        transcodingMeter,
        stats: (): DemoStats => ({ spans: spans.toJSON(), logs: logs.toJSON(), exemplarsSent: metricExporter.exemplarsSent }),
        flush: () => Promise.all(providers.map((provider) => provider.forceFlush())),
        shutdown: () => Promise.all(providers.map((provider) => provider.shutdown())),
    };
}
