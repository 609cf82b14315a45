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
import { checksum } from "./checksum";
import { DashboardConfigMap, packFiles } from "./dashboardFiles";
import { namespaceDashboardsProvider } from "./dashboardSidecars";
import { ScratchSpace } from "../model/ephemeralStorage";
import { DatasourceDefinition } from "./datasources";
import { EXPANDER_PROBES, EXPANDER_SCRIPT, RenderedServiceDashboards, serviceDashboardsProvider } from "./serviceDashboards";
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

export type { DashboardConfigMap } from "./dashboardFiles";

export interface GrafanaFolder {
    readonly uid: string;
    readonly title: string;
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
    /** Overview and stack health, then the runbook dashboards. */
    readonly stackDashboardConfigMaps: readonly DashboardConfigMap[];
    /** The configured services' dashboards as templates and an index, and the expander's settings. */
    readonly serviceDashboards: {
        readonly configMaps: readonly DashboardConfigMap[];
        readonly script: string;
        /** Shell conditions for the watch loop's readiness and liveness probes. */
        readonly probes: { readonly ready: string; readonly alive: string };
        readonly scratch: ScratchSpace;
    };
}

export function grafanaFolder(config: StackConfig): GrafanaFolder {
    return { uid: "lgtm-stack", title: `Observability (${config.stack})` };
}

export function renderGrafanaProvisioning(
    config: StackConfig,
    datasources: readonly DatasourceDefinition[],
    stackDashboards: readonly RenderedDashboard[],
    serviceDashboards: RenderedServiceDashboards,
): RenderedGrafanaProvisioning {
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
                serviceDashboardsProvider(folder, DASHBOARD_RESCAN_SECONDS),
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
        serviceDashboards: { configMaps: serviceDashboards.configMaps, script: EXPANDER_SCRIPT, probes: EXPANDER_PROBES, scratch: serviceDashboards.scratch },
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

/** One service's dashboards in ConfigMaps of its own (a service declared in code). */
export function serviceDashboardConfigMaps(service: string, dashboards: readonly RenderedDashboard[]): DashboardConfigMap[] {
    return packDashboards(`grafana-dashboards-service-${service}`, dashboards);
}

/** Dashboards in order as JSON files in ConfigMaps under the size limit (packFiles). */
export function packDashboards(prefix: string, dashboards: readonly RenderedDashboard[]): DashboardConfigMap[] {
    const titles = new Map(dashboards.map((dashboard) => [dashboard.fileName, dashboard.title]));
    return packFiles(prefix, dashboards.map((dashboard) => [dashboard.fileName, toJson(dashboard.model)] as const), (fileName) => `dashboard "${titles.get(fileName)}" (${fileName})`);
}
