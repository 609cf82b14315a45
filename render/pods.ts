/**
 * Each workload's pod, described once as plain data: its containers with their ports by name,
 * probes, mounts, environment, resources and security; its volumes, labels, replicas, spreading,
 * disruption budget and autoscaler. One generic builder (components/workload.ts `podWorkload`)
 * turns a description into a StatefulSet, Deployment or DaemonSet; the Services take their ports
 * from it, and the NetworkPolicies' ports are checked against it (test/podDescriptions.test.ts). A
 * new backend is a new description here, not a new skeleton in components/.
 *
 * The hardening every container shares lives here too: pinned image, requests and limits, probes,
 * non-root, read-only root filesystem, no capabilities, seccomp RuntimeDefault.
 */
import { ImageRef, LokiConfig, Resources, StackConfig, TempoConfig } from "../config/types";
import {
    ALERTMANAGER_PORT_NAME,
    Component,
    CONFIG_CHECKSUM_ANNOTATION,
    LOKI_RULES,
    METRICS_PORT_NAME,
    PATHS,
    PORTS,
    PROMETHEUS_DIRS,
    PROMETHEUS_HEADLESS_SERVICE,
    prometheusConfigMapNames,
} from "../model/components";
import { ScratchSpace, ScratchWorkload, withScratch } from "../model/ephemeralStorage";
import { componentLabels, GOSSIP_LABEL, Labels, NODE_ZONE_LABEL, selectorLabels, tierSelectorLabels, ZONE_LABEL } from "../model/labels";
import { COLLECTOR_TIERS, Engine, headlessName, httpPort, MIMIR_RULES, tierName, TOPOLOGY_PATHS, TOPOLOGY_PORTS } from "../model/topology";
import type { RenderedScratch } from "./ephemeralStorage";
import type { RenderedCollectorTiers, RenderedEngine, RenderedTier, RenderedTopology, RenderedZone, TenantRules } from "./topology";
import type { ScaleDownRules } from "./topology/collector";
import type { RenderedWorkload } from "./workloads";

// ---- The shapes, as Kubernetes takes them ----

export interface EnvVar {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath: string }; readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

export interface ContainerPort {
    readonly name: string;
    readonly containerPort: number;
    readonly protocol?: string;
}

export interface Probe {
    readonly httpGet?: { readonly path: string; readonly port: string };
    readonly tcpSocket?: { readonly port: string };
    /** A command in the container (a script in a loop serves no port); absent: httpGet or tcpSocket. */
    readonly exec?: { readonly command: string[] };
    /** Absent: Kubernetes's default, 0. */
    readonly initialDelaySeconds?: number;
    readonly periodSeconds: number;
    readonly timeoutSeconds: number;
    /** Absent: Kubernetes's default, 3. */
    readonly failureThreshold?: number;
}

export interface VolumeMount {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
    readonly subPath?: string;
    readonly mountPropagation?: string;
}

interface ConfigMapSource {
    readonly name: string;
    readonly optional?: boolean;
    readonly items?: { key: string; path: string }[];
}

/** One source of a projected volume: a ConfigMap, or what automountServiceAccountToken would mount (token, CA, namespace). */
interface ProjectedSource {
    readonly configMap?: ConfigMapSource;
    readonly serviceAccountToken?: { readonly path: string; readonly expirationSeconds: number };
    readonly downwardAPI?: { readonly items: { path: string; fieldRef: { apiVersion: string; fieldPath: string } }[] };
}

export interface Volume {
    readonly name: string;
    readonly configMap?: ConfigMapSource;
    readonly secret?: { readonly secretName: string; readonly defaultMode?: number };
    readonly emptyDir?: { readonly sizeLimit?: string; readonly medium?: string };
    readonly projected?: { readonly sources: ProjectedSource[] };
    readonly hostPath?: { readonly path: string; readonly type?: string };
    readonly persistentVolumeClaim?: { readonly claimName: string };
}

export interface Container {
    readonly name: string;
    readonly image: string;
    readonly imagePullPolicy: string;
    /** Replaces the image's entrypoint (a script run in the image's shell); absent: the image's. */
    readonly command?: string[];
    readonly args?: string[];
    readonly env?: EnvVar[];
    /** Absent for a container that serves nothing (a script in a loop, an init container). */
    readonly ports?: ContainerPort[];
    readonly resources: { requests: Record<string, string>; limits: Record<string, string> };
    /** Absent for an init container, which runs to completion. */
    readonly readinessProbe?: Probe;
    readonly livenessProbe?: Probe;
    readonly startupProbe?: Probe;
    readonly securityContext: SecurityContext;
    readonly volumeMounts: VolumeMount[];
    readonly lifecycle?: { preStop: { sleep: { seconds: number } } };
}

export interface SecurityContext {
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly runAsNonRoot: boolean;
    readonly readOnlyRootFilesystem?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    readonly privileged?: boolean;
    readonly capabilities?: { drop: string[] };
    readonly seccompProfile: { type: string };
}

export interface TopologySpreadConstraint {
    readonly maxSkew: number;
    readonly topologyKey: string;
    readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
    readonly labelSelector: { readonly matchLabels: Labels };
}

export interface PodSpec {
    readonly serviceAccountName?: string;
    readonly securityContext: SecurityContext & { readonly fsGroup?: number };
    readonly automountServiceAccountToken?: boolean;
    readonly topologySpreadConstraints?: TopologySpreadConstraint[];
    readonly affinity?: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: { key: string; operator: string; values: string[] }[] }[] } } };
    readonly tolerations?: { operator: string }[];
    readonly terminationGracePeriodSeconds?: number;
    /** Run to completion, in order, before the containers start. Defaults to none. */
    readonly initContainers?: Container[];
    readonly containers: Container[];
    /** Absent: the pod mounts nothing (not even /tmp). */
    readonly volumes?: Volume[];
}

export interface PersistentVolumeClaim {
    readonly metadata: { readonly name: string };
    readonly spec: { accessModes: string[]; storageClassName?: string; resources: { requests: { storage: string } } };
}

