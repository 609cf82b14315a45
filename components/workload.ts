/**
 * Shared building blocks for the stack's workloads, so every container gets the same hardening:
 * pinned image, requests and limits, probes, non-root, read-only root filesystem, no capabilities,
 * seccomp RuntimeDefault.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ImageRef, Resources } from "../config/types";
import { Component } from "../model/components";
import { ScratchSpace, withScratch } from "../model/ephemeralStorage";
import { selectorLabels } from "../model/labels";
import { RenderedWorkload } from "../render";

export type Labels = Record<string, string>;

export function componentLabels(component: Component | string): Labels {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/part-of": "lgtm-stack",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Selector labels must never change after creation: keep them to the stable subset (model/labels.ts, which the NetworkPolicies name too). */
export { selectorLabels };

export function imageName(image: ImageRef): string {
    return `${image.repository}:${image.tag}`;
}

export interface ContainerArgs {
    readonly name: string;
    readonly image: ImageRef;
    readonly args?: string[];
    readonly env?: k8s.types.input.core.v1.EnvVar[];
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
    readonly volumeMounts: k8s.types.input.core.v1.VolumeMount[];
}

/** CPU and memory as configured, and ephemeral-storage (request = limit) from the pod's scratch space. */
export function containerResources(resources: Resources, scratch: ScratchSpace): k8s.types.input.core.v1.ResourceRequirements {
    return withScratch(resources, scratch);
}

export function hardenedContainer(args: ContainerArgs): k8s.types.input.core.v1.Container {
    const probePort = args.probePort ?? args.ports[0].name;
    const probe = (path: string | undefined, initialDelaySeconds: number) =>
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
        resources: containerResources(args.resources, args.scratch),
        readinessProbe: probe(args.readinessPath, 5),
        livenessProbe: probe(args.livenessPath, 30),
        ...(args.startupSeconds ? { startupProbe: { ...probe(args.readinessPath, 0), failureThreshold: Math.ceil(args.startupSeconds / 10) } } : {}),
        securityContext: HARDENED_SECURITY_CONTEXT,
        volumeMounts: args.volumeMounts,
    };
}

/** Every container of ours: non-root, read-only root filesystem, no privilege escalation, no capabilities. */
export const HARDENED_SECURITY_CONTEXT: k8s.types.input.core.v1.SecurityContext = {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export function podSecurityContext(uid: number, gid = uid): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        fsGroup: gid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** The rendered environment of a workload's container (GOMEMLIMIT, its pod's name where rendered), as Kubernetes env entries. */
export function workloadEnv(workload: RenderedWorkload): k8s.types.input.core.v1.EnvVar[] {
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
export function spreadAcrossNodes(component: Component, nodes: "required" | "preferred" = "required"): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    const labelSelector = { matchLabels: selectorLabels(component) };
    return [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: nodes === "required" ? "DoNotSchedule" : "ScheduleAnyway", labelSelector },
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector },
    ];
}

/**
 * Pod Security Admission. The stack's namespace enforces `restricted`: every workload there meets
 * it. The node agents (the Collector agent, node-exporter) need hostPath volumes, which even
 * `baseline` forbids, so they run in a namespace of their own that enforces `privileged`: the
 * privileged surface is those two DaemonSets, not the namespace of every other workload.
 */
export function podSecurityLabels(level: "restricted" | "privileged"): Labels {
    const levels = level === "restricted" ? (["enforce", "warn", "audit"] as const) : (["enforce"] as const);
    return Object.fromEntries(levels.flatMap((mode) => [[`pod-security.kubernetes.io/${mode}`, level], [`pod-security.kubernetes.io/${mode}-version`, "latest"]]));
}

/** Scratch space for tools that write temp files, since the root filesystem is read-only; bounded by its `sizeLimit`. */
export function tmpVolume(scratch: ScratchSpace): k8s.types.input.core.v1.Volume {
    if (!scratch.tmp) {
        throw new Error("this workload mounts /tmp but model/ephemeralStorage.ts gives it no tmp size; add one");
    }
    return { name: "tmp", emptyDir: { sizeLimit: scratch.tmp } };
}
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" };

/** The data directory of a workload without a volume, bounded by its `sizeLimit`; none where the data is on a volume. */
export function dataEmptyDir(scratch: ScratchSpace): k8s.types.input.core.v1.Volume[] {
    return scratch.data ? [{ name: "data", emptyDir: { sizeLimit: scratch.data } }] : [];
}

export function persistentClaim(name: string, size: string, storageClassName?: string): k8s.types.input.core.v1.PersistentVolumeClaim {
    return {
        metadata: { name },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: size } } },
    };
}

export interface CommonArgs {
    readonly namespace: pulumi.Input<string>;
    readonly podDisruptionBudget: boolean;
}

/** A PDB for components with more than one replica: a node drain never takes them all down. */
export function disruptionBudget(name: string, component: Component, replicas: number, args: CommonArgs, parent: pulumi.Resource) {
    if (!args.podDisruptionBudget || replicas < 2) {
        return undefined;
    }
    return new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
            metadata: { name: component, namespace: args.namespace, labels: componentLabels(component) },
            spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(component) } },
        },
        { parent },
    );
}

export function configMap(name: string, metadataName: string, component: Component, namespace: pulumi.Input<string>, data: Record<string, string>, parent: pulumi.Resource) {
    return new k8s.core.v1.ConfigMap(
        name,
        { metadata: { name: metadataName, namespace, labels: componentLabels(component) }, data },
        { parent },
    );
}

export function clusterService(
    name: string,
    component: Component,
    namespace: pulumi.Input<string>,
    ports: { name: string; port: number }[],
    parent: pulumi.Resource,
    options: { headless?: boolean; metadataName?: string; publishNotReady?: boolean; sessionAffinity?: "ClientIP" } = {},
) {
    return new k8s.core.v1.Service(
        name,
        {
            metadata: { name: options.metadataName ?? component, namespace, labels: componentLabels(component) },
            spec: {
                clusterIP: options.headless ? "None" : undefined,
                publishNotReadyAddresses: options.publishNotReady,
                sessionAffinity: options.sessionAffinity,
                selector: selectorLabels(component),
                ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })),
            },
        },
        { parent },
    );
}

/** A service account bound to a cluster-wide read-only role (service discovery, k8sattributes). */
export function clusterReadAccount(name: string, component: Component, namespace: pulumi.Input<string>, rules: k8s.types.input.rbac.v1.PolicyRule[], parent: pulumi.Resource) {
    const labels = componentLabels(component);
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: component, namespace, labels } }, { parent });
    const role = new k8s.rbac.v1.ClusterRole(`${name}-reader`, { metadata: { labels }, rules }, { parent });
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-reader`,
        {
            metadata: { labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
        },
        { parent },
    );
    return account;
}
