/**
 * The one step between the configs the stack deploys and the ones the data-flow suite runs on a
 * single machine (`test/dataflow`). Everything else — pipelines, sampling policies, queues,
 * retention, rules, routes — is the rendered config unchanged, so the suite exercises what
 * `pulumi up` ships. Each difference below is listed with the reason it cannot stay as deployed:
 *
 * 1. Addresses. Peers are reached on 127.0.0.1 at free ports ({@link loopbackEndpoints}, passed to
 *    `renderStack` like `clusterEndpoints`), and every listener binds 127.0.0.1 instead of 0.0.0.0
 *    (nothing of the test is reachable from the network, and parallel runs cannot collide).
 * 2. Data directories. `/prometheus`, `/var/loki`, `/var/tempo`, the collector's queue, ... become
 *    folders under one scratch directory (no volumes outside Kubernetes).
 * 3. Discovery. Prometheus's `kubernetes_sd_configs` jobs become `static_configs` on the loopback
 *    ports, with the `namespace`/`pod` labels the relabelling would have added; jobs of components
 *    that do not run here (node agent, Grafana, kubelet cAdvisor, scraped services) are dropped.
 *    The Alertmanager `dns_sd_configs` (headless Service) becomes one static target.
 * 4. Instance addresses. Loki and Tempo advertise 127.0.0.1 in their rings (their distributors
 *    dial that address) and Tempo's memberlist binds 127.0.0.1 on a free port: in a pod they take
 *    the pod IP, here they would pick `eth0`, where nothing listens.
 *
 * Settings that are ordinary stack config (a shorter evaluation interval, a bigger sampling share,
 * the Alertmanager webhook) are not overrides: the suite sets them in the stack config it renders.
 */
import * as path from "path";
import * as YAML from "yaml";
import { StackConfig } from "../config/types";
import { RenderedFile, RenderedStack } from "./index";
import { Component, Endpoints, PATHS } from "./endpoints";
import { prometheusArgs } from "./prometheus";
import { toYaml } from "./yaml";

export const LOOPBACK = "127.0.0.1";

/** Every port the stack listens on, chosen free by the caller. */
export interface LoopbackPorts {
    readonly prometheus: number;
    readonly alertmanager: number;
    readonly lokiHttp: number;
    readonly lokiGrpc: number;
    readonly tempoHttp: number;
    readonly tempoGrpc: number;
    readonly tempoOtlpGrpc: number;
    readonly tempoOtlpHttp: number;
    readonly tempoMemberlist: number;
    readonly collectorOtlpGrpc: number;
    readonly collectorOtlpHttp: number;
    readonly collectorMetrics: number;
    readonly collectorHealth: number;
}

export const LOOPBACK_PORT_NAMES: readonly (keyof LoopbackPorts)[] = [
    "prometheus",
    "alertmanager",
    "lokiHttp",
    "lokiGrpc",
    "tempoHttp",
    "tempoGrpc",
    "tempoOtlpGrpc",
    "tempoOtlpHttp",
    "tempoMemberlist",
    "collectorOtlpGrpc",
    "collectorOtlpHttp",
    "collectorMetrics",
    "collectorHealth",
];

/** Difference 1: the stack's peers on the loopback interface. Grafana does not run here. */
export function loopbackEndpoints(ports: LoopbackPorts): Endpoints {
    const at = (port: number) => `${LOOPBACK}:${port}`;
    return {
        prometheus: `http://${at(ports.prometheus)}`,
        alertmanager: `http://${at(ports.alertmanager)}`,
        alertmanagerPeers: LOOPBACK,
        loki: `http://${at(ports.lokiHttp)}`,
        tempo: `http://${at(ports.tempoHttp)}`,
        tempoOtlpGrpc: at(ports.tempoOtlpGrpc),
        collectorOtlpGrpc: at(ports.collectorOtlpGrpc),
        grafana: "http://127.0.0.1:0",
    };
}

/** Difference 2: where each component keeps its data, under one scratch directory. */
export interface LoopbackDirs {
    readonly prometheus: string;
    readonly alertmanager: string;
    readonly loki: string;
    readonly tempo: string;
    readonly collectorQueue: string;
}

