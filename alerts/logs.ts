/**
 * Log-based alerts: LogQL metric queries over a service's logs, evaluated by Loki's ruler (which
 * runs Prometheus' rule manager on LogQL) and sent to the stack's Alertmanager, so they carry the
 * same labels and links as every other alert and route by severity.
 */
import { LogAlert, ServiceSpec } from "../config/types";
import { LOG_ALERT_PRESETS, LOG_ALERT_WINDOW } from "../model/alerting";
import { dashboardUids } from "../model/ids";
import { AlertDefinition } from "./model";

/** The stream selector of a service's logs, as the golden dashboard's log panels read them. */
export function serviceLogSelector(service: ServiceSpec): string {
    return `{service_name="${service.name}"}`;
}

function definition(service: ServiceSpec, alert: LogAlert): AlertDefinition {
    const base = { service: service.name, team: service.team, dashboardUid: dashboardUids.golden(service.name), for: alert.for, severity: alert.severity };
    if (alert.kind === "custom") {
        return {
            ...base,
            alert: alert.alert,
            expr: alert.expr,
            summary: alert.summary ?? `${alert.alert} in the logs of ${service.name}`,
            description: alert.description ?? `The LogQL alert ${alert.alert} on the logs of ${service.name} holds, with value {{ $value }}.`,
        };
    }
    const preset = LOG_ALERT_PRESETS[alert.preset];
    return {
        ...base,
        alert: preset.alert,
        expr: `sum(count_over_time(${serviceLogSelector(service)} ${preset.filter} [${LOG_ALERT_WINDOW}])) > ${alert.threshold}`,
        summary: `${service.name} logs more than ${alert.threshold} ${preset.records} per ${LOG_ALERT_WINDOW}`,
        description: `{{ $value }} ${preset.records} in the logs of ${service.name} over the last ${LOG_ALERT_WINDOW} (threshold ${alert.threshold}).`,
    };
}

export function logAlertDefinitions(service: ServiceSpec): AlertDefinition[] {
    return service.logAlerts.map((alert) => definition(service, alert));
}
