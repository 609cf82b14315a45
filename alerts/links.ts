/**
 * The one place alert links are built (kubernetes-mixin's add-runbook-links, as a function):
 * `runbook_url` → the runbook in the repository's web view, `runbook_dashboard_url` → the same
 * runbook provisioned into Grafana, `dashboard_url` → the dashboard the alert is about.
 */
import { StackConfig } from "../config/types";
import { dashboardUids } from "../model/ids";


/** Where the alert's own `service` label goes when the rule has no static one; Prometheus expands it per alert. */
export const SERVICE_LABEL_TEMPLATE = "{{ $labels.service }}";

export interface Links {
    runbookUrl(alert: string): string;
    runbookDashboardUrl(alert: string, service?: string): string;
    dashboardUrl(uid: string, service?: string): string;
}

export function linksFor(config: StackConfig): Links {
    const grafana = config.grafana.url.replace(/\/$/, "");
    // A template must reach Prometheus as written (encoded, it would never expand); a service name is a DNS label.
    const withService = (service?: string) => (service ? `?var-service=${service === SERVICE_LABEL_TEMPLATE ? service : encodeURIComponent(service)}` : "");
    return {
        runbookUrl: (alert) => `${config.runbookBaseUrl}/${alert}.md`,
        runbookDashboardUrl: (alert, service) => `${grafana}/d/${dashboardUids.runbook(alert)}${withService(service)}`,
        dashboardUrl: (uid, service) => `${grafana}/d/${uid}${withService(service)}`,
    };
}
