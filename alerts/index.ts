/**
 * All rule files of a stack, from one table of alert families: per service (golden signals, SLOs,
 * and the log alerts Loki's ruler evaluates) and the stack's own. A family is registered once, here,
 * under its name in model/alerting.ts (ALERT_FAMILIES), which lists the alert names it may fire.
 */
import { ServiceSpec, StackConfig } from "../config/types";
import { ALERT_FAMILIES, AlertFamily } from "../model/alerting";
import { goldenAlerts, goldenRecordingRules } from "./golden";
import { clusterAlerts, clusterRecordingRules } from "./cluster";
import { infrastructureAlerts } from "./infrastructure";
import { Links } from "./links";
import { logAlertDefinitions } from "./logs";
import { AlertDefinition, RecordingRule, RuleFile, RuleGroup, toAlertingRule } from "./model";
import { sloAlerts, sloRecordingRules } from "./slo";
import { stackAlerts } from "./stack";

/** A rule group before links are attached: its recording rules, then its alerts. */
interface FamilyGroup {
    readonly name: string;
    readonly recording: readonly RecordingRule[];
    readonly alerts: readonly AlertDefinition[];
}

type StackFamily = { [K in AlertFamily]: (typeof ALERT_FAMILIES)[K]["scope"] extends "stack" ? K : never }[AlertFamily];
type ServiceFamily = Exclude<AlertFamily, StackFamily>;

/** What a family renders once per stack. */
const STACK_FAMILIES: { readonly [K in StackFamily]: (config: StackConfig) => FamilyGroup[] } = {
    stack: (config) => [{ name: "lgtm-stack-self-monitoring", recording: [], alerts: stackAlerts(config) }],
    infrastructure: () => [{ name: "lgtm-stack-infrastructure", recording: [], alerts: infrastructureAlerts() }],
    cluster: (config) => [{ name: "lgtm-stack-cluster", recording: clusterRecordingRules(config), alerts: clusterAlerts(config) }],
};

/** What a family renders once per service; `scrapeInterval` is the stack's (`prometheus.scrapeInterval`), a scraped service's sample interval. */
const SERVICE_FAMILIES: { readonly [K in ServiceFamily]: (service: ServiceSpec, scrapeInterval: string) => FamilyGroup[] } = {
    golden: (service, scrapeInterval) => [{ name: `${service.name}-golden-signals`, recording: goldenRecordingRules(service, scrapeInterval), alerts: goldenAlerts(service, scrapeInterval) }],
    // Read the rates the golden family records: serviceRuleFile puts both in the service's one group, the golden rules first.
    slo: (service) => service.slos.map((slo) => ({ name: `${service.name}-slo-${slo.name}`, recording: sloRecordingRules(service, slo, true), alerts: sloAlerts(service, slo, true) })),
    logs: (service) => (service.logAlerts.length === 0 ? [] : [{ name: `${service.name}-logs`, recording: [], alerts: logAlertDefinitions(service) }]),
};

/** Whether Loki's ruler evaluates the family's rules (on logs), not the metrics store's. */
const onLogs = (family: ServiceFamily): boolean => "ruler" in ALERT_FAMILIES[family];

function ruleGroup(group: FamilyGroup, links: Links): RuleGroup {
    return { name: group.name, rules: [...group.recording, ...group.alerts.map((a) => toAlertingRule(a, links))] };
}

function serviceGroups(service: ServiceSpec, scrapeInterval: string, logs: boolean): FamilyGroup[] {
    return (Object.keys(SERVICE_FAMILIES) as ServiceFamily[]).filter((family) => onLogs(family) === logs).flatMap((family) => SERVICE_FAMILIES[family](service, scrapeInterval));
}

function stackGroups(config: StackConfig): FamilyGroup[] {
    return (Object.keys(STACK_FAMILIES) as StackFamily[]).flatMap((family) => STACK_FAMILIES[family](config));
}

/**
 * One service's Prometheus rule file: one group named after the service, its families' recording
 * rules in order (the golden family's rates first: alerts/rates.ts), then their alerts. One group,
 * because the SLOs' rules read the rates the golden rules record at the same timestamp; groups are
 * evaluated independently of one another. `scrapeInterval` is the stack's
 * (`prometheus.scrapeInterval`), a scraped service's sample interval.
 */
export function serviceRuleFile(service: ServiceSpec, links: Links, scrapeInterval: string): RuleFile {
    const families = serviceGroups(service, scrapeInterval, false);
    const group = { name: service.name, recording: families.flatMap((family) => family.recording), alerts: families.flatMap((family) => family.alerts) };
    return { name: `service-${service.name}`, groups: [ruleGroup(group, links)] };
}

/** The service's rule file for Loki's ruler; undefined when it has no log alerts (log rules need no sample interval). */
export function lokiRuleFile(service: ServiceSpec, links: Links): RuleFile | undefined {
    const groups = serviceGroups(service, "", true);
    return groups.length === 0 ? undefined : { name: `service-${service.name}`, groups: groups.map((group) => ruleGroup(group, links)) };
}

export function stackRuleFile(config: StackConfig, links: Links): RuleFile {
    return { name: "stack", groups: stackGroups(config).map((group) => ruleGroup(group, links)) };
}

export function renderRuleFiles(config: StackConfig, links: Links): RuleFile[] {
    return [stackRuleFile(config, links), ...config.services.map((service) => serviceRuleFile(service, links, config.prometheus.scrapeInterval))];
}

/** Every alert the stack defines, for runbook and link checks. */
export function alertCatalog(config: StackConfig): AlertDefinition[] {
    const { scrapeInterval } = config.prometheus;
    return [...stackGroups(config), ...config.services.flatMap((service) => [...serviceGroups(service, scrapeInterval, false), ...serviceGroups(service, scrapeInterval, true)])].flatMap((group) => group.alerts);
}

/** Every alert of each family, by family: for the check that a family fires only the names it registers. */
export function alertsByFamily(config: StackConfig): Record<AlertFamily, AlertDefinition[]> {
    const families = {} as Record<AlertFamily, AlertDefinition[]>;
    for (const family of Object.keys(STACK_FAMILIES) as StackFamily[]) {
        families[family] = STACK_FAMILIES[family](config).flatMap((group) => [...group.alerts]);
    }
    for (const family of Object.keys(SERVICE_FAMILIES) as ServiceFamily[]) {
        families[family] = config.services.flatMap((service) => SERVICE_FAMILIES[family](service, config.prometheus.scrapeInterval)).flatMap((group) => [...group.alerts]);
    }
    return families;
}
