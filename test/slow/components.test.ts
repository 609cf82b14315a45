/**
 * One component at a time under Pulumi mocks, in the style of pulumi-awsx's tests: mocks are set
 * once, before any component module is loaded; each test builds one component from rendered
 * artifacts and asserts on what it registered.
 */
import { loadOperatorCrds } from "../../io/operatorCrds";
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, waitForRegistrations } from "../support/mocks";

const recorded: RecordedResource[] = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call(args) {
            return args.inputs;
        },
    },
    "lgtm-stack",
    "components",
    false,
);

// Loaded after the mocks, so every resource they create goes to the mock monitor.
/* eslint-disable @typescript-eslint/no-require-imports */
const k8s = require("@pulumi/kubernetes") as typeof import("@pulumi/kubernetes");
const { ObservedService } = require("../../components/observedService") as typeof import("../../components/observedService");
const { LgtmStack } = require("../../components/stack") as typeof import("../../components/stack");
const { renderService, renderStack } = require("../../render") as typeof import("../../render");
const { loadServiceSpec } = require("../../config/load") as typeof import("../../config/load");
const { knownRunbooks, loadStack, stackFile } = require("../support/fixtures") as typeof import("../support/fixtures");
const { loadStackConfig } = require("../../config/load") as typeof import("../../config/load");
const { NetworkPolicies } = require("../../components/networkPolicies") as typeof import("../../components/networkPolicies");
const { renderNetworkPolicies } = require("../../render/networkPolicies") as typeof import("../../render/networkPolicies");
const { minimalRaw } = require("../support/fixtures") as typeof import("../support/fixtures");
/* eslint-enable @typescript-eslint/no-require-imports */

async function build(construct: () => void): Promise<RecordedResource[]> {
    construct();
    await waitForRegistrations();
    return [...recorded];
}

const byType = (resources: readonly RecordedResource[], type: string) => resources.filter((r) => r.type === type);

/** A stack's rule and scrape ConfigMaps by name, as `LgtmStack.serviceTarget` hands them to services. */
function stackConfigMaps(...names: string[]) {
    return Object.fromEntries(names.map((name) => [name, new k8s.core.v1.ConfigMap(`stack-${name}`, { metadata: { name, namespace: "observability" } })]));
}

/** A stack without the operator, its Prometheus files spread over `configMapShards` ConfigMaps of each kind. */
const withoutOperator = (configMapShards = 1, services?: string[]) =>
    loadStackConfig(
        minimalRaw({ operator: { enabled: false }, prometheus: { configMapShards }, ...(services ? { services: services.map((name) => ({ name, slos: [{ kind: "availability", objective: 99.9 }] })) } : {}) }),
        { knownRunbooks },
    );

const CHECKOUT = { name: "checkout", namespace: "shop", discovery: { kind: "scrape", selector: { app: "checkout" }, port: "metrics" }, conventions: { preset: "prometheus-http" }, slos: [{ kind: "availability", objective: 99.9 }] };

