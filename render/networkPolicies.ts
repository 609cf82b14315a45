/**
 * The stack's NetworkPolicies as data: default deny for the namespace, DNS for every pod, then per
 * workload exactly the flows the rendered configs make (who connects to whom, on which port), plus
 * Prometheus on each pod's metrics port and the few destinations outside the cluster. Rendered once
 * from the validated config and the topology; components/networkPolicies.ts only wires the result.
 *
 * The distributed topology's flows follow the engines' own documentation of their connections:
 * Loki "Network ports" (docs/sources/reference/network-ports.md), Mimir "About Grafana Mimir network
 * ports", the querier, query-scheduler and ruler pages, Tempo's architecture, polling and
 * metrics-generator pages. memberlist in all three is dskit's TCP transport: gossip is TCP only
 * (Loki's page says so, and dskit's TCPTransport opens no UDP listener), unlike Alertmanager's.
 */
import { EgressDestination, ObjectStorage, StackConfig } from "../config/types";
import { ALERTMANAGER_PORT_NAME, METRICS_PORT_NAME, PORTS } from "../model/components";
import { GOSSIP_LABEL, Labels, selectorLabels, tierSelectorLabels } from "../model/labels";
import { OPERATOR_WORKLOADS } from "../model/operator";
import { KUBE_STATE_METRICS, NODE_EXPORTER } from "../model/infrastructure";
import { BLACKBOX } from "../model/probes";
import { COLLECTOR_TIERS, Engine, gossipServiceName, TierName, TIERS, tierName, TierShape, TOPOLOGY_PORTS } from "../model/topology";
import { BLACKBOX_PORTS, GRAFANA_PORTS } from "./grafanaPod";
import { KUBE_STATE_METRICS_PORTS, OPERATOR_PORTS } from "./clusterPods";
import { tierPorts } from "./pods";
import { COMPONENT_PORTS, ContainerPort, portNumbers } from "./podSpec";

export type Protocol = "TCP" | "UDP";

/**
 * Stand for the ports of the Alertmanager webhook and heartbeat receivers' URLs, by the secret's
 * config key: a URL is a secret, known only where the Pulumi secret is wired, so the component puts
 * the port in (its value is not secret).
 */
export const URL_PORTS = { webhookUrl: "webhook-url-port", heartbeatUrl: "heartbeat-url-port" } as const;
export type UrlSecret = keyof typeof URL_PORTS;
export type UrlPortPlaceholder = (typeof URL_PORTS)[UrlSecret];
export const WEBHOOK_URL_PORT = URL_PORTS.webhookUrl;

export interface PolicyPort {
    readonly protocol: Protocol;
    readonly port: number | UrlPortPlaceholder;
}

/**
 * Any pod anywhere; pods of the policy's own namespace; pods of another namespace, named by its
 * `kubernetes.io/metadata.name` label; or addresses (`networkPolicies.egress`).
 */
export type PolicyPeer =
    | { readonly namespaceSelector: Record<string, never> }
    | { readonly ipBlock: { readonly cidr: string } }
    | { readonly podSelector: { readonly matchLabels: Labels } }
    | { readonly namespaceSelector: { readonly matchLabels: Labels }; readonly podSelector: { readonly matchLabels: Labels } };

/** The label Kubernetes puts on every namespace with its own name (immutable), which a peer in another namespace is selected by. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export interface IngressRule {
    readonly from: readonly PolicyPeer[];
    readonly ports: readonly PolicyPort[];
}

/** No `to`: any destination; no `ports`: any port; neither: anything (Prometheus's scrapes). */
export interface EgressRule {
    readonly to?: readonly PolicyPeer[];
    readonly ports?: readonly PolicyPort[];
}

/** One NetworkPolicy: its name and its spec, in the shape Kubernetes takes. */
export interface RenderedNetworkPolicy {
    readonly name: string;
    readonly spec: {
        readonly podSelector: { readonly matchLabels?: Labels };
        readonly policyTypes: readonly ("Ingress" | "Egress")[];
        readonly ingress?: readonly IngressRule[];
        readonly egress?: readonly EgressRule[];
    };
}

/** A set of pods a policy selects or names as a peer. */
interface Pods {
    /** The policy is `allow-<id>`. */
    readonly id: string;
    readonly selector: Labels;
    /** The port Prometheus scrapes; none for a group that is not a workload (an engine's gossip members). */
    readonly metricsPort?: number;
    /** The named ports its pods declare (render/pods.ts), for the pods described there: flows into them name their ports. */
    readonly ports?: readonly ContainerPort[];
    /** Egress that is not another pod of the stack: the API server, object storage, receivers. */
    readonly external?: readonly EgressRule[];
}

