/**
 * NetworkPolicies of the distributed topology under Pulumi mocks (prod profile: default deny on).
 * Every expected value below is written by hand from the engines' documentation of who connects to
 * whom, not from the renderer:
 * - Loki, "Network ports" (docs/sources/reference/network-ports.md): distributor → ingester 9095;
 *   query-frontend → scheduler 9095; querier → scheduler, query-frontend (results), ingester, index
 *   gateway 9095; querier → compactor 3100 when only `compactor_address` is set (ours); memberlist
 *   7946 over TCP only; Grafana → query-frontend 3100; collectors → distributor 3100.
 * - Mimir, "About Grafana Mimir network ports", querier, query-scheduler and ruler pages: 8080 for
 *   remote write and queries, 9095 between components (distributor → ingester, querier → ingester,
 *   store-gateway, scheduler, and back to the query-frontend); the ruler in internal mode reads
 *   ingesters and store-gateways and writes to ingesters, and notifies the Alertmanager; queriers
 *   (and the ruler's built-in one) read the bucket index from object storage.
 * - Tempo, architecture, polling and metrics-generator pages: distributors write to ingesters and
 *   metrics-generators; queriers connect to the query-frontend over gRPC and read ingesters (and
 *   the generators' local blocks for TraceQL metrics); compactors, queriers and query-frontends
 *   poll the bucket; generators remote-write to Mimir.
 * - The Collector's load-balancing exporter: OTLP gRPC to every gateway of the headless Service.
 * memberlist in the three engines is dskit's TCP transport, so 7946 is TCP only; Alertmanager's own
 * cluster port (9094) uses TCP and UDP. The policies cannot be enforced on this machine (no
 * NetworkPolicy engine runs here); these tests evaluate them with the Kubernetes semantics instead.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../config/load";
import { readRunbooks } from "../../io/runbooks";
import { renderStack } from "../../render";
import { renderAgentNetworkPolicies, renderNetworkPolicies, WEBHOOK_URL_PORT } from "../../render/networkPolicies";
import { knownRunbooks, minimalRaw } from "../support/fixtures";
import { ofType, promiseOf, RecordedResource, runStack, stackMocks, waitForRegistrations } from "../support/mocks";
import { distributedRaw, distributedValues, OBJECT_STORAGE_SECRETS } from "../support/topology";

const NS = "observability";
/** The node agents' own namespace (`agentNamespace`, default `<namespace>-agents`). */
const AGENTS = "observability-agents";
const PART_OF = "lgtm-stack";
const WORKLOAD_TYPES = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet"];

