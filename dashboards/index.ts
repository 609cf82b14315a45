/**
 * Every dashboard the stack provisions, rendered from the validated config: the overview, stack
 * health, per service golden signals and SLOs, and one dashboard per runbook.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { Links } from "../alerts/links";
import { ServiceSpec, StackConfig } from "../config/types";
import { STACK_ALERT_NAMES } from "../model/alerting";
import { CLUSTER_SELF_MONITORING_ALERTS } from "../model/cluster";
import { dashboardUids } from "../model/ids";
import { ParsedRunbook, SERVICE_VARIABLE } from "../model/runbook";
import { apiServerSloService, clusterSloServices } from "../alerts/cluster";
import { clusterComputeDashboard, clusterNetworkDashboard, clusterNodesDashboard, clusterVolumesDashboard } from "./cluster";
import { goldenDashboard } from "./golden";
import { infrastructureDashboard } from "./infrastructure";
import { overviewDashboard } from "./overview";
import { runbookDashboard } from "./runbookDashboard";
import { sloDashboard } from "./slo";
import { monitoredComponents, stackHealthDashboard } from "./stackHealth";

export { substituteVariables } from "../model/queryGrammar";
export { dashboardQueries } from "./queries";
export type { DashboardQuery } from "./queries";

export interface RenderedDashboard {
    readonly uid: string;
    readonly title: string;
    /** `<uid>.json`, the file the render command writes. */
    readonly fileName: string;
    /** The service a golden-signals or SLO dashboard is about; absent on stack-level dashboards. */
    readonly service?: string;
    /** The dashboard JSON model, as plain data. */
    readonly model: object;
}

function rendered(model: dashboard.Dashboard, service?: string): RenderedDashboard {
    const uid = model.uid ?? "";
    return { uid, title: model.title ?? "", fileName: `${uid}.json`, ...(service === undefined ? {} : { service }), model };
}

/** Golden signals, and SLOs when the service declares any. */
export function renderServiceDashboards(config: StackConfig, service: ServiceSpec, links: Links): RenderedDashboard[] {
    const dashboards = [goldenDashboard(service, links)];
    if (service.slos.length > 0) {
        dashboards.push(sloDashboard(service, links));
    }
    return dashboards.map((model) => rendered(model, service.name));
}

/**
 * Stack alerts are about components, whose job names fill `$service`; service alerts are about
 * services, which carry a `service` label on every recorded series.
 */
function serviceValuesQuery(config: StackConfig, alert: string): string {
    // By name, not by what this topology renders: StackTierDown's runbook dashboard lists components in both.
    const isStackAlert = (STACK_ALERT_NAMES as readonly string[]).includes(alert) || CLUSTER_SELF_MONITORING_ALERTS.includes(alert);
    return isStackAlert ? `label_values(up{job=~"${monitoredComponents(config).join("|")}"}, job)` : `label_values(${SERVICE_VARIABLE})`;
}

export function renderRunbookDashboards(config: StackConfig, links: Links, runbooks: readonly ParsedRunbook[]): RenderedDashboard[] {
    return [...runbooks]
        .sort((a, b) => (a.alert < b.alert ? -1 : a.alert > b.alert ? 1 : 0))
        .map((runbook) => rendered(runbookDashboard(runbook, links, serviceValuesQuery(config, runbook.alert))));
}

/** Overview, stack health, cluster infrastructure and runbook dashboards: the ones that belong to the stack, not a service. */
export function renderStackDashboards(config: StackConfig, links: Links, runbooks: readonly ParsedRunbook[]): RenderedDashboard[] {
    return [
        rendered(overviewDashboard(links, config.services.some((service) => service.businessCounters.length > 0), [...config.services, ...clusterSloServices(config)])),
        rendered(stackHealthDashboard(config, links)),
        rendered(infrastructureDashboard(links)),
        rendered(clusterComputeDashboard(links)),
        rendered(clusterNodesDashboard(config, links)),
        rendered(clusterVolumesDashboard(links)),
        rendered(clusterNetworkDashboard(config, links)),
        // The API server's SLOs (alerts/cluster.ts), when the provider lets Prometheus see it.
        ...(config.cluster.controlPlane.apiServer ? [rendered(sloDashboard(apiServerSloService(), links, { title: "Cluster: compute resources", uid: dashboardUids.clusterCompute() }))] : []),
        ...renderRunbookDashboards(config, links, runbooks),
    ];
}