type Peer = Pods | "any";

/** One allowed connection: `from` may open connections to `to` on these ports (a bare number: TCP). */
interface Flow {
    readonly to: Pods;
    readonly from: readonly Peer[];
    readonly ports: readonly (number | PolicyPort)[];
}

const tcp = (port: number | UrlPortPlaceholder): PolicyPort => ({ protocol: "TCP", port });

/** The numbers of the ports `pods` declare under these names: a flow opens a port by the name its pods give it. */
function on(pods: Pods, ...names: string[]): number[] {
    return portNumbers(pods.id, pods.ports ?? [], ...names);
}

/** The ports `pods` declare under these names, each with the protocol its pods declare it with. */
function declared(pods: Pods, ...names: string[]): PolicyPort[] {
    const numbers = on(pods, ...names);
    return names.map((name, index) => ({ protocol: protocolOf(pods, pods.ports!.find((port) => port.name === name)!), port: numbers[index] }));
}

function protocolOf(pods: Pods, port: ContainerPort): Protocol {
    const protocol = port.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP") {
        throw new Error(`${pods.id} declares its port ${port.name} with protocol ${protocol}; a NetworkPolicy here opens TCP or UDP only`);
    }
    return protocol;
}

/** Prometheus, Alertmanager, Loki, Tempo or the Collector's gateway or load balancer: selected by the component's labels, with its pod's ports. */
function describedComponent(id: keyof typeof COMPONENT_PORTS, external?: EgressRule[]): Pods {
    return described(id, selectorLabels(id), COMPONENT_PORTS[id], METRICS_PORT_NAME[id], external);
}

/** A workload render/pods.ts describes: its ports are its pod's, Prometheus scrapes the one named for metrics. */
function described(id: string, selector: Labels, ports: readonly ContainerPort[], metricsPortName: string, external?: EgressRule[]): Pods {
    const base: Pods = { id, selector, ports };
    return { ...base, metricsPort: on(base, metricsPortName)[0], ...(external ? { external } : {}) };
}
/** Grafana, with its pod's port (render/grafanaPod.ts): users reach it through the ingress controller, wherever that runs. */
function grafanaPods(config: StackConfig): Pods {
    return described("grafana", selectorLabels("grafana"), GRAFANA_PORTS, METRICS_PORT_NAME.grafana, grafanaEgress(config));
}

/** Prometheus scrapes targets in any namespace on any port and discovers them through the API server. */
const ANYWHERE: EgressRule = {};
/** Every pod of the cluster, in any namespace. */
const ANY_POD: PolicyPeer = { namespaceSelector: {} };

/**
 * A rule to one of `networkPolicies.egress`'s destinations on these ports (any port without them):
 * to its CIDRs when the stack names them, else to any address.
 */
function toDestination(config: StackConfig, destination: EgressDestination, ports?: readonly PolicyPort[]): EgressRule {
    const cidrs = config.networkPolicyEgress[destination];
    return { ...(cidrs ? { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) } : {}), ...(ports ? { ports } : {}) };
}

/** The Kubernetes API server (the node agent's k8sattributes, Grafana's dashboard sidecars, the operator, kube-state-metrics): 443 through the Service, 6443 on the control plane. */
function apiServer(config: StackConfig): EgressRule {
    return toDestination(config, "apiServer", [tcp(443), tcp(6443)]);
}

/**
 * Where a scraper (Prometheus, the operator's agent) may connect: every pod on any port, the nodes
 * (kubelets, host-network exporters, etcd) and the API server when `egress.nodes` is set; else
 * anywhere, as targets may be any address.
 */
function scraperEgress(config: StackConfig): EgressRule[] {
    return config.networkPolicyEgress.nodes ? [{ to: [ANY_POD] }, toDestination(config, "nodes"), apiServer(config)] : [ANYWHERE];
}

/** The port of an object-storage endpoint (`host[:port]`): explicit, else 80 with `insecure`, else 443. */
export function objectStoragePort(storage: ObjectStorage): number | undefined {
    if (storage.type !== "s3") {
        return undefined;
    }
    const port = /:(\d+)$/.exec(storage.endpoint)?.[1];
    return port ? Number(port) : storage.insecure ? 80 : 443;
}