/** Each engine's bucket on an endpoint of its own port, so a tier given another engine's storage shows. */
const STORAGE = {
    loki: { type: "s3", bucket: "logs", endpoint: "minio.storage:9000", region: "eu-west-1", insecure: true, forcePathStyle: true },
    tempo: { type: "s3", bucket: "traces", endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" },
    mimir: { type: "s3", bucket: "metrics", endpoint: "seaweedfs.storage:8333", region: "eu-west-1", insecure: true, forcePathStyle: true },
};

/**
 * Every policy of the distributed prod stack: which pods it selects, then its ingress and egress as
 * single allowances "<peer> <port>/<protocol>". Peers: `engine/tier` (name and component labels),
 * a workload's name, `memberlist=<engine>` (the gossip label), `any-namespace`, `<namespace>:<workload>`
 * (a workload in another namespace), `*` (no peer: any destination); `*` as port: any port. Storage
 * ports: Loki 9000, Tempo 443, Mimir 8333. Policies of the node agents' namespace are `<namespace>/<name>`.
 */
const EXPECTED_POLICIES: Record<string, { selects: string; ingress: string[]; egress: string[] }> = {
    "default-deny": { selects: "all pods", ingress: [], egress: [] },
    "allow-dns": { selects: "all pods", ingress: [], egress: ["* 53/udp", "* 53/tcp"] },
    // Prometheus receives the gateways' OTLP metrics, scrapes anything anywhere and remote-writes to Mimir.
    "allow-prometheus": { selects: "prometheus", ingress: ["otel-collector 9090/tcp", "prometheus 9090/tcp"], egress: ["mimir/distributor 8080/tcp", "* */*"] },
    // Mimir's ruler sends alerts (Prometheus no longer evaluates), Loki's ruler the log alerts; PagerDuty and Slack over https.
    "allow-alertmanager": {
        selects: "alertmanager",
        ingress: ["grafana 9093/tcp", "mimir/ruler 9093/tcp", "loki/ruler 9093/tcp", "alertmanager 9094/tcp", "alertmanager 9094/udp", "prometheus 9093/tcp"],
        egress: ["alertmanager 9094/tcp", "alertmanager 9094/udp", "* 443/tcp"],
    },
    // The gateways receive only from the load-balancing tier.
    "allow-otel-collector": {
        selects: "otel-collector",
        ingress: ["otel-collector-lb 4317/tcp", "prometheus 8888/tcp"],
        egress: ["loki/distributor 3100/tcp", "tempo/distributor 4317/tcp", "prometheus 9090/tcp"],
    },
    "allow-otel-collector-lb": { selects: "otel-collector-lb", ingress: ["any-namespace 4317/tcp", "any-namespace 4318/tcp", "prometheus 8888/tcp"], egress: ["otel-collector 4317/tcp"] },
    "allow-grafana": {
        selects: "grafana",
        ingress: ["any-namespace 3000/tcp", "prometheus 3000/tcp"],
        egress: ["loki/query-frontend 3100/tcp", "tempo/query-frontend 3200/tcp", "mimir/query-frontend 8080/tcp", "alertmanager 9093/tcp"],
    },
    "allow-kube-state-metrics": { selects: "kube-state-metrics", ingress: ["prometheus 8080/tcp"], egress: ["* 443/tcp", "* 6443/tcp"] },

    "allow-loki-distributor": { selects: "loki/distributor", ingress: ["otel-collector 3100/tcp", "prometheus 3100/tcp"], egress: ["loki/ingester 9095/tcp"] },
    "allow-loki-ingester": { selects: "loki/ingester", ingress: ["loki/distributor 9095/tcp", "loki/querier 9095/tcp", "prometheus 3100/tcp"], egress: ["* 9000/tcp"] },
    "allow-loki-querier": {
        selects: "loki/querier",
        ingress: ["prometheus 3100/tcp"],
        egress: ["loki/ingester 9095/tcp", "loki/index-gateway 9095/tcp", "loki/query-scheduler 9095/tcp", "loki/query-frontend 9095/tcp", "loki/compactor 3100/tcp", "* 9000/tcp"],
    },
    // The ruler evaluates its log alerts through the frontends (remote rule evaluation, gRPC).
    "allow-loki-query-frontend": {
        selects: "loki/query-frontend",
        ingress: ["grafana 3100/tcp", "loki/querier 9095/tcp", "loki/ruler 9095/tcp", "prometheus 3100/tcp"],
        egress: ["loki/query-scheduler 9095/tcp"],
    },
    "allow-loki-query-scheduler": { selects: "loki/query-scheduler", ingress: ["loki/query-frontend 9095/tcp", "loki/querier 9095/tcp", "prometheus 3100/tcp"], egress: [] },
    "allow-loki-compactor": { selects: "loki/compactor", ingress: ["loki/querier 3100/tcp", "prometheus 3100/tcp"], egress: ["* 9000/tcp"] },
    "allow-loki-index-gateway": { selects: "loki/index-gateway", ingress: ["loki/querier 9095/tcp", "prometheus 3100/tcp"], egress: ["* 9000/tcp"] },
    // No bucket: its rules come from a ConfigMap and are evaluated through the query-frontends.
    // Rulers list each other's rule groups over gRPC (the ruler ring's rules API).
    "allow-loki-ruler": { selects: "loki/ruler", ingress: ["loki/ruler 9095/tcp", "prometheus 3100/tcp"], egress: ["loki/query-frontend 9095/tcp", "loki/ruler 9095/tcp", "alertmanager 9093/tcp"] },

    "allow-tempo-distributor": { selects: "tempo/distributor", ingress: ["otel-collector 4317/tcp", "prometheus 3200/tcp"], egress: ["tempo/ingester 9095/tcp", "tempo/metrics-generator 9095/tcp"] },
    "allow-tempo-ingester": { selects: "tempo/ingester", ingress: ["tempo/distributor 9095/tcp", "tempo/querier 9095/tcp", "prometheus 3200/tcp"], egress: ["* 443/tcp"] },
    "allow-tempo-querier": {
        selects: "tempo/querier",
        ingress: ["prometheus 3200/tcp"],
        egress: ["tempo/ingester 9095/tcp", "tempo/metrics-generator 9095/tcp", "tempo/query-frontend 9095/tcp", "* 443/tcp"],
    },
    "allow-tempo-query-frontend": { selects: "tempo/query-frontend", ingress: ["grafana 3200/tcp", "tempo/querier 9095/tcp", "prometheus 3200/tcp"], egress: ["* 443/tcp"] },
    "allow-tempo-compactor": { selects: "tempo/compactor", ingress: ["prometheus 3200/tcp"], egress: ["* 443/tcp"] },
    "allow-tempo-metrics-generator": {
        selects: "tempo/metrics-generator",
        ingress: ["tempo/distributor 9095/tcp", "tempo/querier 9095/tcp", "prometheus 3200/tcp"],
        egress: ["mimir/distributor 8080/tcp"],
    },

    "allow-mimir-distributor": { selects: "mimir/distributor", ingress: ["prometheus 8080/tcp", "tempo/metrics-generator 8080/tcp", "prometheus-agent 8080/tcp"], egress: ["mimir/ingester 9095/tcp"] },
    // The Prometheus Operator talks to the API server only; its agent scrapes what the cluster's monitors select, anywhere.
    "allow-prometheus-operator": { selects: "prometheus-operator", ingress: ["prometheus 8080/tcp"], egress: ["* 443/tcp", "* 6443/tcp"] },
    "allow-prometheus-agent": { selects: "prometheus-agent", ingress: ["prometheus 9090/tcp"], egress: ["mimir/distributor 8080/tcp", "blackbox-exporter 9115/tcp", "* */*"] },
    // The blackbox exporter probes any URL a Probe names; the agent asks it to.
    "allow-blackbox-exporter": { selects: "blackbox-exporter", ingress: ["prometheus-agent 9115/tcp", "prometheus 9115/tcp"], egress: ["* */*"] },
    "allow-mimir-ingester": {
        selects: "mimir/ingester",
        ingress: ["mimir/distributor 9095/tcp", "mimir/querier 9095/tcp", "mimir/ruler 9095/tcp", "prometheus 8080/tcp"],
        egress: ["* 8333/tcp"],
    },
    "allow-mimir-querier": {
        selects: "mimir/querier",
        ingress: ["prometheus 8080/tcp"],
        egress: ["mimir/ingester 9095/tcp", "mimir/store-gateway 9095/tcp", "mimir/query-scheduler 9095/tcp", "mimir/query-frontend 9095/tcp", "* 8333/tcp"],
    },
    "allow-mimir-query-frontend": { selects: "mimir/query-frontend", ingress: ["grafana 8080/tcp", "mimir/querier 9095/tcp", "prometheus 8080/tcp"], egress: ["mimir/query-scheduler 9095/tcp"] },
    "allow-mimir-query-scheduler": { selects: "mimir/query-scheduler", ingress: ["mimir/query-frontend 9095/tcp", "mimir/querier 9095/tcp", "prometheus 8080/tcp"], egress: [] },
    "allow-mimir-store-gateway": { selects: "mimir/store-gateway", ingress: ["mimir/querier 9095/tcp", "mimir/ruler 9095/tcp", "prometheus 8080/tcp"], egress: ["* 8333/tcp"] },
    "allow-mimir-compactor": { selects: "mimir/compactor", ingress: ["prometheus 8080/tcp"], egress: ["* 8333/tcp"] },
    "allow-mimir-ruler": {
        selects: "mimir/ruler",
        ingress: ["mimir/ruler 9095/tcp", "prometheus 8080/tcp"],
        egress: ["mimir/ingester 9095/tcp", "mimir/store-gateway 9095/tcp", "mimir/ruler 9095/tcp", "alertmanager 9093/tcp", "* 8333/tcp"],
    },

    // The node agents' namespace: default deny too; the agent reaches the API server and the load balancer, Prometheus scrapes both.
    [`${AGENTS}/default-deny`]: { selects: "all pods", ingress: [], egress: [] },
    [`${AGENTS}/allow-dns`]: { selects: "all pods", ingress: [], egress: ["* 53/udp", "* 53/tcp"] },
    [`${AGENTS}/allow-otel-agent`]: { selects: "otel-agent", ingress: [`${NS}:prometheus 8888/tcp`], egress: ["* 443/tcp", "* 6443/tcp", `${NS}:otel-collector-lb 4317/tcp`] },
    [`${AGENTS}/allow-node-exporter`]: { selects: "node-exporter", ingress: [`${NS}:prometheus 9100/tcp`], egress: [] },

    "allow-loki-gossip": { selects: "memberlist=loki", ingress: ["memberlist=loki 7946/tcp"], egress: ["memberlist=loki 7946/tcp"] },
    "allow-tempo-gossip": { selects: "memberlist=tempo", ingress: ["memberlist=tempo 7946/tcp"], egress: ["memberlist=tempo 7946/tcp"] },
    "allow-mimir-gossip": { selects: "memberlist=mimir", ingress: ["memberlist=mimir 7946/tcp"], egress: ["memberlist=mimir 7946/tcp"] },
};

/** The ring members of each engine, from the engines' docs: the tiers that join memberlist. */
const RING_MEMBERS = {
    loki: ["loki-distributor", "loki-ingester", "loki-querier", "loki-compactor", "loki-ruler"],
    tempo: ["tempo-distributor", "tempo-ingester", "tempo-querier", "tempo-compactor", "tempo-metrics-generator"],
    mimir: ["mimir-distributor", "mimir-ingester", "mimir-querier", "mimir-store-gateway", "mimir-compactor", "mimir-ruler"],
};

/** Each workload's metrics port, which Prometheus scrapes. */
const METRICS_PORTS: Record<string, number> = {
    prometheus: 9090,
    alertmanager: 9093,
    "otel-collector": 8888,
    "otel-collector-lb": 8888,
    "otel-agent": 8888,
    grafana: 3000,
    "node-exporter": 9100,
    "kube-state-metrics": 8080,
    "prometheus-operator": 8080,
    "prometheus-agent": 9090,
    "blackbox-exporter": 9115,
    ...Object.fromEntries(["distributor", "ingester", "querier", "query-frontend", "query-scheduler", "compactor", "index-gateway", "ruler"].map((t) => [`loki-${t}`, 3100])),
    ...Object.fromEntries(["distributor", "ingester", "querier", "query-frontend", "compactor", "metrics-generator"].map((t) => [`tempo-${t}`, 3200])),
    ...Object.fromEntries(["distributor", "ingester", "querier", "query-frontend", "query-scheduler", "store-gateway", "compactor", "ruler"].map((t) => [`mimir-${t}`, 8080])),
};

/**
 * Every connection between two pods (by workload name; `app` is an application pod in another
 * namespace) on a port the destination's container declares, TCP unless `/udp`: the data flow, and
 * nothing else may get through the policies.
 */
const EXPECTED_CONNECTIONS: string[] = [
    // OTLP from applications and the node agent into the load-balancing tier; users to Grafana.
    "app → otel-collector-lb:4317",
    "app → otel-collector-lb:4318",
    "app → grafana:3000",
    "otel-agent → otel-collector-lb:4317",
    // Prometheus's egress is open, so it reaches what is open to every namespace as well.
    "prometheus → otel-collector-lb:4317",
    "prometheus → otel-collector-lb:4318",
    // So is the operator's agent's (it scrapes whatever ServiceMonitors select), and it remote-writes to Mimir.
    "prometheus-agent → otel-collector-lb:4317",
    "prometheus-agent → otel-collector-lb:4318",
    "prometheus-agent → grafana:3000",
    "prometheus-agent → mimir-distributor:8080",
    "prometheus-agent → blackbox-exporter:9115",
    // The blackbox exporter's egress is open too (a probe may check any URL).
    "blackbox-exporter → otel-collector-lb:4317",
    "blackbox-exporter → otel-collector-lb:4318",
    "blackbox-exporter → grafana:3000",
    "otel-collector-lb → otel-collector:4317",
    "otel-collector → loki-distributor:3100",
    "otel-collector → tempo-distributor:4317",
    "otel-collector → prometheus:9090",
    "grafana → loki-query-frontend:3100",
    "grafana → tempo-query-frontend:3200",
    "grafana → mimir-query-frontend:8080",
    "grafana → alertmanager:9093",
    "mimir-ruler → alertmanager:9093",
    "loki-ruler → alertmanager:9093",
    "alertmanager → alertmanager:9094",
    "alertmanager → alertmanager:9094/udp",
    // Loki
    "loki-distributor → loki-ingester:9095",
    "loki-querier → loki-ingester:9095",
    "loki-querier → loki-index-gateway:9095",
    "loki-querier → loki-query-scheduler:9095",
    "loki-querier → loki-query-frontend:9095",
    "loki-querier → loki-compactor:3100",
    "loki-query-frontend → loki-query-scheduler:9095",
    "loki-ruler → loki-query-frontend:9095",
    "loki-ruler → loki-ruler:9095",
    // Tempo
    "tempo-distributor → tempo-ingester:9095",
    "tempo-distributor → tempo-metrics-generator:9095",
    "tempo-querier → tempo-ingester:9095",
    "tempo-querier → tempo-metrics-generator:9095",
    "tempo-querier → tempo-query-frontend:9095",
    "tempo-metrics-generator → mimir-distributor:8080",
    // Mimir (Prometheus's remote write to the distributor is on its metrics port, listed with the scrapes)
    "mimir-distributor → mimir-ingester:9095",
    "mimir-querier → mimir-ingester:9095",
    "mimir-querier → mimir-store-gateway:9095",
    "mimir-querier → mimir-query-scheduler:9095",
    "mimir-querier → mimir-query-frontend:9095",
    "mimir-query-frontend → mimir-query-scheduler:9095",
    "mimir-ruler → mimir-ingester:9095",
    "mimir-ruler → mimir-store-gateway:9095",
    "mimir-ruler → mimir-ruler:9095",
    // Scrapes, and memberlist between every two ring members of an engine (a pod and its own replicas too).
    ...Object.entries(METRICS_PORTS).map(([pod, port]) => `prometheus → ${pod}:${port}`),
    ...Object.values(RING_MEMBERS).flatMap((members) => members.flatMap((from) => members.map((to) => `${from} → ${to}:7946`))),
];

// ---- Reading the recorded policies and pods (test-side notation; strict about what it accepts) ----

type Labels = Record<string, string>;
interface Pod {
    readonly name: string;
    /** "" for an address outside the cluster's pods (`ip` set): no pod selector matches it, no policy isolates it. */
    readonly namespace: string;
    readonly labels: Labels;
    readonly ports: readonly { port: number; protocol: "TCP" | "UDP" }[];
    readonly ip?: string;
}

/** An IPv4 address in a CIDR, by its 32 bits (written here, not taken from the config reader). */
function inCidr(ip: string, cidr: string): boolean {
    const bits = (address: string) => address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    const [network, prefix] = cidr.split("/");
    const size = 2 ** (32 - Number(prefix));
    return Math.floor(bits(ip) / size) === Math.floor(bits(network) / size);
}

/** A selector in the tables' notation; anything else fails the test instead of being guessed at. */
function selectorNotation(selector: any): string {
    const labels: Labels = selector.matchLabels ?? {};
    const keys = Object.keys(labels).sort().join(",");
    if (keys === "") return "all pods";
    if (keys === "lgtm.dev/memberlist") return `memberlist=${labels["lgtm.dev/memberlist"]}`;
    assert.equal(labels["app.kubernetes.io/part-of"], PART_OF, `selector ${JSON.stringify(labels)} is part of the stack`);
    if (keys === "app.kubernetes.io/name,app.kubernetes.io/part-of") return labels["app.kubernetes.io/name"];
    if (keys === "app.kubernetes.io/component,app.kubernetes.io/name,app.kubernetes.io/part-of") return `${labels["app.kubernetes.io/name"]}/${labels["app.kubernetes.io/component"]}`;
    assert.fail(`unexpected selector ${JSON.stringify(selector)}`);
}

function peerNotation(peer: any): string {
    const keys = Object.keys(peer).sort().join(",");
    if (keys === "ipBlock") {
        return peer.ipBlock.cidr;
    }
    if (keys === "namespaceSelector,podSelector") {
        const labels = peer.namespaceSelector.matchLabels ?? {};
        assert.deepEqual(Object.keys(labels), ["kubernetes.io/metadata.name"], `a namespace is named by its name label: ${JSON.stringify(peer)}`);
        return `${labels["kubernetes.io/metadata.name"]}:${selectorNotation(peer.podSelector)}`;
    }
    if (keys === "namespaceSelector") {
        assert.deepEqual(peer.namespaceSelector, {}, "a namespace selector selects every namespace");
        return "any-namespace";
    }
    assert.equal(keys, "podSelector", `peer ${JSON.stringify(peer)}`);
    return selectorNotation(peer.podSelector);
}

/** A rule as single allowances: each peer × each port. */
function allowances(rule: any, side: "from" | "to"): string[] {
    const peers: string[] = rule[side] ? rule[side].map(peerNotation) : ["*"];
    const ports: string[] = rule.ports ? rule.ports.map((p: any) => `${p.port}/${String(p.protocol).toLowerCase()}`) : ["*/*"];
    return peers.flatMap((peer) => ports.map((port) => `${peer} ${port}`));
}

const uniqueSorted = (values: string[]) => [...new Set(values)].sort();

function selects(selector: any, labels: Labels): boolean {
    return Object.entries((selector.matchLabels ?? {}) as Labels).every(([key, value]) => labels[key] === value);
}

function peerMatches(peer: any, pod: Pod, policyNamespace: string): boolean {
    if (peer.ipBlock) {
        assert.deepEqual(Object.keys(peer), ["ipBlock"], `an address peer is an ipBlock alone: ${JSON.stringify(peer)}`);
        return pod.ip !== undefined && inCidr(pod.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(pod.ip!, c));
    }
    if (pod.namespace === "") {
        return false;
    }
    // A bare podSelector names pods of the policy's own namespace; namespaceSelector {} any pod anywhere;
    // a namespace named by its `kubernetes.io/metadata.name` label with a podSelector, those pods of that namespace.
    if (peer.namespaceSelector) {
        const name = peer.namespaceSelector.matchLabels?.["kubernetes.io/metadata.name"];
        return (name === undefined || pod.namespace === name) && (!peer.podSelector || selects(peer.podSelector, pod.labels));
    }
    return pod.namespace === policyNamespace && selects(peer.podSelector, pod.labels);
}

interface Policy {
    readonly namespace: string;
    readonly spec: any;
}

function portMatches(ports: any[] | undefined, port: number, protocol: string): boolean {
    return !ports || ports.some((p) => p.port === port && (p.protocol ?? "TCP") === protocol);
}

/** Kubernetes semantics: a pod selected by some policy of its namespace of a type is isolated for it; a connection then needs an allowing rule on both ends. */
function allowed(all: readonly Policy[], from: Pod, to: Pod, port: number, protocol: string): boolean {
    const side = (pod: Pod, type: "Ingress" | "Egress", rulesOf: (spec: any) => any[] | undefined, peerOk: (rule: any, policyNamespace: string) => boolean) => {
        const applying = all.filter((p) => p.namespace === pod.namespace && p.spec.policyTypes.includes(type) && selects(p.spec.podSelector, pod.labels));
        return applying.length === 0 || applying.some((p) => (rulesOf(p.spec) ?? []).some((rule) => peerOk(rule, p.namespace) && portMatches(rule.ports, port, protocol)));
    };
    const egress = side(from, "Egress", (spec) => spec.egress, (rule, ns) => !rule.to || rule.to.some((peer: any) => peerMatches(peer, to, ns)));
    const ingress = side(to, "Ingress", (spec) => spec.ingress, (rule, ns) => !rule.from || rule.from.some((peer: any) => peerMatches(peer, from, ns)));
    return egress && ingress;
}

let resources: RecordedResource[] = [];
/** By name; the node agents' namespace's as `<namespace>/<name>`. */
let policies: Record<string, Policy> = {};
let pods: Pod[] = [];

function connection(from: string, to: string, port: number, protocol = "TCP"): boolean {
    const pod = (name: string) => pods.find((p) => p.name === name) ?? assert.fail(`pod ${name}`);
    return allowed(Object.values(policies), pod(from), pod(to), port, protocol);
}

describe("NetworkPolicies of the distributed topology", () => {
    before(async () => {
        const { objectStorageAccessKeyId: _id, objectStorageSecretAccessKey: _key, ...values } = distributedValues({ mimir: { storage: STORAGE.mimir } });
        ({ resources } = await runStack("prod", { ...values, loki: { storage: STORAGE.loki }, tempo: { storage: STORAGE.tempo } }, OBJECT_STORAGE_SECRETS));
        policies = Object.fromEntries(
            ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => {
                const { name, namespace } = r.inputs.metadata;
                return [namespace === NS ? name : `${namespace}/${name}`, { namespace, spec: r.inputs.spec }];
            }),
        );
        pods = resources
            .filter((r) => WORKLOAD_TYPES.includes(r.type))
            .map((r) => ({
                name: r.inputs.metadata.name,
                namespace: r.inputs.metadata.namespace,
                labels: r.inputs.spec.template.metadata.labels,
                ports: r.inputs.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => ({ port: p.containerPort, protocol: p.protocol ?? "TCP" }))),
            }));
        // The operator's agent, as the operator runs it: the labels its StatefulSet gives the pods
        // (pkg/prometheus/agent makeSelectorLabels at v0.93.0, plus our podMetadata), Prometheus on
        // 9090 and the config-reloader on 8080.
        pods.push({
            name: "prometheus-agent",
            namespace: NS,
            labels: {
                "app.kubernetes.io/name": "prometheus-agent",
                "app.kubernetes.io/managed-by": "prometheus-operator",
                "app.kubernetes.io/instance": "lgtm",
                "operator.prometheus.io/name": "lgtm",
                "operator.prometheus.io/shard": "0",
                "app.kubernetes.io/part-of": PART_OF,
            },
            ports: [
                { port: 9090, protocol: "TCP" },
                { port: 8080, protocol: "TCP" },
            ],
        });
        // An application elsewhere in the cluster: the policies' "any namespace" peers are for it.
        pods.push({ name: "app", namespace: "learning", labels: { "app.kubernetes.io/name": "checkout" }, ports: [] });
    });

    test("every policy selects the pods and allows the peers and ports the engines' documentation names, and no others", () => {
        const actual = Object.fromEntries(
            Object.entries(policies).map(([name, { spec }]) => [
                name,
                {
                    selects: selectorNotation(spec.podSelector),
                    ingress: uniqueSorted((spec.ingress ?? []).flatMap((rule: any) => allowances(rule, "from"))),
                    egress: uniqueSorted((spec.egress ?? []).flatMap((rule: any) => allowances(rule, "to"))),
                },
            ]),
        );
        const expected = Object.fromEntries(Object.entries(EXPECTED_POLICIES).map(([name, p]) => [name, { selects: p.selects, ingress: uniqueSorted(p.ingress), egress: uniqueSorted(p.egress) }]));
        assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), "the set of policies");
        for (const name of Object.keys(expected)) {
            assert.deepEqual(actual[name], expected[name], name);
        }
        for (const [name, { spec }] of Object.entries(policies)) {
            assert.deepEqual(spec.policyTypes, name.endsWith("allow-dns") ? ["Egress"] : ["Ingress", "Egress"], `${name} isolates its pods`);
        }
    });

    test("every policy and every peer selects pods the stack really runs (labels as the workloads set them)", () => {
        const inNamespace = pods.filter((p) => p.namespace === NS);
        for (const [name, { namespace, spec }] of Object.entries(policies)) {
            assert.ok(pods.some((pod) => pod.namespace === namespace && selects(spec.podSelector, pod.labels)), `${name} selects a pod`);
            for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
                for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])].filter((p: any) => p.podSelector)) {
                    assert.ok(pods.some((pod) => peerMatches(peer, pod, namespace)), `${name}: peer ${JSON.stringify(peer)} selects a pod`);
                }
            }
        }
        // The gossip policies select exactly the ring members.
        for (const [engine, members] of Object.entries(RING_MEMBERS)) {
            const selected = inNamespace.filter((pod) => selects(policies[`allow-${engine}-gossip`].spec.podSelector, pod.labels)).map((pod) => pod.name);
            assert.deepEqual(selected.sort(), [...members].sort(), `${engine} ring members`);
        }
    });

    test("between the pods, exactly the data flow gets through: every port another component must reach, and nothing else", () => {
        const got: string[] = [];
        for (const from of pods) {
            for (const to of pods.filter((p) => p.namespace === NS || p.namespace === AGENTS)) {
                for (const { port } of to.ports) {
                    // Every declared port, over TCP and UDP: gossip and OTLP must not open over UDP by accident.
                    for (const protocol of ["TCP", "UDP"]) {
                        if (allowed(Object.values(policies), from, to, port, protocol)) {
                            got.push(`${from.name} → ${to.name}:${port}${protocol === "UDP" ? "/udp" : ""}`);
                        }
                    }
                }
            }
        }
        const missing = uniqueSorted(EXPECTED_CONNECTIONS).filter((c) => !got.includes(c));
        const extra = uniqueSorted(got).filter((c) => !EXPECTED_CONNECTIONS.includes(c));
        assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    });

    test("named cases a reviewer would look for", () => {
        // The Collector reaches Loki only through its distributors, never an ingester.
        assert.equal(connection("otel-collector", "loki-ingester", 9095), false);
        assert.equal(connection("otel-collector-lb", "loki-distributor", 3100), false, "the load balancer sends to the gateways only");
        assert.equal(connection("app", "loki-distributor", 3100), false, "applications go through the Collector");
        assert.equal(connection("app", "otel-collector", 4317), false, "the gateways take spans from the load balancer only");
        assert.equal(connection("otel-collector", "tempo-distributor", 4318), false, "the gateways export traces over gRPC only");
        assert.equal(connection("grafana", "loki-querier", 3100), false, "Grafana queries through the query-frontend");
        assert.equal(connection("prometheus", "alertmanager", 9093), true, "scraping it");
        assert.equal(connection("loki-distributor", "loki-ingester", 7946, "UDP"), false, "memberlist is TCP only");
        assert.equal(connection("loki-distributor", "tempo-ingester", 7946), false, "rings do not mix across engines");
        assert.equal(connection("loki-query-frontend", "loki-ingester", 7946), false, "the query-frontend is no ring member");
        assert.equal(connection("mimir-ruler", "alertmanager", 9093), true);
        // The node agents live in their own namespace: only Prometheus reaches them, and they reach only the load balancer.
        assert.equal(connection("otel-agent", "otel-collector-lb", 4317), true, "across namespaces, by the stack namespace's name label");
        assert.equal(connection("app", "otel-agent", 8888), false, "an application cannot read the agent's metrics");
        assert.equal(connection("blackbox-exporter", "node-exporter", 9100), false, "open egress is not enough: node-exporter admits Prometheus only");
        assert.equal(connection("otel-agent", "loki-distributor", 3100), false);
    });
});

