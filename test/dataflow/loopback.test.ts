/**
 * The override step changes only what render/overrides.ts documents: the suite runs the
 * pipelines, sampling, queues, rules and routes that `pulumi up` deploys, and nothing it starts
 * listens beyond 127.0.0.1 or writes to a container path.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { renderStack } from "../../render";
import { PATHS } from "../../render/endpoints";
import { applyLoopbackOverrides, LOOPBACK_PORT_NAMES, loopbackDirs, loopbackEndpoints, LoopbackPorts } from "../../render/overrides";
import { loadStack } from "../support/fixtures";

const config = loadStack("dev");
const ports = Object.fromEntries(LOOPBACK_PORT_NAMES.map((name, i) => [name, 40000 + i])) as unknown as LoopbackPorts;
const deployed = renderStack(config);
const local = applyLoopbackOverrides(renderStack(config, loopbackEndpoints(ports)), config, ports, loopbackDirs("/scratch"));
const parse = (yaml: string) => YAML.parse(yaml) as Record<string, any>;

const localConfigs = {
    prometheus: local.prometheusConfig,
    alertmanager: local.alertmanagerConfig,
    loki: local.lokiConfig,
    tempo: local.tempoConfig,
    collector: local.collectorGatewayConfig,
};

describe("the loopback override step", () => {
    test("leaves the Collector's pipelines, tail sampling policies and durable queues as deployed", () => {
        const [before, after] = [parse(deployed.collectorGatewayConfig), parse(local.collectorGatewayConfig)];
        assert.deepEqual(after.service.pipelines, before.service.pipelines);
        assert.deepEqual(after.processors, before.processors);
        for (const [name, exporter] of Object.entries(before.exporters as Record<string, any>)) {
            assert.deepEqual(after.exporters[name].sending_queue, exporter.sending_queue, name);
            assert.deepEqual(after.exporters[name].retry_on_failure, exporter.retry_on_failure, name);
        }
    });

    test("leaves rules, routes, retention and the metrics-generator as deployed", () => {
        assert.deepEqual(local.ruleFiles, deployed.ruleFiles);
        assert.equal(local.alertmanagerConfig, deployed.alertmanagerConfig);
        const [promBefore, promAfter] = [parse(deployed.prometheusConfig), parse(local.prometheusConfig)];
        for (const key of ["global", "rule_files", "otlp", "storage"]) {
            assert.deepEqual(promAfter[key], promBefore[key], key);
        }
        assert.deepEqual(parse(local.lokiConfig).limits_config, parse(deployed.lokiConfig).limits_config);
        assert.deepEqual(parse(local.tempoConfig).metrics_generator.processor, parse(deployed.tempoConfig).metrics_generator.processor);
        assert.deepEqual(parse(local.tempoConfig).overrides, parse(deployed.tempoConfig).overrides);
    });

    test("binds nothing beyond 127.0.0.1 and uses no container path", () => {
        for (const [name, yaml] of Object.entries(localConfigs)) {
            assert.doesNotMatch(yaml, /0\.0\.0\.0|svc\.cluster\.local/, name);
            for (const containerPath of [PATHS.prometheusData, PATHS.lokiData, PATHS.tempoData, PATHS.collectorQueue]) {
                assert.ok(!yaml.includes(`: ${containerPath}`) && !yaml.includes(`${containerPath}/`), `${name} still uses ${containerPath}`);
            }
        }
    });

    test("turns Kubernetes discovery into static loopback targets for the components that run", () => {
        const prometheus = parse(local.prometheusConfig);
        assert.doesNotMatch(local.prometheusConfig, /kubernetes_sd_configs|dns_sd_configs/);
        assert.deepEqual(prometheus.alerting.alertmanagers, [{ static_configs: [{ targets: [`127.0.0.1:${ports.alertmanager}`] }] }]);
        assert.deepEqual(
            prometheus.scrape_configs.map((job: any) => [job.job_name, job.static_configs[0].targets[0]]),
            [
                ["prometheus", `127.0.0.1:${ports.prometheus}`],
                ["alertmanager", `127.0.0.1:${ports.alertmanager}`],
                ["loki", `127.0.0.1:${ports.lokiHttp}`],
                ["tempo", `127.0.0.1:${ports.tempoHttp}`],
                ["otel-collector", `127.0.0.1:${ports.collectorMetrics}`],
            ],
        );
    });
});
