/**
 * The demo's job queue: what a broker (RabbitMQ, SQS, Kafka) does for the API and its worker,
 * kept in the process so the demo needs no broker. A message is handed over as bytes — headers and
 * body serialized on publish, parsed on delivery — so nothing but what is written into the
 * headers (the W3C trace context included) reaches the consumer, exactly as across a real broker.
 */
import { randomUUID } from "crypto";

/** A message as a consumer receives it. */
export interface QueueMessage {
    readonly id: string;
    readonly queue: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    /** When it was published (ms since the epoch): the consumer computes its wait from it. */
    readonly publishedAt: number;
}

export type MessageHandler = (message: QueueMessage) => Promise<void>;

export class JobQueue {
    /** Serialized messages waiting for delivery, oldest first. */
    private readonly waiting: Buffer[] = [];
    private handler?: MessageHandler;
    private draining = false;

    constructor(readonly name: string) {}

    /** Enqueues a message; returns its id. Delivery happens later, on another turn of the event loop. */
    publish(headers: Readonly<Record<string, string>>, body: string): string {
        const message: QueueMessage = { id: randomUUID(), queue: this.name, headers: { ...headers }, body, publishedAt: Date.now() };
        this.waiting.push(Buffer.from(JSON.stringify(message), "utf8"));
        setImmediate(() => void this.drain());
        return message.id;
    }

    /** Messages not yet handed to the consumer. */
    get depth(): number {
        return this.waiting.length;
    }

    /** Age in seconds of the oldest waiting message (0 when none waits). */
    oldestAgeSeconds(now = Date.now()): number {
        const oldest = this.waiting[0];
        return oldest ? (now - (JSON.parse(oldest.toString("utf8")) as QueueMessage).publishedAt) / 1000 : 0;
    }

    /** One consumer; messages are delivered to it one at a time, in order. */
    consume(handler: MessageHandler): void {
        this.handler = handler;
        setImmediate(() => void this.drain());
    }

    private async drain(): Promise<void> {
        if (this.draining || !this.handler) {
            return;
        }
        this.draining = true;
        try {
            for (let bytes = this.waiting.shift(); bytes; bytes = this.waiting.shift()) {
                // A failed job is the handler's to record; the queue moves on (no redelivery in the demo).
                await this.handler(JSON.parse(bytes.toString("utf8")) as QueueMessage).catch(() => undefined);
            }
        } finally {
            this.draining = false;
        }
    }
}