/** The port of an http(s) URL: explicit, else the scheme's. The URL is the secret `key`: errors never quote it. */
export function urlPort(url: string, key: UrlSecret = "webhookUrl"): number {
    let parsed: URL | undefined;
    try {
        parsed = new URL(url);
    } catch {
        parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
        throw new Error(`${key}: the secret is not an http(s) URL; set it again with \`pulumi config set --secret ${key} https://${key === "heartbeatUrl" ? "heartbeat" : "hooks"}.example.com/...\``);
    }
    return urlPortOf(parsed);
}

const urlPortOf = (url: URL): number => (url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443);

/** Object storage on its endpoint's port; nothing outside the cluster with filesystem storage. */
function storageEgress(config: StackConfig, storage: ObjectStorage): EgressRule[] {
    const port = objectStoragePort(storage);
    return port === undefined ? [] : [toDestination(config, "objectStorage", [tcp(port)])];
}

/** PagerDuty's and Slack's APIs are https; the webhook and the heartbeat each on its URL's port. */
function receiverEgress(config: StackConfig): EgressRule[] {
    const { secrets } = config;
    const ports: PolicyPort[] = secrets.pagerdutyRoutingKey || secrets.slackWebhookUrl ? [tcp(443)] : [];
    for (const key of Object.keys(URL_PORTS) as UrlSecret[]) {
        if (secrets[key]) {
            ports.push(tcp(URL_PORTS[key]));
        }
    }
    return ports.length === 0 ? [] : [toDestination(config, "receivers", ports)];
}

/** The stack's NetworkPolicies, or none when `networkPolicies` is off. */
export function renderNetworkPolicies(config: StackConfig): RenderedNetworkPolicy[] {
    if (!config.networkPolicies) {
        return [];
    }
    const { pods, flows } = config.topology.kind === "distributed" ? distributedFlows(config) : singleFlows(config);
    return [...baselinePolicies(), ...pods.map((p) => policyFor(p, pods, flows))];
}

/** The name of a workload's policy, by its id. */
const allowPolicyName = (id: string) => `allow-${id}`;

/** The name of kube-state-metrics's policy. */
export const KUBE_STATE_METRICS_POLICY = allowPolicyName(KUBE_STATE_METRICS.name);

/** kube-state-metrics, in the stack's namespace in both topologies: Prometheus scrapes it, it reads the API server. */
function kubeStateMetricsPods(config: StackConfig): Pods {
    return described(KUBE_STATE_METRICS.name, selectorLabels(KUBE_STATE_METRICS.name), KUBE_STATE_METRICS_PORTS, KUBE_STATE_METRICS.portName, [apiServer(config)]);
}

function peerOf(peer: Peer): PolicyPeer {
    return peer === "any" ? { namespaceSelector: {} } : { podSelector: { matchLabels: peer.selector } };
}

function portsOf(flow: Flow): PolicyPort[] {
    return flow.ports.map((port) => (typeof port === "number" ? tcp(port) : port));
}

/** Ingress: every flow into these pods, then Prometheus on the metrics port. Egress: every flow out of them, then the outside world. */
function policyFor(pods: Pods, all: readonly Pods[], flows: readonly Flow[]): RenderedNetworkPolicy {
    const prometheus = all.find((p) => p.id === "prometheus");
    const ingress: IngressRule[] = flows.filter((flow) => flow.to === pods).map((flow) => ({ from: flow.from.map(peerOf), ports: portsOf(flow) }));
    if (pods.metricsPort !== undefined && prometheus) {
        ingress.push({ from: [peerOf(prometheus)], ports: [tcp(pods.metricsPort)] });
    }
    const egress: EgressRule[] = flows.filter((flow) => flow.from.includes(pods)).map((flow) => ({ to: [peerOf(flow.to)], ports: portsOf(flow) }));
    return {
        name: allowPolicyName(pods.id),
        spec: { podSelector: { matchLabels: pods.selector }, policyTypes: ["Ingress", "Egress"], ingress, egress: [...egress, ...(pods.external ?? [])] },
    };
}

/**
 * Grafana's own egress: the API server when its dashboard sidecars watch other namespaces'
 * ConfigMaps; the identity provider's token and user-info endpoints (the server calls them at
 * sign-in; the browser, not Grafana, opens the authorization URL) on their ports.
 */
function grafanaEgress(config: StackConfig): EgressRule[] | undefined {
    const { auth, dashboardConfigMaps } = config.grafana;
    const rules = [...(dashboardConfigMaps ? [apiServer(config)] : []), ...(auth ? [toDestination(config, "identityProvider", identityProviderPorts(auth.endpoints))] : [])];
    return rules.length > 0 ? rules : undefined;
}

