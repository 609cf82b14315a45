/**
 * The dev stack on a real kubelet: real containers from images assembled here (scripts/realNode),
 * started by containerd and runc under the stack's own security contexts and probes, with real
 * Service networking (kube-proxy), DNS (CoreDNS) and RBAC. Needs root; tools from scripts/tools.sh.
 *
 * Test-only arrangements, visible here on purpose:
 * - Scheduling: Loki, Tempo and Grafana are AGPL, so no image of theirs exists here; the
 *   MutatingAdmissionPolicy of scripts/realNode/placement.ts (applied in `before`) sends their
 *   pods to a KWOK node, where they are simulated. Every other pod runs on the real node.
 * - Stand-ins: two real Collector pods receive what the gateway sends to Loki's and Tempo's
 *   endpoints (`loki:3100/otlp`, `tempo:4317`, unchanged), selected by those Services because they
 *   carry the components' labels; they write what they receive to a file the test reads.
 * - A scraped service `demo` (the demo service's pods, `/metrics` on port `http`) is added to the
 *   dev config, so Prometheus has a Kubernetes-discovered target of a real pod.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { after, before, describe, test } from "node:test";
import { V1ConfigMap, V1Deployment, V1Pod, V1ResourceAttributes } from "@kubernetes/client-node";
import versions from "../../tools/versions.json";
import { getJson } from "../../scripts/dev/polling";
import { run } from "../../scripts/dev/processes";
import { ensureTools, requireTool } from "../../scripts/dev/tools";
import { isGone, MERGE_PATCH, monitoring, ServedPod } from "../../scripts/kubeClient";
import { LocalStack } from "../../scripts/localCluster";
import { RealNodeCluster, REAL_NODE_TOOLS } from "../../scripts/realNode/cluster";
import { DEMO_SERVICE_REPOSITORY } from "../../scripts/realNode/images";
import { SIMULATED_COMPONENTS, simulatedPlacementPolicy, STAND_IN_LABEL } from "../../scripts/realNode/placement";
import { hostState, HostState, hostStateDiff } from "../support/hostState";

const STACK = "dev";
const NAMESPACE = "observability";
/** The node agents (the Collector agent, node-exporter) run in a namespace of their own, the one that admits privileged pods. */
const AGENT_NAMESPACE = "observability-agents";
const DEMO_NAMESPACE = "learning";
/** Another chart's namespace and app, with a ServiceMonitor and a PrometheusRule of its own. */
const VENDOR_NAMESPACE = "vendor";
const VENDOR_APP = "vendor-app";
const VENDOR_ALERT = "VendorAppTestAlwaysFiring";

const isReady = (pod: ServedPod) => (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
/** A real Collector receiving OTLP where Loki or Tempo would, writing everything it receives to /data/received.log. */
function standIn(component: "loki" | "tempo"): { configMap: V1ConfigMap; pod: V1Pod } {
    const ports = component === "loki" ? [{ name: "http", containerPort: 3100 }] : [{ name: "otlp-grpc", containerPort: 4317 }];
    const config = {
        receivers: { otlp: { protocols: component === "loki" ? { http: { endpoint: "0.0.0.0:3100", logs_url_path: "/otlp/v1/logs" } } : { grpc: { endpoint: "0.0.0.0:4317" } } } },
        exporters: { debug: { verbosity: "detailed" } },
        service: {
            // Into a file, not stdout: the node agent tails stdout, and what the stand-in prints would come back to it.
            telemetry: { logs: { output_paths: ["/data/received.log"], error_output_paths: ["/data/received.log"] }, metrics: { level: "none" } },
            pipelines: component === "loki" ? { logs: { receivers: ["otlp"], exporters: ["debug"] } } : { traces: { receivers: ["otlp"], exporters: ["debug"] } },
        },
    };
    const labels = { "app.kubernetes.io/name": component, "app.kubernetes.io/part-of": "lgtm-stack", [STAND_IN_LABEL]: "true" };
    return {
        configMap: { metadata: { name: `stand-in-${component}` }, data: { "config.yaml": JSON.stringify(config) } },
        pod: {
            metadata: { name: `stand-in-${component}`, labels },
            spec: {
                securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        name: "stand-in",
                        image: `${versions.images.otelcol.repository}:${versions.images.otelcol.tag}`,
                        imagePullPolicy: "Never",
                        command: ["/otelcol-contrib"],
                        args: ["--config=/etc/stand-in/config.yaml"],
                        ports,
                        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                        volumeMounts: [{ name: "config", mountPath: "/etc/stand-in" }, { name: "data", mountPath: "/data" }],
                    },
                ],
                volumes: [{ name: "config", configMap: { name: `stand-in-${component}` } }, { name: "data", emptyDir: {} }],
            },
        },
    };
}

