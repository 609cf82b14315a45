import assert from "node:assert/strict";
import * as fs from "fs";
import { describe, test } from "node:test";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackConfig } from "../../config/load";
import { ConfigErrors } from "../../config/reader";
import { rawConfigFromFile } from "../../io/stackSources";
import { generatedServices, writeServiceFiles } from "../support/fleet";
import { readRunbooks } from "../../io/runbooks";
import { artifactFiles, renderStack } from "../../render";
import { knownRunbooks, loadStack, minimalRaw, projectWithServiceFolder } from "../support/fixtures";
import { distributedRaw, distributedValues, OBJECT_STORAGE_SECRETS, s3 } from "../support/topology";

function problemsOf(load: () => unknown): string[] {
    try {
        load();
    } catch (error) {
        if (error instanceof ConfigErrors) {
            return [...error.problems];
        }
        throw error;
    }
    assert.fail("expected the config to be refused");
}

const load = (raw: ReturnType<typeof minimalRaw>) => loadStackConfig(raw, { knownRunbooks });
const rendered = () => renderStack(load(distributedRaw()), readRunbooks());


/** A distributed stack on the prod profile, which requires a heartbeat URL. */
function prodDistributed(values: Record<string, unknown> = {}) {
    const raw = distributedRaw({ profile: "prod", heartbeatUrl: "<secret>", ...values });
    return { ...raw, secretKeys: new Set([...raw.secretKeys, "heartbeatUrl"]) };
}

describe("topology: config", () => {
    test("single is the default and leaves every key as it was", () => {
        const config = load(minimalRaw());
        assert.deepEqual(config.topology, { kind: "single" });
        assert.equal(renderStack(config, readRunbooks()).topology, undefined);
    });

    test("distributed refuses Loki and Tempo on a filesystem, and Mimir without a bucket", () => {
        const raw = minimalRaw({ topology: "distributed" });
        assert.deepEqual(problemsOf(() => load(raw)), [
            "loki.storage.type: is filesystem, but topology distributed runs Loki as many pods that must share one store; use type: s3 with a bucket (any S3-compatible object store)",
            "tempo.storage.type: is filesystem, but topology distributed runs Tempo as many pods that must share one store; use type: s3 with a bucket (any S3-compatible object store)",
            "topology.mimir.storage: is required with topology distributed: Mimir keeps metric blocks in object storage; set { type: s3, bucket: <name> } (a bucket of its own, not Loki's or Tempo's)",
        ]);
    });

    test("refuses two ingesters (replication factor 3), a second Loki compactor and an HPA ceiling below its floor", () => {
        const raw = distributedRaw({
            topology: { mode: "distributed", mimir: { storage: s3("metrics") }, loki: { ingester: { replicas: 2 }, compactor: { replicas: 2 }, querier: { replicas: 4, maxReplicas: 3 } } },
        });
        assert.deepEqual(problemsOf(() => load(raw)), [
            "topology.loki.ingester.replicas: 2 is outside 3..∞; replication factor 3 needs three replicas; use 3",
            "topology.loki.querier.maxReplicas: 3 is below replicas (4); the HPA scales between the two, so use at least 4",
            "topology.loki.compactor.replicas: 2 is outside 1..1; it must run as a single instance; use 1",
        ]);
    });

    test("Mimir gets a bucket of its own", () => {
        const raw = distributedRaw({ topology: { mode: "distributed", mimir: { storage: s3("logs") } } });
        assert.deepEqual(problemsOf(() => load(raw)), [
            'topology.mimir.storage.bucket: "logs" is also loki.storage.bucket; give Mimir a bucket of its own (the compactors of both would delete each other\'s objects)',
        ]);
    });

    test("Prometheus runs as an HA pair by default, in dev too; an explicit count is kept, 1 and 3 included, and 6 is refused", () => {
        assert.equal(load(distributedRaw()).prometheus.replicas, 2);
        assert.equal(load(distributedRaw({ prometheus: { replicas: 1 } })).prometheus.replicas, 1);
        assert.equal(load(distributedRaw({ prometheus: { replicas: 3 } })).prometheus.replicas, 3);
        assert.deepEqual(problemsOf(() => load(distributedRaw({ prometheus: { replicas: 6 } }))), ["prometheus.replicas: 6 is outside 1..5"]);
    });

    test("network policies are offered with distributed: asked for explicitly, or off when turned off", () => {
        assert.equal(load(distributedRaw({ networkPolicies: true })).networkPolicies, true);
        assert.equal(load(prodDistributed({ networkPolicies: false })).networkPolicies, false);
    });

    test("the prod profile's defaults become a Prometheus HA pair, with network policies, without an error", () => {
        const config = load(prodDistributed());
        assert.equal(config.prometheus.replicas, 2);
        assert.equal(config.networkPolicies, true);
        assert.equal(config.podDisruptionBudgets, true);
    });

    test("per-tier settings of the single topology are refused, and a mistyped mode is named", () => {
        assert.deepEqual(problemsOf(() => load(minimalRaw({ topology: { mode: "single", loki: {} } }))), [
            "topology.loki: only applies with topology mode distributed (here single); remove it or set topology.mode: distributed",
        ]);
        assert.deepEqual(problemsOf(() => load(minimalRaw({ topology: "distribute" }))), ['topology.mode: "distribute" is not one of single, distributed']);
    });
});