/** A workload's pod and what is built around it, as data. */
export interface PodDescription {
    readonly kind: "StatefulSet" | "Deployment" | "DaemonSet";
    /** The workload's `metadata.name`. */
    readonly name: string;
    /** Labels of the workload and its pods. */
    readonly labels: Labels;
    /** The workload's selector: never changes after creation. */
    readonly selector: Labels;
    /** Pod-template annotations (the config checksum that rolls the pods when the config changes); absent: none. */
    readonly annotations?: Readonly<Record<string, string>>;
    /** None for a DaemonSet: one pod per node. */
    readonly replicas?: number;
    /** StatefulSet: the headless Service that gives each pod its DNS name. */
    readonly serviceName?: string;
    /** StatefulSet: start pods in parallel (a ring or a gossip cluster orders them, not the ordinal). */
    readonly parallel?: boolean;
    readonly volumeClaimTemplates?: PersistentVolumeClaim[];
    /** Deployment: its rolling update. */
    readonly strategy?: { type: "RollingUpdate"; rollingUpdate: { maxUnavailable: number; maxSurge: number } } | { type: "Recreate" };
    /** DaemonSet: its rolling update. */
    readonly updateStrategy?: { type: "RollingUpdate"; rollingUpdate: { maxUnavailable: number | string } };
    /** An HPA owns the replica count (`up` must not reset it). */
    readonly autoscaled?: boolean;
    readonly spec: PodSpec;
}

/** A PodDisruptionBudget allowing one pod of `selector` down at a time. */
export interface DisruptionBudget {
    readonly name: string;
    readonly labels: Labels;
    readonly selector: Labels;
}

// ---- Shared hardening ----

export function imageName(image: ImageRef): string {
    return `${image.repository}:${image.tag}`;
}

/** Every container of ours: non-root, read-only root filesystem, no privilege escalation, no capabilities. */
export const HARDENED_SECURITY_CONTEXT: SecurityContext = {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export function podSecurityContext(uid: number, gid = uid) {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        fsGroup: gid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export interface ContainerArgs {
    readonly name: string;
    readonly image: ImageRef;
    readonly args?: string[];
    readonly env?: EnvVar[];
    readonly ports: { name: string; containerPort: number; protocol?: string }[];
    readonly resources: Resources;
    /** The pod's scratch space (`rendered.scratch`): its ephemeral-storage request and limit. Defaults to none: required. */
    readonly scratch: ScratchSpace;
    readonly readinessPath?: string;
    readonly livenessPath?: string;
    /** Port name the probes use; defaults to the first port. */
    readonly probePort?: string;
    /**
     * How long the container may take to start (replaying a WAL, loading a ring) before liveness
     * applies; a startup probe holds the liveness probe back until then. Defaults to no startup probe.
     */
    readonly startupSeconds?: number;
    readonly volumeMounts: VolumeMount[];
}

export function hardenedContainer(args: ContainerArgs): Container {
    const probePort = args.probePort ?? args.ports[0].name;
    const probe = (path: string | undefined, initialDelaySeconds: number): Probe =>
        path
            ? { httpGet: { path, port: probePort }, initialDelaySeconds, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }
            : { tcpSocket: { port: probePort }, initialDelaySeconds, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };
    return {
        name: args.name,
        image: imageName(args.image),
        imagePullPolicy: "IfNotPresent",
        args: args.args,
        env: args.env,
        ports: args.ports.map((port) => ({ protocol: "TCP", ...port })),
        resources: withScratch(args.resources, args.scratch) as Container["resources"],
        readinessProbe: probe(args.readinessPath, 5),
        livenessProbe: probe(args.livenessPath, 30),
        ...(args.startupSeconds ? { startupProbe: { ...probe(args.readinessPath, 0), failureThreshold: Math.ceil(args.startupSeconds / 10) } } : {}),
        securityContext: HARDENED_SECURITY_CONTEXT,
        volumeMounts: args.volumeMounts,
    };
}

/** The rendered environment of a workload's container (GOMEMLIMIT, its pod's name where rendered), as Kubernetes env entries. */
export function workloadEnv(workload: RenderedWorkload): EnvVar[] {
    return [
        ...Object.entries(workload.env).map(([name, value]) => ({ name, value })),
        ...(workload.podNameEnv ? [{ name: workload.podNameEnv, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] : []),
    ];
}

/**
 * Replicas of one component on different nodes (hard), and across zones where the cluster has them
 * (soft): a node or zone failure takes out at most one replica of an HA pair or cluster. A workload
 * an HPA scales only prefers other nodes: a scale-out under load must not wait for room on the one
 * node with fewer replicas (the distributed engine's stateless tiers do the same).
 */
export function spreadAcrossNodes(component: Component, nodes: "required" | "preferred" = "required"): TopologySpreadConstraint[] {
    return spreadOver(selectorLabels(component), nodes);
}

function spreadOver(selector: Labels, nodes: "required" | "preferred"): TopologySpreadConstraint[] {
    const labelSelector = { matchLabels: selector };
    return [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: nodes === "required" ? "DoNotSchedule" : "ScheduleAnyway", labelSelector },
        { maxSkew: 1, topologyKey: NODE_ZONE_LABEL, whenUnsatisfiable: "ScheduleAnyway", labelSelector },
    ];
}

/** Scratch space for tools that write temp files, since the root filesystem is read-only; bounded by its `sizeLimit`. */
export function tmpVolume(scratch: ScratchSpace): Volume {
    if (!scratch.tmp) {
        throw new Error("this workload mounts /tmp but model/ephemeralStorage.ts gives it no tmp size; add one");
    }
    return { name: "tmp", emptyDir: { sizeLimit: scratch.tmp } };
}
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" };

/** The data directory of a workload without a volume, bounded by its `sizeLimit`; none where the data is on a volume. */
export function dataEmptyDir(scratch: ScratchSpace): Volume[] {
    return scratch.data ? [{ name: "data", emptyDir: { sizeLimit: scratch.data } }] : [];
}

export function persistentClaim(name: string, size: string, storageClassName?: string): PersistentVolumeClaim {
    return {
        metadata: { name },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: size } } },
    };
}

