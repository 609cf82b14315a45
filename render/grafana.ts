/**
 * Grafana's own provisioning files (`grafana.mode: files`, the default): one datasource file, one
 * dashboard provider, and the dashboards packed into ConfigMaps — the stack's apart from each
 * service's, so changing one service's dashboard changes only that service's ConfigMap. Grafana
 * reads datasources at start-up and rescans the dashboard folder every `updateIntervalSeconds`,
 * so a pod restart rebuilds everything from the files and a dashboard change needs no restart.
 * Format: docs/sources/administration/provisioning/index.md of grafana/grafana (Data sources,
 * Dashboards); the test checks every key against a hand-written list of that page.
 */
import { StackConfig } from "../config/types";
import { RenderedDashboard } from "../dashboards";
import { dashboardUids } from "../model/ids";
import { CONFIGMAP_DATA_LIMIT_BYTES } from "../model/components";
import { checksum } from "./checksum";
import { namespaceDashboardsProvider } from "./dashboardSidecars";
import { DatasourceDefinition } from "./datasources";
import { toJson, toYaml } from "./yaml";

/** Where Grafana looks for its files in the pod. */
export const GRAFANA_PATHS = {
    /** GF_PATHS_PROVISIONING: the image's default, set explicitly so our mounts and Grafana agree. */
    provisioning: "/etc/grafana/provisioning",
    /** Every dashboard ConfigMap, projected into one folder the dashboard provider scans. */
    dashboards: "/etc/grafana/dashboards",
} as const;

/** The ConfigMap holding both provisioning files, and its keys. */
export const GRAFANA_PROVISIONING_CONFIGMAP = "grafana-provisioning";
export const GRAFANA_PROVISIONING_KEYS = { datasources: "datasources.yaml", dashboards: "dashboards.yaml" } as const;


/** How often Grafana rescans the dashboard folder; the kubelet's ConfigMap sync (about a minute) dominates anyway. */
export const DASHBOARD_RESCAN_SECONDS = 30;

export interface GrafanaFolder {
    readonly uid: string;
    readonly title: string;
}

/** One ConfigMap of dashboard JSON files: file name → JSON. */
export interface DashboardConfigMap {
    readonly name: string;
    readonly data: Readonly<Record<string, string>>;
}

export interface RenderedGrafanaProvisioning {
    /** The folder every mode puts the stack's dashboards in. */
    readonly folder: GrafanaFolder;
    /** provisioning/datasources/<fileName>. */
    readonly datasourcesFile: { readonly fileName: string; readonly content: string };
    /** provisioning/dashboards/<fileName>: one provider reading GRAFANA_PATHS.dashboards. */
    readonly dashboardProvidersFile: { readonly fileName: string; readonly content: string };
    /** Of both provisioning files: Grafana reads them only at start-up, so a change rolls the pod. Dashboards are not in it. */
    readonly checksum: string;
    /** Overview and stack health, then the runbook dashboards; services bring theirs in their bundles. */
    readonly stackDashboardConfigMaps: readonly DashboardConfigMap[];
}

export function grafanaFolder(config: StackConfig): GrafanaFolder {
    return { uid: "lgtm-stack", title: `Observability (${config.stack})` };
}

