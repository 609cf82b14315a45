/**
 * Rule groups shared by services of one rule shape. Services whose rules differ only in their name
 * (same preset and discovery, team, SLOs, thresholds, burn-rate policy, traffic-anomaly settings)
 * share one group: each rule reads and records every member's series at once (alerts/scope.ts), so a
 * fleet of a thousand such services has a few dozen groups of the same rules where it had a thousand
 * copies. The arithmetic is the same per member: the same raw series summed in the same order, the
 * recorded rates read in the same group at the same timestamp. The alerts carry the same labels, and
 * their texts and links name the service through `{{ $labels.service }}`, which Prometheus expands to
 * the same words. What a service computes from queries of its own (saturation, queue, business
 * counters, probe SLOs) stays its own rules, in the same group.
 */
import { ServiceSpec } from "../config/types";
import { SERVICE_SERIES } from "../model/recordedSeries";
import { goldenAlerts, goldenExtraAlerts, goldenExtraRecordingRules, goldenRecordingRules } from "./golden";
import { Links, SERVICE_LABEL_TEMPLATE } from "./links";
import { AlertDefinition, RecordingRule, RuleGroup, toAlertingRule } from "./model";
import { readsServiceRates } from "./rates";
import { sloAlerts, sloRecordingRules } from "./slo";

/** Whether a service's rules can be shared: its requests are a preset's metrics (a `custom` preset's queries are its own). */
export function sharesRules(service: ServiceSpec): boolean {
    return service.conventions.metrics !== undefined;
}

/** The shared part of a service's rules, as a template over `members`: its own queries and probe SLOs left out. */
function template(service: ServiceSpec, members: readonly string[]): ServiceSpec {
    const { conventions } = service;
    return {
        ...service,
        name: SERVICE_LABEL_TEMPLATE,
        ruleMembers: members,
        conventions: conventions.metrics ? { preset: conventions.preset, metrics: conventions.metrics } : conventions,
        saturation: [],
        businessCounters: [],
        slos: service.slos.filter((slo) => readsServiceRates(service, slo)),
        probes: [],
    };
}

interface Rules {
    readonly recording: RecordingRule[];
    readonly alerts: AlertDefinition[];
}

/** The template's rules: the golden family's rates first, then the SLOs' rules that read them (alerts/index.ts's order). */
function templateRules(shape: ServiceSpec, scrapeInterval: string): Rules {
    return {
        recording: [...goldenRecordingRules(shape, scrapeInterval), ...shape.slos.flatMap((slo) => sloRecordingRules(shape, slo, true))],
        alerts: [...goldenAlerts(shape, scrapeInterval), ...shape.slos.flatMap((slo) => sloAlerts(shape, slo, true))],
    };
}

/** One member's own rules: those on its own queries, and its probe SLOs. */
function memberRules(service: ServiceSpec): Rules {
    const own = service.slos.filter((slo) => !readsServiceRates(service, slo));
    return {
        recording: [...goldenExtraRecordingRules(service), ...own.flatMap((slo) => sloRecordingRules(service, slo, true))],
        alerts: [...goldenExtraAlerts(service), ...own.flatMap((slo) => sloAlerts(service, slo, true))],
    };
}

/**
 * The service's rule shape: services with equal shapes can share a group. It is the shared rules
 * themselves, rendered over a placeholder member, so anything that changes them tells two shapes apart.
 */
export function ruleShape(service: ServiceSpec, scrapeInterval: string): string {
    return JSON.stringify(templateRules(template(service, ["\u0000"]), scrapeInterval));
}

/**
 * One shared group: the members' info series first (the group's constants and ServiceDown read it),
 * the shared recording rules, each member's own recording rules, then the alerts. `members` must be
 * of one shape ({@link ruleShape}), which is checked.
 */
export function sharedRuleGroup(name: string, members: readonly ServiceSpec[], links: Links, scrapeInterval: string): RuleGroup {
    const names = members.map((member) => member.name);
    const shape = ruleShape(members[0], scrapeInterval);
    const other = members.find((member) => ruleShape(member, scrapeInterval) !== shape);
    if (other) {
        throw new Error(`rule group ${name}: services "${members[0].name}" and "${other.name}" differ in their rules and cannot share a group`);
    }
    const shared = templateRules(template(members[0], names), scrapeInterval);
    const own = members.map(memberRules);
    const info: RecordingRule = {
        record: SERVICE_SERIES.member.name,
        expr: names.map((member) => `label_replace(vector(1), "service", "${member}", "", "")`).join(" or "),
    };
    return {
        name,
        rules: [
            info,
            ...shared.recording,
            ...own.flatMap((rules) => rules.recording),
            ...[...shared.alerts, ...own.flatMap((rules) => rules.alerts)].map((alert) => toAlertingRule(alert, links)),
        ],
    };
}