/**
 * A Deployment of the demo service's image (a real pod serving `/metrics` on port `http`, 8080),
 * labelled `app: <name>`; `otlp` says where its SDK sends traces, metrics and logs.
 */
function demoDeployment(image: string, name: string, otlp: { name: string; value: string }[]): V1Deployment {
    return {
        metadata: { name },
        spec: {
            replicas: 1,
            selector: { matchLabels: { app: name } },
            template: {
                metadata: { labels: { app: name } },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name,
                            image,
                            imagePullPolicy: "Never",
                            command: ["/usr/local/bin/node", "/app/server.js"],
                            env: [{ name: "DEMO_HOST", value: "0.0.0.0" }, { name: "DEMO_PORT", value: "8080" }, ...otlp],
                            ports: [{ name: "http", containerPort: 8080 }],
                            readinessProbe: { httpGet: { path: "/metrics", port: "http" }, periodSeconds: 2 },
                            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                },
            },
        },
    };
}

describe("the dev stack's pods on a real kubelet", { timeout: 30 * 60_000 }, () => {
    let cluster: RealNodeCluster;
    let machineBefore: HostState;
    let project: LocalStack;
    let demoImage = "";

    const pods = (namespace: string) => cluster.kube.pods(namespace);
    const podIp = async (namespace: string, name: string) => (await cluster.kube.pod(namespace, name)).status.podIP!;
    const receivedBy = async (component: "loki" | "tempo") => {
        const pod = await cluster.kube.pod(NAMESPACE, `stand-in-${component}`);
        const file = path.join(cluster.node!.emptyDirPath(pod.metadata.uid, "data"), "received.log");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    };
    const prometheus = async () => `http://${await podIp(NAMESPACE, "prometheus-0")}:9090`;

    before(async () => {
        ensureTools(REAL_NODE_TOOLS);
        machineBefore = hostState();
        cluster = RealNodeCluster.forTest();
        await cluster.start();
        await cluster.applyPlacement(simulatedPlacementPolicy());
        await cluster.createPersistentVolumes(4);
        demoImage = cluster.images.find((image) => image.name.startsWith(`${DEMO_SERVICE_REPOSITORY}:`))!.name;
        project = await LocalStack.create(cluster.workdir, cluster.kubeconfig, STACK);
        project.editConfig((config) => {
            const demo = {
                name: "demo",
                namespace: DEMO_NAMESPACE,
                team: "platform-api",
                discovery: { kind: "scrape", selector: { app: "demo-service" }, port: "http", path: "/metrics" },
                slos: [{ kind: "availability", objective: 99.5 }],
            };
            // A second service of the same shape on the same pods: with shareServiceRules the two share one rule group (one PrometheusRule of the stack).
            (config["lgtm-stack:services"] as unknown[]).push(demo, { ...demo, name: "demo-canary" });
            config["lgtm-stack:prometheus"] = { ...(config["lgtm-stack:prometheus"] as Record<string, unknown> | undefined), shareServiceRules: true };
        });
    });

    after(async () => {
        await project?.destroy().catch(() => undefined);
        await cluster?.stop();
    });

    test("pulumi up: every real pod becomes Ready on the real node under its security context; Loki, Tempo and Grafana are simulated on the KWOK node", async () => {
        await project.up();
        // Pulumi waits for the workloads it creates; the agent's StatefulSet is the operator's, made after.
        await cluster.waitFor("the operator's Prometheus agent Ready", async () => (await pods(NAMESPACE)).some((p) => p.metadata.labels?.["app.kubernetes.io/name"] === "prometheus-agent" && isReady(p)), 240);
        // The pod the real operator made from our PrometheusAgent: every container it runs, its own
        // included, requests and is limited in ephemeral-storage, and its disk-backed emptyDirs are bounded.
        const agentPod = (await pods(NAMESPACE)).find((p) => p.metadata.labels?.["app.kubernetes.io/name"] === "prometheus-agent")!;
        const storage = [...(agentPod.spec.initContainers ?? []), ...agentPod.spec.containers].map((c) => `${c.name} ${c.resources?.requests?.["ephemeral-storage"]}/${c.resources?.limits?.["ephemeral-storage"]}`);
        assert.deepEqual(storage.sort(), ["config-reloader 64Mi/64Mi", "init-config-reloader 64Mi/64Mi", "prometheus 1088Mi/1088Mi"], "the agent pod's containers' ephemeral-storage (dev: a 1024Mi WAL and 64Mi of logs each)");
        const unbounded = (agentPod.spec.volumes ?? []).filter((v) => v.emptyDir && v.emptyDir.medium !== "Memory" && !v.emptyDir.sizeLimit).map((v) => v.name);
        assert.deepEqual(unbounded, [], "every disk-backed emptyDir of the agent pod has a sizeLimit");
        const all = [...(await pods(NAMESPACE)), ...(await pods(AGENT_NAMESPACE))];
        assert.deepEqual((await pods(AGENT_NAMESPACE)).map((p) => p.metadata.labels?.["app.kubernetes.io/name"]).sort(), ["node-exporter", "node-exporter", "otel-agent", "otel-agent"], "the node agents, one per node, in their own namespace");
        const simulated = all.filter((p) => (SIMULATED_COMPONENTS as readonly string[]).includes(p.metadata.labels?.["app.kubernetes.io/name"] ?? ""));
        assert.deepEqual(simulated.map((p) => p.metadata.labels!["app.kubernetes.io/name"]).sort(), ["grafana", "loki", "tempo"]);
        for (const pod of simulated) {
            assert.equal(pod.spec.nodeName, cluster.simulatedNodeName, `${pod.metadata.name} is simulated`);
        }
        const real = all.filter((p) => p.spec.nodeName === cluster.nodeName);
        // The agent and node-exporter are DaemonSets: one pod per node, the simulated node's included.
        // The operator's agent is the operator's own StatefulSet (prom-agent-lgtm), made from our PrometheusAgent object.
        assert.deepEqual(real.map((p) => p.metadata.labels?.["app.kubernetes.io/name"]).sort(), ["alertmanager", "blackbox-exporter", "kube-state-metrics", "node-exporter", "otel-agent", "otel-collector", "prometheus", "prometheus-agent", "prometheus-operator"]);
        const pids = cluster.node!.containerPids();
        for (const pod of real) {
            assert.ok(isReady(pod), `${pod.metadata.name} Ready: ${JSON.stringify(pod.status)}`);
            for (const container of pod.status.containerStatuses ?? []) {
                assert.ok(container.ready && container.restartCount === 0, `${pod.metadata.name}/${container.name}: ${JSON.stringify(container)}`);
                const pid = pids.get(container.containerID!.replace("containerd://", ""));
                assert.ok(pid, `${pod.metadata.name}/${container.name} has a running process`);
                // What the kernel enforces on the running process (proc(5)).
                const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
                const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)![1];
                const uid = Number(field("Uid").split(/\s+/)[0]);
                if (pod.metadata.labels?.["app.kubernetes.io/name"] === "otel-agent") {
                    assert.equal(uid, 0, "the node agent is the documented root exception");
                } else {
                    assert.ok(uid !== 0, `${pod.metadata.name} runs as non-root (uid ${uid})`);
                }
                assert.equal(field("CapEff"), "0000000000000000", `${pod.metadata.name}: no effective capabilities`);
                assert.equal(field("NoNewPrivs"), "1", `${pod.metadata.name}: no privilege escalation`);
                assert.equal(field("Seccomp"), "2", `${pod.metadata.name}: seccomp filter (RuntimeDefault)`);
                const rootMount = fs.readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").find((line) => line.split(" ")[4] === "/")!;
                assert.match(rootMount.split(" ")[5], /(^|,)ro(,|$)/, `${pod.metadata.name}: read-only root filesystem`);
            }
        }
        console.log(`real pods: ${real.length} running on ${cluster.nodeName}`);
    });

    test("the gateway receives OTLP from a real demo-service pod: traces reach the Tempo stand-in, metrics reach the real Prometheus", async () => {
        // The simulated Loki and Tempo pods are Ready endpoints of the same Services, at addresses that
        // refuse every connection: the StatefulSets go to zero so the stand-ins are the Services' only
        // endpoints (otherwise each connection of the gateway's exporters is a draw between the two).
        for (const component of ["loki", "tempo"] as const) {
            await cluster.kube.apps.patchNamespacedStatefulSetScale({ namespace: NAMESPACE, name: component, body: { spec: { replicas: 0 } } }, MERGE_PATCH);
        }
        for (const component of ["loki", "tempo"] as const) {
            const { configMap, pod } = standIn(component);
            await cluster.kube.core.createNamespacedConfigMap({ namespace: NAMESPACE, body: configMap });
            await cluster.kube.core.createNamespacedPod({ namespace: NAMESPACE, body: pod });
        }
        // What kube-proxy routes to: each Service's ready endpoints are exactly its stand-in's address.
        const readyEndpoints = async (component: string) => {
            const slices = (await cluster.kube.discovery.listNamespacedEndpointSlice({ namespace: NAMESPACE, labelSelector: `kubernetes.io/service-name=${component}` })).items;
            return slices.flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
        };
        await cluster.waitFor("the stand-ins as the only ready endpoints of the loki and tempo Services", async () => {
            const standIns = new Map((await pods(NAMESPACE)).filter((p) => p.metadata.name.startsWith("stand-in-") && isReady(p)).map((p) => [p.metadata.name, p.status.podIP]));
            for (const component of ["loki", "tempo"]) {
                const expected = standIns.get(`stand-in-${component}`);
                if (!expected || JSON.stringify(await readyEndpoints(component)) !== JSON.stringify([expected])) return false;
            }
            return true;
        }, 120);
        await cluster.kube.core.createNamespace({ body: { metadata: { name: DEMO_NAMESPACE } } });
        const gateway = `otel-collector.${NAMESPACE}.svc.cluster.local`;
        await cluster.kube.apps.createNamespacedDeployment({ namespace: DEMO_NAMESPACE, body: demoDeployment(demoImage, "demo-service", [
            { name: "DEMO_OTLP_GRPC", value: `http://${gateway}:4317` },
            { name: "DEMO_OTLP_HTTP", value: `http://${gateway}:4318` },
        ]) });
        await cluster.waitFor("the stand-ins and the demo service Ready", async () => {
            const mine = [...(await pods(NAMESPACE)).filter((p) => p.metadata.name.startsWith("stand-in-")), ...(await pods(DEMO_NAMESPACE))];
            return mine.length === 3 && mine.every(isReady);
        }, 120);
        const demo = (await pods(DEMO_NAMESPACE))[0];
        const demoUrl = `http://${demo.status.podIP}:8080`;
        // Failed requests: tail sampling keeps every error trace (and only a share of the rest). The
        // SDK sends a batch once and drops it if that export fails (the gateway's pod just started,
        // its Service endpoints still propagating): up to three batches, each waited for in turn;
        // one batch arriving whole at the stand-in is the pass.
        const attempts: string[] = [];
        let arrived = false;
        for (let attempt = 1; attempt <= 3 && !arrived; attempt++) {
            const batch = `real-node-${attempt}`;
            const traceIds: string[] = [];
            for (let i = 0; i < 5; i++) {
                // The demo answers these with HTTP 500 and the trace id in its body.
                const failed = await fetch(`${demoUrl}/checkout?delay_ms=10&status=500&batch=${batch}`, { signal: AbortSignal.timeout(10_000) });
                traceIds.push(((await failed.json()) as { trace_id: string }).trace_id);
            }
            await fetch(`${demoUrl}/flush`, { method: "POST", signal: AbortSignal.timeout(30_000) });
            // Tail sampling waits for a trace's spans (decision_wait) before the gateway exports it.
            arrived = await cluster
                .waitFor(`batch ${batch} at the Tempo stand-in`, async () => {
                    const received = await receivedBy("tempo");
                    return traceIds.every((id) => received.includes(id));
                }, 60)
                .then(() => true, () => false);
            const stats = (await getJson(`${demoUrl}/stats`)) as { spans: unknown };
            attempts.push(`${batch}: ${arrived ? "arrived" : "missing"}, the demo's span exports ${JSON.stringify(stats.spans)}`);
        }
        if (!arrived) {
            const gatewayLog = await cluster.kube.core.readNamespacedPodLog({ namespace: NAMESPACE, name: "otel-collector-0", tailLines: 40 });
            assert.fail(`no batch of 5 error traces reached the Tempo stand-in:\n${attempts.join("\n")}\nthe gateway's last log lines:\n${gatewayLog}`);
        }
        const metric = encodeURIComponent('sum(http_server_request_duration_seconds_count{service_name="api"})');
        await cluster.waitFor("the demo's request metrics in Prometheus", async () => Number((await getJson(`${await prometheus()}/api/v1/query?query=${metric}`)).data.result[0]?.value[1] ?? 0) >= 5, 120);
    });

    test("the node agent tails real containers' logs from /var/log/pods and ships them with Kubernetes attributes", async () => {
        // The demo service started after the agent, so its first line (`{"listening":8080}`) is in a file the agent found new.
        const demo = (await pods(DEMO_NAMESPACE))[0];
        await cluster.waitFor("the demo container's log line at the Loki stand-in", async () => {
            const received = await receivedBy("loki");
            return (
                received.includes(`k8s.pod.name: Str(${demo.metadata.name})`) &&
                received.includes(`k8s.namespace.name: Str(${DEMO_NAMESPACE})`) &&
                received.includes(`k8s.node.name: Str(${cluster.nodeName})`) &&
                received.includes(`log.file.path: Str(/var/log/pods/${DEMO_NAMESPACE}_${demo.metadata.name}_${demo.metadata.uid}/demo-service/0.log)`) &&
                received.includes('Body: Str({"listening":8080})')
            );
        }, 120);
    });

    test("the demo service's PodMonitor: the operator's agent scrapes the real pod, and its series reach the real Prometheus as job demo; Prometheus scrapes the real kubelet, the operator, its agent and the blackbox exporter", async () => {
        const demo = (await pods(DEMO_NAMESPACE))[0];
        // The PodMonitor's relabelings name the job and service after the service (the SLO rules select on them) and add the node.
        const up = encodeURIComponent(`up{job="demo", service="demo", namespace="${DEMO_NAMESPACE}", pod="${demo.metadata.name}", node="${cluster.nodeName}"}`);
        await cluster.waitFor("the demo pod up in Prometheus (scraped by the agent) and the kubelet target up", async () => {
            const demoUp = (await getJson(`${await prometheus()}/api/v1/query?query=${up}`)).data.result as { value: [number, string] }[];
            const targets = (await getJson(`${await prometheus()}/api/v1/targets?state=active`)).data.activeTargets as { labels: Record<string, string>; health: string }[];
            const cadvisor = targets.find((t) => t.labels.job === "kubelet-cadvisor" && t.labels.node === cluster.nodeName);
            // The operator feature's pods are self-scrape jobs of the stack, like its other components.
            const operatorJobs = ["prometheus-operator", "prometheus-agent", "blackbox-exporter"].every((job) => targets.some((t) => t.labels.job === job && t.health === "up"));
            return demoUp.length === 1 && demoUp[0].value[1] === "1" && cadvisor?.health === "up" && operatorJobs;
        }, 240);
        // The two services' rules reach Prometheus through the stack's shared PrometheusRule and the operator's rule ConfigMaps,
        // and the real Prometheus evaluates them per member: each service's own objective, and both up.
        const objectives = encodeURIComponent(`slo:objective:ratio{service=~"demo|demo-canary"}`);
        const members = encodeURIComponent(`max by (service) (label_replace(up{job=~"demo|demo-canary"}, "service", "$1", "job", "(.*)"))`);
        await cluster.waitFor("the shared rule group of demo and demo-canary loaded and evaluated in Prometheus", async () => {
            const groups = (await getJson(`${await prometheus()}/api/v1/rules`)).data.groups as { name: string; rules: { name: string; health: string; labels?: Record<string, string> }[] }[];
            const shared = groups.find((group) => group.name.startsWith("services-") && group.rules.some((rule) => rule.name === "ServiceDown"));
            const values = (await getJson(`${await prometheus()}/api/v1/query?query=${objectives}`)).data.result as { metric: Record<string, string>; value: [number, string] }[];
            const up = (await getJson(`${await prometheus()}/api/v1/query?query=${members}`)).data.result as { metric: Record<string, string>; value: [number, string] }[];
            return (
                shared !== undefined &&
                shared.rules.every((rule) => rule.health === "ok") &&
                values.map((v) => `${v.metric.service}=${v.value[1]}`).sort().join(",") === "demo-canary=0.995,demo=0.995" &&
                up.map((v) => `${v.metric.service}=${v.value[1]}`).sort().join(",") === "demo-canary=1,demo=1"
            );
        }, 300);
        // The demo pair has no PrometheusRule of its own: their shared group is the stack's.
        const own = await cluster.kube.custom.listNamespacedCustomObject({ ...monitoring("PrometheusRule", NAMESPACE) });
        const names = (own.items as { metadata: { name: string } }[]).map((rule) => rule.metadata.name);
        assert.ok(!names.includes("demo") && !names.includes("demo-canary") && names.some((name) => name.startsWith("services-")), `PrometheusRules: ${names.join(", ")}`);
    });

    test("a third-party chart's ServiceMonitor and PrometheusRule in another namespace: its pod is up in the real Prometheus, its always-firing alert reaches the real Alertmanager with its labels", async () => {
        // Written as a chart ships them (`serviceMonitor.enabled: true`), in the chart's namespace, unknown to the stack's config.
        const started = Date.now();
        const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
        const namespace = VENDOR_NAMESPACE;
        await cluster.kube.core.createNamespace({ body: { metadata: { name: namespace } } });
        await cluster.kube.apps.createNamespacedDeployment({
            namespace,
            body: demoDeployment(demoImage, VENDOR_APP, [
                // Nothing listens there: the SDK drops its exports; only the scrape of /metrics matters here.
                { name: "DEMO_OTLP_GRPC", value: "http://127.0.0.1:4317" },
                { name: "DEMO_OTLP_HTTP", value: "http://127.0.0.1:4318" },
            ]),
        });
        await cluster.kube.core.createNamespacedService({
            namespace,
            body: { metadata: { name: VENDOR_APP, labels: { app: VENDOR_APP } }, spec: { selector: { app: VENDOR_APP }, ports: [{ name: "metrics", port: 9100, targetPort: "http" }] } },
        });
        await cluster.kube.createMonitoring(namespace, {
            kind: "ServiceMonitor",
            metadata: { name: VENDOR_APP, labels: { app: VENDOR_APP } },
            spec: { selector: { matchLabels: { app: VENDOR_APP } }, endpoints: [{ port: "metrics", path: "/metrics", interval: "15s" }] },
        });
        await cluster.kube.createMonitoring(namespace, {
            kind: "PrometheusRule",
            metadata: { name: `${VENDOR_APP}-rules`, labels: { app: VENDOR_APP } },
            spec: {
                groups: [
                    {
                        name: VENDOR_APP,
                        rules: [{ alert: VENDOR_ALERT, expr: "vector(1)", labels: { severity: "warning", vendor_label: "kept" }, annotations: { summary: "A chart's test alert that always fires." } }],
                    },
                ],
            },
        });
        await cluster.waitFor(`${VENDOR_APP} Ready`, async () => (await pods(VENDOR_NAMESPACE)).some(isReady), 120);
        const pod = (await pods(VENDOR_NAMESPACE))[0];
        console.log(`${VENDOR_APP}'s pod Ready after ${elapsed()}`);
        // The operator's ServiceMonitor relabelling (pkg/prometheus/promcfg.go at v0.93.0): job is the
        // Service's name (no jobLabel), endpoint the port's name, plus namespace, service, pod, container.
        const up = encodeURIComponent(`up{namespace="${VENDOR_NAMESPACE}",job="${VENDOR_APP}",service="${VENDOR_APP}",endpoint="metrics",pod="${pod.metadata.name}",container="${VENDOR_APP}"}`);
        await cluster.waitFor(`the agent's scrape of ${VENDOR_APP} up in the real Prometheus`, async () => (await getJson(`${await prometheus()}/api/v1/query?query=${up}`)).data.result[0]?.value[1] === "1", 300);
        console.log(`up{namespace="${VENDOR_NAMESPACE}",job="${VENDOR_APP}"} = 1 in Prometheus after ${elapsed()}`);
        const alertmanager = `http://${await podIp(NAMESPACE, "alertmanager-0")}:9093`;
        let alert: { labels: Record<string, string>; status: { state: string } } | undefined;
        await cluster.waitFor(`${VENDOR_ALERT} at the real Alertmanager`, async () => {
            const alerts = (await getJson(`${alertmanager}/api/v2/alerts`)) as { labels: Record<string, string>; status: { state: string } }[];
            alert = alerts.find((a) => a.labels.alertname === VENDOR_ALERT);
            return alert !== undefined;
        }, 300);
        console.log(`${VENDOR_ALERT} at Alertmanager after ${elapsed()}: ${JSON.stringify(alert!.labels)}`);
        // The rule's labels as written, nothing renamed or dropped; only the dev Prometheus's external labels added.
        assert.deepEqual(alert!.labels, { alertname: VENDOR_ALERT, severity: "warning", vendor_label: "kept", environment: "dev", stack: "dev" });
        assert.equal(alert!.status.state, "active");
    });

    test("a Probe through the real blackbox exporter: the demo service's probe succeeds, fails when the demo is scaled to zero, and succeeds again", async () => {
        const started = Date.now();
        const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
        // The dev config probes http://demo-service.learning.svc.cluster.local:8080/metrics.
        await cluster.kube.core.createNamespacedService({
            namespace: DEMO_NAMESPACE,
            body: { metadata: { name: "demo-service" }, spec: { selector: { app: "demo-service" }, ports: [{ name: "http", port: 8080, targetPort: "http" }] } },
        });
        const success = encodeURIComponent('probe_success{service="api",probe="metrics"}');
        const probe = async () => (await getJson(`${await prometheus()}/api/v1/query?query=${success}`)).data.result.map((r: { value: [number, string] }) => r.value[1]) as string[];
        await cluster.waitFor("probe_success 1", async () => (await probe()).join() === "1", 240);
        console.log(`probe_success{service="api",probe="metrics"} = 1 after ${elapsed()}`);
        const scale = async (replicas: number) => {
            await cluster.kube.apps.patchNamespacedDeploymentScale({ namespace: DEMO_NAMESPACE, name: "demo-service", body: { spec: { replicas } } }, MERGE_PATCH);
        };
        await scale(0);
        await cluster.waitFor("the demo pod gone", async () => (await pods(DEMO_NAMESPACE)).length === 0, 120);
        await cluster.waitFor("probe_success 0", async () => (await probe()).join() === "0", 240);
        console.log(`scaled to 0: probe_success = 0 after ${elapsed()}`);
        // Later tests (the config change, destroy) expect the demo pod back.
        await scale(1);
        await cluster.waitFor("the demo pod Ready again", async () => (await pods(DEMO_NAMESPACE)).some(isReady), 120);
        await cluster.waitFor("probe_success 1 again", async () => (await probe()).join() === "1", 240);
        console.log(`scaled back to 1: probe_success = 1 after ${elapsed()}`);
    });

    test("the real promtool accepts the agent configuration the operator generated and every rule file it wrote", async () => {
        const promtool = requireTool("promtool");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-operator-config-"));
        try {
            // The agent's config Secret: prom-agent-<name>, key prometheus.yaml.gz (pkg/prometheus/common.go at v0.93.0).
            const secret = await cluster.kube.core.readNamespacedSecret({ namespace: NAMESPACE, name: "prom-agent-lgtm" });
            const config = zlib.gunzipSync(Buffer.from(secret.data?.["prometheus.yaml.gz"] ?? "", "base64")).toString("utf8");
            assert.match(config, new RegExp(`job_name: serviceMonitor/${VENDOR_NAMESPACE}/${VENDOR_APP}/0`), "the vendor's ServiceMonitor is in the agent's config");
            fs.writeFileSync(path.join(dir, "prometheus.yaml"), config);
            const checked = run(promtool, ["check", "config", "--syntax-only", path.join(dir, "prometheus.yaml")], undefined, { timeoutMs: 60_000 });
            assert.equal(checked.code, 0, checked.output);
            // Rule files: prometheus-lgtm-rulefiles-<n>, one key <namespace>-<name>-<uid>.yaml per PrometheusRule (pkg/operator/rules.go).
            const maps = (await cluster.kube.core.listNamespacedConfigMap({ namespace: NAMESPACE })).items.filter((m) => m.metadata?.name?.startsWith("prometheus-lgtm-rulefiles-"));
            const files = maps.flatMap((m) => Object.entries(m.data ?? {}));
            const rule = await cluster.kube.custom.getNamespacedCustomObject({ ...monitoring("PrometheusRule", VENDOR_NAMESPACE), name: `${VENDOR_APP}-rules` });
            assert.ok(files.some(([name]) => name === `${VENDOR_NAMESPACE}-${VENDOR_APP}-rules-${rule.metadata.uid}.yaml`), `the vendor's rule file; files: ${files.map(([name]) => name).join(", ")}`);
            for (const [name, content] of files) {
                fs.writeFileSync(path.join(dir, name), content);
                const result = run(promtool, ["check", "rules", path.join(dir, name)], undefined, { timeoutMs: 60_000 });
                assert.equal(result.code, 0, `${name}: ${result.output}`);
            }
            console.log(`promtool: the agent's config (${config.length} bytes) and ${files.length} rule file(s) of ${maps.map((m) => m.metadata?.name).join(", ")} pass`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("Prometheus's ServiceAccount may do what its role grants and nothing more (SubjectAccessReview)", async () => {
        const may = async (attributes: V1ResourceAttributes) =>
            (await cluster.kube.authorization.createSubjectAccessReview({ body: { spec: { user: `system:serviceaccount:${NAMESPACE}:prometheus`, groups: ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`, "system:authenticated"], resourceAttributes: attributes } } })).status?.allowed === true;
        assert.equal(await may({ verb: "list", resource: "pods" }), true, "list pods (discovery)");
        assert.equal(await may({ verb: "watch", resource: "nodes" }), true, "watch nodes");
        assert.equal(await may({ verb: "get", resource: "nodes", subresource: "metrics" }), true, "get nodes/metrics (kubelet scrape)");
        assert.equal(await may({ verb: "get", resource: "nodes", subresource: "proxy" }), false, "nodes/proxy would open exec into any container");
        assert.equal(await may({ verb: "get", resource: "secrets", namespace: NAMESPACE }), false, "secrets");
        assert.equal(await may({ verb: "create", resource: "pods", namespace: NAMESPACE }), false, "create pods");
        assert.equal(await may({ verb: "delete", resource: "pods", namespace: DEMO_NAMESPACE }), false, "delete pods");
    });

    test("a config change rolls exactly the pod whose config changed; up again makes no change", async () => {
        const uids = async () => new Map((await pods(NAMESPACE)).map((p) => [p.metadata.name, p.metadata.uid]));
        const before = await uids();
        // The gateway's tail-sampling share: only the gateway's config changes, so only its pod may roll.
        project.editConfig((config) => {
            config["lgtm-stack:collector"] = { ...(config["lgtm-stack:collector"] as object), samplingPercent: 10 };
        });
        await project.up();
        await cluster.waitFor("a new, Ready otel-collector-0", async () => {
            const pod = (await pods(NAMESPACE)).find((p) => p.metadata.name === "otel-collector-0");
            return pod !== undefined && pod.metadata.uid !== before.get("otel-collector-0") && isReady(pod);
        }, 180);
        const now = await uids();
        assert.deepEqual([...before.keys()].filter((name) => now.get(name) !== before.get(name)), ["otel-collector-0"]);
        await project.up({ expectNoChanges: true });
    });

    test("pulumi destroy leaves nothing of the stack", async () => {
        await project.destroy();
        for (const namespace of [NAMESPACE, AGENT_NAMESPACE]) {
            await cluster.waitFor(`namespace ${namespace} to be gone`, () => isGone(cluster.kube.core.readNamespace({ name: namespace })), 180);
        }
        assert.deepEqual((await cluster.kube.rbac.listClusterRole({ labelSelector: "app.kubernetes.io/part-of=lgtm-stack" })).items, []);
        const onTheNode = await cluster.kube.pods(undefined, { fieldSelector: `spec.nodeName=${cluster.nodeName}` });
        assert.deepEqual(onTheNode.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).filter((p) => ![DEMO_NAMESPACE, VENDOR_NAMESPACE, "kube-system"].some((ns) => p.startsWith(`${ns}/`))), []);
    });

    test("the teardown leaves nothing of the run, and the machine's namespaces, links, routes, chains, mounts, cgroups and tunables as they were", async () => {
        await cluster.stop();
        assert.deepEqual(cluster.leftovers(), []);
        const diff = hostStateDiff(machineBefore, hostState());
        console.log(`the machine before vs after the run: ${diff.length === 0 ? "no difference" : `\n${diff.join("\n")}`}`);
        assert.deepEqual(diff, []);
    });
});
