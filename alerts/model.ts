/** Prometheus rule-file shapes, and the one function that turns an alert definition into a rule. */
import { Severity } from "../config/types";
import { Links, SERVICE_LABEL_TEMPLATE } from "./links";

export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
    readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    /** Keeps a firing alert firing this long after its condition clears (no re-page on one good evaluation). */
    readonly keep_firing_for?: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
    readonly name: string;
    readonly interval?: string;
    readonly rules: readonly Rule[];
}

/** One rule file (`prometheus/rules/<name>.yaml`), one ConfigMap. */
export interface RuleFile {
    readonly name: string;
    readonly groups: readonly RuleGroup[];
}

/** What an alert means, before links are attached. */
export interface AlertDefinition {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly keepFiringFor?: string;
    readonly severity: Severity;
    /** Static `service` label; omit when the expression itself yields a `service` label. */
    readonly service?: string;
    readonly team?: string;
    readonly slo?: string;
    readonly summary: string;
    readonly description: string;
    /** Dashboard the alert is about; `dashboard_url` points there. */
    readonly dashboardUid: string;
    /** Extra labels, e.g. `signal` on saturation alerts. */
    readonly extraLabels?: Readonly<Record<string, string>>;
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return "alert" in rule;
}

/** The single place every alert gets its labels and its runbook and dashboard links. */
export function toAlertingRule(definition: AlertDefinition, links: Links): AlertingRule {
    const labels: Record<string, string> = { severity: definition.severity };
    if (definition.service) {
        labels.service = definition.service;
    }
    if (definition.team) {
        labels.team = definition.team;
    }
    if (definition.slo) {
        labels.slo = definition.slo;
    }
    Object.assign(labels, definition.extraLabels ?? {});
    // With a static service the links can name it; otherwise Grafana's link shows all services.
    const service = definition.service ?? SERVICE_LABEL_TEMPLATE;
    return {
        alert: definition.alert,
        expr: definition.expr,
        for: definition.for,
        ...(definition.keepFiringFor ? { keep_firing_for: definition.keepFiringFor } : {}),
        labels,
        annotations: {
            summary: definition.summary,
            description: definition.description,
            runbook_url: links.runbookUrl(definition.alert),
            runbook_dashboard_url: links.runbookDashboardUrl(definition.alert, service),
            dashboard_url: links.dashboardUrl(definition.dashboardUid, service),
        },
    };
}
