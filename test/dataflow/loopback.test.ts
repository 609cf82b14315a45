/**
 * The loopback step changes only what test/dataflow/loopback.ts documents: the suite runs the
 * pipelines, sampling, queues, rules and routes that `pulumi up` deploys, the Loki and Tempo
 * stand-ins listen exactly where the rendered exporters send, and nothing the suite starts listens
 * beyond 127.0.0.1 or writes to a container path.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { PATHS } from "../../model/components";
import { readRunbooks } from "../../io/runbooks";
import { renderStack, ruleFiles } from "../../render";
import { loadStack } from "../support/fixtures";
import { applyLoopbackOverrides, LOOPBACK_PORT_NAMES, loopbackArgs, loopbackDirs, loopbackEndpoints, LoopbackPorts, sinkConfigs } from "./loopback";

const config = loadStack("dev");
const runbooks = readRunbooks();
const ports = Object.fromEntries(LOOPBACK_PORT_NAMES.map((name, i) => [name, 40000 + i])) as unknown as LoopbackPorts;
const deployedStack = renderStack(config, runbooks);
const localStack = applyLoopbackOverrides(renderStack(config, runbooks, loopbackEndpoints(ports)), config, ports, loopbackDirs("/scratch"));
const configsOf = (stack: typeof deployedStack) => ({
    prometheusConfig: stack.workloads.prometheus.config,
    alertmanagerConfig: stack.workloads.alertmanager.config,
    collectorGatewayConfig: stack.workloads["otel-collector"].config,
    collectorAgentConfig: stack.workloads["otel-agent"].config,
    ruleFiles: ruleFiles(stack),
});
const deployed = configsOf(deployedStack);
const local = configsOf(localStack);
const sinks = sinkConfigs(local.collectorGatewayConfig, ports);
const parse = (yaml: string) => YAML.parse(yaml) as Record<string, any>;

/** Every config the suite runs or validates. */
const localConfigs = {
    prometheus: local.prometheusConfig,
    alertmanager: local.alertmanagerConfig,
    collector: local.collectorGatewayConfig,
    agent: local.collectorAgentConfig,
    logSink: sinks.logSink,
    traceSink: sinks.traceSink,
};

