/** All Prometheus rule files of a stack: per service (golden + SLO) and the stack's own; Loki's log-alert files are in ./logs. */
export { lokiRuleFile } from "./logs";
import { ServiceSpec, StackConfig } from "../config/types";
import { goldenAlerts, goldenRecordingRules } from "./golden";
import { clusterAlerts, clusterRecordingRules } from "./cluster";
import { infrastructureAlerts } from "./infrastructure";
import { Links } from "./links";
import { logAlertDefinitions } from "./logs";
import { AlertDefinition, RuleFile, toAlertingRule } from "./model";
import { sloAlerts, sloRecordingRules } from "./slo";
import { stackAlerts } from "./stack";

/** One service's rule file; `scrapeInterval` is the stack's (`prometheus.scrapeInterval`), a scraped service's sample interval. */
export function serviceRuleFile(service: ServiceSpec, links: Links, scrapeInterval: string): RuleFile {
    return {
        name: `service-${service.name}`,
        groups: [
            {
                name: `${service.name}-golden-signals`,
                rules: [...goldenRecordingRules(service), ...goldenAlerts(service, scrapeInterval).map((a) => toAlertingRule(a, links))],
            },
            ...service.slos.map((slo) => ({
                name: `${service.name}-slo-${slo.name}`,
                rules: [...sloRecordingRules(service, slo), ...sloAlerts(service, slo).map((a) => toAlertingRule(a, links))],
            })),
        ],
    };
}

export function stackRuleFile(config: StackConfig, links: Links): RuleFile {
    return {
        name: "stack",
        groups: [
            { name: "lgtm-stack-self-monitoring", rules: stackAlerts(config).map((a) => toAlertingRule(a, links)) },
            { name: "lgtm-stack-infrastructure", rules: infrastructureAlerts().map((a) => toAlertingRule(a, links)) },
            { name: "lgtm-stack-cluster", rules: [...clusterRecordingRules(config), ...clusterAlerts(config).map((a) => toAlertingRule(a, links))] },
        ],
    };
}

export function renderRuleFiles(config: StackConfig, links: Links): RuleFile[] {
    return [stackRuleFile(config, links), ...config.services.map((service) => serviceRuleFile(service, links, config.prometheus.scrapeInterval))];
}

/** Every alert the stack defines, for runbook and link checks. */
export function alertCatalog(config: StackConfig): AlertDefinition[] {
    return [...stackAlerts(config), ...infrastructureAlerts(), ...clusterAlerts(config), ...config.services.flatMap((s) => [...goldenAlerts(s, config.prometheus.scrapeInterval), ...s.slos.flatMap((slo) => sloAlerts(s, slo)), ...logAlertDefinitions(s)])];
}
