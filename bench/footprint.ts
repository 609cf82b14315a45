/**
 * Footprint: what each environment profile asks Kubernetes for (requests and limits from the
 * validated config), and the idle RSS of each real backend binary we can run locally with the dev
 * stack's rendered config, rewritten to loopback addresses and temporary data directories.
 * Loki and Tempo are not measured: their modules are AGPL and never built here.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Resources, StackConfig } from "../config/types";
import { prometheusArgs } from "../render/prometheus";
import { renderCommand } from "../test/support/render";
import { loadStack } from "../test/support/fixtures";
import { freePort } from "../scripts/dev/ports";
import { ManagedProcess } from "../scripts/dev/processes";
import { sleep } from "../scripts/dev/polling";
import { cachedTool, toolVersion } from "../scripts/dev/tools";
import { BenchOptions, printTable } from "./report";

function cpuCores(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

function memoryMiB(quantity: string): number {
    const match = /^([\d.]+)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity);
    if (!match) {
        throw new Error(`unreadable memory quantity ${quantity}`);
    }
    const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 ** 2, K: 1e3 / 1024 ** 2, M: 1e6 / 1024 ** 2, G: 1e9 / 1024 ** 2, T: 1e12 / 1024 ** 2 };
    return Number(match[1]) * (match[2] ? factor[match[2]] : 1 / 1024 ** 2);
}

function workloads(config: StackConfig): { name: string; replicas: number; resources: Resources }[] {
    return [
        { name: "prometheus", replicas: config.prometheus.replicas, resources: config.prometheus.resources },
        { name: "alertmanager", replicas: config.alertmanager.replicas, resources: config.alertmanager.resources },
        { name: "loki", replicas: 1, resources: config.loki.resources },
        { name: "tempo", replicas: 1, resources: config.tempo.resources },
        { name: "otel-collector (gateway)", replicas: config.collector.gatewayReplicas, resources: config.collector.gatewayResources },
        { name: "grafana", replicas: config.grafana.replicas, resources: config.grafana.resources },
        ...(config.collector.agentEnabled ? [{ name: "otel-agent (per node)", replicas: 1, resources: config.collector.agentResources }] : []),
    ];
}

function resourceTable(): void {
    const rows: string[][] = [];
    for (const stack of ["dev", "prod"]) {
        const config = loadStack(stack);
        const totals = { cpuReq: 0, memReq: 0, cpuLim: 0, memLim: 0 };
        for (const w of workloads(config)) {
            const r = w.resources;
            const figures = [cpuCores(r.requests.cpu), memoryMiB(r.requests.memory), cpuCores(r.limits.cpu), memoryMiB(r.limits.memory)].map((x) => x * w.replicas);
            totals.cpuReq += figures[0];
            totals.memReq += figures[1];
            totals.cpuLim += figures[2];
            totals.memLim += figures[3];
            rows.push([stack, w.name, String(w.replicas), figures[0].toFixed(2), figures[1].toFixed(0), figures[2].toFixed(2), figures[3].toFixed(0)]);
        }
        rows.push([stack, "**total** (one node's agent)", "", `**${totals.cpuReq.toFixed(2)}**`, `**${totals.memReq.toFixed(0)}**`, `**${totals.cpuLim.toFixed(2)}**`, `**${totals.memLim.toFixed(0)}**`]);
    }
    printTable("Requests and limits per environment profile (validated config, replicas included)", ["profile", "workload", "replicas", "CPU request (cores)", "memory request (MiB)", "CPU limit (cores)", "memory limit (MiB)"], rows, [
        "From Pulumi.dev.yaml / Pulumi.prod.yaml through loadStackConfig: the profile defaults and any overrides, times replicas. The agent DaemonSet adds its figures once per node.",
    ]);
}

/**
 * The bench-only rewrite of a rendered config: every listen address to 127.0.0.1 on a free port,
 * every absolute data directory into the scratch directory. Cluster DNS names of other backends
 * are left alone: an idle process never sends to them.
 */