describe("the loopback step", () => {
    test("leaves the Collector's pipelines, tail sampling policies and durable queues as deployed", () => {
        const [before, after] = [parse(deployed.collectorGatewayConfig), parse(local.collectorGatewayConfig)];
        assert.deepEqual(after.service.pipelines, before.service.pipelines);
        assert.deepEqual(after.processors, before.processors);
        for (const [name, exporter] of Object.entries(before.exporters as Record<string, any>)) {
            assert.deepEqual(after.exporters[name].sending_queue, exporter.sending_queue, name);
            assert.deepEqual(after.exporters[name].retry_on_failure, exporter.retry_on_failure, name);
        }
        const [agentBefore, agentAfter] = [parse(deployed.collectorAgentConfig), parse(local.collectorAgentConfig)];
        assert.deepEqual(agentAfter.service.pipelines, agentBefore.service.pipelines);
        assert.deepEqual(agentAfter.receivers, agentBefore.receivers);
        assert.deepEqual(agentAfter.processors, agentBefore.processors);
    });

    test("leaves rules, routes and Prometheus's storage and OTLP settings as deployed", () => {
        assert.deepEqual(local.ruleFiles, deployed.ruleFiles);
        // Only the credentials directory moves (difference 2): routes, inhibitions and receivers stay.
        assert.equal(local.alertmanagerConfig, deployed.alertmanagerConfig.split("/etc/alertmanager/secrets/").join("/scratch/alertmanager-secrets/"));
        const [promBefore, promAfter] = [parse(deployed.prometheusConfig), parse(local.prometheusConfig)];
        for (const key of ["global", "rule_files", "otlp", "storage"]) {
            assert.deepEqual(promAfter[key], promBefore[key], key);
        }
    });

    test("runs the deployed command-line flags, with only config and data paths and listen addresses moved", () => {
        const args = loopbackArgs(localStack, ports, loopbackDirs("/scratch"), "/cfg");
        const moved = /^--(config\.file|config|storage\.tsdb\.path|storage\.path|web\.listen-address)=/;
        assert.deepEqual(args.prometheus.filter((arg) => !moved.test(arg)), deployedStack.workloads.prometheus.args.filter((arg) => !moved.test(arg)));
        assert.deepEqual(args.alertmanager.filter((arg) => !moved.test(arg)), deployedStack.workloads.alertmanager.args.filter((arg) => !moved.test(arg)));
        assert.ok(args.prometheus.includes("--config.file=/cfg/prometheus/prometheus.yml"), args.prometheus.join(" "));
        assert.ok(args.prometheus.includes("--storage.tsdb.path=/scratch/prometheus-data"));
        assert.ok(args.prometheus.includes(`--web.listen-address=127.0.0.1:${ports.prometheus}`));
        assert.deepEqual(args.alertmanager, ["--config.file=/cfg/alertmanager/alertmanager.yml", "--storage.path=/scratch/alertmanager-data", `--web.listen-address=127.0.0.1:${ports.alertmanager}`, "--cluster.listen-address="]);
        assert.deepEqual(args.collector, ["--config=/cfg/otel-collector/config.yaml"]);
        assert.deepEqual(args.logSink, ["--config=/cfg/sinks/log-sink.yaml"]);
        assert.deepEqual(args.traceSink, ["--config=/cfg/sinks/trace-sink.yaml"]);
    });

    test("changes only the host of the gateway's Loki and Tempo exporters", () => {
        const [before, after] = [parse(deployed.collectorGatewayConfig).exporters, parse(local.collectorGatewayConfig).exporters];
        assert.equal(before["otlphttp/loki"].endpoint, `http://loki.${config.namespace}.svc.cluster.local:3100/otlp`);
        assert.equal(after["otlphttp/loki"].endpoint, `http://127.0.0.1:${ports.lokiHttp}/otlp`);
        assert.equal(before["otlp/tempo"].endpoint, `tempo.${config.namespace}.svc.cluster.local:4317`);
        assert.equal(after["otlp/tempo"].endpoint, `127.0.0.1:${ports.tempoOtlpGrpc}`);
    });

    test("the Loki and Tempo stand-ins listen where the rendered exporters send: Loki's /otlp/v1/logs over HTTP, Tempo's OTLP gRPC port", () => {
        const [logSink, traceSink] = [parse(sinks.logSink), parse(sinks.traceSink)];
        // The otlphttp exporter posts logs to <endpoint>/v1/logs: Loki's OTLP ingestion path.
        assert.deepEqual(logSink.receivers.otlp.protocols, { http: { endpoint: `127.0.0.1:${ports.lokiHttp}`, logs_url_path: "/otlp/v1/logs" } });
        assert.deepEqual(traceSink.receivers.otlp.protocols, { grpc: { endpoint: `127.0.0.1:${ports.tempoOtlpGrpc}` } });
        assert.deepEqual(logSink.service.pipelines, { logs: { receivers: ["otlp"], exporters: ["otlphttp/recorder"] } });
        assert.deepEqual(traceSink.service.pipelines, { traces: { receivers: ["otlp"], exporters: ["otlphttp/recorder"] } });
    });

    test("the stand-ins answer the gateway only after the recorder wrote the data: no queue, no retry, uncompressed OTLP/JSON", () => {
        for (const [name, yaml, endpointKey, urlPath] of [
            ["log sink", sinks.logSink, "logs_endpoint", "/logs"],
            ["trace sink", sinks.traceSink, "traces_endpoint", "/traces"],
        ]) {
            assert.deepEqual(parse(yaml).exporters["otlphttp/recorder"], {
                [endpointKey]: `http://127.0.0.1:${ports.sinkRecorder}${urlPath}`,
                encoding: "json",
                compression: "none",
                sending_queue: { enabled: false },
                retry_on_failure: { enabled: false },
            }, name);
        }
    });

    test("binds nothing beyond 127.0.0.1 and uses no container data path", () => {
        for (const [name, yaml] of Object.entries(localConfigs)) {
            assert.doesNotMatch(yaml, /0\.0\.0\.0|svc\.cluster\.local/, name);
            for (const containerPath of [PATHS.prometheusData, PATHS.collectorQueue, PATHS.agentState]) {
                assert.ok(!yaml.includes(`: ${containerPath}`) && !yaml.includes(`${containerPath}/`), `${name} still uses ${containerPath}`);
            }
        }
        assert.equal(parse(local.collectorAgentConfig).extensions["file_storage/state"].directory, "/scratch/otel-agent-state");
        assert.equal(parse(local.collectorGatewayConfig).extensions["file_storage/queue"].directory, "/scratch/otelcol-queue");
    });

    test("turns Kubernetes discovery into static loopback targets for the components that run (no Loki or Tempo)", () => {
        const prometheus = parse(local.prometheusConfig);
        assert.doesNotMatch(local.prometheusConfig, /kubernetes_sd_configs|dns_sd_configs/);
        assert.deepEqual(prometheus.alerting.alertmanagers, [{ static_configs: [{ targets: [`127.0.0.1:${ports.alertmanager}`] }] }]);
        assert.deepEqual(
            prometheus.scrape_configs.map((job: any) => [job.job_name, job.static_configs[0].targets[0]]),
            [
                ["prometheus", `127.0.0.1:${ports.prometheus}`],
                ["alertmanager", `127.0.0.1:${ports.alertmanager}`],
                ["otel-collector", `127.0.0.1:${ports.collectorMetrics}`],
            ],
        );
    });
});