describe("topology: the Collector's gateways", () => {
    test("single keeps one gateway and says how to get more", () => {
        assert.deepEqual(problemsOf(() => load(minimalRaw({ collector: { gatewayReplicas: 3 } }))), [
            "collector.gatewayReplicas: 3 is outside 1..1; tail sampling needs all spans of a trace on one gateway; scale it vertically with collector.gateway.resources, or use topology: distributed, which routes each trace to one of several gateways",
        ]);
    });

    test("distributed runs three gateways by default behind a load-balancing tier, and takes more", () => {
        const config = load(distributedRaw());
        assert.equal(config.collector.gatewayReplicas, 3);
        assert.deepEqual(config.topology.kind === "distributed" && { lb: config.topology.collector.loadBalancer.replicas, max: config.topology.collector.gatewayMaxReplicas }, { lb: 2, max: 10 });
        assert.equal(load(distributedRaw({ collector: { gatewayReplicas: 12 } })).collector.gatewayReplicas, 12);
    });

    test("the gateways' HPA ceiling cannot be below their count", () => {
        const raw = distributedRaw({ collector: { gatewayReplicas: 4 }, topology: { mode: "distributed", mimir: { storage: s3("metrics") }, collector: { gatewayMaxReplicas: 3 } } });
        assert.deepEqual(problemsOf(() => load(raw)), [
            "topology.collector.gatewayMaxReplicas: 3 is below collector.gatewayReplicas (4); the gateways' HPA scales between the two, so use at least 4",
        ]);
    });
});