describe("NetworkPolicies: rendering", () => {
    test("nothing is rendered when networkPolicies is off", () => {
        assert.deepEqual(renderNetworkPolicies(loadStackConfig(distributedRaw({ networkPolicies: false }), { knownRunbooks })), []);
    });

    test("the webhook and heartbeat receivers' ports stay placeholders for the secrets' URLs, in both topologies", () => {
        const distributed = minimalRaw({ ...distributedValues(), networkPolicies: true, webhookUrl: "<secret>" }, [...OBJECT_STORAGE_SECRETS, "webhookUrl"]);
        const single = minimalRaw({ networkPolicies: true, webhookUrl: "<secret>" }, ["webhookUrl"]);
        for (const raw of [distributed, single]) {
            const alertmanager = renderNetworkPolicies(loadStackConfig(raw, { knownRunbooks })).find((p) => p.name === "allow-alertmanager");
            assert.deepEqual(alertmanager?.spec.egress?.filter((rule) => !rule.to), [{ ports: [{ protocol: "TCP", port: WEBHOOK_URL_PORT }] }]);
        }
        const both = minimalRaw({ networkPolicies: true, pagerdutyRoutingKey: "<secret>", webhookUrl: "<secret>", heartbeatUrl: "<secret>" }, ["pagerdutyRoutingKey", "webhookUrl", "heartbeatUrl"]);
        const alertmanager = renderNetworkPolicies(loadStackConfig(both, { knownRunbooks })).find((p) => p.name === "allow-alertmanager");
        assert.deepEqual(alertmanager?.spec.egress?.filter((rule) => !rule.to), [
            { ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: "webhook-url-port" }, { protocol: "TCP", port: "heartbeat-url-port" }] },
        ]);
    });
});