async function toLoopback(node: unknown, dataDir: string): Promise<unknown> {
    if (Array.isArray(node)) {
        return Promise.all(node.map((item) => toLoopback(item, dataDir)));
    }
    if (node && typeof node === "object") {
        const out: Record<string, unknown> = {};
        const entries = Object.entries(node as Record<string, unknown>);
        for (const [key, value] of entries) {
            if (typeof value === "string" && /^(0\.0\.0\.0|\[::\])?:\d+$/.test(value)) {
                out[key] = `127.0.0.1:${await freePort()}`;
            } else if (key === "host" && value === "0.0.0.0") {
                out[key] = "127.0.0.1";
            } else if (key === "port" && typeof value === "number" && entries.some(([k, v]) => k === "host" && v === "0.0.0.0")) {
                out[key] = await freePort();
            } else if (/listen_port$/.test(key) && typeof value === "number") {
                out[key] = await freePort();
            } else if (/listen_address$/.test(key) && typeof value === "string") {
                out[key] = "127.0.0.1";
            } else if (typeof value === "string" && /^\/(var|data|tmp|loki|tempo)\b/.test(value) && /dir|path|directory|storage/i.test(key)) {
                out[key] = path.join(dataDir, value.replace(/^\//, ""));
            } else {
                out[key] = await toLoopback(value, dataDir);
            }
        }
        return out;
    }
    return node;
}

interface Backend {
    readonly name: string;
    readonly tool: string;
    /** Writes the rewritten config into `work` and returns the arguments and the readiness URL. */
    prepare(rendered: string, work: string): Promise<{ args: string[]; ready: string }>;
}

const BACKENDS: readonly Backend[] = [
    {
        name: "prometheus",
        tool: "prometheus",
        async prepare(rendered, work) {
            // Rule files load as deployed (relative paths); Kubernetes service discovery and in-cluster
            // credentials do not exist here, so only the self-scrape job is kept, as a static target.
            const dir = path.join(work, "prometheus");
            fs.cpSync(path.join(rendered, "prometheus"), dir, { recursive: true });
            const port = await freePort();
            const config = YAML.parse(fs.readFileSync(path.join(dir, "prometheus.yml"), "utf8"));
            delete config.alerting;
            config.scrape_configs = [{ job_name: "prometheus", static_configs: [{ targets: [`127.0.0.1:${port}`] }] }];
            fs.writeFileSync(path.join(dir, "prometheus.yml"), YAML.stringify(config));
            const args = prometheusArgs(loadStack("dev")).map((arg) =>
                arg.startsWith("--config.file=")
                    ? `--config.file=${path.join(dir, "prometheus.yml")}`
                    : arg.startsWith("--storage.tsdb.path=")
                      ? `--storage.tsdb.path=${path.join(work, "prometheus-data")}`
                      : arg.startsWith("--web.listen-address=")
                        ? `--web.listen-address=127.0.0.1:${port}`
                        : arg,
            );
            return { args, ready: `http://127.0.0.1:${port}/-/ready` };
        },
    },
    {
        name: "alertmanager",
        tool: "alertmanager",
        async prepare(rendered, work) {
            const port = await freePort();
            const file = path.join(work, "alertmanager.yml");
            const config = await toLoopback(YAML.parse(fs.readFileSync(path.join(rendered, "alertmanager/alertmanager.yml"), "utf8")), work);
            fs.writeFileSync(file, YAML.stringify(config));
            return {
                args: [`--config.file=${file}`, `--storage.path=${path.join(work, "alertmanager-data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
                ready: `http://127.0.0.1:${port}/-/ready`,
            };
        },
    },
    {
        name: "otel-collector (gateway)",
        tool: "otelcol",
        async prepare(rendered, work) {
            const file = path.join(work, "otelcol.yaml");
            const config = (await toLoopback(YAML.parse(fs.readFileSync(path.join(rendered, "otel-collector/config.yaml"), "utf8")), work)) as { extensions?: { health_check?: { endpoint?: string } } };
            for (const [key, value] of Object.entries(config.extensions ?? {})) {
                const directory = (value as { directory?: string })?.directory;
                if (key.startsWith("file_storage") && directory) {
                    fs.mkdirSync(directory, { recursive: true });
                }
            }
            fs.writeFileSync(file, YAML.stringify(config));
            return { args: [`--config=${file}`], ready: `http://${config.extensions?.health_check?.endpoint ?? "127.0.0.1:13133"}/` };
        },
    },
];

function rssKiB(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

export async function footprint(options: BenchOptions): Promise<void> {
    resourceTable();
    const idleSeconds = options.quick ? 10 : 30;
    const rendered = path.join(options.scratch, "footprint-render");
    renderCommand("dev", rendered);
    const rows: string[][] = [];
    for (const backend of BACKENDS) {
        const binary = cachedTool(backend.tool);
        if (!binary) {
            rows.push([backend.name, "not built", "", "", "n/a"]);
            continue;
        }
        const work = path.join(options.scratch, `footprint-${backend.tool}`);
        fs.mkdirSync(work, { recursive: true });
        const log = path.join(work, "process.log");
        const { args, ready } = await backend.prepare(rendered, work);
        const server = new ManagedProcess({ name: backend.tool, binary, args, logFile: log, nice: true });
        server.start();
        try {
            const begin = performance.now();
            await server.waitForHttp(ready, 120_000, 250);
            const startMs = performance.now() - begin;
            await sleep(idleSeconds * 1000);
            const samples: number[] = [];
            for (let i = 0; i < 5; i++) {
                samples.push(rssKiB(server.pid!));
                await sleep(1000);
            }
            rows.push([backend.name, toolVersion(binary).replace(/\(.*$/, "").trim(), `${(startMs / 1000).toFixed(1)} s`, `${(Math.max(...samples) / 1024).toFixed(0)} MiB`, "next table"]);
        } catch (error) {
            const lastLines = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").slice(-2).join(" ").slice(0, 300) : "";
            rows.push([backend.name, toolVersion(binary).replace(/\(.*$/, "").trim(), "failed to start", `${error instanceof Error ? error.message : String(error)} ${lastLines}`, "n/a"]);
        } finally {
            await server.stop("SIGTERM", 15_000);
        }
    }
    printTable("Idle RSS of the real backends with the dev stack's rendered config", ["backend", "version", "ready after", "idle RSS", "loaded RSS"], rows, [
        `\`npm run render -- --stack dev\`, then the bench-only rewrite in bench/footprint.ts: listen addresses to 127.0.0.1 on free ports, data directories into a temp dir; Prometheus keeps its rule files and flags but only a static self-scrape job (no Kubernetes SD, no Alertmanager discovery).`,
        `Idle RSS: the largest of five VmRSS readings, one a second, starting ${idleSeconds}s after the process answered its readiness endpoint. The collector's agent (DaemonSet) needs a node's pod logs and the Kubernetes API and is not run.`,
        "Loki and Tempo: not measured. Their Go modules are AGPL-licensed and this project never builds them, so no binary of either exists here; only their images are deployed.",
    ]);
}
