/**
 * The shapes a pod description is made of, as Kubernetes takes them (containers, ports, probes,
 * mounts, volumes, security), and the hardening every container of ours shares: pinned image,
 * requests and limits, probes, non-root, read-only root filesystem, no capabilities, seccomp
 * RuntimeDefault. The ports each described pod declares are here too, so Services and
 * NetworkPolicies take them by name. The pods themselves are described in render/pods.ts and
 * render/collectorPods.ts (the backends), render/grafanaPod.ts and render/clusterPods.ts.
 */
import { ImageRef, Resources, StackConfig } from "../config/types";
import { ALERTMANAGER_PORT_NAME, Component, METRICS_PORT_NAME, PORTS } from "../model/components";
import { ScratchSpace, withScratch } from "../model/ephemeralStorage";
import { componentLabels, Labels, NODE_ZONE_LABEL, selectorLabels } from "../model/labels";
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

export function spreadOver(selector: Labels, nodes: "required" | "preferred"): TopologySpreadConstraint[] {
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
export function componentBudget(config: StackConfig, component: Component, replicas: number): DisruptionBudget | undefined {
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
            throw new Error(`${what} declares no port named ${name} (its pod description)`);
        }
        return port.containerPort;
    });
}

// ---- What a described pod comes with ----

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

/** HPA target: scale out before a tier saturates its CPU requests. */
export const HPA_CPU_UTILIZATION = 70;
