/**
 * Spans per second through one tail-sampling gateway against the distributed profile's two tiers
 * (one load-balancing Collector in front of three gateways), and the CPU and memory of each tier,
 * in one run on this machine. Both set-ups are the same processes of the data-flow suite's two-tier
 * harness (test/dataflow/tiers.ts: rendered configs after the loopback step): the client sends to
 * gateway-0 directly for "one gateway", to the load balancer for "two tiers". Bounded load: a fixed
 * number of clients for a fixed time, each waiting for its answer before sending again.
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { exportService, newTraces, SPANS_PER_SERVICE, SPANS_PER_TRACE, TieredCollectors, TierProcess, TRACE_SERVICES } from "../test/dataflow/tiers";
import { sleep } from "../scripts/dev/polling";
import { cachedTool } from "../scripts/dev/tools";
import { printTable } from "./report";

const CLOCK_TICKS_PER_SECOND = 100;
const TRACES_PER_REQUEST = 50;
const CLIENTS = 4;

/** User + system CPU seconds of a process so far (`/proc/<pid>/stat` fields 14 and 15). */
function cpuSeconds(pid: number | undefined): number {
    if (!pid) {
        return NaN;
    }
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function rssMiB(pid: number | undefined): number {
    if (!pid) {
        return NaN;
    }
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
}

/**
 * Traces the gateways' tail samplers evicted before deciding, because `num_traces` traces were
 * already waiting (from each gateway's own metrics endpoint).
 */
async function droppedTooEarly(run: TieredCollectors): Promise<number> {
    let total = 0;
    for (const gateway of run.ports.gateways) {
        const text = await (await fetch(`http://127.0.0.1:${gateway.metrics}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
        for (const match of text.matchAll(/^otelcol_processor_tail_sampling_sampling_trace_dropped_too_early\S*\s+(\S+)$/gm)) {
            total += Number(match[1]);
        }
    }
    return total;
}

interface Phase {
    readonly spansPerSecond: number;
    readonly refused: number;
    readonly droppedTooEarly: number;
    /** CPU seconds per tier over the load and the tail sampler's decisions after it. */
    readonly cpu: Record<string, number>;
    /** Peak RSS per tier (MiB, summed over the tier's processes). */
    readonly rss: Record<string, number>;
}

async function measure(run: TieredCollectors, entry: TierProcess, tiers: Record<string, TierProcess[]>, seconds: number): Promise<Phase> {
    const pids: [string, (number | undefined)[]][] = Object.entries(tiers).map(([tier, names]) => [tier, names.map((name) => run.pid(name))]);
    const sum = (list: (number | undefined)[], of: (pid: number | undefined) => number) => list.reduce<number>((total, pid) => total + of(pid), 0);
    const cpuOf = (): Record<string, number> => Object.fromEntries(pids.map(([tier, list]) => [tier, sum(list, cpuSeconds)]));
    const rss: Record<string, number> = Object.fromEntries(Object.keys(tiers).map((tier) => [tier, 0]));
    const sampler = setInterval(() => {
        for (const [tier, list] of pids) {
            rss[tier] = Math.max(rss[tier] ?? 0, sum(list, rssMiB));
        }
    }, 500);
    const cpuBefore = cpuOf();
    const droppedBefore = await droppedTooEarly(run);
    const url = run.otlpHttp(entry);
    let accepted = 0;
    let refused = 0;
    const started = Date.now();
    const deadline = started + seconds * 1000;
    const client = async () => {
        for (let i = 0; Date.now() < deadline && i < 100_000; i++) {
            const traces = newTraces(TRACES_PER_REQUEST, "ordinary");
            const startNs = BigInt(Date.now()) * 1_000_000n;
            for (const service of TRACE_SERVICES) {
                const status = await exportService(url, traces, service, startNs).catch(() => 0);
                if (status === 200) accepted += TRACES_PER_REQUEST * SPANS_PER_SERVICE;
                else refused += TRACES_PER_REQUEST * SPANS_PER_SERVICE;
            }
        }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const elapsed = (Date.now() - started) / 1000;
    // The tail sampler decides 10 s after a trace's first span, then the batch is sent: both are work of the load.
    await sleep(14_000);
    clearInterval(sampler);
    const cpuAfter = cpuOf();
    const dropped = (await droppedTooEarly(run)) - droppedBefore;
    return {
        spansPerSecond: accepted / elapsed,
        refused,
        droppedTooEarly: dropped,
        cpu: Object.fromEntries(Object.keys(tiers).map((tier) => [tier, (cpuAfter[tier] ?? NaN) - (cpuBefore[tier] ?? NaN)])),
        rss,
    };
}

export async function collectorTiers(quick: boolean): Promise<void> {
    if (!cachedTool("otelcol")) {
        printTable("Spans/s: one gateway vs two tiers", ["set-up", "spans/s"], [["otelcol", "not built: npm run tools -- build otelcol"]]);
        return;
    }
    const run = new TieredCollectors(3);
    try {
        // The dev stack's own sampling share: most ordinary traces are dropped, as in production.
        await run.render();
        await run.start("trace-sink");
        for (const name of run.gatewayNames()) {
            await run.start(name);
        }
        await run.start("load-balancer");
        const seconds = quick ? 10 : 30;
        const numTraces = YAML.parse(run.configs.get("gateway-0")!).processors.tail_sampling.num_traces as number;
        const gateways = run.gatewayNames();
        const single = await measure(run, "gateway-0", { gateway: ["gateway-0"] }, seconds);
        const tiered = await measure(run, "load-balancer", { "load balancer": ["load-balancer"], gateways }, seconds);
        const perMillion = (cpu: number, phase: Phase) => (cpu / (phase.spansPerSecond * seconds)) * 1e6;
        const tieredCpu = tiered.cpu["load balancer"] + tiered.cpu.gateways;
        printTable(
            `Spans/s: one gateway vs two tiers (${seconds} s of load each, same run)`,
            ["set-up", "spans/s accepted", "CPU s (tier)", "CPU s per 1M spans", "peak RSS"],
            [
                ["one gateway", single.spansPerSecond.toFixed(0), `${single.cpu.gateway.toFixed(1)} (gateway)`, perMillion(single.cpu.gateway, single).toFixed(1), `${single.rss.gateway.toFixed(0)} MiB`],
                ["two tiers: load balancer", "", `${tiered.cpu["load balancer"].toFixed(1)}`, perMillion(tiered.cpu["load balancer"], tiered).toFixed(1), `${tiered.rss["load balancer"].toFixed(0)} MiB`],
                [`two tiers: ${gateways.length} gateways`, "", `${tiered.cpu.gateways.toFixed(1)}`, perMillion(tiered.cpu.gateways, tiered).toFixed(1), `${tiered.rss.gateways.toFixed(0)} MiB (sum)`],
                ["two tiers, total", tiered.spansPerSecond.toFixed(0), `${tieredCpu.toFixed(1)}`, perMillion(tieredCpu, tiered).toFixed(1), `${(tiered.rss["load balancer"] + tiered.rss.gateways).toFixed(0)} MiB`],
            ],
            [
                `Ratios (two tiers ÷ one gateway): spans/s ${(tiered.spansPerSecond / single.spansPerSecond).toFixed(2)}, CPU per span ${(perMillion(tieredCpu, tiered) / perMillion(single.cpu.gateway, single)).toFixed(2)}, memory ${((tiered.rss["load balancer"] + tiered.rss.gateways) / single.rss.gateway).toFixed(2)}; the load balancer's share of the two tiers' CPU ${((tiered.cpu["load balancer"] / tieredCpu) * 100).toFixed(0)}%.`,
                `Load: ${CLIENTS} OTLP/HTTP JSON clients, each sending traces of ${SPANS_PER_TRACE} spans (${TRACE_SERVICES.length} services, ${TRACES_PER_REQUEST} traces per export) back to back; refused spans: one gateway ${single.refused}, two tiers ${tiered.refused}. Traces evicted undecided because \`num_traces\` (${numTraces} per gateway, rendered) were already waiting: one gateway ${single.droppedTooEarly}, two tiers ${tiered.droppedTooEarly}.`,
                "CPU: user + system time of the tier's processes over the load and the 14 s after it (the tail sampler decides 10 s after a trace's first span). Peak RSS: sampled every 0.5 s.",
                "Every process, the client included, shares the same 2 cores: the two tiers cannot be faster here than one gateway; what scale-out buys is gateways on other nodes, each taking 1/N of the traces.",
            ],
        );
    } finally {
        await run.shutdown();
        fs.rmSync(run.root, { recursive: true, force: true });
    }
}
