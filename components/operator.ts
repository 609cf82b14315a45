import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CrdManifest, MONITORING_GROUP, OPERATOR_AGENT_NAME, OPERATOR_CRDS, OPERATOR_PROMETHEUS_NAME, OPERATOR_VERSION, OPERATOR_WORKLOADS } from "../model/operator";
import { PodDescription, RenderedOperator } from "../render";
import { componentLabels, podDisruptionBudget, podWorkload, selectorLabels } from "./workload";

/** The monitoring objects the operator reads in every namespace (narrowed by the selectors, not by RBAC). */
const MONITOR_RESOURCES = ["servicemonitors", "podmonitors", "probes", "prometheusrules", "scrapeconfigs"];

/**
 * The operator's access, cluster-wide: read the five kinds of monitoring objects and report their
 * status, read namespaces (namespace selectors), `get` (never list) the Secrets and ConfigMaps a
 * monitor names for its credentials or TLS, and record events. No Alertmanager, ThanosRuler or
 * PrometheusAgent/Prometheus access outside our namespace, no nodes, no kubelet Endpoints: the
 * operator checks each controller's permissions at start and leaves those controllers off.
 */
export const OPERATOR_CLUSTER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [MONITORING_GROUP], resources: MONITOR_RESOURCES, verbs: ["get", "list", "watch"] },
    { apiGroups: [MONITORING_GROUP], resources: MONITOR_RESOURCES.map((r) => `${r}/status`), verbs: ["get", "patch", "update"] },
    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get"] },
    { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
];

/**
 * In the stack's namespace only: our `Prometheus` and `PrometheusAgent` objects and what the
 * operator makes of them (StatefulSets, their governing Services, config Secrets, rule ConfigMaps).
 */
export const OPERATOR_NAMESPACE_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    {
        apiGroups: [MONITORING_GROUP],
        resources: ["prometheuses", "prometheuses/status", "prometheuses/finalizers", "prometheusagents", "prometheusagents/status", "prometheusagents/finalizers"],
        verbs: ["get", "list", "watch", "patch", "update"],
    },
    { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
    { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
    { apiGroups: [""], resources: ["services", "services/finalizers"], verbs: ["get", "create", "update", "delete"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
];

/**
 * What the agent's Prometheus discovers for the monitors: pods, Services and their endpoints
 * (ServiceMonitor, PodMonitor), Ingresses (a Probe may target them). No nodes and no secrets: a
 * monitor's credentials reach it as files the operator mounts.
 */
export const AGENT_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [""], resources: ["pods", "services", "endpoints"], verbs: ["list", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["list", "watch"] },
];

export interface PrometheusOperatorArgs {
    /** The stack's namespace. Defaults to none: required. */
    readonly namespace: pulumi.Input<string>;
    /** The rendered arguments and objects (`renderStack(...).operator`). Defaults to none: required. */
    readonly rendered: RenderedOperator;
    /** The operator's pod, described (`renderStack(...).clusterPods.operator`). Defaults to none: required. */
    readonly pod: PodDescription;
    /** The pinned CRDs; only read with `crds: install`. Defaults to none: required then. */
    readonly crds?: pulumi.Input<readonly CrdManifest[]>;
}

/**
 * The Prometheus Operator (a Deployment with least-privilege RBAC), its CRDs at the pinned release,
 * the `PrometheusAgent` that scrapes the cluster's monitors and the rules-only `Prometheus`.
 */
export class PrometheusOperator extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    /** The CRDs it applied (none with `crds: external`): monitoring objects of the stack wait for them. */
    readonly crds: readonly k8s.apiextensions.v1.CustomResourceDefinition[];

    constructor(name: string, args: PrometheusOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lgtm:operator:PrometheusOperator", name, {}, opts);
        const { namespace, rendered } = args;
        const crds = rendered.crds === "install" ? installCrds(name, args.crds, this) : [];
        this.crds = crds;
        this.deployment = operatorDeployment(name, namespace, args.pod, this);
        agentAccount(name, namespace, this);
        const metadata = (objectName: string, workload: string) => ({ name: objectName, namespace, labels: componentLabels(workload), annotations: { ...rendered.annotations } });
        // The objects need their CRDs first; the operator reconciles them once it runs.
        const after = { parent: this, dependsOn: [...crds, this.deployment] };
        new k8s.apiextensions.CustomResource(
            `${name}-agent`,
            { apiVersion: `${MONITORING_GROUP}/v1alpha1`, kind: "PrometheusAgent", metadata: metadata(OPERATOR_AGENT_NAME, OPERATOR_WORKLOADS.agent), spec: rendered.agentSpec },
            after,
        );
        podDisruptionBudget(`${name}-agent-pdb`, rendered.agentBudget, namespace, this);
        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            { apiVersion: `${MONITORING_GROUP}/v1`, kind: "Prometheus", metadata: metadata(OPERATOR_PROMETHEUS_NAME, "prometheus"), spec: rendered.rulesSpec },
            after,
        );
        this.registerOutputs({ deployment: this.deployment });
    }
}

