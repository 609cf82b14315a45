/**
 * Idle and loaded RSS of the real backends running together from the dev stack's rendered config
 * (the data-flow suite's loopback harness), with the demo service as the load generator. Loki and
 * Tempo are AGPL and never built here: the harness's stand-in sinks (our Collector build) receive
 * what the gateway sends them, and their RSS is not reported, since it says nothing about Loki's or
 * Tempo's.
 */
import * as fs from "fs";
import { LoopbackStack } from "../test/dataflow/harness";
import { LOGS_PER_REQUEST, SPANS_PER_REQUEST } from "../demo-service/contract";
import { sleep } from "../scripts/dev/polling";
import { cachedTool } from "../scripts/dev/tools";
import { printTable } from "./report";

const BACKENDS = ["prometheus", "alertmanager", "collector"] as const;
const TOOL_OF: Record<(typeof BACKENDS)[number], string> = { prometheus: "prometheus", alertmanager: "alertmanager", collector: "otelcol" };
/** Started so the gateway delivers as deployed (nothing piles up in its queue), not measured. */
const SINKS = ["log-sink", "trace-sink"] as const;

function rssMiB(pid: number | undefined): number {
    if (!pid) {
        return NaN;
    }
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kib / 1024;
}

/** Bounded load: `concurrency` clients each sending requests back to back for `seconds`. */
async function load(stack: LoopbackStack, seconds: number, concurrency: number): Promise<number> {
    const deadline = Date.now() + seconds * 1000;
    let sent = 0;
    const client = async () => {
        for (let i = 0; Date.now() < deadline && i < 100_000; i++) {
            // Every 10th request fails and every 20th is slow, so all tail-sampling policies work.
            const status = sent % 10 === 0 ? 500 : 200;
            const delay = sent % 20 === 0 ? 2100 : 10;
            sent++;
            await fetch(`${stack.url("demo")}/checkout?delay_ms=${delay}&status=${status}&batch=bench`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
        }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    return sent;
}

export async function loadedRss(quick: boolean): Promise<void> {
    const missing = BACKENDS.filter((name) => !cachedTool(TOOL_OF[name]));
    if (missing.length > 0) {
        printTable("Idle and loaded RSS, all backends together", ["backend", "idle RSS", "loaded RSS"], [[missing.join(", "), "not built", ""]]);
        return;
    }
    const stack = new LoopbackStack();
    try {
        await stack.render({ config: {} });
        for (const name of [...SINKS, ...BACKENDS]) {
            await stack.start(name);
        }
        await stack.startDemo();
        const pid = (name: string) => stack.processes.get(name)?.child?.pid;
        await sleep((quick ? 10 : 30) * 1000);
        const idle = Object.fromEntries(BACKENDS.map((name) => [name, rssMiB(pid(name))]));
        const peak: Record<string, number> = Object.fromEntries(BACKENDS.map((name) => [name, 0]));
        const sampler = setInterval(() => {
            for (const name of BACKENDS) {
                peak[name] = Math.max(peak[name], rssMiB(pid(name)));
            }
        }, 1000);
        const seconds = quick ? 20 : 60;
        const started = Date.now();
        const requests = await load(stack, seconds, 8);
        const elapsed = (Date.now() - started) / 1000;
        // Let the tail sampler decide and the queues drain while still sampling.
        await sleep(15_000);
        clearInterval(sampler);
        const rate = requests / elapsed;
        printTable(
            "Idle and loaded RSS, all backends together (dev config, loopback)",
            ["backend", "idle RSS", "loaded RSS (peak)"],
            BACKENDS.map((name) => [name === "collector" ? "otelcol (gateway)" : name, `${idle[name].toFixed(0)} MiB`, `${peak[name].toFixed(0)} MiB`]),
            [
                `Load: the demo service (OpenTelemetry JS SDK) driven by 8 clients for ${seconds}s: ${requests} requests (${rate.toFixed(0)}/s), i.e. ${(rate * SPANS_PER_REQUEST).toFixed(0)} spans/s and ${(rate * LOGS_PER_REQUEST).toFixed(0)} log lines/s into the collector, every 10th request an error and every 20th slow (2.1 s).`,
                "Idle: VmRSS after the stack has run for a while with the demo service connected but no requests; loaded: the largest VmRSS sampled once a second during the load and 15 s after it.",
                "Same harness and loopback step as `npm run test:dataflow` (test/dataflow/loopback.ts); the gateway delivers logs and traces to the Loki and Tempo stand-ins there.",
                "Loki and Tempo: not measured. Their Go modules are AGPL-licensed and never built here; the stand-ins' RSS would say nothing about theirs.",
            ],
        );
    } finally {
        await stack.shutdown();
        fs.rmSync(stack.root, { recursive: true, force: true });
    }
}