describe("NetworkPolicies: egress destinations from networkPolicies.egress", () => {
    /** Pods as the workloads label them (the name, and the component for an engine's tier), and addresses outside the cluster's pods. */
    const pod = (name: string, namespace = NS, component?: string): Pod => ({
        name: component ? `${name}-${component}` : name,
        namespace,
        labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": PART_OF, ...(component ? { "app.kubernetes.io/component": component } : {}) },
        ports: [],
    });
    const address = (ip: string): Pod => ({ name: ip, namespace: "", labels: {}, ports: [], ip });
    const app: Pod = { name: "app", namespace: "learning", labels: { "app.kubernetes.io/name": "checkout" }, ports: [] };
    const sources = {
        agent: pod("otel-agent", AGENTS),
        kubeStateMetrics: pod("kube-state-metrics"),
        prometheus: pod("prometheus"),
        operatorAgent: pod("prometheus-agent"),
        operator: pod("prometheus-operator"),
        blackbox: pod("blackbox-exporter"),
        alertmanager: pod("alertmanager"),
        grafana: pod("grafana"),
        lokiIngester: pod("loki", NS, "ingester"),
        lokiDistributor: pod("loki", NS, "distributor"),
    };
    const grafanaAuth = {
        provider: "generic",
        clientId: "grafana",
        authUrl: "https://sso.acme.example/realms/acme/protocol/openid-connect/auth",
        tokenUrl: "https://sso.acme.example:8443/realms/acme/protocol/openid-connect/token",
        apiUrl: "https://sso.acme.example/realms/acme/protocol/openid-connect/userinfo",
    };
    const policiesOf = (values: Record<string, unknown>): Policy[] => {
        const raw = minimalRaw({ ...distributedValues(), grafana: { auth: grafanaAuth }, pagerdutyRoutingKey: "<secret>", grafanaOAuthClientSecret: "<secret>", ...values }, [
            ...OBJECT_STORAGE_SECRETS,
            "pagerdutyRoutingKey",
            "grafanaOAuthClientSecret",
        ]);
        const config = loadStackConfig(raw, { knownRunbooks });
        const inNs = (namespace: string) => (p: { spec: any }) => ({ namespace, spec: p.spec });
        return [...renderNetworkPolicies(config).map(inNs(NS)), ...renderAgentNetworkPolicies(config).map(inNs(AGENTS))];
    };
    const EGRESS = {
        apiServer: ["10.0.0.1/32"],
        nodes: ["192.168.10.0/24"],
        objectStorage: ["203.0.113.0/24"],
        receivers: ["198.51.100.7/32"],
        identityProvider: ["192.0.2.40/32"],
        probes: ["198.51.100.128/25"],
    };

    test("each workload reaches its destinations' addresses on their ports, and no other address", () => {
        const all = policiesOf({ networkPolicies: { egress: EGRESS } });
        // [from, to, port, allowed]: the addresses above, by hand.
        const cases: [Pod, Pod, number, boolean][] = [
            // The node agent and kube-state-metrics read the API server, there only.
            [sources.agent, address("10.0.0.1"), 443, true],
            [sources.agent, address("10.0.0.1"), 6443, true],
            [sources.agent, address("10.0.0.2"), 443, false],
            [sources.agent, address("10.0.0.1"), 80, false],
            [sources.agent, address("203.0.113.10"), 443, false],
            [sources.kubeStateMetrics, address("10.0.0.1"), 6443, true],
            [sources.kubeStateMetrics, address("93.184.216.34"), 443, false],
            [sources.operator, address("10.0.0.1"), 443, true],
            [sources.operator, address("192.168.10.7"), 10250, false],
            // Prometheus and the operator's agent: every pod, the nodes on any port, the API server; nothing else.
            [sources.prometheus, address("192.168.10.7"), 10250, true],
            [sources.prometheus, address("192.168.10.7"), 9100, true],
            [sources.prometheus, address("10.0.0.1"), 6443, true],
            [sources.prometheus, app, 8080, true],
            [sources.prometheus, address("192.168.11.7"), 10250, false],
            [sources.prometheus, address("93.184.216.34"), 443, false],
            [sources.operatorAgent, address("192.168.10.200"), 10250, true],
            [sources.operatorAgent, address("93.184.216.34"), 443, false],
            // Object storage (the fixture's MinIO endpoint, minio.storage:9000) from the tiers that read the bucket, not from a distributor.
            [sources.lokiIngester, address("203.0.113.10"), 9000, true],
            [sources.lokiIngester, address("198.51.100.1"), 9000, false],
            [sources.lokiDistributor, address("203.0.113.10"), 9000, false],
            // Alertmanager's receivers (PagerDuty over https through the named address).
            [sources.alertmanager, address("198.51.100.7"), 443, true],
            [sources.alertmanager, address("198.51.100.8"), 443, false],
            // Grafana's server calls the token endpoint (port 8443) and the user-info endpoint (443), at the identity provider only.
            [sources.grafana, address("192.0.2.40"), 8443, true],
            [sources.grafana, address("192.0.2.40"), 443, true],
            [sources.grafana, address("192.0.2.40"), 80, false],
            [sources.grafana, address("192.0.2.41"), 8443, false],
            // The blackbox exporter probes pods and the named outside range.
            [sources.blackbox, address("198.51.100.200"), 443, true],
            [sources.blackbox, app, 8080, true],
            [sources.blackbox, address("198.51.100.1"), 443, false],
        ];
        const wrong = cases.filter(([from, to, port, expected]) => allowed(all, from, to, port, "TCP") !== expected).map(([from, to, port, expected]) => `${from.name} → ${to.name}:${port} should be ${expected ? "allowed" : "denied"}`);
        assert.deepEqual(wrong, []);
    });

    test("without destinations, each keeps its port to any address (the documented default)", () => {
        const all = policiesOf({ networkPolicies: true });
        assert.equal(allowed(all, sources.agent, address("10.0.0.2"), 443, "TCP"), true);
        assert.equal(allowed(all, sources.prometheus, address("93.184.216.34"), 443, "TCP"), true);
        assert.equal(allowed(all, sources.grafana, address("192.0.2.41"), 8443, "TCP"), true);
        assert.equal(allowed(all, sources.grafana, address("192.0.2.41"), 80, "TCP"), false, "only the identity provider's ports");
        assert.equal(allowed(all, sources.lokiIngester, address("198.51.100.1"), 9000, "TCP"), true);
        assert.equal(allowed(all, sources.lokiIngester, address("198.51.100.1"), 443, "TCP"), false);
    });
});

