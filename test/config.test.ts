import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadStackConfig } from "../config/load";
import { ConfigErrors } from "../config/reader";
import { knownRunbooks, loadStack, minimalRaw } from "./support/fixtures";

function problemsOf(values: Record<string, unknown>, secretKeys: string[] = []): string[] {
    try {
        loadStackConfig(minimalRaw(values, secretKeys), { knownRunbooks });
    } catch (error) {
        assert.ok(error instanceof ConfigErrors, `expected ConfigErrors, got ${error}`);
        return [...error.problems];
    }
    return [];
}

const service = (overrides: Record<string, unknown>) => ({ name: "checkout", slos: [{ kind: "availability", objective: 99.9 }], ...overrides });

/** Each case: a sentence, one mistake, the key path the message must name and a word of the fix. */
const BAD_CONFIGS: { name: string; values: Record<string, unknown>; secretKeys?: string[]; key: string; fix: RegExp }[] = [
    { name: "an objective of 100.5% is not a percentage below 100", values: { services: [service({ slos: [{ kind: "availability", objective: 100.5 }] })] }, key: "services[0].slos[0].objective", fix: /e\.g\. 99\.9/ },
    { name: "a latency threshold between buckets cannot be computed exactly", values: { services: [service({ slos: [{ kind: "latency", percentile: 95, threshold: "2s" }] })] }, key: "services[0].slos[0].threshold", fix: /histogramBuckets/ },
    { name: "a custom error query without the window placeholder", values: { services: [service({ conventions: { preset: "custom", errorQuery: "sum(rate(jobs_failed_total[5m]))", totalQuery: "sum(rate(jobs_total[{{.window}}]))" } })] }, key: "services[0].conventions.errorQuery", fix: /\{\{\.window\}\}/ },
    { name: "a custom error query equal to the total query", values: { services: [service({ conventions: { preset: "custom", errorQuery: "sum(rate(jobs_total[{{.window}}]))", totalQuery: "sum(rate(jobs_total[{{.window}}]))" } })] }, key: "services[0].conventions.errorQuery", fix: /failed events/ },
    { name: "a custom query that is not PromQL", values: { services: [service({ conventions: { preset: "custom", errorQuery: "sum(rate(jobs_failed_total[{{.window}}])", totalQuery: "sum(rate(jobs_total[{{.window}}]))" } })] }, key: "services[0].conventions.errorQuery", fix: /not valid PromQL/ },
    { name: "an unknown metric preset", values: { services: [service({ conventions: { preset: "otel-grpc" } })] }, key: "services[0].conventions.preset", fix: /otel-http, prometheus-http, custom/ },
    { name: "a service name that is not a DNS label", values: { services: [service({ name: "Checkout_API" })] }, key: "services[0].name", fix: /checkout-api/ },
    { name: "two services with the same name", values: { services: [service({}), service({})] }, key: "services[1].name", fix: /unique/ },
    { name: "a saturation alert without a runbook", values: { services: [service({ saturation: [{ name: "disk", query: "max(disk_used_ratio)", alert: "DiskAlmostFull" }] })] }, key: "services[0].saturation[0].alert", fix: /runbooks\/DiskAlmostFull\.md/ },
    { name: "a Slack webhook URL stored in plain text", values: { slackWebhookUrl: "https://hooks.slack.com/services/T/B/x" }, key: "slackWebhookUrl", fix: /--secret slackWebhookUrl/ },
    { name: "s3 storage without credentials", values: { loki: { storage: { type: "s3", bucket: "logs" } } }, key: "loki.storage.type", fix: /--secret objectStorageAccessKeyId/ },
    { name: "s3 storage without a bucket", values: { tempo: { storage: { type: "s3" } } }, secretKeys: ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"], key: "tempo.storage.bucket", fix: /bucket name/ },
    { name: "a retention that is not a duration", values: { loki: { retention: "a week" } }, key: "loki.retention", fix: /30d/ },
    { name: "a memory limit that is not a Kubernetes quantity", values: { prometheus: { resources: { limits: { memory: "2 gigs" } } } }, key: "prometheus.resources.limits.memory", fix: /512Mi/ },
    { name: "an image pinned to latest", values: { grafana: { image: { tag: "latest" } } }, key: "grafana.image.tag", fix: /pin an exact version/ },
    { name: "a misspelt setting", values: { prometheus: { retension: "30d" } }, key: "prometheus.retension", fix: /retention/ },
    { name: "replicas given as text", values: { alertmanager: { replicas: "three" } }, key: "alertmanager.replicas", fix: /expected a number/ },
    { name: "a boolean given as yes", values: { networkPolicies: "yes" }, key: "networkPolicies", fix: /true or false/ },
    { name: "two collector gateways would split traces across tail samplers", values: { collector: { gatewayReplicas: 2 } }, key: "collector.gatewayReplicas", fix: /tail sampling/ },
    { name: "a missing runbook base URL", values: { runbookBaseUrl: undefined }, key: "runbookBaseUrl", fix: /runbooks/ },
    { name: "a sampling share above 100%", values: { collector: { samplingPercent: 150 } }, key: "collector.samplingPercent", fix: /share of ordinary traces/ },
    { name: "an SLO window of one day", values: { services: [service({ slos: [{ kind: "availability", objective: 99, window: "1d" }] })] }, key: "services[0].slos[0].window", fix: /28d or 30d/ },
];

describe("config validation names the key and the fix", () => {
    for (const bad of BAD_CONFIGS) {
        test(bad.name, () => {
            const problems = problemsOf(bad.values, bad.secretKeys);
            const problem = problems.find((p) => p.startsWith(`${bad.key}:`));
            assert.ok(problem, `no problem names ${bad.key}; got:\n${problems.join("\n")}`);
            assert.match(problem, bad.fix);
        });
    }

    test("every mistake is reported at once, not just the first", () => {
        const problems = problemsOf({ loki: { retention: "soon" }, tempo: { retention: "later" }, networkPolicies: "maybe" });
        assert.equal(problems.length, 3, problems.join("\n"));
    });

    test("the error message lists each problem on its own line", () => {
        assert.throws(() => loadStackConfig(minimalRaw({ loki: { retention: "soon" } }), { knownRunbooks }), /invalid stack configuration \(1 problem\):\n {2}- loki\.retention:/);
    });
});

describe("the committed stacks", () => {
    test("dev declares the reference customer's three services with their SLOs", () => {
        const dev = loadStack("dev");
        assert.deepEqual(
            dev.services.map((s) => [s.name, s.slos.map((slo) => `${slo.kind}:${slo.objective}${slo.kind === "latency" ? `<${slo.thresholdSeconds}s` : ""}`)]),
            [
                ["api", ["availability:0.995"]],
                ["session-start", ["latency:0.95<2s", "availability:0.995"]],
                ["video-load", ["latency:0.95<4s"]],
            ],
        );
        assert.equal(dev.profile, "dev");
        assert.equal(dev.loki.storage.type, "filesystem");
    });

    test("prod gets HA replicas, persistence, object storage, network policies and longer retention", () => {
        const dev = loadStack("dev");
        const prod = loadStack("prod");
        assert.ok(prod.prometheus.replicas > dev.prometheus.replicas);
        assert.ok(prod.alertmanager.replicas >= 3);
        assert.equal(prod.loki.storage.type, "s3");
        assert.equal(prod.networkPolicies, true);
        assert.equal(prod.podDisruptionBudgets, true);
        assert.ok(prod.loki.persistence.enabled && prod.tempo.persistence.enabled && prod.grafana.persistence.enabled);
        assert.notEqual(prod.loki.retention, dev.loki.retention);
        assert.deepEqual(prod.secrets, { pagerdutyRoutingKey: true, slackWebhookUrl: true, objectStorageAccessKeyId: true, objectStorageSecretAccessKey: true, grafanaAdminPassword: false });
    });

    test("zero is a value, not a missing setting", () => {
        const config = loadStackConfig(minimalRaw({ collector: { samplingPercent: 0 } }), { knownRunbooks });
        assert.equal(config.collector.baselineSamplingPercent, 0);
    });
});
