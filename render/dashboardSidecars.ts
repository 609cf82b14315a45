/**
 * Dashboards from other namespaces (`grafana.dashboardConfigMaps`): the k8s-sidecar containers
 * (kiwigrid/k8s-sidecar) next to Grafana that write the labelled ConfigMaps' files into a folder
 * Grafana's second dashboard provider reads with `foldersFromFilesStructure`, each sub-folder a
 * Grafana folder. The environment follows the sidecar's README (tag pinned in tools/versions.json):
 * LABEL / LABEL_VALUE select the ConfigMaps, NAMESPACE is `ALL` or one namespace, FOLDER is where
 * files go, FOLDER_ANNOTATION names the annotation whose value (relative to FOLDER) overrides it,
 * RESOURCE `configmap` (never Secrets), METHOD `WATCH` (list once, then watch), UNIQUE_FILENAMES
 * prefixes namespace and ConfigMap so two teams' `dashboard.json` cannot overwrite each other,
 * HEALTH_PORT serves /healthz (ready once the first sync is done).
 */
import { DashboardConfigMaps, StackConfig } from "../config/types";
import { fnv1a32 } from "./prometheus";

/** Where the sidecars write and Grafana's `namespaces` provider reads: an emptyDir shared by them. */
export const NAMESPACE_DASHBOARDS = {
    path: "/var/lib/grafana-dashboards",
    volume: "namespace-dashboards",
    /** The sidecar's default health port; with one sidecar per namespace each takes the next one. */
    firstHealthPort: 8080,
    /** Dashboards whose ConfigMap names no folder (`namespaces: all`) land here, shown as this folder. */
    provider: "namespaces",
} as const;

export interface RenderedDashboardSidecar {
    /** Container name: `dashboards` (all namespaces) or `dashboards-<namespace>`. */
    readonly name: string;
    /** `ALL`, or the one namespace it watches. */
    readonly namespace: string;
    readonly healthPort: number;
    readonly env: Readonly<Record<string, string>>;
}

export interface RenderedDashboardSidecars {
    readonly sidecars: readonly RenderedDashboardSidecar[];
    /** Who may read ConfigMaps: the whole cluster (`all`), or each listed namespace on its own (a Role there). */
    readonly access: { readonly scope: "cluster" } | { readonly scope: "namespaces"; readonly namespaces: readonly string[] };
    readonly settings: DashboardConfigMaps;
}

function containerName(namespace: string): string {
    const name = `dashboards-${namespace}`;
    return name.length <= 63 ? name : `dashboards-${fnv1a32(namespace).toString(16).padStart(8, "0")}`;
}

export function renderDashboardSidecars(config: StackConfig): RenderedDashboardSidecars | undefined {
    const settings = config.grafana.dashboardConfigMaps;
    if (!settings) {
        return undefined;
    }
    const env = (namespace: string, folder: string, healthPort: number) => ({
        LABEL: settings.label,
        LABEL_VALUE: settings.labelValue,
        FOLDER: folder,
        FOLDER_ANNOTATION: settings.folderAnnotation,
        NAMESPACE: namespace,
        RESOURCE: "configmap",
        METHOD: "WATCH",
        UNIQUE_FILENAMES: "true",
        HEALTH_PORT: String(healthPort),
    });
    if (settings.namespaces === "all") {
        const port = NAMESPACE_DASHBOARDS.firstHealthPort;
        return { sidecars: [{ name: "dashboards", namespace: "ALL", healthPort: port, env: env("ALL", NAMESPACE_DASHBOARDS.path, port) }], access: { scope: "cluster" }, settings };
    }
    // One sidecar per namespace, each writing into a folder named after it: a Grafana folder per namespace.
    const sidecars = settings.namespaces.map((namespace, index) => {
        const port = NAMESPACE_DASHBOARDS.firstHealthPort + index;
        return { name: containerName(namespace), namespace, healthPort: port, env: env(namespace, `${NAMESPACE_DASHBOARDS.path}/${namespace}`, port) };
    });
    return { sidecars, access: { scope: "namespaces", namespaces: settings.namespaces }, settings };
}

/**
 * The second dashboard provider: every sub-folder of the sidecars' folder becomes a Grafana folder
 * of its name (`foldersFromFilesStructure`, which needs `folder` and `folderUid` unset). Teams own
 * these dashboards in their ConfigMaps, so Grafana may not save over them either.
 */
export function namespaceDashboardsProvider(orgId: number, rescanSeconds: number) {
    return {
        name: NAMESPACE_DASHBOARDS.provider,
        orgId,
        type: "file",
        disableDeletion: false,
        updateIntervalSeconds: rescanSeconds,
        allowUiUpdates: false,
        options: { path: NAMESPACE_DASHBOARDS.path, foldersFromFilesStructure: true },
    };
}
