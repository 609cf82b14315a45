/**
 * Wires the rendered k8s-sidecars into the Grafana pod (`grafana.dashboardConfigMaps`): their
 * containers, the shared folder, a service-account token mounted into the sidecars only (Grafana's
 * own container gets none), and read access to ConfigMaps: a ClusterRole with `namespaces: all`, a
 * Role in each namespace otherwise. Nothing else: no Secrets, no writes.
 */
import * as k8s from "@pulumi/kubernetes";
import { ScratchSpace } from "../model/ephemeralStorage";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_DASHBOARDS, RenderedDashboardSidecars } from "../render/dashboardSidecars";
import { hardenedContainer } from "./workload";

/** All the sidecars may do: read ConfigMaps (list, then watch; get for single reads). */
export const DASHBOARD_SIDECAR_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }];

/** Where the Kubernetes client libraries look for the in-cluster token, CA and namespace. */
const TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_VOLUME = "dashboards-sidecar-token";
const SCRATCH_VOLUME = "dashboards-sidecar-tmp";

export const GRAFANA_SERVICE_ACCOUNT = "grafana";

/** The ServiceAccount and its read access to ConfigMaps where the sidecars look. */
export function dashboardSidecarAccess(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, rendered: RenderedDashboardSidecars, parent: pulumi.Resource) {
    const account = new k8s.core.v1.ServiceAccount(`${name}-account`, { metadata: { name: GRAFANA_SERVICE_ACCOUNT, namespace, labels }, automountServiceAccountToken: false }, { parent });
    const subjects = [{ kind: "ServiceAccount", name: account.metadata.name, namespace }];
    if (rendered.access.scope === "cluster") {
        const role = new k8s.rbac.v1.ClusterRole(`${name}-dashboards-read`, { metadata: { labels }, rules: DASHBOARD_SIDECAR_RULES }, { parent });
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-dashboards-read`,
            { metadata: { labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name }, subjects },
            { parent },
        );
    } else {
        for (const watched of rendered.access.namespaces) {
            const role = new k8s.rbac.v1.Role(`${name}-dashboards-read-${watched}`, { metadata: { namespace: watched, labels }, rules: DASHBOARD_SIDECAR_RULES }, { parent });
            new k8s.rbac.v1.RoleBinding(
                `${name}-dashboards-read-${watched}`,
                { metadata: { namespace: watched, labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects },
                { parent },
            );
        }
    }
    return account;
}

/** The sidecar containers and the volumes they share with Grafana (which mounts the folder read-only). */
export function dashboardSidecarPodParts(rendered: RenderedDashboardSidecars, scratch: ScratchSpace) {
    const containers = rendered.sidecars.map((sidecar) =>
        hardenedContainer({
            name: sidecar.name,
            image: rendered.settings.image,
            env: Object.entries(sidecar.env).map(([key, value]) => ({ name: key, value })),
            ports: [{ name: `health-${sidecar.healthPort}`.slice(0, 15), containerPort: sidecar.healthPort }],
            resources: rendered.settings.resources,
            scratch,
            // /healthz answers 200 once the first sync is done, and fails when the API has been out of reach for a minute.
            readinessPath: "/healthz",
            livenessPath: "/healthz",
            volumeMounts: [
                { name: NAMESPACE_DASHBOARDS.volume, mountPath: NAMESPACE_DASHBOARDS.path },
                { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
                { name: SCRATCH_VOLUME, mountPath: "/tmp" },
            ],
        }),
    );
    const volumes: k8s.types.input.core.v1.Volume[] = [
        { name: NAMESPACE_DASHBOARDS.volume, emptyDir: { sizeLimit: scratch.data } },
        { name: SCRATCH_VOLUME, emptyDir: { sizeLimit: scratch.tmp } },
        {
            // What automountServiceAccountToken would mount, for these containers only.
            name: TOKEN_VOLUME,
            projected: {
                sources: [
                    { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                    { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
                ],
            },
        },
    ];
    const grafanaMount: k8s.types.input.core.v1.VolumeMount = { name: NAMESPACE_DASHBOARDS.volume, mountPath: NAMESPACE_DASHBOARDS.path, readOnly: true };
    return { containers, volumes, grafanaMount };
}
