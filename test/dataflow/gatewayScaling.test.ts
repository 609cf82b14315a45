/**
 * Issue 24: the gateway tier scales without losing traces. The distributed profile's two tiers run
 * as rendered, with the load balancer's real DNS resolver: CoreDNS answers the gateways' headless
 * name with the addresses of the gateways "in the Service", and the suite changes the answer as
 * Kubernetes changes the Service's endpoints. Traces stream in throughout while the gateways go
 * 3 → 5 → 2, each step as the cluster takes it:
 * - scale-out: the new pods start, and join the answer once ready;
 * - scale-in: the leaving pods drop out of the answer at once (a terminating pod is not ready), sleep
 *   their rendered `preStop` (the drain), then get SIGTERM.
 * Every trace is kept by policy here (`collector.samplingPercent: 100` and error traces), so a span
 * missing at the trace sink is a span lost, never one sampled out. Goal: none lost; traces split
 * across two gateways only when in flight while the load balancer re-reads the answer.
 *
 * Root only: CoreDNS listens on port 53 of a loopback address, and the load balancer runs in a
 * mount namespace of its own whose /etc/resolv.conf names it (tiers.ts).
 */
import assert from "node:assert/strict";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { at, eventually } from "../../scripts/dev/polling";
import { DNS_ADDRESS, GatewayDns } from "./dns";
import { gatewayAddress, gatewayName } from "./loopback";
import { newTraces, sendTraces, SPANS_PER_TRACE, tally, TestTrace, TieredCollectors, TraceCensus } from "./tiers";

const run = new TieredCollectors(5, { nameserver: DNS_ADDRESS });
const census = new TraceCensus(path.join(run.root, "data", "sinks", "traces.jsonl"));
let dns: GatewayDns;

/** The load balancer re-reads the answer this often (the rendered resolver interval), plus a second for CoreDNS's reload. */
const REREAD_MS = 5_000 + 1_000;

interface Wave {
    readonly traces: TestTrace[];
    readonly firstSent: number;
    lastSent: number;
}

const addressesOf = (gateways: number[]) => gateways.map(gatewayAddress);