/**
 * One projected volume merging every shard's keys into one folder. A projected ConfigMap source is
 * updated in place like a plain ConfigMap volume, so services still arrive without a restart.
 * `optional` ConfigMaps (the operator's rule files, written when PrometheusRules exist) may be
 * missing: the kubelet mounts nothing for them until they appear.
 */
export function shardsVolume(name: string, configMaps: readonly string[], optional: readonly string[] = []): Volume {
    return {
        name,
        projected: {
            sources: [...configMaps.map((map) => ({ configMap: { name: map } })), ...optional.map((map) => ({ configMap: { name: map, optional: true } }))],
        },
    };
}

/** A budget for a component with more than one replica (and `podDisruptionBudgets` on): a node drain never takes them all down. */
function componentBudget(config: StackConfig, component: Component, replicas: number): DisruptionBudget | undefined {
    return config.podDisruptionBudgets && replicas >= 2 ? { name: component, labels: componentLabels(component), selector: selectorLabels(component) } : undefined;
}

/** The ConfigMap holding a component's main config file. */
export const configMapName = (component: string) => `${component}-config`;

// ---- The ports each described pod declares ----

/**
 * The named ports of the described components' containers: the pods declare them, their Services
 * take them, and the NetworkPolicies open them by name (render/networkPolicies.ts).
 */
export const COMPONENT_PORTS = {
    prometheus: [{ name: METRICS_PORT_NAME.prometheus, containerPort: PORTS.prometheus }],
    alertmanager: [
        { name: ALERTMANAGER_PORT_NAME, containerPort: PORTS.alertmanager },
        // Gossip (memberlist) on one port number, both protocols: TCP for state sync, UDP for probes and broadcasts.
        { name: "cluster", containerPort: PORTS.alertmanagerCluster },
        { name: "cluster-udp", containerPort: PORTS.alertmanagerCluster, protocol: "UDP" },
    ],
    loki: [
        { name: METRICS_PORT_NAME.loki, containerPort: PORTS.lokiHttp },
        { name: "grpc", containerPort: PORTS.lokiGrpc },
    ],
    tempo: [
        { name: METRICS_PORT_NAME.tempo, containerPort: PORTS.tempoHttp },
        { name: "grpc", containerPort: PORTS.tempoGrpc },
        { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
        { name: "otlp-http", containerPort: PORTS.otlpHttp },
    ],
    // The gateway and the node agent alike: OTLP in, their own telemetry, and the health check extension.
    "otel-collector": [
        { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
        { name: "otlp-http", containerPort: PORTS.otlpHttp },
        { name: METRICS_PORT_NAME["otel-collector"], containerPort: PORTS.collectorMetrics },
        { name: "health", containerPort: PORTS.collectorHealth },
    ],
    // The load-balancing tier (topology distributed) receives the same OTLP under the `otel-collector` Service name.
    "otel-collector-lb": [
        { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
        { name: "otlp-http", containerPort: PORTS.otlpHttp },
        { name: METRICS_PORT_NAME["otel-collector-lb"], containerPort: PORTS.collectorMetrics },
        { name: "health", containerPort: PORTS.collectorHealth },
    ],
} as const satisfies Readonly<Record<string, readonly ContainerPort[]>>;

/** The numbers of the ports named `names` among `ports`; a name the pod does not declare is an error. */
export function portNumbers(what: string, ports: readonly ContainerPort[], ...names: string[]): number[] {
    return names.map((name) => {
        const port = ports.find((candidate) => candidate.name === name);
        if (!port) {
            throw new Error(`${what} declares no port named ${name} (render/pods.ts)`);
        }
        return port.containerPort;
    });
}

// ---- Alertmanager and Prometheus ----

/** The Secret holding Alertmanager's receiver credentials as files. */
export const ALERTMANAGER_CREDENTIALS_SECRET = "alertmanager-credentials";
/** Alertmanager's headless Service: peers find each other through it before they are ready. */
export const ALERTMANAGER_PEERS_SERVICE = "alertmanager-peers";

export interface ComponentPod {
    readonly pod: PodDescription;
    readonly budget?: DisruptionBudget;
    /** An HPA scaling the pod's workload on CPU; absent: none. */
    readonly autoscaler?: Autoscaler;
}

/** A HorizontalPodAutoscaler on CPU utilization between two replica counts, with its scale-down rules where it has its own. */
export interface Autoscaler {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly cpuUtilization: number;
    readonly scaleDown?: ScaleDownRules;
}

/** Alertmanager as a StatefulSet; with more than one replica the peers gossip as a cluster. */
export function alertmanagerPod(config: StackConfig, workload: RenderedWorkload, scratch: ScratchSpace): ComponentPod {
    const settings = config.alertmanager;
    const labels = componentLabels("alertmanager");
    return {
        pod: {
            kind: "StatefulSet",
            name: "alertmanager",
            labels,
            selector: selectorLabels("alertmanager"),
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: workload.checksum },
            replicas: settings.replicas,
            serviceName: ALERTMANAGER_PEERS_SERVICE,
            parallel: true,
            spec: {
                securityContext: podSecurityContext(65534),
                // Alertmanager never calls the Kubernetes API: no token in the pod.
                automountServiceAccountToken: false,
                ...(settings.replicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("alertmanager") } : {}),
                containers: [
                    hardenedContainer({
                        name: "alertmanager",
                        image: settings.image,
                        args: [...workload.args],
                        env: workloadEnv(workload),
                        ports: [...COMPONENT_PORTS.alertmanager],
                        resources: settings.resources,
                        scratch,
                        readinessPath: "/-/ready",
                        livenessPath: "/-/healthy",
                        volumeMounts: [
                            { name: "config", mountPath: workload.configDir, readOnly: true },
                            { name: "credentials", mountPath: PATHS.alertmanagerSecretsDir, readOnly: true },
                            { name: "data", mountPath: PATHS.alertmanagerData },
                            TMP_MOUNT,
                        ],
                    }),
                ],
                volumes: [
                    { name: "config", configMap: { name: configMapName("alertmanager") } },
                    { name: "credentials", secret: { secretName: ALERTMANAGER_CREDENTIALS_SECRET } },
                    ...dataEmptyDir(scratch),
                    tmpVolume(scratch),
                ],
            },
            volumeClaimTemplates: settings.persistence.enabled ? [persistentClaim("data", settings.persistence.size, config.storageClassName)] : [],
        },
        budget: componentBudget(config, "alertmanager", settings.replicas),
    };
}

/** A fresh replica replays its WAL before it is ready: up to 30 minutes for a large head block. */
const PROMETHEUS_STARTUP_SECONDS = 1800;

/**
 * Prometheus as a StatefulSet. Config, rule and scrape files live in ConfigMaps that Prometheus
 * re-reads by itself (`auto-reload-config`), so adding a service or an alert never restarts it.
 * `operatorRuleConfigMaps`: the ConfigMaps the Prometheus Operator writes PrometheusRules into,
 * evaluated beside the stack's rules (single topology with the operator).
 */
export function prometheusPod(config: StackConfig, workload: RenderedWorkload, scratch: ScratchSpace, operatorRuleConfigMaps?: readonly string[]): ComponentPod {
    const settings = config.prometheus;
    const labels = componentLabels("prometheus");
    const env = workloadEnv(workload);
    return {
        pod: {
            kind: "StatefulSet",
            name: "prometheus",
            labels,
            selector: selectorLabels("prometheus"),
            // No config checksum: Prometheus re-reads prometheus.yml itself (auto-reload-config), so a change needs no restart.
            replicas: settings.replicas,
            serviceName: PROMETHEUS_HEADLESS_SERVICE,
            parallel: true,
            spec: {
                // Its cluster-read service account (service discovery) has the component's name.
                serviceAccountName: "prometheus",
                securityContext: podSecurityContext(65534),
                ...(settings.replicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("prometheus") } : {}),
                terminationGracePeriodSeconds: 120,
                containers: [
                    hardenedContainer({
                        name: "prometheus",
                        image: settings.image,
                        args: [...workload.args],
                        ...(env.length > 0 ? { env } : {}),
                        ports: [...COMPONENT_PORTS.prometheus],
                        resources: settings.resources,
                        scratch,
                        readinessPath: "/-/ready",
                        livenessPath: "/-/healthy",
                        startupSeconds: PROMETHEUS_STARTUP_SECONDS,
                        volumeMounts: [
                            { name: "config", mountPath: workload.configDir, readOnly: true },
                            { name: "rules", mountPath: `${workload.configDir}/${PROMETHEUS_DIRS.rules}`, readOnly: true },
                            { name: "scrape", mountPath: `${workload.configDir}/${PROMETHEUS_DIRS.scrape}`, readOnly: true },
                            { name: "data", mountPath: PATHS.prometheusData },
                            TMP_MOUNT,
                        ],
                    }),
                ],
                volumes: [
                    { name: "config", configMap: { name: configMapName("prometheus") } },
                    // Every shard of a kind in one folder: rule_files and scrape_config_files glob it whatever the shard count.
                    shardsVolume("rules", prometheusConfigMapNames("rules", settings.configMapShards), operatorRuleConfigMaps),
                    shardsVolume("scrape", prometheusConfigMapNames("scrape", settings.configMapShards)),
                    tmpVolume(scratch),
                ],
            },
            volumeClaimTemplates: [persistentClaim("data", settings.persistence.size, config.storageClassName)],
        },
        budget: componentBudget(config, "prometheus", settings.replicas),
    };
}

