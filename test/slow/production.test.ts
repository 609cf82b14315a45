/**
 * What a real cluster needs that simulated pods never show (issue 12, items 1–6 and 16): the node
 * agent's exact privileges, an HA pair that is a pair, least-privilege RBAC, placement and hygiene,
 * Alertmanager gossip and secrets, queues that fit their disk. Expected values are written by hand.
 */
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { objectStoragePort, urlPort } from "../../render/networkPolicies";
import { ConfigErrors } from "../../config/reader";
import { loadStackConfig } from "../../config/load";
import { PROJECT_ROOT, rawConfigFromFile } from "../../io/stackSources";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { loadStack, minimalRaw, knownRunbooks } from "../support/fixtures";
import { ofType, RecordedResource, runStack } from "../support/mocks";
import { run, toolPath } from "../../scripts/dev";

const NS = "observability";

function workload(resources: readonly RecordedResource[], kind: string, name: string) {
    const found = resources.find((r) => r.type === `kubernetes:apps/v1:${kind}` && r.inputs.metadata.name === name);
    assert.ok(found, `${kind}/${name}`);
    return found.inputs;
}

function envOf(container: any): Record<string, string | undefined> {
    return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]));
}

describe("the node agent runs on a real node with exactly the privileges a log agent needs", () => {
    test("root without any capability, logs read-only, only its state directory writable", async () => {
        const { resources } = await runStack("dev");
        const agent = workload(resources, "DaemonSet", "otel-agent").spec.template.spec;
        assert.deepEqual(agent.containers[0].securityContext, {
            runAsUser: 0,
            runAsGroup: 0,
            runAsNonRoot: false,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        const hostPaths = agent.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path, v.hostPath.type]);
        assert.deepEqual(hostPaths, [
            ["varlogpods", "/var/log/pods", "Directory"],
            ["state", "/var/lib/otelcol-agent", "DirectoryOrCreate"],
        ]);
        const mounts = agent.containers[0].volumeMounts.filter((m: any) => m.name === "varlogpods" || m.name === "state");
        assert.deepEqual(mounts, [
            { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
            { name: "state", mountPath: "/var/lib/otelcol-agent" },
        ]);
    });

    test("the rendered agent config passes the real otelcol validate", () => {
        const rendered = renderStack(loadStack("prod"), readRunbooks());
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-validate-"));
        try {
            for (const name of ["otel-agent", "otel-collector"] as const) {
                const file = path.join(dir, `${name}.yaml`);
                fs.writeFileSync(file, rendered.workloads[name].config);
                // K8S_NODE_NAME as the DaemonSet sets it from spec.nodeName (k8sattributes refuses to start without it).
                const result = spawnSync(toolPath("otelcol"), ["validate", `--config=${file}`], { encoding: "utf8", env: { ...process.env, K8S_NODE_NAME: "node-1" }, timeout: 120_000 });
                assert.equal(result.status, 0, `${name}: ${result.stdout}${result.stderr}`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the prod Prometheus HA pair is a pair", () => {
    const rendered = renderStack(loadStack("prod"), readRunbooks());
    const gateway = parse(rendered.workloads["otel-collector"].config);
    const replica = (i: number) => `http://prometheus-${i}.prometheus-headless.observability.svc.cluster.local:9090`;

    test("the Collector pushes every series to each replica, one queue per replica", () => {
        assert.equal(gateway.exporters["otlphttp/prometheus-0"].endpoint, `${replica(0)}/api/v1/otlp`);
        assert.equal(gateway.exporters["otlphttp/prometheus-1"].endpoint, `${replica(1)}/api/v1/otlp`);
        assert.equal(gateway.exporters["otlphttp/prometheus"], undefined, "never through the Service, which splits series between replicas");
        assert.deepEqual(gateway.service.pipelines.metrics.exporters, ["otlphttp/prometheus-0", "otlphttp/prometheus-1"]);
    });

    test("Tempo remote-writes to each replica", () => {
        const tempo = parse(rendered.workloads.tempo.config);
        assert.deepEqual(tempo.metrics_generator.storage.remote_write, [
            { url: `${replica(0)}/api/v1/write`, send_exemplars: true },
            { url: `${replica(1)}/api/v1/write`, send_exemplars: true },
        ]);
    });

    test("both replicas send identical alerts (no per-replica label), which Alertmanager deduplicates", () => {
        const prometheus = parse(rendered.workloads.prometheus.config);
        assert.deepEqual(prometheus.global.external_labels, { stack: "prod", environment: "prod" });
    });

    test("Grafana's queries stick to one replica", async () => {
        const { resources } = await runStack("prod");
        const services = ofType(resources, "kubernetes:core/v1:Service").filter((s) => s.inputs.metadata.name.startsWith("prometheus"));
        assert.deepEqual(services.map((s) => [s.inputs.metadata.name, s.inputs.spec.sessionAffinity, s.inputs.spec.clusterIP]).sort(), [
            ["prometheus", "ClientIP", undefined],
            ["prometheus-headless", undefined, "None"],
        ]);
    });
});

describe("least-privilege RBAC", () => {
    test("every cluster role has exactly the rules it uses; no nodes/proxy", async () => {
        const { resources } = await runStack("prod");
        const roles = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").map((r) => [r.inputs.metadata.labels["app.kubernetes.io/name"], r.inputs.rules]);
        assert.deepEqual(roles.sort(), [
            // kube-state-metrics watches exactly the objects its alerts and the infrastructure dashboard read.
            [
                "kube-state-metrics",
                [
                    { apiGroups: ["apps"], resources: ["daemonsets", "deployments", "replicasets", "statefulsets"], verbs: ["list", "watch"] },
                    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["list", "watch"] },
                    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "watch"] },
                    { apiGroups: [""], resources: ["nodes", "persistentvolumeclaims", "pods", "resourcequotas"], verbs: ["list", "watch"] },
                ],
            ],
            ["otel-agent", [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }]],
            [
                "prometheus",
                [
                    { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["list", "watch"] },
                    { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
                    // The API server's own metrics (cluster.provider generic here): its endpoint slices, and GET /metrics.
                    { apiGroups: [""], resources: ["services"], verbs: ["list", "watch"] },
                    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
                    { nonResourceURLs: ["/metrics"], verbs: ["get"] },
                ],
            ],
            // The operator's agent discovers what ServiceMonitors, PodMonitors and Probes select: no nodes, no secrets.
            [
                "prometheus-agent",
                [
                    { apiGroups: [""], resources: ["pods", "services", "endpoints"], verbs: ["list", "watch"] },
                    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
                    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["list", "watch"] },
                ],
            ],
            // The operator reads monitoring objects everywhere and writes only their status; it may `get`
            // (never list) a Secret or ConfigMap a monitor names for credentials.
            [
                "prometheus-operator",
                [
                    { apiGroups: ["monitoring.coreos.com"], resources: ["servicemonitors", "podmonitors", "probes", "prometheusrules", "scrapeconfigs"], verbs: ["get", "list", "watch"] },
                    {
                        apiGroups: ["monitoring.coreos.com"],
                        resources: ["servicemonitors/status", "podmonitors/status", "probes/status", "prometheusrules/status", "scrapeconfigs/status"],
                        verbs: ["get", "patch", "update"],
                    },
                    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
                    { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get"] },
                    { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
                ],
            ],
        ]);
        // What the operator creates (the agent's StatefulSet, rule ConfigMaps, config Secrets) it may write in the stack's namespace only.
        const namespaceRoles = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role");
        assert.deepEqual(
            namespaceRoles.map((r) => [r.inputs.metadata.namespace, r.inputs.metadata.labels["app.kubernetes.io/name"], r.inputs.rules]),
            [
                [
                    NS,
                    "prometheus-operator",
                    [
                        {
                            apiGroups: ["monitoring.coreos.com"],
                            resources: ["prometheuses", "prometheuses/status", "prometheuses/finalizers", "prometheusagents", "prometheusagents/status", "prometheusagents/finalizers"],
                            verbs: ["get", "list", "watch", "patch", "update"],
                        },
                        { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                        { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                        { apiGroups: [""], resources: ["services", "services/finalizers"], verbs: ["get", "create", "update", "delete"] },
                        { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
                    ],
                ],
            ],
        );
        // The agent's scrape credentials reach it as files: nothing of ours can list Secrets cluster-wide.
        const all = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").flatMap((r) => r.inputs.rules);
        assert.ok(!all.some((rule: any) => (rule.resources ?? []).includes("secrets") && rule.verbs.includes("list")));
    });

    test("cAdvisor and volume stats come from the kubelet directly, never through the API server proxy", () => {
        const config = renderStack(loadStack("dev"), readRunbooks()).workloads.prometheus.config;
        assert.doesNotMatch(config, /proxy/);
        const jobs = parse(config).scrape_configs.filter((job: any) => job.job_name.startsWith("kubelet"));
        assert.deepEqual(
            jobs.map((job: any) => [job.job_name, job.scheme, job.metrics_path, job.kubernetes_sd_configs[0].role, job.authorization.credentials_file]),
            [
                ["kubelet-cadvisor", "https", "/metrics/cadvisor", "node", "/var/run/secrets/kubernetes.io/serviceaccount/token"],
                ["kubelet", "https", "/metrics", "node", "/var/run/secrets/kubernetes.io/serviceaccount/token"],
            ],
        );
        assert.equal(
            jobs[1].metric_relabel_configs[0].regex,
            "kubelet_volume_stats_(available_bytes|capacity_bytes|used_bytes|inodes|inodes_free|inodes_used)|kubelet_running_pods|kubelet_pleg_relist_duration_seconds_(bucket|count|sum)",
        );
    });
});

describe("placement and hygiene", () => {
    test("multi-replica workloads spread over nodes (hard) and zones (soft)", async () => {
        const { resources } = await runStack("prod");
        for (const [kind, name] of [["StatefulSet", "prometheus"], ["StatefulSet", "alertmanager"]]) {
            const selector = { matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "lgtm-stack" } };
            assert.deepEqual(workload(resources, kind, name).spec.template.spec.topologySpreadConstraints, [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: selector },
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
            ]);
        }
        const multi = resources.filter((r) => r.type.startsWith("kubernetes:apps/v1:") && (r.inputs.spec.replicas ?? 1) > 1).map((r) => r.inputs.metadata.name).sort();
        assert.deepEqual(multi, ["alertmanager", "prometheus"]);
    });

    test("the stack's namespace enforces restricted; only the node agents run in a namespace of their own that enforces privileged", async () => {
        const namespacesOf = async (overrides: Record<string, unknown>) => {
            const { resources } = await runStack("dev", overrides);
            const labels = Object.fromEntries(
                ofType(resources, "kubernetes:core/v1:Namespace").map((r) => [r.inputs.metadata.name, Object.fromEntries(Object.entries(r.inputs.metadata.labels).filter(([key]) => key.startsWith("pod-security")))]),
            );
            const workloads: Record<string, string[]> = {};
            for (const r of resources.filter((r) => r.type.startsWith("kubernetes:apps/v1:"))) {
                (workloads[r.inputs.metadata.namespace] ??= []).push(r.inputs.metadata.name);
            }
            return { labels, workloads, resources };
        };
        const restricted = {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "latest",
        };
        const privileged = { "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "latest" };
        const withAgent = await namespacesOf({});
        assert.deepEqual(withAgent.labels, { observability: restricted, "observability-agents": privileged });
        assert.deepEqual(withAgent.workloads["observability-agents"].sort(), ["node-exporter", "otel-agent"]);
        // What `restricted` checks, on every pod left in the stack's namespace: no host paths, non-root, no capabilities, no escalation, seccomp.
        for (const r of withAgent.resources.filter((r) => r.type.startsWith("kubernetes:apps/v1:") && r.inputs.metadata.namespace === "observability")) {
            const spec = r.inputs.spec.template.spec;
            assert.ok(!(spec.volumes ?? []).some((v: any) => v.hostPath), `${r.inputs.metadata.name}: no hostPath`);
            assert.ok(!spec.hostNetwork && !spec.hostPID, `${r.inputs.metadata.name}: no host namespaces`);
            for (const c of spec.containers) {
                const sc = { ...spec.securityContext, ...c.securityContext };
                assert.equal(sc.runAsNonRoot, true, `${r.inputs.metadata.name}/${c.name} runAsNonRoot`);
                assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${r.inputs.metadata.name}/${c.name}`);
                assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] }, `${r.inputs.metadata.name}/${c.name}`);
                assert.equal(sc.seccompProfile?.type, "RuntimeDefault", `${r.inputs.metadata.name}/${c.name}`);
            }
        }
        const withoutAgent = await namespacesOf({ collector: { agentEnabled: false } });
        assert.deepEqual(withoutAgent.labels, { observability: restricted });
        const named = await namespacesOf({ agentNamespace: "node-agents" });
        assert.deepEqual(Object.keys(named.labels).sort(), ["node-agents", "observability"]);
    });

    test("only Prometheus, the agent, kube-state-metrics and the Prometheus Operator, which call the API, get a service-account token", async () => {
        const { resources } = await runStack("dev");
        const pods = resources.filter((r) => r.type.startsWith("kubernetes:apps/v1:")).map((r) => [r.inputs.metadata.name, r.inputs.spec.template.spec.automountServiceAccountToken]);
        assert.deepEqual(pods.sort(), [
            ["alertmanager", false],
            ["blackbox-exporter", false],
            ["grafana", false],
            ["kube-state-metrics", true],
            ["loki", false],
            ["node-exporter", false],
            ["otel-agent", undefined],
            ["otel-collector", false],
            ["prometheus", undefined],
            ["prometheus-operator", true],
            ["tempo", false],
        ]);
    });

    test("slow starters get startup probes; GOMEMLIMIT is 80% of the memory limit; no lifecycle API", async () => {
        const { resources } = await runStack("dev");
        const container = (kind: string, name: string) => workload(resources, kind, name).spec.template.spec.containers[0];
        assert.deepEqual(container("StatefulSet", "prometheus").startupProbe, { httpGet: { path: "/-/ready", port: "http" }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 });
        assert.equal(container("StatefulSet", "loki").startupProbe.failureThreshold, 60);
        assert.equal(container("StatefulSet", "tempo").startupProbe.failureThreshold, 60);
        // dev limits: gateway, Loki, Tempo 1024Mi → 858993459.2 B; agent 512Mi → 429496729.6 B; Alertmanager 128Mi → 107374182.4 B.
        assert.equal(envOf(container("StatefulSet", "otel-collector")).GOMEMLIMIT, "858993459");
        assert.equal(envOf(container("DaemonSet", "otel-agent")).GOMEMLIMIT, "429496729");
        assert.equal(envOf(container("StatefulSet", "loki")).GOMEMLIMIT, "858993459");
        assert.equal(envOf(container("StatefulSet", "tempo")).GOMEMLIMIT, "858993459");
        assert.equal(envOf(container("StatefulSet", "alertmanager")).GOMEMLIMIT, "107374182");
        assert.ok(!container("StatefulSet", "prometheus").args.includes("--web.enable-lifecycle"));
    });
});

describe("Alertmanager clustering and secrets", () => {
    test("gossip is allowed over TCP and UDP between peers; egress only to the configured endpoints' ports", async () => {
        const { resources } = await runStack("prod", { loki: { storage: { type: "s3", bucket: "logs", endpoint: "minio.storage:9000", insecure: true } } });
        const policy = (name: string) => ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.inputs.metadata.name === name)!.inputs.spec;
        const alertmanager = policy("allow-alertmanager");
        const peers = { podSelector: { matchLabels: { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/part-of": "lgtm-stack" } } };
        const gossip = { from: [peers], ports: [{ protocol: "TCP", port: 9094 }, { protocol: "UDP", port: 9094 }] };
        assert.deepEqual(alertmanager.ingress.find((rule: any) => rule.ports.some((p: any) => p.port === 9094)), gossip);
        // PagerDuty and Slack (both configured in prod) are https, then the heartbeat URL's port (prod requires one; the fake is https too); no webhook configured.
        assert.deepEqual(alertmanager.egress.filter((rule: any) => !rule.to), [{ ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 443 }] }]);
        assert.deepEqual(policy("allow-loki").egress.filter((rule: any) => !rule.to), [{ ports: [{ protocol: "TCP", port: 9000 }] }]);
        assert.deepEqual(policy("allow-tempo").egress.filter((rule: any) => !rule.to), [{ ports: [{ protocol: "TCP", port: 443 }] }]);
    });

    test("endpoint ports follow the URL or host:port, else the scheme", () => {
        assert.equal(urlPort("https://hooks.example.com/alerts"), 443);
        assert.equal(urlPort("http://hooks.example.com/alerts"), 80);
        assert.equal(urlPort("https://hooks.example.com:8443/alerts"), 8443);
        for (const bad of ["hooks.example.com/T0K3N", "ftp://hooks.example.com/T0K3N"]) {
            assert.throws(() => urlPort(bad), (error: Error) => error.message.startsWith("webhookUrl: the secret is not an http(s) URL") && !error.message.includes("T0K3N"));
            assert.throws(() => urlPort(bad, "heartbeatUrl"), (error: Error) => error.message.startsWith("heartbeatUrl: the secret is not an http(s) URL; set it again with `pulumi config set --secret heartbeatUrl") && !error.message.includes("T0K3N"));
        }
        assert.equal(objectStoragePort({ type: "s3", bucket: "b", endpoint: "s3.amazonaws.com", region: "us-east-1", insecure: false, forcePathStyle: false }), 443);
        assert.equal(objectStoragePort({ type: "s3", bucket: "b", endpoint: "minio", region: "us-east-1", insecure: true, forcePathStyle: false }), 80);
        assert.equal(objectStoragePort({ type: "filesystem" }), undefined);
    });

    /** The rendered alertmanager.yml and the credentials Secret's values, checked to be a Pulumi secret and absent from the config. */
    async function alertmanagerCredentials(overrides: Record<string, unknown>, secrets: string[]) {
        const { resources } = await runStack("dev", overrides, secrets);
        const config = parse(ofType(resources, "kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata.name === "alertmanager-config")!.inputs.data["alertmanager.yml"]);
        const secret = ofType(resources, "kubernetes:core/v1:Secret").find((s) => s.inputs.metadata.name === "alertmanager-credentials")!;
        // A Pulumi secret value: the SDK's secret signature wraps it.
        const data = secret.inputs.stringData;
        assert.equal(data["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "stringData is a Pulumi secret");
        assert.doesNotMatch(JSON.stringify(config), /fake-secret-value/);
        return { config, files: data.value as Record<string, string> };
    }

    test("the webhook and heartbeat URLs are secret files, never in a ConfigMap", async () => {
        const { config, files } = await alertmanagerCredentials({}, ["webhookUrl", "heartbeatUrl"]);
        assert.deepEqual(config.receivers.find((r: any) => r.name === "webhook").webhook_configs, [{ url_file: "/etc/alertmanager/secrets/webhook-url", send_resolved: true }]);
        assert.deepEqual(config.receivers.find((r: any) => r.name === "heartbeat").webhook_configs, [{ url_file: "/etc/alertmanager/secrets/heartbeat-url", send_resolved: false }]);
        assert.equal(files["webhook-url"], "https://hooks.example.com/fake-secret-value-webhookUrl");
        assert.equal(files["heartbeat-url"], "https://hooks.example.com/fake-secret-value-heartbeatUrl");
    });

    test("a team's PagerDuty routing key is a secret file of its own, read by the team's receiver only", async () => {
        const { config, files } = await alertmanagerCredentials({ pagerdutyTeamRoutingKeys: { media: "<secret>" } }, ["pagerdutyRoutingKey", "pagerdutyTeamRoutingKeys"]);
        const keyFiles = config.receivers.filter((r: any) => r.pagerduty_configs).map((r: any) => [r.name, r.pagerduty_configs[0].routing_key_file]);
        assert.deepEqual(keyFiles, [
            ["pagerduty", "/etc/alertmanager/secrets/pagerduty-routing-key"],
            ["pagerduty-media", "/etc/alertmanager/secrets/pagerduty-routing-key-media"],
        ]);
        assert.equal(files["pagerduty-routing-key-media"], "fake-secret-value-pagerdutyTeamRoutingKeys.media");
        assert.equal(files["pagerduty-routing-key"], "fake-secret-value-pagerdutyRoutingKey");
    });

    test("a webhook URL in plain config is refused with the command that stores it as a secret", () => {
        assert.throws(
            () => loadStackConfig(minimalRaw({ alertmanager: { webhookUrl: "https://hooks.example.com/T0K3N" } }), { knownRunbooks }),
            (error: ConfigErrors) =>
                error.problems.some((p) => p.startsWith("alertmanager.webhookUrl: is a credential") && p.includes("pulumi config set --secret webhookUrl <url>")),
        );
    });
});

describe("persistent queues cannot fill their disk", () => {
    test("every sending queue is sized in bytes and together they take 40% of the volume", () => {
        // prod: 10Gi volume, Tempo + Loki + 2 Prometheus replicas → 10737418240 × 0.4 / 4 = 1073741824 each.
        const prod = parse(renderStack(loadStack("prod"), readRunbooks()).workloads["otel-collector"].config);
        const queues = Object.entries(prod.exporters).map(([id, exporter]: [string, any]) => [id, exporter.sending_queue.sizer, exporter.sending_queue.queue_size, exporter.sending_queue.storage]);
        assert.deepEqual(queues, [
            ["otlp/tempo", "bytes", 1073741824, "file_storage/queue"],
            ["otlphttp/loki", "bytes", 1073741824, "file_storage/queue"],
            ["otlphttp/prometheus-0", "bytes", 1073741824, "file_storage/queue"],
            ["otlphttp/prometheus-1", "bytes", 1073741824, "file_storage/queue"],
        ]);
        // dev: 2Gi, three queues → floor(floor(2147483648 × 0.4) / 3) = 286331153.
        const dev = parse(renderStack(loadStack("dev"), readRunbooks()).workloads["otel-collector"].config);
        assert.deepEqual(Object.values(dev.exporters).map((e: any) => e.sending_queue.queue_size), [286331153, 286331153, 286331153]);
        const agent = parse(renderStack(loadStack("dev"), readRunbooks()).workloads["otel-agent"].config);
        assert.deepEqual(agent.exporters["otlp/gateway"].sending_queue, { enabled: true, storage: "file_storage/state", sizer: "bytes", queue_size: 268435456 });
    });

    test("a PVC running out of space alerts from the kubelet's volume statistics, with a runbook", () => {
        const rules = parse(renderStack(loadStack("dev"), readRunbooks()).stackRuleFile.content);
        const alert = rules.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === "PersistentVolumeFillingUp");
        assert.ok(alert, "PersistentVolumeFillingUp");
        assert.match(alert.expr, /kubelet_volume_stats_available_bytes\{namespace="observability"\} \/ kubelet_volume_stats_capacity_bytes\{namespace="observability"\} < 0\.10/);
        assert.match(alert.expr, /predict_linear\(kubelet_volume_stats_available_bytes\{namespace="observability"\}\[6h\], 86400\) < 0/);
        assert.equal(alert.labels.severity, "critical");
        assert.match(alert.annotations.runbook_url, /\/PersistentVolumeFillingUp\.md$/);
    });
});

describe("PersistentVolumeFillingUp under the real promtool", () => {
    test("fires at the for boundary for a nearly full volume and for one that fills within a day, not for a steady one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pvc-rules-"));
        try {
            fs.writeFileSync(path.join(dir, "stack.yaml"), renderStack(loadStack("dev"), readRunbooks()).stackRuleFile.content);
            const labels = (pvc: string) => `namespace="observability", persistentvolumeclaim="${pvc}", node="n1", job="kubelet"`;
            const alert = (pvc: string, service: string, free: string) => ({
                exp_labels: { severity: "critical", team: "platform", namespace: "observability", persistentvolumeclaim: pvc, node: "n1", job: "kubelet", service },
                exp_annotations: {
                    summary: "A volume of the observability stack is filling up",
                    description: `PVC ${pvc} has ${free} of its space left or will be full within a day; when it is full, its component stops writing data.`,
                    runbook_url: "https://github.com/acme-learning/lgtm-stack/blob/main/runbooks/PersistentVolumeFillingUp.md",
                    runbook_dashboard_url: `http://localhost:3000/d/rb-persistent-volume-filling-up?var-service=${service}`,
                    dashboard_url: `http://localhost:3000/d/lgtm-stack-health?var-service=${service}`,
                },
            });
            const suite = {
                rule_files: ["stack.yaml"],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [
                            // 5% free, steady: under 10%.
                            { series: `kubelet_volume_stats_available_bytes{${labels("data-prometheus-0")}}`, values: "5x400" },
                            { series: `kubelet_volume_stats_capacity_bytes{${labels("data-prometheus-0")}}`, values: "100x400" },
                            // 24% free and falling 2% an hour... per minute 0.02: full in well under a day.
                            { series: `kubelet_volume_stats_available_bytes{${labels("data-tempo-0")}}`, values: "24-0.02x400" },
                            { series: `kubelet_volume_stats_capacity_bytes{${labels("data-tempo-0")}}`, values: "100x400" },
                            // 20% free but steady: under 25% yet never full, so no alert.
                            { series: `kubelet_volume_stats_available_bytes{${labels("grafana-data")}}`, values: "20x400" },
                            { series: `kubelet_volume_stats_capacity_bytes{${labels("grafana-data")}}`, values: "100x400" },
                            // Half free: nothing.
                            { series: `kubelet_volume_stats_available_bytes{${labels("queue-otel-collector-0")}}`, values: "50x400" },
                            { series: `kubelet_volume_stats_capacity_bytes{${labels("queue-otel-collector-0")}}`, values: "100x400" },
                        ],
                        alert_rule_test: [
                            { eval_time: "4m", alertname: "PersistentVolumeFillingUp", exp_alerts: [] },
                            { eval_time: "5m", alertname: "PersistentVolumeFillingUp", exp_alerts: [alert("data-prometheus-0", "prometheus", "5%")] },
                            { eval_time: "400m", alertname: "PersistentVolumeFillingUp", exp_alerts: [alert("data-prometheus-0", "prometheus", "5%"), alert("data-tempo-0", "tempo", "16%")] },
                        ],
                    },
                ],
            };
            fs.writeFileSync(path.join(dir, "pvc.yaml"), JSON.stringify(suite));
            const result = run(toolPath("promtool"), ["test", "rules", "pvc.yaml"], dir);
            assert.equal(result.code, 0, result.output);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("amtool accepts the webhook receiver reading its URL from a file", () => {
        const raw = minimalRaw({}, ["webhookUrl"]);
        const config = loadStackConfig({ ...raw, values: { ...raw.values, webhookUrl: "<secret>" } }, { knownRunbooks });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-webhook-"));
        try {
            const file = path.join(dir, "alertmanager.yml");
            fs.writeFileSync(file, renderStack(config, readRunbooks()).workloads.alertmanager.config);
            assert.match(fs.readFileSync(file, "utf8"), /url_file: \/etc\/alertmanager\/secrets\/webhook-url/);
            const result = run(toolPath("amtool"), ["check-config", file]);
            assert.equal(result.code, 0, result.output);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the committed prod stack holds no credentials", () => {
    test("a fresh clone's prod preview stops with the secrets to set, not a decryption error", () => {
        const file = path.join(PROJECT_ROOT, "Pulumi.prod.yaml");
        assert.doesNotMatch(fs.readFileSync(file, "utf8"), /secure:/, "no ciphertext that another clone's passphrase cannot decrypt");
        assert.throws(
            () => loadStackConfig(rawConfigFromFile(file, "prod"), { knownRunbooks }),
            (error: ConfigErrors) => {
                const needs = (engine: string) =>
                    `s3 storage needs credentials; run \`pulumi config set --secret ${engine}ObjectStorageAccessKeyId ...\` and \`pulumi config set --secret ${engine}ObjectStorageSecretAccessKey ...\` (a key pair for this bucket only), or set the pair every engine without its own shares: objectStorageAccessKeyId and objectStorageSecretAccessKey`;
                const heartbeat =
                    "heartbeatUrl: is required with profile prod: without it the Watchdog alert goes nowhere and a dead Prometheus or Alertmanager pages no one; run `pulumi config set --secret heartbeatUrl <your dead man's switch URL>` (e.g. healthchecks.io, Cronitor, PagerDuty heartbeat)";
                assert.deepEqual(error.problems, [`loki.storage.type: ${needs("loki")}`, `tempo.storage.type: ${needs("tempo")}`, heartbeat]);
                return true;
            },
        );
    });
});

describe("TLS where a URL says https", () => {
    const ingress = (tls?: object) => ({ url: "https://grafana.example.com", ingress: { enabled: true, host: "grafana.example.com", ...(tls ? { tls } : {}) } });

    test("an https Grafana URL behind our Ingress without TLS is refused", () => {
        assert.throws(
            () => loadStackConfig(minimalRaw({ grafana: ingress() }), { knownRunbooks }),
            (error: ConfigErrors) => error.problems.some((p) => p.startsWith("grafana.ingress.tls: is missing, but grafana.url https://grafana.example.com is https; set grafana.ingress.tls.secretName")),
        );
        assert.throws(
            () => loadStackConfig(minimalRaw({ grafana: ingress({ clusterIssuer: "letsencrypt" }) }), { knownRunbooks }),
            (error: ConfigErrors) => error.problems.some((p) => p.startsWith("grafana.ingress.tls.secretName: is required with clusterIssuer")),
        );
    });

    test("the Ingress gets a tls block for its host and the issuer annotation", async () => {
        const { resources } = await runStack("prod");
        const [grafana] = ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress");
        assert.deepEqual(grafana.inputs.spec.tls, [{ hosts: ["grafana.learning.example.com"], secretName: "grafana-tls" }]);
        assert.deepEqual(grafana.inputs.metadata.annotations, { "cert-manager.io/cluster-issuer": "letsencrypt" });
    });
});