describe("NetworkPolicies: a policy that moved keeps its identity", () => {
    const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    // Where the policy was before it joined the others: `lgtm-exporters-allow-kube-state-metrics`, a child of
    // the ClusterExporters component under the LgtmStack. A URN's type is the chain of its parents' types
    // (the root stack's left out); the mock monitor keeps only the last parent's, so this is the engine's form.
    const EARLIER_URN = `urn:pulumi:prod::lgtm-stack::lgtm:stack:LgtmStack$lgtm:infrastructure:ClusterExporters$${POLICY}::lgtm-exporters-allow-kube-state-metrics`;

    test("kube-state-metrics's policy, wired with the others now, carries its earlier URN as an alias: an existing stack updates it in place, not replaces it", async () => {
        await stackMocks("prod");
        const { LgtmStack } = await import("../../components/stack");
        const { readStack } = await import("../../io/pulumiConfig");
        const { loadOperatorCrds } = await import("../../io/operatorCrds");
        const { config, secrets } = readStack();
        const policies: { name: string; parent: pulumi.Resource; aliases: readonly unknown[] }[] = [];
        new LgtmStack(
            "lgtm",
            { config, rendered: renderStack(config, readRunbooks()), secrets, operatorCrds: loadOperatorCrds() },
            {
                transformations: [
                    (args) => {
                        if (args.type === POLICY) {
                            // The provider adds a type alias of its own (extensions/v1beta1) to every policy: only aliases by name or parent are the stack's.
                            const own = (args.opts.aliases ?? []).filter((alias) => typeof alias === "object" && ("name" in alias || "parent" in alias));
                            policies.push({ name: args.name, parent: args.opts.parent!, aliases: own });
                        }
                        return undefined;
                    },
                ],
            },
        );
        await waitForRegistrations();
        const moved = policies.find((policy) => policy.name === "lgtm-network-allow-kube-state-metrics");
        assert.ok(moved, `the policy is wired by the NetworkPolicies component: ${policies.map((policy) => policy.name).join(", ")}`);
        assert.equal(moved.aliases.length, 1);
        const alias = moved.aliases[0] as pulumi.Alias;
        // Pulumi resolves an alias's name and parent into a URN exactly as it makes a resource's own.
        assert.equal(await promiseOf(pulumi.createUrn(alias.name as string, POLICY, alias.parent as pulumi.Resource)), EARLIER_URN);
        assert.equal(
            await promiseOf(pulumi.createUrn(moved.name, POLICY, moved.parent)),
            `urn:pulumi:prod::lgtm-stack::lgtm:stack:LgtmStack$lgtm:security:NetworkPolicies$${POLICY}::lgtm-network-allow-kube-state-metrics`,
            "the policy did move",
        );
        // No other policy carries an alias: the rest never moved.
        assert.deepEqual(
            policies.filter((policy) => policy.aliases.length > 0).map((policy) => policy.name),
            ["lgtm-network-allow-kube-state-metrics"],
        );
    });
});
