/**
 * The one step between the configs the stack deploys and the ones the data-flow suite runs on a
 * single machine. Test-only code: product code never imports it. Everything else — pipelines,
 * sampling policies, queues, retention, rules, routes — is the rendered config unchanged, so the
 * suite exercises what `pulumi up` ships. Each difference below is listed with the reason it cannot
 * stay as deployed:
 *
 * 1. Addresses. Peers are reached on 127.0.0.1 at free ports ({@link loopbackEndpoints}, passed to
 *    `renderStack` like `clusterEndpoints`): only the host names change, the URL paths the
 *    exporters use (`/otlp` under Loki's HTTP endpoint, `/api/v1/otlp` under Prometheus's) stay as
 *    rendered. Every listener binds 127.0.0.1 instead of 0.0.0.0 (nothing of the test is reachable
 *    from the network, and parallel runs cannot collide).
 * 2. Data directories. `/prometheus`, the collector's queue, the agent's state, ... become folders
 *    under one scratch directory (no volumes outside Kubernetes). So does the Alertmanager
 *    credentials directory (a Secret mount in the cluster): its `*_file` paths point there.
 * 3. Discovery. Prometheus's `kubernetes_sd_configs` jobs become `static_configs` on the loopback
 *    ports, with the `namespace`/`pod` labels the relabelling would have added; jobs of components
 *    that do not run here (Loki, Tempo, node agent, Grafana, kubelet cAdvisor, scraped services)
 *    are dropped. The Alertmanager `dns_sd_configs` (headless Service) becomes one static target.
 * 4. Loki and Tempo. Their binaries are AGPL-licensed and never built here, so `loki.yaml` and
 *    `tempo.yaml` are rendered but not run. What the gateway sends them is received by two
 *    stand-ins ({@link sinkConfigs}): instances of our own Collector build whose `otlp` receivers
 *    listen exactly where the rendered exporters `otlphttp/loki` and `otlp/tempo` send (Loki's
 *    `/otlp/v1/logs` over HTTP, Tempo's OTLP gRPC port) and hand every request on, synchronously,
 *    as OTLP/JSON to the harness's sink recorder, which appends it to a file the suite reads.
 * 5. The Collector's two tiers (`topology: distributed`, {@link loopbackLoadBalancerConfig}). The
 *    load-balancing exporter's `dns` resolver becomes a `static` resolver listing the gateways as
 *    `127.0.0.1:<port>`. In the cluster the DNS resolver reads the A records of the gateways' headless
 *    Service and dials each at one port; here there is no cluster DNS, and every gateway has the same
 *    address (nothing binds beyond 127.0.0.1), so only ports tell them apart, and only the static
 *    resolver lists a port per gateway. Routing (`routing_key: traceID`, the hash ring over the
 *    listed gateways), the per-gateway retrying queues and everything in the gateways stay as
 *    rendered. What differs: a killed gateway stays in the ring (in the cluster its pod leaves the
 *    headless Service and the resolver, every 5 s, moves its share of trace IDs to the others), so
 *    its spans wait in the load balancer's retrying queue until it is back. Each gateway gets its own
 *    ports and queue folder (its StatefulSet volume); its `otlp/tempo` exporter sends to its own
 *    receiver of one trace sink, which tags each span with the gateway it came through (resource
 *    attribute {@link GATEWAY_TAG}: the stand-in's doing, not the gateway's). The load balancer's
 *    exporters of logs and metrics get the same static resolver.
 *    Peers that do not run in this set-up (Loki's distributor, Prometheus) get a loopback port where
 *    nothing listens: the run sends traces only.
 * 6. Running the node agent ({@link loopbackAgentRunConfig}). `/var/log/pods` becomes a scratch
 *    folder the suite writes in the kubelet's layout and CRI format. The `k8sattributes` processor
 *    is dropped from the logs pipeline: it loads the in-cluster service-account config, and without
 *    a Kubernetes API server it fails to start ("Could not initialize kube client"), which leaves
 *    the agent running but never ready, its filelog receiver never started. The `container` operator still sets
 *    `k8s.namespace.name`, `k8s.pod.name`, `k8s.pod.uid` and `k8s.container.name` from the file
 *    path, so the service is still named (after its container); what is lost is only what the API
 *    adds (the workload's name, the node name, the `app.kubernetes.io/name` label).
 *
 * Settings that are ordinary stack config (a shorter evaluation interval, a bigger sampling share,
 * the Alertmanager webhook) are not overrides: the suite sets them in the stack config it renders
 * (the webhook and heartbeat URLs as secrets, written where `url_file` reads them, as the Secret mount would hold them).
 */