describe("ObservedService, built alone from a rendered bundle", () => {
    beforeEach(() => {
        recorded.length = 0;
    });

    test("with the operator (the default) a scraped service is a PrometheusRule and a PodMonitor in the stack's namespace, carrying the operator's selector labels", async () => {
        const config = loadStack("dev");
        const spec = loadServiceSpec(CHECKOUT, { knownRunbooks });
        const crds = new k8s.core.v1.ConfigMap("stand-in-for-the-crds", {});
        const target = { namespace: "observability", prometheusConfigMaps: {}, operator: { namespace: "observability", labels: { release: "platform" }, dependsOn: [crds], servicesAsObjects: true } };
        const resources = await build(() => new ObservedService("shop-checkout", { target, service: renderService(config, spec) }));
        assert.deepEqual(byType(resources, "kubernetes:core/v1:ConfigMapPatch"), [], "nothing is patched into the stack's ConfigMaps");
        const [rule] = byType(resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        assert.equal(rule.name, "shop-checkout-rules");
        assert.deepEqual(rule.inputs.metadata, {
            name: "checkout",
            namespace: "observability",
            labels: { release: "platform", "app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "lgtm-stack", "app.kubernetes.io/managed-by": "pulumi" },
        });
        const alerts = rule.inputs.spec.groups.flatMap((group: { rules: { alert?: string }[] }) => group.rules.map((r) => r.alert)).filter(Boolean);
        assert.ok(alerts.includes("FastBudgetBurn") && alerts.includes("ServiceDown"), `alerts: ${alerts.join(", ")}`);
        const [monitor] = byType(resources, "kubernetes:monitoring.coreos.com/v1:PodMonitor");
        assert.equal(monitor.inputs.metadata.name, "checkout");
        assert.equal(monitor.inputs.metadata.labels.release, "platform");
        // The operator names a PodMonitor's job <namespace>/<name> and then applies these relabelings:
        // the SLO rules select job="checkout" and service="checkout" as they do on a scrape job of ours.
        assert.deepEqual(monitor.inputs.spec, {
            selector: { matchLabels: { app: "checkout" } },
            namespaceSelector: { matchNames: ["shop"] },
            podMetricsEndpoints: [
                {
                    port: "metrics",
                    path: "/metrics",
                    relabelings: [
                        { action: "replace", targetLabel: "job", replacement: "checkout" },
                        { action: "replace", targetLabel: "service", replacement: "checkout" },
                        { action: "replace", sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" },
                    ],
                },
            ],
        });
    });

    test("with the operator an OTLP service is a PrometheusRule only; a bundle rendered for the other mode is refused", async () => {
        const spec = loadServiceSpec({ name: "mailer", slos: [{ kind: "availability", objective: 99 }] }, { knownRunbooks });
        const target = { namespace: "observability", prometheusConfigMaps: stackConfigMaps("prometheus-rules", "prometheus-scrape"), operator: { namespace: "observability", labels: {}, dependsOn: [], servicesAsObjects: true } };
        const resources = await build(() => new ObservedService("mailer", { target, service: renderService(loadStack("dev"), spec) }));
        assert.deepEqual(resources.filter((r) => r.type.startsWith("kubernetes:monitoring")).map((r) => `${r.type} ${r.name}`), ["kubernetes:monitoring.coreos.com/v1:PrometheusRule mailer-rules"]);
        assert.throws(() => new ObservedService("mailer-2", { target, service: renderService(withoutOperator(), spec) }), {
            message: 'service "mailer" was rendered without its rules as a PrometheusRule and its stack expects one; render the service with the stack\'s own config (renderService(config, spec)), so both agree on operator.enabled and topology.tenants',
        });
    });

    test("without the operator a scraped service patches exactly its own rule and scrape keys into the stack's ConfigMaps", async () => {
        const config = withoutOperator();
        const spec = loadServiceSpec(CHECKOUT, { knownRunbooks });
        const resources = await build(() => new ObservedService("shop-checkout", { target: { namespace: "observability", prometheusConfigMaps: stackConfigMaps("prometheus-rules", "prometheus-scrape") }, service: renderService(config, spec) }));
        const patches = byType(resources, "kubernetes:core/v1:ConfigMapPatch");
        assert.deepEqual(
            patches.map((p) => [p.name, p.inputs.metadata.name, p.inputs.metadata.namespace, Object.keys(p.inputs.data)]),
            [
                ["shop-checkout-rules", "prometheus-rules", "observability", ["service-checkout.yaml"]],
                ["shop-checkout-scrape", "prometheus-scrape", "observability", ["checkout.yaml"]],
            ],
        );
        for (const patch of patches) {
            assert.equal(patch.inputs.metadata.annotations["pulumi.com/patchFieldManager"], "lgtm-service-checkout", "each service owns its keys under its own field manager");
        }
        assert.match(patches[0].inputs.data["service-checkout.yaml"], /alert: FastBudgetBurn/);
        assert.match(patches[1].inputs.data["checkout.yaml"], /job_name: checkout/);
    });

    test("without the operator an OTLP service has no scrape job to patch", async () => {
        const config = withoutOperator();
        const spec = loadServiceSpec({ name: "mailer", slos: [{ kind: "availability", objective: 99 }] }, { knownRunbooks });
        const resources = await build(() => new ObservedService("mailer", { target: { namespace: "observability", prometheusConfigMaps: stackConfigMaps("prometheus-rules", "prometheus-scrape") }, service: renderService(config, spec) }));
        assert.deepEqual(byType(resources, "kubernetes:core/v1:ConfigMapPatch").map((p) => p.name), ["mailer-rules"]);
    });

    test("with 4 shards a service declared in code patches the shard its name hashes to: checkout (FNV-1a 0x4db95739) into shard 1", async () => {
        const spec = loadServiceSpec(CHECKOUT, { knownRunbooks });
        const target = { namespace: "observability", prometheusConfigMaps: stackConfigMaps("prometheus-rules", "prometheus-rules-1", "prometheus-rules-2", "prometheus-rules-3", "prometheus-scrape", "prometheus-scrape-1", "prometheus-scrape-2", "prometheus-scrape-3") };
        const resources = await build(() => new ObservedService("shop-checkout", { target, service: renderService(withoutOperator(4), spec) }));
        assert.deepEqual(
            byType(resources, "kubernetes:core/v1:ConfigMapPatch").map((p) => [p.name, p.inputs.metadata.name, Object.keys(p.inputs.data)]),
            [
                ["shop-checkout-rules", "prometheus-rules-1", ["service-checkout.yaml"]],
                ["shop-checkout-scrape", "prometheus-scrape-1", ["checkout.yaml"]],
            ],
        );
    });

    test("a service rendered for another shard count than its stack's is refused, naming the ConfigMap the stack lacks", () => {
        const spec = loadServiceSpec({ name: "checkout", slos: [{ kind: "availability", objective: 99 }] }, { knownRunbooks });
        const target = { namespace: "observability", prometheusConfigMaps: stackConfigMaps("prometheus-rules", "prometheus-scrape") };
        assert.throws(
            () => new ObservedService("checkout", { target, service: renderService(withoutOperator(4), spec) }),
            {
                message:
                    'service "checkout" goes to ConfigMap prometheus-rules-1, which the stack does not have (it has prometheus-rules, prometheus-scrape); ' +
                    "render the service with the stack's own config, so both use the same prometheus.configMapShards",
            },
        );
    });
});

describe("LgtmStack, built alone", () => {
    beforeEach(() => {
        recorded.length = 0;
    });

    const stackArgs = () => {
        const config = loadStack("dev");
        return { config, rendered: renderStack(config, []), secrets: {}, operatorCrds: loadOperatorCrds() };
    };

    test("uses the Kubernetes provider its caller passes and creates none of its own", async () => {
        const resources = await build(() => {
            const provider = new k8s.Provider("callers-cluster", { enableConfigMapMutable: true });
            new LgtmStack("obs", stackArgs(), { providers: { kubernetes: provider } });
        });
        assert.deepEqual(byType(resources, "pulumi:providers:kubernetes").map((p) => p.name), ["callers-cluster"]);
    });

    test("without a provider creates one of its own that updates ConfigMaps in place", async () => {
        const resources = await build(() => new LgtmStack("obs", stackArgs()));
        const providers = byType(resources, "pulumi:providers:kubernetes");
        assert.deepEqual(providers.map((p) => [p.name, p.inputs.enableConfigMapMutable]), [["obs-kubernetes", "true"]]);
    });

    test("two stacks with the same services in one program do not collide: every child carries its stack's name", async () => {
        const resources = await build(() => {
            new LgtmStack("blue", stackArgs());
            new LgtmStack("green", stackArgs());
        });
        const names = resources.map((r) => `${r.type}::${r.name}`);
        assert.equal(new Set(names).size, names.length, "no two resources share a type and name");
        const services = byType(resources, "lgtm:services:ObservedService").map((r) => r.name).sort();
        assert.deepEqual(services, ["blue-api", "blue-session-start", "blue-transcoding", "blue-video-load", "green-api", "green-session-start", "green-transcoding", "green-video-load"]);
    });

    test("with prometheus.configMapShards 4 Prometheus creates and mounts every rule and scrape shard, and each service patches its own", async () => {
        // The dev stack's service names, without the operator.
        const config = withoutOperator(4, ["api", "session-start", "transcoding", "video-load"]);
        const resources = await build(() => new LgtmStack("obs", { config, rendered: renderStack(config, []), secrets: {}, operatorCrds: loadOperatorCrds() }));
        const maps = byType(resources, "kubernetes:core/v1:ConfigMap").filter((r) => /^prometheus-(rules|scrape)/.test(r.inputs.metadata.name));
        // Shard 0 keeps the unsharded names (resource and ConfigMap), and only it holds the stack's own rules.
        assert.deepEqual(
            maps.map((m) => [m.name, m.inputs.metadata.name, Object.keys(m.inputs.data ?? {})]).sort(),
            [
                ["obs-prometheus-rules", "prometheus-rules", ["stack.yaml"]],
                ["obs-prometheus-rules-1", "prometheus-rules-1", []],
                ["obs-prometheus-rules-2", "prometheus-rules-2", []],
                ["obs-prometheus-rules-3", "prometheus-rules-3", []],
                ["obs-prometheus-scrape", "prometheus-scrape", []],
                ["obs-prometheus-scrape-1", "prometheus-scrape-1", []],
                ["obs-prometheus-scrape-2", "prometheus-scrape-2", []],
                ["obs-prometheus-scrape-3", "prometheus-scrape-3", []],
            ],
        );
        const [statefulSet] = byType(resources, "kubernetes:apps/v1:StatefulSet").filter((r) => r.inputs.metadata.name === "prometheus");
        const volumes = statefulSet.inputs.spec.template.spec.volumes;
        assert.deepEqual(volumes.find((v: any) => v.name === "rules"), {
            name: "rules",
            projected: {
                sources: [
                    { configMap: { name: "prometheus-rules" } },
                    { configMap: { name: "prometheus-rules-1" } },
                    { configMap: { name: "prometheus-rules-2" } },
                    { configMap: { name: "prometheus-rules-3" } },
                ],
            },
        });
        assert.deepEqual(volumes.find((v: any) => v.name === "scrape"), {
            name: "scrape",
            projected: { sources: [{ configMap: { name: "prometheus-scrape" } }, { configMap: { name: "prometheus-scrape-1" } }, { configMap: { name: "prometheus-scrape-2" } }, { configMap: { name: "prometheus-scrape-3" } }] },
        });
        const mounts = statefulSet.inputs.spec.template.spec.containers[0].volumeMounts;
        assert.deepEqual(
            mounts.filter((m: any) => m.name === "rules" || m.name === "scrape"),
            [
                { name: "rules", mountPath: "/etc/prometheus/rules", readOnly: true },
                { name: "scrape", mountPath: "/etc/prometheus/scrape", readOnly: true },
            ],
        );
        // FNV-1a: api 0x386aaa87, session-start 0xe4cc859e, transcoding 0x649a6bb3, video-load 0xfdc68533; modulo 4.
        assert.deepEqual(
            byType(resources, "kubernetes:core/v1:ConfigMapPatch").map((p) => [p.name, p.inputs.metadata.name]).sort(),
            [
                ["obs-api-rules", "prometheus-rules-3"],
                ["obs-session-start-rules", "prometheus-rules-2"],
                ["obs-transcoding-rules", "prometheus-rules-3"],
                ["obs-video-load-rules", "prometheus-rules-3"],
            ],
        );
    });
});

describe("NetworkPolicies, built alone: the receivers' URL ports come from their secrets", () => {
    beforeEach(() => {
        recorded.length = 0;
    });
    const policies = renderNetworkPolicies(loadStackConfig(minimalRaw({ networkPolicies: true, webhookUrl: "<secret>", heartbeatUrl: "<secret>" }, ["webhookUrl", "heartbeatUrl"]), { knownRunbooks }));

    test("Alertmanager may reach the webhook's and the heartbeat's ports, and the ports are not secret", async () => {
        const resources = await build(() => {
            new NetworkPolicies("net", {
                namespace: "observability",
                policies,
                urls: { webhookUrl: pulumi.secret("https://hooks.example.com/T0K3N"), heartbeatUrl: pulumi.secret("https://hc-ping.example.com:8443/6f1c") },
            });
        });
        const alertmanager = byType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.inputs.metadata.name === "allow-alertmanager")!;
        assert.deepEqual(alertmanager.inputs.spec.egress.filter((rule: any) => !rule.to), [{ ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 8443 }] }]);
        assert.doesNotMatch(JSON.stringify(alertmanager.inputs), /T0K3N|6f1c/);
    });

    test("a policy naming the heartbeat's port without its secret is refused, naming the key", () => {
        assert.throws(() => new NetworkPolicies("net-missing", { namespace: "observability", policies, urls: { webhookUrl: pulumi.secret("https://hooks.example.com/T0K3N") } }), /name the heartbeatUrl port, but no heartbeatUrl secret was passed/);
    });
});
