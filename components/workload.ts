/**
 * Shared building blocks for the stack's workloads: the one builder that turns a pod description
 * (render/podSpec.ts's shapes: containers, ports, probes, mounts, security, spread) into a StatefulSet or
 * Deployment or DaemonSet, autoscalers, budgets, ConfigMaps, Services and service accounts. No
 * component shapes a pod itself: every container and its hardening come from the render layer.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Component } from "../model/components";
import { componentLabels, Labels, selectorLabels } from "../model/labels";
import { TierPods } from "../render/pods";
import { Autoscaler, DisruptionBudget, PodDescription } from "../render/podSpec";

export type { Labels };

/** Labels and selector labels are model/labels.ts's, which the NetworkPolicies name too: selector labels must never change after creation. */
export { componentLabels, selectorLabels };
/** What a component wires into a pod description: what its resources wait for, and environment from the Secrets it created. */
export interface PodWiring {
    readonly namespace: pulumi.Input<string>;
    readonly parent: pulumi.Resource;
    /** The ConfigMaps, Secrets, Services and service accounts the pod names: created before it. Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
    /** Environment appended to the (first) container's, read from a Secret the component created. Defaults to none. */
    readonly secretEnv?: k8s.types.input.core.v1.EnvVar[];
}

/** The one builder of the stack's workloads: a pod description (render/podSpec.ts) as a StatefulSet, Deployment or DaemonSet. */
export function podWorkload(resourceName: string, pod: PodDescription, wiring: PodWiring): k8s.apps.v1.StatefulSet | k8s.apps.v1.Deployment | k8s.apps.v1.DaemonSet {
    const [first, ...rest] = pod.spec.containers;
    const containers = wiring.secretEnv ? [{ ...first, env: [...(first.env ?? []), ...wiring.secretEnv] }, ...rest] : pod.spec.containers;
    const template = { metadata: { labels: pod.labels, ...(pod.annotations ? { annotations: pod.annotations } : {}) }, spec: { ...pod.spec, containers } };
    const metadata = { name: pod.name, namespace: wiring.namespace, labels: pod.labels };
    const selector = { matchLabels: pod.selector };
    const options = {
        parent: wiring.parent,
        ...(wiring.dependsOn ? { dependsOn: wiring.dependsOn } : {}),
        // The HPA owns the replica count once it runs; an `up` must not reset it to the minimum.
        ...(pod.autoscaled ? { ignoreChanges: ["spec.replicas"] } : {}),
    };
    switch (pod.kind) {
        case "DaemonSet":
            return new k8s.apps.v1.DaemonSet(resourceName, { metadata, spec: { selector, updateStrategy: pod.updateStrategy, template } }, options);
        case "Deployment":
            return new k8s.apps.v1.Deployment(resourceName, { metadata, spec: { replicas: pod.replicas, selector, strategy: pod.strategy, template } }, options);
        case "StatefulSet":
            return new k8s.apps.v1.StatefulSet(
                resourceName,
                {
                    metadata,
                    spec: {
                        serviceName: pod.serviceName,
                        replicas: pod.replicas,
                        ...(pod.parallel ? { podManagementPolicy: "Parallel" } : {}),
                        selector,
                        template,
                        volumeClaimTemplates: pod.volumeClaimTemplates,
                    },
                },
                options,
            );
    }
}

/**
 * The Service ports of a pod's named container ports (all of them, or those named): a port's number
 * is written once, in its description, and so is a protocol other than TCP.
 */
export function podPorts(pod: PodDescription | TierPods, names?: readonly string[]): { name: string; port: number; protocol?: string }[] {
    const ports = "ports" in pod ? pod.ports : (pod.spec.containers[0].ports ?? []);
    const chosen = names ? names.map((name) => ports.find((port) => port.name === name) ?? missingPort(pod.name, name)) : ports;
    return chosen.map((port) => ({ name: port.name, port: port.containerPort, ...(port.protocol && port.protocol !== "TCP" ? { protocol: port.protocol } : {}) }));
}

function missingPort(pod: string, name: string): never {
    throw new Error(`${pod}: its pod description has no port named ${name}`);
}

/** A rendered PodDisruptionBudget: one pod of its selector down at a time; none where the description has none. */
export function podDisruptionBudget(resourceName: string, budget: DisruptionBudget | undefined, namespace: pulumi.Input<string>, parent: pulumi.Resource) {
    return budget
        ? new k8s.policy.v1.PodDisruptionBudget(
              resourceName,
              { metadata: { name: budget.name, namespace, labels: budget.labels }, spec: { maxUnavailable: 1, selector: { matchLabels: budget.selector } } },
              { parent },
          )
        : undefined;
}

/** A rendered autoscaler (render/podSpec.ts `Autoscaler`) on the workload of `pod`, which it names and labels like the workload. */
export function horizontalAutoscaler(resourceName: string, pod: PodDescription, autoscaler: Autoscaler, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
    const cpu = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaler.cpuUtilization } } };
    return new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        resourceName,
        {
            metadata: { name: pod.name, namespace, labels: pod.labels },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: pod.kind, name: pod.name },
                minReplicas: autoscaler.minReplicas,
                maxReplicas: autoscaler.maxReplicas,
                metrics: [cpu],
                ...(autoscaler.scaleDown ? { behavior: { scaleDown: autoscaler.scaleDown } } : {}),
            },
        },
        opts,
    );
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

export interface CommonArgs {
    readonly namespace: pulumi.Input<string>;
    readonly podDisruptionBudget: boolean;
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
    ports: { name: string; port: number; protocol?: string }[],
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
                ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol ?? "TCP" })),
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