import * as path from "path";
import * as YAML from "yaml";
import { StackConfig } from "../../config/types";
import { Component, Endpoints, PATHS } from "../../model/components";
import { RenderedFile, RenderedStack, RenderedWorkload } from "../../render";
import { toYaml } from "../../render/yaml";
import { LOOPBACK } from "../../scripts/dev/ports";

export { LOOPBACK };

/** Every port the suite listens on, chosen free by the caller. */
export interface LoopbackPorts {
    readonly prometheus: number;
    /** The second replica of an HA pair (`prometheus.replicas: 2`); nothing listens with one replica. */
    readonly prometheusReplica2: number;
    readonly alertmanager: number;
    /** Loki's HTTP port in the rendered endpoints: the log sink's OTLP/HTTP receiver listens here. */
    readonly lokiHttp: number;
    /** Tempo's query API in the rendered endpoints; only Grafana's datasource uses it, and nothing listens (no Tempo). */
    readonly tempoHttp: number;
    /** Tempo's OTLP gRPC port in the rendered endpoints: the trace sink's receiver listens here. */
    readonly tempoOtlpGrpc: number;
    readonly logSinkHealth: number;
    readonly traceSinkHealth: number;
    /** The harness's HTTP server that writes what the sinks receive to files. */
    readonly sinkRecorder: number;
    readonly collectorOtlpGrpc: number;
    readonly collectorOtlpHttp: number;
    readonly collectorMetrics: number;
    readonly collectorHealth: number;
    readonly agentHealth: number;
    readonly agentMetrics: number;
}

export const LOOPBACK_PORT_NAMES: readonly (keyof LoopbackPorts)[] = [
    "prometheus",
    "prometheusReplica2",
    "alertmanager",
    "lokiHttp",
    "tempoHttp",
    "tempoOtlpGrpc",
    "logSinkHealth",
    "traceSinkHealth",
    "sinkRecorder",
    "collectorOtlpGrpc",
    "collectorOtlpHttp",
    "collectorMetrics",
    "collectorHealth",
    "agentHealth",
    "agentMetrics",
];

/**
 * Difference 1: the stack's peers on the loopback interface. Grafana does not run here. With two
 * Prometheus replicas, each has its own address, as each pod has its own DNS name in the cluster.
 */
