/**
 * The access of the k8s-sidecars in the Grafana pod (`grafana.dashboardConfigMaps`; their containers,
 * shared folder and token volume are described in render/grafanaPod.ts): a service account and read
 * access to ConfigMaps, a ClusterRole with `namespaces: all`, a Role in each namespace otherwise.
 * Nothing else: no Secrets, no writes.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RenderedDashboardSidecars } from "../render/dashboardSidecars";
import { GRAFANA_SERVICE_ACCOUNT } from "../render/grafanaPod";

/** All the sidecars may do: read ConfigMaps (list, then watch; get for single reads). */
export const DASHBOARD_SIDECAR_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }];

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