describe("the gateway tier scales 3 → 5 → 2 behind a real DNS resolver without losing a trace", { timeout: 10 * 60_000 }, () => {
    before(async () => {
        assert.equal(process.getuid?.(), 0, "this test needs root: CoreDNS binds port 53 and the load balancer gets a mount namespace of its own");
        await run.render(100);
        console.log(`# scratch dir (configs, queues, process logs): ${run.root}`);
        const resolver = (run.deployedLoadBalancer().exporters.load_balancing.resolver.dns ?? {}) as { hostname: string; interval: string };
        assert.equal(resolver.interval, "5s", "REREAD_MS above follows the rendered resolve interval");
        dns = new GatewayDns(path.join(run.root, "dns"), resolver.hostname);
        await dns.start(addressesOf([0, 1, 2]));
        await run.start("trace-sink");
        for (const index of [0, 1, 2]) {
            await run.start(gatewayName(index));
        }
        await run.start("load-balancer");
    });

    after(async () => {
        await run.shutdown();
        await dns?.stop();
    });

    test("scale-out splits only traces in flight at the change; the drained scale-in loses nothing", async () => {
        const drain = run.gatewayDrain();
        const waves: Wave[] = [];
        const sending: Promise<void>[] = [];
        const started = Date.now();
        const WAVES = 40 + Math.ceil(drain.preStopSeconds);
        const changes: { what: string; at: number }[] = [];
        // The scaling schedule: scale-out 15 s into the stream, scale-in 20 s after it took effect.
        const schedule = (async () => {
            await at(started, 15_000);
            // Scale-out: the StatefulSet's new pods start, then their endpoints turn ready.
            await Promise.all([3, 4].map((index) => run.start(gatewayName(index))));
            await dns.answer(addressesOf([0, 1, 2, 3, 4]));
            changes.push({ what: "3 → 5", at: Date.now() });
            await at(changes[0].at, 20_000);
            // Scale-in: the leaving pods are out of the Service at once, sleep their preStop, then stop.
            await dns.answer(addressesOf([0, 1]));
            changes.push({ what: "5 → 2", at: Date.now() });
            // The pods' rendered preStop is itself a fixed sleep (the drain): played for its length, not waited on.
            await at(changes[1].at, drain.preStopSeconds * 1000);
            await Promise.all([2, 3, 4].map((index) => run.stop(gatewayName(index), "SIGTERM")));
            changes.push({ what: "SIGTERM to gateways 2-4", at: Date.now() });
        })();
        schedule.catch(() => undefined);
        for (let w = 0; w < WAVES; w++) {
            // The load schedule: a wave every second.
            await at(started, w * 1000);
            const wave: Wave = { traces: newTraces(10, "error"), firstSent: Date.now(), lastSent: 0 };
            waves.push(wave);
            sending.push(sendTraces(run.otlpHttp("load-balancer"), wave.traces, 500).then(() => void (wave.lastSent = Date.now())));
        }
        await Promise.all(sending);
        await schedule;
        const all = waves.flatMap((wave) => wave.traces);
        await eventually("every trace at the trace sink, whole", 180_000, async () => {
            const t = tally(census, all);
            return t.complete === t.sent ? true : undefined;
        }).catch(() => undefined);
        const t = tally(census, all);
        // A trace is in flight at a change when it was still being sent while the load balancer could re-read the answer.
        const ringChanges = changes.filter((change) => change.what.includes("→"));
        const inFlight = (wave: Wave) => ringChanges.some((change) => wave.lastSent >= change.at && wave.firstSent <= change.at + REREAD_MS);
        const splitTraces = all.filter((trace) => (census.get(trace.traceId)?.gateways.size ?? 0) > 1);
        const splitOutside = splitTraces.filter((trace) => !waves.some((wave) => wave.traces.includes(trace) && inFlight(wave)));
        const inFlightCount = waves.filter(inFlight).reduce((n, wave) => n + wave.traces.length, 0);
        const lost = all.filter((trace) => (census.get(trace.traceId)?.spans.size ?? 0) < SPANS_PER_TRACE);
        const after = (at: number) => waves.filter((wave) => wave.firstSent > at).flatMap((wave) => wave.traces);
        const onRemoved = (traces: TestTrace[]) => traces.filter((trace) => [2, 3, 4].some((i) => census.get(trace.traceId)?.gateways.has(gatewayName(i)))).length;
        const scaleIn = ringChanges[1].at;
        console.log(`# ${WAVES} waves of 10 error traces, ${SPANS_PER_TRACE} spans each over about a second; changes: ${changes.map((c) => `${c.what} at ${((c.at - started) / 1000).toFixed(1)} s`).join(", ")}`);
        console.log(`# sent ${t.sent}, delivered whole ${t.complete}, lost ${lost.length} (partial ${t.partial}, absent ${t.absent}), split across gateways ${t.split} (of ${inFlightCount} in flight at a change), spans delivered twice ${t.redelivered}`);
        console.log(`# traces per gateway: ${JSON.stringify(t.perGateway)}; sent after the scale-in that went through a leaving gateway: ${onRemoved(after(scaleIn + REREAD_MS))}`);
        assert.equal(ringChanges.length, 2);
        assert.deepEqual(
            lost.map((trace) => trace.traceId),
            [],
            "no trace lost, through the scale-out and the drained scale-in",
        );
        assert.deepEqual(splitOutside.map((trace) => trace.traceId), [], "traces split though not in flight at a change");
        for (const index of [3, 4]) {
            assert.ok((t.perGateway[gatewayName(index)] ?? 0) > 0, `${gatewayName(index)} took traces after it joined the answer`);
        }
        assert.equal(onRemoved(after(scaleIn + REREAD_MS)), 0, "nothing sent after the load balancer re-read the answer went to a leaving gateway");
    });
});