/** The ports of the endpoints Grafana's server calls: the token and user-info URLs' (providers with fixed endpoints serve https on 443). */
function identityProviderPorts(endpoints: { readonly tokenUrl: string; readonly apiUrl?: string } | undefined): PolicyPort[] {
    const urls = endpoints ? [endpoints.tokenUrl, ...(endpoints.apiUrl ? [endpoints.apiUrl] : [])] : [];
    const ports = urls.length === 0 ? [443] : urls.map((url) => (URL.canParse(url) ? urlPortOf(new URL(url)) : 443));
    return [...new Set(ports)].map(tcp);
}

/**
 * The node agents' namespace (`agentNamespace`): default deny, DNS, and for the Collector agent the
 * API server and OTLP to the Collector's entry tier in the stack's namespace (the gateway, or the
 * load balancer in distributed), for node-exporter nothing out; Prometheus, in the stack's
 * namespace, scrapes both. Empty when `networkPolicies` or the agent is off.
 */
export function renderAgentNetworkPolicies(config: StackConfig): RenderedNetworkPolicy[] {
    if (!config.networkPolicies || !config.collector.agentEnabled) {
        return [];
    }
    const inStack = (labels: Labels): PolicyPeer => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: config.namespace } }, podSelector: { matchLabels: labels } });
    const fromPrometheus = (port: number): IngressRule => ({ from: [inStack(selectorLabels("prometheus"))], ports: [tcp(port)] });
    const entry = config.topology.kind === "distributed" ? COLLECTOR_TIERS.loadBalancer : "otel-collector";
    const policy = (id: string, ingress: IngressRule[], egress: EgressRule[]): RenderedNetworkPolicy => ({
        name: allowPolicyName(id),
        spec: { podSelector: { matchLabels: selectorLabels(id) }, policyTypes: ["Ingress", "Egress"], ingress, egress },
    });
    return [
        ...baselinePolicies(),
        policy("otel-agent", [fromPrometheus(PORTS.collectorMetrics)], [apiServer(config), { to: [inStack(selectorLabels(entry))], ports: [tcp(PORTS.otlpGrpc)] }]),
        policy(NODE_EXPORTER.name, [fromPrometheus(NODE_EXPORTER.port)], []),
    ];
}

/** Default deny for every pod of a namespace, then DNS for all of them. */
function baselinePolicies(): RenderedNetworkPolicy[] {
    return [
        { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        { name: "allow-dns", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }, tcp(53)] }] } },
    ];
}

/**
 * With the operator: the operator talks to the API server only; its agent scrapes whatever the
 * cluster's monitors select (any namespace, any port, like Prometheus) and pushes to `sink`.
 */
function operatorPods(config: StackConfig): { operator: Pods; agent: Pods; blackbox: Pods; flows: Flow[] } | undefined {
    if (!config.operator.enabled) {
        return undefined;
    }
    const agent: Pods = { id: OPERATOR_WORKLOADS.agent, selector: selectorLabels(OPERATOR_WORKLOADS.agent), metricsPort: PORTS.prometheus, external: scraperEgress(config) };
    // The blackbox exporter probes whatever URL a Probe names: any pod, and outside the cluster `egress.probes` (any address without it).
    const probes = config.networkPolicyEgress.probes ? [{ to: [ANY_POD] }, toDestination(config, "probes")] : [ANYWHERE];
    const blackbox = described(BLACKBOX.name, selectorLabels(BLACKBOX.name), BLACKBOX_PORTS, METRICS_PORT_NAME[BLACKBOX.name], probes);
    return {
        operator: described(OPERATOR_WORKLOADS.operator, selectorLabels(OPERATOR_WORKLOADS.operator), OPERATOR_PORTS, METRICS_PORT_NAME["prometheus-operator"], [apiServer(config)]),
        agent,
        blackbox,
        flows: [{ to: blackbox, from: [agent], ports: on(blackbox, "http") }],
    };
}