describe("topology: what distributed renders", () => {
    const ns = "observability.svc.cluster.local";

    test("Loki: replication factor 3 on a memberlist ring, S3, retention by the one compactor, index gateways, scheduler", () => {
        const loki = YAML.parse(rendered().topology!.loki.config);
        assert.equal(loki.common.replication_factor, 3);
        assert.deepEqual(loki.common.ring, { kvstore: { store: "memberlist" } });
        // Each engine's own cluster label: gossip of another engine or stack is dropped, never merged into this ring.
        assert.deepEqual(loki.memberlist, { join_members: [`loki-gossip.${ns}:7946`], cluster_label: "observability-loki" });
        assert.equal(loki.common.storage.s3.bucketnames, "logs");
        assert.equal(loki.compactor.retention_enabled, true);
        assert.equal(loki.limits_config.retention_period, "7d");
        assert.equal(loki.common.compactor_address, `http://loki-compactor.${ns}:3100`);
        assert.equal(loki.frontend.scheduler_address, `loki-query-scheduler-headless.${ns}:9095`);
        assert.equal(loki.frontend_worker.scheduler_address, `loki-query-scheduler-headless.${ns}:9095`);
        assert.equal(loki.storage_config.tsdb_shipper.index_gateway_client.server_address, `dns+loki-index-gateway-headless.${ns}:9095`);
        // The ruler tier shares its rule groups out over a memberlist ring and evaluates through the query-frontends (test/slow/logAlerts.test.ts has the whole block).
        assert.equal(loki.ruler.enable_sharding, true);
        assert.deepEqual(loki.ruler.evaluation, { mode: "remote", query_frontend: { address: `dns:///loki-query-frontend-headless.${ns}:9095` } });
    });

    test("Tempo: replicated ingesters, queriers on the frontend, span metrics written to Mimir", () => {
        const tempo = YAML.parse(rendered().topology!.tempo.config);
        assert.deepEqual(tempo.ingester.lifecycler.ring, { kvstore: { store: "memberlist" }, replication_factor: 3 });
        assert.deepEqual(tempo.memberlist, { join_members: [`tempo-gossip.${ns}:7946`], cluster_label: "observability-tempo" });
        assert.equal(tempo.querier.frontend_worker.frontend_address, `tempo-query-frontend-headless.${ns}:9095`);
        assert.deepEqual(tempo.metrics_generator.storage.remote_write, [{ url: `http://mimir-distributor.${ns}:8080/api/v1/push`, send_exemplars: true }]);
        assert.equal(tempo.storage.trace.backend, "s3");
        assert.equal(tempo.compactor.compaction.block_retention, "72h");
    });

    test("Mimir: replication factor 3, blocks in its bucket, our rules in the ruler, alerts to our Alertmanager", () => {
        const mimir = YAML.parse(rendered().topology!.mimir.config);
        assert.equal(mimir.multitenancy_enabled, false);
        assert.equal(mimir.ingester.ring.replication_factor, 3);
        assert.equal(mimir.blocks_storage.backend, "s3");
        assert.equal(mimir.blocks_storage.s3.bucket_name, "metrics");
        assert.equal(mimir.blocks_storage.s3.access_key_id, "${OBJECT_STORAGE_ACCESS_KEY_ID}");
        assert.equal(mimir.limits.compactor_blocks_retention_period, "90d");
        assert.equal(mimir.ruler.alertmanager_url, `dns+http://alertmanager-peers.${ns}:9093`);
        assert.deepEqual(mimir.ruler_storage, { backend: "local", local: { directory: "/etc/mimir/rules" } });
        assert.deepEqual(mimir.memberlist, { join_members: [`dns+mimir-gossip.${ns}:7946`], cluster_label: "observability-mimir" });
        assert.equal(mimir.activity_tracker.filepath, "/data/metrics-activity.log", "on the data volume, not the read-only root filesystem");
    });

    test("every tier runs the engine's binary with its own target, and only stateless tiers autoscale", () => {
        const topology = rendered().topology!;
        const tiers = (engine: "loki" | "tempo" | "mimir") => topology[engine].tiers.map((t) => `${t.name}:${t.kind}:${t.replicas}${t.autoscaled ? `-${t.maxReplicas}` : ""}`);
        assert.deepEqual(tiers("loki"), [
            "distributor:stateless:2-10",
            "ingester:stateful:3",
            "querier:stateless:2-10",
            "query-frontend:stateless:2-4",
            "query-scheduler:stateless:2",
            "compactor:stateful:1",
            "index-gateway:stateful:2",
            "ruler:stateless:2",
        ]);
        assert.deepEqual(tiers("tempo"), ["distributor:stateless:2-10", "ingester:stateful:3", "querier:stateless:2-10", "query-frontend:stateless:2-4", "compactor:stateless:1", "metrics-generator:stateful:2"]);
        assert.deepEqual(tiers("mimir"), [
            "distributor:stateless:2-10",
            "ingester:stateful:3",
            "querier:stateless:2-10",
            "query-frontend:stateless:2-4",
            "query-scheduler:stateless:2",
            "store-gateway:stateful:3",
            "compactor:stateful:1",
            "ruler:stateless:2",
        ]);
        assert.deepEqual(topology.mimir.tiers.find((t) => t.name === "store-gateway")!.args, ["-config.file=/etc/lgtm/mimir/mimir.yaml", "-config.expand-env=true", "-target=store-gateway"]);
    });

    test("Prometheus forwards to Mimir and no longer evaluates; Grafana reads the query-frontends; the Collector pushes to the distributors", () => {
        const stack = rendered();
        const prometheus = YAML.parse(stack.workloads.prometheus.config);
        assert.deepEqual(prometheus.remote_write, [{ url: `http://mimir-distributor.${ns}:8080/api/v1/push`, send_exemplars: true }]);
        assert.equal(prometheus.rule_files, undefined);
        assert.equal(prometheus.alerting, undefined);
        const urls = Object.fromEntries(stack.datasources.map((d) => [d.name, d.url]));
        assert.equal(urls.Prometheus, `http://mimir-query-frontend.${ns}:8080/prometheus`);
        assert.equal(urls.Loki, `http://loki-query-frontend.${ns}:3100`);
        assert.equal(urls.Tempo, `http://tempo-query-frontend.${ns}:3200`);
        const gateway = YAML.parse(stack.workloads["otel-collector"].config);
        assert.equal(gateway.exporters["otlphttp/loki"].endpoint, `http://loki-distributor.${ns}:3100/otlp`);
        assert.equal(gateway.exporters["otlp/tempo"].endpoint, `tempo-distributor.${ns}:4317`);
        assert.ok(artifactFiles(stack).has("distributed/mimir/mimir.yaml"));
    });

    test("the Collector's first tier routes to every gateway behind the headless Service: spans and logs by trace ID, metrics by series", () => {
        const lb = YAML.parse(rendered().topology!.collector.loadBalancer.config);
        assert.deepEqual(lb.exporters.load_balancing.routing_key, "traceID");
        assert.deepEqual(lb.exporters["load_balancing/logs"].routing_key, "traceID");
        assert.deepEqual(lb.exporters["load_balancing/metrics"].routing_key, "streamID");
        for (const name of ["load_balancing", "load_balancing/logs", "load_balancing/metrics"]) {
            assert.deepEqual(lb.exporters[name].resolver, { dns: { hostname: `otel-collector-headless.${ns}`, port: "4317", interval: "5s" } }, name);
            assert.deepEqual(lb.exporters[name].protocol.otlp.tls, { insecure: true }, name);
        }
        assert.deepEqual(Object.keys(lb.exporters).sort(), ["load_balancing", "load_balancing/logs", "load_balancing/metrics"]);
        assert.deepEqual(lb.service.pipelines.traces, { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["load_balancing"] });
        assert.deepEqual(lb.service.pipelines.logs.exporters, ["load_balancing/logs"]);
        assert.deepEqual(lb.service.pipelines.metrics.exporters, ["load_balancing/metrics"]);
        assert.equal(lb.processors.tail_sampling, undefined, "sampling stays on the gateways, which see whole traces");
        assert.deepEqual(rendered().topology!.collector.loadBalancer.args, ["--config=/etc/otelcol/load-balancer.yaml"]);
    });

    /**
     * Written from what the distributed pods expose (render/pods.ts and
     * components/distributed/collectorLoadBalancer.ts): every tier of an engine is named after the engine with its tier in
     * `app.kubernetes.io/component`, and its container's HTTP port (Loki 3100, Tempo 3200, Mimir
     * 8080) is named `http`; the load-balancing tier is named `otel-collector-lb` with its own
     * telemetry on the port named `metrics` (8888). Prometheus keeps a target when every `keep` rule matches.
     */
    test("Prometheus scrapes every tier: one job per engine with the tier from the pod's component label, and the load-balancing tier", () => {
        const jobs: any[] = YAML.parse(rendered().workloads.prometheus.config).scrape_configs;
        const self = jobs.filter((job) => job.kubernetes_sd_configs?.[0].role === "pod" && job.relabel_configs.some((r: any) => r.regex === "lgtm-stack"));
        assert.deepEqual(
            self.map((job) => job.job_name),
            ["prometheus", "alertmanager", "loki", "tempo", "mimir", "otel-collector-lb", "otel-collector", "otel-agent", "grafana", "prometheus-operator", "prometheus-agent", "blackbox-exporter", "node-exporter", "kube-state-metrics"],
        );
        const mimir = jobs.find((job) => job.job_name === "mimir");
        assert.deepEqual(mimir, {
            job_name: "mimir",
            metrics_path: "/metrics",
            kubernetes_sd_configs: [{ role: "pod", namespaces: { names: ["observability"] } }],
            relabel_configs: [
                { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "mimir", action: "keep" },
                { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_part_of"], regex: "lgtm-stack", action: "keep" },
                { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: "http", action: "keep" },
                { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
                { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
                { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
                { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
                { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], target_label: "component" },
            ],
        });
        // The rest, as "<name label> <port name> <tier label or ->": the engines' tiers all on http, the Collector's on metrics.
        const summary = (name: string) => {
            const rules = jobs.find((job) => job.job_name === name).relabel_configs;
            const keep = (meta: string) => rules.find((r: any) => r.action === "keep" && r.source_labels[0] === meta)?.regex;
            const tier = rules.find((r: any) => r.target_label === "component")?.source_labels[0] ?? "-";
            return `${keep("__meta_kubernetes_pod_label_app_kubernetes_io_name")} ${keep("__meta_kubernetes_pod_container_port_name")} ${tier}`;
        };
        assert.equal(summary("loki"), "loki http __meta_kubernetes_pod_label_app_kubernetes_io_component");
        assert.equal(summary("tempo"), "tempo http __meta_kubernetes_pod_label_app_kubernetes_io_component");
        assert.equal(summary("otel-collector-lb"), "otel-collector-lb metrics -");
        assert.equal(summary("otel-collector"), "otel-collector metrics -");
        assert.equal(summary("prometheus"), "prometheus http -");
    });

    test("stack health shows each tier's scrape status, and the stack alerts' runbook dashboards offer Mimir and the load-balancing tier", () => {
        const dashboards = rendered().stackDashboards;
        const panels = (model: any): any[] => (model.panels ?? []).flatMap((p: any) => [p, ...(p.panels ?? [])]);
        const health: any = dashboards.find((d) => d.uid === "lgtm-stack-health")!.model;
        const up = panels(health).find((p) => p.title === "Components up");
        assert.equal(up.targets[0].expr, 'min by (job, component) (up{job=~"prometheus|alertmanager|loki|tempo|mimir|otel-collector-lb|otel-collector|otel-agent|grafana|prometheus-operator|prometheus-agent|blackbox-exporter"})');
        assert.equal(up.targets[0].legendFormat, "{{job}} {{component}}");
        for (const alert of ["stack-component-down", "stack-tier-down"]) {
            const model: any = dashboards.find((d) => d.uid === `rb-${alert}`)!.model;
            const service = model.templating.list.find((v: any) => v.name === "service");
            assert.equal(service.query, 'label_values(up{job=~"prometheus|alertmanager|loki|tempo|mimir|otel-collector-lb|otel-collector|otel-agent|grafana|prometheus-operator|prometheus-agent|blackbox-exporter"}, job)', alert);
        }
    });

    test("stack health's alerting panels read Mimir's ruler and the remote write that feeds it", () => {
        const panels = (model: any): any[] => (model.panels ?? []).flatMap((p: any) => [p, ...(p.panels ?? [])]);
        const health: any = rendered().stackDashboards.find((d) => d.uid === "lgtm-stack-health")!.model;
        const byTitle = (title: string) => panels(health).find((p) => p.title === title);
        const evaluation = byTitle("Mimir ruler: rule evaluation failures (5m)");
        assert.equal(evaluation.targets[0].expr, "sum by (user, rule_group) (increase(cortex_prometheus_rule_evaluation_failures_total[5m]))");
        assert.match(JSON.stringify(evaluation.links), /PrometheusRuleEvaluationFailures.*var-service=mimir/);
        const notifications = byTitle("Mimir ruler → Alertmanager: notification errors per second");
        assert.equal(notifications.targets[0].expr, "sum by (user, alertmanager) (rate(cortex_prometheus_notifications_errors_total[5m]))");
        const remoteWrite = byTitle("Prometheus → Mimir: remote write, failed samples per second and seconds behind");
        assert.deepEqual(
            remoteWrite.targets.map((t: any) => t.expr),
            [
                "sum by (remote_name) (rate(prometheus_remote_storage_samples_failed_total[5m]))",
                "max by (remote_name) (prometheus_remote_storage_queue_highest_timestamp_seconds - prometheus_remote_storage_queue_highest_sent_timestamp_seconds)",
            ],
        );
        assert.equal(byTitle("Prometheus: rule evaluation failures (5m)"), undefined, "Prometheus evaluates nothing in this topology");
    });

    test("the single topology's self-scrape jobs are the seven components, without a tier label", () => {
        const jobs: any[] = YAML.parse(renderStack(loadStack("dev"), readRunbooks()).workloads.prometheus.config).scrape_configs;
        const self = jobs.filter((job) => ["prometheus", "alertmanager", "loki", "tempo", "mimir", "otel-collector-lb", "otel-collector", "otel-agent", "grafana"].includes(job.job_name));
        assert.deepEqual(
            self.map((job) => job.job_name),
            ["prometheus", "alertmanager", "loki", "tempo", "otel-collector", "otel-agent", "grafana"],
        );
        assert.ok(self.every((job) => !job.relabel_configs.some((r: any) => r.target_label === "component")));
    });

    test("the single topology's prometheus.yml keeps its rules and Alertmanager and has no remote write", () => {
        const prometheus = YAML.parse(renderStack(loadStack("dev"), readRunbooks()).workloads.prometheus.config);
        assert.deepEqual(prometheus.rule_files, ["rules/*.yaml"]);
        assert.ok(prometheus.alerting);
        assert.equal(prometheus.remote_write, undefined);
    });
});

describe("services from files (servicesFrom)", () => {
    const project = (files: Record<string, string>, values: Record<string, unknown> = {}) => projectWithServiceFolder("services.d", files, values);
    const loadFile = (file: string) => loadStackConfig(rawConfigFromFile(file, "dev"), { knownRunbooks });

    test("adds the services of every file, in file-name order, after those of stack config", () => {
        const file = project(
            {
                "payments.yaml": "services:\n  - name: checkout\n    slos: [{ kind: availability, objective: 99.9 }]\n  - name: refunds\n",
                "catalog.yml": "services:\n  - name: search\n",
                "README.md": "not read",
            },
            { "lgtm-stack:services": [{ name: "frontend" }] },
        );
        assert.deepEqual(
            loadFile(file).services.map((s) => s.name),
            ["frontend", "search", "checkout", "refunds"],
        );
    });

    test("names the file and the entry in every message, including checks across services", () => {
        const file = project(
            {
                "payments.yaml": "services:\n  - name: checkout\n    slos: [{ kind: availability, objective: 100.5 }]\n  - name: frontend\n",
                "broken.yaml": "services: [\n",
                "empty.yaml": "team: payments\n",
            },
            { "lgtm-stack:services": [{ name: "frontend" }] },
        );
        const problems = problemsOf(() => loadFile(file));
        assert.equal(problems.length, 4, problems.join("\n"));
        assert.match(problems[0], /^services\.d\/broken\.yaml: is not valid YAML: /);
        assert.equal(problems[1], 'services.d/empty.yaml: team: unknown setting; known settings here are: services');
        assert.match(problems[2], /^services\.d\/payments\.yaml: services\[0\]\.slos\[0\]\.objective: 100\.5 /);
        assert.equal(problems[3], 'services.d/payments.yaml: services[1].name: "frontend" is already used by services[0]; service names must be unique');
    });

    test("a folder that does not exist, or one outside the project, is refused", () => {
        const file = project({});
        fs.rmSync(path.join(path.dirname(file), "services.d"), { recursive: true });
        assert.match(problemsOf(() => loadFile(file))[0], /^servicesFrom: .*services\.d does not exist; create it or fix the path \(relative to the project folder\)$/);
        assert.deepEqual(problemsOf(() => load(minimalRaw({ servicesFrom: "../elsewhere" }))), ['servicesFrom: "../elsewhere" must be a folder inside the project, relative to it, e.g. services.d']);
    });
});

// Keeps the helper's shape honest: the raw values used above are the ones the fixture documents.
test("the distributed fixture sets credentials as secrets", () => {
    assert.deepEqual(Object.keys(distributedValues()).filter((key) => OBJECT_STORAGE_SECRETS.includes(key)), OBJECT_STORAGE_SECRETS);
});

describe("fleet scale", () => {
    test("1,000 services in 20 team files (the benchmark's layout) load and validate, far past the stack-config ceiling", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-fleet-"));
        try {
            assert.equal(writeServiceFiles(dir, 1000), 20);
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), YAML.stringify({ config: { "lgtm-stack:runbookBaseUrl": "https://example.com/runbooks", "lgtm-stack:servicesFrom": "services.d" } }));
            const config = loadStackConfig(rawConfigFromFile(path.join(dir, "Pulumi.dev.yaml"), "dev"), { knownRunbooks });
            assert.equal(config.services.length, 1000);
            assert.equal(config.services[999].name, "svc-1000");
            // The same list inline would be one environment variable of this size, above Linux's 128 KiB cap for one variable.
            assert.ok(Buffer.byteLength(JSON.stringify(generatedServices(1000))) > 128 * 1024);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