export function loopbackDirs(root: string): LoopbackDirs {
    return {
        prometheus: path.join(root, "prometheus-data"),
        alertmanager: path.join(root, "alertmanager-data"),
        loki: path.join(root, "loki-data"),
        tempo: path.join(root, "tempo-data"),
        collectorQueue: path.join(root, "otelcol-queue"),
    };
}

/** A parsed YAML document; the renderers own its shape, these functions only patch known keys. */
type Doc = Record<string, any>;

const parse = (yaml: string): Doc => YAML.parse(yaml) as Doc;

/** Rewrites a container path under `from` to the same path under `to` (other values untouched). */
function relocate(value: unknown, from: string, to: string): unknown {
    if (typeof value === "string") {
        return value === from || value.startsWith(`${from}/`) ? to + value.slice(from.length) : value;
    }
    if (Array.isArray(value)) {
        return value.map((item) => relocate(item, from, to));
    }
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, relocate(item, from, to)]));
    }
    return value;
}

/** Components of prometheus.yml's self-scrape that run in the suite, and the port they serve metrics on. */
function selfScrapeTargets(ports: LoopbackPorts): Partial<Record<Component, number>> {
    return {
        prometheus: ports.prometheus,
        alertmanager: ports.alertmanager,
        loki: ports.lokiHttp,
        tempo: ports.tempoHttp,
        "otel-collector": ports.collectorMetrics,
    };
}

/** Difference 3 for prometheus.yml (plus 1 for the Alertmanager target). */
export function loopbackPrometheusConfig(yaml: string, config: StackConfig, ports: LoopbackPorts): string {
    const doc = parse(yaml);
    const targets = selfScrapeTargets(ports);
    doc.alerting.alertmanagers = [{ static_configs: [{ targets: [`${LOOPBACK}:${ports.alertmanager}`] }] }];
    doc.scrape_configs = (doc.scrape_configs as Doc[]).flatMap((job) => {
        const port = targets[job.job_name as Component];
        if (port === undefined) {
            return [];
        }
        const { kubernetes_sd_configs: _sd, relabel_configs: _relabel, ...rest } = job;
        // The labels the pod relabelling would have set; the stack alerts print them.
        return [{ ...rest, static_configs: [{ targets: [`${LOOPBACK}:${port}`], labels: { namespace: config.namespace, pod: `${job.job_name}-0` } }] }];
    });
    return toYaml(doc);
}

/** Scraped services' pods do not exist here: their jobs are dropped (difference 3). */
function loopbackScrapeFile(file: RenderedFile): RenderedFile {
    return { fileName: file.fileName, content: toYaml({ scrape_configs: [] }) };
}

export function loopbackLokiConfig(yaml: string, ports: LoopbackPorts, dirs: LoopbackDirs): string {
    const doc = relocate(parse(yaml), PATHS.lokiData, dirs.loki) as Doc;
    doc.server = { ...doc.server, http_listen_address: LOOPBACK, http_listen_port: ports.lokiHttp, grpc_listen_address: LOOPBACK, grpc_listen_port: ports.lokiGrpc };
    // Difference 4: the ring advertises the loopback address (the distributor dials it), not eth0's.
    doc.common = { ...doc.common, instance_addr: LOOPBACK };
    return toYaml(doc);
}

export function loopbackTempoConfig(yaml: string, ports: LoopbackPorts, dirs: LoopbackDirs): string {
    const doc = relocate(parse(yaml), PATHS.tempoData, dirs.tempo) as Doc;
    doc.server = { ...doc.server, http_listen_address: LOOPBACK, http_listen_port: ports.tempoHttp, grpc_listen_address: LOOPBACK, grpc_listen_port: ports.tempoGrpc };
    doc.distributor.receivers.otlp.protocols = {
        grpc: { endpoint: `${LOOPBACK}:${ports.tempoOtlpGrpc}` },
        http: { endpoint: `${LOOPBACK}:${ports.tempoOtlpHttp}` },
    };
    // Difference 4: the rings (kept in memberlist, as deployed) advertise the loopback address
    // instead of eth0's, and memberlist binds it on a free port.
    doc.memberlist = { ...(doc.memberlist ?? {}), bind_addr: [LOOPBACK], bind_port: ports.tempoMemberlist };
    doc.ingester = { ...doc.ingester, lifecycler: { address: LOOPBACK } };
    doc.distributor = { ...doc.distributor, ring: { instance_addr: LOOPBACK } };
    doc.metrics_generator = { ...doc.metrics_generator, ring: { instance_addr: LOOPBACK } };
    return toYaml(doc);
}