/** Who may talk to whom in the single topology: exactly the stack's data flow between its seven components. */
function singleFlows(config: StackConfig): { pods: Pods[]; flows: Flow[] } {
    const prometheus = describedComponent("prometheus", scraperEgress(config));
    const alertmanager = describedComponent("alertmanager", receiverEgress(config));
    const loki = describedComponent("loki", storageEgress(config, config.loki.storage));
    const tempo = describedComponent("tempo", storageEgress(config, config.tempo.storage));
    const collector = describedComponent("otel-collector");
    const grafana = grafanaPods(config);
    const operator = operatorPods(config);
    const pods = [prometheus, alertmanager, loki, tempo, collector, grafana, kubeStateMetricsPods(config), ...(operator ? [operator.operator, operator.agent, operator.blackbox] : [])];
    const flows: Flow[] = [
        // Applications anywhere in the cluster, and the node agents in their namespace, send OTLP to the gateway.
        { to: collector, from: ["any"], ports: on(collector, "otlp-grpc", "otlp-http") },
        { to: tempo, from: [collector], ports: on(tempo, "otlp-grpc", "otlp-http") },
        { to: tempo, from: [grafana], ports: on(tempo, "http") },
        { to: loki, from: [collector, grafana], ports: on(loki, "http") },
        { to: prometheus, from: [collector, tempo, grafana, ...(operator ? [operator.agent] : [])], ports: on(prometheus, "http") },
        // Loki's ruler sends the log alerts.
        { to: alertmanager, from: [prometheus, grafana, loki], ports: on(alertmanager, ALERTMANAGER_PORT_NAME) },
        // Cluster gossip (memberlist) uses both: TCP for state sync, UDP for probes and broadcasts.
        { to: alertmanager, from: [alertmanager], ports: declared(alertmanager, "cluster", "cluster-udp") },
        // Users reach Grafana through the ingress controller, wherever it runs.
        { to: grafana, from: ["any"], ports: on(grafana, "http") },
        ...(operator?.flows ?? []),
    ];
    return { pods, flows };
}

/**
 * The distributed topology: the Collector's two tiers, every tier of Loki, Tempo and Mimir, and the
 * components that stay (Prometheus forwarding to Mimir, Alertmanager receiving from Mimir's ruler,
 * Grafana querying the query-frontends).
 */