export function renderGrafanaProvisioning(config: StackConfig, datasources: readonly DatasourceDefinition[], stackDashboards: readonly RenderedDashboard[]): RenderedGrafanaProvisioning {
    const folder = grafanaFolder(config);
    const datasourcesFile = {
        fileName: GRAFANA_PROVISIONING_KEYS.datasources,
        content: toYaml({
            apiVersion: 1,
            // A datasource dropped from the file is deleted too, so the files stay the whole truth.
            prune: true,
            datasources: datasources.map((datasource) => escapeEnvironmentReferences({
                name: datasource.name,
                type: datasource.type,
                uid: datasource.uid,
                access: "proxy",
                orgId: 1,
                url: datasource.url,
                isDefault: datasource.isDefault,
                editable: false,
                jsonData: datasource.jsonData,
                ...(datasource.secureJsonData ? { secureJsonData: datasource.secureJsonData } : {}),
            })),
        }),
    };
    const dashboardProvidersFile = {
        fileName: GRAFANA_PROVISIONING_KEYS.dashboards,
        content: toYaml({
            apiVersion: 1,
            providers: [
                {
                    name: "lgtm-stack",
                    orgId: 1,
                    folder: folder.title,
                    folderUid: folder.uid,
                    type: "file",
                    // A dashboard whose file is gone (a removed service) is deleted from Grafana.
                    disableDeletion: false,
                    updateIntervalSeconds: DASHBOARD_RESCAN_SECONDS,
                    // The files are the source of truth: a UI save would be overwritten at the next change anyway.
                    allowUiUpdates: false,
                    options: { path: GRAFANA_PATHS.dashboards, foldersFromFilesStructure: false },
                },
                // grafana.dashboardConfigMaps: other namespaces' dashboards, a folder per namespace.
                ...(config.grafana.dashboardConfigMaps ? [namespaceDashboardsProvider(1, DASHBOARD_RESCAN_SECONDS)] : []),
            ],
        }),
    };
    const runbooks = stackDashboards.filter((d) => d.uid.startsWith(dashboardUids.runbook("")));
    return {
        folder,
        datasourcesFile,
        dashboardProvidersFile,
        checksum: checksum(datasourcesFile.content, dashboardProvidersFile.content),
        stackDashboardConfigMaps: [...packDashboards("grafana-dashboards-stack", stackDashboards.filter((d) => !runbooks.includes(d))), ...packDashboards("grafana-dashboards-runbooks", runbooks)],
    };
}

/**
 * Grafana expands `$NAME` and `${NAME}` in every value of a provisioning file from its environment
 * (provisioning docs, "Using environment variables"), which would blank Grafana's own link
 * variables such as `${__value.raw}` and `$__tags`; `$$` is the documented literal `$`.
 */
function escapeEnvironmentReferences<T>(value: T): T {
    if (typeof value === "string") {
        return value.replaceAll("$", "$$$$") as T;
    }
    if (Array.isArray(value)) {
        return value.map(escapeEnvironmentReferences) as T;
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, escapeEnvironmentReferences(child)])) as T;
    }
    return value;
}

/** One service's dashboards in ConfigMaps of its own. */
export function serviceDashboardConfigMaps(service: string, dashboards: readonly RenderedDashboard[]): DashboardConfigMap[] {
    return packDashboards(`grafana-dashboards-service-${service}`, dashboards);
}

/**
 * Packs dashboards in order into ConfigMaps under the size limit: `<prefix>`, then `<prefix>.part-2`, …
 * (service names are DNS labels, so a dotted suffix never collides with another service's prefix).
 */
export function packDashboards(prefix: string, dashboards: readonly RenderedDashboard[]): DashboardConfigMap[] {
    const maps: Record<string, string>[] = [];
    let current: Record<string, string> = {};
    let used = 0;
    for (const dashboard of dashboards) {
        const content = toJson(dashboard.model);
        const size = Buffer.byteLength(dashboard.fileName) + Buffer.byteLength(content);
        if (size > CONFIGMAP_DATA_LIMIT_BYTES) {
            throw new Error(
                `dashboard "${dashboard.title}" (${dashboard.fileName}) is ${size} bytes, more than a ConfigMap can hold (${CONFIGMAP_DATA_LIMIT_BYTES}); split its panels into a second dashboard`,
            );
        }
        if (used + size > CONFIGMAP_DATA_LIMIT_BYTES) {
            maps.push(current);
            current = {};
            used = 0;
        }
        current[dashboard.fileName] = content;
        used += size;
    }
    if (Object.keys(current).length > 0) {
        maps.push(current);
    }
    return maps.map((data, index) => ({ name: index === 0 ? prefix : `${prefix}.part-${index + 1}`, data }));
}