export function loopbackCollectorConfig(yaml: string, ports: LoopbackPorts, dirs: LoopbackDirs): string {
    const doc = relocate(parse(yaml), PATHS.collectorQueue, dirs.collectorQueue) as Doc;
    doc.extensions.health_check.endpoint = `${LOOPBACK}:${ports.collectorHealth}`;
    doc.receivers.otlp.protocols.grpc.endpoint = `${LOOPBACK}:${ports.collectorOtlpGrpc}`;
    doc.receivers.otlp.protocols.http.endpoint = `${LOOPBACK}:${ports.collectorOtlpHttp}`;
    for (const reader of doc.service.telemetry.metrics.readers as Doc[]) {
        reader.pull.exporter.prometheus = { ...reader.pull.exporter.prometheus, host: LOOPBACK, port: ports.collectorMetrics };
    }
    return toYaml(doc);
}

/**
 * The rendered stack with the differences above applied. `rendered` must come from
 * `renderStack(config, loopbackEndpoints(ports))`.
 */
export function applyLoopbackOverrides(rendered: RenderedStack, config: StackConfig, ports: LoopbackPorts, dirs: LoopbackDirs): RenderedStack {
    return {
        // alertmanager.yml stays byte-identical: its receivers are URLs from the stack config and
        // its credentials `*_file` paths, which exist only with PagerDuty/Slack secrets (none here).
        ...rendered,
        prometheusConfig: loopbackPrometheusConfig(rendered.prometheusConfig, config, ports),
        scrapeFiles: rendered.scrapeFiles.map(loopbackScrapeFile),
        lokiConfig: loopbackLokiConfig(rendered.lokiConfig, ports, dirs),
        tempoConfig: loopbackTempoConfig(rendered.tempoConfig, ports, dirs),
        collectorGatewayConfig: loopbackCollectorConfig(rendered.collectorGatewayConfig, ports, dirs),
    };
}

/** Paths of the configs written by `artifactFiles` under `configRoot`. */
export function loopbackConfigPaths(configRoot: string) {
    return {
        prometheus: path.join(configRoot, "prometheus/prometheus.yml"),
        alertmanager: path.join(configRoot, "alertmanager/alertmanager.yml"),
        loki: path.join(configRoot, "loki/loki.yaml"),
        tempo: path.join(configRoot, "tempo/tempo.yaml"),
        collector: path.join(configRoot, "otel-collector/config.yaml"),
    };
}

/**
 * Command lines: the deployed flags (`prometheusArgs`, the Alertmanager/Loki/Tempo/Collector
 * container args) with config and data paths and listen addresses relocated.
 */
export function loopbackArgs(config: StackConfig, ports: LoopbackPorts, dirs: LoopbackDirs, configRoot: string) {
    const files = loopbackConfigPaths(configRoot);
    const prometheus = prometheusArgs(config).map((arg) => {
        if (arg.startsWith("--config.file=")) return `--config.file=${files.prometheus}`;
        if (arg.startsWith("--storage.tsdb.path=")) return `--storage.tsdb.path=${dirs.prometheus}`;
        if (arg.startsWith("--web.listen-address=")) return `--web.listen-address=${LOOPBACK}:${ports.prometheus}`;
        return arg;
    });
    return {
        prometheus,
        // One replica: the deployed single-replica flags (clustering off).
        alertmanager: [`--config.file=${files.alertmanager}`, `--storage.path=${dirs.alertmanager}`, `--web.listen-address=${LOOPBACK}:${ports.alertmanager}`, "--cluster.listen-address="],
        loki: [`-config.file=${files.loki}`, "-config.expand-env=true"],
        tempo: [`-config.file=${files.tempo}`, "-config.expand-env=true"],
        collector: [`--config=${files.collector}`],
    };
}