function distributedFlows(config: StackConfig): { pods: Pods[]; flows: Flow[] } {
    if (config.topology.kind !== "distributed") {
        throw new Error("distributed flows need topology distributed");
    }
    const component = (id: string, metricsPort: number, external?: EgressRule[]): Pods => ({ id, selector: selectorLabels(id), metricsPort, ...(external ? { external } : {}) });
    const prometheus = describedComponent("prometheus", scraperEgress(config));
    const alertmanager = describedComponent("alertmanager", receiverEgress(config));
    const gateway = describedComponent("otel-collector");
    const loadBalancer = describedComponent(COLLECTOR_TIERS.loadBalancer);
    const grafana = grafanaPods(config);
    const storage: Record<Engine, ObjectStorage> = { loki: config.loki.storage, tempo: config.tempo.storage, mimir: config.topology.mimir.storage };
    const tiersOf = <E extends Engine>(engine: E): Record<TierName<E>, Pods> =>
        Object.fromEntries(
            (Object.keys(TIERS[engine]) as TierName<E>[]).map((tier) => {
                const shape = (TIERS[engine] as Readonly<Record<string, TierShape>>)[tier];
                return [
                    tier,
                    described(
                        tierName(engine, tier),
                        tierSelectorLabels(engine, tier),
                        tierPorts(engine, { name: tier, gossip: shape.gossip }),
                        METRICS_PORT_NAME[engine],
                        // Object storage for the tiers that read or write the bucket (model/topology.ts), no other.
                        shape.bucket ? storageEgress(config, storage[engine]) : undefined,
                    ),
                ];
            }),
        ) as Record<TierName<E>, Pods>;
    const tiers = { loki: tiersOf("loki"), tempo: tiersOf("tempo"), mimir: tiersOf("mimir") };
    const operator = operatorPods(config);
    const gossipOf = (engine: Engine): Pods => ({ id: gossipServiceName(engine), selector: { [GOSSIP_LABEL]: engine } });
    const gossip = { loki: gossipOf("loki"), tempo: gossipOf("tempo"), mimir: gossipOf("mimir") };
    const { loki, tempo, mimir } = tiers;
    const grpc = (pods: Pods) => on(pods, "grpc");
    const http = (pods: Pods) => on(pods, "http");
    const pods = [
        prometheus,
        alertmanager,
        gateway,
        loadBalancer,
        grafana,
        kubeStateMetricsPods(config),
        ...Object.values(tiers.loki),
        ...Object.values(tiers.tempo),
        ...Object.values(tiers.mimir),
        gossip.loki,
        gossip.tempo,
        gossip.mimir,
        ...(operator ? [operator.operator, operator.agent, operator.blackbox] : []),
    ];
    const flows: Flow[] = [
        // Applications and the node agents (in their own namespace) send OTLP to the load-balancing tier (it holds the `otel-collector` name).
        { to: loadBalancer, from: ["any"], ports: on(loadBalancer, "otlp-grpc", "otlp-http") },
        // Spans by trace ID to one gateway (headless Service), logs and metrics to the gateways' Service: both OTLP gRPC.
        { to: gateway, from: [loadBalancer], ports: on(gateway, "otlp-grpc") },
        { to: prometheus, from: [gateway], ports: on(prometheus, "http") },
        { to: alertmanager, from: [grafana, mimir.ruler, loki.ruler], ports: on(alertmanager, ALERTMANAGER_PORT_NAME) },
        { to: alertmanager, from: [alertmanager], ports: declared(alertmanager, "cluster", "cluster-udp") },
        { to: grafana, from: ["any"], ports: on(grafana, "http") },

        // Loki: OTLP over HTTP into the distributors; the read path through frontend, scheduler and queriers.
        { to: loki.distributor, from: [gateway], ports: http(loki.distributor) },
        { to: loki.ingester, from: [loki.distributor, loki.querier], ports: grpc(loki.ingester) },
        { to: loki["query-frontend"], from: [grafana], ports: http(loki["query-frontend"]) },
        // Queriers return results to the frontend that enqueued the query; the ruler evaluates its rules through the frontends.
        { to: loki["query-frontend"], from: [loki.querier, loki.ruler], ports: grpc(loki["query-frontend"]) },
        { to: loki["query-scheduler"], from: [loki["query-frontend"], loki.querier], ports: grpc(loki["query-scheduler"]) },
        { to: loki["index-gateway"], from: [loki.querier], ports: grpc(loki["index-gateway"]) },
        // Delete requests, over HTTP: the config sets compactor_address (not compactor_grpc_address).
        { to: loki.compactor, from: [loki.querier], ports: http(loki.compactor) },

        // Tempo: OTLP gRPC into the distributors, which write to ingesters and metrics-generators.
        { to: tempo.distributor, from: [gateway], ports: on(tempo.distributor, "otlp-grpc") },
        { to: tempo.ingester, from: [tempo.distributor, tempo.querier], ports: grpc(tempo.ingester) },
        // Queriers read recent TraceQL metrics from the generators' local blocks.
        { to: tempo["metrics-generator"], from: [tempo.distributor, tempo.querier], ports: grpc(tempo["metrics-generator"]) },
        { to: tempo["query-frontend"], from: [grafana], ports: http(tempo["query-frontend"]) },
        // Queriers pull jobs from the frontend over a streaming gRPC connection.
        { to: tempo["query-frontend"], from: [tempo.querier], ports: grpc(tempo["query-frontend"]) },

        // Mimir: remote write from Prometheus and from Tempo's metrics-generators.
        { to: mimir.distributor, from: [prometheus, tempo["metrics-generator"], ...(operator ? [operator.agent] : [])], ports: http(mimir.distributor) },
        // The ruler runs a querier and a distributor inside: it reads ingesters and store-gateways and writes to ingesters.
        { to: mimir.ingester, from: [mimir.distributor, mimir.querier, mimir.ruler], ports: grpc(mimir.ingester) },
        { to: mimir["store-gateway"], from: [mimir.querier, mimir.ruler], ports: grpc(mimir["store-gateway"]) },
        { to: mimir["query-frontend"], from: [grafana], ports: http(mimir["query-frontend"]) },
        { to: mimir["query-frontend"], from: [mimir.querier], ports: grpc(mimir["query-frontend"]) },
        { to: mimir["query-scheduler"], from: [mimir["query-frontend"], mimir.querier], ports: grpc(mimir["query-scheduler"]) },

        // Rulers ask each other for their rule groups over gRPC (the rules API fans out over the ruler ring, Loki's and Mimir's ruler pages).
        { to: loki.ruler, from: [loki.ruler], ports: grpc(loki.ruler) },
        { to: mimir.ruler, from: [mimir.ruler], ports: grpc(mimir.ruler) },

        // memberlist among each engine's ring members (the pods carrying the gossip label).
        ...(["loki", "tempo", "mimir"] as const).map((engine): Flow => ({ to: gossip[engine], from: [gossip[engine]], ports: [TOPOLOGY_PORTS.gossip] })),
        ...(operator?.flows ?? []),
    ];
    return { pods, flows };
}