export function loopbackEndpoints(ports: LoopbackPorts, prometheusReplicas = 1): Endpoints {
    const at = (port: number) => `${LOOPBACK}:${port}`;
    if (prometheusReplicas > 2) {
        throw new Error(`the data-flow suite runs at most two Prometheus replicas, not ${prometheusReplicas}`);
    }
    return {
        prometheus: `http://${at(ports.prometheus)}`,
        ...(prometheusReplicas === 2 ? { prometheusReplicas: [`http://${at(ports.prometheus)}`, `http://${at(ports.prometheusReplica2)}`] } : {}),
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
    readonly prometheusReplica2: string;
    readonly alertmanager: string;
    /** The Alertmanager credentials directory (`url_file` and the other `*_file` paths). */
    readonly alertmanagerSecrets: string;
    readonly collectorQueue: string;
    readonly agentState: string;
    /** Where the sink recorder writes what the log and trace sinks received. */
    readonly sinks: string;
}

export function loopbackDirs(root: string): LoopbackDirs {
    return {
        prometheus: path.join(root, "prometheus-data"),
        prometheusReplica2: path.join(root, "prometheus-replica-2-data"),
        alertmanager: path.join(root, "alertmanager-data"),
        alertmanagerSecrets: path.join(root, "alertmanager-secrets"),
        collectorQueue: path.join(root, "otelcol-queue"),
        agentState: path.join(root, "otel-agent-state"),
        sinks: path.join(root, "sinks"),
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

/** The Collector's own metrics endpoint (a pull reader) on the loopback interface. */
function loopbackTelemetry(doc: Doc, port: number): void {
    for (const reader of doc.service.telemetry.metrics.readers as Doc[]) {
        reader.pull.exporter.prometheus = { ...reader.pull.exporter.prometheus, host: LOOPBACK, port };
    }
}

export function loopbackCollectorConfig(yaml: string, ports: LoopbackPorts, dirs: LoopbackDirs): string {
    const doc = relocate(parse(yaml), PATHS.collectorQueue, dirs.collectorQueue) as Doc;
    doc.extensions.health_check.endpoint = `${LOOPBACK}:${ports.collectorHealth}`;
    doc.receivers.otlp.protocols.grpc.endpoint = `${LOOPBACK}:${ports.collectorOtlpGrpc}`;
    doc.receivers.otlp.protocols.http.endpoint = `${LOOPBACK}:${ports.collectorOtlpHttp}`;
    loopbackTelemetry(doc, ports.collectorMetrics);
    return toYaml(doc);
}

/** Difference 2 for alertmanager.yml: credential files are read from the scratch secrets directory. */
export function loopbackAlertmanagerConfig(yaml: string, dirs: LoopbackDirs): string {
    return toYaml(relocate(parse(yaml), PATHS.alertmanagerSecretsDir, dirs.alertmanagerSecrets));
}

/**
 * The node agent's listeners and state directory on loopback and in scratch: the config
 * `otelcol validate` checks. To run it, {@link loopbackAgentRunConfig} also moves `/var/log/pods`
 * and drops `k8sattributes` (difference 6).
 */
export function loopbackAgentConfig(yaml: string, ports: LoopbackPorts, dirs: LoopbackDirs): string {
    const doc = relocate(parse(yaml), PATHS.agentState, dirs.agentState) as Doc;
    doc.extensions.health_check.endpoint = `${LOOPBACK}:${ports.agentHealth}`;
    loopbackTelemetry(doc, ports.agentMetrics);
    return toYaml(doc);
}

/** Where the rendered gateway sends logs and traces, as the sinks must receive them (difference 4). */
export interface SinkAddresses {
    /** host:port of Loki's HTTP endpoint in the rendered `otlphttp/loki` exporter. */
    readonly logsEndpoint: string;
    /** URL path the `otlphttp/loki` exporter posts logs to: its endpoint's path + `/v1/logs`. */
    readonly logsUrlPath: string;
    /** host:port of the rendered `otlp/tempo` exporter. */
    readonly tracesEndpoint: string;
}

/** Read from the rendered gateway config, so the sinks listen where the deployed exporters send. */
export function sinkAddresses(gatewayYaml: string): SinkAddresses {
    const exporters = parse(gatewayYaml).exporters as Doc;
    const loki = new URL(exporters["otlphttp/loki"].endpoint as string);
    return {
        logsEndpoint: loki.host,
        // The otlphttp exporter appends the signal path to its base endpoint.
        logsUrlPath: `${loki.pathname.replace(/\/$/, "")}/v1/logs`,
        tracesEndpoint: exporters["otlp/tempo"].endpoint as string,
    };
}

/** Recorder paths the sinks post to (one file per signal). */
export const SINK_RECORDER_PATHS = { logs: "/logs", traces: "/traces" } as const;

/** The sinks' one exporter: every request, as OTLP/JSON, to the recorder. */
function recorderExporter(signal: "logs" | "traces", recorderPort: number): Doc {
    return {
        [`${signal}_endpoint`]: `http://${LOOPBACK}:${recorderPort}${SINK_RECORDER_PATHS[signal]}`,
        encoding: "json",
        compression: "none",
        // No queue and no retry: the receiver answers the gateway only after the recorder
        // has written the request to its file, so "accepted by the sink" means "on disk",
        // and a failure goes back to the gateway's own durable queue.
        sending_queue: { enabled: false },
        retry_on_failure: { enabled: false },
    };
}

function sinkConfig(signal: "logs" | "traces", receiver: Doc, healthPort: number, recorderPort: number): string {
    return toYaml({
        extensions: { health_check: { endpoint: `${LOOPBACK}:${healthPort}` } },
        receivers: { otlp: { protocols: receiver } },
        exporters: { "otlphttp/recorder": recorderExporter(signal, recorderPort) },
        service: {
            extensions: ["health_check"],
            // No internal metrics listener: the default :8888 would collide with other processes.
            telemetry: { logs: { level: "info" }, metrics: { level: "none" } },
            pipelines: { [signal]: { receivers: ["otlp"], exporters: ["otlphttp/recorder"] } },
        },
    });
}

/** Configs of the Loki and Tempo stand-ins (difference 4), derived from the rendered gateway config. */
export function sinkConfigs(gatewayYaml: string, ports: LoopbackPorts): { logSink: string; traceSink: string } {
    const addresses = sinkAddresses(gatewayYaml);
    return {
        logSink: sinkConfig("logs", { http: { endpoint: addresses.logsEndpoint, logs_url_path: addresses.logsUrlPath } }, ports.logSinkHealth, ports.sinkRecorder),
        traceSink: sinkConfig("traces", { grpc: { endpoint: addresses.tracesEndpoint } }, ports.traceSinkHealth, ports.sinkRecorder),
    };
}

/**
 * The rendered stack with the differences above applied. `rendered` must come from
 * `renderStack(config, runbooks, loopbackEndpoints(ports))`. `loki.yaml` and `tempo.yaml` are left as
 * rendered: they are not run (difference 4).
 */
export function applyLoopbackOverrides(rendered: RenderedStack, config: StackConfig, ports: LoopbackPorts, dirs: LoopbackDirs): RenderedStack {
    const { workloads } = rendered;
    const relocate = (workload: RenderedWorkload, config: string): RenderedWorkload => ({ ...workload, config });
    return {
        // alertmanager.yml keeps its routes and receivers; only the credentials directory moves (difference 2).
        ...rendered,
        workloads: {
            ...workloads,
            alertmanager: relocate(workloads.alertmanager, loopbackAlertmanagerConfig(workloads.alertmanager.config, dirs)),
            prometheus: relocate(workloads.prometheus, loopbackPrometheusConfig(workloads.prometheus.config, config, ports)),
            "otel-collector": relocate(workloads["otel-collector"], loopbackCollectorConfig(workloads["otel-collector"].config, ports, dirs)),
            "otel-agent": relocate(workloads["otel-agent"], loopbackAgentConfig(workloads["otel-agent"].config, ports, dirs)),
        },
        services: rendered.services.map((service) => (service.scrapeFile ? { ...service, scrapeFile: loopbackScrapeFile(service.scrapeFile) } : service)),
    };
}

/** Paths of the configs written by `artifactFiles` under `configRoot`, plus the two sinks'. */
export function loopbackConfigPaths(configRoot: string) {
    return {
        prometheus: path.join(configRoot, "prometheus/prometheus.yml"),
        alertmanager: path.join(configRoot, "alertmanager/alertmanager.yml"),
        collector: path.join(configRoot, "otel-collector/config.yaml"),
        agent: path.join(configRoot, "otel-collector/agent.yaml"),
        logSink: path.join(configRoot, "sinks/log-sink.yaml"),
        traceSink: path.join(configRoot, "sinks/trace-sink.yaml"),
    };
}

/**
 * Command lines: the deployed container args of each workload (`rendered.workloads.<name>.args`)
 * with config and data paths and listen addresses relocated; every other flag stays as rendered.
 */
export function loopbackArgs(rendered: RenderedStack, ports: LoopbackPorts, dirs: LoopbackDirs, configRoot: string) {
    const files = loopbackConfigPaths(configRoot);
    const rewrite = (args: readonly string[], flags: Record<string, string>) =>
        args.map((arg) => {
            const flag = Object.keys(flags).find((name) => arg.startsWith(`${name}=`));
            return flag ? `${flag}=${flags[flag]}` : arg;
        });
    const { workloads } = rendered;
    const collector = (config: string) => rewrite(workloads["otel-collector"].args, { "--config": config });
    return {
        prometheus: rewrite(workloads.prometheus.args, {
            "--config.file": files.prometheus,
            "--storage.tsdb.path": dirs.prometheus,
            "--web.listen-address": `${LOOPBACK}:${ports.prometheus}`,
        }),
        // The second replica of an HA pair: the same config and flags, its own data and port.
        prometheusReplica2: rewrite(workloads.prometheus.args, {
            "--config.file": files.prometheus,
            "--storage.tsdb.path": dirs.prometheusReplica2,
            "--web.listen-address": `${LOOPBACK}:${ports.prometheusReplica2}`,
        }),
        // The dev stack runs one replica: clustering is off (`--cluster.listen-address=`) as deployed.
        alertmanager: rewrite(workloads.alertmanager.args, {
            "--config.file": files.alertmanager,
            "--storage.path": dirs.alertmanager,
            "--web.listen-address": `${LOOPBACK}:${ports.alertmanager}`,
        }),
        collector: collector(files.collector),
        // The sinks are the same Collector binary with their own config.
        logSink: collector(files.logSink),
        traceSink: collector(files.traceSink),
    };
}

/** The listeners of one Collector process: OTLP in, health check, its own metrics. */
export interface CollectorPorts {
    readonly otlpGrpc: number;
    readonly otlpHttp: number;
    readonly health: number;
    readonly metrics: number;
}

/** Difference 5: ports of the two-tier run. */
export interface TieredPorts {
    readonly loadBalancer: CollectorPorts;
    readonly gateways: readonly CollectorPorts[];
    /** One OTLP gRPC receiver of the trace sink per gateway, in the gateways' order. */
    readonly traceSinkReceivers: readonly number[];
    readonly traceSinkHealth: number;
    /** Where the peers that do not run in this set-up are "reached": nothing listens there. */
    readonly idle: number;
}

/** Resource attribute the two-tier trace sink sets to the name of the gateway a span came through. */
export const GATEWAY_TAG = "loopback.gateway";
export const gatewayName = (index: number): `gateway-${number}` => `gateway-${index}`;

function listenOnLoopback(doc: Doc, ports: CollectorPorts): void {
    doc.extensions.health_check.endpoint = `${LOOPBACK}:${ports.health}`;
    doc.receivers.otlp.protocols.grpc.endpoint = `${LOOPBACK}:${ports.otlpGrpc}`;
    doc.receivers.otlp.protocols.http.endpoint = `${LOOPBACK}:${ports.otlpHttp}`;
    loopbackTelemetry(doc, ports.metrics);
}

/** The load balancer's exporters to the gateways: `load_balancing` (spans), `load_balancing/logs`, `load_balancing/metrics`. */
function loadBalancingExporters(doc: Doc): Doc[] {
    const exporters = Object.entries(doc.exporters as Record<string, Doc>).filter(([name]) => name === "load_balancing" || name.startsWith("load_balancing/"));
    if (exporters.length !== 3) {
        throw new Error(`expected the three load-balancing exporters, found ${exporters.map(([name]) => name).join(", ")}: revisit difference 5`);
    }
    return exporters.map(([, exporter]) => exporter);
}

/** Difference 5 for the load-balancing tier: the static resolver lists the gateways on loopback. */
export function loopbackLoadBalancerConfig(yaml: string, ports: TieredPorts): string {
    const doc = parse(yaml);
    listenOnLoopback(doc, ports.loadBalancer);
    for (const exporter of loadBalancingExporters(doc)) {
        if (!exporter.resolver?.dns) {
            throw new Error("the rendered load-balancing exporters no longer use the dns resolver: revisit difference 5");
        }
        exporter.resolver = { static: { hostnames: ports.gateways.map((gateway) => `${LOOPBACK}:${gateway.otlpGrpc}`) } };
    }
    return toYaml(doc);
}

/**
 * Difference 5 with a real DNS resolver (the gateway-scaling run): the load-balancing exporter keeps
 * its `dns` resolver as rendered (the headless Service's name, the resolve interval), and only the
 * port it dials changes to the gateways' one gRPC port here; a DNS server of the suite answers the
 * name with the addresses of the gateways "in the Service" ({@link gatewayAddress}).
 */
export function dnsLoadBalancerConfig(yaml: string, ports: TieredPorts): string {
    const doc = parse(yaml);
    listenOnLoopback(doc, ports.loadBalancer);
    const grpcPorts = new Set(ports.gateways.map((gateway) => gateway.otlpGrpc));
    for (const exporter of loadBalancingExporters(doc)) {
        const dns = exporter.resolver?.dns as Doc | undefined;
        if (!dns || grpcPorts.size !== 1) {
            throw new Error("the DNS run needs the rendered dns resolvers and one gRPC port for every gateway");
        }
        dns.port = String([...grpcPorts][0]);
    }
    return toYaml(doc);
}

/** Where gateway `index` takes OTLP gRPC in the DNS run: an address of its own on the loopback network (all of 127.0.0.0/8 is local), as each pod has its own IP. */
export const gatewayAddress = (index: number): string => `127.213.0.${10 + index}`;

/** Difference 5 for gateway `index`: its own ports and queue folder, its own receiver of the trace sink; in the DNS run, its own address for OTLP gRPC. */
export function loopbackGatewayConfig(yaml: string, ports: TieredPorts, index: number, queueDir: string, grpcHost = LOOPBACK): string {
    const doc = relocate(parse(yaml), PATHS.collectorQueue, queueDir) as Doc;
    listenOnLoopback(doc, ports.gateways[index]);
    doc.receivers.otlp.protocols.grpc.endpoint = `${grpcHost}:${ports.gateways[index].otlpGrpc}`;
    for (const [name, exporter] of Object.entries(doc.exporters as Record<string, Doc>)) {
        if (name === "otlp/tempo") {
            exporter.endpoint = `${LOOPBACK}:${ports.traceSinkReceivers[index]}`;
        } else {
            // Loki's distributor and Prometheus: only the host and port change, the path stays.
            const url = new URL(exporter.endpoint as string);
            exporter.endpoint = `${url.protocol}//${LOOPBACK}:${ports.idle}${url.pathname}`;
        }
    }
    return toYaml(doc);
}

/** The trace sink of the two-tier run: one receiver per gateway, each tagging its spans with the gateway's name. */
export function tieredTraceSinkConfig(ports: TieredPorts, recorderPort: number): string {
    const gateways = ports.traceSinkReceivers.map((port, index) => ({ name: gatewayName(index), port }));
    return toYaml({
        extensions: { health_check: { endpoint: `${LOOPBACK}:${ports.traceSinkHealth}` } },
        receivers: Object.fromEntries(gateways.map(({ name, port }) => [`otlp/${name}`, { protocols: { grpc: { endpoint: `${LOOPBACK}:${port}` } } }])),
        processors: Object.fromEntries(
            gateways.map(({ name }) => [`transform/${name}`, { error_mode: "propagate", trace_statements: [{ context: "resource", statements: [`set(attributes["${GATEWAY_TAG}"], "${name}")`] }] }]),
        ),
        exporters: { "otlphttp/recorder": recorderExporter("traces", recorderPort) },
        service: {
            extensions: ["health_check"],
            telemetry: { logs: { level: "info" }, metrics: { level: "none" } },
            pipelines: Object.fromEntries(
                gateways.map(({ name }) => [`traces/${name}`, { receivers: [`otlp/${name}`], processors: [`transform/${name}`], exporters: ["otlphttp/recorder"] }]),
            ),
        },
    });
}

/** Processors of the rendered agent that the suite drops to run it (difference 6). */
export const AGENT_PROCESSORS_NEEDING_THE_API = ["k8sattributes"] as const;

/**
 * Difference 6: the node agent as it can run here. `yaml` is the agent config after the loopback
 * step ({@link loopbackAgentConfig}); `podLogs` stands for the node's `/var/log/pods`.
 */
export function loopbackAgentRunConfig(yaml: string, podLogs: string): string {
    // The kubelet's folder as the rendered include pattern names it (`/var/log/pods/*/*/*.log`).
    const include = parse(yaml).receivers.filelog.include as string[];
    const nodePodLogs = include[0].slice(0, include[0].indexOf("/*"));
    const doc = relocate(parse(yaml), nodePodLogs, podLogs) as Doc;
    const dropped = new Set<string>(AGENT_PROCESSORS_NEEDING_THE_API);
    for (const name of dropped) {
        delete doc.processors[name];
    }
    for (const pipeline of Object.values(doc.service.pipelines as Record<string, Doc>)) {
        pipeline.processors = (pipeline.processors as string[]).filter((name) => !dropped.has(name));
    }
    return toYaml(doc);
}
