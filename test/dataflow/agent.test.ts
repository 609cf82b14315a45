/**
 * Issue 12 item 1, the data-flow part: the node agent runs for real, from its rendered `agent.yaml`
 * after the loopback step (difference 6 in loopback.ts: `/var/log/pods` is a scratch folder, and
 * `k8sattributes`, which cannot start without a Kubernetes API server, is dropped), tailing a pod log
 * tree the test writes in the kubelet's layout (`<namespace>_<pod>_<uid>/<container>/0.log`) and the
 * CRI format (`<RFC 3339 nano time> <stream> <P|F> <line>`), and sending through the real gateway to
 * the Loki stand-in. The kubelet's rotation (`0.log` renamed to `0.log.<date>-<time>`, a new `0.log`)
 * happens while the agent runs, and the agent is restarted while lines keep being written: with its
 * file_storage checkpoint every line arrives exactly once.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { after, before, describe, test } from "node:test";
import { at, eventually, untilQuiet } from "../../scripts/dev/polling";
import { ManagedProcess } from "../../scripts/dev/processes";
import { requireTool } from "../../scripts/dev/tools";
import { batchTimeoutMs, collectorBacklog } from "./backends";
import { LoopbackStack, MAX_PROCESS_LIFETIME_MS } from "./harness";
import { LOOPBACK, loopbackAgentRunConfig } from "./loopback";
import { attributeMap, SinkRecord } from "./sinks";

const stack = new LoopbackStack();
const NODE_NAME = "loopback-node";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

interface Pod {
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
    readonly container: string;
}

const api: Pod = { namespace: "learning", name: "api-5d8f7c9b4-x2x7q", uid: "0b6a9d3e-7c1f-4a52-9e4b-2f1d8c7a6b50", container: "api" };
const worker: Pod = { namespace: "learning", name: "worker-0", uid: "5e2c1a9f-3b7d-4e68-8a0c-9d4f2b1e7c63", container: "worker" };

/** A CRI log line as containerd writes it; `n` seconds after 2026-11-30T12:00:00Z. */
function criLine(n: number, tag: "F" | "P", content: string): string {
    const time = new Date(Date.UTC(2026, 10, 30, 12, 0, 0) + n * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
    return `${time} stdout ${tag} ${content}\n`;
}

const jsonLine = (seq: string, level = "info") => JSON.stringify({ seq, level, msg: "request handled", trace_id: TRACE_ID, span_id: SPAN_ID });

/** One record at the log sink, as the checks need it. */
interface Delivered extends SinkRecord {
    readonly seq: string;
    readonly timeUnixNano: string;
    readonly severityText: string;
}

/** Every log record the log sink received, duplicates included. */
function delivered(): Delivered[] {
    const file = stack.recorder.file("logs");
    if (!fs.existsSync(file)) {
        return [];
    }
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .flatMap((line) =>
            (JSON.parse(line).resourceLogs ?? []).flatMap((resourceLogs: any) =>
                (resourceLogs.scopeLogs ?? []).flatMap((scope: any) =>
                    (scope.logRecords ?? []).map((record: any): Delivered => {
                        const attributes = attributeMap(record.attributes);
                        return {
                            seq: String(attributes.seq ?? ""),
                            timeUnixNano: String(record.timeUnixNano ?? ""),
                            severityText: record.severityText ?? "",
                            traceId: record.traceId ?? "",
                            spanId: record.spanId ?? "",
                            resource: attributeMap(resourceLogs.resource?.attributes),
                            attributes,
                        };
                    }),
                ),
            ),
        );
}

describe("the node agent tails CRI pod logs through rotation and a restart", { timeout: 8 * 60_000 }, () => {
    let podLogs = "";
    let agent: ManagedProcess;
    const written: string[] = [];
    let clock = 0;

    const logFile = (pod: Pod, name = "0.log") => path.join(podLogs, `${pod.namespace}_${pod.name}_${pod.uid}`, pod.container, name);
    /** Appends `count` JSON lines to the pod's current `0.log`, each with a sequence id the checks count. */
    const write = (pod: Pod, phase: string, count: number) => {
        let text = "";
        for (let i = 0; i < count; i++) {
            const seq = `${pod.container}-${phase}-${i}`;
            written.push(seq);
            text += criLine(clock++, "F", jsonLine(seq));
        }
        fs.mkdirSync(path.dirname(logFile(pod)), { recursive: true });
        fs.appendFileSync(logFile(pod), text);
    };
    const agentReady = () =>
        eventually("the node agent's health check", 60_000, async () => {
            if (!agent.running) {
                throw new Error(`the agent exited; log ${agent.logFile}:\n${agent.tail()}`);
            }
            const response = await fetch(`http://${LOOPBACK}:${stack.ports.agentHealth}/`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
            return response?.ok ? true : undefined;
        }, 500);
    const allArrived = (what: string) =>
        eventually(what, 120_000, async () => {
            const seqs = new Set(delivered().map((record) => record.seq));
            return written.every((seq) => seqs.has(seq)) ? true : undefined;
        }).catch(() => undefined); // on a timeout, the counts below say what is missing

    before(async () => {
        await stack.render({ config: {} });
        console.log(`# scratch dir (configs, pod logs, data, process logs): ${stack.root}`);
        podLogs = path.join(stack.root, "var-log-pods");
        fs.mkdirSync(podLogs, { recursive: true });
        const runConfig = path.join(stack.configRoot, "otel-collector/agent-run.yaml");
        fs.writeFileSync(runConfig, loopbackAgentRunConfig(stack.rendered.workloads["otel-agent"].config, podLogs));
        // The DaemonSet's container args with only the config path moved; K8S_NODE_NAME as its env sets it.
        const args = stack.rendered.workloads["otel-agent"].args.map((arg) => (arg.startsWith("--config=") ? `--config=${runConfig}` : arg));
        agent = new ManagedProcess({ name: "otel-agent", binary: requireTool("otelcol"), args, logFile: path.join(stack.logDir, "otel-agent.log"), maxLifetimeMs: MAX_PROCESS_LIFETIME_MS, env: { ...process.env, K8S_NODE_NAME: NODE_NAME } });
    });

    after(async () => {
        await agent?.stop("SIGTERM", 10_000);
        await stack.shutdown();
    });

    test("the agent as deployed never gets ready without a Kubernetes API server (why k8sattributes is dropped here)", async () => {
        // The loopback agent config before difference 6: k8sattributes still in the pipeline.
        const env: NodeJS.ProcessEnv = { ...process.env, K8S_NODE_NAME: NODE_NAME };
        delete env.KUBERNETES_SERVICE_HOST;
        delete env.KUBERNETES_SERVICE_PORT;
        const deployed = new ManagedProcess({ name: "otel-agent-with-k8sattributes", binary: requireTool("otelcol"), args: [`--config=${stack.configPaths.agent}`], logFile: path.join(stack.logDir, "otel-agent-with-k8sattributes.log"), maxLifetimeMs: MAX_PROCESS_LIFETIME_MS, env });
        deployed.start();
        try {
            // An observation window, not a wait: a look every second for 20 s, none of which may find it healthy.
            const watching = Date.now();
            let ready = false;
            for (let i = 1; i <= 20 && !ready; i++) {
                await at(watching, i * 1000);
                const response = await fetch(`http://${LOOPBACK}:${stack.ports.agentHealth}/`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
                ready = !!response?.ok;
            }
            const log = fs.readFileSync(deployed.logFile, "utf8");
            assert.equal(ready, false, "the agent with k8sattributes reported healthy without an API server");
            assert.match(log, /Could not initialize kube client.*KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined/);
        } finally {
            await deployed.stop("SIGKILL");
        }
    });

    test("every line arrives exactly once, with its pod's metadata, through rotation and a restart", async () => {
        await stack.start("log-sink");
        await stack.start("collector");
        agent.start();
        await agentReady();
        // The agent's own pod: the rendered exclude keeps its lines from looping through it.
        const own: Pod = { namespace: stack.config.agentNamespace, name: "otel-agent-7x2kq", uid: "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f", container: "otel-agent" };
        fs.mkdirSync(path.dirname(logFile(own)), { recursive: true });
        fs.writeFileSync(logFile(own), criLine(0, "F", jsonLine("own-0")) + criLine(1, "F", jsonLine("own-1")));

        // Pods appear after the agent started (start_at: end reads a new file from its first line).
        write(api, "a", 100);
        write(worker, "a", 100);
        // containerd splits a long line into P(artial) pieces ending with an F(ull) one: one record.
        written.push("api-split");
        fs.appendFileSync(logFile(api), criLine(clock++, "P", '{"seq":"api-split","level":"warn",') + criLine(clock++, "F", '"msg":"split by the runtime"}'));
        await allArrived("the first lines");
        const firstRound = delivered().length;

        // The kubelet's rotation while the agent runs: last lines to 0.log, rename, a new 0.log at once.
        write(api, "before-rotation", 50);
        fs.renameSync(logFile(api), logFile(api, "0.log.20261130-120000"));
        write(api, "after-rotation", 50);
        await allArrived("the lines around the rotation");

        // Restart: the agent stops (as on a rolling update), lines keep coming, the agent comes back.
        await agent.stop("SIGTERM", 20_000);
        write(api, "while-down", 60);
        write(worker, "while-down", 40);
        agent.start();
        await agentReady();
        write(api, "after-restart", 20);
        await allArrived("the lines written while the agent was down and after");
        // A duplicate would come after the last first copy: wait until neither the agent nor the gateway holds
        // anything (their own telemetry) and the log sink's count has not changed for both batch timeouts and a second.
        const batchesMs = batchTimeoutMs(stack.rendered.workloads["otel-agent"].config) + batchTimeoutMs(stack.rendered.workloads["otel-collector"].config);
        await untilQuiet("nothing more on its way to the log sink", batchesMs + 1_000, 60_000, async () => {
            const backlogs = await Promise.all([stack.ports.agentMetrics, stack.ports.collectorMetrics].map((port) => collectorBacklog(`http://${LOOPBACK}:${port}/metrics`, "logs")));
            return backlogs.every((backlog) => backlog.queued === 0) ? delivered().length : undefined;
        }).catch((error) => console.log(`# ${String(error)}`)); // on a timeout, the counts below say what is still moving

        const records = delivered();
        const perSeq = new Map<string, number>();
        for (const record of records) {
            perSeq.set(record.seq, (perSeq.get(record.seq) ?? 0) + 1);
        }
        const lost = written.filter((seq) => !perSeq.has(seq));
        const duplicated = [...perSeq].filter(([, count]) => count > 1).map(([seq]) => seq);
        const strays = [...perSeq.keys()].filter((seq) => !written.includes(seq));
        console.log(`# lines written: ${written.length} (api ${written.filter((s) => s.startsWith("api")).length}, worker ${written.filter((s) => s.startsWith("worker")).length}), plus 2 in the agent's own pod`);
        console.log(`# records at the log sink: ${records.length} (${firstRound} before the rotation); distinct lines ${perSeq.size}; lost ${lost.length}; duplicated ${duplicated.length}; not ours ${strays.length}`);
        assert.deepEqual(lost, [], "lines that never arrived");
        assert.deepEqual(duplicated, [], "lines that arrived more than once");
        assert.deepEqual(strays, [], "records that are not lines of the app pods (the agent's own pod is excluded)");
        assert.equal(records.length, written.length);

        // What the container operator and the pipeline made of one line (written by hand from the line above).
        const first = records.find((record) => record.seq === "api-a-0")!;
        assert.equal(first.timeUnixNano, String(BigInt(Date.UTC(2026, 10, 30, 12, 0, 0)) * 1_000_000n), "the CRI timestamp is the record's time");
        assert.equal(first.traceId, TRACE_ID);
        assert.equal(first.spanId, SPAN_ID);
        assert.equal(first.severityText, "info");
        assert.equal(first.attributes["log.iostream"], "stdout");
        assert.equal(first.attributes["log.file.path"], logFile(api));
        assert.deepEqual(
            Object.fromEntries(["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.container.name", "service.name"].map((key) => [key, first.resource[key]])),
            { "k8s.namespace.name": "learning", "k8s.pod.name": "api-5d8f7c9b4-x2x7q", "k8s.pod.uid": api.uid, "k8s.container.name": "api", "service.name": "api" },
        );
        const split = records.find((record) => record.seq === "api-split")!;
        assert.equal(split.attributes.msg, "split by the runtime");
        assert.equal(split.severityText, "warn");
        assert.equal(records.find((record) => record.seq === "worker-a-0")!.resource["service.name"], "worker");
    });
});
