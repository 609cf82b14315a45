/**
 * The demo's transcoding worker (service `transcoding`): consumes the jobs the API enqueues on the
 * `transcode` queue. Its trace context comes only from the message headers: it extracts the W3C
 * `traceparent` the API injected, and its CONSUMER span continues the API's trace as a child of
 * (and linked to) the API's PRODUCER span — one trace from the upload request to the finished job.
 * Each job is one `messaging.process.duration` measurement (with `error.type` when it failed), as
 * the stack's otel-messaging conventions read it.
 */
import { Attributes, Context, Histogram, Meter, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, Tracer } from "@opentelemetry/api";
import { BATCH_ATTRIBUTE, MESSAGING_SYSTEM } from "./contract";
import { JobQueue, QueueMessage } from "./queue";

/** What the API puts in a transcoding job's body. */
export interface TranscodeJob {
    readonly video: string;
    /** How long transcoding takes, to make slow jobs on purpose. */
    readonly work_ms: number;
    /** Fail the job on purpose (a corrupt upload). */
    readonly fail: boolean;
    readonly batch: string;
}

/** Messaging semantic-convention attributes of one operation on the queue. */
export function messagingAttributes(queue: string, operation: "send" | "process", messageId?: string): Attributes {
    return {
        "messaging.system": MESSAGING_SYSTEM,
        "messaging.operation.type": operation,
        "messaging.operation.name": operation,
        "messaging.destination.name": queue,
        ...(messageId === undefined ? {} : { "messaging.message.id": messageId }),
    };
}

/** Publishes a job under `parent` (the request's context): a PRODUCER span whose context goes into the message headers. */
export function enqueueTranscode(tracer: Tracer, queue: JobQueue, job: TranscodeJob, parent: Context): { messageId: string; traceId: string; producerSpanId: string } {
    const producer = tracer.startSpan(`send ${queue.name}`, { kind: SpanKind.PRODUCER, attributes: { ...messagingAttributes(queue.name, "send"), [BATCH_ATTRIBUTE]: job.batch } }, parent);
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, producer), headers);
    const messageId = queue.publish(headers, JSON.stringify(job));
    producer.setAttribute("messaging.message.id", messageId);
    producer.end();
    const { traceId, spanId } = producer.spanContext();
    return { messageId, traceId, producerSpanId: spanId };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts consuming `queue`: one CONSUMER span and one duration measurement per job. */
export function startTranscodingWorker(queue: JobQueue, tracer: Tracer, meter: Meter, jobDuration: Histogram): void {
    meter
        .createObservableGauge("transcode.queue.oldest_message_age", { unit: "s", description: "Age of the oldest transcoding job waiting in the queue." })
        .addCallback((result) => result.observe(queue.oldestAgeSeconds(), { "messaging.destination.name": queue.name }));
    queue.consume(async (message: QueueMessage) => {
        // Only what travelled in the headers: the API's context object never reaches this function.
        const producerContext = propagation.extract(ROOT_CONTEXT, message.headers);
        const producer = trace.getSpanContext(producerContext);
        const job = JSON.parse(message.body) as TranscodeJob;
        const span = tracer.startSpan(
            `process ${message.queue}`,
            {
                kind: SpanKind.CONSUMER,
                attributes: { ...messagingAttributes(message.queue, "process", message.id), [BATCH_ATTRIBUTE]: job.batch, "video.id": job.video },
                links: producer ? [{ context: producer }] : [],
            },
            producerContext,
        );
        const started = performance.now();
        await sleep(job.work_ms);
        const attributes: Attributes = messagingAttributes(message.queue, "process");
        if (job.fail) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: `video ${job.video} could not be decoded` });
            span.setAttribute("error.type", "decode_error");
            attributes["error.type"] = "decode_error";
        }
        jobDuration.record((performance.now() - started) / 1000, attributes);
        span.end();
    });
}