// ---- Loki and Tempo as one binary ----

/** Replaying the WAL and joining the ring take minutes after a crash with a large backlog. */
const SINGLE_BINARY_STARTUP_SECONDS = 600;

/** The backends that run as one binary in the single topology. */
export const SINGLE_BINARIES = ["loki", "tempo"] as const;
export type SingleBinary = (typeof SINGLE_BINARIES)[number];

/** Loki's, Tempo's and Mimir's images run as this user, as one binary and as tiers alike. */
const ENGINE_UID = 10001;

/** What sets one single-binary backend apart from another: its ports and data path, and its rendered config. */
interface BackendShape {
    readonly dataDir: string;
    /** A ConfigMap mounted read-only at a path of its own (Loki's rule files). */
    readonly extraConfigMap?: { readonly name: string; readonly mountPath: string };
}

const SINGLE_BINARY_SHAPES: Readonly<Record<SingleBinary, BackendShape>> = {
    loki: {
        dataDir: PATHS.lokiData,
        extraConfigMap: { name: LOKI_RULES.configMap, mountPath: `${LOKI_RULES.directory}/${LOKI_RULES.tenant}` },
    },
    tempo: { dataDir: PATHS.tempoData },
};

/** Loki or Tempo in monolithic mode: one replica in a StatefulSet; scale out means the distributed topology. */
export function singleBinaryPod(config: StackConfig, component: SingleBinary, workload: RenderedWorkload, scratch: ScratchSpace): ComponentPod {
    const shape = SINGLE_BINARY_SHAPES[component];
    const settings: LokiConfig | TempoConfig = config[component];
    const { extraConfigMap } = shape;
    return {
        pod: {
            kind: "StatefulSet",
            name: component,
            labels: componentLabels(component),
            selector: selectorLabels(component),
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: workload.checksum },
            // Monolithic mode: one replica; scale out means the microservices deployment mode.
            replicas: 1,
            serviceName: headlessServiceName(component),
            spec: {
                securityContext: podSecurityContext(ENGINE_UID),
                // Loki and Tempo never call the Kubernetes API: no token in the pod.
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: 60,
                containers: [
                    hardenedContainer({
                        name: component,
                        image: settings.image,
                        args: [...workload.args],
                        env: workloadEnv(workload),
                        ports: [...COMPONENT_PORTS[component]],
                        resources: settings.resources,
                        scratch,
                        readinessPath: "/ready",
                        startupSeconds: SINGLE_BINARY_STARTUP_SECONDS,
                        volumeMounts: [
                            { name: "config", mountPath: workload.configDir, readOnly: true },
                            { name: "data", mountPath: shape.dataDir },
                            ...(extraConfigMap ? [{ name: "extra", mountPath: extraConfigMap.mountPath, readOnly: true }] : []),
                            TMP_MOUNT,
                        ],
                    }),
                ],
                volumes: [
                    { name: "config", configMap: { name: configMapName(component) } },
                    ...dataEmptyDir(scratch),
                    ...(extraConfigMap ? [{ name: "extra", configMap: { name: extraConfigMap.name } }] : []),
                    tmpVolume(scratch),
                ],
            },
            volumeClaimTemplates: settings.persistence.enabled ? [persistentClaim("data", settings.persistence.size, config.storageClassName)] : [],
        },
    };
}

