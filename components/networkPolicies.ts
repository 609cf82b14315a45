import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorage } from "../config/types";
import { Component, PORTS } from "../model/components";
import { componentLabels, selectorLabels } from "./workload";

export interface NetworkPoliciesArgs {
    /** Namespace of the stack. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** Whether the node agent runs. Defaults to none: required. */
    readonly agentEnabled: boolean;
    /** Where Loki and Tempo keep their data: object storage needs egress to its endpoint's port. Defaults to none: required. */
    readonly storage: { readonly loki: ObjectStorage; readonly tempo: ObjectStorage };
    /** The Alertmanager receivers configured: PagerDuty and Slack on 443, the webhook on its URL's port (a secret). Defaults to none: required. */
    readonly receivers: { readonly pagerduty: boolean; readonly slack: boolean; readonly webhookUrl?: pulumi.Output<string> };
}

type Peer = Component | "any";

/** Who may talk to whom, and on which ports: exactly the stack's data flow. */
const INGRESS: { to: Component; from: Peer[]; ports: number[]; protocols?: readonly ("TCP" | "UDP")[] }[] = [
    // Applications anywhere in the cluster send OTLP to the gateway.
    { to: "otel-collector", from: ["any"], ports: [PORTS.otlpGrpc, PORTS.otlpHttp] },
    { to: "tempo", from: ["otel-collector"], ports: [PORTS.otlpGrpc, PORTS.otlpHttp] },
    { to: "tempo", from: ["grafana"], ports: [PORTS.tempoHttp] },
    { to: "loki", from: ["otel-collector", "grafana"], ports: [PORTS.lokiHttp] },
    { to: "prometheus", from: ["otel-collector", "tempo", "grafana"], ports: [PORTS.prometheus] },
    { to: "alertmanager", from: ["prometheus", "grafana"], ports: [PORTS.alertmanager] },
    // Cluster gossip (memberlist) uses both: TCP for state sync, UDP for probes and broadcasts.
    { to: "alertmanager", from: ["alertmanager"], ports: [PORTS.alertmanagerCluster], protocols: ["TCP", "UDP"] },
    // Users reach Grafana through the ingress controller, wherever it runs.
    { to: "grafana", from: ["any"], ports: [PORTS.grafana] },
];

const METRICS_PORTS: Record<Component, number> = {
    prometheus: PORTS.prometheus,
    alertmanager: PORTS.alertmanager,
    loki: PORTS.lokiHttp,
    tempo: PORTS.tempoHttp,
    "otel-collector": PORTS.collectorMetrics,
    "otel-agent": PORTS.collectorMetrics,
    grafana: PORTS.grafana,
};

/**
 * Default deny for the namespace, then the explicit allows the data flow needs. Egress stays open
 * for Prometheus (scrape targets anywhere) and for components that reach object storage, PagerDuty
 * or Slack outside the cluster, but only to those ports.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:security:NetworkPolicies", name, {}, opts);
        const { namespace } = args;
        const policy = (id: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
            new k8s.networking.v1.NetworkPolicy(`${name}-${id}`, { metadata: { name: id, namespace, labels: componentLabels("lgtm-stack") }, spec }, { parent: this });
        policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        policy("allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
        });
        const peer = (from: Peer) => (from === "any" ? { namespaceSelector: {} } : { podSelector: { matchLabels: selectorLabels(from) } });
        const components = Object.keys(METRICS_PORTS) as Component[];
        for (const component of components.filter((c) => c !== "otel-agent" || args.agentEnabled)) {
            const ports = (rule: (typeof INGRESS)[number]) => rule.ports.flatMap((port) => (rule.protocols ?? ["TCP"]).map((protocol) => ({ protocol, port })));
            const rules = INGRESS.filter((rule) => rule.to === component).map((rule) => ({ from: rule.from.map(peer), ports: ports(rule) }));
            rules.push({ from: [peer("prometheus")], ports: [{ protocol: "TCP", port: METRICS_PORTS[component] }] });
            const egress = INGRESS.filter((rule) => rule.from.includes(component)).map((rule) => ({ to: [peer(rule.to)], ports: ports(rule) }));
            policy(`allow-${component}`, {
                podSelector: { matchLabels: selectorLabels(component) },
                policyTypes: ["Ingress", "Egress"],
                ingress: rules,
                egress: [...egress, ...externalEgress(component, args)],
            });
        }
        this.registerOutputs({});
    }
}

/** The port of an object-storage endpoint (`host[:port]`): explicit, else 80 with `insecure`, else 443. */
export function objectStoragePort(storage: ObjectStorage): number | undefined {
    if (storage.type !== "s3") {
        return undefined;
    }
    const port = /:(\d+)$/.exec(storage.endpoint)?.[1];
    return port ? Number(port) : storage.insecure ? 80 : 443;
}

/** The port of an http(s) URL: explicit, else the scheme's. The URL is a secret: errors never quote it. */
export function urlPort(url: string): number {
    let parsed: URL | undefined;
    try {
        parsed = new URL(url);
    } catch {
        parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
        throw new Error("webhookUrl: the secret is not an http(s) URL; set it again with `pulumi config set --secret webhookUrl https://hooks.example.com/...`");
    }
    return parsed.port ? Number(parsed.port) : parsed.protocol === "http:" ? 80 : 443;
}

const tcp = (port: pulumi.Input<number>) => ({ protocol: "TCP", port });

function externalEgress(component: Component, args: NetworkPoliciesArgs): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
    const storagePort = (backend: "loki" | "tempo") => objectStoragePort(args.storage[backend]);
    switch (component) {
        case "prometheus":
            // Scrape targets live in any namespace on any port, plus the API server for discovery.
            return [{}];
        case "otel-agent":
            // k8sattributes watches the API server; forwards to the gateway.
            return [{ ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] }, { to: [{ podSelector: { matchLabels: selectorLabels("otel-collector") } }], ports: [{ protocol: "TCP", port: PORTS.otlpGrpc }] }];
        case "loki":
        case "tempo": {
            // Object storage, on its endpoint's port; nothing outside the cluster with filesystem storage.
            const port = storagePort(component);
            return port === undefined ? [] : [{ ports: [tcp(port)] }];
        }
        case "alertmanager": {
            // PagerDuty's and Slack's APIs are https; the webhook on its URL's port (the URL is a secret, its port is not).
            const ports: pulumi.Input<number>[] = args.receivers.pagerduty || args.receivers.slack ? [443] : [];
            if (args.receivers.webhookUrl) {
                ports.push(pulumi.unsecret(args.receivers.webhookUrl.apply(urlPort)));
            }
            return ports.length === 0 ? [] : [{ ports: ports.map(tcp) }];
        }
        default:
            return [];
    }
}
