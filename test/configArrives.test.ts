/**
 * Every config value arrives where the upstream program reads it. Each case sets one value in a
 * minimal stack and names, by hand, the key of the rendered artifact that must carry it (the
 * upstream setting's name and format, from its documentation), so a renderer that drops or
 * mistranslates a value fails here, whatever it computes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as YAML from "yaml";
import { loadStackConfig } from "../config/load";
import { renderStack, RenderedStack } from "../render";
import { knownRunbooks, minimalRaw } from "./support/fixtures";

function render(values: Record<string, unknown>): RenderedStack {
    return renderStack(loadStackConfig(minimalRaw(values), { knownRunbooks }), []);
}

const yaml = (content: string) => YAML.parse(content) as Record<string, any>;

interface Case {
    readonly name: string;
    readonly values: Record<string, unknown>;
    readonly check: (rendered: RenderedStack) => void;
}

const CASES: Case[] = [
    {
        name: "loki.retention becomes limits_config.retention_period, with the compactor enforcing it (Loki keeps everything otherwise)",
        values: { loki: { retention: "30d" } },
        check: ({ workloads }) => {
            const loki = yaml(workloads.loki.config);
            assert.equal(loki.limits_config.retention_period, "30d");
            assert.equal(loki.compactor.retention_enabled, true);
            assert.equal(loki.compactor.delete_request_store, "filesystem");
        },
    },
    {
        name: "tempo.retention becomes Tempo 3's block_retention (backend worker and scheduler) as a Go duration (Tempo does not parse days)",
        values: { tempo: { retention: "5d" } },
        check: ({ workloads }) => {
            const tempo = yaml(workloads.tempo.config);
            assert.equal(tempo.backend_worker.compaction.block_retention, "120h");
            assert.equal(tempo.backend_scheduler.provider.compaction.compaction.block_retention, "120h");
        },
    },
    {
        name: "prometheus.retention becomes the --storage.tsdb.retention.time flag",
        values: { prometheus: { retention: "45d" } },
        check: ({ workloads }) => assert.ok(workloads.prometheus.args.includes("--storage.tsdb.retention.time=45d"), workloads.prometheus.args.join(" ")),
    },
    {
        name: "prometheus.scrapeInterval and evaluationInterval become the global scrape and evaluation intervals",
        values: { prometheus: { scrapeInterval: "15s", evaluationInterval: "20s" } },
        check: ({ workloads }) => {
            const global = yaml(workloads.prometheus.config).global;
            assert.equal(global.scrape_interval, "15s");
            assert.equal(global.evaluation_interval, "20s");
        },
    },
    {
        name: "namespace places the Alertmanager peers Prometheus discovers (headless Service DNS name)",
        values: { namespace: "monitoring" },
        check: ({ workloads }) => {
            const alerting = yaml(workloads.prometheus.config).alerting.alertmanagers[0];
            assert.deepEqual(alerting.dns_sd_configs[0].names, ["alertmanager-peers.monitoring.svc.cluster.local"]);
        },
    },
    {
        name: "collector.samplingPercent becomes the tail sampler's probabilistic sampling_percentage",
        values: { collector: { samplingPercent: 25 } },
        check: ({ workloads }) => {
            const policies = yaml(workloads["otel-collector"].config).processors.tail_sampling.policies as any[];
            assert.deepEqual(policies.filter((p) => p.type === "probabilistic").map((p) => p.probabilistic.sampling_percentage), [25]);
        },
    },
    {
        name: "collector.slowTraceThresholdMs becomes the latency policy's threshold_ms",
        values: { collector: { slowTraceThresholdMs: 1500 } },
        check: ({ workloads }) => {
            const policies = yaml(workloads["otel-collector"].config).processors.tail_sampling.policies as any[];
            assert.deepEqual(policies.filter((p) => p.type === "latency").map((p) => p.latency.threshold_ms), [1500]);
        },
    },
    {
        name: "alertmanager.replicas: 3 clusters the replicas, each told every peer on the gossip port",
        values: { alertmanager: { replicas: 3 } },
        check: ({ workloads }) => {
            const args = workloads.alertmanager.args;
            assert.ok(args.includes("--cluster.listen-address=0.0.0.0:9094"), args.join(" "));
            assert.deepEqual(
                args.filter((a) => a.startsWith("--cluster.peer=")),
                ["--cluster.peer=alertmanager-0.alertmanager-peers:9094", "--cluster.peer=alertmanager-1.alertmanager-peers:9094", "--cluster.peer=alertmanager-2.alertmanager-peers:9094"],
            );
        },
    },
    {
        name: "alertmanager.replicas: 1 turns clustering off (an empty listen address)",
        values: { alertmanager: { replicas: 1 } },
        check: ({ workloads }) => {
            assert.ok(workloads.alertmanager.args.includes("--cluster.listen-address="));
            assert.equal(workloads.alertmanager.args.some((a) => a.startsWith("--cluster.peer=")), false);
        },
    },
    {
        name: "runbookBaseUrl and grafana.url become every alert's runbook and dashboard links",
        values: { runbookBaseUrl: "https://runbooks.example.com/ops", grafana: { url: "https://grafana.example.com" } },
        check: ({ services }) => {
            const rules = yaml(services[0].ruleFile!.content).groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert);
            assert.ok(rules.length > 0);
            for (const rule of rules) {
                assert.equal(rule.annotations.runbook_url, `https://runbooks.example.com/ops/${rule.alert}.md`);
                assert.match(rule.annotations.dashboard_url, /^https:\/\/grafana\.example\.com\/d\//);
            }
        },
    },
    {
        name: "a scraped service's namespace, selector, port and path become its scrape job",
        values: { services: [{ name: "checkout", namespace: "shop", discovery: { kind: "scrape", selector: { app: "checkout" }, port: "metrics", path: "/stats" }, conventions: { preset: "prometheus-http" } }] },
        check: ({ services }) => {
            const job = yaml(services[0].scrapeFile?.content ?? "").scrape_configs[0];
            assert.equal(job.job_name, "checkout");
            assert.equal(job.metrics_path, "/stats");
            assert.deepEqual(job.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["shop"] } }]);
            const keeps = job.relabel_configs.filter((r: any) => r.action === "keep");
            assert.deepEqual(keeps.slice(0, 2), [
                { source_labels: ["__meta_kubernetes_pod_label_app"], regex: "checkout", action: "keep" },
                { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: "metrics", action: "keep" },
            ]);
        },
    },
];

describe("every config value arrives where its program reads it", () => {
    for (const c of CASES) {
        test(c.name, () => c.check(render(c.values)));
    }
});