/** The headless Service of a single-binary backend: each pod's own DNS name. */
export const headlessServiceName = (component: string) => `${component}-headless`;

// ---- The distributed engines' tiers ----

/** HPA target: scale out before a tier saturates its CPU requests. */
export const HPA_CPU_UTILIZATION = 70;
/** Ingesters flush and hand over their data on shutdown; Loki's and Mimir's guides allow minutes for it. */
const STATEFUL_GRACE_SECONDS = 300;

/** Labels of one tier's pods: the engine's name label (the self-scrape job and StackComponentDown cover every tier), the tier, and the gossip label for ring members. */
export function tierLabels(engine: string, tier: Pick<RenderedTier, "name" | "gossip">): Labels {
    return { ...tierSelectorLabels(engine, tier.name), ...componentLabels(engine), ...(tier.gossip ? { [GOSSIP_LABEL]: engine } : {}) };
}

/** The ports of a tier's pods, by name: its Services take them, the NetworkPolicies open them. */
export function tierPorts(engine: Engine, tier: { readonly name: string; readonly gossip: boolean }): ContainerPort[] {
    return [
        // The HTTP port serves metrics (the self-scrape job selects it by this name) and readiness.
        { name: METRICS_PORT_NAME[engine], containerPort: httpPort(engine) },
        { name: "grpc", containerPort: TOPOLOGY_PORTS.grpc },
        ...(tier.gossip ? [{ name: "gossip", containerPort: TOPOLOGY_PORTS.gossip }] : []),
        // Tempo's distributors receive OTLP from the Collector.
        ...(engine === "tempo" && tier.name === "distributor"
            ? [
                  { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
                  { name: "otlp-http", containerPort: PORTS.otlpHttp },
              ]
            : []),
    ];
}

/**
 * Replicas on different nodes, and across zones where the cluster has them. Stateful tiers refuse
 * two replicas on one node (a node loss would take two of the three copies); stateless ones prefer not to.
 */
export function tierSpread(engine: string, tier: Pick<RenderedTier, "name" | "kind">): TopologySpreadConstraint[] {
    return spreadOver(tierSelectorLabels(engine, tier.name), tier.kind === "stateful" ? "required" : "preferred");
}

/** Where an engine's tiers read their rule files: the ConfigMaps of the one tenant, or one folder per tenant (topology.tenants). */
export interface EngineRules {
    /** The ConfigMaps the ruler tier reads as its tenant's rule files: Mimir's every shard of the rule ConfigMaps, Loki's `loki-rules`. */
    readonly configMaps?: readonly string[];
    /** The Prometheus Operator's rule ConfigMaps (PrometheusRules), mounted as optional sources beside them (ruler only). */
    readonly operatorConfigMaps?: readonly string[];
    /** With topology.tenants: one folder per tenant with its own rule files, instead of `configMaps` in the one tenant's folder. */
    readonly tenants?: readonly TenantRules[];
}

/** How an engine's stateful tiers keep their data. */
export interface EngineVolumes {
    /** `enabled: false` uses an emptyDir. */
    readonly volume: { readonly enabled: boolean; readonly size: string };
    /** Volume sizes of tiers sized apart from `volume.size` (Mimir's compactor). */
    readonly tierSizes?: Readonly<Record<string, string>>;
}

/** One tier: its ports (its Services'), its workloads (one, or one StatefulSet per zone), and its budget and autoscaler. */
export interface TierPods {
    readonly tier: string;
    /** The tier's Service (and `-headless`) name. */
    readonly name: string;
    readonly labels: Labels;
    readonly selector: Labels;
    readonly ports: readonly ContainerPort[];
    readonly workloads: readonly (PodDescription & { readonly zone?: string })[];
    /** Only the tiers that read or write the bucket get its credentials (model/topology.ts). */
    readonly bucket: boolean;
    readonly budget?: DisruptionBudget;
    readonly autoscaler?: Autoscaler;
}

const DATA_DIRS: Readonly<Record<Engine, string>> = { loki: TOPOLOGY_PATHS.lokiData, tempo: TOPOLOGY_PATHS.tempoData, mimir: TOPOLOGY_PATHS.mimirData };

/**
 * One engine (Loki, Tempo or Mimir) in its distributed mode: per tier a Deployment (stateless, with
 * an HPA) or StatefulSet (stateful, with a volume), a PodDisruptionBudget, and spreading across
 * nodes and zones.
 */
export function engineTierPods(config: StackConfig, rendered: RenderedEngine, image: ImageRef, volumes: EngineVolumes, rules: EngineRules, scratchOf: RenderedScratch): TierPods[] {
    return rendered.tiers.map((tier) => tierPods(config, rendered, tier, image, volumes, rules, scratchOf));
}

function tierPods(config: StackConfig, rendered: RenderedEngine, tier: RenderedTier, image: ImageRef, volumes: EngineVolumes, rules: EngineRules, scratchOf: RenderedScratch): TierPods {
    const { engine } = rendered;
    const name = tierName(engine, tier.name);
    const labels = tierLabels(engine, tier);
    const selector = tierSelectorLabels(engine, tier.name);
    const ports = tierPorts(engine, tier);
    // The ruler reads the stack's rule files: the same ConfigMaps Prometheus reads, which services
    // patch their files into. Its local rule store reads only the files directly in the tenant's
    // folder (Mimir pkg/ruler/rulestore/local), so every shard goes into that one folder.
    const ruleRoot = engine === "loki" ? LOKI_RULES.directory : MIMIR_RULES.directory;
    // With tenants but no rule file at all (no log alerts), the one folder stays as without tenants: empty, but there.
    const tenants = tier.name === "ruler" && (rules.tenants ?? []).length > 0 ? rules.tenants : undefined;
    const rulesMount = !tenants && tier.name === "ruler" && (rules.configMaps ?? []).length > 0;
    const rulesDir = `${ruleRoot}/${engine === "loki" ? LOKI_RULES.tenant : MIMIR_RULES.tenant}`;
    // topology.tenants: the rulers evaluate each folder as its tenant's rules, against its tenant's data.
    const tenantVolumes = (tenants ?? []).map((folder) => ({
        mount: { name: `rules-${folder.key}`, mountPath: `${ruleRoot}/${folder.tenant}`, readOnly: true },
        volume: {
            name: `rules-${folder.key}`,
            projected: {
                sources: [
                    ...folder.sources.map((source) => ({ configMap: { name: source.configMap, items: source.keys.map((key) => ({ key, path: key })) } })),
                    ...(folder.operatorRules ? (rules.operatorConfigMaps ?? []).map((map) => ({ configMap: { name: map, optional: true } })) : []),
                ],
            },
        },
    }));
    const scratch = scratchOf[`${engine}-${tier.name}` as ScratchWorkload];
    const container = hardenedContainer({
        name: tier.name,
        image,
        args: [...tier.args],
        env: Object.entries(tier.env).map(([key, value]) => ({ name: key, value })),
        ports,
        resources: tier.resources,
        scratch,
        readinessPath: "/ready",
        probePort: METRICS_PORT_NAME[engine],
        startupSeconds: tier.kind === "stateful" ? SINGLE_BINARY_STARTUP_SECONDS : undefined,
        volumeMounts: [
            { name: "config", mountPath: rendered.configDir, readOnly: true },
            { name: "data", mountPath: DATA_DIRS[engine] },
            ...(rulesMount ? [{ name: "rules", mountPath: rulesDir, readOnly: true }] : []),
            ...tenantVolumes.map((folder) => folder.mount),
            TMP_MOUNT,
        ],
    });
    const persistent = tier.kind === "stateful" && volumes.volume.enabled;
    if (persistent === Boolean(scratch.data)) {
        throw new Error(`${engine}-${tier.name}: its data is ${persistent ? "on a volume" : "on an emptyDir"}, but the rendered scratch space says otherwise`);
    }
    const spec: PodSpec = {
        securityContext: podSecurityContext(ENGINE_UID),
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: tier.kind === "stateful" ? STATEFUL_GRACE_SECONDS : 30,
        topologySpreadConstraints: tierSpread(engine, tier),
        containers: [container],
        volumes: [
            { name: "config", configMap: { name: engineConfigMapName(engine) } },
            ...dataEmptyDir(scratch),
            ...(rulesMount ? [shardsVolume("rules", rules.configMaps ?? [], rules.operatorConfigMaps)] : []),
            ...tenantVolumes.map((folder) => folder.volume),
            tmpVolume(scratch),
        ],
    };
    const annotations = { [CONFIG_CHECKSUM_ANNOTATION]: rendered.checksum };
    const statefulSet = (setName: string, replicas: number, setLabels: Labels, setSelector: Labels, podSpec: PodSpec): PodDescription => ({
        kind: "StatefulSet",
        name: setName,
        labels: setLabels,
        selector: setSelector,
        annotations,
        replicas,
        serviceName: headlessName(engine, tier.name),
        // Ingesters and store-gateways start in parallel: the ring, not the ordinal, orders them.
        parallel: true,
        spec: podSpec,
        volumeClaimTemplates: persistent ? [persistentClaim("data", volumes.tierSizes?.[tier.name] ?? volumes.volume.size, config.storageClassName)] : [],
    });
    let workloads: (PodDescription & { zone?: string })[];
    if (tier.kind === "stateful" && tier.zones) {
        workloads = tier.zones.map((zone) => {
            const place = zonePlacement(engine, tier, zone);
            const podSpec = { ...spec, affinity: place.affinity, topologySpreadConstraints: place.spread, containers: [{ ...container, args: [...zone.args] }] };
            return { ...statefulSet(zone.name, zone.replicas, place.labels, place.selector, podSpec), zone: zone.zone };
        });
    } else if (tier.kind === "stateful") {
        workloads = [statefulSet(name, tier.replicas, labels, selector, spec)];
    } else {
        workloads = [
            {
                kind: "Deployment",
                name,
                labels,
                selector,
                annotations,
                replicas: tier.replicas,
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                autoscaled: tier.autoscaled,
                spec,
            },
        ];
    }
    return {
        tier: tier.name,
        name,
        labels,
        selector,
        ports,
        workloads,
        bucket: tier.bucket,
        // One budget for the whole tier, across its zones' StatefulSets. Zone-aware rings survive a whole
        // zone down, but a PodDisruptionBudget cannot say "any number, in one zone only": a budget per
        // zone allowing its whole zone would let two zones drain at once and lose quorum. So voluntary
        // evictions stay one pod at a time, which with one replica per zone (the default) is a zone.
        ...(config.podDisruptionBudgets && tier.replicas >= 2 ? { budget: { name, labels, selector } } : {}),
        ...(tier.autoscaled ? { autoscaler: { minReplicas: tier.replicas, maxReplicas: tier.maxReplicas, cpuUtilization: HPA_CPU_UTILIZATION } } : {}),
    };
}

/** The ConfigMap every tier of a distributed engine mounts its config file from. */
export const engineConfigMapName = (engine: Engine) => `${engine}-distributed-config`;

/**
 * topology.zones: a zone's StatefulSet runs only on that zone's nodes (required, so a zone's copy never
 * drifts into another zone), still never two of the tier's pods on one node. The selector adds the
 * zone, so the zones' StatefulSets never claim each other's pods; Services and NetworkPolicies keep
 * selecting the tier's labels, so they reach every zone.
 */
function zonePlacement(engine: Engine, tier: RenderedTier, zone: RenderedZone) {
    const spread = tierSpread(engine, tier).filter((constraint) => constraint.topologyKey !== NODE_ZONE_LABEL);
    const affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_ZONE_LABEL, operator: "In", values: [zone.zone] }] }] } },
    };
    return { labels: { ...tierLabels(engine, tier), [ZONE_LABEL]: zone.zone }, selector: { ...tierSelectorLabels(engine, tier.name), [ZONE_LABEL]: zone.zone }, spread, affinity };
}