/**
 * Each pinned CRD, applied server-side and forced: on a cluster where kube-prometheus-stack (or
 * anyone) installed older ones, `up` takes the fields over and upgrades them, and every later
 * `up` keeps them at the pinned release. Kept on `destroy`: deleting a CRD deletes every object of
 * its kind in the cluster, other charts' ServiceMonitors and rules included.
 */
function installCrds(name: string, manifests: pulumi.Input<readonly CrdManifest[]> | undefined, parent: pulumi.Resource): k8s.apiextensions.v1.CustomResourceDefinition[] {
    if (!manifests) {
        throw new Error("operator.crds is install but no CRDs were loaded; the program loads them with loadOperatorCrds()");
    }
    const all = pulumi.output(manifests);
    return OPERATOR_CRDS.map(
        (crd) =>
            new k8s.apiextensions.v1.CustomResourceDefinition(
                `${name}-crd-${crd.name.split(".")[0]}`,
                {
                    metadata: {
                        name: crd.name,
                        labels: componentLabels(OPERATOR_WORKLOADS.operator),
                        // The release annotation the files carry (tools and people read it): without
                        // it a taken-over CRD would keep claiming the older release it was upgraded from.
                        annotations: { "pulumi.com/patchForce": "true", "operator.prometheus.io/version": OPERATOR_VERSION.replace(/^v/, "") },
                    },
                    spec: all.apply((list) => {
                        const manifest = list.find((m) => m.metadata.name === crd.name);
                        if (!manifest) throw new Error(`the loaded CRDs have no ${crd.name}`);
                        return manifest.spec as unknown as k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec;
                    }),
                },
                { parent, retainOnDelete: true },
            ),
    );
}

function operatorDeployment(name: string, namespace: pulumi.Input<string>, pod: PodDescription, parent: pulumi.Resource): k8s.apps.v1.Deployment {
    const { labels } = pod;
    // The pod runs as this account (its description names it): the one pod of the feature that needs its token.
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: pod.spec.serviceAccountName, namespace, labels } }, { parent });
    const subjects = [{ kind: "ServiceAccount", name: account.metadata.name, namespace }];
    const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-cluster`, { metadata: { labels }, rules: OPERATOR_CLUSTER_RULES }, { parent });
    const clusterBinding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-cluster`, { metadata: { labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name }, subjects }, { parent });
    const role = new k8s.rbac.v1.Role(`${name}-namespace`, { metadata: { namespace, labels }, rules: OPERATOR_NAMESPACE_RULES }, { parent });
    const binding = new k8s.rbac.v1.RoleBinding(`${name}-namespace`, { metadata: { namespace, labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects }, { parent });
    // Its access must exist first: an operator that finds no permission at start exits ("no
    // controller can be started") and restarts until the bindings appear.
    return podWorkload(`${name}-deployment`, pod, { namespace, parent, dependsOn: [account, clusterRole, role, clusterBinding, binding] }) as k8s.apps.v1.Deployment;
}

function agentAccount(name: string, namespace: pulumi.Input<string>, parent: pulumi.Resource): void {
    const workload = OPERATOR_WORKLOADS.agent;
    const labels = componentLabels(workload);
    const account = new k8s.core.v1.ServiceAccount(`${name}-agent-sa`, { metadata: { name: workload, namespace, labels } }, { parent });
    const role = new k8s.rbac.v1.ClusterRole(`${name}-agent-discovery`, { metadata: { labels }, rules: AGENT_RULES }, { parent });
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-agent-discovery`,
        { metadata: { labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name }, subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }] },
        { parent },
    );
}
