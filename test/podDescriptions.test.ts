/**
 * The backends' pods as render/pods.ts describes them, checked against what else names their ports.
 * A NetworkPolicy opens ports on the pods it selects; a port it opens that no container of those
 * pods declares is a flow written twice that has drifted (the policy then allows a port nothing
 * listens on, and the real one stays closed). Probes name ports too: a probe on a port the
 * container does not declare never succeeds. The Tempo ports below are written by hand from
 * Tempo's documentation (3200 HTTP, 9095 gRPC, OTLP on 4317 gRPC and 4318 HTTP); Grafana's from
 * Grafana's (`http_port` 3000, GET /api/health, the official image's user 472), the dashboard
 * sidecars' from kiwigrid/k8s-sidecar's README (HEALTH_PORT, default 8080, answers GET /healthz), the
 * blackbox exporter's from its README (listens on 9115; /-/healthy), and the token folder from the
 * Kubernetes documentation (/var/run/secrets/kubernetes.io/serviceaccount).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadStackConfig } from "../config/load";
import { readRunbooks } from "../io/runbooks";
import { PodDescription, renderStack, RenderedStack } from "../render";
import { knownRunbooks, minimalRaw } from "./support/fixtures";
import { distributedValues, OBJECT_STORAGE_SECRETS, s3 } from "./support/topology";

const single = () =>
    renderStack(loadStackConfig(minimalRaw({ networkPolicies: true, alertmanager: { replicas: 2 }, operator: { enabled: true }, collector: { agentEnabled: true } }), { knownRunbooks }), readRunbooks());
const distributed = () =>
    renderStack(
        loadStackConfig(
            minimalRaw(
                {
                    ...distributedValues({ mimir: { storage: s3("metrics") }, zones: ["a", "b", "c"], collector: { loadBalancer: { replicas: 3, maxReplicas: 12 }, gatewayMaxReplicas: 8 } }),
                    collector: { gatewayReplicas: 2 },
                    networkPolicies: true,
                    podDisruptionBudgets: true,
                },
                OBJECT_STORAGE_SECRETS,
            ),
            { knownRunbooks },
        ),
        readRunbooks(),
    );

/** Every pod the stack describes, by its workload's name. */
function describedPods(rendered: RenderedStack): PodDescription[] {
    const { pods, clusterPods } = rendered;
    return [
        pods.prometheus.pod,
        pods.alertmanager.pod,
        pods.collector.gateway.pod,
        ...(pods.collector.agent ? [pods.collector.agent] : []),
        ...(pods.collector.loadBalancer ? [pods.collector.loadBalancer.pod] : []),
        clusterPods.kubeStateMetrics,
        ...(clusterPods.nodeExporter ? [clusterPods.nodeExporter] : []),
        ...(clusterPods.operator ? [clusterPods.operator] : []),
        ...Object.values(pods.singleBinaries ?? {}).map((backend) => backend.pod),
        ...Object.values(pods.engines ?? {}).flatMap((tiers) => tiers.flatMap((tier) => tier.workloads)),
        ...(rendered.grafanaPod ? [rendered.grafanaPod] : []),
        ...(rendered.blackbox ? [rendered.blackbox.pod] : []),
    ];
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
    selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/** "<policy> opens <port> on <pod>, which declares no such port" for every ingress port (number and protocol) of a policy that none of the selected pod's containers declares. */
function undeclaredIngressPorts(rendered: RenderedStack): { checked: number; selected: Set<string>; problems: string[] } {
    const problems: string[] = [];
    const selected = new Set<string>();
    let checked = 0;
    for (const pod of describedPods(rendered)) {
        const declared = new Set(pod.spec.containers.flatMap((container) => (container.ports ?? []).map((port) => `${port.protocol ?? "TCP"} ${port.containerPort}`)));
        // The node agent's policies are its own namespace's.
        for (const policy of [...rendered.networkPolicies, ...rendered.agentNetworkPolicies]) {
            if (!selects(policy.spec.podSelector.matchLabels, pod.labels)) {
                continue;
            }
            selected.add(pod.name);
            for (const port of (policy.spec.ingress ?? []).flatMap((rule) => rule.ports)) {
                checked++;
                if (typeof port.port !== "number" || !declared.has(`${port.protocol} ${port.port}`)) {
                    problems.push(`${policy.name} opens ${port.protocol} ${port.port} on ${pod.name}, which declares no such port`);
                }
            }
        }
    }
    return { checked, selected, problems };
}

describe("pod descriptions: the ports a pod declares are the ports everything else names", () => {
    for (const [topology, render] of [
        ["single", single],
        ["distributed, in three zones", distributed],
    ] as const) {
        test(`every port a NetworkPolicy opens on a backend's pods is a port its containers declare (${topology})`, () => {
            const rendered = render();
            const { checked, selected, problems } = undeclaredIngressPorts(rendered);
            assert.deepEqual(problems, []);
            // Not vacuous: every described pod is selected by an allow policy, and ports were compared.
            assert.deepEqual(
                describedPods(rendered)
                    .map((pod) => pod.name)
                    .filter((name) => !selected.has(name)),
                [],
            );
            assert.ok(checked >= (topology === "single" ? 16 : 60), `${checked} ports compared`);
        });

        test(`every probe of a described pod names one of its container's ports (${topology})`, () => {
            for (const pod of describedPods(render())) {
                for (const container of pod.spec.containers) {
                    const names = (container.ports ?? []).map((port) => port.name);
                    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
                        const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
                        assert.ok(port === undefined || names.includes(port), `${pod.name}/${container.name} probes ${port}, not one of ${names.join(", ")}`);
                    }
                }
            }
        });
    }

    test("Tempo as one binary declares HTTP 3200, gRPC 9095 and OTLP 4317 and 4318, by name", () => {
        const tempo = single().pods.singleBinaries!.tempo.pod;
        assert.deepEqual(
            tempo.spec.containers[0].ports!.map((port) => `${port.name} ${port.containerPort}/${port.protocol}`),
            ["http 3200/TCP", "grpc 9095/TCP", "otlp-grpc 4317/TCP", "otlp-http 4318/TCP"],
        );
    });

    test("a zone's StatefulSet selects its own zone's pods only, and the tier's budget selects every zone", () => {
        const ingester = distributed().pods.engines!.mimir.find((tier) => tier.tier === "ingester")!;
        assert.deepEqual(
            ingester.workloads.map((pod) => `${pod.name}: ${pod.selector["lgtm.dev/zone"]}`),
            ["mimir-ingester-zone-a: a", "mimir-ingester-zone-b: b", "mimir-ingester-zone-c: c"],
        );
        assert.deepEqual(ingester.budget?.selector, { "app.kubernetes.io/name": "mimir", "app.kubernetes.io/component": "ingester", "app.kubernetes.io/part-of": "lgtm-stack" });
    });

    test("Grafana declares HTTP 3000 by name, probes /api/health on it, and runs as user 472 on a read-only root filesystem", () => {
        const grafana = single().grafanaPod!;
        const [container] = grafana.spec.containers;
        assert.equal(container.name, "grafana");
        assert.deepEqual(
            container.ports!.map((port) => `${port.name} ${port.containerPort}/${port.protocol}`),
            ["http 3000/TCP"],
        );
        assert.deepEqual(container.readinessProbe?.httpGet, { path: "/api/health", port: "http" });
        assert.deepEqual(container.livenessProbe?.httpGet, { path: "/api/health", port: "http" });
        assert.equal(grafana.spec.securityContext.runAsUser, 472);
        assert.equal(grafana.spec.automountServiceAccountToken, false);
        // SQLite on one volume: the old pod stops before the new one starts.
        assert.deepEqual(grafana.strategy, { type: "Recreate" });
        for (const each of [...grafana.spec.containers, ...(grafana.spec.initContainers ?? [])]) {
            assert.equal(each.securityContext.readOnlyRootFilesystem, true, `${each.name}'s root filesystem is read-only`);
        }
        // The admin from the grafana-admin Secret, never a literal.
        assert.deepEqual(
            container.env!.filter((env) => env.valueFrom),
            [
                { name: "GF_SECURITY_ADMIN_USER", valueFrom: { secretKeyRef: { name: "grafana-admin", key: "admin-user" } } },
                { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: "grafana-admin", key: "admin-password" } } },
            ],
        );
    });

    test("Grafana's dashboard sidecars each serve /healthz on their own port, write the folder Grafana reads read-only, and alone get the API token", () => {
        const grafana = renderStack(
            loadStackConfig(minimalRaw({ grafana: { mode: "files", dashboardConfigMaps: { namespaces: ["team-a", "team-b"] }, persistence: { enabled: true, size: "5Gi" } } }), { knownRunbooks }),
            readRunbooks(),
        ).grafanaPod!;
        const byName = Object.fromEntries(grafana.spec.containers.map((container) => [container.name, container]));
        assert.deepEqual(Object.keys(byName), ["grafana", "dashboard-expander", "dashboards-team-a", "dashboards-team-b"]);
        assert.deepEqual(
            ["dashboards-team-a", "dashboards-team-b"].map((name) => {
                const sidecar = byName[name];
                return `${name}: ${sidecar.ports!.map((port) => `${port.name} ${port.containerPort}`)}; ready ${sidecar.readinessProbe?.httpGet?.path} on ${sidecar.readinessProbe?.httpGet?.port}`;
            }),
            ["dashboards-team-a: health-8080 8080; ready /healthz on health-8080", "dashboards-team-b: health-8081 8081; ready /healthz on health-8081"],
        );
        const mountOf = (container: string, path: string) => byName[container].volumeMounts.find((mount) => mount.mountPath === path);
        const folder = "/var/lib/grafana-dashboards";
        const token = "/var/run/secrets/kubernetes.io/serviceaccount";
        assert.equal(mountOf("dashboards-team-a", folder)?.readOnly, undefined, "the sidecar writes the folder");
        assert.equal(mountOf("grafana", folder)?.readOnly, true, "Grafana only reads it");
        assert.equal(mountOf("dashboards-team-b", token)?.readOnly, true);
        assert.equal(mountOf("grafana", token), undefined, "Grafana's own container gets no API token");
        assert.equal(grafana.spec.serviceAccountName, "grafana");
        // With persistence, the data directory is the claim's.
        assert.deepEqual(
            grafana.spec.volumes!.find((volume) => volume.name === "data"),
            { name: "data", persistentVolumeClaim: { claimName: "grafana-data" } },
        );
        assert.equal(mountOf("grafana", "/var/lib/grafana")?.name, "data");
    });

    test("with SSO and no admin: the OAuth client secret is a file readable by owner and group only, and no admin variable is set", () => {
        const okta = { provider: "okta", url: "https://acme.okta.com", clientId: "0oa1b2c3d4", disableLoginForm: true, disableAdminPassword: true };
        const grafana = renderStack(
            loadStackConfig(minimalRaw({ grafana: { mode: "files", auth: okta }, grafanaOAuthClientSecret: "<secret>" }, ["grafanaOAuthClientSecret"]), { knownRunbooks }),
            readRunbooks(),
        ).grafanaPod!;
        assert.deepEqual(
            grafana.spec.volumes!.find((volume) => volume.name === "oauth"),
            { name: "oauth", secret: { secretName: "grafana-oauth", defaultMode: 0o440 } },
        );
        const [container] = grafana.spec.containers;
        assert.deepEqual(container.volumeMounts.find((mount) => mount.name === "oauth"), { name: "oauth", mountPath: "/etc/grafana/secrets/oauth", readOnly: true });
        assert.deepEqual(container.env!.filter((env) => env.name.startsWith("GF_SECURITY_ADMIN")), []);
    });

    test("the blackbox exporter declares 9115 by name, probes /-/healthy on it, and reads its modules from a read-only ConfigMap mount", () => {
        const blackbox = single().blackbox!.pod;
        const [container] = blackbox.spec.containers;
        assert.deepEqual(
            container.ports!.map((port) => `${port.name} ${port.containerPort}/${port.protocol}`),
            ["http 9115/TCP"],
        );
        assert.deepEqual(container.readinessProbe?.httpGet, { path: "/-/healthy", port: "http" });
        assert.deepEqual(container.livenessProbe?.httpGet, { path: "/-/healthy", port: "http" });
        assert.deepEqual(container.args, ["--config.file=/etc/blackbox/blackbox.yml", "--web.listen-address=:9115"]);
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(container.volumeMounts.find((mount) => mount.name === "config"), { name: "config", mountPath: "/etc/blackbox", readOnly: true });
        assert.deepEqual(
            blackbox.spec.volumes!.find((volume) => volume.name === "config"),
            { name: "config", configMap: { name: "blackbox-exporter" } },
        );
        assert.equal(blackbox.replicas, 1);
    });

    test("Alertmanager declares its gossip port for both protocols, and its peers' policy opens exactly those two", () => {
        const rendered = single();
        assert.deepEqual(rendered.pods.alertmanager.pod.spec.containers[0].ports!.map(portNotation), ["http 9093/TCP", "cluster 9094/TCP", "cluster-udp 9094/UDP"]);
        const policy = rendered.networkPolicies.find((candidate) => candidate.name === "allow-alertmanager")!;
        const fromPeers = policy.spec.ingress!.filter((rule) => rule.from.some((peer) => "podSelector" in peer && peer.podSelector.matchLabels["app.kubernetes.io/name"] === "alertmanager"));
        assert.deepEqual(
            fromPeers.flatMap((rule) => rule.ports),
            [
                { protocol: "TCP", port: 9094 },
                { protocol: "UDP", port: 9094 },
            ],
        );
    });

    test("the Prometheus Operator: one replica with its token, its metrics and health on http 8080, only in the stack's namespace", () => {
        const operator = single().clusterPods.operator!;
        assert.equal(operator.kind, "Deployment");
        assert.equal(operator.replicas, 1);
        assert.equal(operator.spec.serviceAccountName, "prometheus-operator");
        assert.equal(operator.spec.automountServiceAccountToken, true);
        const [container] = operator.spec.containers;
        assert.deepEqual(container.ports!.map(portNotation), ["http 8080/TCP"]);
        assert.deepEqual(container.readinessProbe!.httpGet, { path: "/healthz", port: "http" });
        // Its flags (prometheus-operator's --help): listen where the port is declared, manage objects of the stack's namespace (default observability) only.
        const args = container.args!;
        assert.ok(args.includes("--web.listen-address=:8080"), args.join(" "));
        for (const kind of ["prometheus", "alertmanager", "thanos-ruler"]) {
            assert.ok(args.includes(`--${kind}-instance-namespaces=observability`), `${kind}: ${args.join(" ")}`);
        }
        assert.deepEqual(container.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
    });

    test("node-exporter reads the node's /proc, /sys and / read-only, / with HostToContainer propagation, as nobody", () => {
        const exporter = single().clusterPods.nodeExporter!;
        assert.equal(exporter.kind, "DaemonSet");
        const [container] = exporter.spec.containers;
        assert.deepEqual(container.ports!.map(portNotation), ["metrics 9100/TCP"]);
        assert.deepEqual(container.volumeMounts, [
            { name: "proc", mountPath: "/host/proc", readOnly: true },
            { name: "sys", mountPath: "/host/sys", readOnly: true },
            { name: "root", mountPath: "/host/root", readOnly: true, mountPropagation: "HostToContainer" },
        ]);
        assert.deepEqual(exporter.spec.volumes, [
            { name: "proc", hostPath: { path: "/proc", type: "Directory" } },
            { name: "sys", hostPath: { path: "/sys", type: "Directory" } },
            { name: "root", hostPath: { path: "/", type: "Directory" } },
        ]);
        assert.equal(exporter.spec.securityContext.runAsUser, 65534);
        assert.equal(exporter.spec.automountServiceAccountToken, false);
        assert.deepEqual(exporter.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } });
    });

    test("kube-state-metrics serves the objects' series on http-metrics 8080 and its own, with /readyz, on telemetry 8081", () => {
        const ksm = single().clusterPods.kubeStateMetrics;
        const [container] = ksm.spec.containers;
        assert.deepEqual(container.ports!.map(portNotation), ["http-metrics 8080/TCP", "telemetry 8081/TCP"]);
        assert.deepEqual(container.readinessProbe!.httpGet, { path: "/readyz", port: "telemetry" });
        assert.deepEqual(container.livenessProbe!.httpGet, { path: "/livez", port: "http-metrics" });
        assert.equal(ksm.spec.serviceAccountName, "kube-state-metrics");
        assert.equal(ksm.spec.automountServiceAccountToken, true);
    });

    test("the Collector's load balancer takes OTLP on 4317 and 4318 by name, scales at 70% CPU between its replicas and maxReplicas, and so do the gateways", () => {
        const { collector } = distributed().pods;
        const lb = collector.loadBalancer!;
        assert.equal(lb.pod.name, "otel-collector-lb");
        assert.equal(lb.pod.kind, "Deployment");
        assert.deepEqual(lb.pod.spec.containers[0].ports!.map(portNotation), ["otlp-grpc 4317/TCP", "otlp-http 4318/TCP", "metrics 8888/TCP", "health 13133/TCP"]);
        assert.deepEqual(lb.pod.spec.containers[0].readinessProbe!.httpGet, { path: "/", port: "health" });
        assert.equal(lb.pod.autoscaled, true, "the HPA owns its replica count");
        assert.deepEqual(lb.autoscaler, { minReplicas: 3, maxReplicas: 12, cpuUtilization: 70 });
        assert.deepEqual(lb.budget?.selector, { "app.kubernetes.io/name": "otel-collector-lb", "app.kubernetes.io/part-of": "lgtm-stack" });
        const { scaleDown, ...gateways } = collector.gateway.autoscaler!;
        assert.deepEqual(gateways, { minReplicas: 2, maxReplicas: 8, cpuUtilization: 70 });
        assert.equal(scaleDown?.selectPolicy, "Min");
        assert.equal(single().pods.collector.loadBalancer, undefined, "no load balancer in the single topology");
    });
});

function portNotation(port: { readonly name: string; readonly containerPort: number; readonly protocol?: string }): string {
    return `${port.name} ${port.containerPort}/${port.protocol ?? "TCP"}`;
}