// ---- The OpenTelemetry Collector ----

/**
 * What the node agent may do, and why each grant exists; nothing else is allowed.
 * - UID and GID 0: container log files under /var/log/pods are root:root 0640, and the agent's
 *   state directory on the node (file offsets and its queue, so a restart neither re-sends nor
 *   loses lines) is created root:root 0755 by the kubelet (`DirectoryOrCreate`; fsGroup does not
 *   apply to hostPath). As their owner, root reads the logs and writes its state directory.
 * - No capabilities at all: without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, root in the
 *   container gets owner access only, so it cannot read or write other users' files; no
 *   privilege escalation, read-only root filesystem, RuntimeDefault seccomp.
 * - /var/log/pods is mounted read-only; the only writable host path is the agent's own state dir.
 * Pod Security Admission's baseline level forbids hostPath volumes, so the agent runs in the node
 * agents' own namespace, which enforces `privileged` (the stack's enforces `restricted`).
 */
export const AGENT_SECURITY_CONTEXT: SecurityContext = {
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The Collector's gateway (a StatefulSet with its queue volume) and node agent (a DaemonSet); the
 * agent only with `collector.agentEnabled`, the load-balancing tier only in the distributed topology.
 */
export interface CollectorPods {
    readonly gateway: ComponentPod;
    readonly agent?: PodDescription;
    /** Topology distributed: the Deployment receiving all OTLP and routing spans by trace ID to the gateways, with its HPA. */
    readonly loadBalancer?: ComponentPod;
    /** The gateways' ClusterIP Service: `otel-collector`, or in the distributed topology the name the load-balancing tier leaves it. */
    readonly gatewayService: string;
}

function collectorContainer(config: StackConfig, component: "otel-collector" | "otel-agent", workload: RenderedWorkload, scratch: ScratchSpace, extraMounts: VolumeMount[]): Container {
    return hardenedContainer({
        name: component,
        image: config.collector.image,
        args: [...workload.args],
        // GOMEMLIMIT (rendered) below the memory limit: the Go runtime collects garbage before the OOM killer acts.
        env: [{ name: "K8S_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }, ...workloadEnv(workload)],
        ports: [...COMPONENT_PORTS["otel-collector"]],
        probePort: "health",
        resources: component === "otel-agent" ? config.collector.agentResources : config.collector.gatewayResources,
        scratch,
        readinessPath: "/",
        livenessPath: "/",
        volumeMounts: [{ name: "config", mountPath: workload.configDir, readOnly: true }, TMP_MOUNT, ...extraMounts],
    });
}

/**
 * The OpenTelemetry Collector: a gateway (OTLP in, tail sampling, durable queues on a volume) and a
 * node agent DaemonSet shipping every container's logs with Kubernetes metadata. In the distributed
 * topology an HPA scales the gateways behind the load-balancing tier, each draining before it stops.
 */
export function collectorPods(
    config: StackConfig,
    workloads: Readonly<Record<"otel-collector" | "otel-agent", RenderedWorkload>>,
    scratch: RenderedScratch,
    topology: RenderedTopology | undefined,
): CollectorPods {
    const { collector } = config;
    const drain = topology?.collector.gatewayDrain;
    const autoscaled = topology !== undefined;
    const gateway = workloads["otel-collector"];
    const agent = workloads["otel-agent"];
    const labels = componentLabels("otel-collector");
    const gatewayContainer = collectorContainer(config, "otel-collector", gateway, scratch["otel-collector"], [{ name: "queue", mountPath: PATHS.collectorQueue }]);
    const agentLabels = componentLabels("otel-agent");
    return {
        gatewayService: topology ? COLLECTOR_TIERS.gatewayService : "otel-collector",
        ...(topology ? { loadBalancer: loadBalancerPod(config, topology.collector, scratch["otel-collector-lb"]) } : {}),
        gateway: {
            pod: {
                kind: "StatefulSet",
                name: "otel-collector",
                labels,
                selector: selectorLabels("otel-collector"),
                annotations: { [CONFIG_CHECKSUM_ANNOTATION]: gateway.checksum },
                replicas: collector.gatewayReplicas,
                serviceName: COLLECTOR_TIERS.gatewayHeadless,
                autoscaled,
                spec: {
                    securityContext: podSecurityContext(10001),
                    // The gateway never calls the Kubernetes API: no token in the pod.
                    automountServiceAccountToken: false,
                    ...(collector.gatewayReplicas > 1 ? { topologySpreadConstraints: spreadAcrossNodes("otel-collector", autoscaled ? "preferred" : "required") } : {}),
                    containers: [{ ...gatewayContainer, ...(drain ? { lifecycle: { preStop: { sleep: { seconds: drain.preStopSeconds } } } } : {}) }],
                    ...(drain ? { terminationGracePeriodSeconds: drain.terminationGracePeriodSeconds } : {}),
                    volumes: [{ name: "config", configMap: { name: configMapName("otel-collector") } }, tmpVolume(scratch["otel-collector"])],
                },
                // The sending queues live here: a restart or a backend outage loses nothing already accepted.
                volumeClaimTemplates: [persistentClaim("queue", collector.queueStorageSize, config.storageClassName)],
            },
            // Several gateways (topology distributed) each hold a share of the trace IDs: a drain takes one at a time.
            budget: componentBudget(config, "otel-collector", collector.gatewayReplicas),
            // The gateways scale too; a gateway added or removed moves only its share of trace IDs to others, and they leave one at a time.
            ...(topology
                ? {
                      autoscaler: {
                          minReplicas: topology.collector.gatewayReplicas,
                          maxReplicas: topology.collector.gatewayMaxReplicas,
                          cpuUtilization: HPA_CPU_UTILIZATION,
                          scaleDown: topology.collector.gatewayScaleDown,
                      },
                  }
                : {}),
        },
        ...(collector.agentEnabled
            ? {
                  agent: {
                      kind: "DaemonSet",
                      name: "otel-agent",
                      labels: agentLabels,
                      selector: selectorLabels("otel-agent"),
                      annotations: { [CONFIG_CHECKSUM_ANNOTATION]: agent.checksum },
                      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                      spec: {
                          // Its k8sattributes service account (pods: list, watch) has the component's name.
                          serviceAccountName: "otel-agent",
                          securityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
                          tolerations: [{ operator: "Exists" }],
                          containers: [
                              {
                                  ...collectorContainer(config, "otel-agent", agent, scratch["otel-agent"], [
                                      { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
                                      { name: "state", mountPath: PATHS.agentState },
                                  ]),
                                  securityContext: AGENT_SECURITY_CONTEXT,
                              },
                          ],
                          volumes: [
                              { name: "config", configMap: { name: configMapName("otel-agent") } },
                              { name: "varlogpods", hostPath: { path: "/var/log/pods", type: "Directory" } },
                              { name: "state", hostPath: { path: PATHS.agentState, type: "DirectoryOrCreate" } },
                              tmpVolume(scratch["otel-agent"]),
                          ],
                      },
                  },
              }
            : {}),
    };
}

/**
 * The Collector's load-balancing tier (topology distributed): a Deployment that receives all OTLP
 * under the `otel-collector` Service name and routes spans by trace ID to the tail-sampling
 * gateways; an HPA scales it (hashing and forwarding are CPU-bound) and it prefers other nodes.
 */
function loadBalancerPod(config: StackConfig, tiers: RenderedCollectorTiers, scratch: ScratchSpace): ComponentPod {
    const { loadBalancer } = tiers;
    const { replicas, maxReplicas, resources } = loadBalancer.settings;
    const component = COLLECTOR_TIERS.loadBalancer;
    const selector = selectorLabels(component);
    const labels = { ...selector, "app.kubernetes.io/component": "load-balancer", ...componentLabels(component) };
    return {
        pod: {
            kind: "Deployment",
            name: component,
            labels,
            selector,
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: loadBalancer.checksum },
            replicas,
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            autoscaled: true,
            spec: {
                securityContext: podSecurityContext(10001),
                automountServiceAccountToken: false,
                topologySpreadConstraints: spreadOver(selector, "preferred"),
                containers: [
                    hardenedContainer({
                        name: component,
                        image: config.collector.image,
                        args: [...loadBalancer.args],
                        env: Object.entries(loadBalancer.env).map(([key, value]) => ({ name: key, value })),
                        ports: [...COMPONENT_PORTS[component]],
                        probePort: "health",
                        resources,
                        scratch,
                        readinessPath: "/",
                        livenessPath: "/",
                        volumeMounts: [{ name: "config", mountPath: loadBalancer.configDir, readOnly: true }, TMP_MOUNT],
                    }),
                ],
                volumes: [{ name: "config", configMap: { name: configMapName(component) } }, tmpVolume(scratch)],
            },
        },
        ...(config.podDisruptionBudgets && replicas >= 2 ? { budget: { name: component, labels, selector } } : {}),
        autoscaler: { minReplicas: replicas, maxReplicas, cpuUtilization: HPA_CPU_UTILIZATION },
    };
}

// ---- Every pod of the backends ----

/** The pods of the stack's backends, described: Prometheus, Alertmanager and the Collector always; Loki and Tempo as one binary each, or every engine's tiers (topology: distributed). */
export interface RenderedPods {
    readonly prometheus: ComponentPod;
    readonly alertmanager: ComponentPod;
    readonly collector: CollectorPods;
    /** Single topology only: Loki and Tempo, each as one binary. */
    readonly singleBinaries?: Readonly<Record<SingleBinary, ComponentPod>>;
    /** Distributed topology only: each engine's tiers. */
    readonly engines?: Readonly<Record<Engine, readonly TierPods[]>>;
}

export function renderPods(
    config: StackConfig,
    workloads: Readonly<Record<"prometheus" | "alertmanager" | "loki" | "tempo" | "otel-collector" | "otel-agent", RenderedWorkload>>,
    scratch: RenderedScratch,
    operatorRuleConfigMaps: readonly string[] | undefined,
    topology: RenderedTopology | undefined,
): RenderedPods {
    // Single topology: Prometheus evaluates PrometheusRules too (distributed: Mimir's ruler does).
    const prometheus = prometheusPod(config, workloads.prometheus, scratch.prometheus, topology ? undefined : operatorRuleConfigMaps);
    const alertmanager = alertmanagerPod(config, workloads.alertmanager, scratch.alertmanager);
    const collector = collectorPods(config, workloads, scratch, topology);
    if (!topology || config.topology.kind !== "distributed") {
        const singleBinaries = Object.fromEntries(SINGLE_BINARIES.map((backend) => [backend, singleBinaryPod(config, backend, workloads[backend], scratch[backend])]));
        return { prometheus, alertmanager, collector, singleBinaries: singleBinaries as Record<SingleBinary, ComponentPod> };
    }
    const { mimir } = config.topology;
    return {
        prometheus,
        alertmanager,
        collector,
        engines: {
            loki: engineTierPods(config, topology.loki, config.loki.image, { volume: config.loki.persistence }, { configMaps: [LOKI_RULES.configMap], tenants: topology.rulerTenants?.loki }, scratch),
            tempo: engineTierPods(config, topology.tempo, config.tempo.image, { volume: config.tempo.persistence }, {}, scratch),
            mimir: engineTierPods(
                config,
                topology.mimir,
                mimir.image,
                { volume: { enabled: true, size: mimir.volumeSize }, tierSizes: { compactor: mimir.compactorVolumeSize } },
                { configMaps: prometheusConfigMapNames("rules", config.prometheus.configMapShards), tenants: topology.rulerTenants?.mimir, operatorConfigMaps: operatorRuleConfigMaps },
                scratch,
            ),
        },
    };
}
